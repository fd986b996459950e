"""Concurrent callers of the user-mixin store, on an SQLite file and on
PostgreSQL: threads of one process, threads of two processes, and
concurrent HTTP requests to one real server.  Every race must end as some
serial order would: an association made at once by many is made once and
every caller succeeds (associating is idempotent, as it is one after the
other); a mixin removed at once by many is removed by exactly one, and
the others get a clean not-found; nothing is ever a 500 or a duplicate.
"""
import multiprocessing
import threading

import pytest

from occi_pyramid.exceptions import OCCIConflict, OCCINotFound
from tests.e2e.conftest import CREATE_BODY
from tests.functional import stores
from tests.functional.conftest import ALICE, Cloud

TAGS = 'http://example.org/race#'
TYPE_ID = TAGS + 'hot'
OWNER = 'user-race'
ENTITY = '/compute/42'
#: concurrent callers per race (split over the processes in those tests)
CALLERS = 12
#: races run per test: one race alone rarely hits the window
ROUNDS = 4
#: seconds any caller may wait for the others
WAIT = 60


@pytest.fixture(scope='module', params=['sqlite', 'postgresql'])
def store_url(request, tmp_path_factory):
    from occi_pyramid.store.schema import make_engine, upgrade

    with stores.store_url(request.param,
                          tmp_path_factory.mktemp('race')) as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


def open_store(url):
    from occi_pyramid.store import MixinStore
    from occi_pyramid.store.database import Database
    from occi_pyramid.store.schema import make_engine

    return MixinStore(Database(make_engine(url)))


@pytest.fixture
def store(store_url):
    store = open_store(store_url)
    yield store
    store.dispose()


def reset(store):
    """An empty store but for the one mixin every race is about."""
    from occi_pyramid.store import MixinRecord

    stores.clear(store)
    store.add([MixinRecord(owner=OWNER, scheme=TAGS, term='hot',
                           location='/hot/')])


# -- the operations raced (module level: the processes import them) ----------

def associate(store):
    store.associate(OWNER, TYPE_ID, [ENTITY])


def tag_in_update(store):
    store.set_entity_mixins(OWNER, ENTITY, [TYPE_ID])


def remove(store):
    store.remove(OWNER, [TYPE_ID])


def associate_or_remove(store):
    """Half the callers associate, half remove (by thread name parity)."""
    if int(threading.current_thread().name.rsplit('-', 1)[1]) % 2:
        remove(store)
    else:
        associate(store)


OPERATIONS = {f.__name__: f for f in (
    associate, tag_in_update, remove, associate_or_remove)}


def outcome(operation, store):
    try:
        operation(store)
    except OCCINotFound:
        return 'not found'
    except OCCIConflict:
        return 'conflict'
    except Exception as exc:  # what the test is there to catch
        return 'error: %s: %s' % (type(exc).__name__, exc)
    return 'ok'


def at_once(count, work, barrier=None):
    """``count`` threads (``racer-<i>``) run ``work()`` at once, after
    ``barrier`` (a fresh one when ``None``); their results."""
    if barrier is None:
        barrier = threading.Barrier(count)
    results = [None] * count

    def run(index):
        barrier.wait(WAIT)
        results[index] = work()

    threads = [threading.Thread(target=run, args=(i,), name='racer-%d' % i)
               for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    return results


def run_threads(store, operation, count, barrier=None):
    """The outcomes of ``count`` threads running ``operation`` at once."""
    return at_once(count, lambda: outcome(operation, store), barrier)


def check(store, name, results):
    """The serial-order outcome of a race of ``name``."""
    assert not [r for r in results if r.startswith('error')], results
    members = (store.members(OWNER, TYPE_ID)
               if store.mixins(OWNER) else [])
    if name in ('associate', 'tag_in_update'):
        assert results == ['ok'] * len(results)
        assert members == [ENTITY]
        assert store.associations(OWNER) == {ENTITY: (TYPE_ID,)}
    elif name == 'remove':
        assert sorted(results) == ['not found'] * (len(results) - 1) + ['ok']
        assert store.mixins(OWNER) == ()
    else:
        # the mixin went once; an association is there only if it is
        removals = results[1::2]
        assert sorted(removals) == ['not found'] * (len(removals) - 1) + [
            'ok']
        assert set(results[0::2]) <= {'ok', 'not found'}
        assert store.mixins(OWNER) == ()
        assert store.associations(OWNER) == {}


@pytest.mark.parametrize('name', sorted(OPERATIONS))
def test_threads_of_one_process(store, name):
    for _ in range(ROUNDS):
        reset(store)
        results = run_threads(store, OPERATIONS[name], CALLERS)
        check(store, name, results)


def _process(url, name, count, barrier, rounds, queue):
    """One of the two processes: ``rounds`` races of ``count`` threads;
    each race starts when every thread of both processes and the parent
    (who reset the store) reach ``barrier``."""
    store = open_store(url)
    try:
        for _ in range(rounds):
            queue.put(run_threads(store, OPERATIONS[name], count, barrier))
    finally:
        store.dispose()


def test_threads_of_two_processes(store, store_url):
    """Half the callers of each process associate, half remove."""
    name = 'associate_or_remove'
    context = multiprocessing.get_context('spawn')
    half = CALLERS // 2
    barrier = context.Barrier(CALLERS + 1)
    queue = context.Queue()
    processes = [context.Process(
        target=_process, args=(store_url, name, half, barrier, ROUNDS, queue))
        for _ in range(2)]
    for process in processes:
        process.start()
    try:
        for _ in range(ROUNDS):
            reset(store)
            barrier.wait(WAIT)
            results = queue.get(timeout=WAIT) + queue.get(timeout=WAIT)
            check(store, name, results)
    finally:
        barrier.abort()
        for process in processes:
            process.join(WAIT)
            if process.exitcode is None:
                process.kill()
    assert [p.exitcode for p in processes] == [0, 0]


# -- over HTTP: what the views answer in a race ------------------------------

DEFINITION = 'Category: hot; scheme="%s"; class="mixin"; location="/hot/"' % (
    TAGS)


@pytest.fixture(scope='module')
def http_cloud(store_url, app_settings):
    from tests.e2e.conftest import Server

    cloud = Cloud(dict(app_settings, **{'occi.store.url': store_url}))
    server = Server(cloud.app.app, threads=CALLERS)
    yield cloud, server
    server.stop()
    stores.mixin_store(cloud.app.app.registry).dispose()


def http_race(server, method, path, body):
    """``CALLERS`` requests at once; their statuses."""
    from tests.e2e.conftest import call

    headers = {'X-Auth-Token': ALICE, 'Content-Type': 'text/plain'}
    return at_once(CALLERS, lambda: call(server.port, method, path, headers,
                                         body).status)


def test_http_association_and_removal_races(http_cloud):
    from tests.e2e.conftest import call

    cloud, server = http_cloud
    cloud.reset()
    stores.clear(stores.mixin_store(cloud.app.app.registry))
    headers = {'X-Auth-Token': ALICE, 'Content-Type': 'text/plain'}
    created = call(server.port, 'POST', '/compute/', headers, CREATE_BODY)
    assert created.status == 201, created
    path = '/compute/' + created.headers['Location'].rsplit('/', 1)[1]
    assert call(server.port, 'POST', '/-/', headers,
                DEFINITION).status == 200
    statuses = http_race(server, 'POST', '/hot/',
                         'X-OCCI-Location: %s%s' % (server.url, path))
    assert statuses == [200] * CALLERS
    listed = call(server.port, 'GET', '/hot/',
                  dict(headers, Accept='text/uri-list'))
    assert listed.text.split() == [server.url + path]
    statuses = http_race(server, 'DELETE', '/-/', DEFINITION)
    assert sorted(statuses) == [200] + [404] * (CALLERS - 1)
    assert call(server.port, 'GET', '/hot/', headers).status == 404
