"""The store's API: user mixin definitions and their associations.

:class:`MixinStore` is process-wide and thread-safe: every method opens
its own short session and transaction, so a method either happens whole
or not at all.  It speaks plain values (:class:`MixinRecord`, type ids,
locations), never ORM objects, and knows nothing of Pyramid.

Concurrent callers (threads, or processes sharing one database) get the
answers of some serial order: an association made twice at once is made
once (``INSERT … ON CONFLICT DO NOTHING``), a mixin removed twice at once
is removed by one caller and not found by the other (the ``DELETE``'s row
count decides, under the database's row or file lock), and an
association to a mixin removed meanwhile is a clean not-found.
"""
import dataclasses
import types

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker
from zope.interface import implementer

from ..exceptions import OCCIConflict, OCCINotFound
from ..interfaces import IUserMixinStore
from .database import cached_read, taking_turns
from .models import Association, UserMixin


class StoreConflict(OCCIConflict):
    """A scheme+term or location is already used by the owner (a race
    lost to another request: the views check first)."""


@dataclasses.dataclass(frozen=True)
class MixinRecord:
    """A user mixin definition as stored."""

    owner: str
    scheme: str
    term: str
    location: str
    title: str | None = None
    depends: tuple = ()
    applies: tuple = ()
    #: attribute defaults (a user-defined resource template's sizes):
    #: ``((name, value), ...)``
    defaults: tuple = ()

    @property
    def type_id(self):
        return self.scheme + self.term


#: times set_entity_mixins starts over when a mixin vanishes under it
RETRIES = 3


def _insert_ignoring_duplicates(session, table, rows):
    """Insert ``rows`` (dicts) into ``table``, skipping those whose
    primary key is there already (one made meanwhile by another caller).
    """
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect == 'postgresql':
        from sqlalchemy.dialects.postgresql import insert as upsert
    elif dialect == 'sqlite':
        from sqlalchemy.dialects.sqlite import insert as upsert
    else:  # no portable spelling: a plain insert (a race is then a 409)
        session.execute(insert(table), rows)
        return
    session.execute(upsert(table).on_conflict_do_nothing(), rows)


def _record(row):
    return MixinRecord(
        owner=row.owner, scheme=row.scheme, term=row.term,
        location=row.location, title=row.title,
        depends=tuple(row.depends or ()), applies=tuple(row.applies or ()),
        defaults=tuple(sorted((row.defaults or {}).items())))


_MIXINS = (
    select(UserMixin.owner, UserMixin.scheme, UserMixin.term,
           UserMixin.location, UserMixin.title, UserMixin.depends,
           UserMixin.applies, UserMixin.defaults)
    .where(UserMixin.owner == bindparam('owner'))
    .order_by(UserMixin.id))
_ASSOCIATIONS = (
    select(Association.entity, UserMixin.scheme, UserMixin.term)
    .join(UserMixin, UserMixin.id == Association.mixin_id)
    .where(UserMixin.owner == bindparam('owner'))
    .order_by(UserMixin.id, Association.entity))


@implementer(IUserMixinStore)
class MixinStore:
    """User mixins and associations in one SQL database.

    :param database: the store's :class:`~.database.Database`
    """

    def __init__(self, database):
        self.database = database
        self.engine = database.engine
        self.cache = database.cache
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    def dispose(self):
        self.database.dispose()

    # -- definitions -------------------------------------------------------

    # NB: the reads run on every request (a user's mixins, their
    # associations, the traversal probe): they are answered from the
    # process's cache (the database's) until the store changes, and on a
    # miss are Core selects on a pooled connection, without an ORM session

    @cached_read(UserMixin.__tablename__)
    def mixins(self, owner):
        """Every mixin of ``owner``, oldest first (a tuple, shared: do
        not change it)."""
        with self.engine.connect() as connection:
            rows = connection.execute(_MIXINS, {'owner': owner})
            return tuple(_record(row) for row in rows)

    @cached_read(UserMixin.__tablename__)
    def anyone_at_or_below(self, path):
        """Whether some owner has a mixin located at or below ``path``
        (one query, whoever asks)."""
        with self.engine.connect() as connection:
            return connection.execute(
                select(UserMixin.id)
                .where(UserMixin.location.startswith(path, autoescape=True))
                .limit(1)).first() is not None

    @taking_turns
    def ping(self):
        """Whether the database answers (a health check)."""
        with self.engine.connect() as connection:
            connection.execute(select(1)).scalar()
        return True

    @taking_turns
    def add(self, records):
        """Store new definitions, all or none.

        :raises StoreConflict: one clashes with a stored one
        """
        try:
            with self._session.begin() as session:
                session.add_all([
                    UserMixin(owner=r.owner, scheme=r.scheme, term=r.term,
                              title=r.title, location=r.location,
                              depends=list(r.depends),
                              applies=list(r.applies),
                              defaults=dict(r.defaults) or None)
                    for r in records
                ])
        except IntegrityError:
            raise StoreConflict(
                'A mixin with this scheme and term, or at this location, '
                'was added meanwhile.')

    @taking_turns
    def remove(self, owner, type_ids):
        """Remove definitions (their associations go with them), all or
        none.

        :raises OCCINotFound: one is not there (any more: removed by a
            concurrent caller, who gets the success)
        """
        with self._session.begin() as session:
            rows = self._rows(session, owner, type_ids, lock=True)
            found = {row.scheme + row.term for row in rows}
            for type_id in type_ids:
                if type_id not in found:
                    raise OCCINotFound('You have no mixin %s.' % type_id)
            ids = [row.id for row in rows]
            session.execute(delete(Association).where(
                Association.mixin_id.in_(ids)))
            removed = session.execute(delete(UserMixin).where(
                UserMixin.id.in_(ids))).rowcount
            if removed != len(ids):
                # SQLite takes no row locks: another caller was first
                raise OCCINotFound('You have no mixin %s.'
                                   % ', '.join(sorted(type_ids)))

    def _rows(self, session, owner, type_ids=None, lock=False):
        """The owner's rows (of ``type_ids`` only, unless ``None``), by
        id.  ``lock`` takes their row locks (PostgreSQL; SQLite writers
        queue on the file lock instead), always in id order, so that two
        writers never wait for each other in a circle."""
        query = select(UserMixin).where(
            UserMixin.owner == owner).order_by(UserMixin.id)
        if lock:
            query = query.with_for_update()
        rows = session.scalars(query).all()
        if type_ids is None:
            return rows
        wanted = set(type_ids)
        return [row for row in rows if row.scheme + row.term in wanted]

    def _row(self, session, owner, type_id, lock=False):
        rows = self._rows(session, owner, [type_id], lock)
        if not rows:
            raise OCCINotFound('There is no mixin %s.' % type_id)
        return rows[0]

    # -- associations --------------------------------------------------------

    @cached_read(Association.__tablename__, UserMixin.__tablename__)
    def associations(self, owner):
        """``{entity location: (type id, ...)}`` of every association of
        ``owner`` (one query; a read-only mapping, shared)."""
        result = {}
        with self.engine.connect() as connection:
            for entity, scheme, term in connection.execute(
                    _ASSOCIATIONS, {'owner': owner}):
                result.setdefault(entity, []).append(scheme + term)
        return types.MappingProxyType(
            {entity: tuple(ids) for entity, ids in result.items()})

    @taking_turns
    def members(self, owner, type_id):
        """The entity locations associated with one mixin."""
        with self._session() as session:
            row = self._row(session, owner, type_id)
            return sorted(session.scalars(
                select(Association.entity)
                .where(Association.mixin_id == row.id)))

    @taking_turns
    def associate(self, owner, type_id, locations, replace=False):
        """Associate entities with a mixin; with ``replace``, exactly
        those (the others are dissociated)."""
        try:
            with self._session.begin() as session:
                row = self._row(session, owner, type_id, lock=True)
                current = set(session.scalars(
                    select(Association.entity)
                    .where(Association.mixin_id == row.id)))
                wanted = set(locations)
                if replace and current - wanted:
                    session.execute(delete(Association).where(
                        Association.mixin_id == row.id,
                        Association.entity.in_(current - wanted)))
                _insert_ignoring_duplicates(session, Association.__table__, [
                    {'mixin_id': row.id, 'entity': location}
                    for location in sorted(wanted - current)])
        except IntegrityError:
            # the only constraint left to break: the mixin's row went away
            raise OCCINotFound('There is no mixin %s (it was removed '
                               'meanwhile).' % type_id)

    @taking_turns
    def dissociate(self, owner, type_id, locations=None):
        """Dissociate the given entities (every one when ``None``)."""
        with self._session.begin() as session:
            row = self._row(session, owner, type_id, lock=True)
            query = delete(Association).where(
                Association.mixin_id == row.id)
            if locations is not None:
                query = query.where(Association.entity.in_(list(locations)))
            session.execute(query)

    @taking_turns
    def set_entity_mixins(self, owner, location, type_ids, replace=False):
        """The user mixins of one entity: add ``type_ids``; with
        ``replace``, exactly those.  A mixin removed meanwhile is left
        out (as if it had been removed just after)."""
        for attempt in range(1, RETRIES + 1):
            try:
                return self._set_entity_mixins(owner, location, type_ids,
                                               replace)
            except IntegrityError:
                if attempt == RETRIES:
                    raise

    def _set_entity_mixins(self, owner, location, type_ids, replace):
        with self._session.begin() as session:
            rows = self._rows(session, owner, lock=True)
            ids = {row.id for row in rows
                   if row.scheme + row.term in set(type_ids)}
            owned = [row.id for row in rows]
            current = set(session.scalars(
                select(Association.mixin_id).where(
                    Association.entity == location,
                    Association.mixin_id.in_(owned))))
            if replace and current - ids:
                session.execute(delete(Association).where(
                    Association.entity == location,
                    Association.mixin_id.in_(current - ids)))
            _insert_ignoring_duplicates(session, Association.__table__, [
                {'mixin_id': mixin_id, 'entity': location}
                for mixin_id in sorted(ids - current)])

    @taking_turns
    def forget_entities(self, owner, locations):
        """Drop every association of ``owner`` with these entities (they
        were deleted)."""
        locations = list(locations)
        if not locations:
            return
        with self._session.begin() as session:
            owned = [row.id for row in self._rows(session, owner, lock=True)]
            session.execute(delete(Association).where(
                Association.entity.in_(locations),
                Association.mixin_id.in_(owned)))
