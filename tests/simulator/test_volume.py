"""§9.5 checks 49-53: volumes, volume types, quotas."""
from .conftest import fault

VOLUMES = '/volume/v2.0/volumes'


def test_49_invalid_creates(alice):
    def create(**fields):
        return alice.post(VOLUMES, {'volume': fields})

    fault(create(size=1, volume_type=2), 'badRequest', 400)
    fault(create(display_name='d', volume_type=2), 'badRequest', 400)
    fault(create(display_name='d', size=-2, volume_type=2), 'badRequest', 400)
    fault(create(display_name='d', size=1, volume_type=434132421243),
          'badRequest', 400)
    fault(create(display_name='d', size=1, volume_type='foo'), 'badRequest',
          400)
    fault(create(display_name='d', size=1, volume_type=1), 'badRequest', 400,
          "Volume type 'drbd' is not detachable")
    fault(create(display_name='d', size=1), 'badRequest', 400)
    fault(create(display_name='d', size=201, volume_type=2), 'badRequest',
          400, 'Maximum volume size is 200GB')
    fault(create(display_name='d', size=1, volume_type=2,
                 source_volid='1'), 'badRequest', 400)


def test_50_standalone_create(alice):
    result = alice.post(VOLUMES, {'volume': {
        'display_name': 'data', 'size': '2', 'volume_type': '2'}})
    assert result.status == 202
    short = result.json['volume']
    assert set(short) == {'id', 'display_name', 'links'}
    assert isinstance(short['id'], str)
    volume = alice.get('%s/%s' % (VOLUMES, short['id'])).json['volume']
    assert volume['status'] == 'available' and volume['attachments'] == []
    assert volume['size'] == 2 and volume['volume_type'] == 2
    listed = alice.get(VOLUMES).json['volumes']
    assert [v['id'] for v in listed] == [short['id']]
    assert all(set(v) == {'id', 'display_name', 'links'} for v in listed)


def test_50_create_with_server(alice, sim):
    server = alice.create_server()
    result = alice.post(VOLUMES, {'volume': {
        'display_name': 'extra', 'size': 1, 'server_id': server['id']}})
    assert result.status == 202
    vid = result.json['volume']['id']
    volume = alice.get('%s/%s' % (VOLUMES, vid)).json['volume']
    assert volume['status'] == 'creating'
    sim.control.settle()
    volume = alice.get('%s/%s' % (VOLUMES, vid)).json['volume']
    assert volume['status'] == 'in_use'
    assert volume['attachments'][0]['server_id'] == server['id']
    assert volume['volume_type'] == 2


def test_51_update_and_delete(alice, bob, sim):
    vid = alice.create_volume()['id']
    path = '%s/%s' % (VOLUMES, vid)
    result = alice.put(path, {'volume': {'display_name': 'n2',
                                         'display_description': 'd2'}})
    assert result.status == 200
    assert result.json['volume']['display_name'] == 'n2'
    assert result.json['volume']['display_description'] == 'd2'
    fault(alice.put(path, {'volume': {'metadata': {'a': 'b'}}}),
          'badRequest', 400, 'Nothing to update.')
    fault(bob.get(path), 'itemNotFound', 404)
    result = alice.delete(path)
    assert result.status == 202 and result.raw == b''
    volume = alice.get(path).json['volume']
    assert volume['status'] == 'deleted' and volume['deleted'] is True
    assert alice.get(VOLUMES).json == {'volumes': []}


def test_51_delete_detached_volume_is_async(alice, sim):
    server = alice.create_server()
    vid = alice.create_volume()['id']
    attachments = '/compute/v2.0/servers/%d/os-volume_attachments' % \
        server['id']
    alice.post(attachments, {'volumeAttachment': {'volumeId': vid}})
    sim.control.settle()
    alice.delete('%s/%s' % (attachments, vid))
    sim.control.settle()
    assert alice.delete('%s/%s' % (VOLUMES, vid)).status == 202
    assert alice.get('%s/%s' % (VOLUMES, vid)).json['volume']['status'] == \
        'deleting'
    sim.control.settle()
    assert alice.get('%s/%s' % (VOLUMES, vid)).json['volume']['status'] == \
        'deleted'


def test_51_root_volume_cannot_be_deleted(alice, sim):
    server = alice.create_server()
    fault(alice.delete('%s/%d' % (VOLUMES, server['volumes'][0])),
          'badRequest', 400, 'Cannot delete the root volume')
    alice.delete('/compute/v2.0/servers/%d' % server['id'])
    sim.control.settle()
    volume = alice.get('%s/%d' % (VOLUMES, server['volumes'][0])).json
    assert volume['volume']['status'] == 'deleted'


def test_52_volume_types(alice):
    result = alice.get('/volume/v2.0/types')
    assert result.status == 200
    types = {t['id']: t for t in result.json['volume_types']}
    assert types[1]['SNF:disk_template'] == 'drbd'
    assert types[1]['SNF:detachable'] is False
    assert types[2]['SNF:disk_template'] == 'ext_archipelago'
    assert types[2]['SNF:detachable'] is True
    assert 3 not in types
    deleted = alice.get('/volume/v2.0/types/3')
    assert deleted.status == 200 and deleted.json['volume_type']['deleted']


def test_volume_paths_and_methods(alice):
    result = alice.call('PATCH', VOLUMES)
    assert result.status == 405 and result.raw == b''
    assert result.headers['allow'] == 'GET, POST'
    assert result.headers['content-type'] == \
        'application/json; charset=UTF-8'
    fault(alice.get(VOLUMES + '/abc'), 'badRequest', 400)
    assert alice.get('/volume/v2/volumes').status == 200


def test_53_vm_quota(alice, sim):
    sim.control.set_quota('alice-token', {'cyclades.vm': 1})
    alice.create_server()
    body = fault(alice.post('/compute/v2.0/servers', {'server': {
        'name': 'x', 'imageRef': 'd3b1a000-0000-4000-8000-000000000001',
        'flavorRef': 1}}), 'overLimit', 413,
        'Resource Limit Exceeded for your account.')
    assert body['details'] == ("Limit for resource 'Virtual Machine' "
                               "exceeded for your account. Available: 0, "
                               "Requested: 1")


def test_53_other_quotas(alice, sim):
    sim.control.set_quota('alice-token', {'cyclades.network.private': 0,
                                          'cyclades.floating_ip': 0,
                                          'cyclades.disk': 0})
    fault(alice.post('/network/v2.0/networks', {'network': {
        'type': 'MAC_FILTERED'}}), 'overLimit', 413)
    fault(alice.post('/network/v2.0/floatingips', {'floatingip': {}}),
          'overLimit', 413)
    fault(alice.post(VOLUMES, {'volume': {'display_name': 'd', 'size': 1,
                                          'volume_type': 2}}),
          'overLimit', 413)


def test_53_start_needs_cpu_quota(alice, sim):
    server = alice.create_server(flavor=2)
    alice.action(server['id'], {'shutdown': {}})
    sim.control.settle()
    sim.control.set_quota('alice-token', {'cyclades.cpu': 1})
    fault(alice.action(server['id'], {'start': {}}), 'overLimit', 413)


def test_53_quota_usage_in_account(alice, sim):
    alice.create_server(flavor=2)
    quotas = alice.get('/account/v1.0/quotas').json
    own = quotas['0f4b6c1e-3a5d-4e7b-9c2a-a11ce0000001']
    assert own['cyclades.vm']['usage'] == 1
    assert own['cyclades.cpu']['usage'] == 2
    assert own['cyclades.ram']['usage'] == 2048 * 1024 ** 2
    assert own['cyclades.disk']['usage'] == 20 * 1024 ** 3


def test_delete_on_termination_cannot_be_turned_off(alice, sim):
    """Synnefo keeps no volume with its server: the flag stays true (501
    for a detachable type, 400 for another), and a volume still attached
    when its server is deleted is deleted with it."""
    server = alice.create_server()
    vid = alice.create_volume()['id']
    path = '%s/%s' % (VOLUMES, vid)
    assert alice.get(path).json['volume']['delete_on_termination'] is True
    fault(alice.put(path, {'volume': {'delete_on_termination': False,
                                      'display_name': 'kept'}}),
          'notImplemented', 501, "'delete_on_termination' attribute set to "
          'False are not supported')
    volume = alice.get(path).json['volume']
    assert volume['display_name'] != 'kept'  # nothing changed
    assert alice.put(path, {'volume': {'delete_on_termination': True}}
                     ).status == 200
    drbd = alice.create_server(flavor=5)
    fault(alice.put('%s/%d' % (VOLUMES, drbd['volumes'][0]), {
        'volume': {'delete_on_termination': False}}), 'badRequest', 400,
        "Volumes of 'drbd' disk template cannot have")
    sim.control.settle()
    attachments = '/compute/v2.0/servers/%d/os-volume_attachments' % \
        server['id']
    alice.post(attachments, {'volumeAttachment': {'volumeId': vid}})
    sim.control.settle()
    alice.delete('/compute/v2.0/servers/%d' % server['id'])
    sim.control.settle()
    volume = alice.get(path).json['volume']
    assert volume['status'] == 'deleted' and volume['attachments'] == []
