"""The security policy alone (occi_pyramid/security.py): who the caller
is and what it is granted, before any cloud call; the verification of a
body request's token against the cloud is in
tests/functional/test_security.py."""
import pytest
from pyramid.interfaces import ISecurityPolicy
from pyramid.request import Request
from zope.interface.verify import verifyObject

from occi_pyramid.security import (
    NO_TOKEN, OCCI, PUBLIC, TokenSecurityPolicy, Unauthenticated,
)


class NoSession:
    """Stands where ``request.occi`` is: any use of the cloud fails the
    test (none of these answers may need it)."""

    def __getattr__(self, name):
        raise AssertionError('the cloud was asked: %s' % name)


def request(method='GET', token=None, body=b''):
    request = Request.blank('/compute/', method=method, body=body)
    request.auth_token = token
    request.occi = NoSession()
    return request


@pytest.fixture
def policy():
    return TokenSecurityPolicy()


def test_it_is_a_pyramid_security_policy(policy):
    assert verifyObject(ISecurityPolicy, policy)


def test_the_identity_is_the_token_not_yet_verified(policy):
    caller = policy.identity(request(token='t0ken-abc'))
    assert caller.token == 't0ken-abc'
    assert caller.user is None
    assert 't0ken-abc' not in repr(caller)


def test_no_token_no_identity(policy):
    assert policy.identity(request()) is None
    assert policy.authenticated_userid(request()) is None


def test_one_identity_per_request(policy):
    one = request(token='t0ken-abc')
    assert policy.identity(one) is policy.identity(one)
    assert policy.identity(one) is not policy.identity(
        request(token='t0ken-abc'))


@pytest.mark.parametrize('method', ['GET', 'HEAD', 'OPTIONS'])
def test_a_token_is_enough_for_a_request_without_body(policy, method):
    # NB: its first cloud call is where the cloud judges the token
    assert policy.permits(request(method, 't0ken-abc'), None, OCCI)


@pytest.mark.parametrize('method', ['GET', 'HEAD', 'OPTIONS'])
def test_no_token_is_refused_the_occi_views(policy, method):
    denied = policy.permits(request(method), None, OCCI)
    assert isinstance(denied, Unauthenticated) and not denied
    assert denied.msg == NO_TOKEN


@pytest.mark.parametrize('method', ['GET', 'HEAD', 'OPTIONS'])
def test_public_views_need_no_token(policy, method):
    assert policy.permits(request(method), None, PUBLIC)


@pytest.mark.parametrize('permission', [OCCI, PUBLIC])
@pytest.mark.parametrize('method, body', [
    ('POST', b''), ('PUT', b'x'), ('DELETE', b''), ('PATCH', b'x'),
    ('GET', b'a body'), ('OPTIONS', b'a body')])
def test_a_body_without_token_is_refused_before_the_cloud(policy, method,
                                                          body, permission):
    denied = policy.permits(request(method, body=body), None, permission)
    assert isinstance(denied, Unauthenticated)
    assert denied.msg == NO_TOKEN


def test_nothing_to_remember_or_forget(policy):
    assert policy.remember(request(token='t0ken-abc'), 'someone') == []
    assert policy.forget(request(token='t0ken-abc')) == []
