"""The compatibility layer and the error mapping, without a cloud."""
import pathlib
import re
import subprocess
import sys

import pytest

from occi_pyramid.backends.synnefo import errors, kamaki_py3
from occi_pyramid import exceptions as exc

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / 'occi_pyramid'


def test_only_clients_module_imports_kamaki():
    pattern = re.compile(r'^\s*(from\s+kamaki[\s.]|import\s+kamaki\b)', re.M)
    importers = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob('*.py')
        if pattern.search(path.read_text(encoding='utf-8')))
    assert importers == ['backends/synnefo/clients.py']
    # nor dynamically; kamaki_py3 loads the packages it patches from a
    # list of names (during apply(), before clients.py's imports)
    dynamic = re.compile(r"""(import_module|__import__)\(\s*['"]kamaki""")
    assert not [path for path in PACKAGE.rglob('*.py')
                if dynamic.search(path.read_text(encoding='utf-8'))]
    assert "'kamaki.clients'," in (
        PACKAGE / 'backends/synnefo/kamaki_py3.py').read_text()


def test_refuses_other_versions(monkeypatch):
    versions = {'kamaki': '0.17', 'astakosclient': '0.19', 'objpool': '0.4'}
    monkeypatch.setattr(kamaki_py3, '_installed_version', versions.get)
    with pytest.raises(kamaki_py3.KamakiCompatError) as info:
        kamaki_py3.check_versions()
    assert 'kamaki==0.16 (found 0.17)' in str(info.value)


def test_refuses_missing_package(monkeypatch):
    versions = {'kamaki': '0.16', 'astakosclient': '0.19'}
    monkeypatch.setattr(kamaki_py3, '_installed_version', versions.get)
    with pytest.raises(kamaki_py3.KamakiCompatError, match='objpool'):
        kamaki_py3.check_versions()


def test_apply_refuses_wrong_version_in_fresh_process():
    code = (
        'from occi_pyramid.backends.synnefo import kamaki_py3 as k\n'
        'k._installed_version = lambda d: "9.9"\n'
        'try:\n'
        '    k.apply()\n'
        'except k.KamakiCompatError as e:\n'
        '    print("refused", "kamaki.clients" in __import__("sys").modules)\n'
    )
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, cwd=str(PACKAGE.parent), timeout=60)
    assert out.stdout.strip() == 'refused False', out.stderr


def test_apply_is_idempotent_and_leaves_no_python2_names():
    kamaki_py3.apply()
    kamaki_py3.apply()
    assert kamaki_py3.applied()
    for name in ('urllib2', 'httplib', 'urlparse'):
        assert name not in sys.modules
    import urllib
    assert not hasattr(urllib, 'urlencode')     # the real one, untouched


def test_patches_touch_only_the_three_packages():
    import http.client
    import ssl
    kamaki_py3.apply()
    assert http.client.HTTPConnection.__module__ == 'http.client'
    assert 'kamaki' not in repr(http.client.HTTPSConnection.connect)
    assert ssl.SSLContext.wrap_socket.__module__ == 'ssl'


def test_path4url_and_escape():
    from occi_pyramid.backends.synnefo import clients  # noqa: F401
    import kamaki.clients.utils as utils   # noqa: the test may look inside
    assert utils.path4url('servers', 'Ελ', 3) == '/servers/Ελ/3'
    assert utils.path4url(b'a', '', 'b/') == '/a/b'
    assert utils.escape_ctrl_chars('a\x01b') == 'a\\x01b'
    assert utils.escape_ctrl_chars(b'a\x01') == 'a\\x01'


# -- error mapping ------------------------------------------------------------

@pytest.mark.parametrize('status,cls,code', [
    (400, exc.BackendBadRequest, 400),
    (401, exc.BackendAuthError, 401),
    (403, exc.BackendForbidden, 403),
    (404, exc.BackendNotFound, 404),
    (405, exc.BackendBadRequest, 405),
    (409, exc.BackendConflict, 409),
    (413, exc.BackendOverLimit, 413),
    (415, exc.BackendBadRequest, 415),
    (500, exc.BackendError, 502),
    (501, exc.BackendNotImplemented, 501),
    (503, exc.BackendUnavailable, 503),
    (504, exc.BackendUnavailable, 504),
    (0, exc.BackendUnavailable, 503),
])
def test_error_for_status(status, cls, code):
    error = errors.error_for(status, 'Reason fault (Text.)')
    assert type(error) is cls
    assert error.code == code


def test_error_keeps_synnefo_text_and_quota_details():
    error = errors.error_for(
        413, 'Request Entity Too Large overLimit (Resource Limit Exceeded '
        'for your account.)',
        ["Limit for resource 'Virtual Machine' exceeded for your account. "
         "Available: 0, Requested: 1"])
    assert isinstance(error, exc.BackendOverLimit)
    assert error.message.startswith('Resource Limit Exceeded')
    assert "Limit for resource 'Virtual Machine' exceeded" in error.message
    # an exhausted quota is 403 (docs/decisions.md), other 413s stay
    assert type(error) is exc.BackendQuotaExceeded and error.code == 403


def test_error_from_astakos_body_and_cyclades_fault():
    error = errors.error_for(
        401, 'Unauthorized',
        '{"unauthorized": {"code": 401, "message": "Invalid token", '
        '"details": ""}}')
    assert error.message == 'Invalid token'
    inner = '{"unauthorized": {"code": 401, "message": "Invalid token"}}'
    error = errors.error_for(401, 'UNAUTHORIZED fault (UNAUTHORIZED)', [inner])
    assert error.message == 'Invalid token'


def test_translated_raises_backend_errors_from_the_cloud_error():
    timeout = TimeoutError('timed out')
    with pytest.raises(exc.BackendUnavailable) as raised:
        with errors.translated():
            raise timeout
    assert raised.value.__cause__ is timeout
    assert raised.value.timed_out
    already = exc.BackendNotFound('gone')
    with pytest.raises(exc.BackendNotFound) as raised:
        with errors.translated():
            raise already
    assert raised.value is already
    with pytest.raises(KeyboardInterrupt):
        with errors.translated():
            raise KeyboardInterrupt()
    with errors.translated():
        pass


def test_translate_ignores_our_own_bugs():
    assert errors.translate(KeyError('x')) is None
    with pytest.raises(KeyError):
        with errors.translated():
            raise KeyError('x')


# -- the transport's header parser --------------------------------------------

def _view(message):
    """What a parsed header block holds, comparable across two parses:
    every read http.client and kamaki make of it, for every name in it
    (in any case) and one that is not."""
    import http.client

    payload = message.get_payload()
    if isinstance(payload, list):
        payload = [_view(part) for part in payload]
    names = [name for key in message.keys()
             for name in (key, key.upper(), key.lower())] + ['absent']
    reads = [(message.get(name), message.get(name, 'failobj'),
              message[name], message.get_all(name),
              message.get_all(name, 'failobj'), name in message)
             for name in names]
    return (isinstance(message, http.client.HTTPMessage),
            message.items(), message.values(),
            message.keys(), reads, payload,
            [type(d) for d in message.defects], message.get_unixfrom(),
            message.get_content_type())


def _both(data):
    import http.client
    import io

    ours, theirs = io.BytesIO(data), io.BytesIO(data)
    mine = kamaki_py3.parse_headers(ours)
    reference = http.client.parse_headers(theirs)
    assert ours.tell() == theirs.tell()  # the body is left where it was
    return _view(mine), _view(reference)


@pytest.mark.parametrize('data', [
    b'Content-Type: application/json\r\nContent-Length: 12\r\n\r\n{}',
    b'\r\n', b'', b'A:b\n\n', b'A:  \t b  \r\nB: c\r\n\r\n',
    b'A: b\r\nA: c\r\n\r\n', b'A: b', b'A: b\r\n',
    # what the email parser does its own way: folded, non-ASCII, bare CR,
    # vertical tab, no name, a mbox From line, a line without a colon,
    # bodies it reads (multipart, message/*)
    b'X: 1\r\n folded\r\n\r\n', b'A: \x85x\r\n\r\n', b'A: \xe9\r\n\r\n',
    b'A: b\rc\r\n\r\n', b'A: b\x0bc\r\n\r\n', b':x\r\n\r\n',
    b'From me\r\n\r\n', b'Bad line\r\nA: b\r\n\r\n',
    b'Content-Type: multipart/mixed; boundary=x\r\n\r\n',
    b'content-type: message/rfc822\r\n\r\n',
])
def test_header_parser_gives_what_http_client_gives(data):
    mine, reference = _both(data)
    assert mine == reference


def test_header_parser_agrees_on_random_header_blocks():
    import random

    pieces = [b'A', b'b', b':', b' ', b'\t', b'\r', b'\n', b'\r\n', b'-',
              b'\x85', b'\x0c', b'x', b'Content-Type: ', b'multipart/',
              b'text/', b'message/']
    rnd = random.Random(20261129)
    for _ in range(3000):
        lines = [b''.join(rnd.choice(pieces)
                          for _ in range(rnd.randint(0, 8)))
                 + rnd.choice([b'\r\n', b'\n'])
                 for _ in range(rnd.randint(0, 4))]
        data = b''.join(lines) + rnd.choice([b'\r\n', b'\n', b'', b'\r\nx'])
        mine, reference = _both(data)
        assert mine == reference, data


def test_transport_connections_use_the_header_parser():
    transport = kamaki_py3.Transport(timeout=5)
    pool = transport.pool('http', '127.0.0.1:9')
    connection = pool._pool_create()
    assert connection.response_class is kamaki_py3.Response
    assert kamaki_py3.Response.begin.__code__ is (
        __import__('http.client').client.HTTPResponse.begin.__code__)


# -- the transport's request path ---------------------------------------------

def test_pool_slots_lend_size_tokens_then_refuse_without_blocking():
    slots = kamaki_py3._Slots(2)
    assert slots._value == 2
    assert slots.acquire() and slots.acquire(blocking=False)
    assert slots._value == 0
    assert not slots.acquire(blocking=False)
    assert not slots.acquire(timeout=0.001)
    slots.release()
    assert slots._value == 1 and slots.acquire()


@pytest.mark.parametrize('url,path,params', [
    ('http://h:8/compute/v2.0', '/servers/42', {}),
    ('http://h:8/compute/v2.0/', 'servers/Ελ ?#;x', {}),
    ('https://h/image/v1.0', '/images/', {'a b': 'c&d', 'e': None,
                                          'f': False, 'g': 0}),
    ('', '', {'x': 'y'}),
    ('http://h/v2.0', '/s', {'list': ['not', 'hashable']}),
])
def test_connection_info_remembered_gives_what_it_computes(url, path,
                                                           params):
    from occi_pyramid.backends.synnefo import clients  # noqa: F401
    import kamaki.clients as kc   # noqa: the test looks inside

    def parts():
        request = object.__new__(kc.RequestManager)
        scheme, netloc = request._connection_info(url, path, params)
        return request.url, request.path, scheme, netloc

    computed = kamaki_py3.url_parts(url, path, params)
    assert parts() == computed
    assert parts() == computed      # remembered (when it can be) or not


def test_url_parts_quote_the_path_and_query_values_once():
    assert kamaki_py3.url_parts(
        'http://h:8/compute/v2.0', '/servers/Ελ ?', {'a': 'b c', 'd': None}
    ) == ('http://h:8/compute/v2.0/servers/%CE%95%CE%BB%20%3F?a=b%20c&d',
          '/compute/v2.0/servers/%CE%95%CE%BB%20%3F?a=b%20c&d',
          'http', 'h:8')


def _sent(request, host, port, cls):
    """The bytes ``request(conn)`` writes on a connection to host:port."""
    import socket

    conn = cls(host, port)
    conn.sock, peer = socket.socketpair()
    try:
        request(conn)
        conn.sock.shutdown(socket.SHUT_WR)
        return b''.join(iter(lambda: peer.recv(65536), b'')), (
            conn._HTTPConnection__state, conn._method)
    finally:
        conn.close()
        peer.close()


@pytest.mark.parametrize('method,url,headers,body', [
    ('GET', '/a/b?c=d', {'X-Auth-Token': 'tok'}, None),
    ('POST', '/s', {'X-Auth-Token': 't', 'Content-Type': 'application/json',
                    'Content-Length': '2'}, '{}'),
    ('POST', '/s', {'X': b'\xce\x95'}, None),
    ('PUT', '/s', {}, b'abc'),
    ('DELETE', '/s', {'A': 'b\xe9'}, ''),
    ('HEAD', '/', {}, None),
])
@pytest.mark.parametrize('host,port', [
    ('h', None), ('h', 8080), ('h', 80), ('::1', 80), ('::1', 81)])
@pytest.mark.parametrize('https', [False, True])
def test_send_request_sends_what_http_client_sends(method, url, headers,
                                                   body, host, port, https):
    import http.client

    cls = http.client.HTTPSConnection if https else http.client.HTTPConnection

    def theirs(conn):
        conn.request(method, url, body, headers)

    def ours(conn):
        assert kamaki_py3.send_request(conn, method, url, headers, body)

    assert _sent(ours, host, port, cls) == _sent(theirs, host, port, cls)


@pytest.mark.parametrize('method,url,headers,body', [
    ('GET', 'http://h/a', {}, None),         # an absolute URL
    ('GET', '/a b', {}, None),               # http.client refuses it
    ('GET', '/Ελ', {}, None),
    ('GET', '/', {'Host': 'x'}, None),       # http.client adds none
    ('GET', '/', {'Accept-Encoding': 'gzip'}, None),
    ('POST', '/', {'Transfer-Encoding': 'chunked'}, [b'a']),
    ('POST', '/', {}, [b'an iterable body']),
    ('POST', '/', {}, 'Ελ'),                  # not latin-1
    ('GET', '/', {'A': 1}, None),
    ('GET', '/', {'A': 'Ελ'}, None),
    ('GET', '/', {'A:b': 'c'}, None),
    ('GET', '/', {'A': 'b\r\nc'}, None),
    ('PROPFIND', '/', {}, None),
])
def test_send_request_leaves_the_rest_to_http_client(method, url, headers,
                                                     body):
    import http.client

    conn = http.client.HTTPConnection('h')
    assert not kamaki_py3.send_request(conn, method, url, headers, body)
    assert conn._HTTPConnection__state == http.client._CS_IDLE
    assert conn.sock is None


@pytest.mark.parametrize('line', [
    b'HTTP/1.1 200 OK\r\n', b'HTTP/1.0 404 Not Found\n', b'HTTP/1.1 204\r\n',
    b'HTTP/1.1 200 \r\n', b'HTTP/1.1 200  two  spaces \r\n',
    b'HTTP/1.1 100 Continue\r\n', b'HTTP/1.1 999 x\r\n',
    b'HTTP/1.1 099 x\r\n', b'HTTP/1.1\t200\tOK\r\n', b'HTTP/1.1 20 x\r\n',
    b'HTTP/1.10 200 OK\r\n', b'HTTP/2 200 OK\r\n', b'HTTP/1.1 +200 x\r\n',
    b'HTTP/1.1 200 caf\xe9\r\n', b'HTTP/1.1 200 a\x85\r\n', b'ICY 200 OK\r\n',
    b'HTTP/1.1', b'', b'HTTP/1.1 200 OK', b'x' * 70000 + b'\r\n',
])
@pytest.mark.parametrize('buffered', [True, False])
def test_status_line_read_as_http_client_reads_it(line, buffered):
    """From a buffered reader (a response's) the usual line is taken from
    what it holds; from anything else, or any other line, as
    http.client reads it."""
    import http.client
    import io

    def read(cls):
        response = cls.__new__(cls)
        fp = io.BytesIO(line)
        response.fp = io.BufferedReader(fp) if buffered else fp
        response.debuglevel = 0
        response._close_conn = lambda: None
        try:
            version, status, reason = response._read_status()
        except Exception as error:
            return type(error), str(error)
        # begin keeps the reason without the blanks around it
        return version, status, reason.strip(), response.fp.tell()

    assert read(kamaki_py3.Response) == read(http.client.HTTPResponse)


def test_header_parser_reads_a_buffered_block_as_http_client_does():
    """From a buffered reader (a response's), a plain block is taken
    at once: the same message, the body left where it was."""
    import http.client
    import io

    plain = b'Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}'
    many = b''.join(b'A%d: b\r\n' % i for i in range(99)) + b'\r\n'
    for data in [plain, b'\r\n', b'A: b\n\r\n\r\n', b'A: b\r\nB: c\n\n',
                 many, b'X: 1\r\n' + many, b'A: ' + b'x' * 70000 + b'\r\n\r\n',
                 b'A: b\r\n\r\nC: d\r\n\r\n', b'Bad line\r\nA: b\r\n\r\n']:
        def parse(parser):
            fp = io.BufferedReader(io.BytesIO(data), 1 << 17)
            try:
                message = parser(fp)
            except Exception as error:
                return type(error), str(error)
            return _view(message), fp.read()
        assert parse(kamaki_py3.parse_headers) == parse(
            http.client.parse_headers), data[:40]


def test_plain_message_reads_follow_changes_to_it():
    import io

    message = kamaki_py3.parse_headers(
        io.BytesIO(b'A: 1\r\nB: 2\r\nb: 3\r\n\r\n'))
    assert type(message) is kamaki_py3._PlainMessage
    assert message.get('a') == '1' and message.get('C') is None
    assert message.get('B') == '2' and message.plain_view()[3]['b'] == '3'
    message['c'] = '3'
    assert message.plain_view() is None
    message.replace_header('A', '4')
    assert (message.get('C'), message.get('a')) == ('3', '4')
    del message['a']
    message.set_raw('B', '5')
    assert (message.get('A', 'x'), message.get('b')) == ('x', '2')
    assert message.get_all('b') == ['2', '3', '5']
    again = kamaki_py3.parse_headers(io.BytesIO(b'A: 1\r\n\r\n'))
    again.replace_header('a', '2')
    assert again.plain_view() is None and again.get('A') == '2'
