"""Fixtures for the simulator suite: one simulator per session over real
HTTP (manual delays, control API on), reset before every test."""
import pytest

from occi_pyramid.simulator.testing import (
    ALICE,
    BOB,
    DEBIAN_IMAGE,
    running_simulator,
)


class Api:
    """Calls as one user; ``api.get(path)`` -> Result."""

    def __init__(self, sim, token):
        self.sim = sim
        self.token = token

    def call(self, method, path, body=None, **kwargs):
        kwargs.setdefault('token', self.token)
        return self.sim.client.call(method, path, json_body=body, **kwargs)

    def get(self, path, **kwargs):
        return self.call('GET', path, **kwargs)

    def post(self, path, body=None, **kwargs):
        return self.call('POST', path, body, **kwargs)

    def put(self, path, body=None, **kwargs):
        return self.call('PUT', path, body, **kwargs)

    def delete(self, path, **kwargs):
        return self.call('DELETE', path, **kwargs)

    # -- shortcuts -----------------------------------------------------------
    def create_server(self, flavor=1, image=DEBIAN_IMAGE, settle=True,
                      **fields):
        body = {'server': dict(name='vm', imageRef=image, flavorRef=flavor,
                               **fields)}
        result = self.post('/compute/v2.0/servers', body)
        assert result.status == 202, result.raw
        if settle:
            self.sim.control.settle()
        return result.json['server']

    def server(self, server_id):
        result = self.get('/compute/v2.0/servers/%s' % server_id)
        assert result.status == 200, result.raw
        return result.json['server']

    def action(self, server_id, body):
        return self.post('/compute/v2.0/servers/%s/action' % server_id, body)

    def create_network(self, cidr='10.0.0.0/24', **subnet):
        result = self.post('/network/v2.0/networks',
                           {'network': {'type': 'MAC_FILTERED'}})
        assert result.status == 201, result.raw
        network = result.json['network']
        if cidr:
            subnet.update(network_id=network['id'], cidr=cidr)
            created = self.post('/network/v2.0/subnets', {'subnet': subnet})
            assert created.status == 201, created.raw
        return network

    def create_volume(self, size=1, volume_type=2, **fields):
        body = {'volume': dict(size=size, display_name='disk',
                               volume_type=volume_type, **fields)}
        result = self.post('/volume/v2.0/volumes', body)
        assert result.status == 202, result.raw
        return result.json['volume']


@pytest.fixture(scope='session')
def _simulator():
    with running_simulator() as sim:
        yield sim


@pytest.fixture
def sim(_simulator):
    """The session simulator, freshly reset (seed reloaded)."""
    _simulator.control.reset()
    return _simulator


@pytest.fixture
def alice(sim):
    return Api(sim, ALICE)


@pytest.fixture
def bob(sim):
    return Api(sim, BOB)


def fault(result, name, code, message=None):
    """Assert ``result`` is a Synnefo fault ``name``; returns the body."""
    assert result.status == code, (result.status, result.raw)
    assert result.headers['content-type'] == \
        'application/json; charset=UTF-8'
    assert list(result.json) == [name], result.json
    body = result.json[name]
    assert body['code'] == code
    if message is not None:
        assert message in body['message'], body
    return body
