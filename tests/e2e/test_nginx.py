"""The documented deployment, tested: the system's nginx, configured with
the server block of docs/deployment.md (only ports, certificate and log
paths changed), terminates TLS in front of two ``pserve production.ini``
processes that share one PostgreSQL store and one cloud (the simulator on
a loopback port).  Every rendering goes through it, and so do catalogues
large enough to hit header limits in text/occi.

nginx runs unprivileged-safe: its own prefix in a temporary folder, its
own configuration, random loopback ports, in the foreground.
"""
import copy
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import http.client

import pytest

from tests.e2e.conftest import (
    ALICE, BOB, CREATE_BODY, INFRA, ROOT, PServe, free_port, ini_copy,
    wait_for_port,
)
from tests.functional import stores
from tests.functional.conftest import until

CAROL = 'carol-token'
OWNERS = {  # the seed's users: token -> uuid
    BOB: '0f4b6c1e-3a5d-4e7b-9c2a-b0b000000002',
    CAROL: '0f4b6c1e-3a5d-4e7b-9c2a-ca4010000003',
}
#: private images per user: Bob's catalogue is far over the text/occi
#: header limit (about 300 KB), Carol's just under it; Alice sees the
#: public catalogue only (4 images, 11 KB)
IMAGES = {BOB: 1000, CAROL: 150}
OS_TPL = 'http://schemas.synnefo.org/occi/templates/os#'
RENDERINGS = ('text/plain', 'text/occi', 'application/occi+json')


def find_nginx():
    return shutil.which('nginx') or next(
        (path for path in ('/usr/sbin/nginx', '/usr/local/sbin/nginx')
         if os.path.exists(path)), None)


def require_nginx():
    if find_nginx():
        return find_nginx()
    message = ('nginx is not installed (apt-get install nginx-light; '
               '.ci/run installs it)')
    if os.environ.get('CI'):
        pytest.fail('nginx is required under CI: ' + message)
    pytest.skip(message)


def documented_block():
    """The nginx block of docs/deployment.md, section 2, verbatim."""
    with open(os.path.join(ROOT, 'docs', 'deployment.md'),
              encoding='utf-8') as f:
        text = f.read()
    section = text[text.index('## 2. nginx'):]
    return re.search(r'```nginx\n(.*?)```', section, re.S).group(1)


def substitute(text, pattern, replacement, count=1):
    """``re.subn`` that fails when the documented line is not there."""
    text, found = re.subn(pattern, replacement, text, flags=re.M)
    assert found == count, (pattern, found)
    return text


def nginx_conf(folder, upstreams, http_port, https_port, cert, key):
    """The documented block, wrapped in a main context of its own."""
    block = documented_block()
    block = substitute(block, r'^(\s*)server 127\.0\.0\.1:\d+;\n', '', 4)
    block = substitute(block, r'^(upstream occi_pyramid \{\n)', r'\1' + ''.join(
        '    server 127.0.0.1:%d;\n' % port for port in upstreams))
    block = substitute(block, r'listen 80;', 'listen 127.0.0.1:%d;' % http_port)
    block = substitute(block, r'listen 443 ssl;',
                       'listen 127.0.0.1:%d ssl;' % https_port)
    block = substitute(block, r'ssl_certificate\s+\S+;',
                       'ssl_certificate %s;' % cert)
    block = substitute(block, r'ssl_certificate_key\s+\S+;',
                       'ssl_certificate_key %s;' % key)
    block = substitute(block, r'access_log /var/log/nginx/occi\.access\.log',
                       'access_log %s/occi.access.log' % folder)
    # as root nginx would run its workers as nobody, who cannot enter the
    # temporary folder; unprivileged, "user" would only be warned about
    user = 'user root;\n' if os.geteuid() == 0 else ''
    temp = ''.join('%s_temp_path %s/%s;\n' % (name, folder, name)
                   for name in ('client_body', 'proxy', 'fastcgi', 'uwsgi',
                                'scgi'))
    return (
        '%sworker_processes 1;\npid %s/nginx.pid;\n'
        'error_log %s/error.log warn;\n'
        'events { worker_connections 256; }\n'
        'http {\n%saccess_log %s/access.log;\n%s}\n'
        % (user, folder, folder, temp, folder, block))


def self_signed(folder):
    """A certificate for 127.0.0.1 and occi.example.org, and its key."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                         'occi.example.org')])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName('occi.example.org'),
                x509.IPAddress(ipaddress.ip_address('127.0.0.1'))]),
                critical=False)
            .sign(key, hashes.SHA256()))
    cert_path = os.path.join(folder, 'cert.pem')
    key_path = os.path.join(folder, 'key.pem')
    with open(cert_path, 'wb') as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, 'wb') as f:
        f.write(key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
    return cert_path, key_path


def seed_with_private_images(folder):
    """The packaged seed plus ``IMAGES`` private images per user."""
    from occi_pyramid.simulator.seed import PACKAGED_SEED

    with open(PACKAGED_SEED, encoding='utf-8') as f:
        seed = json.load(f)
    model = seed['images'][0]
    for user, (token, count) in enumerate(sorted(IMAGES.items())):
        for number in range(count):
            image = copy.deepcopy(model)
            image.update(
                id='e2e0%04x-0000-4000-8000-%012x' % (user, number),
                name='Private image %d' % number, is_public=False,
                owner=OWNERS[token])
            seed['images'].append(image)
    path = os.path.join(folder, 'seed.json')
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(seed, f)
    return path


class Nginx:
    def __init__(self, folder, conf):
        self.folder = folder
        with open(os.path.join(folder, 'nginx.conf'), 'w') as f:
            f.write(conf)
        self.process = subprocess.Popen(
            [find_nginx(), '-p', folder, '-c', 'nginx.conf',
             '-e', os.path.join(folder, 'error.log'), '-g', 'daemon off;'],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

    def errors(self):
        path = os.path.join(self.folder, 'error.log')
        if not os.path.exists(path):
            return ''
        with open(path, encoding='utf-8', errors='replace') as f:
            return f.read()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(15)


class Deployment:
    """nginx's ports, a TLS context that trusts it, the two processes."""

    def __init__(self, folder, nginx, servers, http_port, https_port, cert):
        self.folder = folder
        self.nginx = nginx
        self.servers = servers
        self.http_port = http_port
        self.https_port = https_port
        self.base = 'https://127.0.0.1:%d' % https_port
        self.context = ssl.create_default_context(cafile=cert)

    def call(self, method, path, headers=None, body=None, token=ALICE):
        sent = {'X-Auth-Token': token} if token else {}
        sent.update(headers or {})
        connection = http.client.HTTPSConnection(
            '127.0.0.1', self.https_port, context=self.context, timeout=60)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()


@pytest.fixture(scope='module')
def deployment(tmp_path_factory):
    from occi_pyramid.simulator.embedded import start_simulator

    nginx_path = require_nginx()
    assert nginx_path
    stores.require_postgresql()
    folder = str(tmp_path_factory.mktemp('nginx'))
    started = []
    with stores.postgresql_schema() as store_url:
        simulator = start_simulator({
            'simulator.database_url': 'sqlite://',
            'simulator.delays': 'instant',
            'simulator.seed_file': seed_with_private_images(folder)})
        try:
            ports = []
            for name in ('occi-a', 'occi-b'):
                where = tmp_path_factory.mktemp(name)
                ini = ini_copy(where, 'production.ini', replace=[
                    ('occi.synnefo.auth_url = https://accounts.example.org/'
                     'identity/v2.0',
                     'occi.synnefo.auth_url = ' + simulator.auth_url),
                    ('occi.store.url = postgresql://occi:secret@'
                     'db.example.org:5432/occi',
                     'occi.store.url = ' + store_url),
                    # NB: a killed process's claims run out soon
                    ('occi.pending.lease = 300', 'occi.pending.lease = 2')])
                port = free_port()
                started.append(PServe(ini, str(where / 'stderr.log'),
                                      'http_port=%d' % port))
                ports.append(port)
            for server, port in zip(started, ports):
                wait_for_port(port, server.process, timeout=90)
            http_port, https_port = free_port(), free_port()
            cert, key = self_signed(folder)
            nginx = Nginx(folder, nginx_conf(folder, ports, http_port,
                                             https_port, cert, key))
            try:
                try:
                    wait_for_port(https_port, nginx.process, timeout=30)
                except AssertionError as exc:
                    raise AssertionError('%s\n%s' % (exc, nginx.errors()))
                deployed = Deployment(folder, nginx, started, http_port,
                                      https_port, cert)
                deployed.simulator = simulator
                yield deployed
            finally:
                nginx.stop()
        finally:
            for server in started:
                server.stop()
            simulator.stop()


def category_header(headers):
    return ', '.join(headers.get_all('Category') or [])


def test_the_query_interface_in_every_rendering(deployment):
    status, headers, body = deployment.call('GET', '/-/', {
        'Accept': 'text/plain'})
    assert status == 200, body[:300]
    assert body.decode().count(OS_TPL) == 4
    status, headers, body = deployment.call('GET', '/-/', {
        'Accept': 'text/occi'})
    assert status == 200, (headers, deployment.nginx.errors())
    assert headers['Content-Type'].startswith('text/occi')
    # 11 KB of Category: over nginx's default proxy_buffer_size
    assert len(category_header(headers)) > 8192
    assert category_header(headers).count(OS_TPL) == 4
    status, headers, body = deployment.call('GET', '/-/', {
        'Accept': 'application/occi+json'})
    assert status == 200
    assert len(json.loads(body)['mixins']) > 4
    status, headers, body = deployment.call('GET', '/', {
        'Accept': 'text/uri-list'})
    assert status == 200
    assert headers['Content-Type'].startswith('text/uri-list')


def test_a_compute_through_nginx_in_every_rendering(deployment):
    status, headers, body = deployment.call('POST', '/compute/', {
        'Content-Type': 'text/plain'}, CREATE_BODY)
    assert status == 201, body
    location = headers['Location']
    # waitress trusts nginx's X-Forwarded-*: the public scheme and port
    assert location.startswith(deployment.base + '/compute/'), location
    path = location[len(deployment.base):]
    for accept in RENDERINGS:
        status, headers, body = deployment.call('GET', path, {
            'Accept': accept})
        assert status == 200, (accept, body)
        text = body.decode() + str(headers)
        # its id as a path or a URL, and never the upstream's address
        assert path in text, (accept, text)
        assert 'http://127.0.0.1' not in text
    for accept in RENDERINGS + ('text/uri-list',):
        status, headers, body = deployment.call('GET', '/compute/', {
            'Accept': accept})
        assert status == 200, (accept, body)
        assert location in body.decode() + str(headers), accept
    status, headers, body = deployment.call('DELETE', path)
    assert status == 200, body


def test_both_processes_serve_and_share_the_store(deployment):
    mixin = ('Category: e2e-nginx; scheme="http://example.org/e2e#"; '
             'class="mixin"; title="through nginx"; location="/e2e-nginx/"')
    status, _, body = deployment.call('POST', '/-/', {
        'Content-Type': 'text/plain'}, mixin)
    assert status == 200, body
    ids = []
    for _ in range(6):
        status, headers, body = deployment.call('GET', '/-/', {
            'Accept': 'text/plain'})
        assert status == 200
        assert 'e2e-nginx' in body.decode()
        ids.append(headers['X-Request-Id'])
    # nginx's $request_id (32 hex digits) reached the processes, and its
    # round robin sent requests to both
    assert all(re.match(r'^[0-9a-f]{32}$', rid) for rid in ids), ids
    logs = [server.output() for server in deployment.servers]
    assert all('[occi_pyramid.request]' in log for log in logs)
    assert all(any(rid in log for log in logs) for rid in ids)
    status, _, body = deployment.call('DELETE', '/-/', {
        'Content-Type': 'text/plain'}, mixin)
    assert status == 200, body


def test_a_catalogue_just_under_the_header_limit_passes(deployment):
    status, headers, body = deployment.call('GET', '/-/', {
        'Accept': 'text/occi'}, token=CAROL)
    assert status == 200, (headers, deployment.nginx.errors())
    category = category_header(headers)
    _, _, body = deployment.call('GET', '/-/', {'Accept': 'text/plain'},
                                 token=CAROL)
    assert category.count(OS_TPL) == body.decode().count(OS_TPL) > \
        IMAGES[CAROL]
    assert 40000 < len(category) < 65536


def test_a_catalogue_over_the_header_limit_in_text_occi(deployment):
    # 1,004 images: some 300 KB of Category; never nginx's 502
    status, headers, body = deployment.call('GET', '/-/', {
        'Accept': 'text/occi'}, token=BOB)
    assert status == 406, (status, deployment.nginx.errors())
    assert 'text/plain' in headers['X-OCCI-Error']
    assert 'occi.max_header_size' in headers['X-OCCI-Error']
    # the same catalogue in the body renderings
    status, headers, body = deployment.call('GET', '/-/', {
        'Accept': 'text/plain'}, token=BOB)
    assert status == 200
    templates = body.decode().count(OS_TPL)
    assert templates > IMAGES[BOB]
    status, headers, body = deployment.call('GET', '/-/', {
        'Accept': 'application/occi+json'}, token=BOB)
    assert status == 200
    assert sum(OS_TPL in json.dumps(mixin)
               for mixin in json.loads(body)['mixins']) == templates
    # a client that accepts another type gets that one instead
    status, headers, body = deployment.call('GET', '/-/', {
        'Accept': 'text/occi, text/plain;q=0.5'}, token=BOB)
    assert status == 200
    assert headers['Content-Type'].startswith('text/plain')
    assert body.decode().count(OS_TPL) == templates


def test_plain_http_is_redirected_to_https(deployment):
    connection = http.client.HTTPConnection('127.0.0.1',
                                            deployment.http_port, timeout=10)
    try:
        connection.request('GET', '/-/', headers={'Host': 'occi.example.org'})
        response = connection.getresponse()
        assert response.status == 301
        assert response.headers['Location'] == 'https://occi.example.org/-/'
    finally:
        connection.close()


def raw_tls(deployment, request):
    """One raw request to nginx over TLS; its status line."""
    with socket.create_connection(('127.0.0.1', deployment.https_port),
                                  timeout=30) as plain:
        with deployment.context.wrap_socket(
                plain, server_hostname='127.0.0.1') as sock:
            sock.sendall(request)
            answer = b''
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
    return answer.split(b'\r\n', 1)[0]


def test_malformed_hosts_and_targets_get_400_through_nginx(deployment):
    """What a client gets for a request target or a Host header that is
    no URL part, with nginx in front (docs/decisions.md, "Hostile
    input"): a 400, from nginx or from the server behind it."""
    token = b'X-Auth-Token: ' + ALICE.encode() + b'\r\n'
    for request in (
            b'GET http://[::1/compute/ HTTP/1.1\r\nHost: 127.0.0.1\r\n',
            b'GET /compute/ HTTP/1.1\r\nHost: [::1\r\n',
            b'GET /compute/ HTTP/1.1\r\nHost: [x]\r\n',
            b'GET /compute/ HTTP/1.1\r\nHost: a\r\nHost: b\r\n'):
        status = raw_tls(deployment, request + token
                         + b'Connection: close\r\n\r\n')
        assert status.startswith(b'HTTP/1.1 400'), (request, status)



def test_deferred_work_survives_a_killed_process(deployment):
    """Runs last (it kills a process): a compute with a storage linked
    is deleted through nginx, and one of the two processes is killed at
    once (SIGKILL: no exit handler).  The other carries the delete out
    (the killed one's claim runs out): the compute stays gone, the
    storage stays, detached; nothing is lost, nothing comes back."""
    status, headers, body = deployment.call('POST', '/compute/', {
        'Content-Type': 'text/plain'}, CREATE_BODY)
    assert status == 201, body
    compute = headers['Location'][len(deployment.base):]
    status, headers, body = deployment.call('POST', '/storage/', {
        'Content-Type': 'text/plain'}, 'Category: storage; scheme="%s"; '
        'class="kind"\nX-OCCI-Attribute: occi.storage.size=1\n' % INFRA)
    assert status == 201, body
    storage = headers['Location'][len(deployment.base):]
    status, _, body = deployment.call('POST', '/storagelink/', {
        'Content-Type': 'text/plain'}, (
        'Category: storagelink; scheme="%s"; class="kind"\n'
        'X-OCCI-Attribute: occi.core.source="%s"\n'
        'X-OCCI-Attribute: occi.core.target="%s"\n' % (
            INFRA, compute, storage)))
    assert status in (200, 201), body

    def attached():
        text = deployment.call('GET', storage, {
            'Accept': 'text/plain'})[2].decode()
        return 'occi.storage.state.message="In use"' in text
    until(attached)
    assert deployment.call('DELETE', compute)[0] == 200
    killed = deployment.servers[0]
    killed.process.kill()
    killed.process.wait(30)

    from occi_pyramid.simulator.testing import ControlClient

    cloud = ControlClient(deployment.simulator.url)
    server_id = compute.rsplit('/', 1)[1]

    def done():
        status, _, body = deployment.call('GET', storage, {
            'Accept': 'text/plain'})
        assert status == 200, body   # the storage is never lost
        assert deployment.call('GET', compute)[0] == 404  # never back
        server = cloud.call('GET', '/compute/v2.0/servers/%s' % server_id,
                            token=ALICE)[1]['server']
        return server['status'] == 'DELETED' and (
            'occi.storage.state.message="Available"' in body.decode())
    until(done, wait=120)
    listed = deployment.call('GET', '/storagelink/', {
        'Accept': 'text/uri-list'})[2].decode()
    assert storage not in listed and compute not in listed

