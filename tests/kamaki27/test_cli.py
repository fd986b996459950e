"""The ``kamaki`` 0.16 command line against the simulator: every command
family a user of a Synnefo cloud reaches for, and its error paths."""
from occi_pyramid.simulator.testing import (
    ALICE_PROJECT,
    ALICE_UUID,
    BOB_UUID,
    DEBIAN_IMAGE,
    PUBLIC_NETWORK,
)

IMAGES_OWNER = '25ecced9-bf53-4145-91ee-cf47377e9fb2'
HIDDEN = {'cyclades.total_cpu', 'cyclades.total_ram', 'astakos.pending_app'}


def test_user_quota_resource_project(cli):
    assert cli('user', 'info', json_out=True)['id'] == ALICE_UUID
    assert 'Alice Example' in cli('user', 'authenticate')
    # Astakos' user catalogs map uuids to usernames (lower-cased e-mails)
    names = cli('user', 'uuid2name', ALICE_UUID, BOB_UUID, json_out=True)
    assert names == {ALICE_UUID: 'alice@example.org',
                     BOB_UUID: 'bob@example.org'}
    uuids = cli('user', 'name2uuid', 'alice@example.org', json_out=True)
    assert uuids == {'alice@example.org': ALICE_UUID}
    quotas = cli('quota', 'list', json_out=True)
    assert set(quotas) == {ALICE_UUID, ALICE_PROJECT}
    assert quotas[ALICE_UUID]['cyclades.vm']['limit'] == 10
    assert not set(quotas[ALICE_UUID]) & HIDDEN
    resources = cli('resource', 'list', json_out=True)
    assert 'cyclades.vm' in resources and not set(resources) & HIDDEN
    projects = {p['id']: p for p in cli('project', 'list', json_out=True)}
    assert {ALICE_UUID, ALICE_PROJECT} <= set(projects)
    assert BOB_UUID not in projects  # other users' system projects
    assert projects[ALICE_UUID]['system_project'] is True
    info = cli('project', 'info', ALICE_PROJECT, json_out=True)
    assert info['name'] == 'alice-research' and info['owner'] == ALICE_UUID
    assert 'not found' in cli('project', 'info', 'no-such-project',
                              ok=False).lower()


def test_flavor_image_volume_types(cli):
    flavors = cli('flavor', 'list', json_out=True)
    assert {f['name'] for f in flavors} >= {'C1R1024D20', 'C2R2048D20'}
    detail = cli('flavor', 'info', 1, json_out=True)
    assert detail['vcpus'] == 1 and detail['SNF:disk_template']
    assert 'C1R1024D20' in cli('flavor', 'list', '--vcpus', 1)
    # Plankton's list is a bare list, which kamaki 0.16 needs
    images = cli('image', 'list', json_out=True)
    assert DEBIAN_IMAGE in {i['id'] for i in images}
    info = cli('image', 'info', DEBIAN_IMAGE, json_out=True)
    assert info['owner'] == IMAGES_OWNER
    assert cli('image', 'list', '--details', json_out=True)
    # the compute view resolves the owner through the user catalogs
    compute = cli('imagecompute', 'info', DEBIAN_IMAGE, json_out=True)
    assert compute['id'] == DEBIAN_IMAGE
    assert 'images@example.org' in cli('imagecompute', 'info', DEBIAN_IMAGE)
    assert DEBIAN_IMAGE in cli('imagecompute', 'list')
    types = cli('volume', 'types', json_out=True)
    assert {t['name'] for t in types} == {'drbd', 'ext_archipelago'}
    assert cli('volume', 'type', 1, json_out=True)['name'] == 'drbd'
    cli('image', 'info', 'no-such-image', ok=False)
    cli('flavor', 'info', 999, ok=False)


def test_keypairs(cli):
    assert cli('keypair', 'list', json_out=True) == []
    public = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7 alice@laptop'
    uploaded = cli('keypair', 'upload', '--key-name', 'laptop',
                   '--public-key', public, json_out=True)
    assert uploaded['public_key'] == public
    generated = cli('keypair', 'generate', '--key-name', 'fresh',
                    json_out=True)
    assert 'PRIVATE KEY' in generated['private_key']
    names = {k['name'] for k in cli('keypair', 'list', json_out=True)}
    assert names == {'laptop', 'fresh'}
    info = cli('keypair', 'info', 'laptop', json_out=True)
    assert info['fingerprint'].count(':') == 15
    # a name conflict is 409, which --force turns into delete and upload
    assert 'already exists' in cli('keypair', 'upload', '--key-name',
                                   'laptop', '--public-key', public,
                                   ok=False)
    cli('keypair', 'upload', '--key-name', 'laptop', '--public-key', public,
        '--force')
    cli('keypair', 'delete', 'fresh')
    cli('keypair', 'info', 'fresh', ok=False)
    cli('keypair', 'upload', '--key-name', 'bad', '--public-key', 'nonsense',
        ok=False)


def test_server_lifecycle_with_waiters(cli):
    # a server on the public network takes one of the user's floating IPs
    ip = cli('ip', 'create', '--network-id', PUBLIC_NETWORK, json_out=True)
    server = cli('server', 'create', '--name', 'kamaki-vm', '--flavor-id', 1,
                 '--image-id', DEBIAN_IMAGE, '--key-name', 'laptop',
                 '--network', PUBLIC_NETWORK, '--wait', json_out=True)
    sid = server['id']
    assert server['status'] in ('BUILD', 'ACTIVE')
    cli('server', 'wait', sid, '--until', 'ACTIVE')
    info = cli('server', 'info', sid, json_out=True)
    assert info['status'] == 'ACTIVE' and info['SNF:key_names'] == ['laptop']
    assert info['attachments'] and info['volumes']
    listed = cli('server', 'list', '--details', json_out=True)
    assert sid in {s['id'] for s in listed}
    cli('server', 'modify', sid, '--name', 'renamed')
    assert cli('server', 'info', sid, json_out=True)['name'] == 'renamed'
    cli('server', 'shutdown', sid, '--wait')
    assert cli('server', 'info', sid, json_out=True)['status'] == 'STOPPED'
    cli('server', 'start', sid, '--wait')
    cli('server', 'reboot', sid, '--wait')
    assert cli('server', 'info', sid, json_out=True)['status'] == 'ACTIVE'
    assert 'vnc' in cli('server', 'console', sid).lower()
    cli('server', 'reassign', sid, '--project-id', ALICE_PROJECT)
    assert cli('server', 'info', sid,
               json_out=True)['tenant_id'] == ALICE_PROJECT
    cli('server', 'delete', sid, '--wait')
    assert cli('server', 'info', sid, json_out=True)['status'] == 'DELETED'
    assert cli('ip', 'info', ip['id'], json_out=True)['port_id'] is None
    cli('ip', 'delete', ip['id'])
    cli('server', 'info', 999999, ok=False)
    cli('server', 'create', '--name', 'x', '--flavor-id', 1, '--image-id',
        DEBIAN_IMAGE, '--key-name', 'no-such-key', ok=False)


def test_networks_subnets_ports_ips(cli):
    network = cli('network', 'create', '--name', 'lan', '--type',
                  'MAC_FILTERED', json_out=True)
    nid = network['id']
    subnet = cli('subnet', 'create', '--network-id', nid, '--cidr',
                 '10.9.0.0/24', '--name', 'lan-v4', json_out=True)
    assert subnet['cidr'] == '10.9.0.0/24'
    assert subnet['id'] in {s['id'] for s in cli('subnet', 'list',
                                                  json_out=True)}
    cli('subnet', 'modify', subnet['id'], '--name', 'renamed')
    # NB: kamaki 0.16 prints the subnet still wrapped, as Synnefo sends it
    assert cli('subnet', 'info', subnet['id'],
               json_out=True)['subnet']['name'] == 'renamed'
    assert nid in {n['id'] for n in cli('network', 'list', json_out=True)}
    cli('network', 'modify', nid, '--name', 'lan2')
    assert cli('network', 'info', nid, json_out=True)['name'] == 'lan2'
    server = cli('server', 'create', '--name', 'net-vm', '--flavor-id', 1,
                 '--image-id', DEBIAN_IMAGE, '--wait', json_out=True)
    sid = str(server['id'])
    port, = cli('port', 'create', '--network-id', nid, '--device-id', sid,
                '--name', 'nic', '--wait', json_out=True)
    cli('port', 'wait', port['id'], '--status', 'BUILD')
    assert cli('port', 'info', port['id'], json_out=True)['status'] == \
        'ACTIVE'
    cli('port', 'modify', port['id'], '--name', 'nic2')
    assert port['id'] in {p['id'] for p in cli('port', 'list',
                                                json_out=True)}
    ip = cli('ip', 'create', '--network-id', PUBLIC_NETWORK, json_out=True)
    assert ip['floating_ip_address'].startswith('203.0.113.')
    cli('ip', 'attach', ip['id'], '--server-id', sid, '--wait')
    assert cli('ip', 'info', ip['id'], json_out=True)['port_id']
    cli('ip', 'detach', ip['id'], '--wait')
    assert cli('ip', 'info', ip['id'], json_out=True)['port_id'] is None
    cli('ip', 'reassign', ip['id'], '--project-id', ALICE_PROJECT)
    assert ip['id'] in {i['id'] for i in cli('ip', 'list', json_out=True)}
    cli('ip', 'delete', ip['id'])
    cli('network', 'connect', nid, '--device-id', sid, '--wait')
    # disconnecting removes every port of the server on the network
    cli('network', 'disconnect', nid, '--device-id', sid, '--wait')
    # a deleted port's id never names another port
    again, = cli('port', 'create', '--network-id', nid, '--device-id', sid,
                 '--wait', json_out=True)
    assert int(again['id']) > int(port['id'])
    cli('port', 'info', port['id'], ok=False)
    cli('port', 'delete', again['id'], '--wait')
    cli('server', 'delete', sid, '--wait')
    cli('network', 'reassign', nid, '--project-id', ALICE_PROJECT)
    cli('network', 'delete', nid)
    cli('network', 'info', 'abc', ok=False)
    cli('network', 'create', '--type', 'NO_SUCH_TYPE', ok=False)


def test_volumes_snapshots(cli):
    server = cli('server', 'create', '--name', 'disk-vm', '--flavor-id', 1,
                 '--image-id', DEBIAN_IMAGE, '--wait', json_out=True)
    sid = str(server['id'])
    # NB: with --wait, volume create prints its progress, not the volume
    cli('volume', 'create', '--size', 2, '--name', 'data', '--server-id',
        sid, '--volume-type', 2, '--wait')
    vid, = [v['id'] for v in cli('volume', 'list', '--details',
                                 json_out=True)
            if v['display_name'] == 'data']
    cli('volume', 'wait', vid, '--until', 'in_use')
    assert cli('volume', 'info', vid, json_out=True)['status'] == 'in_use'
    assert vid in {v['id'] for v in cli('volume', 'list', json_out=True)}
    cli('volume', 'modify', vid, '--name', 'data2')
    attachments = cli('server', 'attachments', sid, json_out=True)
    assert vid in {str(a['volumeId']) for a in attachments}
    snapshot = cli('snapshot', 'create', '--volume-id', vid, '--name',
                   'snap', json_out=True)
    assert snapshot['id'] in {s['id'] for s in cli('snapshot', 'list',
                                                    json_out=True)}
    cli('snapshot', 'info', snapshot['id'])
    cli('snapshot', 'delete', snapshot['id'])
    cli('server', 'detach', sid, '--volume-id', vid)
    cli('volume', 'wait', vid, '--until', 'available')
    cli('volume', 'reassign', vid, '--project-id', ALICE_PROJECT)
    cli('volume', 'delete', vid)
    cli('volume', 'create', '--size', 10 ** 6, '--name', 'huge',
        '--server-id', sid, '--volume-type', 2, ok=False)
    cli('server', 'delete', sid, '--wait')


def test_floating_ips_as_reservations(cli):
    """What an OCCI ipreservation does with kamaki: an address asked
    for, kept while a server uses it, released once detached."""
    ip = cli('ip', 'create', '--network-id', PUBLIC_NETWORK, '--address',
             '203.0.113.200', json_out=True)
    assert ip['floating_ip_address'] == '203.0.113.200'
    assert ip['port_id'] is None and ip['instance_id'] is None
    # the same address twice, an address outside the pool: refused
    cli('ip', 'create', '--network-id', PUBLIC_NETWORK, '--address',
        '203.0.113.200', ok=False)
    cli('ip', 'create', '--network-id', PUBLIC_NETWORK, '--address',
        '192.0.2.7', ok=False)
    server = cli('server', 'create', '--name', 'fip-vm', '--flavor-id', 1,
                 '--image-id', DEBIAN_IMAGE, '--wait', json_out=True)
    sid = str(server['id'])
    cli('ip', 'attach', ip['id'], '--server-id', sid, '--wait')
    assert cli('ip', 'info', ip['id'], json_out=True)['instance_id'] == sid
    # a used address is not released
    cli('ip', 'delete', ip['id'], ok=False)
    cli('ip', 'detach', ip['id'], '--wait')
    cli('ip', 'delete', ip['id'])
    cli('ip', 'info', ip['id'], ok=False)
    cli('server', 'delete', sid, '--wait')


def test_membership_list_and_reassign_to_a_project(cli):
    memberships = cli('membership', 'list', json_out=True)
    assert {m['project'] for m in memberships} == {ALICE_UUID, ALICE_PROJECT}
    assert {m['state'] for m in memberships} == {'accepted'}
    # flavor 7 is private to alice-research: a server of it goes there,
    # then moves to the system project
    server = cli('server', 'create', '--name', 'p', '--flavor-id', 7,
                 '--image-id', DEBIAN_IMAGE, '--project-id', ALICE_PROJECT,
                 json_out=True)
    assert server['tenant_id'] == ALICE_PROJECT
    cli('server', 'reassign', server['id'], '--project-id', ALICE_UUID)
    info = cli('server', 'info', server['id'], json_out=True)
    assert info['tenant_id'] == ALICE_UUID
