"""An in-memory stand-in for the OpenStack compute API (nova v2.1), for
``bench/ooi_peer.py``: it answers only what ooi 1.2.0 asks of nova for
the benchmarks' OCCI requests (``bench/bench_peer.py``).

ooi's own ``ooi/tests/fakes.py`` is a fixed table of answers (a create
always answers the server ``foo``, nothing is stored), so it cannot hold
10,000 servers nor give back what was created; this one is stateful.

Paths (``/<tenant>/...``, tenant ignored): ``servers`` (list, detail,
get, create, delete, ``os-volume_attachments``, ``os-interface``),
``flavors`` and ``images`` (detail, get), ``os-volumes``,
``os-floating-ips``, ``os-floating-ip-pools``, ``os-networks``,
``os-security-groups``. Every job is instant: a new server is ACTIVE, a
deleted one is gone. Each server gets one fixed address on a private
network, as nova gives a server when the project has a network; ooi
then looks its port up (``os-interface``) to name the network link.

Standard library only: ooi's venv has no more than ooi's requirements.
"""
import json
import threading
import uuid

DEBIAN = '9e3bb7d4-7f43-4c4a-9a5b-1c1bd8e4aa01'
PRIVATE = '5b1c1d3a-8e3f-4f39-9a77-0d2a6f0c1a10'
REASONS = {200: 'OK', 202: 'Accepted', 204: 'No Content',
           400: 'Bad Request', 404: 'Not Found',
           405: 'Method Not Allowed'}


class Fault(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


class FakeNova:
    """The WSGI app; ``seed()`` sets how many images, flavors and
    servers it holds."""

    def __init__(self, images=2, flavors=2, servers=0):
        self.lock = threading.Lock()
        self.images = {}
        self.flavors = {}
        self.servers = {}
        self.ports = {}
        self.serial = 0
        self.networks = {PRIVATE: {'id': PRIVATE, 'label': 'private',
                                   'cidr': '10.0.0.0/16',
                                   'gateway': '10.0.0.1'}}
        self.seed(images, flavors, servers)

    def seed(self, images, flavors, servers):
        self.images[DEBIAN] = {'id': DEBIAN, 'name': 'Debian Base'}
        for n in range(len(self.images), images):
            iid = '00000000-0000-4000-8000-%012d' % n
            self.images[iid] = {'id': iid, 'name': 'bench image %d' % n}
        for n in range(len(self.flavors), flavors):
            fid = str(n + 1)
            self.flavors[fid] = {
                'id': fid, 'name': 'm1.bench%d' % n, 'vcpus': 1 + n % 8,
                'ram': 512 * (1 + n % 16), 'disk': 10 * (1 + n % 10)}
        while len(self.servers) < servers:
            self.create({'name': 'bench-%d' % len(self.servers),
                         'imageRef': DEBIAN, 'flavorRef': '1'})

    # -- servers ------------------------------------------------------
    def create(self, spec):
        if not spec.get('name'):
            raise Fault(400, "Invalid input: 'name' is a required property")
        if spec.get('imageRef') not in self.images:
            raise Fault(400, 'Can not find requested image')
        flavor = str(spec.get('flavorRef'))
        if flavor not in self.flavors:
            raise Fault(400, 'Flavor %s could not be found.' % flavor)
        sid = str(uuid.uuid4())
        self.serial += 1
        port = {'port_id': str(uuid.uuid4()), 'net_id': PRIVATE,
                'server_id': sid, 'port_state': 'ACTIVE',
                'mac_addr': 'fa:16:3e:%02x:%02x:%02x' % (
                    self.serial >> 16 & 255, self.serial >> 8 & 255,
                    self.serial & 255),
                'fixed_ips': [{'subnet_id': PRIVATE, 'ip_address':
                               '10.0.%d.%d' % (self.serial >> 8 & 255,
                                               self.serial & 255)}]}
        self.ports[sid] = port
        self.servers[sid] = {
            'id': sid, 'name': spec['name'], 'status': 'ACTIVE',
            'image': {'id': spec['imageRef']}, 'flavor': {'id': flavor},
            'key_name': spec.get('key_name'), 'links': []}
        return {'id': sid, 'links': [], 'adminPass': 'bench'}

    def render(self, server):
        port = self.ports[server['id']]
        out = dict(server)
        out['addresses'] = {'private': [{
            'addr': port['fixed_ips'][0]['ip_address'], 'version': 4,
            'OS-EXT-IPS:type': 'fixed',
            'OS-EXT-IPS-MAC:mac_addr': port['mac_addr']}]}
        out['os-extended-volumes:volumes_attached'] = []
        return out

    def server(self, sid):
        if sid not in self.servers:
            raise Fault(404, 'Instance %s could not be found.' % sid)
        return self.servers[sid]

    # -- routing ------------------------------------------------------
    def __call__(self, environ, start_response):
        method = environ['REQUEST_METHOD']
        parts = [p for p in environ.get('PATH_INFO', '').split('/') if p]
        data = {}
        # ooi builds its nova requests from a copy of the OCCI request's
        # environ: only POST and PUT bodies are nova's
        if method in ('POST', 'PUT'):
            length = int(environ.get('CONTENT_LENGTH') or 0)
            if length:
                data = json.loads(environ['wsgi.input'].read(length))
        try:
            with self.lock:
                status, payload = self.dispatch(method, parts[1:], data)
        except Fault as fault:
            status, payload = fault.code, {'fault': {
                'code': fault.code, 'message': fault.message}}
        body = b'' if payload is None else json.dumps(payload).encode()
        start_response('%d %s' % (status, REASONS.get(status, 'Error')), [
            ('Content-Type', 'application/json'),
            ('Content-Length', str(len(body)))])
        return [body]

    def dispatch(self, method, parts, data):
        if not parts:
            raise Fault(404, 'Unknown path')
        what, rest = parts[0], parts[1:]
        if what == 'servers':
            return self.servers_call(method, rest, data)
        if what in ('images', 'flavors'):
            table = getattr(self, what)
            if method == 'GET' and rest in ([], ['detail']):
                return 200, {what: list(table.values())}
            if method == 'GET' and len(rest) == 1 and rest[0] in table:
                return 200, {what[:-1]: table[rest[0]]}
            raise Fault(404, '%s %s not found' % (what, rest))
        if method != 'GET':
            raise Fault(405, 'Method not allowed')
        if what == 'os-networks':
            if rest:
                if rest[0] not in self.networks:
                    raise Fault(404, 'Network not found')
                return 200, {'network': self.networks[rest[0]]}
            return 200, {'networks': list(self.networks.values())}
        if what == 'os-floating-ip-pools':
            return 200, {'floating_ip_pools': [{'name': 'public'}]}
        if what == 'os-floating-ips':
            return 200, {'floating_ips': []}
        if what == 'os-volumes':
            return 200, {'volumes': []}
        if what == 'os-security-groups':
            return 200, {'security_groups': []}
        raise Fault(404, 'Unknown resource %s' % what)

    def servers_call(self, method, rest, data):
        if rest in ([], ['detail']):
            if method == 'GET' and rest:
                return 200, {'servers': [self.render(s) for s in
                                         self.servers.values()]}
            if method == 'GET':
                return 200, {'servers': [
                    {'id': s['id'], 'name': s['name'], 'links': []}
                    for s in self.servers.values()]}
            if method == 'POST' and not rest:
                return 202, {'server': self.create(data.get('server', {}))}
            raise Fault(405, 'Method not allowed')
        server = self.server(rest[0])
        sub = rest[1:]
        if not sub and method == 'GET':
            return 200, {'server': self.render(server)}
        if not sub and method == 'DELETE':
            del self.servers[server['id']]
            del self.ports[server['id']]
            return 204, None
        if sub == ['os-volume_attachments'] and method == 'GET':
            return 200, {'volumeAttachments': []}
        if sub == ['os-interface'] and method == 'GET':
            return 200, {'interfaceAttachments': [self.ports[server['id']]]}
        if sub == ['os-security-groups'] and method == 'GET':
            return 200, {'security_groups': []}
        raise Fault(404, 'Unknown server path %s' % sub)
