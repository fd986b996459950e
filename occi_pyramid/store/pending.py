"""The store's deferred work: links a busy compute could not take yet,
and deletes the cloud could not do or finish yet.

:class:`PendingStore` is process-wide and thread-safe like
:class:`~.api.MixinStore` (one short transaction per method) and shares
its :class:`~.database.Database` (engine and read cache).  It speaks
:class:`PendingRecord` s, never ORM objects.

A row's ``operation`` is ``link`` or ``delete``.  A row is ``pending``
until a worker carries it out (a link: ``active``, with the cloud's id in
``made``; a delete: the row goes) or gives up (``error``, the reason in
``message``).  Workers of several processes share the rows: a worker
*claims* due rows for a lease (``claimed_by``, ``claimed_until``) in one
statement, so each row is carried out by one worker at a time:

* PostgreSQL: ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)``
  (rows another worker is claiming are skipped, not waited for), and the
  outer ``WHERE`` repeats the conditions, which PostgreSQL checks again
  on the row it locked;
* SQLite: the same ``UPDATE`` is one write under the database's single
  writer lock.

A worker that dies leaves its claims to run out; the next worker finds
the link made already (the backend answers a create of an existing link
with that link), so a link is made once.
"""
import dataclasses
import json
import time

from sqlalchemy import (JSON, Text, bindparam, cast, delete, func, or_,
                        select, update)
from zope.interface import implementer

from ..interfaces import IPendingStore
from .database import cached_read, taking_turns
from .models import Association, PendingLink, UserMixin, utcnow

PENDING, ACTIVE, ERROR = 'pending', 'active', 'error'
LINK, DELETE = 'link', 'delete'
_KEEP = object()

_TABLE = PendingLink.__table__


@dataclasses.dataclass(frozen=True)
class PendingRecord:
    """A pending link as stored."""

    id: int
    cloud: str
    owner: str
    kind: str
    source: str
    target: str
    attributes: dict
    mixins: tuple
    state: str
    message: str | None
    made: str | None
    attempts: int
    next_attempt_at: float
    deadline: float
    claimed_by: str | None = None
    claimed_until: float | None = None
    operation: str = LINK
    resume: dict | None = None


#: the columns every read of rows returns, for :func:`_decoded`, in its
#: order: every one but ``created``, the JSON ones as their text
_RAW_COLUMNS = tuple(
    cast(column, Text).label(column.name)
    if isinstance(column.type, JSON) else column
    for column in _TABLE.c if column.name != 'created')
_FIELDS = tuple(column.name for column in _RAW_COLUMNS)
_JSON_FIELDS = frozenset(column.name for column in _TABLE.c
                         if isinstance(column.type, JSON))
#: raw row -> its record, while rows stay as they were (most reads of a
#: user's rows find them unchanged); emptied when it holds this many
_MEMO_SIZE = 4096
_memo = {}


def _decoded(raw):
    """The record of a row read as :data:`_RAW_COLUMNS` (a tuple): made
    once per distinct row, then shared (records are frozen).  Decoding a
    row's three JSON texts and naming its 18 fields costs six times what
    fetching it does, and a user's rows are read again after every change
    to any of them (every compute delete writes one)."""
    record = _memo.get(raw)
    if record is None:
        values = {
            name: json.loads(value) if (
                name in _JSON_FIELDS and value is not None) else value
            for name, value in zip(_FIELDS, raw)}
        values['attributes'] = dict(values['attributes'] or {})
        values['mixins'] = tuple(values['mixins'] or ())
        record = PendingRecord(**values)
        if len(_memo) >= _MEMO_SIZE:
            _memo.clear()
        _memo[raw] = record
    return record


def backoff(attempts, base=0.5, cap=10.0):
    """Seconds before the next attempt after ``attempts`` failed ones:
    ``base`` doubled each time, at most ``cap`` (pure function)."""
    if attempts < 1:
        return 0.0
    return min(cap, base * 2 ** min(attempts - 1, 32))


# NB: built once, without an expanding IN: building a select of every
# column costs four times what running it costs, and of_owner runs on
# every compute or link read
_OF_OWNER = (
    select(*_RAW_COLUMNS)
    .where(_TABLE.c.cloud == bindparam('cloud'),
           _TABLE.c.owner == bindparam('owner'),
           _TABLE.c.state != ACTIVE)
    .order_by(_TABLE.c.id))
_BY_ID = select(*_RAW_COLUMNS).where(_TABLE.c.cloud == bindparam('cloud'),
                              _TABLE.c.id == bindparam('id'))
#: a new row (every column given): built once, as the reads above, since
#: a compute's delete writes one
_ADD = _TABLE.insert().returning(*_RAW_COLUMNS)
_CANCEL_SOURCE = delete(_TABLE).where(
    _TABLE.c.cloud == bindparam('cloud'),
    _TABLE.c.owner == bindparam('owner'),
    _TABLE.c.operation == LINK,
    _TABLE.c.source == bindparam('source')).returning(
    _TABLE.c.state, _TABLE.c.claimed_by, _TABLE.c.claimed_until)


@implementer(IPendingStore)
class PendingStore:
    """Pending links in the store's database.

    :param database: the store's :class:`~.database.Database`
    """

    def __init__(self, database):
        self.database = database
        self.engine = database.engine

    # -- the owner's rows --------------------------------------------------

    @taking_turns
    def add(self, cloud, owner, kind, source, target, attributes=None,
            mixins=(), message=None, deadline=None, now=None,
            operation=LINK, resume=None, due=None, drop_links=False):
        """New deferred work (a link by default), due at once (or at
        ``due``); return its record.  ``drop_links``: in the same
        transaction, delete the owner's link rows from ``source`` (a
        compute being deleted: what is left of them are the aliases of
        links made, which go with it)."""
        now = time.time() if now is None else now
        values = dict(
            created=utcnow(), operation=operation, resume=resume,
            cloud=cloud, owner=owner, kind=kind, source=source,
            target=target, attributes=dict(attributes or {}),
            mixins=list(mixins), state=PENDING, message=message,
            made=None, attempts=0,
            next_attempt_at=now if due is None else due,
            deadline=deadline if deadline is not None else now,
            claimed_by=None, claimed_until=None)
        with self.engine.begin() as connection:
            if drop_links:
                connection.execute(_CANCEL_SOURCE, {
                    'cloud': cloud, 'owner': owner, 'source': source})
            row = connection.execute(_ADD, values).one()
        return _decoded(tuple(row))

    @cached_read(_TABLE.name)
    def of_owner(self, cloud, owner):
        """The rows of ``owner`` on ``cloud`` not made (pending or
        failed: they render as links of their own), oldest first (one
        query, answered from the process's cache until the store changes:
        a tuple, shared).  Made ones stay as aliases of their location,
        read by id."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                _OF_OWNER, {'cloud': cloud, 'owner': owner})
            return tuple(_decoded(tuple(row)) for row in rows)

    @taking_turns
    def get(self, cloud, id):
        """One row by id, or ``None``."""
        with self.engine.connect() as connection:
            row = connection.execute(
                _BY_ID, {'cloud': cloud, 'id': id}).first()
        return None if row is None else _decoded(tuple(row))

    @taking_turns
    def cancel(self, cloud, owner, ids):
        """Delete rows of ``owner`` (a pending link is not made then: a
        worker holding its claim finds it gone); return how many went."""
        ids = list(ids)
        if not ids:
            return 0
        with self.engine.begin() as connection:
            return connection.execute(delete(_TABLE).where(
                _TABLE.c.cloud == cloud, _TABLE.c.owner == owner,
                _TABLE.c.id.in_(ids))).rowcount

    @taking_turns
    def cancel_source(self, cloud, owner, source, now=None):
        """Delete every link row of ``owner`` whose source is ``source``
        (the compute is deleted); return how many went, and how many of
        them a worker held at that moment (it may be making the link)."""
        now = time.time() if now is None else now
        with self.engine.begin() as connection:
            rows = connection.execute(_CANCEL_SOURCE, {
                'cloud': cloud, 'owner': owner, 'source': source}).all()
        held = [row for row in rows if row.state == PENDING and
                row.claimed_by is not None and (row.claimed_until or 0) > now]
        return len(rows), len(held)

    @taking_turns
    def waiting(self, cloud):
        """``{operation: count}`` of the work waiting on ``cloud``."""
        with self.engine.connect() as connection:
            return dict(connection.execute(
                select(_TABLE.c.operation, func.count())
                .where(_TABLE.c.cloud == cloud, _TABLE.c.state == PENDING)
                .group_by(_TABLE.c.operation)).all())

    @taking_turns
    def owners_waiting(self, cloud):
        """The owners with pending rows on ``cloud``."""
        with self.engine.connect() as connection:
            return set(connection.scalars(
                select(_TABLE.c.owner).distinct().where(
                    _TABLE.c.cloud == cloud, _TABLE.c.state == PENDING)))

    # -- the workers -------------------------------------------------------

    @taking_turns
    def claim(self, cloud, worker, owners, now=None, lease=120.0, limit=5):
        """Claim up to ``limit`` due pending rows of ``owners`` (whose
        tokens the worker holds) for ``lease`` seconds; return them.
        Rows another worker holds (its lease not run out) are left."""
        owners = sorted(owners)
        if not owners:
            return []
        now = time.time() if now is None else now
        free = or_(_TABLE.c.claimed_until.is_(None),
                   _TABLE.c.claimed_until < now)
        due = (_TABLE.c.cloud == cloud, _TABLE.c.state == PENDING,
               _TABLE.c.next_attempt_at <= now, free)
        chosen = (select(_TABLE.c.id)
                  .where(*due, _TABLE.c.owner.in_(owners))
                  .order_by(_TABLE.c.next_attempt_at, _TABLE.c.id)
                  .limit(limit))
        with self.engine.connect() as connection:
            # NB: a read first: a write, even of no row, tells every
            # process's store cache that the store changed
            if not connection.execute(chosen).first():
                return []
        with self.engine.begin() as connection:
            if connection.dialect.name == 'postgresql':
                chosen = chosen.with_for_update(skip_locked=True)
            rows = connection.execute(
                update(_TABLE)
                .where(_TABLE.c.id.in_(chosen.scalar_subquery()), *due)
                .values(claimed_by=worker, claimed_until=now + lease)
                .returning(*_RAW_COLUMNS)).all()
        return sorted((_decoded(tuple(row)) for row in rows),
                      key=lambda r: (r.next_attempt_at, r.id))

    @taking_turns
    def _settle(self, id, worker, **values):
        """Change a row this worker holds, dropping the claim; return
        whether it was still there and held by ``worker``."""
        with self.engine.begin() as connection:
            return connection.execute(
                update(_TABLE).where(_TABLE.c.id == id,
                                     _TABLE.c.claimed_by == worker)
                .values(claimed_by=None, claimed_until=None, **values)
            ).rowcount == 1

    def retry(self, id, worker, at, message, attempts, resume=_KEEP,
              attributes=_KEEP):
        """Another attempt at ``at`` (epoch seconds); a delete may carry
        new ``resume`` data and ``attributes``."""
        values = {name: value for name, value in (
            ('resume', resume), ('attributes', attributes))
            if value is not _KEEP}
        return self._settle(id, worker, next_attempt_at=at, message=message,
                            attempts=attempts, **values)

    @taking_turns
    def done(self, id, worker):
        """The deferred delete held by ``worker`` is carried out: its row
        goes; return whether it was still there."""
        with self.engine.begin() as connection:
            return connection.execute(delete(_TABLE).where(
                _TABLE.c.id == id, _TABLE.c.claimed_by == worker)
            ).rowcount == 1

    def release(self, id, worker):
        """Give a claimed row back unchanged (no token to try it with)."""
        return self._settle(id, worker)

    def finish(self, id, worker, state, message=None, made=None,
               attempts=None):
        """``active`` (``made`` is the cloud's id) or ``error``."""
        values = {'state': state, 'message': message, 'made': made}
        if attempts is not None:
            values['attempts'] = attempts
        return self._settle(id, worker, **values)

    @taking_turns
    def next_due(self, cloud, owners, now=None):
        """When the earliest pending row of ``owners`` may be claimed (an
        epoch time, maybe past), or ``None`` when there is none."""
        owners = sorted(owners)
        if not owners:
            return None
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(_TABLE.c.next_attempt_at, _TABLE.c.claimed_until)
                .where(_TABLE.c.cloud == cloud, _TABLE.c.state == PENDING,
                       _TABLE.c.owner.in_(owners))).all()
        times = [max(at, until or 0.0) for at, until in rows]
        return min(times) if times else None

    @taking_turns
    def move_associations(self, owner, old, new):
        """The user mixins of the link at ``old`` follow it to ``new``
        (its location once the cloud made it)."""
        owned = select(UserMixin.id).where(UserMixin.owner == owner)
        with self.engine.begin() as connection:
            connection.execute(
                update(Association.__table__)
                .where(Association.entity == old,
                       Association.mixin_id.in_(owned))
                .values(entity=new))
