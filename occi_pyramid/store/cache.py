"""The store's hot reads, kept per process until the store changes.

Every request reads the caller's user mixins and their associations, and
a read of a compute or a link reads the caller's pending links too.  They
change rarely, so :class:`ReadCache` keeps the answers per process, each
tagged with the store's *generation* when it was read; an answer of an
older generation is never served.  The generation moves on when the
store may have changed (:class:`Generations`):

* this process's own writes, through any connection of the engine
  (store methods, migrations, scripts): when a connection that ran a
  statement other than a read goes back to the pool, that is, once its
  transaction has ended;
* another process's writes, told by the database itself:

  - SQLite file: ``PRAGMA data_version`` on a connection of the cache's
    own changes whenever another connection commits; it is read at each
    lookup (a few microseconds, no I/O beyond the file's header), so a
    change committed anywhere is seen by the next lookup;
  - PostgreSQL: a trigger on each table of the store (migration 0003)
    sends ``NOTIFY occi_store`` for every changed row; the cache LISTENs
    on a connection of its own, drained at each lookup (a non-blocking
    read of its socket) and by a thread when the process is idle.  The
    database signals the listeners at commit and they send at once: a
    change is seen once that delivery is over, well under a millisecond
    on one host (docs/decisions.md);
  - SQLite in memory: one process only, its own writes.

A write this process makes, or one a PostgreSQL notification names,
moves on only the generation of its table, and each cached read names
the tables it reads (:func:`~.database.cached_read`): a deferred
delete's row does not drop the cached user mixins, nor what is made
once per tuple of them.  A change whose table is not known (SQL that is
not a compiled write, another connection's commit on an SQLite file)
moves every table's.

If the watch's connection fails, nothing is cached until it is back, and
what was cached before is dropped.  Answers are also dropped after
``ttl`` seconds (a bound on any staleness the watch could miss); ``ttl``
0 turns caching off.  Cached values are shared by threads: callers must
not change them (the store returns tuples and frozen records).
"""
import logging
import os
import select
import threading
import time

from sqlalchemy import event

from .schema import in_memory

log = logging.getLogger(__name__)

#: the PostgreSQL notification channel (migration 0003's trigger)
CHANNEL = 'occi_store'
#: seconds between attempts to get a lost watch connection back
RECONNECT_PAUSE = 1.0
#: statements that do not change the database
_READS = ('SELECT', 'PRAGMA', 'SHOW', 'WITH', 'EXPLAIN')
#: forks of this process so far: a watch made before a fork is the
#: parent's (its connection and thread stay there)
_forks = 0


def _forked():
    global _forks
    _forks += 1


os.register_at_fork(after_in_child=_forked)


class Generations:
    """The generation of one engine's database, as this process knows
    it: an integer that moves on when the data may have changed, or
    ``None`` while changes cannot be told (the watch is down).

    Besides, each table has a generation of its own, moved on by a write
    known to touch that table alone (this process's statements; on
    PostgreSQL, every notification names its table): a read that names
    its tables (:meth:`current`) is not made stale by writes to others
    (a deferred delete's row does not drop the cached user mixins)."""

    def __init__(self, engine):
        self.engine = engine
        self._lock = threading.Lock()
        self._generation = 0
        #: table name -> its own generation
        self._tables = {}
        self._changes = 0
        self._forks = _forks
        self._watch = None
        self._closed = False
        event.listen(engine, 'after_cursor_execute', self._executed)
        # NB: on the engine, so that a pool made by engine.dispose() has it
        event.listen(engine, 'checkin', self._checked_in)

    # -- this process's writes ---------------------------------------------

    @staticmethod
    def _executed(connection, cursor, statement, parameters, context,
                  executemany):
        if not statement.lstrip()[:7].upper().startswith(_READS):
            # NB: the table of a compiled INSERT, UPDATE or DELETE; None
            # (any table) for anything else
            compiled = getattr(context, 'compiled', None)
            statement = getattr(compiled, 'statement', None)
            table = getattr(statement, 'table', None)
            connection.connection.info.setdefault('occi_wrote', set()).add(
                getattr(table, 'name', None))

    def _checked_in(self, dbapi_connection, record):
        # NB: a connection goes back after its transaction ended (commit
        # or rollback): a reader who started before tagged its answer
        # with the old generation
        if record is not None:
            tables = record.info.pop('occi_wrote', None)
            if tables:
                self.bump(tables)

    @property
    def known(self):
        """A count of the changes this process knows of, whatever their
        tables, without asking the database."""
        return self._changes

    def bump(self, tables=None):
        """The data of ``tables`` (names; ``None`` or a ``None`` among
        them: of any table) may have changed: answers read from them so
        far are stale."""
        with self._lock:
            self._changes += 1
            if tables is None or None in tables:
                self._generation += 1
                return
            for table in tables:
                self._tables[table] = self._tables.get(table, 0) + 1

    def of(self, tables):
        """The generation of ``tables`` as this process knows it: the
        database's, and each table's own."""
        table_generations = self._tables
        return (self._generation,) + tuple(
            table_generations.get(table, 0) for table in tables)

    # -- everyone's --------------------------------------------------------

    def current(self, tables=None):
        """The generation now (after asking the database whether another
        process changed it), or ``None``: do not cache.  With ``tables``
        (names), the generation of those tables (:meth:`of`)."""
        if self._closed:
            return None
        if self._forks != _forks:  # forked: the watch is the parent's
            self._forks, self._watch = _forks, None
        watch = self._watch
        if watch is None:
            watch = self._watch = _watch_for(self)
        if not watch.poll():
            return None
        if tables is not None:
            return self.of(tables)
        return self._generation

    def close(self):
        self._closed = True
        if self._watch is not None:
            self._watch.close()
        for name, target, fn in (
                ('after_cursor_execute', self.engine, self._executed),
                ('checkin', self.engine, self._checked_in)):
            if event.contains(target, name, fn):
                event.remove(target, name, fn)


def _watch_for(generations):
    engine = generations.engine
    if engine.dialect.name == 'postgresql':
        return _Listen(generations)
    if in_memory(engine.url):
        return _OwnWrites()
    if engine.dialect.name == 'sqlite':
        return _DataVersion(generations)
    return _Never()


class _OwnWrites:
    """An in-memory database: only this process writes to it."""

    def poll(self):
        return True

    def close(self):
        pass


class _Never:
    """A database whose other writers cannot be told: no caching."""

    def poll(self):
        return False

    def close(self):
        pass


class _DataVersion:
    """SQLite file: ``PRAGMA data_version`` of a connection of our own."""

    def __init__(self, generations):
        import sqlite3

        self.generations = generations
        self._lock = threading.Lock()
        self._connection = sqlite3.connect(
            generations.engine.url.database, check_same_thread=False,
            timeout=30)
        self._version = self._read()

    def _read(self):
        return self._connection.execute('PRAGMA data_version').fetchone()[0]

    def poll(self):
        with self._lock:
            try:
                version = self._read()
            except Exception:  # the file went away: tell nothing
                log.warning('store cache: cannot read the SQLite data '
                            'version; not caching', exc_info=True)
                return False
            if version != self._version:
                self._version = version
                self.generations.bump()
        return True

    def close(self):
        with self._lock:
            self._connection.close()


def tells_of(payload, schema):
    """Whether a notification's payload tells of a change to the store
    in ``schema``: ``schema.table`` of that schema (migration 0006), or
    one that names no schema (a NOTIFY sent by hand; migration 0003).
    """
    named, dot, _ = payload.rpartition('.')
    return not dot or named == schema


def table_told(payload):
    """The table a notification's payload names (``schema.table``), or
    ``None`` (a payload of migration 0003, or sent by hand: any
    table)."""
    _, dot, table = payload.rpartition('.')
    return table if dot and table else None


class _Listen:
    """PostgreSQL: LISTEN on a connection of our own; a thread drains it
    while no lookup does."""

    def __init__(self, generations):
        self.generations = generations
        self._lock = threading.Lock()
        self._connection = None
        self._schema = None
        self._retry_at = 0.0
        self._closed = False
        self._connect()
        self._thread = threading.Thread(
            target=self._run, name='occi-store-listen', daemon=True)
        self._thread.start()

    def _connect(self):
        """Open and LISTEN (under the lock, or before the thread runs);
        return whether it worked."""
        try:
            fairy = self.generations.engine.raw_connection()
            fairy.detach()  # ours for good, not the pool's
            connection = fairy.dbapi_connection
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute('SELECT current_schema()')
                self._schema = cursor.fetchone()[0]
                cursor.execute('LISTEN %s' % CHANNEL)
        except Exception as error:
            log.warning('store cache: cannot LISTEN (%s); not caching, '
                        'trying again in %.0f s', error, RECONNECT_PAUSE)
            self._retry_at = time.monotonic() + RECONNECT_PAUSE
            return False
        self._connection = connection
        # whatever happened while nobody listened
        self.generations.bump()
        return True

    def _drain(self):
        """Read what arrived (no waiting); return whether the connection
        is good.  Under the lock."""
        connection = self._connection
        if connection is None:
            if self._closed or time.monotonic() < self._retry_at:
                return False
            return self._connect()
        try:
            connection.poll()
        except Exception as error:
            log.warning('store cache: lost the LISTEN connection (%s); '
                        'not caching until it is back', error)
            self._drop()
            return False
        if connection.notifies:
            ours = {table_told(n.payload) for n in connection.notifies
                    if tells_of(n.payload, self._schema)}
            connection.notifies.clear()
            if ours:
                self.generations.bump(ours)
        return True

    def _drop(self):
        connection, self._connection = self._connection, None
        self._retry_at = time.monotonic() + RECONNECT_PAUSE
        if connection is not None:
            try:
                connection.close()
            except Exception:
                pass

    def poll(self):
        if not self._lock.acquire(blocking=False):
            # the thread is draining right now: what it reads bumps the
            # generation; no answer is safe before it is done
            with self._lock:
                return self._connection is not None
        try:
            return self._drain()
        finally:
            self._lock.release()

    def _run(self):
        while not self._closed:
            connection = self._connection
            if connection is None:
                time.sleep(RECONNECT_PAUSE)
            else:
                try:
                    select.select([connection], [], [], 5.0)
                except (OSError, ValueError):  # closed under us
                    pass
            with self._lock:
                if not self._closed:
                    self._drain()

    def close(self):
        self._closed = True
        with self._lock:
            self._drop()


class ReadCache:
    """Answers of the store's hot reads, per process (see the module).

    :param engine: the store's engine
    :param ttl: seconds an answer may be served (0: no caching)
    :param max_entries: the cache starts empty again above this many
    """

    def __init__(self, engine, ttl=60.0, max_entries=10000):
        self.ttl = float(ttl)
        self.max_entries = max_entries
        self.generations = Generations(engine)
        self._entries = {}

    def get(self, key, load, tables=None):
        """The answer for ``key``: cached, or ``load()`` (then kept).
        ``tables``: the names of the tables it is read from (``None``:
        any change of the store makes it stale)."""
        if self.ttl <= 0:
            return load()
        generation = self.generations.current(tables)
        if generation is None:
            return load()
        now = time.monotonic()
        hit = self._entries.get(key)
        if hit is not None and hit[0] == generation and hit[1] > now:
            return hit[2]
        value = load()
        if len(self._entries) >= self.max_entries:
            self._entries = {}
        # NB: tagged with the generation read *before* loading: a change
        # committed meanwhile has bumped it, so this answer is not served
        self._entries[key] = (generation, now + self.ttl, value)
        return value

    def clear(self):
        self._entries = {}

    def close(self):
        self.generations.close()
        self.clear()

