"""Links to a compute that is building or busy: 201 at once, made by the
server once the compute settles (docs/decisions.md, "Deferred work").

Through WebTest on the cloud whose clock the tests drive; the worker
runs in a thread of this process, so the tests poll with a bounded wait.
Over real HTTP, across a restart and with two processes:
``test_pending_processes.py``.
"""
import pytest

from occi_pyramid.wrappers.deferred import deferred_work
from tests.functional.conftest import (
    HOST, entity_request, read, until,
)
from tests.functional.test_links import (
    NETWORKINTERFACE, STORAGELINK, created, make_network, make_storage,
)



def attributes(user, path):
    return read(user.get(path))['attributes']


def storagelink(user, compute, storage, status=201):
    return user.post('/storagelink/', entity_request(
        'text/plain', STORAGELINK, (), {'occi.core.source': compute,
                                        'occi.core.target': storage}),
        status=status)


def interface(user, compute, network, status=201):
    return user.post('/networkinterface/', entity_request(
        'text/plain', NETWORKINTERFACE, (), {'occi.core.source': compute,
                                             'occi.core.target': network}),
        status=status)


def attached(cloud, volume_path):
    volume_id = volume_path.rsplit('/', 1)[1]
    _, body = cloud.control.call('GET', '/volume/v2.0/volumes/%s'
                                 % volume_id, token='alice-token')[:2]
    return [str(a['server_id']) for a in body['volume']['attachments']]


def test_a_storagelink_to_a_building_compute_is_made_once_it_is_built(
        slow_alice, slow_cloud):
    compute = slow_alice.create_compute()
    storage = make_storage(slow_alice)
    res = storagelink(slow_alice, compute, storage)
    location = created(res)
    assert location.startswith('/storagelink/pending-')
    values = attributes(slow_alice, location)
    assert values['occi.storagelink.state'] == 'inactive'
    assert values['occi.storagelink.state.message'] == (
        'Waiting for compute %s to be built.' % compute.rsplit('/', 1)[1])
    assert values['occi.core.source'] == compute
    assert values['occi.core.target'] == storage
    # it shows in the compute, in its collection and in the namespace
    compute_links = [l['self'] for l in read(slow_alice.get(compute))[
        'links'] if l.get('self')]
    assert location in compute_links
    for path in ('/storagelink/', '/'):
        listed = slow_alice.get(path, 'text/uri-list').text.split()
        assert HOST + location in listed
    assert attached(slow_cloud, storage) == []
    # the compute is built: the link is made, at the same location
    made = until(lambda: attributes(slow_alice, location)[
        'occi.storagelink.state'] == 'active', slow_cloud)
    assert made
    values = attributes(slow_alice, location)
    assert values['occi.core.target'] == storage
    assert attached(slow_cloud, storage) == [compute.rsplit('/', 1)[1]]
    real = values['occi.core.id']
    assert not real.startswith('pending-')
    assert HOST + '/storagelink/' + real in slow_alice.get(
        '/storagelink/', 'text/uri-list').text.split()
    # and no longer listed as pending
    assert HOST + location not in slow_alice.get(
        '/storagelink/', 'text/uri-list').text.split()


def test_a_link_created_twice_answers_the_first(slow_alice, slow_cloud):
    compute = slow_alice.create_compute()
    storage = make_storage(slow_alice)
    first = storagelink(slow_alice, compute, storage)
    # there already: 200, with its location (docs/decisions.md)
    again = storagelink(slow_alice, compute, storage, status=200)
    assert again.headers['Location'] == first.headers['Location']
    until(lambda: attributes(slow_alice, created(first))[
        'occi.storagelink.state'] == 'active', slow_cloud)
    real = attributes(slow_alice, created(first))['occi.core.id']
    # made: a third create answers the cloud's link, there already
    third = storagelink(slow_alice, compute, storage, status=200)
    assert created(third) == '/storagelink/' + real


def test_a_networkinterface_waits_for_a_task(slow_alice, slow_cloud):
    compute = slow_alice.create_compute()
    slow_cloud.control.settle()
    slow_alice.post(compute + '?action=stop', ({}, ''))  # a pending task
    network = make_network(slow_alice, address='10.9.0.0/24')
    location = created(interface(slow_alice, compute, network))
    values = attributes(slow_alice, location)
    assert values['occi.networkinterface.state'] == 'inactive'
    assert 'busy' in values['occi.networkinterface.state.message']
    # actions on the busy compute keep their 409
    res = slow_alice.post(compute + '?action=start', ({}, ''), status=409)
    assert 'busy' in res.text
    until(lambda: attributes(slow_alice, location)[
        'occi.networkinterface.state'] == 'active', slow_cloud)
    assert attributes(slow_alice, location)[
        'occi.networkinterface.address'].startswith('10.9.0.')


def test_a_partial_update_adding_a_link_waits_too(slow_alice, slow_cloud):
    compute = slow_alice.create_compute()
    storage = make_storage(slow_alice)
    res = slow_alice.post(compute, entity_request(
        'text/plain', None, (), {}, links=[{
            'target': storage, 'rel': 'http://schemas.ogf.org/occi/'
            'infrastructure#storage', 'category': STORAGELINK}]))
    pending = [l['self'] for l in read(res)['links']
               if (l.get('self') or '').startswith('/storagelink/pending-')]
    assert len(pending) == 1
    until(lambda: attached(slow_cloud, storage), slow_cloud)


def test_delete_cancels_a_pending_link(slow_alice, slow_cloud):
    compute = slow_alice.create_compute()
    storage = make_storage(slow_alice)
    location = created(storagelink(slow_alice, compute, storage))
    slow_alice.delete(location)
    slow_alice.get(location, status=404)
    slow_cloud.control.settle()
    # the compute is built: a look of the worker begun now would make the
    # link if its row were there (a look begun before the delete may have
    # claimed it: it removes what it made)
    work = deferred_work(slow_cloud.app.app.registry)
    worker = work.worker
    seen = worker.looks
    until(lambda: work.wake() or worker.looks >= seen + 2, slow_cloud)
    assert attached(slow_cloud, storage) == []


def test_deleting_the_compute_cancels_its_pending_links(slow_alice,
                                                         slow_cloud):
    compute = slow_alice.create_compute()
    slow_cloud.control.settle()
    slow_alice.post(compute + '?action=stop', ({}, ''))  # a pending task
    storage = make_storage(slow_alice)
    location = created(storagelink(slow_alice, compute, storage))
    slow_alice.delete(compute)
    slow_alice.get(location, status=404)
    assert HOST + location not in slow_alice.get(
        '/storagelink/', 'text/uri-list').text.split()


def test_the_location_of_a_made_link_goes_with_its_compute(
        slow_alice, slow_cloud):
    from occi_pyramid.store.models import PendingLink

    compute = slow_alice.create_compute()
    storage = make_storage(slow_alice)
    location = created(storagelink(slow_alice, compute, storage))
    until(lambda: attributes(slow_alice, location)[
        'occi.storagelink.state'] == 'active', slow_cloud)
    store = deferred_work(slow_cloud.app.app.registry).store

    def rows_from(source):
        table = PendingLink.__table__
        with store.engine.connect() as connection:
            return connection.execute(table.select().where(
                table.c.source == source)).all()

    # the pending location stays an alias of the link made...
    [alias] = rows_from(compute)
    assert (alias.operation, alias.state) == ('link', 'active')
    # ...until its compute is deleted: no link of it is pending, so the
    # delete's own row takes the alias with it
    slow_alice.delete(compute)
    assert [row.operation for row in rows_from(compute)] == ['delete']
    slow_alice.get(location, status=404)
    slow_cloud.control.settle()
    assert attached(slow_cloud, storage) == []


def test_a_compute_in_error_turns_the_link_to_error(slow_alice, slow_cloud):
    slow_cloud.control.fail_next('build')
    compute = slow_alice.create_compute()
    storage = make_storage(slow_alice)
    location = created(storagelink(slow_alice, compute, storage))
    values = until(lambda: (lambda v: v if v[
        'occi.storagelink.state'] == 'error' else None)(
        attributes(slow_alice, location)), slow_cloud)
    assert 'error' in values['occi.storagelink.state.message']
    # an error link can be deleted
    slow_alice.delete(location)
    slow_alice.get(location, status=404)


def test_a_compute_busy_past_the_limit_turns_the_link_to_error(
        slow_cloud):
    from tests.functional.conftest import OCCI, Cloud

    impatient = Cloud(dict(slow_cloud.settings,
                           **{'occi.pending.max_wait': '0'}))
    try:
        user = OCCI(impatient)
        compute = user.create_compute()
        storage = make_storage(user)
        location = created(storagelink(user, compute, storage))
        values = until(lambda: (lambda v: v if v[
            'occi.storagelink.state'] == 'error' else None)(
            attributes(user, location)))
        assert 'stayed busy for more than 0 s' in values[
            'occi.storagelink.state.message']
    finally:
        impatient.reset()


def test_a_pending_id_of_another_user_is_404(slow_alice, slow_cloud):
    from tests.functional.conftest import BOB, OCCI

    compute = slow_alice.create_compute()
    storage = make_storage(slow_alice)
    location = created(storagelink(slow_alice, compute, storage))
    OCCI(slow_cloud, BOB).get(location, status=404)
    for bad in ('pending-x', 'pending-01', 'pending-', 'pending-99999'):
        slow_alice.get('/storagelink/' + bad, status=404)


def test_a_quota_refusal_turns_the_link_to_error_with_the_reason(
        slow_alice, slow_cloud):
    from tests.functional.conftest import ALICE
    from tests.functional.test_links import public_network

    compute = slow_alice.create_compute()
    slow_cloud.control.set_quota(ALICE, {'cyclades.floating_ip': 0})
    location = created(interface(slow_alice, compute,
                                 public_network(slow_alice)))
    values = until(lambda: (lambda v: v if v[
        'occi.networkinterface.state'] == 'error' else None)(
        attributes(slow_alice, location)), slow_cloud)
    message = values['occi.networkinterface.state.message']
    assert message.startswith('The link was not made: ')
    assert 'limit' in message.lower() or 'quota' in message.lower()


@pytest.fixture
def disks(slow_alice):
    """A user mixin of Alice at /disks/ (removed afterwards: the store
    outlives the test)."""
    tags = 'http://example.org/pending#'
    category = 'Category: disks; scheme="%s"; class="mixin"' % tags
    slow_alice.post('/-/', ({'Content-Type': 'text/plain'},
                            category + '; location="/disks/"\r\n'))
    yield tags + 'disks'
    slow_alice.delete('/-/', request=({'Content-Type': 'text/plain'},
                                      category + '\r\n'))


def test_a_user_mixin_on_a_pending_link_follows_it(slow_alice, slow_cloud,
                                                   disks):
    compute = slow_alice.create_compute()
    storage = make_storage(slow_alice)
    res = slow_alice.post('/storagelink/', entity_request(
        'text/plain', STORAGELINK, [disks], {
            'occi.core.source': compute, 'occi.core.target': storage}),
        status=201)
    location = created(res)
    assert slow_alice.get('/disks/', 'text/uri-list').text.split() == [
        HOST + location]
    until(lambda: attributes(slow_alice, location)[
        'occi.storagelink.state'] == 'active', slow_cloud)
    real = '/storagelink/' + attributes(slow_alice, location)['occi.core.id']
    assert slow_alice.get('/disks/', 'text/uri-list').text.split() == [
        HOST + real]


def test_pending_and_failed_links_render_valid_json(slow_alice, slow_cloud):
    # rOCCI 5 checks everything it reads against its schema: a link that
    # waits, or failed, is a link like any other to it
    import json

    from tests.fixtures.occi_schemas import validate

    def documents(location, compute):
        for path in (location, compute, '/storagelink/', '/'):
            res = slow_alice.get(path, 'application/occi+json')
            validate(json.loads(res.text))
        return json.loads(slow_alice.get(
            location, 'application/occi+json').text)

    compute = slow_alice.create_compute()
    location = created(storagelink(slow_alice, compute,
                                   make_storage(slow_alice)))
    waiting = documents(location, compute)
    assert waiting['id'] == location.rsplit('/', 1)[1]
    assert waiting['attributes']['occi.storagelink.state'] == 'inactive'
    slow_cloud.control.fail_next('build')
    broken = slow_alice.create_compute()
    failed_location = created(storagelink(slow_alice, broken,
                                          make_storage(slow_alice)))
    until(lambda: attributes(slow_alice, failed_location)[
        'occi.storagelink.state'] == 'error', slow_cloud)
    failed = documents(failed_location, broken)
    assert failed['attributes']['occi.storagelink.state'] == 'error'
