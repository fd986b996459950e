"""Every session operation against the simulator over real HTTP, with the
exact request each one puts on the wire (method, path, query, JSON body,
token), so a change in what kamaki sends fails here."""
import base64

import pytest

from occi_pyramid.exceptions import (
    BackendAuthError, BackendBadRequest, BackendConflict, BackendForbidden,
    BackendNotFound, BackendOverLimit,
)
from occi_pyramid.simulator.testing import (
    ALICE, ALICE_PROJECT, ALICE_UUID, BOB, DEBIAN_IMAGE, PUBLIC_NETWORK,
)

GREEK = 'Ελληνικά ☁'
TOKEN_BODY = {'auth': {'token': {'id': ALICE}}}


@pytest.fixture
def session(backend, wire):
    backend.catalog(ALICE)              # the per-cloud catalog, once
    wire.take()
    return backend.api(ALICE)


def make_server(session, control, name='vm', settle=True, **kwargs):
    server = session.create_server(name, 1, DEBIAN_IMAGE, networks=[],
                                   **kwargs)
    if settle:
        control.settle()
    return server


# -- identity -----------------------------------------------------------------

def test_catalog_is_fetched_once_per_cloud(backend, wire):
    catalog = backend.api(ALICE).catalog()
    assert {s['type'] for s in catalog} >= {
        'identity', 'account', 'compute', 'network', 'volume', 'image'}
    for token in (ALICE, BOB, ALICE):
        backend.api(token).list_servers()
    calls = wire.take()
    identity = [c for c in calls if c[1].startswith('/identity/')]
    assert identity == [('POST', '/identity/v2.0/tokens', '', None, ALICE)]
    assert len(calls) == 4


def test_authenticate(session, wire):
    info = session.authenticate()
    assert info['user_id'] == ALICE_UUID
    assert info['default_project'] == ALICE_UUID
    assert set(info['projects']) == {ALICE_UUID, ALICE_PROJECT}
    assert info['user_name']
    session.authenticate()              # once per session
    assert wire.take() == [
        ('POST', '/identity/v2.0/tokens', '', TOKEN_BODY, ALICE)]


def test_bad_token_is_401(backend, wire):
    with pytest.raises(BackendAuthError) as info:
        backend.api('no-such-token').authenticate()
    assert 'Invalid token' in info.value.message
    with pytest.raises(BackendAuthError):
        backend.api('no-such-token').list_servers()


def test_quotas(session, wire):
    quotas = session.get_quotas()
    assert quotas[ALICE_UUID]['cyclades.vm']['limit'] >= 1
    assert wire.take() == [
        ('POST', '/identity/v2.0/tokens', '', TOKEN_BODY, ALICE),
        ('GET', '/account/v1.0/quotas', '', None, ALICE)]


# -- servers ------------------------------------------------------------------

def test_server_lifecycle_on_the_wire(session, control, wire):
    personality = [{'path': '/etc/motd', 'contents':
                    base64.b64encode('γεια'.encode()).decode(),
                    'owner': 'root', 'group': 'root', 'mode': 0o644}]
    server = session.create_server(
        GREEK, 1, DEBIAN_IMAGE, networks=[], personality=personality,
        metadata={'κλειδί': 'τιμή'}, project=ALICE_PROJECT)
    sid = server['id']
    assert server['name'] == GREEK and server['status'] == 'BUILD'
    # the image's os/users metadata come from the per-user image listing
    # (cached: kamaki's create_server would GET the image every time)
    assert wire.take() == [
        ('POST', '/identity/v2.0/tokens', '', TOKEN_BODY, ALICE),
        ('GET', '/compute/v2.0/images/detail', '', None, ALICE),
        ('POST', '/compute/v2.0/servers', '', {'server': {
            'name': GREEK, 'flavorRef': 1, 'imageRef': DEBIAN_IMAGE,
            'metadata': {'κλειδί': 'τιμή', 'os': 'debian', 'users': 'root'},
            'personality': personality, 'networks': [],
            'project': ALICE_PROJECT}}, ALICE)]
    control.settle()
    wire.take()
    base = '/compute/v2.0/servers/%s' % sid

    assert session.get_server(sid)['status'] == 'ACTIVE'
    assert [s['id'] for s in session.list_servers()] == [sid]
    wire.take()
    session.delete_server(sid)
    assert wire.take() == [('DELETE', base, '', None, ALICE)]
    control.settle()
    assert session.get_server(sid)['status'] == 'DELETED'


def test_server_actions_on_the_wire(session, control, wire):
    sid = make_server(session, control)['id']
    wire.take()
    base = '/compute/v2.0/servers/%s' % sid
    session.get_server(sid)
    session.list_servers()
    session.rename_server(sid, GREEK)
    session.shutdown_server(sid)
    control.settle()
    assert wire.take() == [
        ('GET', base, '', None, ALICE),
        ('GET', '/compute/v2.0/servers/detail', '', None, ALICE),
        ('PUT', base, '', {'server': {'name': GREEK}}, ALICE),
        ('POST', base + '/action', '', {'shutdown': {}}, ALICE)]
    session.resize_server(sid, 2)
    control.settle()
    session.start_server(sid)
    control.settle()
    session.reboot_server(sid)
    control.settle()
    session.reboot_server(sid, hard=True)
    control.settle()
    assert wire.take() == [
        ('POST', base + '/action', '', {'resize': {'flavorRef': 2}}, ALICE),
        ('POST', base + '/action', '', {'start': {}}, ALICE),
        ('POST', base + '/action', '', {'reboot': {'type': 'SOFT'}}, ALICE),
        ('POST', base + '/action', '', {'reboot': {'type': 'HARD'}}, ALICE)]


def test_server_metadata_and_nics(session, control, wire):
    sid = make_server(session, control)['id']
    wire.take()
    base = '/compute/v2.0/servers/%s' % sid
    merged = session.update_server_metadata(sid, {GREEK: 'ναι', 'a': 'b'})
    assert merged[GREEK] == 'ναι'
    assert session.get_server_metadata(sid)['a'] == 'b'
    session.delete_server_metadata(sid, GREEK)
    assert GREEK not in session.get_server_metadata(sid)
    nics = session.get_server_nics(sid)
    assert set(nics) >= {'addresses', 'attachments'}
    calls = wire.take()
    assert calls[:3] == [
        ('POST', base + '/metadata', '',
         {'metadata': {GREEK: 'ναι', 'a': 'b'}}, ALICE),
        ('GET', base + '/metadata', '', None, ALICE),
        # logged decoded: kamaki quoted the UTF-8 key exactly once
        ('DELETE', base + '/metadata/' + GREEK, '', None, ALICE)]
    assert calls[3:] == [('GET', base + '/metadata', '', None, ALICE),
                         ('GET', base + '/ips', '', None, ALICE)]


def test_server_errors(session, control, backend, wire):
    sid = make_server(session, control, settle=False)['id']
    # 409 while building (delays=manual keeps it in BUILD)
    with pytest.raises(BackendConflict) as info:
        session.start_server(sid)
    assert info.value.code == 409
    control.settle()
    # 404 for another user's server, and for an unknown one
    with pytest.raises(BackendNotFound):
        backend.api(BOB).get_server(sid)
    with pytest.raises(BackendNotFound):
        backend.api(BOB).delete_server(sid)
    with pytest.raises(BackendNotFound):
        session.get_server(999999)
    # 400: wrong state; 403: flavor not allowed for creation
    with pytest.raises(BackendBadRequest):
        session.start_server(sid)
    with pytest.raises(BackendForbidden):
        session.create_server('x', 6, DEBIAN_IMAGE, networks=[])


def test_quota_exceeded_is_403_with_reason(session, control):
    # NB: still a BackendOverLimit; 403 for HTTP clients (decisions.md)
    control.set_quota(ALICE, {'cyclades.vm': 0})
    with pytest.raises(BackendOverLimit) as info:
        session.create_server('x', 1, DEBIAN_IMAGE, networks=[])
    assert info.value.code == 403
    assert 'Limit for resource' in info.value.message
    assert 'Virtual Machine' in info.value.message


# -- flavors and images (cached per user) ----------------------------------------

def test_flavors_cached_per_user(session, backend, wire):
    flavors = session.list_flavors()
    assert {f['id'] for f in flavors} >= {1, 2, 3, 4}
    assert session.get_flavor(2)['vcpus'] == 2
    backend.api(ALICE).list_flavors()      # another request, same user
    # the identity answer is cached per token hash too: the second request
    # costs no call at all
    assert wire.take() == [
        ('POST', '/identity/v2.0/tokens', '', TOKEN_BODY, ALICE),
        ('GET', '/compute/v2.0/flavors/detail', '', None, ALICE)]
    # deleted flavors are not listed but readable by id
    assert session.get_flavor(8)['id'] == 8
    assert wire.take() == [('GET', '/compute/v2.0/flavors/8', '', None,
                            ALICE)]
    backend.api(BOB).list_flavors()        # another user: own cache
    assert ('GET', '/compute/v2.0/flavors/detail', '', None, BOB) in (
        wire.take())


def test_cache_ttl_expires(sim, control, wire):
    from occi_pyramid.backends.synnefo import SynnefoBackend
    now = [0.0]
    backend = SynnefoBackend(sim.auth_url, timeout=5, cache_ttl=30,
                             clock=lambda: now[0])
    backend.api(ALICE).list_images()
    backend.api(ALICE).list_images()
    now[0] += 31
    backend.api(ALICE).list_images()
    listings = [c for c in wire.take() if c[1].endswith('/images/detail')]
    assert len(listings) == 2
    backend.close()


def test_images(session, wire):
    images = session.list_images()
    assert DEBIAN_IMAGE in {i['id'] for i in images}
    assert session.get_image(DEBIAN_IMAGE)['metadata']['os'] == 'debian'
    meta = session.get_image_meta(DEBIAN_IMAGE)
    assert meta['id'] == DEBIAN_IMAGE
    assert meta['properties']['os'] == 'debian'
    assert meta['name'] == 'Debian Base'
    assert wire.take() == [
        ('POST', '/identity/v2.0/tokens', '', TOKEN_BODY, ALICE),
        ('GET', '/compute/v2.0/images/detail', '', None, ALICE),
        ('HEAD', '/image/v1.0/images/' + DEBIAN_IMAGE, '', None, ALICE)]
    with pytest.raises(BackendNotFound):
        session.get_image_meta('d3b1a000-0000-4000-8000-0000000000ff')


# -- networks, subnets, ports, floating IPs -----------------------------------------

def test_network_lifecycle(session, control, wire):
    net = session.create_network(GREEK)
    nid = net['id']
    assert net['name'] == GREEK and net['status'] == 'ACTIVE'
    assert session.get_network(nid)['id'] == nid
    assert nid in {n['id'] for n in session.list_networks()}
    assert session.rename_network(nid, 'b')['name'] == 'b'
    session.delete_network(nid)
    base = '/network/v2.0/networks'
    assert wire.take() == [
        ('POST', base, '', {'network': {
            'type': 'MAC_FILTERED', 'admin_state_up': True,
            'name': GREEK}}, ALICE),
        ('GET', base + '/' + nid, '', None, ALICE),
        ('GET', base, '', None, ALICE),
        ('PUT', base + '/' + nid, '', {'network': {'name': 'b'}}, ALICE),
        ('DELETE', base + '/' + nid, '', None, ALICE)]
    session.create_network('p', project=ALICE_PROJECT)
    assert wire.take()[0][3] == {'network': {
        'type': 'MAC_FILTERED', 'admin_state_up': True, 'name': 'p',
        'project': ALICE_PROJECT}}
    with pytest.raises(BackendForbidden):
        session.delete_network(PUBLIC_NETWORK)


def test_subnets_and_ports(session, control, wire):
    nid = session.create_network('n')['id']
    sub = session.create_subnet(nid, '10.0.0.0/24', name=GREEK,
                                enable_dhcp=False)
    assert sub['cidr'] == '10.0.0.0/24' and sub['name'] == GREEK
    assert sub['gateway_ip'] == '10.0.0.1'
    assert session.get_subnet(sub['id'])['id'] == sub['id']
    assert sub['id'] in {s['id'] for s in session.list_subnets()}
    sid = make_server(session, control)['id']
    wire.take()
    port = session.create_port(nid, device_id=sid, name=GREEK,
                               fixed_ips=[{'ip_address': '10.0.0.5'}])
    assert port['status'] == 'BUILD'
    control.settle()
    assert session.get_port(port['id'])['status'] == 'ACTIVE'
    assert port['id'] in {p['id'] for p in session.list_ports()}
    session.delete_port(port['id'])
    assert wire.take() == [
        ('POST', '/network/v2.0/ports', '', {'port': {
            'network_id': nid, 'device_id': sid, 'name': GREEK,
            'fixed_ips': [{'ip_address': '10.0.0.5'}]}}, ALICE),
        ('GET', '/network/v2.0/ports/' + port['id'], '', None, ALICE),
        ('GET', '/network/v2.0/ports', '', None, ALICE),
        ('DELETE', '/network/v2.0/ports/' + port['id'], '', None, ALICE)]
    # subnet request shapes: default gateway omitted, None sent as null
    nid2 = session.create_network('n2')['id']
    wire.take()
    session.create_subnet(nid2, '10.0.1.0/24', gateway_ip=None)
    assert wire.take() == [('POST', '/network/v2.0/subnets', '', {'subnet': {
        'network_id': nid2, 'cidr': '10.0.1.0/24', 'ip_version': 4,
        'gateway_ip': None}}, ALICE)]
    with pytest.raises(BackendOverLimit):
        session.create_subnet(session.create_network('n3')['id'],
                              '10.1.0.0/16')


def test_subnet_request_on_the_wire(session, wire):
    nid = session.create_network('n')['id']
    wire.take()
    session.create_subnet(nid, '192.168.5.0/24', name='s', enable_dhcp=True)
    assert wire.take() == [('POST', '/network/v2.0/subnets', '', {'subnet': {
        'network_id': nid, 'cidr': '192.168.5.0/24', 'ip_version': 4,
        'name': 's', 'enable_dhcp': True}}, ALICE)]


def test_floating_ips(session, control, wire):
    fip = session.create_floatingip(network_id=PUBLIC_NETWORK)
    assert fip['floating_network_id'] == PUBLIC_NETWORK
    any_pool = session.create_floatingip(project=ALICE_PROJECT)
    assert session.get_floatingip(fip['id'])['id'] == fip['id']
    assert {fip['id'], any_pool['id']} <= {
        f['id'] for f in session.list_floatingips()}
    session.delete_floatingip(fip['id'])
    base = '/network/v2.0/floatingips'
    assert wire.take() == [
        ('POST', base, '', {'floatingip': {
            'floating_network_id': PUBLIC_NETWORK}}, ALICE),
        ('POST', base, '', {'floatingip': {'project': ALICE_PROJECT}},
         ALICE),
        ('GET', base + '/' + fip['id'], '', None, ALICE),
        ('GET', base, '', None, ALICE),
        ('DELETE', base + '/' + fip['id'], '', None, ALICE)]
    with pytest.raises(BackendNotFound):
        session.delete_floatingip(fip['id'])


# -- volumes and attachments -------------------------------------------------------

def test_volume_lifecycle(session, control, wire):
    vol = session.create_volume(3, GREEK, volume_type=2,
                                description='περιγραφή')
    vid = vol['id']
    assert vol['display_name'] == GREEK and vol['status'] == 'available'
    assert vid in {v['id'] for v in session.list_volumes()}
    updated = session.update_volume(vid, name='b', description='d')
    assert updated['display_name'] == 'b'
    types = session.list_volume_types()
    assert {t['id'] for t in types} >= {1, 2}
    session.delete_volume(vid)
    base = '/volume/v2.0/volumes'
    assert wire.take() == [
        ('POST', base, '', {'volume': {
            'size': 3, 'display_name': GREEK, 'volume_type': 2,
            'display_description': 'περιγραφή'}}, ALICE),
        ('GET', base + '/' + vid, '', None, ALICE),
        ('GET', base + '/detail', '', None, ALICE),
        ('PUT', base + '/' + vid, '', {'volume': {
            'display_name': 'b', 'display_description': 'd'}}, ALICE),
        ('GET', '/volume/v2.0/types', '', None, ALICE),
        ('DELETE', base + '/' + vid, '', None, ALICE)]
    with pytest.raises(BackendBadRequest):
        session.create_volume(1, 'x', volume_type=1)   # not detachable


def test_volume_attachments(session, control, wire):
    sid = make_server(session, control)['id']
    vid = session.create_volume(1, 'data', volume_type=2)['id']
    wire.take()
    attachment = session.attach_volume(sid, vid)
    assert str(attachment['volumeId']) == vid
    control.settle()
    listed = session.list_volume_attachments(sid)
    assert vid in {str(a['volumeId']) for a in listed}
    session.detach_volume(sid, vid)
    control.settle()
    base = '/compute/v2.0/servers/%s/os-volume_attachments' % sid
    assert wire.take() == [
        ('POST', base, '', {'volumeAttachment': {'volumeId': vid}}, ALICE),
        ('GET', base, '', None, ALICE),
        ('DELETE', base + '/' + vid, '', None, ALICE)]
    assert session.get_volume(vid)['status'] == 'available'
    # a volume attached at creation
    vol = session.create_volume(1, 'boot-data', server_id=sid)
    assert vol['status'] in ('creating', 'in_use')
