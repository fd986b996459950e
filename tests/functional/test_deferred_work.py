"""Synnefo's asynchrony absorbed (docs/decisions.md, "Deferred work").

What the cloud refuses only because a resource is busy for now is
accepted at once and finished by the server: deletes and detaches while
an attach, a connect, a build or a delete runs; the floating IPs of a
deleted compute; the storage links of a create.  A storage linked to a
compute outlives it.  Through WebTest on the cloud whose clock the tests
drive (``manual``); the worker is a thread of this process, so the tests
wait on conditions.  Over real HTTP, across a restart and with two
processes: ``test_pending_processes.py``.
"""
import time

from tests.functional import stores
from tests.functional.conftest import (
    ACTIONS, ALICE, HOST, action_request, read, until,
)
from tests.functional.test_links import (
    NETWORK, NETWORKINTERFACE, STORAGE, STORAGELINK, created, floating_ips,
    link, make_interface, make_network, make_storage, public_network,
)
from tests.functional.test_pending_links import interface, storagelink

START = ACTIONS + 'start'


def cloud_get(cloud, path):
    """``(status, body)`` of the simulator's own API (what the cloud
    holds, whatever OCCI says)."""
    result = cloud.control.call('GET', path, token=ALICE)
    return result[0], result[1]


def volume(cloud, storage):
    return cloud_get(cloud, '/volume/v2.0/volumes/%s'
                     % storage.rsplit('/', 1)[1])[1]['volume']


def server(cloud, compute):
    return cloud_get(cloud, '/compute/v2.0/servers/%s'
                     % compute.rsplit('/', 1)[1])[1]['server']


def port_status(cloud, location):
    return cloud_get(cloud, '/network/v2.0/ports/%s'
                     % location.rsplit('/', 1)[1])[0]


def gone(cloud, what, location):
    """Whether the cloud holds nothing of ``location`` any more."""
    if what == 'volume':
        return volume(cloud, location)['deleted']
    if what == 'server':
        return server(cloud, location)['status'] == 'DELETED'
    if what == 'network':
        status, body = cloud_get(cloud, '/network/v2.0/networks/%s'
                                 % location.rsplit('/', 1)[1])
        return status == 404 or body['network'].get('status') == 'DELETED'
    raise AssertionError(what)


def uris(user, path='/'):
    return user.get(path, 'text/uri-list').text.split()


def active(user, compute, cloud):
    """A built compute (the build job applied)."""
    cloud.control.settle()
    assert user.attributes(compute)['occi.compute.state'] == 'active'
    return compute


def compute_with_storage(user, cloud):
    """An active compute with a storage of its own linked to it (made
    with POST /storage/ and POST /storagelink/)."""
    compute = active(user, user.create_compute(), cloud)
    storage = make_storage(user)
    storagelink(user, compute, storage)
    cloud.control.settle()
    assert volume(cloud, storage)['status'] == 'in_use'
    return compute, storage


# -- links deleted while they are being made ----------------------------------

def test_links_deleted_right_after_the_create_of_their_compute(
        slow_alice, slow_cloud):
    compute = slow_alice.create_compute()
    storage = make_storage(slow_alice)
    network = make_network(slow_alice, address='10.31.0.0/24')
    pending = [created(storagelink(slow_alice, compute, storage)),
               created(interface(slow_alice, compute, network))]
    for location in pending:
        slow_alice.delete(location)
        slow_alice.get(location, status=404)
    slow_cloud.control.settle()
    slow_cloud.drain()
    assert volume(slow_cloud, storage)['attachments'] == []


def test_a_storagelink_deleted_while_it_attaches(slow_alice, slow_cloud):
    """The attach runs (the volume is ``attaching``): Synnefo refuses the
    detach; the DELETE is 200 all the same and the server detaches it
    once the attach is done."""
    compute = active(slow_alice, slow_alice.create_compute(), slow_cloud)
    storage = make_storage(slow_alice)
    location = created(storagelink(slow_alice, compute, storage))
    assert volume(slow_cloud, storage)['status'] == 'attaching'
    slow_alice.delete(location)
    slow_alice.get(location, status=404)
    assert HOST + location not in uris(slow_alice, '/storagelink/')
    assert location not in [l.get('self') for l in read(
        slow_alice.get(compute))['links']]
    until(lambda: volume(slow_cloud, storage)['status'] == 'available',
          slow_cloud)
    assert volume(slow_cloud, storage)['attachments'] == []
    slow_cloud.drain()
    slow_alice.get(location, status=404)
    assert slow_alice.attributes(storage)[
        'occi.storage.state.message'] == 'Available'


def test_a_networkinterface_deleted_while_it_connects(slow_alice,
                                                      slow_cloud):
    compute = active(slow_alice, slow_alice.create_compute(), slow_cloud)
    network = make_network(slow_alice, address='10.32.0.0/24')
    location = make_interface(slow_alice, compute, network)
    assert server(slow_cloud, compute)['SNF:task_state'] == 'CONNECTING'
    slow_alice.delete(location)
    slow_alice.get(location, status=404)
    assert HOST + location not in uris(slow_alice, '/networkinterface/')
    until(lambda: port_status(slow_cloud, location) == 404, slow_cloud)
    slow_cloud.drain()


# -- links to a building compute: made promptly -------------------------------

def test_a_waiting_link_is_looked_at_every_poll_not_after_a_backoff(
        slow_alice, slow_cloud):
    """However long the compute builds, the worker looks again every
    ``occi.pending.poll`` seconds (0.5 here), so the link is made within
    about that of the compute being built, and it never says "waiting"
    for a compute that is ready."""
    from occi_pyramid.store.models import PendingLink

    compute = slow_alice.create_compute()
    location = created(storagelink(slow_alice, compute,
                                   make_storage(slow_alice)))
    engine = stores.mixin_store(slow_cloud.app.app.registry).engine

    def row():
        with engine.connect() as connection:
            return connection.execute(PendingLink.__table__.select()).one()

    until(lambda: row().attempts >= 5)
    record = row()
    # NB: a doubling backoff would be at 8 s by the fifth attempt
    assert record.next_attempt_at - time.time() <= 0.5 + 0.05
    assert slow_alice.attributes(location)[
        'occi.storagelink.state.message'] == (
        'Waiting for compute %s to be built.' % compute.rsplit('/', 1)[1])
    until(lambda: slow_alice.attributes(location)[
        'occi.storagelink.state'] == 'active', slow_cloud)


# -- deletes right after the compute's ----------------------------------------

def test_the_storage_of_a_deleted_compute_deleted_at_once(slow_alice,
                                                          slow_cloud):
    compute, storage = compute_with_storage(slow_alice, slow_cloud)
    slow_alice.delete(compute)
    slow_alice.delete(storage)
    for path in (compute, storage):
        slow_alice.get(path, status=404)
        assert HOST + path not in uris(slow_alice)
    until(lambda: gone(slow_cloud, 'volume', storage)
          and gone(slow_cloud, 'server', compute), slow_cloud)
    slow_cloud.drain()
    # nothing of them is left in the cloud: the root disk went too
    volumes = cloud_get(slow_cloud, '/volume/v2.0/volumes/detail')[1]
    assert [v for v in volumes['volumes'] if not v['deleted']] == []


def test_the_network_of_a_deleted_compute_deleted_at_once(slow_alice,
                                                          slow_cloud):
    network = make_network(slow_alice, address='10.33.0.0/24')
    compute = slow_alice.create_compute(links=[
        link(network, NETWORK, NETWORKINTERFACE)])
    active(slow_alice, compute, slow_cloud)
    slow_alice.delete(compute)
    slow_alice.delete(network)
    slow_alice.get(network, status=404)
    until(lambda: gone(slow_cloud, 'network', network), slow_cloud)
    slow_cloud.drain()


def test_a_network_with_a_live_compute_stays_a_409(slow_alice, slow_cloud):
    network = make_network(slow_alice, address='10.34.0.0/24')
    compute = slow_alice.create_compute(links=[
        link(network, NETWORK, NETWORKINTERFACE)])
    active(slow_alice, compute, slow_cloud)
    res = slow_alice.delete(network, status=409)
    assert 'compute %s' % compute.rsplit('/', 1)[1] in res.text
    slow_alice.get(network)


def test_everything_deleted_at_once_leaves_nothing_in_the_cloud(
        slow_alice, slow_cloud):
    network = make_network(slow_alice, address='10.35.0.0/24')
    compute, storage = compute_with_storage(slow_alice, slow_cloud)
    make_interface(slow_alice, compute, network)
    slow_cloud.control.settle()
    for path in (compute, storage, network):
        slow_alice.delete(path)
    assert [u for u in uris(slow_alice)
            if not u.endswith(public_network(slow_alice))] == []
    until(lambda: gone(slow_cloud, 'server', compute)
          and gone(slow_cloud, 'volume', storage)
          and gone(slow_cloud, 'network', network), slow_cloud)
    slow_cloud.drain()


# -- no data loss -------------------------------------------------------------

def test_a_linked_storage_outlives_its_compute(slow_alice, slow_cloud):
    compute, storage = compute_with_storage(slow_alice, slow_cloud)
    slow_alice.delete(compute)
    slow_alice.get(compute, status=404)
    until(lambda: gone(slow_cloud, 'server', compute), slow_cloud)
    slow_cloud.drain()
    record = volume(slow_cloud, storage)
    assert not record['deleted'] and record['status'] == 'available'
    assert record['attachments'] == []
    values = slow_alice.attributes(storage)
    # NB: detached and usable: online, "Available" (docs/decisions.md)
    assert values['occi.storage.state'] == 'online'
    assert values['occi.storage.state.message'] == 'Available'


def test_storages_linked_inline_or_pending_outlive_their_compute(
        slow_alice, slow_cloud):
    inline = make_storage(slow_alice, title='inline')
    compute = slow_alice.create_compute(links=[
        link(inline, STORAGE, STORAGELINK)])
    later = make_storage(slow_alice, title='later')
    storagelink(slow_alice, compute, later)
    until(lambda: all(volume(slow_cloud, s)['status'] == 'in_use'
                      for s in (inline, later)), slow_cloud)
    slow_alice.delete('/compute/')
    until(lambda: gone(slow_cloud, 'server', compute), slow_cloud)
    slow_cloud.drain()
    for storage in (inline, later):
        record = volume(slow_cloud, storage)
        assert not record['deleted'] and record['attachments'] == []


def test_a_storage_pending_for_a_deleted_compute_is_never_lost(
        slow_alice, slow_cloud):
    """The compute is deleted while the worker may be making its link:
    the link is cancelled first, or made and then detached; the storage
    stays either way."""
    compute = slow_alice.create_compute()
    storage = make_storage(slow_alice)
    storagelink(slow_alice, compute, storage)
    slow_cloud.control.advance(60)  # built: the worker makes the link now
    slow_alice.delete(compute)
    until(lambda: gone(slow_cloud, 'server', compute), slow_cloud)
    slow_cloud.drain()
    record = volume(slow_cloud, storage)
    assert not record['deleted'] and record['attachments'] == []


# -- the cloud fails ----------------------------------------------------------

def test_a_compute_the_cloud_fails_to_delete_comes_back_in_error(
        slow_alice, slow_cloud):
    compute = active(slow_alice, slow_alice.create_compute(), slow_cloud)
    slow_cloud.control.fail_next('delete')
    slow_alice.delete(compute)
    slow_alice.get(compute, status=404)
    values = until(lambda: slow_alice.get(compute, status='*').status_int
                   == 200 and slow_alice.attributes(compute), slow_cloud)
    assert values['occi.compute.state'] == 'error'
    assert values['occi.compute.state.message'].startswith(
        'The delete failed: The cloud failed to delete the compute')
    # asked again, it goes
    slow_alice.delete(compute)
    until(lambda: gone(slow_cloud, 'server', compute), slow_cloud)
    slow_cloud.drain()
    slow_alice.get(compute, status=404)


def test_a_deleted_compute_releases_its_floating_ip_after_the_request(
        slow_alice, slow_cloud):
    compute = slow_alice.create_compute(links=[
        link(public_network(slow_alice), NETWORK, NETWORKINTERFACE)])
    active(slow_alice, compute, slow_cloud)
    assert len(floating_ips(cloud=slow_cloud)) == 1
    slow_alice.delete(compute)  # answered before the cloud deletes it
    assert len(floating_ips(cloud=slow_cloud)) == 1
    until(lambda: floating_ips(cloud=slow_cloud) == [], slow_cloud)


# -- creates and actions ------------------------------------------------------

def test_a_create_with_an_inline_storage_link_answers_at_once(slow_alice,
                                                              slow_cloud):
    storage = make_storage(slow_alice)
    res = slow_alice.post('/compute/', *_create_with(storage), status=201)
    compute = created(res)
    pending = [l for l in read(slow_alice.get(compute))['links']
               if l.get('self', '').startswith('/storagelink/pending-')]
    assert len(pending) == 1 and pending[0]['target'] == storage
    until(lambda: volume(slow_cloud, storage)['status'] == 'in_use',
          slow_cloud)


def _create_with(storage):
    from tests.functional.conftest import (
        COMPUTE, DEBIAN, OS_SCHEME, RES_SCHEME, SMALL, entity_request,
    )
    return (entity_request('text/plain', COMPUTE, [
        OS_SCHEME + DEBIAN, RES_SCHEME + SMALL], {'occi.core.title': 'vm'},
        [link(storage, STORAGE, STORAGELINK)]),)


def test_a_storage_in_use_is_refused_before_anything_is_made(slow_alice,
                                                             slow_cloud):
    compute, storage = compute_with_storage(slow_alice, slow_cloud)
    before = uris(slow_alice, '/compute/')
    res = slow_alice.post('/compute/', *_create_with(storage), status=409)
    assert 'not created' in res.text and 'storage' in res.text
    assert uris(slow_alice, '/compute/') == before


def test_start_on_building_computes_succeeds(slow_alice, slow_cloud):
    computes = [slow_alice.create_compute(title='c%d' % i) for i in range(2)]
    slow_alice.post('/compute/?action=start',
                    action_request('text/plain', START))
    slow_alice.post(computes[0] + '?action=start',
                    action_request('text/plain', START))
    slow_cloud.control.settle()
    for compute in computes:
        assert slow_alice.attributes(compute)['occi.compute.state'] == \
            'active'


def test_stop_on_a_building_compute_stays_a_409(slow_alice, slow_cloud):
    compute = slow_alice.create_compute()
    res = slow_alice.post(compute + '?action=stop', action_request(
        'text/plain', ACTIONS + 'stop'), status=409)
    assert 'being built' in res.text


def test_a_compute_deleted_before_its_build_started_goes_all_the_same(
        slow_alice, slow_cloud):
    """Synnefo refuses to delete a server whose build has not started
    (409 buildInProgress): the DELETE is 200 and the server deletes it
    once it may."""
    compute = slow_alice.create_compute()
    slow_alice.delete(compute)
    slow_alice.get(compute, status=404)
    until(lambda: gone(slow_cloud, 'server', compute), slow_cloud)
    slow_cloud.drain()


def test_a_collection_delete_takes_a_compute_with_its_pending_links(
        slow_alice, slow_cloud):
    """A link still pending when its compute and it are deleted together
    goes with the compute, as a made link does: no member fails."""
    storage = make_storage(slow_alice, title='pending')
    compute = slow_alice.create_compute(links=[
        link(storage, STORAGE, STORAGELINK)])
    res = slow_alice.delete('/', 'text/plain')
    assert 'X-OCCI-Error' not in res.text, res.text
    slow_alice.get(compute, status=404)
    until(lambda: gone(slow_cloud, 'server', compute), slow_cloud)
    slow_cloud.drain()
