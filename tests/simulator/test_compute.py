"""§9.5 checks 8-34: compute servers, NICs, metadata, actions, volume
attachments, flavors and images, over real HTTP."""
import base64
import json

from occi_pyramid.simulator.testing import (
    ALICE_PROJECT,
    ALICE_UUID,
    DEBIAN_IMAGE,
    running_simulator,
)
from occi_pyramid.simulator.seed import PACKAGED_SEED

from .conftest import Api, fault

SERVERS = '/compute/v2.0/servers'


def test_08_empty_list_and_isolation(alice, bob):
    assert alice.get(SERVERS).json == {'servers': []}
    alice.create_server()
    assert bob.get(SERVERS).json == {'servers': []}
    assert bob.get(SERVERS + '/detail').json == {'servers': []}
    assert len(alice.get(SERVERS).json['servers']) == 1


def test_09_short_list_items(alice):
    server = alice.create_server()
    items = alice.get(SERVERS).json['servers']
    assert items == [{'id': server['id'], 'name': 'vm',
                      'links': items[0]['links']}]
    assert isinstance(items[0]['id'], int)
    assert {link['rel'] for link in items[0]['links']} == {'self',
                                                           'bookmark'}


def test_10_other_users_server_is_404(alice, bob):
    server = alice.create_server()
    path = '%s/%d' % (SERVERS, server['id'])
    fault(bob.get(path), 'itemNotFound', 404, 'Server not found.')
    fault(bob.delete(path), 'itemNotFound', 404)
    fault(alice.get(SERVERS + '/424242'), 'itemNotFound', 404)


def test_11_empty_create_body(alice):
    fault(alice.post(SERVERS, {}), 'badRequest', 400)
    fault(alice.post(SERVERS, {'server': {}}), 'badRequest', 400,
          'Malformed request')


def test_12_valid_create(alice):
    body = {'server': {'name': 'web', 'imageRef': DEBIAN_IMAGE,
                       'flavorRef': 1, 'metadata': {'os': 'debian'}}}
    result = alice.post(SERVERS, body)
    assert result.status == 202
    server = result.json['server']
    assert server['status'] == 'BUILD'
    assert server['SNF:task_state'] == 'BUILDING'
    assert server['progress'] == 0
    assert server['adminPass']
    assert server['metadata'] == {'os': 'debian'}
    assert server['attachments'] == [] and server['addresses'] == {}
    assert isinstance(server['id'], int)
    assert server['user_id'] == ALICE_UUID
    assert server['tenant_id'] == ALICE_UUID
    # adminPass is only in the create response
    assert 'adminPass' not in alice.server(server['id'])


def test_13_flavor_rules(alice):
    def create(flavor, **extra):
        body = {'server': dict(name='x', imageRef=DEBIAN_IMAGE,
                               flavorRef=flavor, **extra)}
        return alice.post(SERVERS, body)

    fault(create(999), 'itemNotFound', 404, 'Flavor not found.')
    fault(create(8), 'itemNotFound', 404)  # deleted flavor
    fault(create(6), 'forbidden', 403)  # allow_create false
    fault(create(7), 'itemNotFound', 404)  # private, no access
    assert create(7, project=ALICE_PROJECT).status == 202
    fault(create('abc'), 'badRequest', 400, "Invalid flavor ID 'abc'")


def test_13_unknown_image(alice):
    body = {'server': {'name': 'x', 'imageRef': 'nope', 'flavorRef': 1}}
    fault(alice.post(SERVERS, body), 'itemNotFound', 404,
          "Image 'nope' not found")


def test_14_admin_pass(alice):
    def create(password):
        body = {'server': {'name': 'x', 'imageRef': DEBIAN_IMAGE,
                           'flavorRef': 1, 'adminPass': password}}
        return alice.post(SERVERS, body)

    for weak in ('Short1a', 'alllowercase123', 'ALLUPPERCASE123',
                 'NoDigitsHereAtAll'):
        fault(create(weak), 'badRequest', 400)
    result = create('Strong1Password')
    assert result.status == 202
    assert result.json['server']['adminPass'] == 'Strong1Password'


def test_15_user_data(alice):
    def create(user_data):
        body = {'server': {'name': 'x', 'imageRef': DEBIAN_IMAGE,
                           'flavorRef': 1, 'user_data': user_data}}
        return alice.post(SERVERS, body)

    fault(create('!!!not base64!!!'), 'badRequest', 400,
          'Marformed user_data request')
    assert create(base64.b64encode(b'#cloud-config').decode()).status == 202


def test_personality_limits(alice):
    def create(personality):
        body = {'server': {'name': 'x', 'imageRef': DEBIAN_IMAGE,
                           'flavorRef': 1, 'personality': personality}}
        return alice.post(SERVERS, body)

    item = {'path': '/etc/motd', 'contents': base64.b64encode(b'hi').decode()}
    fault(create([item] * 6), 'overLimit', 413,
          'Maximum number of personalities exceeded')
    big = dict(item, contents=base64.b64encode(b'x' * 10241).decode())
    fault(create([big]), 'overLimit', 413,
          'Maximum size of personality exceeded')
    fault(create([dict(item, colour='red')]), 'badRequest', 400,
          'Malformed personality in request')
    assert create([item] * 5).status == 202


def test_16_rename(alice):
    server = alice.create_server(settle=False)
    path = '%s/%d' % (SERVERS, server['id'])
    fault(alice.put(path, {'server': {'name': 'x' * 500}}), 'badRequest', 400)
    result = alice.put(path, {'server': {'name': 'renamed'}})
    assert result.status == 204 and result.raw == b''
    assert result.headers['content-type'] == \
        'application/json; charset=UTF-8'
    assert alice.server(server['id'])['name'] == 'renamed'


def test_17_wrong_methods(alice):
    server = alice.create_server()
    for method, path in [
        ('PUT', SERVERS),
        ('DELETE', SERVERS),
        ('POST', '%s/%d' % (SERVERS, server['id'])),
        ('PUT', '%s/%d/metadata' % (SERVERS, server['id'])),
    ]:
        result = alice.call(method, path, {})
        fault(result, 'notAllowed', 405, 'Method not allowed')
        assert result.headers['allow']


def test_18_unknown_compute_path(alice):
    result = alice.get('/compute/v2.0/nonexistent')
    fault(result, 'badRequest', 400, 'API endpoint not found')
    fault(alice.get(SERVERS + '/abc'), 'badRequest', 400)


def test_19_only_active_nics_listed(alice, sim):
    network = alice.create_network()
    server = alice.create_server(networks=[{'uuid': network['id']}])
    assert len(alice.server(server['id'])['attachments']) == 1
    ports = '/network/v2.0/ports'
    body = {'port': {'network_id': network['id'],
                     'device_id': str(server['id'])}}
    sim.control.fail_next('connect')
    first = alice.post(ports, body)
    assert first.status == 201 and first.json['port']['status'] == 'BUILD'
    sim.control.settle()  # the injected failure: the port is in ERROR
    second = alice.post(ports, body)
    assert second.status == 201 and second.json['port']['status'] == 'BUILD'
    statuses = sorted(p['status'] for p in alice.get(ports).json['ports'])
    assert statuses == ['ACTIVE', 'BUILD', 'ERROR']
    detail = alice.server(server['id'])
    assert len(detail['attachments']) == 1
    assert list(detail['addresses']) == [network['id']]
    sim.control.settle()
    assert len(alice.server(server['id'])['attachments']) == 2


def test_20_ipv4_and_ipv6_nic(alice):
    network = alice.create_network(cidr='10.0.0.0/24')
    subnet6 = alice.post('/network/v2.0/subnets', {'subnet': {
        'network_id': network['id'], 'cidr': '2001:db8:2::/64',
        'ip_version': 6}})
    assert subnet6.status == 201
    server = alice.create_server(networks=[{'uuid': network['id']}])
    detail = alice.server(server['id'])
    nic, = detail['attachments']
    assert nic['network_id'] == network['id']
    assert isinstance(nic['network_id'], str)
    assert nic['ipv4'] == '10.0.0.2'
    assert nic['ipv6'].startswith('2001:db8:2:')
    assert nic['OS-EXT-IPS:type'] == 'fixed'
    assert detail['addresses'][network['id']] == [
        {'version': 4, 'addr': nic['ipv4'], 'OS-EXT-IPS:type': 'fixed'},
        {'version': 6, 'addr': nic['ipv6'], 'OS-EXT-IPS:type': 'fixed'},
    ]
    ips = alice.get('%s/%d/ips' % (SERVERS, server['id'])).json
    assert ips['attachments'] == detail['attachments']


def test_21_fqdn(alice):
    server = alice.create_server()
    assert alice.server(server['id'])['SNF:fqdn'] == \
        'snf-%d.vm.example.synnefo.org' % server['id']


def test_21_fqdn_unconfigured():
    with running_simulator(servers_fqdn='', delays='instant') as other:
        server = Api(other, 'alice-token').create_server(settle=False)
        assert server['SNF:fqdn'] is None


def test_22_metadata(alice):
    server = alice.create_server()
    path = '%s/%d/metadata' % (SERVERS, server['id'])
    result = alice.post(path, {'metadata': {'foo': 'bar'}})
    assert result.status == 201 and result.json == {
        'metadata': {'foo': 'bar'}}
    result = alice.put(path + '/foo2', {'meta': {'foo2': 'bar2'}})
    assert result.status == 201 and result.json == {'meta': {'foo2': 'bar2'}}
    result = alice.get(path + '/foo2')
    assert result.status == 200 and result.json == {'meta': {'foo2': 'bar2'}}
    assert alice.get(path).json == {'metadata': {'foo': 'bar',
                                                 'foo2': 'bar2'}}
    assert alice.delete(path + '/foo2').status == 204
    fault(alice.get(path + '/foo2'), 'itemNotFound', 404,
          'Metadata key not found.')
    fault(alice.post(path, {'metadata': 'no'}), 'badRequest', 400)
    fault(alice.put(path + '/a', {'meta': {'b': 'c'}}), 'badRequest', 400)
    many = {'k%d' % i: 'v' for i in range(10)}
    fault(alice.post(path, {'metadata': many}), 'badRequest', 400)


def test_23_actions_set_task_states(alice, sim):
    server = alice.create_server()
    sid = server['id']
    assert alice.action(sid, {'shutdown': {}}).status == 202
    assert alice.server(sid)['SNF:task_state'] == 'STOPPING'
    sim.control.settle()
    assert alice.server(sid)['status'] == 'STOPPED'
    result = alice.action(sid, {'start': {}})
    assert result.status == 202 and result.raw == b''
    assert alice.server(sid)['SNF:task_state'] == 'STARTING'
    sim.control.settle()
    assert alice.action(sid, {'reboot': {'type': 'HARD'}}).status == 202
    detail = alice.server(sid)
    assert detail['SNF:task_state'] == 'REBOOTING'
    assert detail['status'] == 'REBOOT'
    fault(alice.action(sid, {'shutdown': {}}), 'badRequest', 400,
          "Cannot perform 'STOP' action while there is a pending 'REBOOT'.")
    sim.control.settle()
    fault(alice.action(sid, {'reboot': {'type': 'WARM'}}), 'badRequest', 400,
          "Invalid 'type' attribute.")
    fault(alice.action(sid, {'start': {}}), 'badRequest', 400,
          "Cannot perform 'START' action while server is in 'STARTED' "
          "state.")
    fault(alice.action(sid, {'dance': {}}), 'badRequest', 400,
          'Action dance not supported')
    fault(alice.action(sid, {'start': {}, 'shutdown': {}}), 'badRequest',
          400)


def test_24_actions_in_build(alice, sim):
    server = alice.create_server(settle=False)
    sid = server['id']
    sim.control.clear_requests()
    fault(alice.action(sid, {'start': {}}), 'buildInProgress', 409)
    fault(alice.action(sid, {'resize': {'flavorRef': 2}}), 'buildInProgress',
          409)
    fault(alice.action(sid, {'console': {'type': 'vnc'}}), 'badRequest', 400,
          'Server not in ACTIVE state.')
    sim.control.settle()
    assert alice.server(sid)['status'] == 'ACTIVE'  # no stray job ran


def test_25_resize(alice, sim):
    sid = alice.create_server(flavor=1)['id']
    alice.action(sid, {'shutdown': {}})
    sim.control.settle()
    fault(alice.action(sid, {'resize': {'flavorRef': 1}}), 'badRequest', 400)
    fault(alice.action(sid, {'resize': {'flavorRef': 3}}), 'badRequest', 400,
          "Cannot change instance's disk size.")
    fault(alice.action(sid, {'resize': {'flavorRef': 5}}), 'badRequest',
          400)  # drbd template
    fault(alice.action(sid, {'resize': {}}), 'badRequest', 400,
          "Missing 'flavorRef' attribute.")
    fault(alice.action(sid, {'resize': {'flavorRef': 7}}), 'forbidden', 403)
    result = alice.action(sid, {'resize': {'flavorRef': 2}})
    assert result.status == 202
    detail = alice.server(sid)
    assert detail['SNF:task_state'] == 'RESIZING'
    assert detail['flavor']['id'] == 1
    sim.control.settle()
    detail = alice.server(sid)
    assert detail['flavor']['id'] == 2 and detail['status'] == 'STOPPED'


def test_25_resize_active_vm_is_400(alice):
    sid = alice.create_server()['id']
    fault(alice.action(sid, {'resize': {'flavorRef': 2}}), 'badRequest', 400)


def test_26_vm_being_resized(alice, sim):
    sid = alice.create_server()['id']
    alice.action(sid, {'shutdown': {}})
    sim.control.settle()
    assert alice.action(sid, {'resize': {'flavorRef': 2}}).status == 202
    for body in ({'start': {}}, {'shutdown': {}},
                 {'resize': {'flavorRef': 2}}):
        fault(alice.action(sid, body), 'badRequest', 400)
    assert alice.delete('%s/%d' % (SERVERS, sid)).status == 204
    sim.control.settle()
    assert alice.server(sid)['status'] == 'DELETED'


def test_27_firewall_profile(alice):
    network = alice.create_network()
    sid = alice.create_server(networks=[{'uuid': network['id']}])['id']
    nic = alice.server(sid)['attachments'][0]['id']

    def firewall(args):
        return alice.action(sid, {'firewallProfile': args})

    fault(firewall({'profile': 'ENABLED'}), 'badRequest', 400)
    fault(firewall({'profile': 'ENABLED', 'nic': '10'}), 'itemNotFound', 404)
    fault(firewall({'profile': 'ENABLED', 'nic': 'error'}), 'badRequest', 400)
    fault(firewall({'profile': 'FOO', 'nic': nic}), 'badRequest', 400)
    assert firewall({'profile': 'PROTECTED', 'nic': nic}).status == 202
    assert alice.server(sid)['attachments'][0]['firewallProfile'] == \
        'PROTECTED'


def test_28_console(alice, sim):
    sid = alice.create_server()['id']
    result = alice.action(sid, {'console': {'type': 'vnc'}})
    assert result.status == 200
    assert set(result.json) == {'console'}
    assert set(result.json['console']) == {'type', 'host', 'port',
                                           'password'}
    fault(alice.action(sid, {'console': {'type': 'spice'}}), 'badRequest',
          400)
    fault(alice.action(sid, {'console': {}}), 'badRequest', 400)
    alice.action(sid, {'shutdown': {}})
    sim.control.settle()
    fault(alice.action(sid, {'console': {'type': 'vnc'}}), 'badRequest', 400,
          'Server not in ACTIVE state.')


def test_29_state_machine_on_the_clock(alice, sim):
    server = alice.create_server(settle=False)
    sid = server['id']
    sim.control.advance(2)
    detail = alice.server(sid)
    assert detail['status'] == 'BUILD' and 0 < detail['progress'] < 100
    sim.control.advance(10)
    detail = alice.server(sid)
    assert detail['status'] == 'ACTIVE' and detail['progress'] == 100
    assert detail['SNF:task_state'] == ''
    alice.action(sid, {'shutdown': {}})
    assert alice.server(sid)['status'] == 'ACTIVE'
    sim.control.advance(10)
    assert alice.server(sid)['status'] == 'STOPPED'
    alice.action(sid, {'start': {}})
    sim.control.advance(10)
    assert alice.server(sid)['status'] == 'ACTIVE'
    alice.action(sid, {'reboot': {'type': 'SOFT'}})
    assert alice.server(sid)['status'] == 'REBOOT'
    sim.control.advance(10)
    assert alice.server(sid)['status'] == 'ACTIVE'
    result = alice.delete('%s/%d' % (SERVERS, sid))
    assert result.status == 204
    assert alice.server(sid)['SNF:task_state'] == 'DESTROYING'
    sim.control.advance(10)
    detail = alice.server(sid)
    assert detail['status'] == 'DELETED' and detail['deleted'] is True
    assert alice.get(SERVERS).json == {'servers': []}
    fault(alice.action(sid, {'start': {}}), 'badRequest', 400)


def test_29_changes_since_shows_deleted(alice, sim):
    sid = alice.create_server()['id']
    since = sim.control.clock()['now']
    sim.control.advance(1)
    alice.delete('%s/%d' % (SERVERS, sid))
    sim.control.settle()
    result = alice.get(SERVERS + '/detail?changes-since=' +
                       since.replace('+', '%2B'))
    assert [s['status'] for s in result.json['servers']] == ['DELETED']
    fault(alice.get(SERVERS + '?changes-since=yesterday'), 'badRequest', 400,
          'Invalid changes-since parameter.')


def test_30_injected_build_failure(alice, sim):
    sim.control.fail_next('build')
    sid = alice.create_server()['id']
    detail = alice.server(sid)
    assert detail['status'] == 'ERROR' and detail['deleted'] is False
    assert [s['id'] for s in alice.get(SERVERS).json['servers']] == [sid]
    fault(alice.action(sid, {'start': {}}), 'badRequest', 400,
          "while server is in 'ERROR' state.")
    assert alice.delete('%s/%d' % (SERVERS, sid)).status == 204


def test_31_volume_attachments_list_root(alice, sim):
    server = alice.create_server()
    sid = server['id']
    root = server['volumes'][0]
    result = alice.get('%s/%d/os-volume_attachments' % (SERVERS, sid))
    assert result.json == {'volumeAttachments': [
        {'volumeId': root, 'serverId': sid, 'id': root, 'device': ''}]}
    volume = alice.get('/volume/v2.0/volumes/%d' % root).json['volume']
    assert volume['status'] == 'in_use'
    assert volume['attachments'] == [
        {'server_id': sid, 'volume_id': root, 'device_index': 0}]


def test_32_attach_and_detach(alice, sim):
    server = alice.create_server()
    sid, root = server['id'], server['volumes'][0]
    path = '%s/%d/os-volume_attachments' % (SERVERS, sid)
    fault(alice.delete('%s/%d' % (path, root)), 'badRequest', 400,
          'Cannot detach the root volume')
    volume = alice.create_volume()
    vid = int(volume['id'])
    result = alice.post(path, {'volumeAttachment': {'volumeId': vid}})
    assert result.status == 202
    assert result.json == {'volumeAttachment': {
        'id': vid, 'volumeId': vid, 'serverId': sid, 'device': ''}}
    assert alice.get('/volume/v2.0/volumes/%d' % vid).json['volume'][
        'status'] == 'attaching'
    fault(alice.delete('%s/%d' % (path, vid)), 'badRequest', 400)
    sim.control.settle()
    other = alice.create_server()
    fault(alice.post('%s/%d/os-volume_attachments' % (SERVERS, other['id']),
                     {'volumeAttachment': {'volumeId': vid}}),
          'badRequest', 400)  # in_use
    result = alice.delete('%s/%d' % (path, vid))
    assert result.status == 202
    sim.control.settle()
    volume = alice.get('/volume/v2.0/volumes/%d' % vid).json['volume']
    assert volume['status'] == 'available' and volume['attachments'] == []
    fault(alice.post(path, {'volumeAttachment': {'volumeId': 999}}),
          'badRequest', 400, 'Volume 999 not found')


def test_32_attach_to_other_disk_template(alice):
    drbd_server = alice.create_server(flavor=5)
    volume = alice.create_volume()
    path = '%s/%d/os-volume_attachments' % (SERVERS, drbd_server['id'])
    fault(alice.post(path, {'volumeAttachment': {'volumeId': volume['id']}}),
          'badRequest', 400)


def _seed():
    with open(PACKAGED_SEED) as handle:
        return json.load(handle)


def test_33_flavors(alice):
    seed = _seed()
    templates = {t['id']: t['disk_template'] for t in seed['volume_types']}
    listed = alice.get('/compute/v2.0/flavors/detail').json['flavors']
    by_id = {f['id']: f for f in listed}
    for flavor in seed['flavors']:
        if flavor.get('deleted') or not flavor.get('public', True) and \
                ALICE_PROJECT not in flavor.get('access', []):
            assert flavor['id'] not in by_id
            continue
        got = by_id[flavor['id']]
        assert got['vcpus'] == flavor['vcpus']
        assert got['ram'] == flavor['ram']
        assert got['disk'] == flavor['disk']
        assert got['SNF:disk_template'] == templates[flavor['volume_type']]
        assert got['SNF:volume_type'] == flavor['volume_type']
        assert got['os-flavor-access:is_public'] == flavor.get('public', True)
        assert got['SNF:allow_create'] == flavor.get('allow_create', True)
    assert 8 not in by_id
    result = alice.get('/compute/v2.0/flavors/8')
    assert result.status == 200 and result.json['flavor']['id'] == 8
    short = alice.get('/compute/v2.0/flavors').json['flavors']
    assert all(set(f) == {'id', 'name', 'links'} for f in short)
    assert by_id[7]['SNF:flavor-access'] == [ALICE_PROJECT]


def test_33_private_flavor_hidden_from_others(bob):
    fault(bob.get('/compute/v2.0/flavors/7'), 'itemNotFound', 404)
    ids = [f['id'] for f in bob.get('/compute/v2.0/flavors').json['flavors']]
    assert 7 not in ids and 1 in ids


def test_34_compute_images(alice, bob):
    seed = _seed()
    short = alice.get('/compute/v2.0/images').json['images']
    assert all(set(i) == {'id', 'name'} for i in short)
    assert [i['id'] for i in short] == sorted(i['id'] for i in short)
    detail = {i['id']: i for i in
              alice.get('/compute/v2.0/images/detail').json['images']}
    for image in seed['images']:
        got = detail[image['id']]
        assert got['status'] == 'ACTIVE' and got['progress'] == 100
        assert got['user_id'] == got['tenant_id'] == image['owner']
        assert got['public'] == image['is_public']
        assert got['is_snapshot'] == image.get('is_snapshot', False)
        assert got['metadata'] == image['properties']
    private = [i['id'] for i in seed['images'] if not i['is_public']]
    bob_ids = {i['id'] for i in bob.get('/compute/v2.0/images').json[
        'images']}
    assert not bob_ids & set(private)
    fault(bob.get('/compute/v2.0/images/' + private[0]), 'itemNotFound', 404)


def assert_detail_is_fresh(api, **headers):
    """``servers/detail``, byte for byte, is the list of what a single
    GET renders afresh for each server (the listing serves the texts it
    kept from earlier listings while nothing they depend on changed)."""
    listing = api.get(SERVERS + '/detail', headers=headers)
    assert listing.status == 200, listing.raw
    singles = [api.get('%s/%d' % (SERVERS, server['id']), headers=headers)
               for server in listing.json['servers']]
    inner = [single.raw[len(b'{"server": '):-1] for single in singles]
    assert listing.raw == b'{"servers": [' + b', '.join(inner) + b']}'
    return listing.json['servers']


def test_detail_listing_follows_every_change(alice, sim):
    first = alice.create_server(settle=False)['id']
    second = alice.create_server(settle=False)['id']
    assert [s['progress'] for s in assert_detail_is_fresh(alice)] == [0, 0]
    sim.control.advance(1)  # the BUILD progress moves with the clock
    assert [s['progress'] for s in assert_detail_is_fresh(alice)] == [25, 25]
    sim.control.settle()
    assert_detail_is_fresh(alice)
    alice.put('%s/%d' % (SERVERS, first), {'server': {'name': 'renamed'}})
    alice.post('%s/%d/metadata' % (SERVERS, first),
               {'metadata': {'role': 'web', 'é': 'ü'}})
    assert assert_detail_is_fresh(alice)[0]['metadata']['role'] == 'web'
    # a NIC: BUILD (not shown), then ACTIVE with IPv4 and IPv6
    network = alice.create_network()
    assert alice.post('/network/v2.0/subnets', {'subnet': {
        'network_id': network['id'], 'cidr': '2001:db8:2::/64',
        'ip_version': 6}}).status == 201
    port = alice.post('/network/v2.0/ports', {'port': {
        'network_id': network['id'], 'device_id': str(second)}})
    assert port.status == 201, port.raw
    assert assert_detail_is_fresh(alice)[1]['attachments'] == []
    sim.control.settle()
    nic, = assert_detail_is_fresh(alice)[1]['attachments']
    assert nic['ipv6'].startswith('2001:db8:2:') and nic['ipv4']
    assert alice.action(second, {'firewallProfile': {
        'profile': 'PROTECTED', 'nic': nic['id']}}).status == 202
    assert assert_detail_is_fresh(alice)[1]['attachments'][0][
        'firewallProfile'] == 'PROTECTED'
    volume = int(alice.create_volume()['id'])
    assert alice.post('%s/%d/os-volume_attachments' % (SERVERS, first), {
        'volumeAttachment': {'volumeId': volume}}).status == 202
    sim.control.settle()
    assert volume in assert_detail_is_fresh(alice)[0]['volumes']
    assert alice.action(first, {'shutdown': {}}).status == 202
    assert assert_detail_is_fresh(alice)[0]['SNF:task_state'] == 'STOPPING'
    sim.control.settle()
    assert assert_detail_is_fresh(alice)[0]['status'] == 'STOPPED'
    # the same servers under another host name link to that host
    other = assert_detail_is_fresh(alice, Host='cloud.example.org:8443')
    assert other[0]['links'][0]['href'].startswith(
        'http://cloud.example.org:8443/compute/v2.0/servers/')
    assert alice.delete('%s/%d' % (SERVERS, second)).status == 204
    sim.control.settle()
    assert [s['id'] for s in assert_detail_is_fresh(alice)] == [first]


def test_detail_text_is_json_dumps_of_itself(alice, sim):
    """The detail form is rendered from text parts, not from a dict: it
    must still be exactly what json.dumps writes for the same value
    (key order, separators, escapes), in a listing, a GET and a create
    reply, for names, metadata, tags and NICs outside ASCII."""
    network = alice.create_network(cidr='10.0.0.0/24')
    created = alice.post(SERVERS, {'server': {
        'name': 'w\u00e9b "1" \\ \U0001f600', 'imageRef': DEBIAN_IMAGE,
        'flavorRef': 1, 'metadata': {'os': 'd\u00e9bian', 'k"': '\\'},
        'tags': ['\u00e9'], 'networks': [{'uuid': network['id']}]}})
    assert created.status == 202
    sid = created.json['server']['id']
    plain = alice.create_server(settle=False)
    sim.control.advance(1)  # BUILD, partly done
    raws = [created.raw, alice.get(SERVERS + '/detail').raw]
    assert [s['progress'] for s in json.loads(raws[1])['servers']] == [
        25, 25]
    sim.control.settle()
    raws += [alice.get(SERVERS + '/detail').raw,
             alice.get('%s/%d' % (SERVERS, sid)).raw,
             alice.get('%s/%d' % (SERVERS, plain['id'])).raw]
    for raw in raws:
        assert raw == json.dumps(json.loads(raw)).encode()
    detail = alice.server(sid)
    assert detail['name'] == 'w\u00e9b "1" \\ \U0001f600'
    assert detail['metadata'] == {'os': 'd\u00e9bian', 'k"': '\\'}
    assert detail['tags'] == ['\u00e9'] and len(detail['attachments']) == 1
