"""§9.5 checks 35-48: networks, ports, floating IPs and subnets."""
import json
import os

import pytest

from occi_pyramid.simulator.seed import PACKAGED_SEED
from occi_pyramid.simulator.testing import ALICE, running_simulator

from .conftest import Api, fault

NETWORKS = '/network/v2.0/networks'
SUBNETS = '/network/v2.0/subnets'
PORTS = '/network/v2.0/ports'
FLOATING = '/network/v2.0/floatingips'


@pytest.fixture(scope='module')
def bare(tmp_path_factory):
    """A simulator seeded without any network (no public pool)."""
    with open(PACKAGED_SEED) as handle:
        seed = json.load(handle)
    seed['networks'] = []
    path = os.path.join(tmp_path_factory.mktemp('seed'), 'seed.json')
    with open(path, 'w') as handle:
        json.dump(seed, handle)
    with running_simulator(seed_file=path) as sim:
        yield Api(sim, ALICE)


def test_35_fresh_user_without_public_networks(bare):
    assert bare.get(NETWORKS).json == {'networks': []}


def test_35_public_network_visible_to_all(alice, bob):
    for api in (alice, bob):
        networks = api.get(NETWORKS).json['networks']
        assert [n['id'] for n in networks] == ['1']
        assert networks[0]['public'] is True
        assert networks[0]['SNF:floating_ip_pool'] is True
        assert networks[0]['user_id'] is None


def test_36_invalid_creates(alice):
    fault(alice.post(NETWORKS, {}), 'badRequest', 400)
    fault(alice.post(NETWORKS, {'network': {'type': 'foo'}}), 'badRequest',
          400)
    fault(alice.post(NETWORKS, {'network': {'type': 'CUSTOM'}}),
          'forbidden', 403)
    fault(alice.post(NETWORKS, {'network': {'type': 'MAC_FILTERED',
                                            'name': ['a']}}),
          'badRequest', 400)


def test_37_create(alice):
    result = alice.post(NETWORKS, {'network': {'type': 'MAC_FILTERED'}})
    assert result.status == 201
    network = result.json['network']
    assert network['status'] == 'ACTIVE' and network['name'] == ''
    assert isinstance(network['id'], str)
    assert network['public'] is False and network['subnets'] == []


def test_38_fields(alice):
    network = alice.create_network()
    got = alice.get('%s/%s' % (NETWORKS, network['id'])).json['network']
    for key in ('status', 'subnets', 'name', 'admin_state_up', 'tenant_id',
                'id'):
        assert key in got
    assert got['subnets'] and all(isinstance(s, str) for s in got['subnets'])


def test_39_deleted_network_and_delete_rules(alice, sim):
    network = alice.create_network()
    path = '%s/%s' % (NETWORKS, network['id'])
    port = alice.post(PORTS, {'port': {'network_id': network['id']}})
    fault(alice.delete(path), 'conflict', 409, 'There are ports still')
    assert alice.delete('%s/%s' % (PORTS, port.json['port']['id'])).status \
        == 204
    assert alice.delete(path).status == 204
    got = alice.get(path)
    assert got.status == 200
    assert got.json['network']['status'] == 'DELETED'
    assert got.json['network']['deleted'] is True
    fault(alice.put(path, {'network': {'name': 'x'}}), 'badRequest', 400)
    fault(alice.delete(path), 'badRequest', 400)
    fault(alice.delete(NETWORKS + '/1'), 'forbidden', 403)
    fault(alice.put(NETWORKS + '/1', {'network': {'name': 'x'}}), 'forbidden',
          403, 'Cannot rename the public network.')
    fault(alice.get(NETWORKS + '/9999'), 'itemNotFound', 404)
    fault(alice.get(NETWORKS + '/abc'), 'badRequest', 400)


def test_39_delete_with_floating_ip(alice, sim):
    pool = sim.control.create_network(user=ALICE, floating_ip_pool=True,
                                      cidr='192.168.5.0/29')
    result = alice.post(FLOATING, {'floatingip': {
        'floating_network_id': pool}})
    assert result.status == 200
    fault(alice.delete('%s/%s' % (NETWORKS, pool)), 'conflict', 409)


def test_39_rename(alice, bob):
    network = alice.create_network(cidr=None)
    path = '%s/%s' % (NETWORKS, network['id'])
    result = alice.put(path, {'network': {'name': 'lan'}})
    assert result.status == 200 and result.json['network']['name'] == 'lan'
    fault(alice.put(path, {'network': {}}), 'badRequest', 400)
    fault(bob.get(path), 'itemNotFound', 404)


def test_40_ports_list_and_unknown(alice):
    assert alice.get(PORTS).json == {'ports': []}
    fault(alice.get(PORTS + '/4242'), 'itemNotFound', 404)


def test_41_public_network_ports(alice, bob):
    fault(alice.post(PORTS, {'port': {'network_id': '1'}}), 'badRequest', 400,
          'must contain a floating IP')
    ip = bob.post(FLOATING, {'floatingip': {}}).json['floatingip']
    body = {'port': {'network_id': '1', 'fixed_ips': [
        {'ip_address': ip['floating_ip_address']}]}}
    fault(alice.post(PORTS, body), 'itemNotFound', 404,
          'Floating IP does not exist')
    assert bob.post(PORTS, body).status == 201
    fault(bob.post(PORTS, body), 'conflict', 409)


def test_42_private_fixed_ip(alice):
    network = alice.create_network(cidr='10.1.0.0/24')
    body = {'port': {'network_id': network['id'],
                     'fixed_ips': [{'ip_address': '10.1.0.10'}]}}
    result = alice.post(PORTS, body)
    assert result.status == 201
    assert result.json['port']['fixed_ips'][0]['ip_address'] == '10.1.0.10'
    fault(alice.post(PORTS, body), 'conflict', 409)
    body['port']['fixed_ips'] = [{'ip_address': '2001:db8::10'}]
    fault(alice.post(PORTS, body), 'badRequest', 400)
    body['port']['fixed_ips'] = [{'ip_address': '10.9.9.9'}]
    fault(alice.post(PORTS, body), 'badRequest', 400)
    body['port']['fixed_ips'] = ['10.1.0.11']
    fault(alice.post(PORTS, body), 'badRequest', 400)


def test_43_port_without_device(alice):
    network = alice.create_network()
    result = alice.post(PORTS, {'port': {'network_id': network['id']}})
    assert result.status == 201
    port = result.json['port']
    assert port['device_id'] is None and port['status'] == 'DOWN'
    assert isinstance(port['id'], str)
    fault(alice.post(PORTS, {'port': {}}), 'badRequest', 400)
    fault(alice.post(PORTS, {'port': {'network_id': '9999'}}),
          'itemNotFound', 404)


def test_43_port_with_device_connects(alice, sim):
    network = alice.create_network()
    server = alice.create_server()
    result = alice.post(PORTS, {'port': {'network_id': network['id'],
                                         'device_id': str(server['id'])}})
    port = result.json['port']
    assert port['status'] == 'BUILD' and port['device_id'] == \
        str(server['id'])
    assert alice.server(server['id'])['SNF:task_state'] == 'CONNECTING'
    sim.control.settle()
    got = alice.get('%s/%s' % (PORTS, port['id'])).json['port']
    assert got['status'] == 'ACTIVE'
    assert alice.delete('%s/%s' % (PORTS, port['id'])).status == 204
    assert alice.server(server['id'])['SNF:task_state'] == 'DISCONNECTING'
    assert alice.get('%s/%s' % (PORTS, port['id'])).status == 200
    sim.control.settle()
    fault(alice.get('%s/%s' % (PORTS, port['id'])), 'itemNotFound', 404)


def test_44_port_on_inactive_network(alice, sim):
    network = sim.control.create_network(user=ALICE, status='ERROR',
                                         cidr='10.3.0.0/24')
    fault(alice.post(PORTS, {'port': {'network_id': network}}), 'conflict',
          409)


def test_45_floating_ip_create(alice):
    result = alice.post(FLOATING, {'floatingip': {
        'floating_network_id': '1'}})
    assert result.status == 200
    ip = result.json['floatingip']
    assert set(ip) == {'instance_id', 'floating_ip_address',
                       'fixed_ip_address', 'id', 'port_id', 'deleted',
                       'user_id', 'tenant_id', 'shared_to_project',
                       'floating_network_id'}
    assert ip['instance_id'] is None and ip['port_id'] is None
    assert ip['fixed_ip_address'] is None and ip['deleted'] is False
    assert ip['shared_to_project'] is False
    assert isinstance(ip['id'], str) and ip['floating_network_id'] == '1'
    assert ip['floating_ip_address'] == '203.0.113.2'


def test_46_floating_ip_errors(alice, bare, sim):
    fault(bare.post(FLOATING, {'floatingip': {}}), 'conflict', 409)
    network = alice.create_network()
    fault(alice.post(FLOATING, {'floatingip': {
        'floating_network_id': network['id']}}), 'conflict', 409)
    taken = alice.post(FLOATING, {'floatingip': {}}).json['floatingip']
    fault(alice.post(FLOATING, {'floatingip': {
        'floating_network_id': '1',
        'floating_ip_address': taken['floating_ip_address']}}),
        'conflict', 409)
    fault(alice.post(FLOATING, {'floatingip': {
        'floating_network_id': '1', 'floating_ip_address': '10.0.0.1'}}),
        'badRequest', 400)
    pool = sim.control.create_network(user=ALICE, floating_ip_pool=True,
                                      cidr='192.168.9.0/29')
    sim.control.set_quota(ALICE, {'cyclades.floating_ip': 100})
    for _ in range(5):  # a /29 has 6 hosts, one is the gateway
        assert alice.post(FLOATING, {'floatingip': {
            'floating_network_id': pool}}).status == 200
    fault(alice.post(FLOATING, {'floatingip': {
        'floating_network_id': pool}}), 'conflict', 409)


def test_47_release(alice, bob):
    ip = alice.post(FLOATING, {'floatingip': {}}).json['floatingip']
    path = '%s/%s' % (FLOATING, ip['id'])
    fault(alice.put(path, {'floatingip': {}}), 'notImplemented', 501)
    fault(bob.delete(path), 'itemNotFound', 404)
    assert alice.delete(path).status == 204
    fault(alice.get(path), 'itemNotFound', 404)
    assert alice.get(FLOATING).json == {'floatingips': []}


def test_47_attach_detach_release_cycle(alice, sim):
    ip = alice.post(FLOATING, {'floatingip': {}}).json['floatingip']
    server = alice.create_server()
    port = alice.post(PORTS, {'port': {
        'network_id': ip['floating_network_id'],
        'device_id': str(server['id']),
        'fixed_ips': [{'ip_address': ip['floating_ip_address']}]}})
    assert port.status == 201
    sim.control.settle()
    nic, = alice.server(server['id'])['attachments']
    assert nic['ipv4'] == ip['floating_ip_address']
    assert nic['OS-EXT-IPS:type'] == 'floating'
    got = alice.get('%s/%s' % (FLOATING, ip['id'])).json['floatingip']
    assert got['instance_id'] == str(server['id'])
    fault(alice.delete('%s/%s' % (FLOATING, ip['id'])), 'conflict', 409)
    alice.delete('%s/%s' % (PORTS, port.json['port']['id']))
    sim.control.settle()
    assert alice.delete('%s/%s' % (FLOATING, ip['id'])).status == 204


def test_48_subnets(alice):
    network = alice.create_network(cidr='10.2.0.0/24')
    subnet_id = alice.get('%s/%s' % (NETWORKS, network['id'])).json[
        'network']['subnets'][0]
    subnet = alice.get('%s/%s' % (SUBNETS, subnet_id)).json['subnet']
    assert subnet['gateway_ip'] == '10.2.0.1'
    assert subnet['allocation_pools'] == [{'start': '10.2.0.2',
                                           'end': '10.2.0.254'}]
    assert subnet['network_id'] == network['id']
    fault(alice.delete('%s/%s' % (SUBNETS, subnet_id)), 'badRequest', 400)
    fault(alice.post(SUBNETS, {'subnet': {'network_id': network['id'],
                                          'cidr': '10.3.0.0/24'}}),
          'badRequest', 400)
    other = alice.create_network(cidr=None)
    for cidr in ('10.4.0.0/30', '10.0.0.0/16'):
        body = fault(alice.post(SUBNETS, {'subnet': {
            'network_id': other['id'], 'cidr': cidr}}), 'overLimit', 413,
            'Unsupported network size')
        assert body['details'] == 'Netmask must be in range: [22, 29]'
    fault(alice.post(SUBNETS, {'subnet': {'network_id': other['id'],
                                          'cidr': '10.4.0.1/24'}}),
          'badRequest', 400)
    result = alice.put('%s/%s' % (SUBNETS, subnet_id),
                       {'subnet': {'name': 'lan'}})
    assert result.status == 200 and result.json['subnet']['name'] == 'lan'
    fault(alice.put('%s/%s' % (SUBNETS, subnet_id),
                    {'subnet': {'cidr': '10.9.0.0/24'}}), 'badRequest', 400)


def test_server_on_public_network_uses_floating_ip(alice):
    fault(alice.post('/compute/v2.0/servers', {'server': {
        'name': 'x', 'imageRef': 'd3b1a000-0000-4000-8000-000000000001',
        'flavorRef': 1, 'networks': [{'uuid': '1'}]}}), 'conflict', 409)
    ip = alice.post(FLOATING, {'floatingip': {}}).json['floatingip']
    server = alice.create_server(networks=[{'uuid': '1'}])
    nic, = alice.server(server['id'])['attachments']
    assert nic['ipv4'] == ip['floating_ip_address']


def test_network_wrong_method_and_unknown_path(alice):
    result = alice.call('PATCH', NETWORKS)
    fault(result, 'notAllowed', 405)
    assert result.headers['allow'] == 'GET, POST'
    fault(alice.get('/network/v2.0/routers'), 'badRequest', 400,
          'API endpoint not found')


def test_reassign_actions_of_networks_floating_ips_and_volumes(alice):
    """``{"reassign": {"project"}}`` on the network, floating-IP and
    volume action URLs: 400 without a project, else 200 and moved."""
    from occi_pyramid.simulator.testing import ALICE_PROJECT

    network = alice.create_network(cidr=None)
    fip = alice.post(FLOATING, {'floatingip': {
        'floating_network_id': '1'}}).json['floatingip']
    volume = alice.create_volume()
    targets = [
        (NETWORKS + '/%s' % network['id'], 'network'),
        (FLOATING + '/%s' % fip['id'], 'floatingip'),
        ('/volume/v2.0/volumes/%s' % volume['id'], 'volume'),
    ]
    for path, key in targets:
        for body in ({}, {'reassign': {}}, {'reassign': 'x'}):
            fault(alice.post(path + '/action', body), 'badRequest', 400,
                  'Malformed request')
        result = alice.post(path + '/action', {'reassign': {
            'project': ALICE_PROJECT, 'shared_to_project': True}})
        assert result.status == 200, result.raw
        record = alice.get(path).json[key]
        assert record['tenant_id'] == ALICE_PROJECT
        assert record['shared_to_project'] is True
