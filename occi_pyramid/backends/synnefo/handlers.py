"""One handler per Kind: the Synnefo work behind each OCCI operation.

Compute = server, Network = network (+ IPv4 subnet as ipnetwork),
Storage = volume, NetworkInterface = port (a floating IP on the public
network), StorageLink = volume attachment.  Handlers read through the
session's per-request listings (one list call per collection, never one
per entity) and translate with :mod:`.translate`.
"""
import base64
import binascii
import copy
import logging
import math

from ... import model
from ...exceptions import (
    BackendBadRequest, BackendConflict, BackendError, BackendNotFound,
    BackendUnavailable, OCCIBadRequest, OCCIConflict, OCCIError,
    OCCIForbidden, OCCINotFound, OCCINotImplemented,
)
from ...model import ActionResult
from . import translate
from .api import DEFAULT_GATEWAY

log = logging.getLogger(__name__)

#: server metadata key holding occi.core.summary
SUMMARY_KEY = 'occi.core.summary'


#: Synnefo ids are positive 64-bit integers
MAX_ID = 2 ** 63 - 1


def _digits(id, kind):
    """Synnefo ids are positive integers written without leading zeros:
    anything else is not ours (404, without asking the cloud)."""
    text = str(id)
    if not (text.isdigit() and text.isascii()) or text != str(int(text)) \
            or not 0 < int(text) <= MAX_ID:
        raise OCCINotFound('There is no %s %s.' % (kind.term, id))
    return text


def _check_base64(text):
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise OCCIBadRequest(
            'The user data must be base64-encoded (occi.compute.userdata).')


def _linkable(server):
    """409 when the compute cannot take a link now: a state conflict
    (Synnefo itself answers 400 or 409 depending on the state)."""
    reason = translate.busy_reason(server)
    if reason:
        raise OCCIConflict('No link can be made now: %s' % reason)


def _may_hold_floating_ips(server):
    """Whether a server may have a floating IP on a port: one of its
    active NICs has one, or it has ports the record does not list yet
    (built or connected right now)."""
    if server.get('status') == 'BUILD' or server.get('SNF:task_state'):
        return True
    return any(nic.get('OS-EXT-IPS:type') == 'floating'
               for nic in server.get('attachments') or ())


def _refuse_changes(entity, data, names):
    """400 when ``data`` changes one of ``names``: Synnefo cannot."""
    for name in names:
        value = data.get(name)
        if value is not None and value != entity.attributes.get(name):
            raise OCCIBadRequest(
                '%s cannot change on Synnefo once the %s exists.' % (
                    name, entity.kind.term))


class Handler:
    kind = None
    #: the listings ``list()`` reads, fetched together beforehand
    needs = ()

    def __init__(self, occi):
        self.occi = occi
        self.cloud = occi.cloud

    def listing(self, name):
        return self.occi.listing(name)

    def not_found(self, id):
        return OCCINotFound('There is no %s %s.' % (self.kind.term, id))

    def remember(self, entity, record):
        """Keep the cloud record ``entity`` was made from, for this
        session: model objects carry no backend data."""
        self.occi.records[entity.location] = record
        return entity

    def record_of(self, entity):
        """The cloud record ``entity`` was made from in this session; one
        made elsewhere is read again (404 when it is gone)."""
        record = self.occi.records.get(entity.location)
        if record is None:
            self.get(entity.id)
            record = self.occi.records[entity.location]
        return record


    def update(self, entity, data, replace=False):
        raise OCCIBadRequest(
            'A %s cannot be changed on Synnefo; delete it and create a new '
            'one.' % self.kind.term)

    def replace(self, entity, data):
        return self.update(entity, data, replace=True)

    def run_action(self, entity, action, params):
        raise OCCINotImplemented('%s is not available on Synnefo.'
                                 % action.term)


class _ResourceHandler(Handler):
    """A kind whose entities are single cloud records; subclasses say how
    to ``fetch(id, session)`` one (BackendNotFound when the cloud has
    none)."""

    #: whether a cloud record is no entity any more
    gone = staticmethod(translate.is_deleted)

    def record(self, id, session=None):
        """The cloud's record of a live entity, else 404 (``session``: a
        backend session of its own, for calls made in parallel)."""
        try:
            record = self.fetch(_digits(id, self.kind),
                                session or self.cloud)
        except BackendNotFound:
            raise self.not_found(id)
        if self.gone(record):
            raise OCCINotFound('The %s %s has been deleted.' % (
                self.kind.term, id))
        return record


# -- Compute -------------------------------------------------------------------

#: how Synnefo runs each OCCI compute action: ``(session, server id,
#: validated params)``; save is answered 501 before it gets here
COMPUTE_ACTIONS = {
    model.START.type_id:
        lambda cloud, server_id, params: cloud.start_server(server_id),
    model.STOP.type_id:
        lambda cloud, server_id, params: cloud.shutdown_server(server_id),
    # NB: Synnefo has no user-level suspend; suspend shuts the VM down
    # keeping its disks (docs/decisions.md)
    model.SUSPEND.type_id:
        lambda cloud, server_id, params: cloud.shutdown_server(server_id),
    model.RESTART.type_id:
        lambda cloud, server_id, params: cloud.reboot_server(
            server_id, hard=params.get('method') == 'cold'),
}


class ComputeHandler(_ResourceHandler):
    """Compute = Synnefo server.  A compute renders from its server record
    alone (its links from ``attachments`` and ``volumes``) and the
    per-user cached flavors and images: one call per entity, one per
    collection."""

    kind = model.COMPUTE
    needs = ('servers', 'flavors', 'images')
    gone = staticmethod(translate.is_destroying)

    def flavors(self):
        return {f['id']: f for f in self.listing('flavors')}

    def images(self):
        return {i['id']: i for i in self.listing('images')}

    def entity(self, server, flavors, images, pending=None):
        links = translate.server_links(server)
        known = {link.id for link in links}
        for port in (pending or {}).get(str(server['id']), ()):
            if str(port['id']) not in known:
                links.append(translate.networkinterface(
                    port, translate.interface_name(server, port['id'])))
        entity = translate.compute(server, flavors, images, links)
        summary = (server.get('metadata') or {}).get(SUMMARY_KEY)
        if summary:
            entity.summary = summary
        return self.remember(entity, server)

    def pending_ports(self, servers):
        """``{server id: [ports]}`` when a server is connecting a port
        its record does not list yet (Synnefo lists active ports only):
        the port listing, only then."""
        if not any(s.get('SNF:task_state') == 'CONNECTING' for s in servers):
            return {}
        ports = {}
        for port in self.listing('ports'):
            if port.get('device_id'):
                ports.setdefault(str(port['device_id']), []).append(port)
        return ports

    def list(self):
        servers = [s for s in self.listing('servers') if not self.gone(s)]
        flavors, images = self.flavors(), self.images()
        pending = self.pending_ports(servers)
        return [self.entity(s, flavors, images, pending) for s in servers]

    def locations(self):
        # NB: the short listing cannot tell a compute being destroyed: the
        # ones this process deleted are left out (docs/decisions.md)
        return [translate.compute_location(s['id'])
                for s in self.cloud.list_servers(detail=False)
                if not self.cloud.deleted_server(s['id'])]

    def fetch(self, id, session):
        return session.get_server(int(id))

    def get(self, id):
        server = self.record(id)
        return self.entity(server, self.flavors(), self.images(),
                           self.pending_ports([server]))

    # -- creating ------------------------------------------------------

    def _template(self, data, base, setting):
        """The template mixin given, else the configured default."""
        mixin = data.template(base)
        if mixin is not None:
            return mixin
        default = self.occi.settings.get(setting) or ''
        if not default:
            return None
        for category in self.occi.templates():
            if category.is_a(base) and category is not base and (
                    default in (category.term, category.type_id)):
                return category
        raise OCCIBadRequest(
            'The default %s %r named in the server settings is not offered '
            'by the cloud.' % (base.term, default))

    def _flavor_id(self, data, flavors):
        """The flavor of a create: the resource_tpl named, else the
        smallest one holding the cores and memory given, else the
        configured default (only when the client named neither)."""
        cores = data.get('occi.compute.cores')
        memory = data.get('occi.compute.memory')
        for name, value in (('occi.compute.cores', cores),
                            ('occi.compute.memory', memory)):
            if value is not None and not 0 < value < math.inf:
                raise OCCIBadRequest('%s must be positive; got %s.'
                                     % (name, value))
        mixin = data.template(model.RESOURCE_TPL)
        if mixin is None and cores is None and memory is None:
            mixin = self._template(data, model.RESOURCE_TPL,
                                   'occi.default_resource_tpl')
        if mixin is not None:
            return translate.flavor_id_of(mixin.term)
        if cores is None and memory is None:
            raise OCCIBadRequest(
                'No resource_tpl mixin was given (and occi.compute.cores / '
                'occi.compute.memory neither): name one of the resource_tpl '
                'mixins listed at /-/.')
        flavor = translate.flavor_for(flavors.values(), cores, memory)
        if flavor is None:
            raise OCCIBadRequest(
                'No flavor of the cloud has occi.compute.cores=%s and '
                'occi.compute.memory=%s GiB.'
                % (cores if cores is not None else 'any',
                   memory if memory is not None else 'any'))
        return flavor['id']

    def create(self, data):
        os_tpl = self._template(data, model.OS_TPL, 'occi.default_os_tpl')
        if os_tpl is None:
            raise OCCIBadRequest(
                'No os_tpl mixin was given: name one of the os_tpl mixins '
                'listed at /-/ (http://schemas.ogf.org/occi/infrastructure#'
                'os_tpl).')
        image_id = translate.image_id_of(os_tpl.term)
        flavors = self.flavors()
        flavor_id = self._flavor_id(data, flavors)
        images = self.images()
        name = (data.get('occi.core.title') or data.get(
            'occi.compute.hostname') or 'occi-compute')
        user_data = data.get('occi.compute.userdata') or data.get(
            'org.openstack.compute.user_data')
        if user_data:
            _check_base64(user_data)
        public_key = data.get('occi.credentials.ssh.publickey') or data.get(
            'org.openstack.credentials.publickey.data')
        personality = translate.personality(
            user_data, public_key,
            translate.image_users(images.get(image_id)), name) or None
        metadata = {}
        if data.get('occi.core.summary'):
            metadata[SUMMARY_KEY] = data.get('occi.core.summary')
        links = InlineLinks(self.occi, data.links)
        networks = links.networks()
        try:
            server = self.cloud.create_server(
                name, flavor_id, image_id, networks=networks,
                personality=personality, metadata=metadata or None)
        except BackendError as exc:
            left, unsure = links.release(), isinstance(exc,
                                                       BackendUnavailable)
            if not (left or unsure):
                raise
            raise links.failed(exc, left, unsure)
        self.occi.changed()
        if links.attach_storage(server['id']):
            return self.get(server['id'])
        # the create answer is the full server record
        return self.entity(server, flavors, images)

    # -- updating ------------------------------------------------------

    def update(self, entity, data, replace=False):
        server = self.record_of(entity)
        server_id = server['id']
        os_tpl = data.template(model.OS_TPL)
        if os_tpl is not None and os_tpl not in entity.mixins:
            raise OCCIBadRequest(
                'The os_tpl of a compute cannot be replaced on Synnefo; '
                'create a new compute from %s instead.' % os_tpl.type_id)
        _refuse_changes(entity, data, ['occi.compute.hostname'])
        title = data.get('occi.core.title')
        if title is not None and title != server.get('name'):
            self.cloud.rename_server(server_id, title)
        self._update_summary(server_id, entity, data, replace)
        self._resize(server, entity, data)
        if data.links and not replace:
            # NB: Link lines in a PUT are ignored (docs/specs.md, ambiguity 7)
            InlineLinks(self.occi, data.links).add_to(server)
        self.occi.changed()
        return self.get(server_id)

    def _update_summary(self, server_id, entity, data, replace):
        summary = data.get('occi.core.summary')
        if summary is not None and summary != entity.summary:
            self.cloud.update_server_metadata(server_id,
                                              {SUMMARY_KEY: summary})
        elif replace and summary is None and entity.summary is not None:
            self.cloud.delete_server_metadata(server_id, SUMMARY_KEY)

    def _resize(self, server, entity, data):
        """A different resource_tpl (or other cores/memory) resizes."""
        current = (server.get('flavor') or {}).get('id')
        mixin = data.template(model.RESOURCE_TPL)
        if mixin is not None:
            flavor_id = translate.flavor_id_of(mixin.term)
        else:
            cores = data.get('occi.compute.cores')
            memory = data.get('occi.compute.memory')
            if (cores is None or cores == entity.attributes.get(
                    'occi.compute.cores')) and (
                    memory is None or memory == entity.attributes.get(
                        'occi.compute.memory')):
                return
            flavors = self.flavors()
            flavor = translate.flavor_for(
                [f for f in flavors.values()
                 if f['disk'] == flavors.get(current, {}).get('disk')],
                cores, memory)
            if flavor is None:
                raise OCCIBadRequest(
                    'No flavor of the cloud with the same disk has %s cores '
                    'and %s GiB of memory.' % (cores, memory))
            flavor_id = flavor['id']
        if flavor_id == current:
            return
        if server.get('status') != 'STOPPED':
            raise OCCIConflict(
                'The compute %s must be stopped (it is %s) before its '
                'resource template changes: POST ?action=stop first.' % (
                    server['id'], entity.attributes['occi.compute.state']))
        try:
            self.cloud.resize_server(server['id'], flavor_id)
        except BackendBadRequest as exc:
            raise OCCIBadRequest('The cloud refused the resize: %s'
                                 % exc.message)

    # -- deleting and actions -------------------------------------------

    def delete(self, entity):
        server = self.record_of(entity)
        server_id = server['id']
        floating = []
        if _may_hold_floating_ips(server):
            # NB: its floating IPs go with the compute; the record tells
            # whether there may be any, so most deletes list none
            ports = {str(link.id) for link in entity.links
                     if link.kind == model.NETWORKINTERFACE}
            floating = [f for f in self.listing('floatingips')
                        if str(f.get('port_id')) in ports
                        or (f.get('instance_id') is not None and str(
                            f.get('instance_id')) == str(server_id))]
        self.occi.delete_server(server_id)
        if floating:
            # NB: its links go with the compute, so do their floating IPs
            # (released once the cloud has detached them); the delete
            # took, so it succeeds even when one stays allocated: a free
            # floating IP of the caller, which the next public link takes
            # (docs/decisions.md)
            left = self.occi.release_after_delete(server_id, floating)
            if left:
                log.warning('compute %s deleted; floating IPs %s stay '
                            'allocated', server_id,
                            ', '.join(str(f['id']) for f in left))
        self.occi.changed()

    def run_action(self, entity, action, params):
        server = self.record_of(entity)
        if action == model.SAVE:
            raise OCCINotImplemented(
                'Synnefo cannot save a running compute as a new image '
                '(its compute API answers createImage with 501).')
        refusal = translate.action_refusal(server, action)
        if refusal:
            raise OCCIConflict(refusal)
        try:
            COMPUTE_ACTIONS[action.type_id](self.cloud, server['id'], params)
        except (BackendBadRequest, BackendConflict) as exc:
            raise OCCIConflict(exc.message)
        self.occi.changed()
        return ActionResult()


# -- Network -------------------------------------------------------------------

class NetworkHandler(_ResourceHandler):
    """Network = Synnefo network; ipnetwork = its IPv4 subnet."""

    kind = model.NETWORK
    needs = ('networks', 'subnets')

    def list(self):
        subnets = self.occi.subnets()
        return [self.entity(n, subnets) for n in self.listing('networks')
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
        record = self.cloud.create_network(data.get('occi.core.title') or '')
        if data.has(model.IPNETWORK):
            try:
                self._add_subnet(record['id'], data)
            except OCCIError as exc:
                self._rollback(record['id'])
                raise type(exc)('The network was not created: %s'
                                % exc.message)
        self.occi.changed()
        return self.get(record['id'])

    def _add_subnet(self, network_id, data):
        address = data.get('occi.network.address')
        if not address:
            raise OCCIBadRequest(
                'The ipnetwork mixin needs occi.network.address (a CIDR such '
                'as 10.0.0.0/24).')
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
            _refuse_changes(entity, data, [
                'occi.network.address', 'occi.network.gateway',
                'occi.network.allocation'])
        self.occi.changed()
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
        self.occi.changed()

    def run_action(self, entity, action, params):
        if action == model.UP:
            if entity.attributes['occi.network.state'] == 'active':
                return ActionResult()  # already up: nothing to do
            raise OCCIConflict('The network %s is %s; Synnefo brings '
                               'networks up by itself.' % (
                                   entity.id,
                                   entity.attributes['occi.network.state']))
        raise OCCINotImplemented(
            'Synnefo networks cannot be taken down; delete the network or '
            'its network interfaces instead.')


# -- Storage -------------------------------------------------------------------

class StorageHandler(_ResourceHandler):
    """Storage = Synnefo volume."""

    kind = model.STORAGE
    needs = ('volumes',)

    def entity(self, volume):
        return self.remember(translate.storage(volume), volume)

    def list(self):
        return [self.entity(v) for v in self.listing('volumes')
                if not translate.is_deleted(v)]

    def fetch(self, id, session):
        return session.get_volume(id)

    def get(self, id):
        return self.entity(self.record(id))

    def volume_type(self):
        """The configured volume type, else the first detachable one (a
        standalone volume must be detachable on Synnefo)."""
        configured = self.occi.settings.get('occi.synnefo.volume_type')
        if configured:
            return configured
        for volume_type in self.cloud.list_volume_types():
            if volume_type.get('SNF:detachable') and not volume_type.get(
                    'deleted'):
                return volume_type['id']
        raise OCCIConflict('The cloud offers no detachable volume type, so '
                           'standalone storage cannot be created.')

    @staticmethod
    def _size(value):
        """Synnefo volumes are whole GB: a fractional OCCI size (GiB, a
        float) gets the smallest volume that holds it (pOCCI asks 0.1)."""
        if value is None or not 0 < value < math.inf:
            raise OCCIBadRequest(
                'occi.storage.size must be a positive number of GB; got %s.'
                % value)
        return math.ceil(value)

    def create(self, data):
        size = self._size(data.get('occi.storage.size'))
        volume = self.cloud.create_volume(
            size, data.get('occi.core.title') or 'occi-storage',
            volume_type=self.volume_type(),
            description=data.get('occi.core.summary'))
        self.occi.changed()
        return self.get(volume['id'])

    def update(self, entity, data, replace=False):
        volume = self.record_of(entity)
        size = data.get('occi.storage.size')
        if size is not None and size != entity.attributes.get(
                'occi.storage.size'):
            raise OCCINotImplemented(
                'Synnefo cannot resize a volume (occi.storage.size stays %s).'
                % entity.attributes.get('occi.storage.size'))
        title = data.get('occi.core.title')
        summary = data.get('occi.core.summary')
        changes = {}
        if title is not None and title != entity.title:
            changes['name'] = title
        if summary is not None and summary != entity.summary:
            changes['description'] = summary
        elif replace and summary is None and entity.summary:
            changes['description'] = ''
        if changes:
            self.cloud.update_volume(volume['id'], **changes)
        self.occi.changed()
        return self.get(volume['id'])

    def delete(self, entity):
        try:
            self.cloud.delete_volume(self.record_of(entity)['id'])
        except BackendNotFound:
            raise self.not_found(entity.id)
        except BackendBadRequest as exc:
            raise OCCIConflict(exc.message)
        self.occi.changed()

    def run_action(self, entity, action, params):
        state = entity.attributes['occi.storage.state']
        if action == model.ONLINE and state == 'online':
            return ActionResult()  # Synnefo volumes are always online
        reasons = {
            'online': 'the volume is %s; Synnefo brings volumes online by '
                      'itself' % state,
            'offline': 'Synnefo volumes cannot be taken offline; detach the '
                       'storage link instead',
            'backup': 'Synnefo has no volume backups',
            'snapshot': 'volume snapshots are not offered through this '
                        'server',
            'resize': 'Synnefo cannot resize a volume',
        }
        raise OCCINotImplemented('%s: %s.' % (action.term,
                                              reasons[action.term]))


# -- Links ---------------------------------------------------------------------

class _LinkHandler(Handler):
    target_kind = None

    def ends(self, data):
        """The source compute record and the target id of a link create."""
        source = data.get('occi.core.source')
        target = data.get('occi.core.target')
        for name, value in (('occi.core.source', source),
                            ('occi.core.target', target)):
            if not value:
                raise OCCIBadRequest('A %s needs %s.' % (self.kind.term,
                                                         name))
        server = self.occi.resolve(source, model.COMPUTE, 'source')
        target_id = self.occi.resolve(target, self.target_kind, 'target')
        _linkable(server)
        return server, target_id


class NetworkInterfaceHandler(_LinkHandler):
    """NetworkInterface = port of a server."""

    kind = model.NETWORKINTERFACE
    target_kind = model.NETWORK
    needs = ('ports', 'subnets')

    def entities(self, ports):
        attached = [p for p in ports if p.get('device_id')]
        names = translate.interface_names(attached)
        subnets = self.occi.subnets()
        result = []
        for port in attached:
            result.append(self.remember(translate.networkinterface(
                port, names.get(str(port['id'])), subnets), port))
        return result

    def list(self):
        return self.entities(self.listing('ports'))

    def get(self, id):
        """The port and its server (for the interface name): two calls,
        whatever the size of the account."""
        try:
            port = self.cloud.get_port(_digits(id, self.kind))
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

    def create(self, data):
        server, network_id = self.ends(data)
        port = self.occi.attach_network(
            server['id'], network_id,
            data.get('occi.networkinterface.address'))
        self.occi.changed()
        return self.get(port['id'])

    def delete(self, entity):
        self.occi.detach_network(self.record_of(entity))
        self.occi.changed()


class StorageLinkHandler(_LinkHandler):
    """StorageLink = volume attachment (id ``<server>_<volume>``)."""

    kind = model.STORAGELINK
    target_kind = model.STORAGE
    needs = ('volumes',)

    def list(self):
        links = []
        for volume in self.listing('volumes'):
            for link in translate.storagelinks(volume):
                links.append(self.remember(link, volume))
        return links

    def get(self, id):
        ids = translate.storagelink_ids(id)
        if ids is None:
            raise self.not_found(id)
        server_id, volume_id = ids
        try:
            volume = self.cloud.get_volume(volume_id)
        except BackendNotFound:
            raise self.not_found(id)
        for link in translate.storagelinks(volume):
            if link.id == str(id):
                return self.remember(link, volume)
        raise self.not_found(id)

    def create(self, data):
        server, volume_id = self.ends(data)
        self.occi.attach_storage(server['id'], volume_id)
        self.occi.changed()
        return self.get(translate.storagelink_id(server['id'], volume_id))

    def delete(self, entity):
        server_id, volume_id = translate.storagelink_ids(entity.id)
        try:
            self.cloud.detach_volume(server_id, volume_id)
        except (BackendBadRequest, BackendConflict) as exc:
            raise OCCIConflict('The storage cannot be detached: %s'
                               % exc.message)
        self.occi.changed()


class InlineLinks:
    """The links of a compute create or update request.

    A create must be atomic as far as the user can tell: every target is
    checked before the server is created; when a later step fails the
    server is deleted and the floating IPs allocated for the public
    network released (once the cloud has detached them), and the error
    says nothing was created, or exactly what could not be removed (the
    cloud stopped answering).  Within the configured cloud timeout.
    """

    def __init__(self, occi, links):
        self.occi = occi
        self.links = [self._resolve(link) for link in links]
        self.allocated = []

    def _resolve(self, link):
        """A validated inline link (``target_kind``, ``target_id`` and
        checked ``attributes``: views.requests.inline_links) with its
        target's record: 404 now, before anything is created."""
        kind, target_id = link['target_kind'], link['target_id']
        record = self.occi.handler(kind).record(target_id)
        attributes = link.get('attributes') or {}
        return {'kind': kind, 'id': target_id, 'record': record,
                'address': attributes.get('occi.networkinterface.address')}

    def networks(self):
        """The ``networks`` argument of the server create (``None`` keeps
        the cloud's default policy when no network link is given)."""
        nets = [link for link in self.links if link['kind'] == model.NETWORK]
        if not nets:
            return None
        result = []
        for link in nets:
            if translate.is_public(link['record']):
                try:
                    fip = self.occi.floating_ip(link['id'], link['address'])
                except OCCIError as exc:
                    if not self.allocated:
                        raise
                    raise self.failed(exc, self.release())
                if fip.get('_new'):
                    self.allocated.append(fip)
                result.append({'uuid': str(link['id']),
                               'fixed_ip': fip['floating_ip_address']})
            elif link['address']:
                result.append({'uuid': str(link['id']),
                               'fixed_ip': link['address']})
            else:
                result.append({'uuid': str(link['id'])})
        return result

    def release(self):
        """Release the floating IPs allocated so far; return the ones
        that stay (the cloud did not answer)."""
        return [fip for fip in self.allocated
                if not self.occi.release_floating_ip(fip['id'])]

    @staticmethod
    def failed(exc, left, unsure=False):
        """The error of a failed create: ``exc`` retold, saying that
        nothing was created, or exactly what exists now (``left``: the
        compute location and floating IP records the undo could not
        remove); ``unsure`` when the cloud may have made the compute
        without answering."""
        what = ['compute %s' % item if isinstance(item, str)
                else 'floating IP %s' % item.get('floating_ip_address')
                for item in left]
        if unsure:
            message = ('The cloud stopped answering (%s): the compute may '
                       'have been created all the same; GET /compute/ '
                       'shows it once the cloud answers again.' % (
                           exc.message.rstrip('.')))
            if what:
                message += ' Also left: %s.' % ', '.join(what)
        elif what:
            message = ('The compute was not created (%s), and what was made '
                       'could not be removed: %s exist now; delete them '
                       'once the cloud answers again.' % (
                           exc.message.rstrip('.'), ', '.join(what)))
        else:
            message = 'The compute was not created: %s' % exc.message
        error = copy.copy(exc)
        error.message, error.args = message, (message,)
        return error

    def undo(self, server_id, exc):
        """Remove the new server and the floating IPs allocated for it
        (within the cloud timeout); the error saying what exists now."""
        try:
            self.occi.delete_server(server_id)
        except OCCINotFound:
            pass  # gone already: its floating IPs are free
        except OCCIError as failure:
            log.warning('compute %s of a failed create not removed: %s',
                        server_id, failure)
            return self.failed(exc, [translate.compute_location(server_id)]
                               + self.allocated)
        try:
            left = self.occi.release_after_delete(server_id, self.allocated)
        except BackendError:
            # the cloud's delete failed: everything is still there
            left = [translate.compute_location(server_id)] + self.allocated
        return self.failed(exc, left)

    def attach_storage(self, server_id):
        """Attach the storage links once the new server is built (return
        whether there were any); on any failure delete the server and
        release its new floating IPs, and say that nothing was created
        (or exactly what could not be removed)."""
        volumes = [link for link in self.links
                   if link['kind'] == model.STORAGE]
        if not volumes:
            return False
        try:
            self.occi.wait(
                lambda: self.occi.cloud.get_server(server_id)['status']
                != 'BUILD', 'compute %s to be built' % server_id)
            for link in volumes:
                self.occi.attach_storage(server_id, link['id'])
        except OCCIError as exc:
            raise self.undo(server_id, exc)
        return True

    def add_to(self, server):
        """Create the links on an existing compute (partial update); undo
        the ones made by this request if one fails."""
        _linkable(server)
        made = []
        try:
            for link in self.links:
                if link['kind'] == model.NETWORK:
                    port = self.occi.attach_network(
                        server['id'], link['id'], link['address'])
                    made.append(('port', port))
                else:
                    self.occi.attach_storage(server['id'], link['id'])
                    made.append(('volume', link['id']))
        except OCCIError as exc:
            for what, item in reversed(made):
                try:
                    if what == 'port':
                        self.occi.detach_network(item)
                    else:
                        self.occi.cloud.detach_volume(server['id'], item)
                except OCCIError:
                    log.exception('undoing a link of compute %s',
                                  server['id'])
            raise type(exc)('No link was added: %s' % exc.message)


HANDLERS = {
    handler.kind.type_id: handler for handler in (
        ComputeHandler, NetworkHandler, StorageHandler,
        NetworkInterfaceHandler, StorageLinkHandler)
}


