"""The store's database in one process, shared by its two parts.

:class:`Database` holds what belongs to the database rather than to the
user mixins or the deferred work: the engine, the lock threads take turns
on when they share one connection, and the cache of the hot reads
(:class:`~.cache.ReadCache`).  :class:`~.api.MixinStore` and
:class:`~.pending.PendingStore` are both built on one; their methods run
through :func:`taking_turns` or :func:`cached_read`.
"""
import contextlib
import functools
import threading

from .cache import ReadCache
from .schema import in_memory


class Database:
    """One store database of this process.

    :param engine: a SQLAlchemy engine (:func:`.schema.make_engine`)
    :param cache_ttl: seconds a cached read may be served
        (``occi.store.cache_ttl``; 0: no caching)
    """

    def __init__(self, engine, cache_ttl=60.0):
        self.engine = engine
        # NB: an in-memory database is one connection: the transactions
        # of threads on it would interleave, and requests and the deferred
        # work's worker use the store at once
        self._lock = threading.RLock() if in_memory(engine.url) else None
        self.cache = ReadCache(engine, cache_ttl)

    def turns(self):
        """A context in which the caller has the database to itself when
        its one connection is shared; a no-op otherwise."""
        if self._lock is None:
            return contextlib.nullcontext()
        return self._lock

    def dispose(self):
        """Stop watching for changes and close every connection."""
        self.cache.close()
        self.engine.dispose()


def taking_turns(method):
    """Decorate a store method: it runs in :meth:`Database.turns` of
    ``self.database``."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self.database.turns():
            return method(self, *args, **kwargs)
    return wrapper


def cached_read(*tables):
    """Decorate a store method that reads (positional arguments only)
    from ``tables`` (their names): its answer comes from the database's
    cache, keyed by the method's name and arguments, until one of those
    tables changes; on a miss it runs in :func:`taking_turns` as every
    store method does.  The answer is shared: the method returns tuples
    and read-only mappings."""
    def decorate(read):
        read = taking_turns(read)
        name = read.__name__

        @functools.wraps(read)
        def wrapper(self, *args):
            return self.database.cache.get(
                (name,) + args, lambda: read(self, *args), tables)
        return wrapper
    return decorate
