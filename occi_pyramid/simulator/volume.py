"""Volume service (Cyclades block storage v2.0, Cinder-like): ``/volume``.

Volumes, volume types and snapshots with the rules of Synnefo's
Block Storage API. The catalog publishes ``/volume`` without a version; kamaki
appends ``/v2.0`` (``/v2`` is accepted too). Wrong methods get an
empty-bodied 405.
"""
import uuid

from . import image as images
from . import logic, models, quotas
from .compute import attach_volume, is_detachable
from .core import (
    Reply,
    reassign,
    Service,
    bad_request,
    isoformat,
    links,
    not_found,
    not_implemented,
    parse_int,
)

service = Service('volume', ('v2.0', 'v2'), json_405=False)

MAX_SIZE = 200
GIB = quotas.GIB
CLONE_TEMPLATES = ('ext_archipelago', 'ext_vlmc')


# -- representations ----------------------------------------------------------


def volume_dict(ctx, volume, detail=True):
    href = ctx.versioned_url('volume', '/volumes/%d' % volume.id)
    result = {
        'id': str(volume.id),
        'display_name': volume.name,
        'links': links(href),
    }
    if not detail:
        return result
    attachments = []
    if volume.server_id is not None and not volume.deleted:
        attachments.append(
            {
                'server_id': volume.server_id,
                'volume_id': volume.id,
                'device_index': volume.device_index,
            }
        )
    result.update(
        {
            'status': volume.status,
            'size': volume.size,
            'display_description': volume.description,
            'created_at': isoformat(volume.created),
            'metadata': dict(volume.meta or {}),
            'snapshot_id': volume.snapshot_id,
            'source_volid': None,
            'image_id': volume.image_id,
            'attachments': attachments,
            'volume_type': volume.volume_type_id,
            'deleted': volume.deleted,
            'delete_on_termination': volume.delete_on_termination,
            'user_id': volume.user_id,
            'tenant_id': volume.project,
            'shared_to_project': volume.shared_to_project,
        }
    )
    return result


def type_dict(vtype):
    return {
        'id': vtype.id,
        'name': vtype.name,
        'deleted': vtype.deleted,
        'SNF:disk_template': vtype.disk_template,
        'SNF:detachable': is_detachable(vtype),
    }


# -- volumes ------------------------------------------------------------------


def _list(ctx, detail):
    query = ctx.visible(ctx.db.query(models.Volume), models.Volume)
    volumes = ctx.listing(query, models.Volume)
    return Reply({'volumes': [volume_dict(ctx, v, detail) for v in volumes]})


@service.route(r'/volumes', 'GET')
def list_volumes(ctx):
    return _list(ctx, detail=False)


@service.route(r'/volumes/detail', 'GET')
def list_volumes_detail(ctx):
    return _list(ctx, detail=True)


def _volume_type(ctx, value):
    type_id = parse_int(value, 'Invalid volume type id')
    vtype = ctx.db.get(models.VolumeType, type_id)
    if vtype is None or vtype.deleted:
        raise bad_request('Volume type %s not found' % type_id)
    return vtype


def _source_image(ctx, body, size, vtype):
    sources = [k for k in ('imageRef', 'snapshot_id', 'source_volid')
               if body.get(k) is not None]
    if len(sources) > 1:
        raise bad_request('Only one of imageRef, snapshot_id and '
                          'source_volid can be set')
    if not sources:
        return None
    if sources[0] == 'source_volid':
        raise bad_request('Cloning a volume is not supported')
    if vtype.disk_template not in CLONE_TEMPLATES:
        raise bad_request('Cannot create a volume from an image or a '
                          "snapshot on disk template '%s'"
                          % vtype.disk_template)
    source_id = body[sources[0]]
    image = images.visible_image(ctx, source_id)
    if image is None or (sources[0] == 'snapshot_id'
                         and not image.is_snapshot):
        kind = 'Snapshot' if sources[0] == 'snapshot_id' else 'Image'
        raise bad_request('%s %s not found' % (kind, source_id))
    if image.status != 'AVAILABLE':
        raise bad_request('Cannot create volume from a %s image'
                          % image.status)
    if size * GIB < (image.size or 0):
        raise bad_request('Volume size must be at least the size of the '
                          'source (%d bytes)' % image.size)
    return image


@service.route(r'/volumes', 'POST')
def create_volume(ctx):
    body = ctx.json_object('volume')
    name = body.get('display_name')
    if not isinstance(name, str) or len(name) > 255:
        raise bad_request("Invalid 'display_name' attribute.")
    if body.get('size') is None:
        raise bad_request("Missing 'size' attribute.")
    size = parse_int(body['size'], "Invalid 'size' attribute.")
    if size <= 0:
        raise bad_request("Invalid 'size' attribute.")
    if size > MAX_SIZE:
        raise bad_request('Maximum volume size is %dGB' % MAX_SIZE)
    description = body.get('display_description')
    if description is not None and (
        not isinstance(description, str) or len(description) > 255
    ):
        raise bad_request("Invalid 'display_description' attribute.")
    server = None
    if body.get('server_id') is not None:
        query = ctx.visible(ctx.db.query(models.Server), models.Server)
        server_id = parse_int(body['server_id'], 'Invalid server id')
        server = query.filter(models.Server.id == server_id).one_or_none()
        if server is None:
            raise bad_request('Server %s not found' % body['server_id'])
        if server.deleted:
            raise bad_request("Server '%s' has been deleted." % server.id)
        logic.validate_server_action(ctx, server, 'ATTACH_VOLUME')
    if body.get('volume_type') is not None:
        vtype = _volume_type(ctx, body['volume_type'])
    elif server is not None:
        vtype = server.flavor.volume_type
    else:
        raise bad_request('Invalid volume type id')
    if server is not None:
        if vtype.disk_template != server.flavor.volume_type.disk_template:
            raise bad_request('Volume and server must have the same disk '
                              'template')
    elif not is_detachable(vtype):
        raise bad_request("Volume type '%s' is not detachable" % vtype.name)
    source = _source_image(ctx, body, size, vtype)
    project = body.get('project') or ctx.user.default_project
    quotas.commission(ctx.db, ctx.uid, project, disk=size * GIB)
    volume = models.Volume(
        name=name,
        description=description,
        size=size,
        user_id=ctx.uid,
        project=project,
        shared_to_project=bool(body.get('shared_to_project', False)),
        volume_type_id=vtype.id,
        status='available',
        image_id=source.id if source is not None and not source.is_snapshot
        else None,
        snapshot_id=source.id if source is not None and source.is_snapshot
        else None,
        created=ctx.now,
        updated=ctx.now,
        meta={},
    )
    ctx.db.add(volume)
    ctx.db.flush()
    if server is not None:
        attach_volume(ctx, server, volume)
        volume.status = 'creating'
    return Reply({'volume': volume_dict(ctx, volume, detail=False)}, 202)


VOLUME = r'/volumes/(?P<volume_id>\d+)'


def _get(ctx, volume_id, non_deleted=False):
    query = ctx.visible(ctx.db.query(models.Volume), models.Volume)
    volume = query.filter(models.Volume.id == int(volume_id)).one_or_none()
    if volume is None:
        raise not_found('Volume %s not found' % volume_id)
    if non_deleted and volume.deleted:
        raise bad_request("Volume '%s' has been deleted." % volume_id)
    return volume


@service.route(VOLUME, 'GET')
def get_volume(ctx, volume_id):
    return Reply({'volume': volume_dict(ctx, _get(ctx, volume_id))})


def validate_volume_termination(volume_type, delete_on_termination):
    """Synnefo keeps no volume when its server is deleted: every volume
    still attached then is deleted, whatever its ``delete_on_termination``
    (``process_op_status``), and the flag cannot be set to false (400 for
    a disk template that is not ``ext_*``, else 501), as
    ``volume/util.validate_volume_termination`` answers."""
    if delete_on_termination is False:
        if not volume_type.disk_template.startswith('ext_'):
            raise bad_request(
                "Volumes of '%s' disk template cannot have "
                "'delete_on_termination' attribute set to 'False'"
                % volume_type.disk_template)
        raise not_implemented(
            "Volumes with the 'delete_on_termination' attribute set to "
            "False are not supported")


@service.route(VOLUME, 'PUT')
def update_volume(ctx, volume_id):
    body = ctx.json_object('volume')
    fields = ('display_name', 'display_description', 'delete_on_termination')
    if not any(field in body for field in fields):
        raise bad_request('Nothing to update.')
    volume = _get(ctx, volume_id, non_deleted=True)
    if 'delete_on_termination' in body:
        validate_volume_termination(volume.volume_type,
                                    body['delete_on_termination'])
    if 'display_name' in body:
        if not isinstance(body['display_name'], str) \
                or len(body['display_name']) > 255:
            raise bad_request("Invalid 'display_name' attribute.")
        volume.name = body['display_name']
    if 'display_description' in body:
        description = body['display_description']
        if not isinstance(description, str) or len(description) > 255:
            raise bad_request("Invalid 'display_description' attribute.")
        volume.description = description
    if 'delete_on_termination' in body:
        if not isinstance(body['delete_on_termination'], bool):
            raise bad_request("Invalid 'delete_on_termination' attribute.")
        volume.delete_on_termination = body['delete_on_termination']
    volume.updated = ctx.now
    return Reply({'volume': volume_dict(ctx, volume)})


@service.route(VOLUME, 'DELETE')
def delete_volume(ctx, volume_id):
    volume = _get(ctx, volume_id, non_deleted=True)
    engine = ctx.sim.engine
    if volume.server_id is None:
        if volume.status not in ('available', 'error'):
            raise bad_request("Cannot delete volume while volume is in "
                              "'%s' status." % volume.status)
        if not volume.ever_attached:
            volume.status = 'deleted'
            volume.deleted = True
            volume.updated = ctx.now
            return Reply(status=202)
        volume.status = 'deleting'
        volume.updated = ctx.now
        engine.schedule(ctx.db, 'volume_delete', volume.id)
        return Reply(status=202)
    if volume.device_index == 0:
        raise bad_request('Cannot delete the root volume of server %s'
                          % volume.server_id)
    if volume.status not in ('in_use', 'error'):
        raise bad_request("Cannot delete volume while volume is in '%s' "
                          "status." % volume.status)
    server = ctx.db.get(models.Server, volume.server_id)
    logic.validate_server_action(ctx, server, 'DETACH_VOLUME')
    server.task = 'DETACH_VOLUME'
    server.updated = ctx.now
    volume.status = 'deleting'
    volume.updated = ctx.now
    engine.schedule(ctx.db, 'volume_delete', volume.id)
    return Reply(status=202)


@service.route(VOLUME + r'/metadata', 'GET')
def get_metadata(ctx, volume_id):
    return Reply({'metadata': dict(_get(ctx, volume_id).meta or {})})


def _check_metadata(metadata):
    if not isinstance(metadata, dict) or len(metadata) > 10:
        raise bad_request('Malformed request')
    for key, value in metadata.items():
        if not isinstance(value, str) or len(key) > 64 or len(value) > 255:
            raise bad_request('Malformed request')


@service.route(VOLUME + r'/metadata', 'POST', 'PUT')
def set_metadata(ctx, volume_id):
    body = ctx.json()
    metadata = body.get('metadata') if isinstance(body, dict) else None
    _check_metadata(metadata)
    volume = _get(ctx, volume_id, non_deleted=True)
    merged = dict(volume.meta or {}) if ctx.request.method == 'POST' else {}
    merged.update(metadata)
    _check_metadata(merged)
    volume.meta = merged
    return Reply({'metadata': merged})


@service.route(VOLUME + r'/metadata/(?P<key>[^/]+)', 'DELETE')
def delete_metadata_item(ctx, volume_id, key):
    volume = _get(ctx, volume_id, non_deleted=True)
    merged = dict(volume.meta or {})
    if key not in merged:
        raise bad_request("Metadata key '%s' not found" % key)
    del merged[key]
    volume.meta = merged
    return Reply({'metadata': merged})


@service.route(VOLUME + r'/action', 'POST')
def volume_action(ctx, volume_id):
    args = ctx.reassign_args()
    volume = _get(ctx, volume_id, non_deleted=True)
    if volume.server_id is not None:
        raise bad_request('Cannot reassign an attached volume')
    quotas.commission(ctx.db, ctx.uid, args['project'],
                      disk=volume.size * GIB)
    reassign(volume, args)
    return Reply(status=200)


# -- volume types -------------------------------------------------------------


@service.route(r'/types', 'GET')
def list_types(ctx):
    types = (
        ctx.db.query(models.VolumeType)
        .filter_by(deleted=False)
        .order_by(models.VolumeType.id)
    )
    return Reply({'volume_types': [type_dict(t) for t in types]})


@service.route(r'/types/(?P<type_id>\d+)', 'GET')
def get_type(ctx, type_id):
    vtype = ctx.db.get(models.VolumeType, int(type_id))
    if vtype is None:
        raise not_found('Volume type %s not found' % type_id)
    return Reply({'volume_type': type_dict(vtype)})


# -- snapshots ----------------------------------------------------------------


def snapshot_dict(ctx, snapshot, detail=True):
    href = ctx.versioned_url('volume', '/snapshots/%s' % snapshot.id)
    result = {
        'id': snapshot.id,
        'display_name': snapshot.name,
        'links': links(href),
    }
    if not detail:
        return result
    result.update(
        {
            'size': snapshot.size // GIB,
            'display_description': snapshot.description or '',
            'status': snapshot.status,
            'user_id': snapshot.owner,
            'tenant_id': snapshot.owner,
            'os-extended-snapshot-attribute:progress': '100%',
            'created_at': isoformat(snapshot.created),
            'metadata': dict(snapshot.properties or {}),
            'volume_id': (
                str(snapshot.volume_id) if snapshot.volume_id else None
            ),
        }
    )
    return result


def _snapshots(ctx):
    return (
        ctx.db.query(models.Image)
        .filter_by(owner=ctx.uid, is_snapshot=True, deleted_at=None)
        .order_by(models.Image.created, models.Image.id)
    )


@service.route(r'/snapshots', 'GET')
def list_snapshots(ctx):
    return Reply({'snapshots': [snapshot_dict(ctx, s, False)
                                for s in _snapshots(ctx)]})


@service.route(r'/snapshots/detail', 'GET')
def list_snapshots_detail(ctx):
    return Reply({'snapshots': [snapshot_dict(ctx, s)
                                for s in _snapshots(ctx)]})


@service.route(r'/snapshots', 'POST')
def create_snapshot(ctx):
    body = ctx.json_object('snapshot')
    if body.get('volume_id') is None:
        raise bad_request("Missing 'volume_id' attribute.")
    volume = _get(ctx, parse_int(body['volume_id'], 'Invalid volume id'),
                  non_deleted=True)
    if volume.server_id is None or volume.status not in ('available',
                                                         'in_use'):
        raise bad_request('Cannot take a snapshot of a volume that is not '
                          'attached and available or in use')
    name = body.get('display_name') or 'snapshot of volume %s' % volume.id
    source = images.visible_image(ctx, volume.image_id) \
        if volume.image_id else None
    snapshot = models.Image(
        id=str(uuid.uuid4()),
        name=name,
        owner=ctx.uid,
        status='AVAILABLE',
        is_snapshot=True,
        size=volume.size * GIB,
        location='pithos://%s/snapshots/%s' % (ctx.uid, name),
        description=body.get('display_description') or '',
        created=ctx.now,
        updated=ctx.now,
        properties=dict(source.properties or {}) if source else {},
        members=[],
        volume_id=volume.id,
    )
    ctx.db.add(snapshot)
    ctx.db.flush()
    return Reply({'snapshot': snapshot_dict(ctx, snapshot)}, 202)


SNAPSHOT = r'/snapshots/(?P<snapshot_id>[^/]+)'


def _get_snapshot(ctx, snapshot_id):
    snapshot = _snapshots(ctx).filter_by(id=snapshot_id).one_or_none()
    if snapshot is None:
        raise not_found('Snapshot %s not found' % snapshot_id)
    return snapshot


@service.route(SNAPSHOT, 'GET')
def get_snapshot(ctx, snapshot_id):
    return Reply({'snapshot': snapshot_dict(ctx, _get_snapshot(
        ctx, snapshot_id))})


@service.route(SNAPSHOT, 'PUT')
def update_snapshot(ctx, snapshot_id):
    body = ctx.json_object('snapshot')
    snapshot = _get_snapshot(ctx, snapshot_id)
    if 'display_name' in body:
        snapshot.name = body['display_name']
    if 'display_description' in body:
        snapshot.description = body['display_description']
    snapshot.updated = ctx.now
    return Reply({'snapshot': snapshot_dict(ctx, snapshot)})


@service.route(SNAPSHOT, 'DELETE')
def delete_snapshot(ctx, snapshot_id):
    images.unregister(ctx, _get_snapshot(ctx, snapshot_id))
    return Reply(status=202)
