"""Fixtures: one simulator per test module, a fresh backend per test, and
the simulator's request log as the record of what went on the wire."""
import pytest

from occi_pyramid.backends.synnefo import SynnefoBackend
from occi_pyramid.simulator.testing import running_simulator


@pytest.fixture(scope='module')
def sim():
    with running_simulator(delays='manual') as running:
        yield running


@pytest.fixture
def control(sim):
    sim.control.reset()
    sim.control.clear_requests()
    return sim.control


@pytest.fixture
def backend(sim, control):
    backend = SynnefoBackend(sim.auth_url, timeout=5, cache_ttl=60)
    yield backend
    backend.close()


class Wire(object):
    """Reads what kamaki put on the wire, from the simulator's log."""

    def __init__(self, control):
        self.control = control

    def take(self):
        """The requests since the last take, as comparable tuples:
        ``(method, path, query, json body, token)``."""
        log = self.control.requests()
        self.control.clear_requests()
        return [(r['method'], r['path'], r['query'], r['json'], r['token'])
                for r in log]

    def raw(self):
        log = self.control.requests()
        self.control.clear_requests()
        return log


@pytest.fixture
def wire(control):
    return Wire(control)
