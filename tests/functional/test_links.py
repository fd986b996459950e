"""Networks, storage, network interfaces and storage links end to end,
through real kamaki and the simulator, in every rendering."""
import pytest

from tests.functional.conftest import (
    ALICE, FORMATS, HOST, INFRA, action_request, entity_request, read,
    until,
)

NETWORK = INFRA + 'network'
STORAGE = INFRA + 'storage'
NETWORKINTERFACE = INFRA + 'networkinterface'
STORAGELINK = INFRA + 'storagelink'
IPNETWORK = 'http://schemas.ogf.org/occi/infrastructure/network#ipnetwork'
IPNI = ('http://schemas.ogf.org/occi/infrastructure/networkinterface#'
        'ipnetworkinterface')
EGI = 'http://schemas.fedcloud.egi.eu/occi/infrastructure/network#'
NET_ACTIONS = 'http://schemas.ogf.org/occi/infrastructure/network/action#'
STORAGE_ACTIONS = 'http://schemas.ogf.org/occi/infrastructure/storage/action#'


def created(res):
    return res.headers['Location'][len(HOST):]


def make_network(user, fmt='text/plain', title='net', address=None,
                 status=201):
    mixins, attributes = [], {'occi.core.title': title}
    if address:
        mixins.append(IPNETWORK)
        attributes['occi.network.address'] = address
    res = user.post('/network/', entity_request(
        fmt, NETWORK, mixins, attributes), fmt, status=status)
    return created(res) if status == 201 else res


def make_interface(user, compute, network):
    """A network interface from ``compute`` to ``network`` (text/plain)."""
    return created(user.post('/networkinterface/', entity_request(
        'text/plain', NETWORKINTERFACE, (), {'occi.core.source': compute,
                                             'occi.core.target': network}),
        status=201))


def make_storage(user, fmt='text/plain', title='disk', size=10, status=201):
    res = user.post('/storage/', entity_request(
        fmt, STORAGE, [], {'occi.core.title': title,
                           'occi.storage.size': size}), fmt, status=status)
    return created(res) if status == 201 else res


def public_network(user):
    for location in user.get('/network/', 'text/uri-list').text.split():
        path = location[len(HOST):]
        categories = read(user.get(path))['categories']
        if any(c['term'] == 'public_net' for c in categories):
            return path
    raise AssertionError('no public network listed')


def link(target, kind, category, **attributes):
    return {'target': target, 'rel': kind, 'category': category,
            'attributes': attributes}


def links_of(user, compute, fmt='application/occi+json'):
    """``{link location: target location}`` of a compute's rendering."""
    if fmt == 'application/occi+json':
        document = user.get(compute, fmt).json
        # a link's URL is its kind's location and its id
        return {'/%s/%s' % (l['kind'].split('#')[1], l['id']):
                l['target']['location'][len(HOST):]
                for l in document.get('links', [])}
    return {l['self']: l['target'] for l in read(user.get(compute, fmt))[
        'links'] if l.get('self')}


def floating_ips(token=ALICE, cloud=None):
    # the control client speaks plain HTTP to the simulator's Synnefo API
    result = cloud.control.call('GET', '/network/v2.0/floatingips',
                                token=token)
    return result[1]['floatingips']


# -- networks ------------------------------------------------------------------

@pytest.mark.parametrize('fmt', FORMATS)
def test_network_with_a_title_only(alice, fmt):
    path = make_network(alice, fmt, title='plain')
    body = read(alice.get(path, fmt))
    assert body['attributes']['occi.core.title'] == 'plain'
    assert body['attributes']['occi.network.state'] == 'active'
    assert 'occi.network.address' not in body['attributes']


@pytest.mark.parametrize('fmt', FORMATS)
def test_network_with_ipnetwork_gets_a_subnet(alice, fmt):
    path = make_network(alice, fmt, address='10.9.0.0/24')
    attributes = alice.attributes(path, fmt)
    assert attributes['occi.network.address'] == '10.9.0.0/24'
    assert attributes['occi.network.gateway'] == '10.9.0.1'
    assert attributes['occi.network.allocation'] == 'dynamic'


def test_static_allocation_and_gateway(alice):
    res = alice.post('/network/', entity_request(
        'text/plain', NETWORK, [IPNETWORK], {
            'occi.network.address': '10.8.0.0/24',
            'occi.network.gateway': '10.8.0.254',
            'occi.network.allocation': 'static'}), status=201)
    attributes = alice.attributes(created(res))
    assert attributes['occi.network.gateway'] == '10.8.0.254'
    assert attributes['occi.network.allocation'] == 'static'


def test_ipnetwork_without_an_address_is_400(alice):
    res = alice.post('/network/', entity_request(
        'text/plain', NETWORK, [IPNETWORK], {'occi.core.title': 'x'}),
        status=400)
    assert 'occi.network.address' in res.text
    # nothing half-created
    assert public_network(alice) and len(
        alice.get('/network/', 'text/uri-list').text.split()) == 1


def test_a_subnet_the_cloud_refuses_leaves_no_network(alice):
    res = make_network(alice, address='10.0.0.0/16', status=413)
    assert 'not created' in res.text
    assert len(alice.get('/network/', 'text/uri-list').text.split()) == 1


def test_public_network_is_listed_and_protected(alice):
    path = public_network(alice)
    assert alice.attributes(path)['occi.network.address']
    alice.delete(path, status=403)
    alice.post(path, entity_request('text/plain', None, (), {
        'occi.core.title': 'mine now'}), status=403)
    res = alice.post('/network/', entity_request(
        'text/plain', NETWORK, [EGI + 'public_net'], {}), status=403)
    assert 'administrators' in res.text


def test_network_rename_and_delete(alice):
    path = make_network(alice, title='before')
    alice.post(path, entity_request('text/plain', None, (), {
        'occi.core.title': 'after'}))
    assert alice.attributes(path)['occi.core.title'] == 'after'
    alice.delete(path)
    alice.get(path, status=404)


def test_network_actions(alice):
    path = make_network(alice)
    alice.post(path + '?action=up', action_request(
        'text/plain', NET_ACTIONS + 'up'))
    res = alice.post(path + '?action=down', action_request(
        'text/plain', NET_ACTIONS + 'down'), status=501)
    assert 'Synnefo' in res.text


def test_network_in_use_cannot_be_deleted(alice):
    net = make_network(alice, address='10.7.0.0/24')
    alice.create_compute(links=[link(net, NETWORK, NETWORKINTERFACE)])
    res = alice.delete(net, status=409)
    assert 'ports' in res.text


def test_other_users_do_not_see_networks(alice, bob):
    path = make_network(alice)
    bob.get(path, status=404)


# -- storage -------------------------------------------------------------------

@pytest.mark.parametrize('fmt', FORMATS)
def test_storage_create_and_retrieve(alice, fmt):
    path = make_storage(alice, fmt, title='data', size=5)
    attributes = alice.attributes(path, fmt)
    assert float(attributes['occi.storage.size']) == 5.0
    assert attributes['occi.storage.state'] == 'online'
    assert attributes['occi.core.title'] == 'data'


def test_storage_needs_a_positive_size(alice):
    res = alice.post('/storage/', entity_request(
        'text/plain', STORAGE, [], {'occi.core.title': 'x'}), status=400)
    assert 'occi.storage.size' in res.text
    for size in (0, -2):
        res = make_storage(alice, size=size, status=400)
        assert 'occi.storage.size' in res.text


@pytest.mark.parametrize('size, volume', [(0.1, 1.0), (1.5, 2.0)])
def test_a_fractional_storage_size_gets_the_next_whole_gb(alice, size,
                                                          volume):
    """pOCCI INFRA/CREATE/002 asks occi.storage.size=0.1: Synnefo volumes
    are whole GB, so the smallest that holds it is made."""
    path = make_storage(alice, size=size)
    assert float(alice.attributes(path)['occi.storage.size']) == volume


def test_storage_update_and_resize_refusal(alice):
    path = make_storage(alice, title='old')
    alice.post(path, entity_request('text/plain', None, (), {
        'occi.core.title': 'new', 'occi.core.summary': 'my data'}))
    attributes = alice.attributes(path)
    assert attributes['occi.core.title'] == 'new'
    assert attributes['occi.core.summary'] == 'my data'
    res = alice.post(path, entity_request('text/plain', None, (), {
        'occi.storage.size': 20}), status=501)
    assert 'resize' in res.text


def test_storage_actions(alice):
    path = make_storage(alice)
    alice.post(path + '?action=online', action_request(
        'text/plain', STORAGE_ACTIONS + 'online'))
    for term in ('offline', 'backup', 'snapshot'):
        alice.post(path + '?action=' + term, ({}, ''), status=501)
    alice.post(path + '?action=resize', action_request(
        'text/plain', STORAGE_ACTIONS + 'resize', {'size': 20.0}),
        status=501)


def test_storage_delete(alice):
    path = make_storage(alice)
    alice.delete(path)
    alice.get(path, status=404)


# -- links created directly ----------------------------------------------------

@pytest.mark.parametrize('fmt', FORMATS)
def test_storagelink_direct_create_render_and_delete(alice, fmt):
    compute = alice.create_compute()
    storage = make_storage(alice)
    res = alice.post('/storagelink/', entity_request(fmt, STORAGELINK, (), {
        'occi.core.source': compute, 'occi.core.target': storage}), fmt,
        status=201)
    link_path = created(res)
    body = read(alice.get(link_path, fmt))
    assert body['attributes']['occi.core.source'].endswith(compute)
    assert body['attributes']['occi.core.target'].endswith(storage)
    assert body['attributes']['occi.storagelink.deviceid'] == '/dev/vdb'
    # the volume shows in the VM's rendering...
    assert links_of(alice, compute, fmt)[link_path] == storage
    # ...and is gone after the link's DELETE
    alice.delete(link_path, fmt)
    assert link_path not in links_of(alice, compute, fmt)
    assert alice.attributes(storage)['occi.storage.state'] == 'online'


@pytest.mark.parametrize('fmt', FORMATS)
def test_networkinterface_direct_create_render_and_delete(alice, fmt):
    compute = alice.create_compute()
    network = make_network(alice, address='10.6.0.0/24')
    res = alice.post('/networkinterface/', entity_request(
        fmt, NETWORKINTERFACE, (), {'occi.core.source': HOST + compute,
                                    'occi.core.target': network}), fmt,
        status=201)
    link_path = created(res)
    attributes = alice.attributes(link_path, fmt)
    assert attributes['occi.networkinterface.address'].startswith('10.6.0.')
    assert attributes['occi.networkinterface.mac']
    assert attributes['occi.networkinterface.interface'] == 'eth0'
    assert links_of(alice, compute, fmt)[link_path] == network
    alice.delete(link_path, fmt)
    alice.get(link_path, status=404)
    assert link_path not in links_of(alice, compute)


def test_text_link_line_names_the_target(alice):
    network = make_network(alice, address='10.5.0.0/24')
    compute = alice.create_compute(links=[link(network, NETWORK,
                                               NETWORKINTERFACE)])
    lines = [line for line in alice.get(compute).text.splitlines()
             if line.startswith('Link: <%s>' % network)]
    assert len(lines) == 1
    assert 'rel="%s"' % NETWORK in lines[0]
    assert 'self="/networkinterface/' in lines[0]
    assert 'category="%s %s"' % (NETWORKINTERFACE, IPNI) in lines[0]


def test_static_address_on_a_private_network(alice):
    network = make_network(alice, address='10.4.0.0/24')
    compute = alice.create_compute()
    res = alice.post('/networkinterface/', entity_request(
        'text/plain', NETWORKINTERFACE, [IPNI], {
            'occi.core.source': compute, 'occi.core.target': network,
            'occi.networkinterface.address': '10.4.0.77'}), status=201)
    assert alice.attributes(created(res))[
        'occi.networkinterface.address'] == '10.4.0.77'


def test_linking_to_a_missing_target_is_404(alice):
    compute = alice.create_compute()
    alice.post('/storagelink/', entity_request(
        'text/plain', STORAGELINK, (), {'occi.core.source': compute,
                                        'occi.core.target': '/storage/999'}),
        status=404)
    alice.post('/networkinterface/', entity_request(
        'text/plain', NETWORKINTERFACE, (), {
            'occi.core.source': '/compute/999',
            'occi.core.target': public_network(alice)}), status=404)


def test_linking_to_the_wrong_kind_is_400(alice):
    compute = alice.create_compute()
    res = alice.post('/storagelink/', entity_request(
        'text/plain', STORAGELINK, (), {
            'occi.core.source': compute,
            'occi.core.target': public_network(alice)}), status=400)
    assert 'storage' in res.text
    alice.post('/storagelink/', entity_request(
        'text/plain', STORAGELINK, (), {'occi.core.source': compute}),
        status=400)


def test_a_root_volume_cannot_be_detached(alice):
    compute = alice.create_compute()
    root = [p for p, target in links_of(alice, compute).items()
            if p.startswith('/storagelink/')][0]
    res = alice.delete(root, status=409)
    assert 'root' in res.text


# -- the public network and floating IPs ---------------------------------------

def test_linking_to_the_public_network_allocates_a_floating_ip(alice, cloud):
    public = public_network(alice)
    compute = alice.create_compute()
    assert floating_ips(cloud=cloud) == []
    res = alice.post('/networkinterface/', entity_request(
        'text/plain', NETWORKINTERFACE, (), {'occi.core.source': compute,
                                             'occi.core.target': public}),
        status=201)
    link_path = created(res)
    fips = floating_ips(cloud=cloud)
    assert len(fips) == 1 and fips[0]['instance_id'] == \
        compute.rsplit('/', 1)[1]
    assert alice.attributes(link_path)['occi.networkinterface.address'] == \
        fips[0]['floating_ip_address']
    alice.delete(link_path)
    # released by the server once the cloud has removed the port
    until(lambda: floating_ips(cloud=cloud) == [], cloud)


def test_inline_public_link_and_release_when_the_compute_goes(alice, cloud):
    public = public_network(alice)
    compute = alice.create_compute(links=[link(public, NETWORK,
                                               NETWORKINTERFACE)])
    assert len(floating_ips(cloud=cloud)) == 1
    alice.delete(compute)
    # released by the server once the cloud has deleted the compute
    until(lambda: floating_ips(cloud=cloud) == [], cloud)


def test_no_floating_ip_quota_creates_nothing(alice, cloud):
    cloud.control.set_quota(ALICE, {'cyclades.floating_ip': 0})
    res = alice.create_compute(links=[link(public_network(alice), NETWORK,
                                           NETWORKINTERFACE)], status=403)
    # NB: an exhausted quota is 403, not 413 (docs/decisions.md)
    assert "Limit for resource 'Floating IP address'" in res.text
    assert alice.get('/compute/').text == ''


# -- inline links ----------------------------------------------------------------

@pytest.mark.parametrize('fmt', FORMATS)
def test_inline_links_on_create(alice, fmt):
    network = make_network(alice, address='10.3.0.0/24')
    storage = make_storage(alice)
    compute = alice.create_compute(fmt, links=[
        link(network, NETWORK, NETWORKINTERFACE),
        link(storage, STORAGE, STORAGELINK)])
    targets = set(links_of(alice, compute, fmt).values())
    assert {network, storage} <= targets


def test_inline_link_to_a_missing_target_creates_nothing(alice):
    res = alice.create_compute(links=[link('/storage/999', STORAGE,
                                           STORAGELINK)], status=404)
    assert '999' in res.text
    assert alice.get('/compute/').text == ''


def test_inline_link_that_fails_rolls_the_compute_back(alice):
    storage = make_storage(alice)
    alice.create_compute(title='first', links=[link(storage, STORAGE,
                                                    STORAGELINK)])
    # the volume is in use now: the second compute cannot have it
    res = alice.create_compute(title='second', links=[
        link(storage, STORAGE, STORAGELINK)], status=409)
    assert 'not created' in res.text
    titles = [alice.attributes(loc[len(HOST):])['occi.core.title']
              for loc in alice.get('/compute/', 'text/uri-list').text.split()]
    assert titles == ['first']


def test_links_added_by_partial_update(alice):
    compute = alice.create_compute()
    network = make_network(alice, address='10.2.0.0/24')
    storage = make_storage(alice)
    alice.post(compute, entity_request('text/plain', None, (), {}, links=[
        link(network, NETWORK, NETWORKINTERFACE),
        link(storage, STORAGE, STORAGELINK)]))
    assert {network, storage} <= set(links_of(alice, compute).values())


def test_link_lines_in_put_are_ignored(alice):
    compute = alice.create_compute()
    network = make_network(alice)
    before = links_of(alice, compute)
    alice.put(compute, entity_request('text/plain', None, (), {
        'occi.core.title': 'same'}, links=[link(network, NETWORK,
                                                NETWORKINTERFACE)]))
    assert links_of(alice, compute) == before


# -- collections, filters, namespace ---------------------------------------------

@pytest.mark.parametrize('path', ['/network/', '/storage/',
                                  '/networkinterface/', '/storagelink/',
                                  '/link/', '/resource/'])
def test_every_collection_lists_in_every_rendering(alice, path):
    network = make_network(alice, address='10.1.0.0/24')
    alice.create_compute(links=[link(network, NETWORK, NETWORKINTERFACE)])
    uris = alice.get(path, 'text/uri-list').text.split()
    assert uris and all(u.startswith(HOST + '/') for u in uris)
    plain = [line.split(': ', 1)[1] for line in
             alice.get(path).text.splitlines()]
    assert sorted(plain) == sorted(uris)
    document = alice.get(path, 'application/occi+json').json
    assert len(document.get('resources', [])) + len(
        document.get('links', [])) == len(uris)


def test_category_and_attribute_filters_on_links(alice):
    network = make_network(alice, address='10.1.0.0/24')
    compute = alice.create_compute(links=[link(network, NETWORK,
                                               NETWORKINTERFACE)])
    res = alice.get('/link/', 'text/uri-list', headers={
        'Category': 'networkinterface; scheme="%s"; class="kind"' % INFRA})
    assert [u for u in res.text.split()] and all(
        '/networkinterface/' in u for u in res.text.split())
    res = alice.get('/networkinterface/', 'text/uri-list', headers={
        'X-OCCI-Attribute': 'occi.core.source="%s"' % compute})
    assert len(res.text.split()) == 1


def test_collection_action_on_networks(alice):
    make_network(alice)
    res = alice.post('/network/?action=up', ({}, ''))
    assert res.status_int == 200


def test_delete_storage_collection_reports_root_volumes(alice):
    alice.create_compute()
    extra = make_storage(alice)
    res = alice.delete('/storage/')
    alice.get(extra, status=404)
    assert 'X-OCCI-Error' in res.text  # the root volume stays


def test_delete_root_removes_everything_of_the_caller(alice, bob):
    network = make_network(alice, address='10.1.0.0/24')
    storage = make_storage(alice)
    compute = alice.create_compute(links=[
        link(network, NETWORK, NETWORKINTERFACE),
        link(storage, STORAGE, STORAGELINK),
        link(public_network(alice), NETWORK, NETWORKINTERFACE)])
    bobs = make_storage(bob)
    res = alice.delete('/')
    assert 'X-OCCI-Error' not in res.text, res.text
    for path in (network, storage, compute):
        alice.get(path, status=404)
    remaining = alice.get('/', 'text/uri-list').text.split()
    assert remaining == [HOST + public_network(alice)]
    bob.get(bobs)


def test_link_update_is_refused_clearly(alice):
    compute = alice.create_compute()
    storage = make_storage(alice)
    link_path = created(alice.post('/storagelink/', entity_request(
        'text/plain', STORAGELINK, (), {'occi.core.source': compute,
                                        'occi.core.target': storage}),
        status=201))
    res = alice.post(link_path, entity_request('text/plain', None, (), {
        'occi.storagelink.mountpoint': '/data'}), status=400)
    assert 'storagelink' in res.text
