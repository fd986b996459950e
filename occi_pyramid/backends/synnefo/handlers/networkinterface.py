"""NetworkInterface = a port of a server (on the public network it
carries a floating IP: one of its own, or an ipreservation's)."""
from .... import model
from ....exceptions import BackendNotFound, OCCIBusy
from .. import translate
from .base import LinkHandler, digits


class Reservation:
    """The target of a network interface to an ipreservation: the
    floating IP's record (it goes on a port of its pool)."""

    def __init__(self, fip):
        self.fip = fip

    def __str__(self):
        return str(self.fip['floating_network_id'])


class NetworkInterfaceHandler(LinkHandler):
    """NetworkInterface = port of a server."""

    kind = model.NETWORKINTERFACE
    target_kind = model.NETWORK
    needs = ('ports', 'subnets')
    member_needs = ('ports',)

    def entities(self, ports):
        attached = [p for p in ports if p.get('device_id')]
        names = translate.interface_names(attached)
        subnets = self.ops.subnets()
        result = []
        for port in attached:
            result.append(self.remember(translate.networkinterface(
                port, names.get(str(port['id'])), subnets), port))
        return result

    def list(self):
        return self.entities(self.listing('ports'))

    def members(self):
        """The attached ports as bare links (their ends): no subnet read,
        no interface name."""
        return [self.remember(translate.member(
            self.kind, p['id'], translate.compute_location(p['device_id']),
            translate.network_location(p['network_id'])), p)
            for p in self.listing('ports') if p.get('device_id')]

    def get(self, id):
        """The port and its server (for the interface name): two calls,
        whatever the size of the account."""
        try:
            port = self.cloud.get_port(digits(id, self.kind))
        except BackendNotFound:
            raise self.not_found(id)
        if not port.get('device_id') or translate.is_deleted(port):
            raise self.not_found(id)
        try:
            server = self.cloud.get_server(int(port['device_id']))
        except BackendNotFound:
            raise self.not_found(id)
        subnets = {}
        for address in port.get('fixed_ips') or ():
            if address.get('subnet') is not None:
                subnets[str(address['subnet'])] = self.cloud.get_subnet(
                    address['subnet'])
        return self.remember(translate.networkinterface(
            port, translate.interface_name(server, port['id']), subnets),
            port)

    def target_of(self, location):
        """A network's id, or the :class:`Reservation` of an
        ipreservation (its floating IP, read: one call)."""
        found = self.ops.locate(location)
        if found is not None and found[0] == model.IPRESERVATION:
            return Reservation(self.ops.handler(model.IPRESERVATION).record(
                found[1]))
        return super().target_of(location)

    def existing(self, server, network_id, data):
        """A NIC of the server on that network (at the address asked for,
        when one is; for an ipreservation: the port carrying it)."""
        if isinstance(network_id, Reservation):
            fip = network_id.fip
            if fip.get('port_id') is not None and str(
                    fip.get('instance_id')) == str(server['id']):
                return self.get(fip['port_id'])
            return None
        address = data.get('occi.networkinterface.address')
        for nic in server.get('attachments') or ():
            if str(nic.get('network_id')) == str(network_id) and (
                    not address or nic.get('ipv4') == address):
                return self.get(nic['id'])
        if server.get('SNF:task_state') == 'CONNECTING':
            # NB: a port being connected is not in the record yet (Synnefo
            # lists active ports): the port listing, only then, so that a
            # create tried again (a worker taking over a lease) finds it
            for port in self.listing('ports'):
                if str(port.get('device_id')) == str(server['id']) and str(
                        port.get('network_id')) == str(network_id) and (
                        not address or address in [
                            ip.get('ip_address')
                            for ip in port.get('fixed_ips') or ()]):
                    return self.get(port['id'])
        return None

    def make(self, server, network_id, data):
        if isinstance(network_id, Reservation):
            port = self.ops.attach_network(
                server['id'], str(network_id),
                network_id.fip['floating_ip_address'])
        else:
            port = self.ops.attach_network(
                server['id'], network_id,
                data.get('occi.networkinterface.address'))
        return self.get(port['id'])

    def delete(self, entity):
        return self.ops.detach_network(self.record_of(entity))

    def resume_delete(self, id, resume):
        """A removed interface's floating IPs are released once the cloud
        has removed its port."""
        if not (resume and resume.get('floating_ips')):
            return super().resume_delete(id, resume)
        if not self.ops.port_gone(resume['port']):
            raise OCCIBusy('The network interface %s is being removed.'
                           % id, waiting='network interface %s to be '
                           'removed' % id)
        self.ops.release_floating_ips(
            resume['floating_ips'], 'the removed network interface %s' % id)
        return None
