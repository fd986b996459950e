"""The pure parts of deferred work: ids, backoff, tokens, and the store's
rows (links and deletes) and claims on an SQLite file and on PostgreSQL
(two workers never hold one row; a lease that ran out frees it)."""
import threading

import pytest

from occi_pyramid.wrappers.deferred import Tokens, pending_id
from occi_pyramid.store.pending import (
    ACTIVE, ERROR, PENDING, PendingStore, backoff,
)

CLOUD = 'https://cloud.example.org/identity/v2.0'
NOW = 1_000_000.0


@pytest.mark.parametrize('text, expected', [
    ('pending-12', 12), ('pending-1', 1), ('pending-0', 0),
    ('pending-', None), ('pending-01', None), ('pending-x', None),
    ('pending-1e3', None), ('12', None), ('pending-' + '9' * 19, None),
    ('pending-١', None),
])
def test_pending_ids(text, expected):
    assert pending_id(text) == expected


def test_backoff_doubles_up_to_the_cap():
    assert [backoff(n, 0.5, 10.0) for n in range(7)] == [
        0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 10.0]
    assert backoff(10 ** 6, 0.5, 10.0) == 10.0


def test_tokens_expire_and_a_refused_one_is_forgotten():
    clock = [100.0]
    tokens = Tokens(clock=lambda: clock[0])
    tokens.remember('u1', 't1', expires=150.0)
    tokens.remember('u2', 't2')
    assert tokens.owners() == {'u1', 'u2'}
    clock[0] = 150.0
    assert tokens.get('u1') is None and tokens.owners() == {'u2'}
    tokens.remember('u2', 't3')
    tokens.forget('u2', 't2')   # an older token: the newer one stays
    assert tokens.get('u2') == 't3'
    tokens.forget('u2', 't3')
    assert tokens.owners() == set()


def test_tokens_tell_whether_the_workers_view_changed():
    clock = [100.0]
    tokens = Tokens(clock=lambda: clock[0])
    assert tokens.remember('u1', 't1', expires=150.0)   # new
    assert not tokens.remember('u1', 't1', expires=150.0)   # the same
    assert tokens.remember('u1', 't2')   # another
    assert not tokens.remember('', 't3') and not tokens.remember('u2', '')
    tokens.remember('u3', 't3', expires=120.0)
    clock[0] = 130.0
    assert tokens.remember('u3', 't3', expires=200.0)   # it had run out
    tokens.forget('u1', 't2')
    assert tokens.remember('u1', 't2')   # forgotten: new again


def test_a_sleeping_worker_is_woken_only_for_work_due_before_its_look():
    from occi_pyramid.wrappers.deferred import DeferredWorker

    worker = DeferredWorker(links=None)
    try:
        worker.planned = NOW + 0.5   # asleep until then
        worker.wake(due=NOW + 0.5)
        worker.wake(due=NOW + 3)
        assert not worker._wake.is_set()   # that look finds them
        worker.wake(due=NOW + 0.2)
        assert worker._wake.is_set()
        worker._wake.clear()
        worker.wake()   # at once
        assert worker._wake.is_set()
        worker._wake.clear()
        worker.planned = None   # awake: it may have read the store already
        worker.wake(due=NOW + 3)
        assert worker._wake.is_set()
    finally:
        worker.stop()


@pytest.fixture(params=['sqlite', 'postgresql'])
def store(request, tmp_path):
    from occi_pyramid.store.database import Database
    from occi_pyramid.store.schema import make_engine, upgrade
    from tests.functional import stores

    with stores.store_url(request.param, tmp_path) as url:
        engine = make_engine(url)
        upgrade(engine)
        database = Database(engine)
        yield PendingStore(database)
        database.dispose()


def add(store, owner='u1', source='/compute/1', now=NOW, wait=600.0):
    return store.add(CLOUD, owner, 'kind', source, '/storage/2',
                     {'occi.storagelink.mountpoint': '/data'}, ['m'],
                     message='waiting', deadline=now + wait, now=now)


def test_a_row_is_claimed_by_one_worker_until_its_lease_runs_out(store):
    row = add(store)
    assert row.state == PENDING and row.attributes == {
        'occi.storagelink.mountpoint': '/data'}
    claimed = store.claim(CLOUD, 'w1', {'u1'}, now=NOW, lease=30)
    assert [r.id for r in claimed] == [row.id]
    assert claimed[0].claimed_by == 'w1'
    assert store.claim(CLOUD, 'w2', {'u1'}, now=NOW + 29, lease=30) == []
    # w1 died: its lease runs out, w2 takes over; w1 can change it no more
    taken = store.claim(CLOUD, 'w2', {'u1'}, now=NOW + 31, lease=30)
    assert [r.id for r in taken] == [row.id]
    assert not store.finish(row.id, 'w1', ACTIVE, made='7')
    assert store.finish(row.id, 'w2', ACTIVE, made='7')
    assert store.get(CLOUD, row.id).made == '7'
    # made: never claimed again
    assert store.claim(CLOUD, 'w3', {'u1'}, now=NOW + 999) == []


def test_only_due_rows_of_owners_with_tokens_are_claimed(store):
    mine, other = add(store, 'u1'), add(store, 'u2')
    assert store.claim(CLOUD, 'w', set(), now=NOW) == []
    assert store.claim('another cloud', 'w', {'u1'}, now=NOW) == []
    assert [r.id for r in store.claim(CLOUD, 'w', {'u1'}, now=NOW)] == [
        mine.id]
    assert store.retry(mine.id, 'w', NOW + 5, 'still busy', 1)
    assert store.claim(CLOUD, 'w', {'u1'}, now=NOW + 4) == []
    assert store.next_due(CLOUD, {'u1'}) == NOW + 5
    again = store.claim(CLOUD, 'w', {'u1', 'u2'}, now=NOW + 5)
    assert {r.id for r in again} == {mine.id, other.id}
    assert {r.attempts for r in again} == {0, 1}


def test_cancelled_rows_are_not_made(store):
    row = add(store)
    store.claim(CLOUD, 'w', {'u1'}, now=NOW)
    assert store.cancel(CLOUD, 'u2', [row.id]) == 0   # not theirs
    assert store.cancel(CLOUD, 'u1', [row.id]) == 1
    assert not store.finish(row.id, 'w', ACTIVE, made='7')
    add(store, source='/compute/3')
    store.claim(CLOUD, 'w', {'u1'}, now=NOW + 1, lease=30)
    add(store, source='/compute/3')
    add(store, source='/compute/3')
    assert store.cancel_source(CLOUD, 'u1', '/compute/3', now=NOW + 2) == (
        3, 1)   # one of them was being made
    assert store.of_owner(CLOUD, 'u1') == ()


def test_a_delete_row_can_take_the_link_rows_of_its_compute(store):
    made = add(store, source='/compute/3')
    store.claim(CLOUD, 'w', {'u1'}, now=NOW)
    assert store.finish(made.id, 'w', ACTIVE, made='7')
    waiting = add(store, source='/compute/3')
    other = add(store, source='/compute/4')
    theirs = add(store, owner='u2', source='/compute/3')
    row = store.add(CLOUD, 'u1', 'kind', '/compute/3', '', {},
                    operation='delete', now=NOW, drop_links=True)
    assert store.get(CLOUD, made.id) is None     # the alias, made
    assert store.get(CLOUD, waiting.id) is None
    assert {r.id for r in store.of_owner(CLOUD, 'u1')} == {other.id, row.id}
    assert store.get(CLOUD, theirs.id) is not None


def test_an_error_row_stays_until_deleted(store):
    row = add(store)
    store.claim(CLOUD, 'w', {'u1'}, now=NOW)
    store.finish(row.id, 'w', ERROR, 'The compute 1 is in error.')
    [failed] = store.of_owner(CLOUD, 'u1')
    assert (failed.state, failed.message) == (
        ERROR, 'The compute 1 is in error.')
    assert store.owners_waiting(CLOUD) == set()


def test_many_workers_at_once_claim_each_row_once(store):
    """Threads on one engine stand for workers: every row is claimed by
    exactly one of them."""
    rows = [add(store, source='/compute/%d' % n) for n in range(20)]
    claims, start = {}, threading.Barrier(6)

    def worker(name):
        start.wait()
        for _ in range(10):
            for record in store.claim(CLOUD, name, {'u1'}, now=NOW,
                                      lease=60, limit=3):
                claims.setdefault(record.id, []).append(name)

    threads = [threading.Thread(target=worker, args=('w%d' % n,))
               for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(claims) == sorted(r.id for r in rows)
    assert all(len(names) == 1 for names in claims.values()), claims


def test_a_delete_row_carries_its_resume_and_goes_when_done(store):
    from occi_pyramid.store.pending import DELETE, LINK

    link = add(store)
    row = store.add(CLOUD, 'u1', 'compute', '/compute/4', '',
                    {'goes_with': ['/storage/9']}, operation=DELETE,
                    resume=None, message='Waiting for compute 4.',
                    deadline=NOW + 600, now=NOW, due=NOW + 0.5)
    assert (link.operation, row.operation) == (LINK, DELETE)
    # the delete is due half a second later
    assert [r.id for r in store.claim(CLOUD, 'w', {'u1'}, now=NOW)] == [
        link.id]
    [claimed] = [r for r in store.claim(CLOUD, 'w2', {'u1'},
                                        now=NOW + 0.5) if r.id == row.id]
    assert claimed.resume is None
    assert store.retry(row.id, 'w2', NOW + 1, 'Waiting for compute 4 to '
                       'be deleted.', 1, resume={'deleted': True},
                       attributes={'goes_with': ['/storage/9', '/x']})
    again = store.get(CLOUD, row.id)
    assert again.resume == {'deleted': True}
    assert again.attributes == {'goes_with': ['/storage/9', '/x']}
    assert store.cancel_source(CLOUD, 'u1', '/compute/4') == (0, 0)
    [claimed] = [r for r in store.claim(CLOUD, 'w3', {'u1'}, now=NOW + 1)
                 if r.id == row.id]
    assert not store.done(row.id, 'w2')   # not its claim any more
    assert store.done(row.id, 'w3')
    assert store.get(CLOUD, row.id) is None


def test_a_claim_with_nothing_due_writes_nothing(store):
    """An idle worker's claim is a read: a write, even of no row, would
    tell every process's store cache that the store changed."""
    add(store, now=NOW + 100)
    generations = store.database.cache.generations
    before = generations.known
    assert store.claim(CLOUD, 'w', {'u1'}, now=NOW) == []
    assert generations.known == before
    assert store.claim(CLOUD, 'w', {'u1'}, now=NOW + 100)
    assert generations.known != before


def test_the_state_messages_of_waiting_work():
    from occi_pyramid.exceptions import OCCIBusy, OCCIConflict
    from occi_pyramid.wrappers.deferred import held_message, waiting_message

    assert waiting_message(OCCIBusy('busy', waiting='compute 3 to be '
                                    'built')) == (
        'Waiting for compute 3 to be built.')
    assert waiting_message(OCCIBusy('The volume attaches.')) == (
        'Waiting: The volume attaches.')
    assert held_message(OCCIConflict('ports', held_by=[
        '/compute/3', '/compute/4'])) == (
        'Waiting for compute 3, compute 4 to be deleted.')
