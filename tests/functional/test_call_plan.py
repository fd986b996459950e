"""The call plan: what each OCCI operation costs the cloud, counted from
the simulator's request log after a warm-up (counts, never times)."""
import re

import pytest

from tests.functional import stores
from tests.functional.callplan import Account

#: the most calls each operation may make once caches are warm
PLAN = {
    'GET compute entity text/plain': 2,
    'GET compute entity json': 2,
    'GET network entity': 2,
    'GET storage entity': 2,
    'GET networkinterface entity': 2,
    'GET storagelink entity': 2,
    'GET /compute/ text/plain': 1,
    'GET /compute/ text/occi': 1,
    'GET /compute/ text/uri-list': 1,
    'GET /compute/ json': 3,
    'GET /compute/ filtered': 3,
    'GET /-/ (warm)': 0,
    'GET /compute/0 (404)': 0,
    'GET /nowhere/ (404)': 0,
    'POST /compute/ templates, no links': 2,
    'DELETE compute': 2,
}

#: a request that lists a whole collection of the account (no id in it)
LISTING = re.compile(
    r'^GET /\w+/v2\.0/(servers|servers/detail|ports|subnets|networks|'
    r'floatingips|volumes|volumes/detail)(\?.*)?$')


@pytest.fixture(scope='module')
def warm_cloud(instant_cloud):
    """The instant cloud behind an app whose caches live (testing.ini
    turns them off), as in production."""
    from tests.functional.conftest import Cloud

    return Cloud(dict(instant_cloud.settings,
                      **{'occi.synnefo.cache_ttl': '600'}))


@pytest.fixture(scope='module')
def counted(warm_cloud):
    from tests.functional.conftest import ALICE, OCCI

    warm_cloud.reset()
    return Account(OCCI(warm_cloud, ALICE)).count(warm_cloud)


def test_every_operation_is_planned(counted):
    assert set(counted) == set(PLAN)


@pytest.mark.parametrize('operation', sorted(PLAN))
def test_operation_keeps_to_the_plan(counted, operation):
    made = counted[operation]
    assert len(made) <= PLAN[operation], made


@pytest.mark.parametrize('operation', sorted(
    name for name in PLAN if 'entity' in name))
def test_an_entity_get_lists_nothing_of_the_account(counted, operation):
    assert not [call for call in counted[operation] if LISTING.match(call)]


def test_a_location_listing_asks_for_no_detail(counted):
    for rendering in ('text/plain', 'text/occi', 'text/uri-list'):
        assert counted['GET /compute/ ' + rendering] == [
            'GET /compute/v2.0/servers']


def test_a_create_answers_from_the_create_response(counted):
    # the image's os/users metadata come from the cached image listing
    assert counted['POST /compute/ templates, no links'] == [
        'POST /compute/v2.0/servers']


def test_entity_get_does_not_grow_with_the_account(warm_cloud):
    from tests.functional.callplan import calls
    from tests.functional.conftest import ALICE, OCCI

    warm_cloud.reset()
    user = OCCI(warm_cloud, ALICE)
    first = user.create_compute(title='first')
    user.get(first)
    small = calls(warm_cloud, lambda: user.get(first))
    for i in range(4):
        user.create_compute(title='more-%d' % i)
    assert calls(warm_cloud, lambda: user.get(first)) == small


def test_a_port_being_connected_is_rendered_before_it_is_active(
        slow_alice, slow_cloud):
    """The server record lists active ports only; while one connects the
    compute's rendering still shows it (from the port listing, only
    then)."""
    from tests.functional.test_links import (
        links_of, make_interface, make_network,
    )

    network = make_network(slow_alice, address='10.78.0.0/24')
    compute = slow_alice.create_compute()
    slow_cloud.control.settle()
    interface = make_interface(slow_alice, compute, network)
    assert interface in links_of(slow_alice, compute)
    slow_cloud.control.settle()
    assert interface in links_of(slow_alice, compute)


def test_a_collection_delete_makes_no_entity_only_to_delete_it(cloud):
    """A collection DELETE works from the cloud's records: no flavor or
    image is read for it (every cache is off here, so any read would be
    a call)."""
    from tests.functional.callplan import calls
    from tests.functional.conftest import ALICE, OCCI

    user = OCCI(cloud, ALICE)
    for i in range(2):
        user.create_compute(title='doomed-%d' % i)
    cloud.drain()
    made = calls(cloud, lambda: user.delete('/compute/'))
    assert [call for call in made if call.startswith('DELETE')]
    assert not [call for call in made if re.search('flavors|images', call)]


@pytest.mark.parametrize('path', ['/nothing/here/', '/nothing/', '/tags/x'])
def test_a_cold_unknown_path_is_404_without_the_cloud(cloud, path):
    """Traversal does no cloud I/O: with every cache off (a cold server),
    a path no category can be at is 404 without asking the cloud for the
    token's user or the templates."""
    from tests.functional.callplan import calls
    from tests.functional.conftest import ALICE, OCCI

    user = OCCI(cloud, ALICE)
    assert calls(cloud, lambda: user.get(path, status=404)) == []


def test_a_user_mixin_location_is_found_all_the_same(cloud):
    from tests.functional.conftest import ALICE, BOB, OCCI

    alice, bob = OCCI(cloud, ALICE), OCCI(cloud, BOB)
    alice.post('/-/', ({'Content-Type': 'text/occi', 'Category': (
        'cold; scheme="http://example.org/tags#"; class="mixin"; '
        'location="/tags/cold/"')}, ''))
    assert alice.get('/tags/cold/').status_int == 200
    assert alice.get('/tags/').status_int == 200
    bob.get('/tags/cold/', status=404)
    alice.delete('/-/', request=({'Content-Type': 'text/occi', 'Category': (
        'cold; scheme="http://example.org/tags#"; class="mixin"')}, ''))
    alice.get('/tags/cold/', status=404)


def test_warm_reads_make_no_store_query(warm_cloud):
    """The store's hot reads (the caller's mixins, associations, pending
    links) come from the process's cache until the store changes: a
    warm entity GET, collection and /-/ make no SQL query; a change is
    read once, then cached again."""
    import threading

    from sqlalchemy import event

    from tests.functional.conftest import ALICE, OCCI

    user = OCCI(warm_cloud, ALICE)
    compute = user.create_compute(title='store-reads')
    # NB: deletes of the tests before are carried on by the worker, which
    # changes the store until they are done
    warm_cloud.drain()
    engine = stores.mixin_store(warm_cloud.app.app.registry).engine
    queries = []
    requests = threading.get_ident()

    def record(conn, cursor, statement, *rest):
        # NB: the requests' queries; the deferred-work worker has its own
        if threading.get_ident() == requests:
            queries.append(statement)

    def reads():
        del queries[:]
        user.get(compute)
        user.get('/compute/')
        user.get('/-/')
        return list(queries)

    event.listen(engine, 'before_cursor_execute', record)
    try:
        reads()
        assert reads() == []
        user.post('/-/', ({'Content-Type': 'text/occi', 'Category': (
            'warm; scheme="http://example.org/tags#"; class="mixin"; '
            'location="/tags/warm/"')}, ''))
        assert reads()
        assert reads() == []
        assert 'Category: warm; scheme="http://example.org/tags#"' in (
            user.get('/-/').text)
    finally:
        event.remove(engine, 'before_cursor_execute', record)
        user.delete('/-/', request=({'Content-Type': 'text/occi',
                                     'Category': (
            'warm; scheme="http://example.org/tags#"; class="mixin"')}, ''))
