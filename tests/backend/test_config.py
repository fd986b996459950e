"""Wiring: load_from_config with the embedded simulator, includeme."""
from pyramid import testing
from pyramid.request import Request, apply_request_extensions
from zope.interface.verify import verifyObject

from occi_pyramid.backends import synnefo
from occi_pyramid import model
from occi_pyramid.interfaces import IBackend, IOCCISession
from occi_pyramid.simulator.testing import ALICE, ALICE_UUID

SETTINGS = {
    'occi.synnefo.auth_url': 'embedded',
    'occi.synnefo.timeout': '5',
    'occi.simulator.database_url': 'sqlite://',
    'occi.simulator.delays': 'instant',
}


def test_embedded_simulator_is_shared_and_used():
    # NB: simulators other tests started (once per settings) are not ours
    synnefo._stop_embedded()
    try:
        config = testing.setUp(settings=dict(SETTINGS))
        backend = synnefo.load_from_config(config)
        other = synnefo.load_from_config(
            testing.setUp(settings=dict(SETTINGS)))
        assert backend.auth_url == other.auth_url
        assert backend.auth_url.startswith('http://127.0.0.1:')
        assert len(synnefo._embedded) == 1
        assert backend.timeout == 5.0
        assert backend.api(ALICE).authenticate()['user_id'] == ALICE_UUID
    finally:
        testing.tearDown()
        synnefo._stop_embedded()
    assert not synnefo._embedded


def test_an_embedded_cloud_keeps_its_name_across_restarts(tmp_path):
    # the store keys pending links by the cloud: the embedded simulator
    # listens on a new port at every start, its database file stays
    url = 'sqlite:///%s' % (tmp_path / 'cloud.sqlite')
    names = []
    try:
        for _ in range(2):
            backend = synnefo.load_from_config(testing.setUp(settings=dict(
                SETTINGS, **{'occi.simulator.database_url': url})))
            names.append(backend.cloud_id)
            synnefo._stop_embedded()
    finally:
        testing.tearDown()
        synnefo._stop_embedded()
    assert names == ['embedded:' + url] * 2


def test_a_cloud_is_named_by_its_identity_url():
    backend = synnefo.SynnefoBackend('https://accounts.example.org/'
                                     'identity/v2.0/')
    assert backend.cloud_id == ('https://accounts.example.org/'
                                'identity/v2.0')


def test_includeme_registers_backend_and_request_method():
    try:
        config = testing.setUp(settings=dict(SETTINGS))
        config.include('occi_pyramid.categories')
        config.include('occi_pyramid.negotiation')
        config.include('occi_pyramid.backends')
        config.commit()
        backend = config.registry.getUtility(IBackend)
        assert isinstance(backend, synnefo.SynnefoBackend)
        request = Request.blank('/', headers={'X-Auth-Token': ALICE})
        request.registry = config.registry
        apply_request_extensions(request)
        session = request.occi
        assert session is request.occi              # reified
        assert verifyObject(IOCCISession, session.inner)
        assert session.inner.token == ALICE
        assert isinstance(session.locations(model.COMPUTE), list)
    finally:
        testing.tearDown()
        synnefo._stop_embedded()


def test_requests_are_of_one_class_with_the_request_methods(app_settings):
    """The router's requests share one class carrying every
    add_request_method property (not a class made per request), and the
    registry still holds them for apply_request_extensions."""
    from pyramid.interfaces import IRequestExtensions

    from occi_pyramid import main

    router = main({}, **app_settings)
    assert router.request_extensions is None
    environ = Request.blank('/compute/', headers={
        'X-Auth-Token': ALICE, 'Accept': 'text/uri-list'}).environ
    requests = []
    for _ in range(2):
        context = router.request_context(dict(environ))
        requests.append(context.begin())
        context.end()
    first, second = requests
    assert type(first) is type(second) is router.request_factory
    assert issubclass(router.request_factory, Request)
    assert first.auth_token == ALICE
    assert 'auth_token' in first.__dict__  # reified
    names = set(router.registry.getUtility(IRequestExtensions).descriptors)
    assert {'occi', 'categories', 'occi_format', 'auth_token'} <= names
    assert names <= set(vars(router.request_factory))
