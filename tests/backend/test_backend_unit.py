"""The backend's shape, without a cloud: contract, no I/O, caches."""
import socket

import pytest
from zope.interface.verify import verifyClass, verifyObject

from occi_pyramid import model
from occi_pyramid.backends.synnefo import SynnefoBackend, TTLCache
from occi_pyramid.backends.synnefo.api import ISynnefoAPI, SynnefoAPI
from occi_pyramid.exceptions import BackendAuthError, BackendUnavailable
from occi_pyramid.interfaces import IBackend, IOCCISession


def test_backend_and_session_provide_the_contract():
    backend = SynnefoBackend('http://127.0.0.1:9/identity/v2.0')
    verifyObject(IBackend, backend)
    verifyObject(IOCCISession, backend.session('t'))
    verifyClass(ISynnefoAPI, SynnefoAPI)
    verifyObject(ISynnefoAPI, backend.api('t'))


def test_the_session_reads_locations_against_the_application_url():
    backend = SynnefoBackend('http://127.0.0.1:9/identity/v2.0')
    ops = backend.session('t', 'http://occi.example:80/occi').ops
    assert (ops.host, ops.script_name) == ('occi.example:80',
                                     '/occi')
    assert ops.categories.by_location('/compute/') is model.COMPUTE


def test_construction_does_no_network_io(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError('network I/O at construction')
    monkeypatch.setattr(socket, 'create_connection', no_network)
    monkeypatch.setattr(socket.socket, 'connect', no_network)
    backend = SynnefoBackend.from_settings({
        'occi.synnefo.auth_url': 'https://cloud.invalid/identity/v2.0',
        'occi.synnefo.timeout': '2.5', 'occi.synnefo.insecure': 'true'})
    assert backend.timeout == 2.5 and backend.insecure is True
    session = backend.session('abc', 'http://occi.example/')
    assert session.token == 'abc' and session.ops.cloud.token == 'abc'


def test_an_empty_token_is_no_token():
    backend = SynnefoBackend('http://127.0.0.1:9/identity/v2.0')
    assert backend.api('tok').token == 'tok'
    assert backend.api('').token is None
    assert backend.api(None).token is None


def test_missing_token_is_401_without_a_call():
    backend = SynnefoBackend('http://127.0.0.1:9/identity/v2.0')
    with pytest.raises(BackendAuthError):
        backend.api(None).list_servers()
    with pytest.raises(BackendAuthError):
        backend.session(None).list(model.COMPUTE)


def test_unreachable_cloud_is_unavailable():
    with socket.socket() as s:           # a port nobody listens on
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    backend = SynnefoBackend('http://127.0.0.1:%d/identity/v2.0' % port,
                             timeout=2)
    with pytest.raises(BackendUnavailable, match='refused'):
        backend.api('tok').list_servers()
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
