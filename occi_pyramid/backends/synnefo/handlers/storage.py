"""Storage = Synnefo volume."""
import math

from .... import model
from ....exceptions import (
    BackendBadRequest, BackendNotFound, OCCIBusy, OCCIConflict,
    OCCINotImplemented,
)
from ....model import ActionResult
from .. import translate
from ..errors import as_conflict
from .base import ResourceHandler


def _online(entity, action):
    """Synnefo volumes are online once made: nothing to do then."""
    state = entity.attributes['occi.storage.state']
    if state == 'online':
        return ActionResult()
    raise OCCINotImplemented('online: the volume is %s; Synnefo brings '
                             'volumes online by itself.' % state)


def _refused(reason):
    def refuse(entity, action):
        raise OCCINotImplemented('%s: %s.' % (action.term, reason))
    return refuse


#: how Synnefo answers each OCCI storage action (``(entity, action)`` ->
#: result); none of them calls the cloud
STORAGE_ACTIONS = {
    model.ONLINE.type_id: _online,
    model.OFFLINE.type_id: _refused(
        'Synnefo volumes cannot be taken offline; detach the storage link '
        'instead'),
    model.BACKUP.type_id: _refused('Synnefo has no volume backups'),
    model.SNAPSHOT.type_id: _refused(
        'volume snapshots are not offered through this server'),
    model.RESIZE.type_id: _refused('Synnefo cannot resize a volume'),
}


class StorageHandler(ResourceHandler):
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
        configured = self.ops.settings.get('occi.synnefo.volume_type')
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
        float, positive: the attribute's definition) gets the smallest
        volume that holds it (pOCCI asks 0.1)."""
        return math.ceil(value)

    def create(self, data):
        size = self._size(data.get('occi.storage.size'))
        volume = self.cloud.create_volume(
            size, data.get('occi.core.title') or 'occi-storage',
            volume_type=self.volume_type(),
            description=data.get('occi.core.summary'),
            project=self.ops.project(data))
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
        self.ops.move(entity, data, lambda project: (
            self.cloud.reassign_volume(volume['id'], project)))
        return self.get(volume['id'])

    def delete(self, entity):
        volume_id = self.record_of(entity)['id']
        try:
            self.cloud.delete_volume(volume_id)
        except BackendNotFound:
            raise self.not_found(entity.id)
        except BackendBadRequest as exc:
            # NB: read again only when refused: a volume on its way
            # (attaching, detaching, its server busy or being deleted)
            # waits; one being deleted already is as good as deleted
            volume = self.record(volume_id)
            if volume.get('status') == 'deleting':
                return None
            waiting = self.ops.volume_waits_for(volume)
            if waiting:
                raise OCCIBusy('The storage %s cannot be deleted now: %s'
                               % (volume_id, exc.message), waiting=waiting)
            raise as_conflict(exc)
        return None

    def run_action(self, entity, action, params):
        return STORAGE_ACTIONS[action.type_id](entity, action)
