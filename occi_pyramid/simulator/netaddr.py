"""IP address helpers: allocation pools, free-address search, MAC, EUI-64."""
import ipaddress

from . import models


def default_pools(cidr, gateway):
    """The whole host range minus network, broadcast and gateway."""
    net = ipaddress.ip_network(cidr)
    hosts = [h for h in net.hosts() if str(h) != gateway]
    if not hosts:
        return []
    pools = []
    start = prev = hosts[0]
    for host in hosts[1:]:
        if int(host) != int(prev) + 1:
            pools.append([str(start), str(prev)])
            start = host
        prev = host
    pools.append([str(start), str(prev)])
    return pools


def in_pools(address, pools):
    value = int(ipaddress.ip_address(address))
    return any(
        int(ipaddress.ip_address(start)) <= value
        <= int(ipaddress.ip_address(end))
        for start, end in pools
    )


def used_addresses(db, subnet_id):
    rows = db.query(models.IPAddress.address).filter_by(subnet_id=subnet_id)
    return {row[0] for row in rows}


def is_used(db, subnet_id, address):
    return address in used_addresses(db, subnet_id)


def first_free(db, subnet):
    """The lowest free address in ``subnet``'s pools, or None."""
    used = used_addresses(db, subnet.id)
    for start, end in subnet.pools or []:
        first = int(ipaddress.ip_address(start))
        last = int(ipaddress.ip_address(end))
        for value in range(first, last + 1):
            candidate = str(ipaddress.ip_address(value))
            if candidate not in used:
                return candidate
    return None


def mac_address(port_id):
    return 'aa:00:00:%02x:%02x:%02x' % (
        (port_id >> 16) & 0xFF,
        (port_id >> 8) & 0xFF,
        port_id & 0xFF,
    )


def eui64(cidr, mac):
    """The SLAAC address of ``mac`` in the /64 ``cidr``."""
    octets = [int(part, 16) for part in mac.split(':')]
    octets[0] ^= 0x02
    interface = octets[:3] + [0xFF, 0xFE] + octets[3:]
    net = ipaddress.ip_network(cidr)
    return str(net.network_address + int.from_bytes(bytes(interface), 'big'))
