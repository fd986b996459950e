"""Network = Synnefo network; ipnetwork = its IPv4 subnet."""
import logging

from .... import model
from ....exceptions import (
    BackendBadRequest, BackendConflict, BackendError, BackendNotFound,
    OCCIBadRequest, OCCIBusy, OCCIConflict, OCCIError, OCCIForbidden,
    OCCINotImplemented,
)
from ....model import ActionResult
from .. import translate
from ..api import DEFAULT_GATEWAY
from ..errors import retold
from .base import ResourceHandler, refuse_changes

log = logging.getLogger(__name__)


def _up(entity):
    """Synnefo brings networks up by itself: an active one is up already
    (nothing to do), any other is a state conflict."""
    state = entity.attributes['occi.network.state']
    if state == 'active':
        return ActionResult()
    raise OCCIConflict('The network %s is %s; Synnefo brings networks up '
                       'by itself.' % (entity.id, state))


def _down(entity):
    raise OCCINotImplemented(
        'Synnefo networks cannot be taken down; delete the network or its '
        'network interfaces instead.')


#: how Synnefo answers each OCCI network action (``entity`` -> result);
#: none of them calls the cloud
NETWORK_ACTIONS = {
    model.UP.type_id: _up,
    model.DOWN.type_id: _down,
}


class NetworkHandler(ResourceHandler):
    """Network = Synnefo network; ipnetwork = its IPv4 subnet."""

    kind = model.NETWORK
    needs = ('networks', 'subnets')
    member_needs = ('networks',)

    def list(self):
        subnets = self.ops.subnets()
        return [self.entity(n, subnets) for n in self.listing('networks')
                if not translate.is_deleted(n)]

    def members(self):
        """The networks as bare entities: no subnet read."""
        return [self.remember(translate.member(self.kind, n['id']), n)
                for n in self.listing('networks')
                if not translate.is_deleted(n)]

    def entity(self, record, subnets):
        return self.remember(translate.network(record, subnets), record)

    def fetch(self, id, session):
        return session.get_network(id)

    def get(self, id):
        record = self.record(id)
        # subnets by id: kept per process, so a warm GET is one call
        subnets = {str(i): self.cloud.get_subnet(i)
                   for i in record.get('subnets') or ()}
        return self.entity(record, subnets)

    def create(self, data):
        if data.has(translate.PUBLIC_NET):
            raise OCCIForbidden('Only the cloud administrators create public '
                                'networks; link to the existing one.')
        if data.has(model.IPNETWORK):
            self._address(data)  # NB: before the network is made
        record = self.cloud.create_network(data.get('occi.core.title') or '',
                                           project=self.ops.project(data))
        if data.has(model.IPNETWORK):
            try:
                self._add_subnet(record['id'], data)
            except OCCIError as exc:
                self._rollback(record['id'])
                raise retold(exc, 'The network was not created: %s'
                             % exc.message)
        return self.get(record['id'])

    @staticmethod
    def _address(data):
        """The subnet's CIDR: Synnefo makes none without one."""
        address = data.get('occi.network.address')
        if not address:
            raise OCCIBadRequest(
                'The ipnetwork mixin needs occi.network.address (a CIDR such '
                'as 10.0.0.0/24).')
        return address

    def _add_subnet(self, network_id, data):
        address = self._address(data)
        gateway = data.get('occi.network.gateway')
        self.cloud.create_subnet(
            network_id, address,
            gateway_ip=gateway if gateway else DEFAULT_GATEWAY,
            enable_dhcp=data.get('occi.network.allocation') != 'static')

    def _rollback(self, network_id):
        try:
            self.cloud.delete_network(network_id)
        except BackendError:  # pragma: no cover - logged, nothing to undo
            log.exception('could not remove network %s after a failed '
                          'create', network_id)

    def update(self, entity, data, replace=False):
        record = self.record_of(entity)
        if translate.is_public(record):
            raise OCCIForbidden('The public network belongs to the cloud.')
        title = data.get('occi.core.title')
        if title is not None and title != (record.get('name') or None):
            self.cloud.rename_network(record['id'], title)
        if data.has(model.IPNETWORK) and not entity.has_category(
                model.IPNETWORK):
            self._add_subnet(record['id'], data)
        else:
            refuse_changes(entity, data, [
                'occi.network.address', 'occi.network.gateway',
                'occi.network.allocation'])
        self.ops.move(entity, data, lambda project: (
            self.cloud.reassign_network(record['id'], project)))
        return self.get(record['id'])

    def delete(self, entity):
        record = self.record_of(entity)
        if translate.is_public(record):
            raise OCCIForbidden('The public network belongs to the cloud '
                                'and cannot be deleted.')
        try:
            self.cloud.delete_network(record['id'])
        except BackendNotFound:
            raise self.not_found(entity.id)
        except (BackendBadRequest, BackendConflict) as exc:
            raise self.ops.network_held(record['id'], exc)
        return None

    def resume_delete(self, id, resume):
        """A network waiting for the computes on it to be deleted looks at
        them (one call each) before it tries again."""
        waiting = [server_id for server_id in (resume or {}).get(
            'servers') or () if self.ops.deletion(int(server_id)) != 'gone']
        if waiting:
            raise OCCIBusy('The network %s still has ports.' % id,
                           waiting='compute%s %s to be deleted' % (
                               's' if len(waiting) > 1 else '',
                               ', '.join(waiting)))
        return super().resume_delete(id, resume)

    def run_action(self, entity, action, params):
        return NETWORK_ACTIONS[action.type_id](entity)
