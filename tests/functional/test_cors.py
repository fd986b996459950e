"""CORS for the origins ``occi.cors.origins`` allows (none by default):
a preflight answers which methods and headers may follow, every answer
to such an origin may be read by its page (docs/decisions.md)."""
import pytest

from tests.conftest import make_testapp
from tests.functional.conftest import ALICE

PORTAL = 'https://portal.example.org'


@pytest.fixture(scope='module')
def app(app_settings):
    return make_testapp(dict(app_settings, **{
        'occi.cors.origins': PORTAL + ' https://other.example.org:8443'}))


def test_a_preflight_from_an_allowed_origin(app):
    res = app.options('/compute/', headers={
        'Origin': PORTAL, 'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'x-auth-token, content-type'})
    assert res.status_int == 200 and res.body == b''
    assert res.headers['Access-Control-Allow-Origin'] == PORTAL
    methods = {m.strip() for m in res.headers[
        'Access-Control-Allow-Methods'].split(',')}
    assert methods == {m.strip() for m in res.headers['Allow'].split(',')}
    allowed = res.headers['Access-Control-Allow-Headers'].lower()
    assert 'x-auth-token' in allowed and 'content-type' in allowed
    assert 'Origin' in res.headers['Vary']


def test_answers_and_errors_to_an_allowed_origin_may_be_read(app):
    res = app.get('/compute/', headers={'Origin': PORTAL,
                                        'X-Auth-Token': ALICE})
    assert res.headers['Access-Control-Allow-Origin'] == PORTAL
    assert 'X-OCCI-Location' in res.headers['Access-Control-Expose-Headers']
    assert 'Access-Control-Allow-Methods' not in res.headers
    res = app.get('/compute/', headers={'Origin': PORTAL}, status=401)
    assert res.headers['Access-Control-Allow-Origin'] == PORTAL
    assert 'WWW-Authenticate' in res.headers['Access-Control-Expose-Headers']


def test_another_origin_gets_no_cors_header(app):
    for origin in ('https://evil.example.org', PORTAL + ':444',
                   'http://portal.example.org'):
        res = app.options('/compute/', headers={
            'Origin': origin, 'Access-Control-Request-Method': 'DELETE'})
        assert not [h for h in res.headers
                    if h.startswith('Access-Control-')], origin
