"""§9.5 checks 7 and 54 through the real kamaki (made to run on Python 3
by occi_pyramid.backends.synnefo.kamaki_py3), over real HTTP."""
import pytest

from occi_pyramid.simulator.testing import (
    ALICE,
    ALICE_UUID,
    DEBIAN_IMAGE,
    running_simulator,
)

kamaki_py3 = pytest.importorskip('occi_pyramid.backends.synnefo.kamaki_py3')


@pytest.fixture(scope='module')
def kamaki():
    kamaki_py3.apply()
    from kamaki.clients import astakos, cyclades

    return astakos, cyclades


@pytest.fixture(scope='module')
def timed():
    """Instant jobs: each call answers the transitional state (BUILD,
    attaching...) and kamaki's next poll sees the outcome.

    NB: kamaki's ``wait`` needs an int ``delay`` (``range(timeout //
    delay)``), so sub-second polling is impossible; instant jobs keep
    these tests from sleeping."""
    with running_simulator(delays='instant') as sim:
        yield sim


def test_07_authenticate_and_endpoints(kamaki, timed):
    astakos, _ = kamaki
    client = astakos.AstakosClient(timed.auth_url, ALICE)
    access = client.authenticate()
    assert access['access']['user']['id'] == ALICE_UUID
    assert client.get_endpoint_url('compute') == timed.url + '/compute/v2.0'
    anonymous = astakos.AstakosClient(timed.auth_url, '')
    assert anonymous.get_endpoint_url('network') == timed.url + '/network'
    quotas = client.get_quotas()
    assert quotas[ALICE_UUID]['cyclades.vm']['limit'] == 10


def _clients(cyclades, sim):
    from kamaki.clients import astakos

    auth = astakos.AstakosClient(sim.auth_url, ALICE)
    return (
        cyclades.CycladesComputeClient(auth.get_endpoint_url('compute'),
                                       ALICE),
        cyclades.CycladesNetworkClient(auth.get_endpoint_url('network'),
                                       ALICE),
        cyclades.CycladesBlockStorageClient(auth.get_endpoint_url('volume'),
                                            ALICE),
    )


def test_54_waiters(kamaki, timed):
    _, cyclades = kamaki
    compute, network, volumes = _clients(cyclades, timed)
    server = compute.create_server('k1', 1, DEBIAN_IMAGE, networks=[])
    assert server['status'] == 'BUILD'
    assert server['metadata']['os'] == 'debian'  # copied by kamaki
    details = compute.wait_server_until(server['id'], 'ACTIVE', delay=1,
                                        max_wait=10)
    assert details['status'] == 'ACTIVE'

    volume = volumes.create_volume(1, 'data', volume_type=2)
    compute.attach_volume(server['id'], volume['id'])
    details = volumes.wait_volume_until(volume['id'], 'in_use', delay=1,
                                        max_wait=10)
    assert details['status'] == 'in_use'

    net = network.create_network('MAC_FILTERED', name='lan')
    network.create_subnet(net['id'], '10.7.0.0/24')
    port = network.create_port(net['id'], device_id=server['id'])
    assert port['status'] == 'BUILD'
    details = network.wait_port_while(port['id'], 'BUILD', delay=1,
                                      max_wait=10)
    assert details['status'] == 'ACTIVE'

    compute.delete_server(server['id'])
    details = compute.wait_server_until(server['id'], 'DELETED', delay=1,
                                        max_wait=10)
    assert details['deleted'] is True


def test_kamaki_sees_faults(kamaki, timed):
    from kamaki.clients import ClientError

    _, cyclades = kamaki
    compute, _, _ = _clients(cyclades, timed)
    with pytest.raises(ClientError) as info:
        compute.get_server_details(424242)
    assert info.value.status == 404
    with pytest.raises(ClientError) as info:
        compute.create_server('k', 6, DEBIAN_IMAGE, networks=[])
    assert info.value.status == 403
