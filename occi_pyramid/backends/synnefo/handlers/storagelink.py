"""StorageLink = a volume attachment (id ``<server>_<volume>``)."""
from .... import model
from ....exceptions import (
    BackendBadRequest, BackendConflict, BackendNotFound, OCCIBusy,
)
from .. import translate
from ..errors import as_conflict
from .base import LinkHandler


class StorageLinkHandler(LinkHandler):
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

    def existing(self, server, volume_id, data):
        """The attachment of that volume to the server."""
        if str(volume_id) in {str(v) for v in server.get('volumes') or ()}:
            return self.get(translate.storagelink_id(server['id'],
                                                     volume_id))
        return None

    def make(self, server, volume_id, data):
        self.ops.attach_storage(server['id'], volume_id)
        return self.get(translate.storagelink_id(server['id'], volume_id))

    def delete(self, entity):
        server_id, volume_id = translate.storagelink_ids(entity.id)
        try:
            self.cloud.detach_volume(server_id, volume_id)
        except (BackendBadRequest, BackendConflict) as exc:
            # NB: read again only when refused: an attach still running,
            # or a busy compute, waits; a detach under way is as good as
            # done
            try:
                volume = self.cloud.get_volume(volume_id)
            except BackendNotFound:
                return None
            if volume.get('status') in ('detaching', 'deleting') or not any(
                    str(a.get('server_id')) == str(server_id)
                    for a in volume.get('attachments') or ()):
                return None
            waiting = self.ops.volume_waits_for(volume)
            if waiting:
                raise OCCIBusy('The storage cannot be detached now: %s'
                               % exc.message, waiting=waiting)
            raise as_conflict(exc, 'The storage cannot be detached: %s'
                              % exc.message)
        return None
