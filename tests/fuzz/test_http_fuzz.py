"""Hostile requests over real HTTP: no answer is ever a 5xx, a hang or a
traceback in the log.

One real server (waitress on a free port, the app of testing.ini on the
embedded simulator, an SQLite store file) gets raw requests written on a
socket, so nothing is cleaned up on the way: every endpoint the query
interface and the caller's entities name, every method, every rendering
(Content-Type and Accept), percent-encoded and raw bytes, dot segments,
deep and wide JSON, huge numbers, made-up and malformed tokens.

``test_every_endpoint_method_and_rendering`` sweeps the whole matrix once
with a hostile body per rendering; ``test_random_requests`` lets
hypothesis combine the pieces (``OCCI_FUZZ_EXAMPLES`` raises its count;
runs are derandomized so CI is repeatable).
"""
import base64
import contextlib
import json
import logging
import os
import re
import socket

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import Server
from tests.functional import stores
from tests.functional.conftest import ALICE, Cloud

METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']
RENDERINGS = ['text/plain', 'text/occi', 'application/occi+json',
              'application/json', 'text/uri-list', 'text/occi+plain']
MADE_UP = 'made-up-token-0123456789'
#: seconds one request may take before it counts as a hang
TIMEOUT = 30
EXAMPLES = int(os.environ.get('OCCI_FUZZ_EXAMPLES', '200'))

HUGE = ['9' * 30, '-' + '9' * 30, '1e999', '-1e999', '1' + '0' * 400,
        '9223372036854775808', '0.' + '0' * 300 + '1', 'NaN', 'Infinity']
ENCODED = ['%ff', '%00', '%c3%28', '%2e', '%2e%2e', '.%2e', '%2E%2E',
           '%2f', '%25', '%20', '%0d%0a', '%e2%98%83', '%fe%ff']
DOTS = ['.', '..', '%2e', '%2e%2e', '.%2e', '%2e.']
#: Host headers that are no host and port (RFC 7230 section 5.4)
MALFORMED_HOSTS = [b'[::1', b'[', b']', b'[]', b'[x]', b'[::1]x',
                   b'a:99999', b'h:80:90', b'a b']
QUERIES = ['', '?', '?action=', '?action=start', '?action=stop',
           '?action=%ff', '?action=%c3%28', '?action=restart&action=stop',
           '?page=1&number=1', '?page=0', '?page=%s' % HUGE[0],
           '?number=%s' % HUGE[0], '?%ff=%fe', '?a=%', '?action=start%00',
           '?action=' + 'x' * 2000]


CONTROL = re.compile(rb'[\x00-\x08\x0a-\x1f\x7f]')
#: mixin collections the sweep visits (there is one per image and flavor)
SWEPT_MIXINS = 3


class Sent:
    """What one raw request got: its status (0: the server closed the
    connection without an answer)."""

    def __init__(self, status, raw):
        self.status = status
        self.raw = raw


def send(port, method, target, headers=(), body=b'', hosts=None):
    """One raw HTTP/1.1 request (``target`` and header values as bytes,
    sent as they are; ``hosts``: the Host headers, as bytes, instead of
    the server's address).  waitress refuses a bad request line or header
    with a 400 before reading the body; the unread body then resets the
    connection, so the request is sent again without its body to read
    that answer."""
    try:
        return _send(port, method, target, headers, body, hosts)
    except ConnectionResetError:
        if not body:
            return Sent(0, b'')
        return _send(port, method, target, headers, b'', hosts)


def _send(port, method, target, headers, body, hosts=None):
    if hosts is None:
        hosts = [b'127.0.0.1:%d' % port]
    lines = [b'%s %s HTTP/1.1' % (method.encode(), target)]
    lines += [b'Host: %s' % host for host in hosts]
    lines += [b'Connection: close', b'Content-Length: %d' % len(body)]
    # NB: control characters in a header are refused by waitress itself
    # (a 400 and a closed connection), never seen by the app
    lines += [b'%s: %s' % (name.encode(), CONTROL.sub(b'', value))
              for name, value in headers]
    with socket.create_connection(('127.0.0.1', port),
                                  timeout=TIMEOUT) as sock:
        sock.sendall(b'\r\n'.join(lines) + b'\r\n\r\n' + body)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    raw = b''.join(chunks)
    match = re.match(rb'HTTP/1\.[01] (\d{3}) ', raw)
    return Sent(int(match.group(1)) if match else 0, raw)


class Errors(logging.Handler):
    """Collects ERROR records (tracebacks) of the server's loggers."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@contextlib.contextmanager
def serving(app_settings, folder, threads=2):
    """A :class:`Target`: the app of ``app_settings`` served by waitress
    on a free port, with an SQLite store file in ``folder`` and the error
    log collector (also what ``bench/bench_fuzz.py`` drives)."""
    cloud = Cloud(dict(app_settings, **{
        'occi.store.url': 'sqlite:///%s' % os.path.join(
            str(folder), 'store.sqlite')}))
    cloud.reset()
    server = Server(cloud.app.app, threads=threads)
    errors = Errors()
    loggers = [logging.getLogger(n) for n in ('waitress', 'occi_pyramid')]
    for logger in loggers:
        logger.addHandler(errors)
    try:
        yield Target(server, cloud, errors)
    finally:
        for logger in loggers:
            logger.removeHandler(errors)
        server.stop()
        stores.mixin_store(cloud.app.app.registry).dispose()


@pytest.fixture(scope='module')
def target(app_settings, tmp_path_factory):
    """The running server, its endpoints, and the error log collector."""
    with serving(app_settings, tmp_path_factory.mktemp('fuzz')) as served:
        yield served


class Target:
    """The server under fuzz and the paths it serves."""

    def __init__(self, server, cloud, errors):
        self.port = server.port
        self.cloud = cloud
        self.errors = errors
        self.sent = 0
        self.seed()

    def call(self, method, path, body=b'', headers=()):
        self.sent += 1
        return send(self.port, method, path.encode(),
                    [('X-Auth-Token', ALICE.encode())] + list(headers), body)

    def seed(self):
        """A user mixin, a compute and a network, then every location
        the query interface and ``/`` name."""
        text = [('Content-Type', b'text/plain')]
        self.call('POST', '/-/', b'Category: fuzz; scheme="http://example.'
                  b'org/fuzz#"; class="mixin"; location="/fuzz/"', text)
        compute = (
            'Category: compute; scheme="http://schemas.ogf.org/occi/'
            'infrastructure#"; class="kind"\nCategory: image-d3b1a000-0000-'
            '4000-8000-000000000001; scheme="http://schemas.synnefo.org/occi/'
            'templates/os#"; class="mixin"\nCategory: flavor-1; scheme="'
            'http://schemas.synnefo.org/occi/templates/resource#"; class='
            '"mixin"')
        assert self.call('POST', '/compute/', compute.encode(),
                         text).status == 201
        network = ('Category: network; scheme="http://schemas.ogf.org/occi/'
                   'infrastructure#"; class="kind"')
        self.call('POST', '/network/', network.encode(), text)
        categories = json.loads(self.call(
            'GET', '/-/', headers=[('Accept', b'application/occi+json')])
            .raw.split(b'\r\n\r\n', 1)[1])
        paths = {'/', '/-/', '/.well-known/org/ogf/occi/-/', '/fuzz/'}
        paths.update(kind['location'] for kind in categories.get(
            'kinds', ()) if kind.get('location'))
        paths.update(sorted(mixin['location'] for mixin in categories.get(
            'mixins', ()) if mixin.get('location'))[:SWEPT_MIXINS])
        listing = self.call('GET', '/', headers=[
            ('Accept', b'text/uri-list')]).raw.split(b'\r\n\r\n', 1)[1]
        base = 'http://127.0.0.1:%d' % self.port
        paths.update(line[len(base):] for line in
                     listing.decode().split() if line.startswith(base))
        self.paths = sorted(paths)
        self.actions = sorted({
            action.rsplit('#', 1)[1]
            for kind in categories.get('kinds', ())
            for action in kind.get('actions', ())})

    def check(self, method, target, headers, body, hosts=None):
        """Send, and fail on a 5xx, no answer or a logged error."""
        del self.errors.records[:]
        self.sent += 1
        sent = send(self.port, method, target, headers, body, hosts)
        request = (method, target[:200], headers, body[:200])
        assert sent.status, ('no answer', request)
        assert sent.status < 500, (sent.raw[:400], request)
        assert not self.errors.records, (
            [r.getMessage() for r in self.errors.records], request)
        return sent


# -- bodies -------------------------------------------------------------------

def deep_json(depth):
    return b'{"attributes": {"x": ' + b'[' * depth + b']' * depth + b'}}'


def wide_json(count):
    return b'{"links": [' + b','.join([b'{}'] * count) + b']}'


HOSTILE_BODIES = {
    'text/plain': (
        b'Category: compute; scheme="http://schemas.ogf.org/occi/infra'
        b'structure#"; class="kind"\nX-OCCI-Attribute: occi.compute.cores='
        + HUGE[0].encode() + b'\nLink: </network/' + HUGE[0].encode()[:5]
        + b'>; rel="x"\n' + b'X-OCCI-Location: /compute/%2e%2e/\n' * 3),
    'application/occi+json': deep_json(2000),
    'text/uri-list': b'/compute/%2e%2e/\n/%ff\n' + b'/\n' * 2000,
}


def body_for(content_type):
    return HOSTILE_BODIES.get(content_type.split(';')[0],
                              b'\xff\xfe{"links": [\x00]}')


def test_every_endpoint_method_and_rendering(target):
    """Every endpoint with every method, the renderings taking turns (so
    each method meets each rendering too); DELETE last, as it empties
    what the others use."""
    methods = sorted(METHODS, key=lambda m: m == 'DELETE')
    for turn, (method, path) in enumerate(
            (m, p) for m in methods for p in target.paths):
        rendering = RENDERINGS[turn % len(RENDERINGS)]
        headers = [('X-Auth-Token', ALICE.encode()),
                   ('Content-Type', rendering.encode()),
                   ('Accept', rendering.encode())]
        if rendering == 'text/occi':
            headers += [('Category', b'x; scheme="bad'),
                        ('X-OCCI-Attribute', b'occi.compute.cores='
                         + HUGE[0].encode())]
        target.check(method, path.encode(), headers, body_for(rendering))


# -- random requests ----------------------------------------------------------

def _text(max_size=12):
    return st.text(alphabet=st.characters(
        min_codepoint=0x21, max_codepoint=0x7e,
        blacklist_characters='/?#%'), max_size=max_size)


SEGMENTS = (st.sampled_from(DOTS + ENCODED + HUGE[:2] + ['0', '-1', ''])
            | _text() | st.sampled_from(['compute', 'network', 'fuzz', '-']))
TOKENS = st.sampled_from([
    ALICE.encode(), MADE_UP.encode(), b'', b'x' * 4000, b'\xff\xfe\x80',
    b'alice-token\x00', None,
    b'Basic ' + base64.b64encode(b'alice:' + MADE_UP.encode()),
    b'Basic !!!not-base64', b'Bearer ' + MADE_UP.encode()])
#: text JSON can carry that is no UTF-8: lone UTF-16 surrogates (and a
#: pair, which is one character)
SURROGATES = ['\ud800', 'a\udfffb', '\udc00\ud800', '\ud83d\ude00']
SCALARS = (st.none() | st.booleans() | st.integers(min_value=-10 ** 40,
                                                   max_value=10 ** 40)
           | st.floats() | st.text(max_size=20)
           | st.sampled_from(SURROGATES))
MEMBERS = st.sampled_from([
    'kind', 'mixins', 'attributes', 'links', 'actions', 'id', 'title',
    'target', 'source', 'location', 'resources', 'kinds', 'action', 'term',
    'scheme', 'rel', 'depends', 'applies', 'occi.core.title',
    'occi.compute.cores', 'occi.compute.memory', 'occi.storage.size'])
JSON_VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(MEMBERS | st.text(max_size=8), inner, max_size=4),
    max_leaves=20)
LINE_NAMES = ['Category', 'X-OCCI-Attribute', 'Link', 'X-OCCI-Location',
              'X-OCCI-Category', 'Location', 'Bogus']
TEXT_VALUES = st.one_of(
    st.sampled_from(HUGE + ['compute; scheme="http://schemas.ogf.org/occi/'
                            'infrastructure#"; class="kind"',
                            'occi.compute.cores=' + HUGE[0],
                            '</compute/%2e%2e/>; rel="x"', '"unterminated',
                            '/compute/../', '/%ff']),
    st.text(max_size=40))


@st.composite
def bodies(draw, content_type):
    kind = draw(st.sampled_from(['structured', 'deep', 'wide', 'bytes']))
    if kind == 'deep':
        return deep_json(draw(st.sampled_from([31, 32, 33, 999, 1000, 5000])))
    if kind == 'wide':
        return wide_json(draw(st.sampled_from([100, 101, 5000, 20000])))
    if kind == 'bytes':
        return draw(st.binary(max_size=200))
    if 'json' in content_type:
        return json.dumps(draw(JSON_VALUES)).encode()
    lines = draw(st.lists(st.tuples(st.sampled_from(LINE_NAMES),
                                    TEXT_VALUES), max_size=6))
    return '\n'.join('%s: %s' % line for line in lines).encode(
        'utf-8', 'surrogatepass')


@st.composite
def requests(draw, paths, actions):
    method = draw(st.sampled_from(METHODS))
    path = draw(st.sampled_from(paths))
    extra = draw(st.lists(SEGMENTS, max_size=3))
    if extra:
        path = path.rstrip('/') + '/' + '/'.join(extra)
        path += draw(st.sampled_from(['', '/']))
    query = draw(st.sampled_from(QUERIES) | st.sampled_from(
        ['?action=' + a for a in actions]))
    target = path.encode() + query.encode()
    if draw(st.booleans()):
        # raw bytes in the request line, not percent-encoded
        target += draw(st.sampled_from([b'\xff', b'\xc3\xa9', b'%', b'\x7f']))
    content_type = draw(st.sampled_from(RENDERINGS + [
        'application/occi+json; charset=latin-1', 'text/plain; charset=bogus',
        'application/xml', '']))
    headers = []
    token = draw(TOKENS)
    if token is not None:
        name = 'Authorization' if token.startswith((b'Basic', b'Bearer')) \
            else 'X-Auth-Token'
        headers.append((name, token))
    if content_type:
        headers.append(('Content-Type', content_type.encode()))
    headers.append(('Accept', draw(st.sampled_from(RENDERINGS + [
        '*/*', 'image/png', 'text/*;q=0.1, application/occi+json',
        ';;;', 'x' * 300])).encode()))
    if draw(st.booleans()):
        headers.append(('Category', draw(TEXT_VALUES).encode(
            'utf-8', 'surrogatepass').replace(b'\r', b'').replace(
                b'\n', b'')))
    hosts = draw(st.sampled_from([None] * 6 + [
        [host] for host in MALFORMED_HOSTS] + [[b'a', b'b']]))
    return method, target, headers, draw(bodies(content_type)), hosts


def test_random_requests(target):
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
              database=None, suppress_health_check=list(HealthCheck))
    @given(request=requests(target.paths, target.actions))
    def fuzz(request):
        target.check(*request)

    fuzz()


# -- second round: Host, request targets, lone surrogates ---------------------

def test_a_malformed_host_is_a_400_before_any_work(target):
    """Whatever the method, path and token (made-up ones included), and
    two Host headers too."""
    for hosts in [[host] for host in MALFORMED_HOSTS] + [[b'a', b'b']]:
        for method, path in [('GET', '/'), ('GET', '/compute/'),
                             ('POST', '/compute/'), ('DELETE', '/compute/'),
                             ('OPTIONS', '/'), ('GET', '/-/'),
                             ('GET', '/static/occi.css')]:
            for token in (ALICE, MADE_UP):
                sent = target.check(method, path.encode(), [
                    ('X-Auth-Token', token.encode())], b'', hosts)
                assert sent.status == 400, (hosts, method, path)
                assert b'The Host header' in sent.raw, sent.raw


def test_a_request_target_that_does_not_split_is_a_400(target):
    for request_target in (b'http://[::1/compute/', b'http://[/',
                           b'http://]x[/compute/'):
        sent = target.check('GET', request_target, [], b'')
        assert sent.status == 400, request_target


def _json(value):
    return json.dumps(value).encode()


COMPUTE_JSON = {
    'kind': 'http://schemas.ogf.org/occi/infrastructure#compute',
    'mixins': ['http://schemas.synnefo.org/occi/templates/os#image-'
               'd3b1a000-0000-4000-8000-000000000001',
               'http://schemas.synnefo.org/occi/templates/resource#flavor-1'],
    'attributes': {'occi.core.title': 'fine'}}


def test_lone_surrogates_are_a_400_naming_where(target):
    def compute(**attributes):
        return dict(COMPUTE_JSON, attributes=dict(
            COMPUTE_JSON['attributes'], **attributes))

    storage = {'kind': 'http://schemas.ogf.org/occi/infrastructure#storage',
               'attributes': {'occi.storage.size': 1,
                              'occi.core.title': '\ud800'}}
    cases = [
        ('POST', '/compute/', compute(**{'occi.core.summary': 'x\ud800'}),
         b'occi.core.summary'),
        ('POST', '/compute/', compute(**{'occi.core.title': '\udfff'}),
         b'occi.core.title'),
        ('POST', '/compute/', compute(**{'occi.compute.hostname': '\ud800'}),
         b'occi.compute.hostname'),
        ('POST', '/storage/', storage, b'occi.core.title'),
        ('POST', '/-/', {'mixins': [{'term': 'x', 'scheme': 'http://e.org/'
                                     'x#', 'title': 'a\ud800'}]}, b'title'),
        ('POST', '/-/', {'mixins': [{'term': 'x', 'scheme': 'http://e.org/'
                                     '\ud800#'}]}, b'scheme'),
        ('POST', '/compute/', dict(COMPUTE_JSON, links=[{
            'kind': 'http://schemas.ogf.org/occi/infrastructure#'
                    'networkinterface',
            'target': {'location': '/network/\ud800'}}]), b'location'),
        ('POST', '/compute/?action=restart', {
            'action': 'http://schemas.ogf.org/occi/infrastructure/compute/'
                      'action#restart', 'attributes': {'method': '\ud800'}},
         b'method'),
    ]
    for method, path, document, name in cases:
        sent = target.check(method, path.encode(), [
            ('X-Auth-Token', ALICE.encode()),
            ('Content-Type', b'application/occi+json')], _json(document))
        assert sent.status == 400, (path, document, sent.raw[:300])
        assert name in sent.raw and b'surrogate' in sent.raw, sent.raw
    # a charset that decodes to one
    sent = target.check('POST', b'/compute/', [
        ('X-Auth-Token', ALICE.encode()),
        ('Content-Type', b'text/plain; charset=unicode_escape')],
        b'X-OCCI-Attribute: occi.core.title="\\ud800"')
    assert sent.status == 400 and b'surrogate' in sent.raw, sent.raw


def test_odd_text_the_cloud_holds_never_fails_a_listing(target):
    """Another client stored a lone surrogate in a compute's metadata
    (Synnefo keeps it): the compute and every listing still render, in
    every rendering, the odd character as "?"."""
    created = target.check('POST', b'/compute/', [
        ('X-Auth-Token', ALICE.encode()),
        ('Content-Type', b'application/occi+json')], _json(COMPUTE_JSON))
    assert created.status == 201, created.raw
    location = re.search(rb'Location: http://[^/]+(/compute/\d+)',
                         created.raw).group(1).decode()
    server = location.rsplit('/', 1)[1]
    answer = target.cloud.control.call(
        'POST', '/compute/v2.0/servers/%s/metadata' % server,
        {'metadata': {'occi.core.summary': 'odd \ud800 text'}},
        token=ALICE)
    assert answer[0] in (200, 201), answer
    for rendering in ('text/plain', 'text/occi', 'application/occi+json',
                      'text/uri-list', 'text/html'):
        for path in (location, '/compute/', '/'):
            if rendering == 'text/uri-list' and path == location:
                continue   # an entity has no uri-list rendering
            sent = target.check('GET', path.encode(), [
                ('X-Auth-Token', ALICE.encode()),
                ('Accept', rendering.encode())], b'')
            assert sent.status == 200, (rendering, path, sent.raw[:300])
            if path == location and rendering != 'text/html':
                assert b'odd ? text' in sent.raw, (rendering, sent.raw)


def test_report_requests_sent(target):
    """Runs last in the module: the count the CI log shows."""
    assert target.sent > EXAMPLES
    print('fuzz: %d requests sent' % target.sent)


