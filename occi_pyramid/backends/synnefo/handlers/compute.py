"""Compute = Synnefo server."""
import logging

from .... import model
from ....exceptions import (
    BackendBadRequest, BackendConflict, BackendError, BackendNotFound,
    BackendUnavailable, OCCIBadRequest, OCCIBusy, OCCIConflict,
    OCCINotFound, OCCINotImplemented,
)
from ....model import ActionResult, Unfinished
from .. import translate
from ..api import by_id
from ..errors import as_conflict, retold
from .base import ResourceHandler, refuse_changes
from .inline import InlineLinks

log = logging.getLogger(__name__)

#: server metadata key holding occi.core.summary
SUMMARY_KEY = 'occi.core.summary'


def may_hold_floating_ips(server):
    """Whether a server may have a floating IP on a port: one of its
    active NICs has one, or it has ports the record does not list yet
    (built or connected right now)."""
    if server.get('status') == 'BUILD' or server.get('SNF:task_state'):
        return True
    return any(nic.get('OS-EXT-IPS:type') == 'floating'
               for nic in server.get('attachments') or ())


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


def _settled(volume):
    """What a volume in a transitional state becomes."""
    status = volume.get('status')
    return {'attaching': 'attached', 'creating': 'attached',
            'detaching': 'detached', 'deleting': 'deleted'}.get(
        status, 'settled (it is %s)' % status)


class ComputeHandler(ResourceHandler):
    """Compute = Synnefo server.  A compute renders from its server record
    alone (its links from ``attachments`` and ``volumes``) and the
    per-user cached flavors and images: one call per entity, one per
    collection."""

    kind = model.COMPUTE
    needs = ('servers', 'flavors', 'images')
    member_needs = ('servers',)
    gone = staticmethod(translate.is_destroying)

    def flavors(self):
        return by_id(self.listing('flavors'))

    def images(self):
        return by_id(self.listing('images'))

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
        """``{server id: [ports]}`` when a server is being built or is
        connecting a port: its record does not list those ports yet
        (Synnefo lists active ports only), though ``/networkinterface/``
        does; the port listing, only then."""
        if not any(s.get('SNF:task_state') == 'CONNECTING'
                   or s.get('status') == 'BUILD' for s in servers):
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

    def members(self):
        """The servers as bare computes, from their records alone: no
        flavor, image or pending port read (a delete needs the record)."""
        return [self.remember(translate.member(self.kind, s['id']), s)
                for s in self.listing('servers') if not self.gone(s)]

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
        default = self.ops.settings.get(setting) or ''
        if not default:
            return None
        for category in self.ops.templates():
            if category.is_a(base) and category is not base and (
                    default in (category.term, category.type_id)):
                return category
        raise OCCIBadRequest(
            'The default %s %r named in the server settings is not offered '
            'by the cloud.' % (base.term, default))

    def _flavor_id(self, data, flavors, project):
        """The flavor of a create in ``project``: the resource_tpl named,
        else the smallest one of the project holding the cores and
        memory given, else the configured default (only when the client
        named neither)."""
        cores = data.get('occi.compute.cores')
        memory = data.get('occi.compute.memory')
        mixin = data.template(model.RESOURCE_TPL)
        if mixin is None and cores is None and memory is None:
            mixin = self._template(data, model.RESOURCE_TPL,
                                   'occi.default_resource_tpl')
        if mixin is not None:
            flavor_id = translate.flavor_id_of(mixin.term)
            self._refuse_other_projects(mixin, flavors.get(flavor_id),
                                        project)
            return flavor_id
        if cores is None and memory is None:
            raise OCCIBadRequest(
                'No resource_tpl mixin was given (and occi.compute.cores / '
                'occi.compute.memory neither): name one of the resource_tpl '
                'mixins listed at %s/-/.' % self.ops.script_name)
        flavor = translate.flavor_for(
            [f for f in flavors.values()
             if translate.flavor_usable_in(f, project)], cores, memory)
        if flavor is None:
            raise OCCIBadRequest(
                'No flavor of the cloud has occi.compute.cores=%s and '
                'occi.compute.memory=%s GiB.'
                % (cores if cores is not None else 'any',
                   memory if memory is not None else 'any'))
        return flavor['id']

    def _refuse_other_projects(self, mixin, flavor, project):
        """409 naming the project mixins that may use a flavor the
        create's project may not (Synnefo would say "Flavor not found.",
        a 404 on the collection)."""
        if flavor is None or translate.flavor_usable_in(flavor, project):
            return
        others = [translate.project_mixin(p).type_id
                  for p in flavor.get('SNF:flavor-access') or ()]
        raise OCCIConflict(
            'The resource_tpl %s may not be used in project %s; only in %s: '
            'add that project mixin to the create.' % (
                mixin.type_id, translate.project_mixin(project).type_id,
                ' or '.join(others)))

    def create(self, data):
        os_tpl = self._template(data, model.OS_TPL, 'occi.default_os_tpl')
        if os_tpl is None:
            raise OCCIBadRequest(
                'No os_tpl mixin was given: name one of the os_tpl mixins '
                'listed at %s/-/ (http://schemas.ogf.org/occi/infrastructure#'
                'os_tpl).' % self.ops.script_name)
        image_id = translate.image_id_of(os_tpl.term)
        flavors = self.flavors()
        project = self.ops.project(data)
        flavor_id = self._flavor_id(
            data, flavors,
            project or self.cloud.authenticate()['default_project'])
        images = self.images()
        name = (data.get('occi.core.title') or data.get(
            'occi.compute.hostname') or 'occi-compute')
        user_data = data.get('occi.compute.userdata') or data.get(
            'org.openstack.compute.user_data')
        public_key = data.get('occi.credentials.ssh.publickey') or data.get(
            'org.openstack.credentials.publickey.data')
        personality = translate.personality(
            user_data, public_key,
            translate.image_users(images.get(image_id)), name) or None
        metadata = {}
        if data.get('occi.core.summary'):
            metadata[SUMMARY_KEY] = data.get('occi.core.summary')
        links = InlineLinks(self.ops, data.links)
        networks = links.networks()
        try:
            server = self.cloud.create_server(
                name, flavor_id, image_id, networks=networks,
                personality=personality, metadata=metadata or None,
                project=project)
        except BackendError as exc:
            left, unsure = links.release(), isinstance(exc,
                                                       BackendUnavailable)
            if not (left or unsure):
                raise
            raise links.failed(exc, left, unsure)
        if links.attach_storage(server['id']):
            return self.get(server['id'])
        # the create answer is the full server record; the ports of its
        # network links are being built (one listing, only then: the
        # compute exists, so a listing that fails only leaves them out)
        pending = None
        if networks:
            try:
                pending = self.pending_ports([server])
            except BackendError as exc:
                log.warning('compute %s created; its ports not listed: %s',
                            server['id'], exc)
        return self.entity(server, flavors, images, pending)

    # -- updating ------------------------------------------------------

    def update(self, entity, data, replace=False):
        server = self.record_of(entity)
        server_id = server['id']
        os_tpl = data.template(model.OS_TPL)
        if os_tpl is not None and os_tpl not in entity.mixins:
            raise OCCIBadRequest(
                'The os_tpl of a compute cannot be replaced on Synnefo; '
                'create a new compute from %s instead.' % os_tpl.type_id)
        refuse_changes(entity, data, ['occi.compute.hostname'])
        title = data.get('occi.core.title')
        if title is not None and title != server.get('name'):
            self.cloud.rename_server(server_id, title)
        self._update_summary(server_id, entity, data, replace)
        self.ops.move(entity, data, lambda project: (
            self.cloud.reassign_server(server_id, project)))
        self._resize(server, entity, data)
        if data.links and not replace:
            # NB: Link lines in a PUT are ignored (docs/specs.md, ambiguity 7)
            InlineLinks(self.ops, data.links).add_to(server)
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
            raise retold(exc, 'The cloud refused the resize: %s'
                         % exc.message)

    # -- deleting and actions -------------------------------------------

    def delete(self, entity):
        """Delete a server; the storages linked to it outlive it.

        Synnefo deletes every volume still attached to a server when it
        deletes the server, whatever the volume's delete_on_termination
        (which cannot be turned off), so the storages the user linked are
        detached first, one at a time (the server runs one task at a
        time): each step answers :class:`Unfinished` and the server
        carries the delete on.  Then the server is deleted, and its
        floating IPs are released once the cloud is done with it; the
        delete is followed until then, so a delete the cloud fails is
        told (docs/decisions.md, "Deferred work").
        """
        return self._delete(self.record_of(entity))

    def _delete(self, server):
        """One step of deleting ``server`` (a record): from the record
        alone, so the worker carrying a delete on reads nothing more."""
        server_id = server['id']
        kept, root = self.kept_volumes(server)
        goes_with = [translate.storage_location(v) for v in root]
        if kept:
            unfinished = self._detach_first(server, kept)
            if unfinished is not None:
                # NB: so do its floating IPs (ipreservations until then)
                unfinished.goes_with = tuple(goes_with + [
                    translate.ipreservation_location(f['id'])
                    for f in self.released_with(server)])
            return unfinished
        floating = self.released_with(server)
        try:
            self.ops.delete_server(server_id)
        except (BackendBadRequest, BackendConflict) as exc:
            if translate.is_busy(server):
                # NB: Synnefo refuses to delete a server whose build has
                # not started yet (409 buildInProgress): for now only
                raise OCCIBusy('The compute %s cannot be deleted yet: %s'
                               % (server_id, exc.message),
                               waiting=translate.waiting_for(server))
            raise as_conflict(exc)
        # NB: the floating IPs released with it are ipreservations until
        # then: they go with it
        goes_with += [translate.ipreservation_location(f['id'])
                      for f in floating]
        return Unfinished('compute %s to be deleted' % server_id, {
            'deleted': True,
            'floating_ips': [str(f['id']) for f in floating]},
            goes_with=goes_with)

    def released_with(self, server):
        """The floating IPs released once ``server`` is deleted: those
        of its ports but an ipreservation's (its address outlives the
        compute).  The record tells whether there may be any, so most
        deletes list none; only the ports' names tell an ipreservation's
        (one more listing, only when there are some)."""
        if not may_hold_floating_ips(server):
            return []
        ports = {str(link.id) for link in translate.server_links(server)
                 if link.kind == model.NETWORKINTERFACE}
        floating = [f for f in self.listing('floatingips')
                    if str(f.get('port_id')) in ports
                    or (f.get('instance_id') is not None and str(
                        f.get('instance_id')) == str(server['id']))]
        if not floating:
            return []
        reserved = {str(p['id']) for p in self.listing('ports')
                    if translate.is_reserved(p)}
        return [f for f in floating if str(f.get('port_id')) not in reserved]

    def kept_volumes(self, server):
        """``(volumes, root)``: the records of the volumes attached to
        ``server`` other than its root disk (the user's storages, which
        outlive the compute), and the id of its root disk (in a list).
        One call per volume, and none for a server with its root disk
        alone."""
        ids = [str(v) for v in server.get('volumes') or ()]
        if len(ids) < 2:
            return [], ids
        kept, root = [], []
        for volume_id in ids:
            try:
                volume = self.cloud.get_volume(volume_id)
            except BackendNotFound:
                continue
            if translate.is_deleted(volume):
                continue
            mine = [a for a in volume.get('attachments') or ()
                    if str(a.get('server_id')) == str(server['id'])]
            if any(a.get('device_index') == 0 for a in mine):
                root.append(volume_id)
            elif mine:
                kept.append(volume)
        return kept, root

    def _detach_first(self, server, volumes):
        """One step of detaching the user's storages before the server
        goes: detach one, or wait for what runs."""
        server_id = server['id']
        if translate.is_destroying(server):
            # NB: deleted by someone else meanwhile: nothing to save
            return None
        if server.get('status') == 'ERROR':
            raise OCCIConflict(
                'The compute %s is in error, so the cloud cannot detach '
                '%s from it, and deleting it would delete them too: delete '
                'them first (or ask the cloud administrators).' % (
                    server_id, ', '.join(
                        translate.storage_location(v['id'])
                        for v in volumes)))
        moving = [v for v in volumes
                  if v.get('status') not in ('in_use', 'error')]
        if moving:
            raise OCCIBusy(
                'The compute %s cannot be deleted now.' % server_id,
                waiting='storage %s to be %s' % (
                    moving[0]['id'], _settled(moving[0])))
        if translate.is_busy(server):
            raise OCCIBusy('The compute %s cannot be deleted now: %s' % (
                server_id, translate.busy_reason(server)),
                waiting=translate.waiting_for(server))
        volume = volumes[0]
        try:
            self.cloud.detach_volume(server_id, volume['id'])
        except (BackendBadRequest, BackendConflict) as exc:
            raise OCCIBusy('The compute %s cannot be deleted now: %s' % (
                server_id, exc.message), waiting='compute %s to settle'
                % server_id)
        return Unfinished('storage %s to be detached from compute %s' % (
            volume['id'], server_id))

    def resume_delete(self, id, resume):
        if resume and resume.get('deleted'):
            return self._released(id, resume.get('floating_ips') or ())
        try:
            server = self.record(id)
        except OCCINotFound:
            return None   # gone (deleted by someone else meanwhile)
        return self._delete(server)

    def _released(self, server_id, floating_ips):
        """The last step of a delete the cloud took: once the server is
        gone its floating IPs are released; a delete the cloud failed is
        an error (the compute is listed again)."""
        state = self.ops.deletion(int(server_id))
        if state == 'going':
            raise OCCIBusy('The compute %s is being deleted.' % server_id,
                           waiting='compute %s to be deleted' % server_id)
        if state == 'failed':
            self.cloud.undeleted_server(server_id)
            raise OCCIConflict(
                'The cloud failed to delete the compute %s: it is still '
                'there, with its links; DELETE it again.' % server_id)
        self.ops.release_floating_ips(floating_ips,
                                       'the deleted compute %s' % server_id)
        return None

    def run_action(self, entity, action, params):
        server = self.record_of(entity)
        if action == model.SAVE:
            raise OCCINotImplemented(
                'Synnefo cannot save a running compute as a new image '
                '(its compute API answers createImage with 501).')
        if translate.reached_anyway(server, action):
            return ActionResult()
        refusal = translate.action_refusal(server, action)
        if refusal:
            raise OCCIConflict(refusal)
        try:
            COMPUTE_ACTIONS[action.type_id](self.cloud, server['id'], params)
        except (BackendBadRequest, BackendConflict) as exc:
            raise as_conflict(exc)
        return ActionResult()
