"""The inline links of a compute create or update: atomic as far as the
client can tell."""
import logging

from .... import model
from ....exceptions import (
    BackendError, OCCIConflict, OCCIError, OCCINotFound,
)
from .. import translate
from ..errors import retold
from .base import linkable

log = logging.getLogger(__name__)


class InlineLinks:
    """The links of a compute create or update request.

    A create must be atomic as far as the user can tell: every target is
    checked before the server is created; when a later step fails the
    server is deleted and the floating IPs allocated for the public
    network released (once the cloud has detached them), and the error
    says nothing was created, or exactly what could not be removed (the
    cloud stopped answering).  Within the configured cloud timeout.
    """

    def __init__(self, ops, links):
        self.ops = ops
        self.links = [self._resolve(link) for link in links]
        self.allocated = []

    def _resolve(self, link):
        """A validated inline link (:class:`model.LinkData`) with its
        target's record: 404 now, before anything is created."""
        kind, target_id = link.target_kind, link.target_id
        record = self.ops.handler(kind).record(target_id)
        if kind == model.STORAGE and record.get('status') != 'available':
            users = [str(a.get('server_id'))
                     for a in record.get('attachments') or ()]
            raise OCCIConflict(
                'The compute was not created: the storage %s is %s%s, so '
                'it cannot be linked to a new compute.' % (
                    target_id, (record.get('status') or '').replace(
                        '_', ' '),
                    ' (linked to compute %s)' % ', '.join(users)
                    if users else ''))
        return {'kind': kind, 'id': target_id, 'record': record,
                'defer': link.defer, 'address': link.attributes.get(
                    'occi.networkinterface.address')}

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
                    fip = self.ops.floating_ip(link['id'], link['address'])
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
                if not self.ops.release_floating_ip(fip['id'])]

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
        return retold(exc, message)

    def undo(self, server_id, exc):
        """Remove the new server and the floating IPs allocated for it
        (within the cloud timeout); the error saying what exists now."""
        try:
            self.ops.delete_server(server_id)
        except OCCINotFound:
            pass  # gone already: its floating IPs are free
        except OCCIError as failure:
            log.warning('compute %s of a failed create not removed: %s',
                        server_id, failure)
            return self.failed(exc, [translate.compute_location(server_id)]
                               + self.allocated)
        try:
            left = self.ops.release_after_delete(server_id, self.allocated)
        except BackendError:
            # the cloud's delete failed: everything is still there
            left = [translate.compute_location(server_id)] + self.allocated
        return self.failed(exc, left)

    def attach_storage(self, server_id):
        """Attach the storage links once the new server is built (return
        whether there were any), except those marked ``defer``, which the
        caller makes once it is built (docs/backends.md); on any failure
        delete the server and
        release its new floating IPs, and say that nothing was created
        (or exactly what could not be removed)."""
        volumes = [link for link in self.links
                   if link['kind'] == model.STORAGE and not link['defer']]
        if not volumes:
            return False
        try:
            self.ops.wait(
                lambda: self.ops.cloud.get_server(server_id)['status']
                != 'BUILD', 'compute %s to be built' % server_id)
            for link in volumes:
                self.ops.attach_storage(server_id, link['id'])
        except OCCIError as exc:
            raise self.undo(server_id, exc)
        return True

    def add_to(self, server):
        """Create the links on an existing compute (partial update); undo
        the ones made by this request if one fails."""
        linkable(server)
        made = []
        try:
            for link in self.links:
                if link['kind'] == model.NETWORK:
                    port = self.ops.attach_network(
                        server['id'], link['id'], link['address'])
                    made.append(('port', port))
                else:
                    self.ops.attach_storage(server['id'], link['id'])
                    made.append(('volume', link['id']))
        except OCCIError as exc:
            for what, item in reversed(made):
                try:
                    if what == 'port':
                        self.ops.detach_network(item, wait=True)
                    else:
                        self.ops.cloud.detach_volume(server['id'], item)
                except OCCIError:
                    log.exception('undoing a link of compute %s',
                                  server['id'])
            raise retold(exc, 'No link was added: %s' % exc.message)
