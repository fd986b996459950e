"""The backend's shape, without a cloud: contract, no I/O, caches."""
import socket

import pytest
from zope.interface.verify import verifyClass, verifyObject

from occi_pyramid.backends.synnefo import (
    SynnefoBackend, SynnefoSession, TTLCache,
)
from occi_pyramid.exceptions import BackendAuthError, BackendUnavailable
from occi_pyramid.interfaces import IBackend, IBackendSession


class FakeRequest(object):
    def __init__(self, token):
        self.headers = {'X-Auth-Token': token} if token else {}


def test_backend_and_session_provide_the_contract():
    backend = SynnefoBackend('http://127.0.0.1:9/identity/v2.0')
    verifyObject(IBackend, backend)
    verifyClass(IBackendSession, SynnefoSession)
    verifyObject(IBackendSession, backend.session('t'))


def test_construction_does_no_network_io(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError('network I/O at construction')
    monkeypatch.setattr(socket, 'create_connection', no_network)
    monkeypatch.setattr(socket.socket, 'connect', no_network)
    backend = SynnefoBackend.from_settings({
        'occi.synnefo.auth_url': 'https://cloud.invalid/identity/v2.0',
        'occi.synnefo.timeout': '2.5', 'occi.synnefo.insecure': 'true'})
    assert backend.timeout == 2.5 and backend.insecure is True
    session = backend.session(FakeRequest('abc'))
    assert session.token == 'abc'


def test_session_token_from_request_or_string():
    backend = SynnefoBackend('http://127.0.0.1:9/identity/v2.0')
    assert backend.session(FakeRequest('  tok ')).token == 'tok'
    assert backend.session('tok').token == 'tok'
    assert backend.session(FakeRequest(None)).token is None


def test_missing_token_is_401_without_a_call():
    backend = SynnefoBackend('http://127.0.0.1:9/identity/v2.0')
    with pytest.raises(BackendAuthError):
        backend.session(FakeRequest(None)).list_servers()


def test_unreachable_cloud_is_unavailable():
    with socket.socket() as s:           # a port nobody listens on
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    backend = SynnefoBackend('http://127.0.0.1:%d/identity/v2.0' % port,
                             timeout=2)
    with pytest.raises(BackendUnavailable, match='refused'):
        backend.session('tok').list_servers()
    assert backend.heartbeat() is False


def test_ttl_cache_expires():
    now = [100.0]
    cache = TTLCache(10, clock=lambda: now[0])
    cache.set('u', [1])
    assert cache.get('u') == [1]
    now[0] += 9.9
    assert cache.get('u') == [1]
    now[0] += 0.1
    assert cache.get('u') is None
    assert TTLCache(0).set('u', 1) == 1 and TTLCache(0).get('u') is None
