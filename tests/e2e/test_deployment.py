"""The server as deployed: multicloud.ini (two endpoints, two clouds, one
process), URLs under a mount point and behind a TLS proxy, both 413
layers, and ``pserve production.ini`` logging request lines without
tokens.  Real sockets throughout."""
import hashlib
import json
import re
import socket

import pytest

from tests.e2e.conftest import (
    ALICE, BOB, call, create_compute, free_port, ini_copy, proxy_options,
    server_options, wait_for_port,
)

PREFIXES = ('/okeanos', '/demo')
FORMATS = ('text/plain', 'text/occi', 'application/occi+json')
#: behind the proxy: what nginx sends (docs/deployment.md)
FORWARDED = {
    'X-Forwarded-Proto': 'https',
    'X-Forwarded-Host': 'occi.example.org',
    'X-Forwarded-Port': '443',
    'X-Forwarded-For': '203.0.113.7',
}


@pytest.fixture(scope='module')
def multicloud(tmp_path_factory):
    """multicloud.ini, copied so that its files go to a temporary folder,
    loaded as pserve would load it."""
    from paste.deploy import loadapp

    ini = ini_copy(tmp_path_factory.mktemp('multicloud'), 'multicloud.ini')
    return ini, loadapp('config:' + ini)


@pytest.fixture
def site(multicloud, serve):
    """multicloud.ini served by waitress with its own [server:main]
    options (but a free port) and production.ini's proxy trust."""
    ini, app = multicloud
    options = {key: value for key, value in server_options(ini).items()
               if key not in ('use', 'listen')}
    options.update(proxy_options(ini_path('production.ini')))
    return serve(app, **options)


def ini_path(name):
    from tests.e2e.conftest import ROOT
    import os

    return os.path.join(ROOT, name)


def token_hash(token):
    return 'sha256:' + hashlib.sha256(token.encode()).hexdigest()[:8]


# -- two endpoints, two clouds -------------------------------------------------

def test_each_endpoint_serves_its_query_interface(site):
    for prefix in PREFIXES:
        res = call(site.port, 'GET', prefix + '/-/', {'X-Auth-Token': ALICE})
        assert res.status == 200, res
        assert 'location="%s/compute/"' % prefix in res.text
        assert res.headers['X-Request-Id']


def test_each_endpoint_names_its_own_identity_url(site):
    uris = set()
    for prefix in PREFIXES:
        res = call(site.port, 'GET', prefix + '/compute/')
        assert res.status == 401
        match = re.match(r"^Keystone uri='(http://[^']+/identity/v2\.0)'$",
                         res.headers['WWW-Authenticate'])
        assert match, res.headers['WWW-Authenticate']
        uris.add(match.group(1))
    assert len(uris) == 2


def test_a_compute_exists_only_in_its_own_cloud(site):
    created = create_compute(site.port, '/okeanos')
    assert created.status == 201, created
    location = created.headers['Location']
    assert location.startswith(site.url + '/okeanos/compute/')
    compute_id = location.rsplit('/', 1)[1]
    token = {'X-Auth-Token': ALICE, 'Accept': 'text/uri-list'}
    okeanos = call(site.port, 'GET', '/okeanos/compute/', token)
    assert location in okeanos.text.split()
    demo = call(site.port, 'GET', '/demo/compute/', token)
    assert site.url + '/demo/compute/' + compute_id not in demo.text
    assert location not in demo.text
    # the simulators number servers from 1 each; make sure /demo's id,
    # if any, is a different machine
    res = call(site.port, 'GET', '/demo/compute/' + compute_id,
               {'X-Auth-Token': ALICE, 'Accept': 'application/occi+json'})
    if res.status == 200:
        assert res.json()['title'] != 'e2e'
    else:
        assert res.status == 404


def test_a_path_under_no_endpoint_is_an_occi_404(site):
    res = call(site.port, 'GET', '/elsewhere/-/',
               {'Accept': 'application/occi+json'})
    assert res.status == 404
    assert res.json() == {'code': 404,
                          'message': 'Nothing is found at /elsewhere/-/.'}
    assert 'OCCI/1.2' in res.headers['Server']
    assert res.headers['X-Request-Id']


# -- every URL in every rendering is under the mount point --------------------

_URL = re.compile(r'https?://[^\s"\'<>,;]+')
#: text: location="/..." self="/..." <...>; JSON: "location": "/..."
_PATH = re.compile(r'(?:location|self)(?:=|": ?)"(/[^"]*)"|<(/[^>]*)>')


def locations_in(text):
    """Every URL and every absolute path a rendering carries, except
    Category identifiers (scheme URLs, ``...#term``)."""
    urls = [u for u in _URL.findall(text) if '#' not in u]
    paths = [a or b for a, b in _PATH.findall(text)]
    return urls, paths


def rendering_text(res):
    """Headers and body of a response as one text."""
    return '\n'.join('%s: %s' % item for item in res.headers.items()) + \
        '\n' + res.text


def assert_all_under(res, base, prefix):
    urls, paths = locations_in(rendering_text(res))
    assert urls or paths, res
    for url in urls:
        assert url.startswith(base + prefix + '/'), url
    for path in paths:
        assert path.startswith(prefix + '/'), path
    return len(urls) + len(paths)


@pytest.mark.parametrize('prefix', PREFIXES)
def test_every_location_in_every_rendering_is_under_the_prefix(site,
                                                               prefix):
    created = create_compute(site.port, prefix)
    assert created.status == 201, created
    entity = created.headers['Location'][len(site.url):]
    seen = 0
    for path, formats in [
            (prefix + '/-/', FORMATS),
            (prefix + '/compute/', FORMATS + ('text/uri-list',)),
            (entity, FORMATS)]:
        for fmt in formats:
            res = call(site.port, 'GET', path,
                       {'X-Auth-Token': ALICE, 'Accept': fmt})
            assert res.status == 200, (path, fmt, res)
            seen += assert_all_under(res, site.url, prefix)
    assert seen > 50


# -- behind a TLS-terminating proxy --------------------------------------------

def test_behind_the_proxy_urls_are_https_on_the_public_host(site):
    public = 'https://occi.example.org/okeanos/compute/'
    for fmt in FORMATS:
        res = create_compute(site.port, '/okeanos',
                             dict(FORWARDED, Accept=fmt))
        assert res.status == 201, res
        assert res.headers['Location'].startswith(public)
        compute_id = res.headers['Location'][len(public):]
        assert compute_id
        if fmt == 'text/occi':
            assert res.headers['X-OCCI-Location'] == public + compute_id
        elif fmt == 'text/plain':
            assert res.text.strip() == 'X-OCCI-Location: ' + public + \
                compute_id
        else:
            assert public + compute_id in json.dumps(res.json())
    res = call(site.port, 'GET', '/okeanos/compute/' + compute_id,
               dict(FORWARDED, **{'X-Auth-Token': ALICE,
                                  'Accept': 'application/occi+json'}))
    # JSON entities carry no location; their links' sources are URLs
    assert {link['source']['location'] for link in res.json()['links']} == {
        public + compute_id}
    assert_all_under(res, 'https://occi.example.org', '/okeanos')
    listing = call(site.port, 'GET', '/okeanos/compute/', dict(
        FORWARDED, **{'X-Auth-Token': ALICE, 'Accept': 'text/uri-list'}))
    assert all(line.startswith(public) for line in listing.text.split())


def test_forwarded_headers_from_an_untrusted_peer_are_ignored(multicloud,
                                                              serve):
    _, app = multicloud
    options = dict(proxy_options(ini_path('production.ini')),
                   trusted_proxy='192.0.2.1')   # not us
    server = serve(app, **options)
    res = create_compute(server.port, '/okeanos', FORWARDED)
    assert res.status == 201
    assert res.headers['Location'].startswith(
        server.url + '/okeanos/compute/')


# -- 413, in both layers --------------------------------------------------------

def test_a_body_over_occi_max_body_size_is_an_occi_413(site):
    # /demo accepts 64 KiB (multicloud.ini)
    body = 'X-OCCI-Attribute: occi.core.title="%s"\n' % ('x' * 70000)
    res = call(site.port, 'POST', '/demo/compute/', {
        'X-Auth-Token': ALICE, 'Content-Type': 'text/plain',
        'Accept': 'application/occi+json'}, body)
    assert res.status == 413
    assert res.json()['code'] == 413
    assert '65536' in res.json()['message']
    # /okeanos accepts it (1 MiB) and fails later, on the content
    res = call(site.port, 'POST', '/okeanos/compute/', {
        'X-Auth-Token': ALICE, 'Content-Type': 'text/plain'}, body)
    assert res.status == 400


def test_a_body_over_waitress_limit_is_refused_by_waitress(site,
                                                           multicloud):
    limit = int(server_options(multicloud[0])['max_request_body_size'])
    # announce a body over the limit; waitress answers from the headers
    with socket.create_connection(('127.0.0.1', site.port),
                                  timeout=10) as sock:
        sock.sendall((
            'POST /okeanos/compute/ HTTP/1.1\r\nHost: x\r\n'
            'X-Auth-Token: %s\r\nContent-Type: text/plain\r\n'
            'Content-Length: %d\r\n\r\n' % (ALICE, limit + 1)).encode())
        answer = b''
        while b'\r\n\r\n' not in answer:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    status_line = answer.split(b'\r\n', 1)[0]
    assert status_line == b'HTTP/1.1 413 Request Entity Too Large', answer


# -- pserve production.ini ----------------------------------------------------

def test_pserve_production_ini_logs_request_lines_without_tokens(
        tmp_path, simulator, pserve):
    ini = ini_copy(tmp_path, 'production.ini', replace=[
        ('occi.synnefo.auth_url = https://accounts.example.org/identity/'
         'v2.0', 'occi.synnefo.auth_url = ' + simulator.auth_url),
        ('occi.store.url = postgresql://occi:secret@db.example.org:5432/'
         'occi', 'occi.store.url = sqlite:///%(here)s/store.sqlite'),
    ])
    port = free_port()
    server = pserve(ini, str(tmp_path / 'stderr.log'), 'http_port=%d' % port)
    wait_for_port(port, server.process, timeout=60)

    ok = call(port, 'GET', '/-/', dict(FORWARDED, **{
        'X-Auth-Token': ALICE, 'X-Request-Id': 'nginx-0123456789abcdef'}))
    assert ok.status == 200, ok
    assert ok.headers['X-Request-Id'] == 'nginx-0123456789abcdef'
    created = create_compute(port, '', FORWARDED)
    assert created.status == 201, created
    assert created.headers['Location'].startswith(
        'https://occi.example.org/compute/')
    denied = call(port, 'GET', '/compute/', {'X-Auth-Token': 'wrong-token'})
    assert denied.status == 401
    assert denied.headers['WWW-Authenticate'] == \
        "Keystone uri='%s'" % simulator.auth_url
    basic = call(port, 'GET', '/compute/', {
        'Authorization': 'Basic Ym9iOmJvYi10b2tlbg=='})   # bob:bob-token
    assert basic.status == 200
    server.stop()

    output = server.output()
    lines = [line for line in output.splitlines()
             if '[occi_pyramid.request]' in line]
    assert len(lines) == 4, output
    assert re.search(
        r'^\S+ \S+ INFO  \[occi_pyramid\.request\]\[nginx-0123456789abcdef\]'
        r' GET /-/ 200 \d+\.\dms token=%s client=203\.0\.113\.7$'
        % token_hash(ALICE), lines[0]), lines[0]
    assert '[%s] POST /compute/ 201 ' % created.headers['X-Request-Id'] \
        in lines[1]
    assert ' 401 ' in lines[2] and token_hash('wrong-token') in lines[2]
    assert token_hash(BOB) in lines[3]
    for token in (ALICE, BOB, 'wrong-token', 'Ym9iOmJvYi10b2tlbg'):
        assert token not in output
    assert 'Serving on http://127.0.0.1:%d' % port in output
