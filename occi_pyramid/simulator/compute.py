"""Compute service (Cyclades compute v2.0): ``/compute/v2.0``.

Servers (list, detail, create, rename, delete, actions, metadata, NICs,
volume attachments), flavors and images through compute, with the
status codes, fault names and messages of Synnefo's Compute API.
"""
import base64
import binascii
import collections
import json
import secrets
import string
from json.encoder import encode_basestring_ascii as quoted

from . import image as images
from . import logic, models, quotas
from .core import (
    Fault,
    Reply,
    Service,
    bad_request,
    forbidden,
    isoformat,
    links,
    not_found,
    not_implemented,
    not_modified,
    parse_int,
)

service = Service('compute', ('v2.0',))

SERVER = r'/servers/(?P<server_id>\d+)'
MAX_NAME = 255
MAX_METADATA = 10
MAX_PERSONALITY = 5
MAX_PERSONALITY_SIZE = 10240
PERSONALITY_KEYS = {'path', 'contents', 'owner', 'group', 'mode'}
CONSOLE_TYPES = ('vnc', 'vnc-ws', 'vnc-wss')
FIREWALL_PROFILES = ('ENABLED', 'DISABLED', 'PROTECTED')
GIB = quotas.GIB
MIB = quotas.MIB

SERVERS = models.Server.__table__
#: at most this many rendered servers are kept (about 1.4 KB each); the
#: cache is emptied when full
RENDERED_MAX = 20000


# -- representations ----------------------------------------------------------


#: the detail form of a server, as ``json.dumps`` writes the dict of
#: Synnefo's fields (same keys, same order, same separators), with a
#: ``%s`` for each value that varies: its JSON, or between quotes the
#: inside of a JSON string (URLs)
DETAIL = (
    '{"id": %s, "name": %s, "links": [{"rel": "self", "href": "%s"}, '
    '{"rel": "bookmark", "href": "%s"}], "user_id": %s, "tenant_id": %s, '
    '"shared_to_project": %s, "status": "%s", "SNF:task_state": "%s", '
    '"progress": %s, "hostId": "", "created": %s, "updated": %s, '
    '"flavor": {"id": %s, "links": [{"rel": "self", "href": "%s"}, '
    '{"rel": "bookmark", "href": "%s"}]}, '
    '"image": {"id": %s, "links": [{"rel": "self", "href": "%s"}, '
    '{"rel": "bookmark", "href": "%s"}, '
    '{"rel": "alternate", "href": "%s"}]}, '
    '"suspended": %s, "deleted": %s, "SNF:rescue": false, '
    '"metadata": %s, "tags": %s, "attachments": %s, "addresses": %s, '
    '"volumes": %s, "diagnostics": [], '
    '"security_groups": [{"name": "default"}], "key_name": %s, '
    '"SNF:key_names": %s, "config_drive": "", "accessIPv4": "", '
    '"accessIPv6": "", "SNF:fqdn": %s, "SNF:port_forwarding": {}}')
#: a JSON column's stored text -> its JSON in the detail form when the
#: server has none (most have no metadata, tags or keys), not decoded
EMPTY_META = {None: '{}', 'null': '{}', '{}': '{}'}
EMPTY_LIST = {None: '[]', 'null': '[]', '[]': '[]'}


def _json(value):
    """``json.dumps(value)`` of a string or None, the fast way."""
    return 'null' if value is None else quoted(value)


def _timestamp(value):
    return 'null' if value is None else '"%s"' % isoformat(value)


def _decoded(value):
    """A JSON column's value from its stored text (or the value)."""
    return json.loads(value) if isinstance(value, str) else value


class ServerText:
    """Renders the detail form of servers as JSON text, byte for byte
    what ``json.dumps`` gives for the dict of Synnefo's fields, from the
    constant parts (:data:`DETAIL`, the escaped URL prefixes of one base
    URL) and the values of each server, JSON-encoded one by one: a
    listing of 10,000 changed servers renders each without building a
    dict.

    :param facts: a :class:`~.logic.ServerFacts` holding every server
        rendered.
    """

    def __init__(self, ctx, facts):
        self.facts = facts
        self.build_progress = ctx.sim.engine.build_progress
        self.fqdn = ctx.sim.fqdn
        # NB: JSON escapes each character alone, so a prefix is escaped
        # once and the rest of each URL after it
        self.servers, self.flavors, self.images, self.plankton = (
            quoted(ctx.versioned_url(service, path))[1:-1]
            for service, path in (('compute', '/servers/'),
                                  ('compute', '/flavors/'),
                                  ('compute', '/images/'),
                                  ('image', '/images/')))

    def progress(self, row):
        """The ``progress`` of the server ``row``: the elapsed part of
        its BUILD job on the virtual clock while it builds, else 100
        when it is ACTIVE, STOPPED or REBOOT."""
        operstate, task = row[7], row[8]
        if task == 'BUILD':
            return self.build_progress(self.facts.builds.get(row[0]))
        if row[10]:  # deleted
            return 0
        return 100 if operstate in ('STARTED', 'STOPPED') else 0

    def __call__(self, row, progress=None):
        """The JSON text (bytes) of the server ``row``: every column of
        a server in table order (a tuple or a Row), the JSON columns as
        their text (:data:`~.logic.SERVER_TEXT`) or decoded."""
        (server_id, name, user_id, project, shared, flavor_id, image_id,
         operstate, task, suspended, deleted, created, updated, meta,
         tags, key_names) = row
        if progress is None:
            progress = self.progress(row)
        if deleted:
            status = 'DELETED'
        elif operstate == 'STARTED' and task == 'REBOOT':
            status = 'REBOOT'
        else:
            status = logic.OPERSTATE_TO_STATUS.get(operstate, 'UNKNOWN')
        task_state = logic.TASK_STATE.get(task, 'UNKNOWN') if task else ''
        server_href = '%s%d' % (self.servers, server_id)
        flavor_href = '%s%d' % (self.flavors, flavor_id)
        image = _json(image_id)
        image_path = image[1:-1] if image_id is not None else 'None'
        image_href = self.images + image_path
        metadata = EMPTY_META.get(meta) if not isinstance(meta, dict) \
            else None
        if metadata is None:
            metadata = json.dumps(dict(_decoded(meta) or {}))
        tag_list = EMPTY_LIST.get(tags) if not isinstance(tags, list) \
            else None
        if tag_list is None:
            tag_list = json.dumps(list(_decoded(tags) or []))
        key_list = EMPTY_LIST.get(key_names) \
            if not isinstance(key_names, list) else None
        if key_list is None:
            names = list(_decoded(key_names) or [])
            key_name, key_list = json.dumps((names or [None])[0]), \
                json.dumps(names)
        else:
            key_name = 'null'
        attachments, addresses = '[]', '{}'
        if server_id in self.facts.ports:
            nics, networks = self.facts.nics(server_id)
            attachments, addresses = json.dumps(nics), json.dumps(networks)
        volumes = self.facts.volumes.get(server_id)
        volumes = '[%s]' % ', '.join(map(str, volumes)) if volumes \
            else '[]'
        fqdn = _json(self.fqdn % {'id': server_id}) if self.fqdn \
            else 'null'
        return (DETAIL % (
            server_id, quoted(name), server_href, server_href,
            _json(user_id), _json(project),
            'true' if shared else 'false', status, task_state, progress,
            _timestamp(created), _timestamp(updated),
            flavor_id, flavor_href, flavor_href,
            image, image_href, image_href, self.plankton + image_path,
            'true' if suspended else 'false',
            'true' if deleted else 'false',
            metadata, tag_list, attachments, addresses, volumes,
            key_name, key_list, fqdn)).encode()


def flavor_dict(ctx, flavor, detail=True):
    href = ctx.versioned_url('compute', '/flavors/%d' % flavor.id)
    result = {'id': flavor.id, 'name': flavor.name, 'links': links(href)}
    if not detail:
        return result
    projects = set(ctx.projects())
    result.update(
        {
            'ram': flavor.ram,
            'disk': flavor.disk,
            'vcpus': flavor.vcpus,
            'os-flavor-access:is_public': flavor.public,
            'SNF:disk_template': flavor.volume_type.disk_template,
            'SNF:volume_type': flavor.volume_type_id,
            'SNF:allow_create': flavor.allow_create,
            'SNF:flavor-access': [
                p for p in (flavor.access or []) if p in projects
            ],
        }
    )
    return result


IMAGE_STATUS = {
    'AVAILABLE': 'ACTIVE',
    'UNAVAILABLE': 'SAVING',
    'ERROR': 'ERROR',
    'DELETED': 'DELETED',
}


def image_dict(ctx, image, detail=True):
    if not detail:
        return {'id': image.id, 'name': image.name}
    href = ctx.versioned_url('compute', '/images/%s' % image.id)
    status = IMAGE_STATUS.get(image.status, 'UNKNOWN')
    return {
        'id': image.id,
        'name': image.name,
        'links': links(href)
        + [{'rel': 'alternate',
            'href': ctx.versioned_url('image', '/images/%s' % image.id)}],
        'status': status,
        'progress': 100 if status == 'ACTIVE' else 0,
        'created': isoformat(image.created),
        'updated': isoformat(image.updated),
        'user_id': image.owner,
        'tenant_id': image.owner,
        'public': image.is_public,
        'is_snapshot': image.is_snapshot,
        'metadata': dict(image.properties or {}),
    }


# -- servers ------------------------------------------------------------------


@service.route(r'/servers', 'GET')
def list_servers(ctx):
    href = ctx.versioned_url('compute', '/servers/')
    return Reply({'servers': [
        {'id': row[0], 'name': row[1], 'links': links(href + str(row[0]))}
        for row in ctx.rows(SERVERS, (SERVERS.c.id, SERVERS.c.name))]})


@service.route(r'/servers/detail', 'GET')
def list_servers_detail(ctx):
    rows = ctx.rows(SERVERS, logic.SERVER_TEXT)
    facts = logic.ServerFacts(ctx.db, [row[0] for row in rows])
    render = ServerText(ctx, facts)
    # NB: the JSON text json.dumps gives the body, spliced by hand
    return Reply(b'{"servers": [' + b', '.join(
        [rendered_server(ctx, row, render) for row in rows]) + b']}')


def rendered_server(ctx, row, render):
    """The JSON text (bytes) of the detail form of the server ``row``
    (a plain tuple of :data:`~.logic.SERVER_TEXT`) by ``render`` (a
    :class:`ServerText`).

    The simulator keeps the text it last rendered for each server with
    what it was rendered from: the row, its facts (ports, volumes,
    BUILD job) and its progress (and the base URL). When all of these
    are equal, so is the text, and the kept one is served; there is
    nothing to invalidate.
    """
    server_id = row[0]
    facts = render.facts
    progress = render.progress(row)
    ports = facts.ports.get(server_id)
    volumes = facts.volumes.get(server_id)
    build = facts.builds.get(server_id)
    cache = ctx.sim.rendered_servers
    key = (ctx.base, server_id)
    # NB: one flat tuple a server: fewer objects for the collector
    entry = cache.get(key)
    if (entry is None or entry[0] != row or entry[1] != ports
            or entry[2] != volumes or entry[3] != build
            or entry[4] != progress):
        if len(cache) >= RENDERED_MAX:
            cache.clear()
        entry = cache[key] = (row, ports, volumes, build, progress,
                              render(row, progress))
    return entry[5]


@service.route(SERVER, 'GET')
def get_server(ctx, server_id):
    server = logic.server_row(ctx, server_id)
    # NB: only a server in BUILD shows its BUILD job (progress)
    render = ServerText(ctx, logic.ServerFacts(
        ctx.db, [server.id], builds=server.task == 'BUILD'))
    return Reply(b'{"server": ' + render(server) + b'}')


@service.route(SERVER, 'PUT')
def rename_server(ctx, server_id):
    body = ctx.json_object('server')
    name = body.get('name')
    if not isinstance(name, str) or len(name) > MAX_NAME:
        raise bad_request('Malformed request')
    server = logic.get_server(ctx, server_id, non_deleted=True,
                              non_suspended=True)
    server.name = name
    server.updated = ctx.now
    return Reply(status=204)


@service.route(SERVER, 'DELETE')
def delete_server(ctx, server_id):
    # NB: a plain row and Core statements, no ORM object and its flush:
    # every OCCI compute delete makes this call
    server = logic.server_row(ctx, server_id)
    logic.validate_server_action(ctx, server, 'DESTROY')
    ctx.sim.engine.destroy(ctx.db, server, ctx.now)
    return Reply(status=204)


def _check_metadata(metadata):
    if not isinstance(metadata, dict):
        raise bad_request('Malformed request')
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise bad_request('Malformed request')
        if len(key) > 50:
            raise bad_request('Metadata key too long.')
        if len(value) > 500:
            raise bad_request('Metadata value too long.')


def _check_personality(personality):
    if not isinstance(personality, list):
        raise bad_request('Malformed personality in request')
    if len(personality) > MAX_PERSONALITY:
        raise Fault('overLimit', 413,
                    'Maximum number of personalities exceeded')
    for item in personality:
        if (
            not isinstance(item, dict)
            or not set(item) <= PERSONALITY_KEYS
            or not isinstance(item.get('path'), str)
            or not isinstance(item.get('contents'), str)
        ):
            raise bad_request('Malformed personality in request')
        try:
            contents = base64.b64decode(item['contents'], validate=True)
        except (binascii.Error, ValueError):
            raise bad_request('Malformed personality in request')
        if len(contents) > MAX_PERSONALITY_SIZE:
            raise Fault('overLimit', 413,
                        'Maximum size of personality exceeded')


def _check_password(password):
    if (
        not isinstance(password, str)
        or len(password) < 10
        or not any(c.isupper() for c in password)
        or not any(c.islower() for c in password)
        or not any(c.isdigit() for c in password)
    ):
        raise bad_request(
            'Invalid password. The password must be at least 10 '
            'characters long and contain upper case and lower case '
            'letters and digits.'
        )


def keypair_of(ctx, name):
    """The caller's key pair called ``name``, or None."""
    return ctx.db.query(models.KeyPair).filter_by(
        user_id=ctx.uid, name=name).one_or_none()


def random_password():
    alphabet = string.ascii_letters + string.digits
    while True:
        password = ''.join(secrets.choice(alphabet) for _ in range(10))
        try:
            _check_password(password)
        except Fault:
            continue
        return password


def lookup_flavor(ctx, flavor_ref, project=None, for_create=False):
    """A flavor the caller may use (for ``project`` when creating), as
    a plain row with its ``disk_template`` (:func:`.quotas.flavor_row`).
    """
    flavor_id = parse_int(flavor_ref, "Invalid flavor ID '%s'" % flavor_ref)
    flavor = quotas.flavor_row(ctx.db, flavor_id)
    if flavor is None or (for_create and flavor.deleted):
        raise not_found('Flavor not found.')
    if not flavor.public:
        granted = set(flavor.access or [])
        allowed = {project} if project else set(ctx.projects())
        if not granted & allowed:
            raise not_found('Flavor not found.')
    return flavor


def _server_networks(ctx, networks):
    """Validate the ``networks`` field: [(network, fixed_ip, port)]."""
    if networks is None:
        if ctx.sim.default_networks == 'public':
            public = (
                ctx.db.query(models.Network)
                .filter_by(public=True, floating_ip_pool=True, deleted=False)
                .order_by(models.Network.id)
                .first()
            )
            return [(public, None, None)] if public is not None else []
        return []
    if not isinstance(networks, list):
        raise bad_request('Malformed request')
    if len(networks) > logic.MAX_NICS:
        raise bad_request('Maximum ports per server limit reached')
    result = []
    for item in networks:
        if not isinstance(item, dict):
            raise bad_request('Malformed request')
        if 'port' in item:
            port_id = parse_int(item['port'], 'Invalid port ID')
            port = (
                ctx.db.query(models.Port)
                .filter_by(id=port_id, user_id=ctx.uid)
                .one_or_none()
            )
            if port is None:
                raise not_found("Port '%s' not found." % item['port'])
            if port.server_id is not None:
                raise Fault('conflict', 409,
                            'Port %s is already in use.' % port_id)
            result.append((port.network, None, port))
        elif 'uuid' in item:
            network = logic.get_network(ctx, item['uuid'], non_deleted=True)
            result.append((network, item.get('fixed_ip'), None))
        else:
            raise bad_request('Malformed request')
    return result


@service.route(r'/servers', 'POST')
def create_server(ctx):
    """POST /servers: 202 with the BUILD record and ``adminPass``."""
    body = ctx.json()
    server = body.get('server') if isinstance(body, dict) else None
    if not isinstance(server, dict):
        raise bad_request('Malformed request')
    try:
        name = server['name']
        image_id = server['imageRef']
        flavor_ref = server['flavorRef']
    except KeyError:
        raise bad_request('Malformed request')
    if not isinstance(name, str) or len(name) > MAX_NAME:
        raise bad_request('Malformed request')
    metadata = server.get('metadata') or {}
    _check_metadata(metadata)
    if len(metadata) > MAX_METADATA:
        raise bad_request('Virtual machines cannot have more than %d '
                          'metadata items' % MAX_METADATA)
    personality = server.get('personality') or []
    _check_personality(personality)
    user_data = server.get('user_data')
    if user_data is not None:
        try:
            base64.b64decode(user_data, validate=True)
        except (binascii.Error, ValueError, TypeError):
            raise bad_request('Marformed user_data request')
    if 'key_name' in server and 'SNF:key_names' in server:
        raise bad_request("Only one of 'key_name' and 'SNF:key_names' "
                          "can be set")
    key_names = server.get('SNF:key_names') or (
        [server['key_name']] if server.get('key_name') else []
    )
    for key_name in key_names:
        if not isinstance(key_name, str) or keypair_of(ctx, key_name) is None:
            raise not_found('Keypair %s not found.' % key_name)
    password = server.get('adminPass')
    if password is not None:
        _check_password(password)
    else:
        password = random_password()
    project = server.get('project') or ctx.user.default_project
    flavor = lookup_flavor(ctx, flavor_ref, project, for_create=True)
    if not flavor.allow_create:
        raise forbidden('Cannot create server with flavor %s.' % flavor.id)
    image = images.visible_image_row(ctx, image_id)
    if image is None:
        raise not_found("Image '%s' not found" % image_id)
    networks = _server_networks(ctx, server.get('networks'))
    root = _root_volume(ctx, server.get('block_device_mapping_v2'), flavor,
                        image)
    disk = root['size'] if root['volume'] is None else 0
    quotas.commission(
        ctx.db,
        ctx.uid,
        project,
        vm=1,
        total_cpu=flavor.vcpus,
        cpu=flavor.vcpus,
        total_ram=flavor.ram * MIB,
        ram=flavor.ram * MIB,
        disk=disk * GIB,
    )
    # NB: Core inserts, booked by quotas.insert in one move: the ORM's
    # unit of work cost more than the rest of a creation
    booked = collections.Counter()
    record = quotas.insert(
        ctx.db, models.Server, booked,
        name=name,
        user_id=ctx.uid,
        project=project,
        shared_to_project=bool(server.get('shared_to_project', False)),
        flavor_id=flavor.id,
        image_id=image.id,
        operstate='BUILD',
        task='BUILD',
        created=ctx.now,
        updated=ctx.now,
        meta=metadata,
        tags=[t for t in server.get('tags') or [] if isinstance(t, str)],
        key_names=key_names,
    )
    for network, fixed_ip, port in networks:
        if port is not None:
            port.server_id = record.id
            port.status = 'BUILD'
            port.updated = ctx.now
        else:
            logic.create_port(ctx, network, record, fixed_ip,
                              auto_floating=True)
    volume = root['volume']
    if volume is not None:
        volume.server_id = record.id
        volume.device_index = 0
        volume.status = 'creating'
        volume.ever_attached = True
    else:
        volume = quotas.insert(
            ctx.db, models.Volume, booked,
            name='', size=root['size'], user_id=ctx.uid, project=project,
            volume_type_id=flavor.volume_type_id, image_id=image.id,
            created=ctx.now, updated=ctx.now, meta={},
            server_id=record.id, device_index=0, status='creating',
            ever_attached=True,
        )
    quotas.move(ctx.db, booked)
    build = ctx.sim.engine.schedule(ctx.db, 'build', record.id)
    ctx.db.flush()
    # NB: every port of the new server is in BUILD, so none is shown
    facts = logic.ServerFacts.of_new_server(record.id, [volume.id], build)
    text = ServerText(ctx, facts)(tuple(
        getattr(record, column.name) for column in SERVERS.c))
    return Reply(b'{"server": ' + text[:-1] + b', "adminPass": '
                 + quoted(password).encode() + b'}}', 202)


def _root_volume(ctx, mapping, flavor, image):
    """The root disk: ``{'size': GiB, 'volume': existing or None}``."""
    if not mapping:
        return {'size': flavor.disk, 'volume': None}
    if not isinstance(mapping, list) or not isinstance(mapping[0], dict):
        raise bad_request('Malformed request')
    root = mapping[0]
    source = root.get('source_type')
    if source == 'blank':
        raise bad_request('Root volume cannot be blank')
    size = root.get('volume_size', flavor.disk)
    size = parse_int(size, 'Invalid volume size')
    if source == 'volume':
        volume = (
            ctx.db.query(models.Volume)
            .filter_by(id=parse_int(root.get('uuid'), 'Invalid volume ID'),
                       user_id=ctx.uid, deleted=False)
            .one_or_none()
        )
        if volume is None:
            raise bad_request('Volume %s not found' % root.get('uuid'))
        if volume.status != 'available':
            raise bad_request('Volume %s is not available' % volume.id)
        return {'size': volume.size, 'volume': volume}
    if source not in (None, 'image', 'snapshot'):
        raise bad_request("Invalid source type '%s'" % source)
    if size < flavor.disk and size * GIB < (image.size or 0):
        raise bad_request('Volume size is smaller than the image size')
    return {'size': size, 'volume': None}


# -- actions ------------------------------------------------------------------


ACTIONS = {}


def action(*names):
    def decorate(handler):
        for name in names:
            ACTIONS[name] = handler
        return handler

    return decorate


@service.route(SERVER + r'/action', 'POST')
def server_action(ctx, server_id):
    body = ctx.json()
    if not isinstance(body, dict) or len(body) != 1:
        raise bad_request('Malformed request')
    (name, args), = body.items()
    handler = ACTIONS.get(name)
    if handler is None:
        raise bad_request('Action %s not supported' % name)
    server = logic.get_server(ctx, server_id, non_deleted=True)
    return handler(ctx, server, args if args is not None else {})


def _online_quota(ctx, server):
    flavor = server.flavor
    quotas.commission(ctx.db, server.user_id, server.project,
                      cpu=flavor.vcpus, ram=flavor.ram * MIB)


def _queue(ctx, server, task, kind, **data):
    server.task = task
    server.updated = ctx.now
    ctx.sim.engine.schedule(ctx.db, kind, server.id, **data)
    return Reply(status=202)


@action('start', 'os-start')
def start(ctx, server, args):
    logic.validate_server_action(ctx, server, 'START')
    _online_quota(ctx, server)
    return _queue(ctx, server, 'START', 'start')


@action('shutdown', 'os-stop')
def shutdown(ctx, server, args):
    logic.validate_server_action(ctx, server, 'STOP')
    return _queue(ctx, server, 'STOP', 'stop')


@action('reboot')
def reboot(ctx, server, args):
    if not isinstance(args, dict):
        raise bad_request('Malformed request')
    if args.get('type', 'SOFT') not in ('SOFT', 'HARD'):
        raise bad_request("Invalid 'type' attribute.")
    logic.validate_server_action(ctx, server, 'REBOOT')
    if server.operstate == 'STOPPED':
        _online_quota(ctx, server)
    return _queue(ctx, server, 'REBOOT', 'reboot')


@action('resize')
def resize(ctx, server, args):
    if not isinstance(args, dict) or 'flavorRef' not in args:
        raise bad_request("Missing 'flavorRef' attribute.")
    flavor = lookup_flavor(ctx, args['flavorRef'], for_create=True)
    if flavor.public is False and server.project not in (flavor.access or []):
        raise forbidden('Flavor %s is not available to project %s.'
                        % (flavor.id, server.project))
    logic.validate_server_action(ctx, server, 'RESIZE')
    old = server.flavor
    if old.id == flavor.id:
        raise bad_request(
            "Server '%s' flavor is already '%s'." % (server.id, flavor.id)
        )
    if old.disk != flavor.disk:
        raise bad_request("Cannot change instance's disk size.")
    if old.volume_type.disk_template != flavor.disk_template:
        raise bad_request("Cannot change instance's volume type.")
    quotas.commission(ctx.db, server.user_id, server.project,
                      total_cpu=flavor.vcpus - old.vcpus,
                      total_ram=(flavor.ram - old.ram) * MIB)
    return _queue(ctx, server, 'RESIZE', 'resize', flavor_id=flavor.id)


@action('console')
def console(ctx, server, args):
    kind = args.get('type') if isinstance(args, dict) else None
    if not kind:
        raise bad_request("No console 'type' specified.")
    if kind not in CONSOLE_TYPES:
        raise bad_request("Type '%s' not supported." % kind)
    if logic.server_status(server) != 'ACTIVE':
        raise bad_request('Server not in ACTIVE state.')
    return Reply(
        {
            'console': {
                'type': kind,
                'host': 'console.%s' % (ctx.request.host.split(':')[0]),
                'port': 5900 + server.id % 1000,
                'password': secrets.token_urlsafe(12),
            }
        }
    )


@action('os-getVNCConsole')
def get_vnc_console(ctx, server, args):
    kind = args.get('type') if isinstance(args, dict) else None
    if kind not in ('novnc', 'xvpvnc'):
        raise bad_request("Invalid 'type' attribute.")
    if logic.server_status(server) != 'ACTIVE':
        raise bad_request('Server not in ACTIVE state.')
    url = '%s/console/%s?token=%s' % (ctx.base, kind, secrets.token_hex(8))
    return Reply({'console': {'type': kind, 'url': url}})


@action('os-getSPICEConsole', 'os-getRDPConsole', 'changePassword',
        'rebuild', 'confirmResize', 'revertResize', 'createImage')
def unsupported(ctx, server, args):
    raise not_implemented('Not Implemented')


@action('suspend', 'resume')
def suspend(ctx, server, args):
    raise forbidden('User is not allowed to suspend his server')


@action('rescue', 'unrescue')
def rescue(ctx, server, args):
    raise Fault('featureNotEnabled', 404, 'Rescue feature is not enabled')


@action('firewallProfile')
def firewall_profile(ctx, server, args):
    if not isinstance(args, dict) or args.get('profile') is None:
        raise bad_request("Missing 'profile' attribute")
    if args.get('nic') is None:
        raise bad_request("Missing 'nic' attribute")
    nic_id = parse_int(args['nic'], "Invalid NIC ID '%s'" % (args['nic'],))
    port = (
        ctx.db.query(models.Port)
        .filter_by(id=nic_id, server_id=server.id)
        .one_or_none()
    )
    if port is None:
        raise not_found("NIC '%s' not found." % nic_id)
    if args['profile'] not in FIREWALL_PROFILES:
        raise bad_request("Unsupported firewall profile '%s'"
                          % args['profile'])
    logic.validate_server_action(ctx, server, 'SET_FIREWALL_PROFILE')
    port.firewall_profile = args['profile']
    port.updated = ctx.now
    return Reply(status=202)


@action('reassign')
def reassign(ctx, server, args):
    project = args.get('project') if isinstance(args, dict) else None
    if not project:
        raise bad_request("Missing 'project' attribute.")
    if server.user_id != ctx.uid:
        raise forbidden('Only the owner can reassign a server.')
    flavor = server.flavor
    quotas.commission(
        ctx.db, ctx.uid, project, vm=1, total_cpu=flavor.vcpus,
        total_ram=flavor.ram * MIB,
    )
    server.project = project
    server.shared_to_project = bool(args.get('shared_to_project', False))
    server.updated = ctx.now
    for volume in ctx.db.query(models.Volume).filter_by(server_id=server.id):
        volume.project = project
    return Reply(status=200)


@action('addFloatingIp')
def add_floating_ip(ctx, server, args):
    address = args.get('address') if isinstance(args, dict) else None
    if not address:
        raise bad_request("Missing 'address' attribute")
    floating = logic.floating_ip_by_address(ctx, address)
    logic.validate_server_action(ctx, server, 'CONNECT')
    network = ctx.db.get(models.Network, floating.network_id)
    port = logic.create_port(ctx, network, server, address)
    logic.connect_port(ctx, server, port)
    return Reply(status=202)


@action('removeFloatingIp')
def remove_floating_ip(ctx, server, args):
    address = args.get('address') if isinstance(args, dict) else None
    if not address:
        raise bad_request("Missing 'address' attribute")
    floating = logic.floating_ip_by_address(ctx, address)
    port = (
        ctx.db.get(models.Port, floating.port_id)
        if floating.port_id is not None else None
    )
    if port is None or port.server_id != server.id:
        raise bad_request('Floating IP %s not attached to instance'
                          % address)
    logic.disconnect_port(ctx, port)
    return Reply(status=202)


# -- NICs, metadata, stats ----------------------------------------------------


@service.route(SERVER + r'/ips', 'GET')
def list_addresses(ctx, server_id):
    server = logic.get_server(ctx, server_id)
    attachments, addresses = logic.nic_views(ctx.db, server)
    return Reply({'addresses': addresses, 'attachments': attachments})


@service.route(SERVER + r'/ips/(?P<network_id>[^/]+)', 'GET')
def list_network_addresses(ctx, server_id, network_id):
    server = logic.get_server(ctx, server_id)
    _, addresses = logic.nic_views(ctx.db, server)
    if network_id not in addresses:
        raise not_found('Server not connected to network.')
    return Reply({'network': {network_id: addresses[network_id]}})


@service.route(SERVER + r'/metadata', 'GET')
def list_metadata(ctx, server_id):
    server = logic.get_server(ctx, server_id)
    return Reply({'metadata': dict(server.meta or {})})


@service.route(SERVER + r'/metadata', 'POST')
def update_metadata(ctx, server_id):
    body = ctx.json()
    metadata = body.get('metadata') if isinstance(body, dict) else None
    if not isinstance(metadata, dict):
        raise bad_request('Malformed request')
    _check_metadata(metadata)
    server = logic.get_server(ctx, server_id, non_deleted=True)
    merged = dict(server.meta or {})
    merged.update(metadata)
    if len(merged) > MAX_METADATA:
        raise bad_request('Virtual machines cannot have more than %d '
                          'metadata items' % MAX_METADATA)
    server.meta = merged
    server.updated = ctx.now
    return Reply({'metadata': merged}, 201)


@service.route(SERVER + r'/metadata/(?P<key>[^/]+)', 'GET')
def get_metadata_item(ctx, server_id, key):
    server = logic.get_server(ctx, server_id)
    if key not in (server.meta or {}):
        raise not_found('Metadata key not found.')
    return Reply({'meta': {key: server.meta[key]}})


@service.route(SERVER + r'/metadata/(?P<key>[^/]+)', 'PUT')
def create_metadata_item(ctx, server_id, key):
    body = ctx.json()
    meta = body.get('meta') if isinstance(body, dict) else None
    if not isinstance(meta, dict) or len(meta) != 1 or key not in meta:
        raise bad_request('Malformed request')
    _check_metadata(meta)
    server = logic.get_server(ctx, server_id, non_deleted=True)
    merged = dict(server.meta or {})
    merged[key] = meta[key]
    if len(merged) > MAX_METADATA:
        raise bad_request('Virtual machines cannot have more than %d '
                          'metadata items' % MAX_METADATA)
    server.meta = merged
    server.updated = ctx.now
    return Reply({'meta': {key: meta[key]}}, 201)


@service.route(SERVER + r'/metadata/(?P<key>[^/]+)', 'DELETE')
def delete_metadata_item(ctx, server_id, key):
    server = logic.get_server(ctx, server_id, non_deleted=True)
    merged = dict(server.meta or {})
    if key not in merged:
        raise not_found('Metadata key not found.')
    del merged[key]
    server.meta = merged
    server.updated = ctx.now
    return Reply(status=204)


@service.route(SERVER + r'/stats', 'GET')
def server_stats(ctx, server_id):
    server = logic.get_server(ctx, server_id, non_deleted=True)
    stats_url = ctx.base + '/stats/v1.0/'
    return Reply(
        {
            'stats': {
                'serverRef': server.id,
                'refresh': 60,
                'cpuBar': stats_url + 'cpu-bar',
                'cpuTimeSeries': stats_url + 'cpu-ts',
                'netBar': stats_url + 'net-bar',
                'netTimeSeries': stats_url + 'net-ts',
            }
        }
    )


@service.route(SERVER + r'/diagnostics', 'GET')
def server_diagnostics(ctx, server_id):
    logic.get_server(ctx, server_id)
    return Reply([])


# -- volume attachments -------------------------------------------------------


def attachment_dict(volume):
    return {
        'id': volume.id,
        'volumeId': volume.id,
        'serverId': volume.server_id,
        'device': '',
    }


def _lookup_volume(ctx, volume_id):
    """A volume of the caller, or 400 "Volume <id> not found"."""
    query = ctx.visible(ctx.db.query(models.Volume), models.Volume)
    try:
        number = int(volume_id)
    except (TypeError, ValueError):
        raise bad_request('Volume %s not found' % volume_id)
    volume = query.filter(models.Volume.id == number,
                          models.Volume.deleted.is_(False)).one_or_none()
    if volume is None:
        raise bad_request('Volume %s not found' % volume_id)
    return volume


def is_detachable(volume_type):
    return volume_type.name in ('ext_archipelago', 'ext_vlmc')


@service.route(SERVER + r'/os-volume_attachments', 'GET')
def list_volume_attachments(ctx, server_id):
    server = logic.get_server(ctx, server_id)
    volumes = (
        ctx.db.query(models.Volume)
        .filter_by(server_id=server.id, deleted=False)
        .order_by(models.Volume.id)
    )
    return Reply({'volumeAttachments': [attachment_dict(v) for v in volumes]})


def attach_volume(ctx, server, volume):
    """Attach an available ``volume`` to ``server`` (job ``attach``)."""
    logic.validate_server_action(ctx, server, 'ATTACH_VOLUME')
    if volume.status not in ('available', 'creating'):
        raise bad_request(
            "Cannot attach volume while volume is in '%s' status."
            % volume.status
        )
    server_template = server.flavor.volume_type.disk_template
    if volume.volume_type.disk_template != server_template:
        raise bad_request(
            "Volume '%s' has different disk template than server '%s'."
            % (volume.id, server.id)
        )
    if not is_detachable(volume.volume_type):
        raise bad_request("Volume type '%s' is not detachable"
                          % volume.volume_type.name)
    attached = (
        ctx.db.query(models.Volume)
        .filter_by(server_id=server.id, deleted=False)
        .all()
    )
    if len(attached) >= logic.MAX_DISKS:
        raise bad_request('Maximum volumes per server limit reached')
    volume.server_id = server.id
    volume.device_index = max(v.device_index or 0 for v in attached) + 1 \
        if attached else 1
    volume.status = 'attaching'
    volume.ever_attached = True
    volume.updated = ctx.now
    server.task = 'ATTACH_VOLUME'
    server.updated = ctx.now
    ctx.sim.engine.schedule(ctx.db, 'attach', volume.id)


@service.route(SERVER + r'/os-volume_attachments', 'POST')
def create_volume_attachment(ctx, server_id):
    body = ctx.json_object('volumeAttachment')
    if 'volumeId' not in body:
        raise bad_request("Missing 'volumeId' attribute")
    server = logic.get_server(ctx, server_id, non_deleted=True)
    volume = _lookup_volume(ctx, body['volumeId'])
    attach_volume(ctx, server, volume)
    return Reply({'volumeAttachment': attachment_dict(volume)}, 202)


def _attached_volume(ctx, server, volume_id):
    volume = _lookup_volume(ctx, volume_id)
    if volume.server_id != server.id:
        raise bad_request('Volume %s is not attached to server %s'
                          % (volume.id, server.id))
    return volume


@service.route(SERVER + r'/os-volume_attachments/(?P<volume_id>[^/]+)', 'GET')
def get_volume_attachment(ctx, server_id, volume_id):
    server = logic.get_server(ctx, server_id)
    volume = _attached_volume(ctx, server, volume_id)
    return Reply({'volumeAttachment': attachment_dict(volume)})


@service.route(
    SERVER + r'/os-volume_attachments/(?P<volume_id>[^/]+)', 'DELETE'
)
def delete_volume_attachment(ctx, server_id, volume_id):
    server = logic.get_server(ctx, server_id, non_deleted=True)
    volume = _attached_volume(ctx, server, volume_id)
    if volume.device_index == 0:
        raise bad_request('Cannot detach the root volume of server %s'
                          % server.id)
    if volume.status not in ('in_use', 'error'):
        raise bad_request(
            "Cannot detach volume while volume is in '%s' status."
            % volume.status
        )
    if not is_detachable(volume.volume_type):
        raise bad_request("Volume type '%s' is not detachable"
                          % volume.volume_type.name)
    logic.validate_server_action(ctx, server, 'DETACH_VOLUME')
    volume.status = 'detaching'
    volume.updated = ctx.now
    server.task = 'DETACH_VOLUME'
    server.updated = ctx.now
    ctx.sim.engine.schedule(ctx.db, 'detach', volume.id)
    return Reply(status=202)


# -- flavors ------------------------------------------------------------------


def _list_flavors(ctx, detail):
    projects = set(ctx.projects())
    params = ctx.request.GET
    is_public = params.get('SNF:is_public')
    access = params.get('SNF:flavor-access')
    result = []
    query = ctx.db.query(models.Flavor).filter_by(deleted=False)
    for flavor in query.order_by(models.Flavor.id):
        granted = set(flavor.access or []) & projects
        if not flavor.public and not granted:
            continue
        if is_public is not None and flavor.public != (
            is_public.lower() == 'true'
        ):
            continue
        if access is not None and (
            access not in projects or access not in (flavor.access or [])
        ):
            continue
        result.append(flavor_dict(ctx, flavor, detail))
    return Reply({'flavors': result})


@service.route(r'/flavors', 'GET')
def list_flavors(ctx):
    return _list_flavors(ctx, detail=False)


@service.route(r'/flavors/detail', 'GET')
def list_flavors_detail(ctx):
    return _list_flavors(ctx, detail=True)


@service.route(r'/flavors/(?P<flavor_id>\d+)', 'GET')
def get_flavor(ctx, flavor_id):
    flavor = ctx.db.get(models.Flavor, int(flavor_id))
    if flavor is None:
        raise not_found('Flavor not found.')
    runs_it = (
        ctx.db.query(models.Server)
        .filter_by(user_id=ctx.uid, flavor_id=flavor.id)
        .first()
        is not None
    )
    if not (flavor.public or flavor.deleted or runs_it):
        lookup_flavor(ctx, flavor.id)
    return Reply({'flavor': flavor_dict(ctx, flavor)})


@service.route(r'/flavors/(?P<flavor_id>\d+)/os-extra_specs', 'GET')
def get_flavor_extra_specs(ctx, flavor_id):
    get_flavor(ctx, flavor_id)
    return Reply({'extra_specs': {}})


# -- images -------------------------------------------------------------------


IMAGE = r'/images/(?P<image_id>[0-9a-fA-F-]{36})'


def _list_images(ctx, detail):
    since = ctx.changes_since()
    found = [
        image
        for image in images.visible_images(ctx, deleted=since is not None)
        if since is None or image.updated >= since
    ]
    if since is not None and not found:
        raise not_modified()
    found.sort(key=lambda image: image.id)
    return Reply({'images': [image_dict(ctx, i, detail) for i in found]})


@service.route(r'/images', 'GET')
def list_images(ctx):
    return _list_images(ctx, detail=False)


@service.route(r'/images', 'POST')
def create_image(ctx):
    ctx.user
    raise not_implemented('Not Implemented')


@service.route(r'/images/detail', 'GET')
def list_images_detail(ctx):
    return _list_images(ctx, detail=True)


def _get_image(ctx, image_id):
    image = images.visible_image(ctx, image_id)
    if image is None:
        raise not_found('Image not found.')
    return image


def _owned_image(ctx, image_id):
    image = _get_image(ctx, image_id)
    if image.owner != ctx.uid:
        raise forbidden('Image %s is not owned by the user.' % image_id)
    return image


@service.route(IMAGE, 'GET')
def get_image(ctx, image_id):
    return Reply({'image': image_dict(ctx, _get_image(ctx, image_id))})


@service.route(IMAGE, 'DELETE')
def delete_image(ctx, image_id):
    images.unregister(ctx, _owned_image(ctx, image_id))
    return Reply(status=204)


@service.route(IMAGE + r'/metadata', 'GET')
def list_image_metadata(ctx, image_id):
    image = _get_image(ctx, image_id)
    return Reply({'metadata': dict(image.properties or {})})


@service.route(IMAGE + r'/metadata', 'POST')
def update_image_metadata(ctx, image_id):
    body = ctx.json()
    metadata = body.get('metadata') if isinstance(body, dict) else None
    if not isinstance(metadata, dict):
        raise bad_request('Malformed request')
    image = _owned_image(ctx, image_id)
    properties = dict(image.properties or {})
    properties.update(
        {images.property_key(k): v for k, v in metadata.items()}
    )
    image.properties = properties
    image.updated = ctx.now
    return Reply({'metadata': properties}, 201)


@service.route(IMAGE + r'/metadata/(?P<key>[^/]+)', 'GET')
def get_image_metadata_item(ctx, image_id, key):
    image = _get_image(ctx, image_id)
    if key not in (image.properties or {}):
        raise not_found('Metadata key not found.')
    return Reply({'meta': {key: image.properties[key]}})


@service.route(IMAGE + r'/metadata/(?P<key>[^/]+)', 'PUT')
def create_image_metadata_item(ctx, image_id, key):
    body = ctx.json()
    meta = body.get('meta') if isinstance(body, dict) else None
    if not isinstance(meta, dict) or len(meta) != 1 or key not in meta:
        raise bad_request('Malformed request')
    image = _owned_image(ctx, image_id)
    properties = dict(image.properties or {})
    properties[images.property_key(key)] = meta[key]
    image.properties = properties
    image.updated = ctx.now
    return Reply({'meta': {key: meta[key]}}, 201)


@service.route(IMAGE + r'/metadata/(?P<key>[^/]+)', 'DELETE')
def delete_image_metadata_item(ctx, image_id, key):
    image = _owned_image(ctx, image_id)
    properties = dict(image.properties or {})
    if key not in properties:
        raise not_found('Metadata key not found.')
    del properties[key]
    image.properties = properties
    image.updated = ctx.now
    return Reply(status=204)
