"""Image service (Plankton, Glance v1 style): ``/image``.

Lists with Plankton's filter and sort validation, ``HEAD`` with the
``x-image-meta-*`` headers (values URL-quoted), registration, updates,
unregistration and members (Synnefo's Image API). Wrong methods get an
empty-bodied 405, as Django's ``HttpResponseNotAllowed`` gives.
"""
import re
import uuid
from urllib.parse import quote, unquote

from sqlalchemy import bindparam, or_, select

from . import models
from .core import (
    Fault,
    Reply,
    Service,
    bad_request,
    forbidden,
    plankton_time,
)

service = Service('image', ('v1.0', 'v1'), json_405=False,
                  strip_suffix=False)

SORT_KEYS = ('id', 'name', 'status', 'size', 'disk_format',
             'container_format', 'created_at', 'updated_at')
DISK_FORMATS = ('diskdump', 'extdump', 'ntfsdump')
CONTAINER_FORMATS = ('aki', 'ari', 'ami', 'bare', 'ovf')
STATUSES = ('AVAILABLE', 'SAVING', 'ERROR', 'DELETED')
PREFIX = 'x-image-meta-'
PROPERTY_PREFIX = 'x-image-meta-property-'


def property_key(key):
    """Plankton's normal form of a property name: lower case, ``_``."""
    return re.sub(r'[^a-z0-9]', '_', key.lower())


# -- visibility (shared with compute) -----------------------------------------


def _visibility(ctx, query):
    uid = ctx.uid
    return [
        image for image in query
        if image.is_public or image.owner == uid
        or uid in (image.members or [])
    ]


def visible_images(ctx, deleted=False):
    query = ctx.db.query(models.Image)
    if not deleted:
        query = query.filter(models.Image.deleted_at.is_(None))
    return _visibility(ctx, query)


def visible_image(ctx, image_id, deleted=False):
    """The image ``image_id`` if the caller may see it, else None."""
    image = ctx.db.get(models.Image, str(image_id))
    if image is None or (image.deleted_at is not None and not deleted):
        return None
    return image if _visibility(ctx, [image]) else None


_IMAGES = models.Image.__table__.c
#: what a server create reads of its image
IMAGE_ROW_BY_ID = select(
    _IMAGES.id, _IMAGES.owner, _IMAGES.is_public, _IMAGES.members,
    _IMAGES.deleted_at, _IMAGES.size).where(_IMAGES.id == bindparam('id'))


def visible_image_row(ctx, image_id):
    """:func:`visible_image` (live only) as a plain row, read only, of
    its id, owner, visibility and size: no ORM object."""
    image = ctx.execute(IMAGE_ROW_BY_ID, id=str(image_id)).first()
    if image is None or image.deleted_at is not None:
        return None
    return image if _visibility(ctx, [image]) else None


def unregister(ctx, image):
    image.deleted_at = ctx.now
    image.status = 'DELETED'
    image.updated = ctx.now


# -- representations ----------------------------------------------------------


def image_record(image, detail):
    result = {
        'id': image.id,
        'name': image.name,
        'status': image.status,
        'disk_format': image.disk_format,
        'container_format': image.container_format,
        'size': image.size,
    }
    if detail:
        result.update(
            {
                'checksum': image.checksum,
                'location': image.location,
                'created_at': plankton_time(image.created),
                'updated_at': plankton_time(image.updated),
                'deleted_at': plankton_time(image.deleted_at),
                'is_public': image.is_public,
                'owner': image.owner,
                'properties': dict(image.properties or {}),
                'is_snapshot': image.is_snapshot,
                'description': image.description
                or (image.properties or {}).get('description', ''),
            }
        )
    return result


def meta_headers(image):
    """The ``x-image-meta-*`` headers of ``image`` (HEAD, POST, PUT)."""
    status = image.status if image.status in STATUSES else 'UNKNOWN'
    description = image.description or (image.properties or {}).get(
        'description', '')
    headers = {
        PREFIX + 'id': image.id,
        PREFIX + 'name': quote(image.name),
        PREFIX + 'disk-format': image.disk_format,
        PREFIX + 'container-format': image.container_format,
        PREFIX + 'size': str(image.size),
        PREFIX + 'checksum': image.checksum or '',
        PREFIX + 'location': quote(image.location or ''),
        PREFIX + 'created-at': plankton_time(image.created),
        PREFIX + 'updated-at': plankton_time(image.updated),
        PREFIX + 'deleted-at': plankton_time(image.deleted_at),
        PREFIX + 'status': status,
        PREFIX + 'is-public': str(bool(image.is_public)),
        PREFIX + 'owner': image.owner,
        PREFIX + 'is-snapshot': str(bool(image.is_snapshot)),
        PREFIX + 'description': quote(description),
    }
    for key, value in sorted((image.properties or {}).items()):
        name = PROPERTY_PREFIX + key.replace('_', '-')
        headers[name] = quote(str(value))
    return headers


# -- lists --------------------------------------------------------------------


def _list(ctx, detail):
    params = ctx.request.GET
    for key in ('size_min', 'size_max'):
        if key in params:
            try:
                int(params[key])
            except ValueError:
                raise bad_request('Malformed request.')
    sort_key = params.get('sort_key', 'created_at')
    if sort_key not in SORT_KEYS:
        raise bad_request('Malformed request.')
    sort_dir = params.get('sort_dir', 'desc')
    if sort_dir not in ('asc', 'desc'):
        raise bad_request('Malformed request.')
    records = [image_record(i, True) for i in visible_images(ctx)]
    records.sort(key=lambda r: (r[sort_key] is None, r[sort_key], r['id']),
                 reverse=sort_dir == 'desc')
    if not detail:
        keys = ('id', 'name', 'status', 'disk_format', 'container_format',
                'size')
        records = [{k: r[k] for k in keys} for r in records]
    # NB: released Plankton (0.19, 0.20) answers a bare list, which is
    # what kamaki 0.16's image list reads
    return Reply(records)


@service.route(r'/images/?', 'GET')
def list_images(ctx):
    return _list(ctx, detail=False)


@service.route(r'/images/detail', 'GET')
def list_images_detail(ctx):
    return _list(ctx, detail=True)


# -- single images ------------------------------------------------------------


IMAGE = r'/images/(?P<image_id>[^/]+)'


def _get(ctx, image_id, empty=False):
    image = ctx.db.get(models.Image, image_id)
    if image is None:
        raise Fault('itemNotFound', 404, 'Image not found', empty=empty)
    if visible_image(ctx, image_id, deleted=True) is None:
        raise Fault('forbidden', 403, 'Image not accessible', empty=empty)
    return image


def _owned(ctx, image_id):
    image = _get(ctx, image_id)
    if image.owner != ctx.uid:
        raise forbidden('Image %s is not owned by the user.' % image_id)
    return image


@service.route(IMAGE, 'HEAD')
def image_meta(ctx, image_id):
    image = _get(ctx, image_id, empty=True)
    return Reply(None, 200, meta_headers(image))


@service.route(IMAGE, 'GET')
def download_image(ctx, image_id):
    raise Fault('notImplemented', 501, '', empty=True)


def _read_meta(request):
    """The ``X-Image-Meta-*`` request headers as (fields, properties)."""
    fields, properties = {}, {}
    for name, value in request.headers.items():
        lower = name.lower()
        if lower.startswith(PROPERTY_PREFIX):
            properties[property_key(lower[len(PROPERTY_PREFIX):])] = \
                unquote(value)
        elif lower.startswith(PREFIX):
            fields[lower[len(PREFIX):].replace('-', '_')] = unquote(value)
    return fields, properties


def _apply_fields(image, fields):
    if 'disk_format' in fields:
        if fields['disk_format'] not in DISK_FORMATS:
            raise bad_request('Invalid disk format')
        image.disk_format = fields['disk_format']
    if 'container_format' in fields:
        if fields['container_format'] not in CONTAINER_FORMATS:
            raise bad_request('Invalid container format')
        image.container_format = fields['container_format']
    if 'name' in fields:
        image.name = fields['name']
    if 'is_public' in fields:
        image.is_public = fields['is_public'].lower() in ('true', '1')
    if 'status' in fields:
        image.status = fields['status'].upper()
    if 'owner' in fields:
        image.owner = fields['owner']
    if 'description' in fields:
        image.description = fields['description']


@service.route(r'/images/?', 'POST')
def register_image(ctx):
    fields, properties = _read_meta(ctx.request)
    if not fields.get('name'):
        raise bad_request('Missing name')
    location = fields.get('location')
    if not location or not location.startswith('pithos://'):
        raise bad_request('Invalid location')
    image = models.Image(
        id=str(uuid.uuid4()),
        name=fields['name'],
        owner=ctx.uid,
        status='AVAILABLE',
        location=location,
        size=int(fields.get('size') or 0),
        checksum=fields.get('checksum', ''),
        created=ctx.now,
        updated=ctx.now,
        properties=properties,
        members=[],
    )
    _apply_fields(image, {k: v for k, v in fields.items() if k != 'owner'})
    ctx.db.add(image)
    ctx.db.flush()
    return Reply(None, 200, meta_headers(image))


@service.route(IMAGE, 'PUT')
def update_image(ctx, image_id):
    image = _owned(ctx, image_id)
    fields, properties = _read_meta(ctx.request)
    _apply_fields(image, fields)
    if properties:
        merged = dict(image.properties or {})
        merged.update(properties)
        image.properties = merged
    image.updated = ctx.now
    return Reply(None, 200, meta_headers(image))


@service.route(IMAGE, 'DELETE')
def delete_image(ctx, image_id):
    unregister(ctx, _owned(ctx, image_id))
    return Reply(status=204)


# -- members ------------------------------------------------------------------


@service.route(IMAGE + r'/members', 'GET')
def list_members(ctx, image_id):
    image = _get(ctx, image_id)
    return Reply(
        {'members': [{'member_id': m, 'can_share': False}
                     for m in image.members or []]}
    )


@service.route(IMAGE + r'/members', 'PUT')
def replace_members(ctx, image_id):
    image = _owned(ctx, image_id)
    body = ctx.json()
    memberships = body.get('memberships') if isinstance(body, dict) else None
    if not isinstance(memberships, list):
        raise bad_request('Malformed request')
    image.members = [m['member_id'] for m in memberships
                     if isinstance(m, dict) and 'member_id' in m]
    return Reply(status=204)


@service.route(IMAGE + r'/members/(?P<member>[^/]+)', 'PUT', 'DELETE')
def change_member(ctx, image_id, member):
    image = _owned(ctx, image_id)
    members = [m for m in image.members or [] if m != member]
    if ctx.request.method == 'PUT':
        members.append(member)
    image.members = members
    return Reply(status=204)


@service.route(r'/shared-images/(?P<member>[^/]+)', 'GET')
def list_shared(ctx, member):
    query = ctx.db.query(models.Image).filter(
        models.Image.deleted_at.is_(None),
        or_(models.Image.owner == ctx.uid, models.Image.is_public.is_(True)),
    )
    shared = [i for i in query if member in (i.members or [])]
    return Reply(
        {'shared_images': [{'image_id': i.id, 'can_share': False}
                           for i in shared]}
    )

