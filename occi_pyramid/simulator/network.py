"""Network service (Cyclades network v2.0, Neutron-like): ``/network``.

Networks, subnets, ports and floating IPs with the rules of
Synnefo's Network API. The catalog publishes ``/network`` without a
version; kamaki appends ``/v2.0``.
"""
import ipaddress

from . import logic, models, netaddr, quotas
from .core import (
    Reply,
    reassign,
    Service,
    bad_request,
    conflict,
    forbidden,
    isoformat,
    links,
    not_found,
    not_implemented,
    over_limit,
    parse_int,
)

service = Service('network', ('v2.0',))

NETWORK_TYPES = ('CUSTOM', 'MAC_FILTERED', 'IP_LESS_ROUTED', 'PHYSICAL_VLAN')
MIN_PREFIX, MAX_PREFIX = 22, 29


# -- representations ----------------------------------------------------------


def network_dict(ctx, network):
    subnets = (
        ctx.db.query(models.Subnet.id)
        .filter_by(network_id=network.id)
        .order_by(models.Subnet.id)
    )
    href = ctx.versioned_url('network', '/networks/%d' % network.id)
    return {
        'id': str(network.id),
        'name': network.name,
        'links': links(href),
        'user_id': network.user_id,
        'tenant_id': network.project,
        'shared_to_project': network.shared_to_project,
        'type': network.type,
        'status': 'DELETED' if network.deleted else network.status,
        'public': network.public,
        'shared': network.public,
        'router:external': network.public,
        'admin_state_up': True,
        'subnets': [str(row[0]) for row in subnets],
        'SNF:floating_ip_pool': network.floating_ip_pool,
        'deleted': network.deleted,
        'created': isoformat(network.created),
        'updated': isoformat(network.updated),
    }


def subnet_dict(ctx, subnet):
    network = subnet.network
    result = {
        'id': str(subnet.id),
        'network_id': str(subnet.network_id),
        'name': subnet.name,
        'tenant_id': network.project,
        'user_id': network.user_id,
        'public': network.public,
        'gateway_ip': subnet.gateway,
        'ip_version': subnet.ip_version,
        'cidr': subnet.cidr,
        'enable_dhcp': subnet.enable_dhcp,
        'dns_nameservers': list(subnet.dns_nameservers or []),
        'host_routes': list(subnet.host_routes or []),
        'allocation_pools': [
            {'start': start, 'end': end} for start, end in subnet.pools or []
        ],
        'deleted': subnet.deleted,
        'links': links(
            ctx.versioned_url('network', '/subnets/%d' % subnet.id)
        ),
    }
    if subnet.ip_version == 6:
        result['enable_slaac'] = subnet.enable_slaac
    return result


def port_dict(ctx, port):
    fixed_ips = []
    ipv4 = logic.port_ipv4(ctx.db, port)
    if ipv4 is not None:
        fixed_ips.append(
            {'ip_address': ipv4.address, 'subnet': str(ipv4.subnet_id)}
        )
    ipv6 = logic.port_ipv6(ctx.db, port)
    if ipv6:
        subnet = logic.subnet_of(ctx.db, port.network, 6)
        fixed_ips.append({'ip_address': ipv6, 'subnet': str(subnet.id)})
    return {
        'id': str(port.id),
        'name': port.name,
        'links': links(ctx.versioned_url('network', '/ports/%d' % port.id)),
        'user_id': port.user_id,
        'tenant_id': port.project,
        'device_id': str(port.server_id) if port.server_id else None,
        'device_owner': 'vm' if port.server_id else None,
        'admin_state_up': True,
        'mac_address': netaddr.mac_address(port.id),
        'status': port.status,
        'network_id': str(port.network_id),
        'fixed_ips': fixed_ips,
        'security_groups': list(port.security_groups or []),
        'created': isoformat(port.created),
        'updated': isoformat(port.updated),
    }


def floating_ip_dict(ctx, address):
    port = (
        ctx.db.get(models.Port, address.port_id)
        if address.port_id is not None else None
    )
    return {
        'id': str(address.id),
        'floating_ip_address': address.address,
        'fixed_ip_address': None,
        'floating_network_id': str(address.network_id),
        'port_id': str(port.id) if port is not None else None,
        'instance_id': (
            str(port.server_id)
            if port is not None and port.server_id else None
        ),
        'user_id': address.user_id,
        'tenant_id': address.project,
        'shared_to_project': address.shared_to_project,
        'deleted': False,
    }


# -- networks -----------------------------------------------------------------


@service.route(r'/networks', 'GET')
def list_networks(ctx):
    return _list_networks(ctx)


@service.route(r'/networks/detail', 'GET')
def list_networks_detail(ctx):
    return _list_networks(ctx)


def _list_networks(ctx):
    networks = ctx.listing(logic.visible_networks(ctx), models.Network)
    return Reply({'networks': [network_dict(ctx, n) for n in networks]})


def create_network_record(ctx, user_id, project, name, kind, **extra):
    """Add a network (used by the API and by the control API)."""
    network = models.Network(
        name=name,
        user_id=user_id,
        project=project,
        type=kind,
        created=ctx.now,
        updated=ctx.now,
        **extra,
    )
    ctx.db.add(network)
    ctx.db.flush()
    return network


@service.route(r'/networks', 'POST')
def create_network(ctx):
    body = ctx.json_object('network')
    kind = body.get('type')
    if kind not in NETWORK_TYPES:
        raise bad_request('Invalid network type')
    if kind not in ctx.sim.network_flavors:
        raise forbidden("Cannot create network of type '%s'." % kind)
    name = body.get('name', '')
    if not isinstance(name, str) or len(name) > 128:
        raise bad_request('Malformed request')
    project = body.get('project') or ctx.user.default_project
    quotas.commission(ctx.db, ctx.uid, project, network_private=1)
    network = create_network_record(
        ctx, ctx.uid, project, name, kind,
        shared_to_project=bool(body.get('shared_to_project', False)),
    )
    return Reply({'network': network_dict(ctx, network)}, 201)


NETWORK = r'/networks/(?P<network_id>[^/]+)'


@service.route(NETWORK, 'GET')
def get_network(ctx, network_id):
    network = logic.get_network(ctx, network_id)
    return Reply({'network': network_dict(ctx, network)})


@service.route(NETWORK, 'PUT')
def update_network(ctx, network_id):
    body = ctx.json_object('network')
    name = body.get('name')
    if not isinstance(name, str) or len(name) > 128:
        raise bad_request("Malformed request: missing or invalid 'name'")
    network = logic.get_network(ctx, network_id, non_deleted=True)
    if network.public:
        raise forbidden('Cannot rename the public network.')
    _check_owner(ctx, network)
    network.name = name
    network.updated = ctx.now
    return Reply({'network': network_dict(ctx, network)})


def _check_owner(ctx, network):
    if network.user_id != ctx.uid:
        raise forbidden('Forbidden operation')


@service.route(NETWORK, 'DELETE')
def delete_network(ctx, network_id):
    network = logic.get_network(ctx, network_id, non_deleted=True)
    if network.public:
        raise forbidden('Cannot delete the public network.')
    _check_owner(ctx, network)
    if ctx.db.query(models.Port).filter_by(network_id=network.id).first():
        raise conflict(
            'Cannot delete network. There are ports still configured on '
            'network network %s' % network.id
        )
    if (
        ctx.db.query(models.IPAddress)
        .filter_by(network_id=network.id, floating=True)
        .first()
    ):
        raise conflict(
            'Cannot delete the network. There are floating IPs using it'
        )
    network.deleted = True
    network.status = 'DELETED'
    network.updated = ctx.now
    for subnet in ctx.db.query(models.Subnet).filter_by(
        network_id=network.id
    ):
        subnet.deleted = True
    return Reply(status=204)


@service.route(NETWORK + r'/action', 'POST')
def network_action(ctx, network_id):
    args = ctx.reassign_args()
    network = logic.get_network(ctx, network_id, non_deleted=True)
    if network.public:
        raise forbidden('Cannot reassign a public network.')
    _check_owner(ctx, network)
    quotas.commission(ctx.db, ctx.uid, args['project'], network_private=1)
    reassign(network, args)
    network.updated = ctx.now
    return Reply(status=200)


# -- subnets ------------------------------------------------------------------


def _visible_subnets(ctx):
    ids = [n.id for n in logic.visible_networks(ctx)]
    return ctx.db.query(models.Subnet).filter(
        models.Subnet.network_id.in_(ids)
    )


@service.route(r'/subnets', 'GET')
def list_subnets(ctx):
    subnets = (
        _visible_subnets(ctx)
        .filter(models.Subnet.deleted.is_(False))
        .order_by(models.Subnet.id)
    )
    return Reply({'subnets': [subnet_dict(ctx, s) for s in subnets]})


def _parse_cidr(cidr, version):
    try:
        net = ipaddress.ip_network(cidr, strict=True)
    except ValueError:
        raise bad_request('Invalid network IPv%d subnet' % version)
    if net.version != version:
        raise bad_request('Invalid network IPv%d subnet' % version)
    if version == 4 and not MIN_PREFIX <= net.prefixlen <= MAX_PREFIX:
        raise over_limit(
            'Unsupported network size',
            'Netmask must be in range: [%d, %d]' % (MIN_PREFIX, MAX_PREFIX),
        )
    if version == 6 and net.prefixlen != 64:
        raise bad_request('Only /64 IPv6 subnets are supported')
    return net


def _parse_pools(pools, net, gateway):
    result = []
    taken = []
    for pool in pools:
        if not isinstance(pool, dict) or 'start' not in pool \
                or 'end' not in pool:
            raise bad_request('Malformed allocation_pools')
        try:
            start = ipaddress.ip_address(pool['start'])
            end = ipaddress.ip_address(pool['end'])
        except ValueError:
            raise bad_request('Malformed allocation_pools')
        hosts = (net.network_address, net.broadcast_address)
        if start not in net or end not in net or start in hosts \
                or end in hosts:
            raise conflict('IP pool %s-%s is out of range'
                           % (start, end))
        if int(start) > int(end):
            raise conflict('Invalid IP pool range %s-%s' % (start, end))
        if gateway is not None and int(start) <= int(
            ipaddress.ip_address(gateway)
        ) <= int(end):
            raise conflict('Gateway %s is inside the IP pool' % gateway)
        for other_start, other_end in taken:
            if int(start) <= other_end and int(end) >= other_start:
                raise conflict('IP pools overlap')
        taken.append((int(start), int(end)))
        result.append([str(start), str(end)])
    return result


def create_subnet_record(ctx, network, body):
    """Validate ``body`` and add a subnet to ``network``."""
    version = body.get('ip_version', 4)
    if version not in (4, 6):
        raise bad_request('Invalid IP version')
    name = body.get('name') or ''
    if not isinstance(name, str) or len(name) > 128:
        raise bad_request('Malformed request')
    net = _parse_cidr(body['cidr'], version)
    if logic.subnet_of(ctx.db, network, version) is not None:
        raise bad_request(
            'Only one subnet of IPv%d per network is allowed' % version
        )
    if ctx.db.query(models.Port).filter_by(network_id=network.id).first():
        raise bad_request(
            'Cannot create subnet in network %s, VMs are already connected'
            % network.id
        )
    if 'gateway_ip' in body:
        gateway = body['gateway_ip']
    else:
        gateway = str(next(net.hosts())) if version == 4 else str(
            net.network_address + 1)
    if gateway is not None:
        try:
            gateway_address = ipaddress.ip_address(gateway)
        except ValueError:
            raise bad_request('Malformed gateway IP')
        if gateway_address not in net:
            raise bad_request('Gateway IP address %s is not in the subnet'
                              % gateway)
        gateway = str(gateway_address)
    dhcp = body.get('enable_dhcp', True)
    if not isinstance(dhcp, bool):
        raise bad_request('Invalid enable_dhcp value')
    pools = body.get('allocation_pools')
    if pools is not None and version == 6:
        raise conflict('Allocation pools are not supported for IPv6')
    if version == 6:
        pools = []
    elif pools is None:
        pools = netaddr.default_pools(str(net), gateway)
    else:
        pools = _parse_pools(pools, net, gateway)
    subnet = models.Subnet(
        network_id=network.id,
        name=name,
        ip_version=version,
        cidr=str(net),
        gateway=gateway,
        enable_dhcp=dhcp,
        enable_slaac=bool(body.get('enable_slaac', True)),
        pools=pools,
        dns_nameservers=body.get('dns_nameservers') or [],
        host_routes=body.get('host_routes') or [],
    )
    ctx.db.add(subnet)
    ctx.db.flush()
    return subnet


@service.route(r'/subnets', 'POST')
def create_subnet(ctx):
    body = ctx.json_object('subnet')
    if 'network_id' not in body or 'cidr' not in body:
        raise bad_request('Malformed request')
    network = logic.get_network(ctx, body['network_id'])
    if network.deleted:
        raise bad_request('Network has been deleted.')
    if network.user_id != ctx.uid:
        raise forbidden('Forbidden operation')
    subnet = create_subnet_record(ctx, network, body)
    return Reply({'subnet': subnet_dict(ctx, subnet)}, 201)


SUBNET = r'/subnets/(?P<subnet_id>[^/]+)'


def _get_subnet(ctx, subnet_id):
    number = parse_int(subnet_id, "Invalid subnet ID '%s'" % subnet_id)
    subnet = (
        _visible_subnets(ctx)
        .filter(models.Subnet.id == number)
        .one_or_none()
    )
    if subnet is None:
        raise not_found('Subnet %s not found.' % subnet_id)
    return subnet


@service.route(SUBNET, 'GET')
def get_subnet(ctx, subnet_id):
    return Reply({'subnet': subnet_dict(ctx, _get_subnet(ctx, subnet_id))})


@service.route(SUBNET, 'PUT')
def update_subnet(ctx, subnet_id):
    body = ctx.json_object('subnet')
    if set(body) != {'name'}:
        raise bad_request('Only the name of a subnet can be updated')
    subnet = _get_subnet(ctx, subnet_id)
    if subnet.network.user_id != ctx.uid:
        raise forbidden('Forbidden operation')
    if not isinstance(body['name'], str) or len(body['name']) > 128:
        raise bad_request('Malformed request')
    subnet.name = body['name']
    return Reply({'subnet': subnet_dict(ctx, subnet)})


@service.route(SUBNET, 'DELETE')
def delete_subnet(ctx, subnet_id):
    raise bad_request('Deletion of a subnet is not supported')


# -- ports --------------------------------------------------------------------


def _user_ports(ctx):
    return ctx.db.query(models.Port).filter_by(user_id=ctx.uid)


@service.route(r'/ports', 'GET')
def list_ports(ctx):
    ports = _user_ports(ctx).order_by(models.Port.id)
    return Reply({'ports': [port_dict(ctx, p) for p in ports]})


@service.route(r'/ports/detail', 'GET')
def list_ports_detail(ctx):
    return list_ports(ctx)


@service.route(r'/ports', 'POST')
def create_port(ctx):
    body = ctx.json_object('port')
    if body.get('network_id') is None:
        raise bad_request("Missing 'network_id' attribute")
    server = None
    if body.get('device_id') is not None:
        server_id = parse_int(body['device_id'], 'Invalid device_id')
        server = logic.get_server(ctx, server_id, non_deleted=True,
                                  non_suspended=True)
    address = None
    fixed_ips = body.get('fixed_ips')
    if fixed_ips is not None:
        if not isinstance(fixed_ips, list):
            raise bad_request("Invalid 'fixed_ips' field.")
        if len(fixed_ips) > 1:
            raise bad_request('Request contains more than one IPv4 address.')
        if fixed_ips:
            item = fixed_ips[0]
            if not isinstance(item, dict) or item.get('ip_address') is None:
                raise bad_request("Invalid 'fixed_ips' field.")
            address = logic.check_ipv4(item['ip_address'])
    name = body.get('name') or ''
    if not isinstance(name, str) or len(name) > 128:
        raise bad_request('Malformed request')
    network = logic.get_network(ctx, body['network_id'])
    if server is not None:
        logic.validate_server_action(ctx, server, 'CONNECT')
    port = logic.create_port(ctx, network, server, address, name)
    if body.get('security_groups'):
        port.security_groups = []
    if server is not None:
        logic.connect_port(ctx, server, port)
    return Reply({'port': port_dict(ctx, port)}, 201)


PORT = r'/ports/(?P<port_id>[^/]+)'


def _by_id(query, value, message):
    """The row of ``query`` with id ``value``, or 404 ``message``."""
    row = query.filter_by(id=int(value)).one_or_none() \
        if value.isdigit() else None
    if row is None:
        raise not_found(message)
    return row


def _get_port(ctx, port_id):
    return _by_id(_user_ports(ctx), port_id,
                  "Port '%s' not found." % port_id)


@service.route(PORT, 'GET')
def get_port(ctx, port_id):
    return Reply({'port': port_dict(ctx, _get_port(ctx, port_id))})


@service.route(PORT, 'PUT')
def update_port(ctx, port_id):
    body = ctx.json_object('port')
    port = _get_port(ctx, port_id)
    if 'name' in body:
        if not isinstance(body['name'], str) or len(body['name']) > 128:
            raise bad_request('Malformed request')
        port.name = body['name']
    port.updated = ctx.now
    return Reply({'port': port_dict(ctx, port)})


@service.route(PORT, 'DELETE')
def delete_port(ctx, port_id):
    port = _get_port(ctx, port_id)
    if port.network.public:
        ipv4 = logic.port_ipv4(ctx.db, port)
        if ipv4 is None or not ipv4.floating:
            raise forbidden('Cannot disconnect from public network.')
    logic.disconnect_port(ctx, port)
    return Reply(status=204)


# -- floating IPs -------------------------------------------------------------


def _user_floating_ips(ctx):
    return ctx.db.query(models.IPAddress).filter_by(
        user_id=ctx.uid, floating=True
    )


@service.route(r'/floatingips', 'GET')
def list_floating_ips(ctx):
    addresses = _user_floating_ips(ctx).order_by(models.IPAddress.id)
    return Reply(
        {'floatingips': [floating_ip_dict(ctx, a) for a in addresses]}
    )


def _allocate_from(ctx, network, address):
    subnet = logic.subnet_of(ctx.db, network, 4)
    if address:
        address = logic.check_ipv4(address)
        if subnet is None or not netaddr.in_pools(address, subnet.pools):
            raise bad_request(
                "IP address '%s' does not belong to the pools of network "
                "'%s'" % (address, network.id)
            )
        if netaddr.is_used(ctx.db, subnet.id, address):
            raise conflict("IP address '%s' is already in use" % address)
        return subnet, address
    free = netaddr.first_free(ctx.db, subnet) if subnet else None
    if free is None:
        raise conflict(
            'No more IP addresses available on network %s' % network.id
        )
    return subnet, free


@service.route(r'/floatingips', 'POST')
def create_floating_ip(ctx):
    body = ctx.json_object('floatingip')
    project = body.get('project') or ctx.user.default_project
    network_id = body.get('floating_network_id')
    quotas.commission(ctx.db, ctx.uid, project, floating_ip=1)
    if network_id is None:
        pools = (
            ctx.db.query(models.Network)
            .filter_by(public=True, floating_ip_pool=True, deleted=False,
                       status='ACTIVE')
            .order_by(models.Network.id)
        )
        found = None
        for network in pools:
            subnet = logic.subnet_of(ctx.db, network, 4)
            free = netaddr.first_free(ctx.db, subnet) if subnet else None
            if free is not None:
                found = network, subnet, free
                break
        if found is None:
            raise conflict('Cannot allocate floating IP. No available '
                           'floating IP pool.')
        network, subnet, address = found
    else:
        network = logic.get_network(ctx, network_id, non_deleted=True)
        if not network.floating_ip_pool:
            raise conflict(
                "Cannot allocate floating IP. Network %s is not a floating "
                "IP pool." % network.id
            )
        subnet, address = _allocate_from(
            ctx, network, body.get('floating_ip_address')
        )
    record = models.IPAddress(
        network_id=network.id,
        subnet_id=subnet.id,
        address=address,
        user_id=ctx.uid,
        project=project,
        shared_to_project=bool(body.get('shared_to_project', False)),
        floating=True,
        created=ctx.now,
    )
    ctx.db.add(record)
    ctx.db.flush()
    return Reply({'floatingip': floating_ip_dict(ctx, record)})


FLOATING_IP = r'/floatingips/(?P<ip_id>[^/]+)'


def _get_floating_ip(ctx, ip_id):
    return _by_id(_user_floating_ips(ctx), ip_id,
                  'Floating IP %s not found.' % ip_id)


@service.route(FLOATING_IP, 'GET')
def get_floating_ip(ctx, ip_id):
    return Reply(
        {'floatingip': floating_ip_dict(ctx, _get_floating_ip(ctx, ip_id))}
    )


@service.route(FLOATING_IP, 'PUT')
def update_floating_ip(ctx, ip_id):
    raise not_implemented('Updating a floating IP is not supported.')


@service.route(FLOATING_IP, 'DELETE')
def delete_floating_ip(ctx, ip_id):
    record = _get_floating_ip(ctx, ip_id)
    if record.port_id is not None:
        port = ctx.db.get(models.Port, record.port_id)
        if port is not None and port.server_id:
            raise conflict("IP '%s' is used by server '%s'"
                           % (record.id, port.server_id))
        raise conflict("IP '%s' is used by port '%s'"
                       % (record.id, record.port_id))
    ctx.db.delete(record)
    return Reply(status=204)


@service.route(FLOATING_IP + r'/action', 'POST')
def floating_ip_action(ctx, ip_id):
    args = ctx.reassign_args()
    record = _get_floating_ip(ctx, ip_id)
    quotas.commission(ctx.db, ctx.uid, args['project'], floating_ip=1)
    reassign(record, args)
    return Reply(status=200)
