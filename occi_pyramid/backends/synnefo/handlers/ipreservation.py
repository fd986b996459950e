"""IPReservation = a floating IP of the caller (rOCCI-core 5's
``infrastructure#ipreservation``); a network interface to one attaches
it (:mod:`.networkinterface`)."""
import ipaddress

from .... import model
from ....exceptions import (
    BackendConflict, BackendNotFound, OCCIBadRequest, OCCIBusy,
    OCCIConflict,
)
from .. import translate
from .base import ResourceHandler, refuse_changes


class IPReservationHandler(ResourceHandler):
    """IPReservation = floating IP: reserved by a create, released by a
    delete (409 while a network interface carries it)."""

    kind = model.IPRESERVATION
    needs = ('floatingips',)

    #: a floating IP that is listed is a live one
    gone = staticmethod(lambda record: False)

    def list(self):
        pools = self.pools()
        return [self.entity(fip, pools) for fip in self.listing(
            'floatingips')]

    def members(self):
        """The floating IPs as bare entities: no pool read."""
        return [self.remember(translate.member(self.kind, fip['id']), fip)
                for fip in self.listing('floatingips')]

    def pools(self):
        """The pools' networks by id (cached per user: one call cold)."""
        return {str(n['id']): n for n in self.cloud.list_pools()}

    def entity(self, record, pools=None):
        return self.remember(translate.ipreservation(
            record, self.pools() if pools is None else pools), record)

    def fetch(self, id, session):
        return session.get_floatingip(id)

    def get(self, id):
        return self.entity(self.record(id))

    def create(self, data):
        """Reserve a floating IP in the pool a pool mixin names (the
        address asked for, when one is), else the address asked for
        (from the pool whose subnet holds it), else any free one of any
        pool (Synnefo picks)."""
        address = data.get('occi.ipreservation.address')
        chosen = data.template(model.FLOATINGIPPOOL)
        pool = translate.pool_id_of(chosen.term) if chosen else None
        if pool is None and address:
            pool = self.pool_of(address)
        record = self.cloud.create_floatingip(
            network_id=pool, address=address, project=self.ops.project(data))
        self.ops.changed()
        return self.entity(record)

    def update(self, entity, data, replace=False):
        """Only the project changes (a reassign); the address and the
        pool are the reservation's for good."""
        record = self.record_of(entity)
        refuse_changes(entity, data, ['occi.ipreservation.address'])
        self.ops.move(entity, data, lambda project: (
            self.cloud.reassign_floatingip(record['id'], project)))
        return self.get(record['id'])

    def pool_of(self, address):
        """The id of the floating-IP pool whose IPv4 subnet holds
        ``address`` (400 when none does: Synnefo ignores an address
        without a pool)."""
        wanted = ipaddress.ip_address(address)
        subnets = self.ops.subnets()
        for network in self.listing('networks'):
            if not network.get('SNF:floating_ip_pool'):
                continue
            subnet = translate.ipv4_subnet(network, subnets)
            if subnet is not None and wanted in ipaddress.ip_network(
                    subnet['cidr'], strict=False):
                return str(network['id'])
        raise OCCIBadRequest('The address %s is in no floating IP pool of '
                             'this cloud.' % address)

    def delete(self, entity):
        """Release the floating IP: 409 while a network interface carries
        it, :class:`OCCIBusy` while that interface (or its compute) is
        being removed (the release waits for it)."""
        record = self.record_of(entity)
        if record.get('port_id') is not None:
            self.refuse_used(entity, record)
        try:
            self.cloud.delete_floatingip(record['id'])
        except BackendNotFound:
            raise self.not_found(entity.id)
        except BackendConflict:
            raise OCCIConflict(self.used(entity))
        return None

    def refuse_used(self, entity, record):
        """409, or :class:`OCCIBusy` when the port that carries the
        address is going (two calls: the port, its server)."""
        try:
            port = self.cloud.get_port(record['port_id'])
        except BackendNotFound:
            return  # gone meanwhile: the release may go on
        server = self.ops.server_of(port)
        if server is not None and (translate.is_destroying(server) or (
                server.get('SNF:task_state') == 'DISCONNECTING')):
            raise OCCIBusy(self.used(entity), waiting='network interface '
                           '%s to be removed' % record['port_id'])
        raise OCCIConflict(self.used(entity))

    @staticmethod
    def used(entity):
        return ('The ipreservation %s is used by a network interface; '
                'remove the interface first (the reservation stays).'
                % entity.id)
