"""The Synnefo session's shared reads (its operations): listings cached per
request and fetched in parallel, each call in its own backend session."""
import threading

from occi_pyramid import model


class RecordingBackend:
    """Sessions whose list calls record the session and thread they ran
    on (kamaki clients must never be shared between threads)."""

    def __init__(self, parallel=8):
        self.calls = []
        self.lock = threading.Lock()
        self.settings = {'occi.synnefo.parallel_calls': parallel}

    def api(self, token):
        self.sessions = getattr(self, 'sessions', 0) + 1
        return RecordingSession(self, token, self.sessions)


class RecordingSession:
    def __init__(self, backend, token, serial):
        self.backend = backend
        self.token = token
        self.serial = serial

    def __getattr__(self, name):
        if not name.startswith('list_'):
            raise AttributeError(name)

        def call():
            with self.backend.lock:
                self.backend.calls.append(
                    (name, self.serial, threading.current_thread().name,
                     self.token))
            return [name]
        return call


def make_occi(parallel=8):
    from occi_pyramid.backends.synnefo.occi import SynnefoOCCI

    backend = RecordingBackend(parallel)
    return SynnefoOCCI(backend, 'tok').ops, backend


def test_prefetch_lists_in_parallel_sessions_with_the_token():
    occi, backend = make_occi()
    occi.prefetch(['servers', 'ports', 'volumes', 'ports'])
    names = sorted(call[0] for call in backend.calls)
    assert names == ['list_ports', 'list_servers', 'list_volumes']
    assert len({call[1] for call in backend.calls}) == 3  # one session each
    assert all(call[2].startswith('occi-cloud') for call in backend.calls)
    assert {call[3] for call in backend.calls} == {'tok'}
    # cached for the request: nothing is listed twice
    assert occi.listing('ports') == ['list_ports']
    occi.prefetch(['servers', 'volumes'])
    assert len(backend.calls) == 3


def test_one_missing_listing_is_fetched_in_the_request_thread():
    occi, backend = make_occi()
    occi.prefetch(['servers'])
    assert backend.calls[0][2] == threading.current_thread().name


def test_parallel_calls_can_be_switched_off():
    occi, backend = make_occi(parallel=1)
    occi.prefetch(['servers', 'ports'])
    assert {call[2] for call in backend.calls} == {
        threading.current_thread().name}


def test_calls_run_beside_the_listings_and_return_their_results():
    occi, backend = make_occi()
    result = occi.prefetch(['servers'], first=lambda session: (
        session.list_ports(), threading.current_thread().name))
    assert result['first'][0] == ['list_ports']
    assert result['first'][1].startswith('occi-cloud')
    assert occi.listing('servers') == ['list_servers']


def test_an_error_in_a_parallel_call_reaches_the_caller():
    import pytest

    from occi_pyramid.exceptions import OCCINotFound

    def missing(session):
        raise OCCINotFound('no such compute')

    occi, backend = make_occi()
    with pytest.raises(OCCINotFound):
        occi.prefetch(['servers'], record=missing)


def test_a_collection_prefetches_what_its_handlers_read():
    occi, backend = make_occi()
    occi.prefetch(name for kind in occi.concrete_kinds(model.RESOURCE)
                  for name in occi.handler(kind).needs)
    # computes render their links from the server records: no port
    # listing; ipreservations are the floating IPs
    assert sorted(call[0] for call in backend.calls) == [
        'list_flavors', 'list_floatingips', 'list_images', 'list_networks',
        'list_servers', 'list_subnets', 'list_volumes']
