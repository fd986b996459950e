"""The security policy in the application (occi_pyramid/security.py):
every OCCI view needs the token, the public ones do not, a denial is a
401 with its challenges in every rendering, and a body is never read
before its token is verified (counted in the simulator's log)."""
import io

import pytest
from webob.exc import WSGIHTTPException
from webtest import TestRequest
from pyramid.interfaces import IExceptionResponse, ISecurityPolicy
from pyramid.request import Request, apply_request_extensions

from occi_pyramid.options import options
from occi_pyramid.security import OCCI, PUBLIC, TokenSecurityPolicy
from occi_pyramid.simulator.testing import ALICE_UUID
from tests.functional.callplan import calls
from tests.functional.conftest import ALICE, OCCI as User
from tests.functional.test_auth import basic, identity_url

MADE_UP = 'made-up-token-0123456789'
BROWSER = 'text/html,application/xhtml+xml,*/*;q=0.8'
KEYSTONE = "Keystone uri='%s'"
IDENTITY = 'POST /identity/v2.0/tokens'


def app_request(cloud, method='GET', token=None, body=b''):
    """A request of the application, as its router makes them."""
    headers = {'X-Auth-Token': token} if token else {}
    request = Request.blank('/compute/', method=method, body=body,
                            headers=headers)
    request.registry = cloud.app.app.registry
    apply_request_extensions(request)
    return request


# -- the policy, against the cloud ---------------------------------------------

def test_the_application_uses_the_token_policy(cloud):
    policy = cloud.app.app.registry.queryUtility(ISecurityPolicy)
    assert isinstance(policy, TokenSecurityPolicy)


def test_every_view_names_its_permission(cloud):
    """OCCI views need ``occi``; the static files, health, metrics and
    OPTIONS are ``public``; nothing is left to the default (but Pyramid's
    own views of an exception as the context, which traversal never
    gives)."""
    introspector = cloud.app.app.registry.introspector
    found = {}
    for entry in introspector.get_category('views'):
        view = entry['introspectable']
        if view['exception_only'] or view['context'] in (
                IExceptionResponse, WSGIHTTPException):
            continue
        permissions = [related['value'] for related in
                       introspector.related(view)
                       if related.category_name == 'permissions']
        public = view['route_name'] is not None or \
            view['callable'] is options
        assert permissions == [PUBLIC if public else OCCI], view.title
        found[public] = True
    assert found == {True: True, False: True}


def test_a_body_requests_token_is_verified_once(cloud):
    policy = TokenSecurityPolicy()
    request = app_request(cloud, 'POST', ALICE)
    made = calls(cloud, lambda: policy.permits(request, None, OCCI))
    assert made == [IDENTITY]
    assert policy.identity(request).user == ALICE_UUID
    assert calls(cloud, lambda: policy.authenticated_userid(
        request)) == []
    assert policy.authenticated_userid(request) == ALICE_UUID


def test_a_token_the_cloud_refuses_is_denied_with_its_words(cloud):
    policy = TokenSecurityPolicy()
    request = app_request(cloud, 'PUT', MADE_UP)
    denied = policy.permits(request, None, OCCI)
    assert not denied and 'token' in denied.msg.lower()
    assert policy.authenticated_userid(request) is None


def test_a_request_without_body_is_not_verified(cloud):
    policy = TokenSecurityPolicy()
    request = app_request(cloud, 'GET', MADE_UP)
    assert calls(cloud, lambda: policy.permits(request, None, OCCI)) == []


# -- 401 with its challenges, in every rendering --------------------------------

DENIED = [
    ('GET', '/compute/', {}),                       # no token
    ('POST', '/compute/', {'X-Auth-Token': MADE_UP}),   # refused token
    ('PUT', '/compute/', {}),                       # no view: a 405
    ('GET', '/compute/42/more', {}),                # no view: a 404
    ('GET', '/-/', basic('alice', MADE_UP)),        # refused Basic password
]


@pytest.mark.parametrize('method, path, headers', DENIED)
@pytest.mark.parametrize('fmt', ['text/plain', 'text/occi',
                                 'application/occi+json'])
def test_occi_clients_get_the_keystone_challenge(cloud, method, path,
                                                 headers, fmt):
    res = cloud.app.request(path, method=method, headers=dict(
        headers, Accept=fmt), body=b'x' if method != 'GET' else b'',
        expect_errors=True)
    assert res.status_int == 401, res.text
    assert res.content_type == fmt
    assert res.headers.getall('WWW-Authenticate') == [
        KEYSTONE % identity_url(cloud)]


@pytest.mark.parametrize('method, path, headers', DENIED)
def test_a_browser_also_gets_the_basic_challenge(cloud, method, path,
                                                 headers):
    res = cloud.app.request(path, method=method, headers=dict(
        headers, Accept=BROWSER), body=b'x' if method != 'GET' else b'',
        expect_errors=True)
    assert res.status_int == 401, res.text
    assert res.content_type == 'text/html'
    keystone, basic_challenge = res.headers.getall('WWW-Authenticate')
    assert keystone == KEYSTONE % identity_url(cloud)
    assert basic_challenge.startswith('Basic realm="')


# -- public views stay public ---------------------------------------------------

@pytest.mark.parametrize('path', ['/-/health', '/-/metrics'])
@pytest.mark.parametrize('token', [None, MADE_UP])
def test_health_and_metrics_need_no_token(cloud, path, token):
    headers = {'X-Auth-Token': token} if token else {}
    assert cloud.app.get(path, headers=headers).status_int == 200


def test_the_stylesheet_needs_no_token(cloud):
    css = User(cloud).get('/-/', fmt=BROWSER).html.find(
        'link', rel='stylesheet')['href']
    made = calls(cloud, lambda: cloud.app.get(css, status=200))
    assert made == []


@pytest.mark.parametrize('path', ['/', '/compute/', '/-/', '/compute/1'])
def test_options_needs_no_token(cloud, path):
    res = cloud.app.options(path)
    assert 'GET' in res.headers['Allow']


# -- the token before the body ---------------------------------------------------

class Untouchable(io.BytesIO):
    """A request body that fails the test when read."""

    def read(self, *args):
        raise AssertionError('the body was read')

    readline = readinto = read


@pytest.mark.parametrize('method, path', [
    ('POST', '/compute/'), ('POST', '/compute/?action=stop'),
    ('PUT', '/compute/1'), ('DELETE', '/-/'), ('POST', '/'),
    ('DELETE', '/compute'),     # a spelling the exact-path rule refuses
    ('PUT', '/compute/'),       # no view: a 405 for a caller with a token
    ('POST', '/-/static/x'),    # a public view
])
def test_a_made_up_token_costs_one_identity_call_and_no_read(cloud, method,
                                                             path):
    def send():
        request = TestRequest.blank(path, method=method, headers={
            'X-Auth-Token': MADE_UP, 'Content-Type': 'application/occi+json',
            'Content-Length': '30'}, environ={'wsgi.input': Untouchable()})
        return cloud.app.do_request(request, status='*',
                                    expect_errors=True)

    answers = []
    made = calls(cloud, lambda: answers.append(send()))
    assert answers[0].status_int == 401, answers[0].text
    assert made == [IDENTITY]


def test_with_a_valid_token_the_same_body_is_read_and_refused(cloud):
    res = cloud.app.post('/compute/', b'{"links": [{}, {}', headers={
        'X-Auth-Token': ALICE, 'Content-Type': 'application/occi+json'},
        status=400)
    assert 'X-OCCI-Error' not in res.headers


def test_no_token_is_refused_before_any_cloud_call(cloud):
    made = calls(cloud, lambda: cloud.app.post(
        '/compute/', b'{"links": [{}, {}', headers={
            'Content-Type': 'application/occi+json'}, status=401))
    assert made == []
