"""Authentication at the edge (the Keystone 401 flow, HTTP Basic), request
ids, the request log line, and tokens kept out of every log record."""
import base64
import json
import logging
import re

import pytest

from tests.functional.conftest import (
    ALICE, BOB, COMPUTE, DEBIAN, OCCI, OS_SCHEME, RES_SCHEME, SMALL, Cloud,
    entity_request,
)

KEYSTONE = re.compile(r"^Keystone uri='(?P<uri>[^']+)'$")


def keystone_uri(res):
    match = KEYSTONE.match(res.headers['WWW-Authenticate'])
    assert match, res.headers['WWW-Authenticate']
    return match.group('uri')


def identity_url(cloud):
    """The identity URL of a test cloud's embedded simulator."""
    return 'http://%s:%d/identity/v2.0' % (cloud.control.host,
                                           cloud.control.port)


def basic(user, password):
    raw = ('%s:%s' % (user, password)).encode('utf-8')
    return {'Authorization': 'Basic ' + base64.b64encode(raw).decode()}


def sha256_prefix(token):
    import hashlib

    return 'sha256:' + hashlib.sha256(token.encode()).hexdigest()[:8]


# -- 401 with WWW-Authenticate: Keystone uri='...' ----------------------------

def test_no_token_is_401_naming_the_clouds_identity_url(cloud):
    res = cloud.app.get('/compute/', status=401)
    assert keystone_uri(res) == identity_url(cloud)
    assert 'X-Auth-Token' in res.text


@pytest.mark.parametrize('path', ['/-/', '/compute/', '/compute/42', '/'])
def test_every_path_needs_a_token(cloud, path):
    res = cloud.app.get(path, status=401)
    assert keystone_uri(res).endswith('/identity/v2.0')


def test_a_token_the_cloud_rejects_is_401_with_the_header(cloud):
    res = OCCI(cloud, 'no-such-token').get('/compute/', status=401)
    assert keystone_uri(res) == identity_url(cloud)


@pytest.mark.parametrize('fmt, check', [
    ('text/plain', lambda res: 'token' in res.text.lower()),
    ('text/occi', lambda res: 'X-OCCI-Error' in res.headers),
    ('application/occi+json',
     lambda res: json.loads(res.text)['code'] == 401),
])
def test_the_401_is_rendered_in_the_negotiated_format(cloud, fmt, check):
    res = cloud.app.get('/compute/', headers={'Accept': fmt}, status=401)
    assert res.content_type == fmt
    assert check(res)
    assert keystone_uri(res)


def test_a_configured_keystone_uri_is_advertised(app_settings):
    uri = 'https://accounts.example.org/identity/v2.0'
    cloud = Cloud(dict(app_settings, **{'occi.keystone_uri': uri}))
    assert keystone_uri(cloud.app.get('/compute/', status=401)) == uri
    res = OCCI(cloud, 'no-such-token').get('/compute/', status=401)
    assert keystone_uri(res) == uri
    # the token still goes to the cloud configured in auth_url
    OCCI(cloud, ALICE).get('/compute/')


# -- HTTP Basic: the token as the password ------------------------------------

def test_basic_with_the_token_as_password_works(alice, cloud):
    path = alice.create_compute()
    res = cloud.app.get(path, headers=basic('anyone', ALICE))
    assert 'occi.core.id' in res.text
    # the user name is not used: the token alone says who is calling
    cloud.app.get(path, headers=basic('', ALICE))


def test_basic_with_a_wrong_password_is_401(cloud):
    res = cloud.app.get('/compute/', headers=basic('alice', 'wrong'),
                        status=401)
    assert keystone_uri(res).endswith('/identity/v2.0')


@pytest.mark.parametrize('authorization', [
    'Basic ' + base64.b64encode(b'alice:').decode(),   # empty password
    'Basic ' + base64.b64encode(b'alice').decode(),    # no colon
    'Basic !!not-base64!!',
    'Bearer ' + ALICE,                                 # not Basic
])
def test_unusable_authorization_is_401(cloud, authorization):
    res = cloud.app.get('/compute/', headers={
        'Authorization': authorization}, status=401)
    assert keystone_uri(res)


def test_x_auth_token_wins_over_basic(alice, bob, cloud):
    path = alice.create_compute()
    headers = dict(basic('bob', BOB), **{'X-Auth-Token': ALICE})
    cloud.app.get(path, headers=headers)
    headers = dict(basic('alice', ALICE), **{'X-Auth-Token': BOB})
    cloud.app.get(path, headers=headers, status=404)


# -- request ids ----------------------------------------------------------------

def test_every_response_carries_a_request_id(cloud):
    ok = OCCI(cloud).get('/-/')
    denied = cloud.app.get('/compute/', status=401)
    ids = {ok.headers['X-Request-Id'], denied.headers['X-Request-Id']}
    assert len(ids) == 2
    assert all(re.match(r'^[0-9a-f]{16}$', i) for i in ids)


@pytest.mark.parametrize('incoming, kept', [
    ('0123456789abcdef0123456789abcdef', True),    # nginx $request_id
    ('f81d4fae-7dec-11d0-a765-00a0c91e6bf6', True),  # a UUID
    ('x' * 65, False),                              # too long
    ('a b', False),                                 # space
    ('<script>', False),
    ('', False),
])
def test_a_sane_incoming_request_id_is_kept(cloud, incoming, kept):
    res = OCCI(cloud).get('/-/', headers={'X-Request-Id': incoming})
    if kept:
        assert res.headers['X-Request-Id'] == incoming
    else:
        assert re.match(r'^[0-9a-f]{16}$', res.headers['X-Request-Id'])


# -- logs: one line per request, never a token --------------------------------

LOGGERS = ['', 'occi_pyramid', 'kamaki', 'kamaki.clients',
           'kamaki.clients.send', 'kamaki.clients.recv', 'astakosclient',
           'objpool']


@pytest.fixture
def debug_logs(caplog):
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.fixture
def kamaki_logs_everything(monkeypatch):
    """kamaki told to log tokens and bodies: our filter must still win."""
    from occi_pyramid.backends.synnefo import clients  # noqa: F401 patched
    import kamaki.clients as kc

    monkeypatch.setattr(kc.Client, 'LOG_TOKEN', True)
    monkeypatch.setattr(kc.Client, 'LOG_DATA', True)


def _all_text(caplog):
    """Every captured record, formatted and raw (message and args)."""
    parts = [caplog.text]
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        parts.append(repr(record.__dict__))
    return '\n'.join(parts)


def test_a_request_logs_one_info_line_with_id_and_token_hash(cloud,
                                                             debug_logs):
    res = OCCI(cloud).get('/compute/?x=1')
    lines = [r for r in debug_logs.records
             if r.name == 'occi_pyramid.request']
    assert len(lines) == 1
    record = lines[0]
    assert record.levelno == logging.INFO
    assert record.request_id == res.headers['X-Request-Id']
    message = record.getMessage()
    assert re.match(
        r'^GET /compute/\?x=1 200 \d+\.\dms token=sha256:[0-9a-f]{8} '
        r'client=\S+$', message), message
    assert sha256_prefix(ALICE) in message


def test_no_token_is_logged_as_a_dash(cloud, debug_logs):
    cloud.app.get('/compute/', status=401)
    [record] = [r for r in debug_logs.records
                if r.name == 'occi_pyramid.request']
    assert ' 401 ' in record.getMessage()
    assert 'token=-' in record.getMessage()


def test_no_token_in_any_log_record(cloud, debug_logs,
                                    kamaki_logs_everything):
    alice = OCCI(cloud, ALICE)
    for fmt in ('text/plain', 'application/occi+json'):
        path = alice.create_compute(fmt)
        alice.get('/compute/', fmt)
        alice.get(path, fmt)
        alice.delete(path)
    cloud.app.get('/compute/', headers=basic('bob', BOB))
    OCCI(cloud, 'rejected-token-1234').get('/compute/', status=401)
    text = _all_text(debug_logs)
    # the libraries did log the calls (at DEBUG), so this is a real check
    names = {r.name for r in debug_logs.records}
    assert {'kamaki.clients.send', 'kamaki.clients.recv'} <= names
    for token in (ALICE, BOB, 'rejected-token-1234'):
        assert token not in text
    # what does appear: short hashes and the request ids
    assert sha256_prefix(ALICE) in text
    assert sha256_prefix(BOB) in text
    request_ids = {r.request_id for r in debug_logs.records
                   if r.name == 'occi_pyramid.request'}
    assert len(request_ids) == 10
    # astakosclient's full SHA-1 of the token is cut to 8 digits
    import hashlib

    assert hashlib.sha1(ALICE.encode()).hexdigest() not in text


def test_the_ini_handler_stamps_request_ids_and_redacts(cloud):
    """The handler class the ini files use (fileConfig has no filters)."""
    import io

    from occi_pyramid.tweens import StreamHandler

    stream = io.StringIO()
    handler = StreamHandler(stream)
    handler.setFormatter(logging.Formatter(
        '[%(request_id)s] %(name)s %(message)s'))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        logging.getLogger('elsewhere').warning('outside a request')
        # a module that (wrongly) logs the token of the running request
        from occi_pyramid import tweens

        info = tweens.RequestInfo('abc123', ALICE)
        reset = tweens.current.set(info)
        try:
            logging.getLogger('careless').warning('token is %s', ALICE)
            logging.getLogger('careless').warning(
                'headers %r', {'X-Auth-Token': 'other-secret-token'})
        finally:
            tweens.current.reset(reset)
        res = OCCI(cloud).get('/-/')
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    output = stream.getvalue()
    assert '[-] elsewhere outside a request' in output
    assert '[abc123] careless token is %s' % sha256_prefix(ALICE) in output
    assert 'other-secret-token' not in output
    assert ALICE not in output
    assert '[%s] occi_pyramid.request GET /-/ 200' % (
        res.headers['X-Request-Id']) in output


# -- body size ------------------------------------------------------------------

def test_a_body_over_max_body_size_is_an_occi_413(alice, app_settings):
    limit = int(app_settings['occi.max_body_size'])
    headers, body = entity_request(
        'text/plain', COMPUTE, [OS_SCHEME + DEBIAN, RES_SCHEME + SMALL],
        {'occi.core.title': 'x' * limit})
    res = alice.app.post('/compute/', body, headers=dict(
        headers, **{'X-Auth-Token': ALICE,
                    'Accept': 'application/occi+json'}), status=413)
    assert res.json['code'] == 413
    assert str(limit) in res.json['message']
    assert alice.get('/compute/').text == ''   # nothing was created
