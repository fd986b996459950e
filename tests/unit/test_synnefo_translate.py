"""The pure Synnefo -> OCCI mapping, table-driven from Cyclades shapes."""
import base64
import json

import pytest

from occi_pyramid import model
from occi_pyramid.backends.synnefo import translate
from occi_pyramid.model.core import TERM_RE

FLAVOR = {'id': 3, 'name': 'C2R2048D40', 'vcpus': 2, 'ram': 2048,
          'disk': 40, 'SNF:allow_create': True}
IMAGE_ID = 'D3B1A000-0000-4000-8000-000000000001'


def server(**changes):
    record = {
        'id': 42, 'name': 'web', 'status': 'ACTIVE', 'SNF:task_state': '',
        'progress': 100, 'suspended': False, 'deleted': False,
        'flavor': {'id': 3}, 'image': {'id': IMAGE_ID},
        'SNF:fqdn': 'snf-42.vm.example.org', 'metadata': {},
    }
    record.update(changes)
    return record


class TestTemplates:
    def test_terms_follow_the_grammar_and_map_back(self):
        term = translate.os_tpl_term(IMAGE_ID)
        assert TERM_RE.match(term)
        assert translate.image_id_of(term) == IMAGE_ID.lower()
        assert translate.resource_tpl_term(3) == 'flavor-3'
        assert translate.flavor_id_of('flavor-3') == 3
        assert translate.flavor_id_of('flavor-x') is None
        assert translate.image_id_of('flavor-3') is None

    def test_resource_template_carries_sizes_as_defaults(self):
        mixin = translate.resource_template(3, FLAVOR)
        assert mixin.depends == [model.RESOURCE_TPL]
        assert mixin.applies == [model.COMPUTE]
        assert mixin.location == '/mixin/resource_tpl/flavor-3/'
        defaults = {n: a.default for n, a in mixin.attributes.items()}
        assert defaults == {'occi.compute.cores': 2,
                            'occi.compute.memory': 2.0,
                            'occi.compute.ephemeral_storage.size': 40.0}
        assert '2 cores with 2 GiB memory and 40 GB disk' in mixin.title

    def test_os_template_title_from_the_image(self):
        mixin = translate.os_template(IMAGE_ID, {
            'name': 'Debian', 'metadata': {'description': 'Bookworm'}})
        assert mixin.title == 'Debian (Bookworm)'
        assert mixin.is_a(model.OS_TPL)

    def test_one_shared_mixin_per_distinct_template(self):
        image = {'name': 'Debian', 'metadata': {'description': 'Bookworm'}}
        assert translate.os_template(IMAGE_ID, image) is \
            translate.os_template(IMAGE_ID, dict(image))
        renamed = dict(image, name='Debian 13')
        assert translate.os_template(IMAGE_ID, renamed).title == \
            'Debian 13 (Bookworm)'
        assert translate.resource_template(3, FLAVOR) is \
            translate.resource_template(3, dict(FLAVOR))
        bigger = translate.resource_template(3, dict(FLAVOR, vcpus=4))
        assert bigger.attributes['occi.compute.cores'].default == 4
        assert translate.resource_template(3, FLAVOR).attributes[
            'occi.compute.cores'].default == 2
        closed = translate.resource_template(
            3, dict(FLAVOR, **{'SNF:allow_create': False}))
        assert closed.offered is False
        assert getattr(translate.resource_template(3, FLAVOR), 'offered',
                       True)

    def test_equal_numbers_of_other_types_are_other_templates(self):
        # 2 == 2.0, but a flavor with 2.0 cores renders "2.0"
        flavor = dict(FLAVOR, id=77)
        assert isinstance(translate.resource_template(
            77, dict(flavor, vcpus=2.0)).attributes[
                'occi.compute.cores'].default, float)
        assert isinstance(translate.resource_template(77, flavor).attributes[
            'occi.compute.cores'].default, int)

    def test_a_template_from_odd_values_is_built_all_the_same(self):
        mixin = translate.os_template(IMAGE_ID, {'name': ['a', 'list']})
        assert mixin.title == ['a', 'list']      # as before: not cached

    @pytest.mark.parametrize('cores, memory, expected', [
        (1, None, 1), (2, 2, 2), (2, 3, 4), (None, 4, 4), (8, None, None),
    ])
    def test_flavor_for(self, cores, memory, expected):
        flavors = [
            {'id': 1, 'vcpus': 1, 'ram': 1024, 'disk': 20},
            {'id': 2, 'vcpus': 2, 'ram': 2048, 'disk': 20},
            {'id': 4, 'vcpus': 4, 'ram': 4096, 'disk': 40},
            {'id': 6, 'vcpus': 8, 'ram': 8192, 'disk': 40,
             'SNF:allow_create': False},
        ]
        flavor = translate.flavor_for(flavors, cores, memory)
        assert (flavor or {}).get('id') == expected


class TestCompute:
    @pytest.mark.parametrize('changes, state, actions', [
        ({}, 'active', ['stop', 'restart', 'suspend']),
        ({'status': 'STOPPED'}, 'inactive', ['start', 'restart']),
        ({'status': 'BUILD', 'progress': 50}, 'inactive', []),
        ({'status': 'REBOOT', 'SNF:task_state': 'REBOOTING'}, 'active', []),
        ({'status': 'ERROR'}, 'error', []),
        ({'suspended': True}, 'suspended', []),
        ({'status': 'ACTIVE', 'SNF:task_state': 'STOPPING'}, 'active', []),
    ])
    def test_state_and_actions(self, changes, state, actions):
        entity = translate.compute(server(**changes), {3: FLAVOR})
        assert entity.attributes['occi.compute.state'] == state
        assert [a.term for a in entity.actions] == actions

    def test_attributes_and_mixins(self):
        entity = translate.compute(server(), {3: FLAVOR})
        assert entity.id == '42' and entity.location == '/compute/42'
        assert entity.title == 'web'
        assert entity.attributes['occi.compute.cores'] == 2
        assert entity.attributes['occi.compute.memory'] == 2.0
        assert entity.attributes['occi.compute.hostname'] == \
            'snf-42.vm.example.org'
        assert [m.term for m in entity.mixins] == [
            'flavor-3', translate.os_tpl_term(IMAGE_ID)]

    def test_build_message_shows_progress(self):
        _, message = translate.compute_state(server(status='BUILD',
                                                    progress=25))
        assert message == 'Building (25%)'

    @pytest.mark.parametrize('changes, action, words', [
        ({'status': 'BUILD'}, model.START, 'being built'),
        ({'SNF:task_state': 'STOPPING'}, model.START, 'busy'),
        ({'status': 'ERROR'}, model.STOP, 'error'),
        ({}, model.START, 'active'),
        ({}, model.STOP, None),
    ])
    def test_action_refusal_says_why(self, changes, action, words):
        refusal = translate.action_refusal(server(**changes), action)
        if words is None:
            assert refusal is None
        else:
            assert words in refusal

    def test_deleted(self):
        assert translate.is_deleted(server(status='DELETED'))
        assert translate.is_deleted({'deleted': True})
        assert not translate.is_deleted(server())


class TestPersonality:
    def test_key_and_user_data(self):
        data = base64.b64encode(b'#cloud-config\n').decode()
        files = translate.personality(data, 'ssh-rsa AAA me', ['root',
                                                              'user'], 'vm')
        paths = [f['path'] for f in files]
        assert paths == [
            '/var/lib/cloud/seed/nocloud-net/user-data',
            '/var/lib/cloud/seed/nocloud-net/meta-data',
            '/root/.ssh/authorized_keys', '/home/user/.ssh/authorized_keys']
        meta = json.loads(base64.b64decode(files[1]['contents']))
        assert meta == {'instance-id': 'vm', 'public-keys': ['ssh-rsa AAA me']}
        assert len(files) <= 5  # Synnefo's personality limit

    def test_nothing_gives_nothing(self):
        assert translate.personality() == []

    def test_image_users(self):
        assert translate.image_users({'metadata': {'users': 'root user'}}) \
            == ['root', 'user']
        assert translate.image_users(None) == []


class TestNetworkStorageLinks:
    def test_network_with_subnet(self):
        entity = translate.network(
            {'id': '5', 'name': 'n', 'status': 'ACTIVE', 'public': False,
             'subnets': ['9']},
            {'9': {'id': '9', 'cidr': '10.0.0.0/24', 'gateway_ip': '10.0.0.1',
                   'ip_version': 4, 'enable_dhcp': False}})
        assert entity.has_category(model.IPNETWORK)
        assert entity.attributes['occi.network.address'] == '10.0.0.0/24'
        assert entity.attributes['occi.network.allocation'] == 'static'
        assert translate.PRIVATE_NET in entity.mixins

    def test_public_network(self):
        entity = translate.network({'id': '1', 'public': True,
                                    'status': 'ACTIVE', 'subnets': []})
        assert translate.PUBLIC_NET in entity.mixins

    @pytest.mark.parametrize('status, state', [
        ('available', 'online'), ('in_use', 'online'), ('creating', 'offline'),
        ('error', 'error'), ('deleting', 'offline')])
    def test_storage_state(self, status, state):
        entity = translate.storage({'id': '7', 'status': status, 'size': 5})
        assert entity.attributes['occi.storage.state'] == state
        assert entity.attributes['occi.storage.size'] == 5.0

    def test_networkinterface(self):
        link = translate.networkinterface(
            {'id': '12', 'device_id': '42', 'network_id': '5',
             'status': 'BUILD', 'mac_address': 'aa:00:00:00:00:01',
             'fixed_ips': [{'ip_address': '10.0.0.3', 'subnet': '9'},
                           {'ip_address': '2001:db8::3', 'subnet': '10'}]},
            'eth1', {'9': {'gateway_ip': '10.0.0.1'}})
        assert link.location == '/networkinterface/12'
        assert (link.source, link.target) == ('/compute/42', '/network/5')
        assert link.attributes['occi.networkinterface.state'] == 'inactive'
        assert link.attributes['occi.networkinterface.address'] == '10.0.0.3'
        assert link.attributes['occi.networkinterface.gateway'] == '10.0.0.1'
        assert link.attributes['occi.networkinterface.interface'] == 'eth1'

    def test_interface_names_follow_port_ids_per_server(self):
        names = translate.interface_names([
            {'id': '20', 'device_id': '1'}, {'id': '3', 'device_id': '1'},
            {'id': '4', 'device_id': '2'}])
        assert names == {'3': 'eth0', '20': 'eth1', '4': 'eth0'}

    def test_storagelinks(self):
        links = translate.storagelinks({
            'id': '7', 'status': 'in_use', 'attachments': [
                {'server_id': 42, 'volume_id': 7, 'device_index': 1}]})
        assert [l.location for l in links] == ['/storagelink/42_7']
        assert links[0].attributes['occi.storagelink.deviceid'] == '/dev/vdb'
        assert links[0].attributes['occi.storagelink.state'] == 'active'
        assert translate.storagelink_ids('42_7') == (42, '7')
        assert translate.storagelink_ids('x_7') is None


class TestLinksFromTheServerRecord:
    NICS = [
        {'id': 9, 'network_id': '5', 'mac_address': 'aa:00:00:00:00:09',
         'ipv4': '10.0.0.9', 'ipv6': '', 'OS-EXT-IPS:type': 'fixed'},
        {'id': 4, 'network_id': '1', 'mac_address': 'aa:00:00:00:00:04',
         'ipv4': '', 'ipv6': '2001:db8::4'},
    ]

    def test_interfaces_and_storage_links_come_from_the_record(self):
        links = translate.server_links(server(attachments=self.NICS,
                                              volumes=[7, 8]))
        assert [link.location for link in links] == [
            '/networkinterface/4', '/networkinterface/9',
            '/storagelink/42_7', '/storagelink/42_8']
        eth0, eth1 = links[0], links[1]
        assert eth0.attributes['occi.networkinterface.interface'] == 'eth0'
        assert eth1.attributes['occi.networkinterface.interface'] == 'eth1'
        assert eth1.attributes['occi.networkinterface.address'] == \
            '10.0.0.9'
        assert model.IPNETWORKINTERFACE not in eth0.mixins
        assert (eth1.source, eth1.target) == ('/compute/42', '/network/5')
        assert links[2].target == '/storage/7'

    def test_a_record_without_links_has_none(self):
        assert translate.server_links(server()) == []

    @pytest.mark.parametrize('port_id, name', [(4, 'eth0'), (9, 'eth1'),
                                               (12, 'eth2'), (1, 'eth0')])
    def test_interface_names_rank_ports_by_id(self, port_id, name):
        assert translate.interface_name(
            server(attachments=self.NICS), port_id) == name


def test_flavors_forbidden_for_create_are_known_but_not_offered():
    forbidden = dict(FLAVOR, id=6, **{'SNF:allow_create': False})
    mixins = translate.templates([], [FLAVOR, forbidden])
    assert [m.term for m in mixins] == ['flavor-3', 'flavor-6']
    assert [getattr(m, 'offered', True) for m in mixins] == [True, False]


@pytest.mark.parametrize('status, task, action, reached', [
    ('BUILD', 'BUILDING', 'start', True),
    ('BUILD', None, 'start', True),
    ('STOPPED', 'STARTING', 'start', True),
    ('ACTIVE', 'REBOOTING', 'start', True),
    ('ACTIVE', 'STOPPING', 'stop', True),
    ('ACTIVE', 'STOPPING', 'suspend', True),
    ('BUILD', 'BUILDING', 'stop', False),
    ('BUILD', 'BUILDING', 'restart', False),
    ('ACTIVE', 'DESTROYING', 'start', False),
    ('ERROR', None, 'start', False),
    ('ACTIVE', None, 'start', False),   # settled: the 409 it always was
])
def test_an_action_the_compute_reaches_anyway(status, task, action,
                                              reached):
    from occi_pyramid.model import infrastructure

    server = {'id': 3, 'status': status, 'SNF:task_state': task}
    found = {a.term: a for a in infrastructure.COMPUTE.actions}[action]
    assert translate.reached_anyway(server, found) is reached
