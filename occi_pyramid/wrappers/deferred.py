"""Work the cloud refuses only for now: accepted at once, carried out by
the server as soon as the cloud allows it.

A backend answers :class:`~occi_pyramid.exceptions.OCCIBusy` when an
operation is refused only because a resource is busy for now (a compute
being built or running a task, a volume attaching), and a delete answers
:class:`~occi_pyramid.model.Unfinished` when the cloud took it but the
server must carry it on (release a deleted compute's floating IPs, detach
the storages that outlive it first).  Around every backend,
:class:`DeferredSession` keeps such work as rows of the store
(:mod:`occi_pyramid.store.pending`):

* a *pending link* has a location of its own
  (``/networkinterface/pending-12``), rendered ``inactive`` with what it
  waits for, then the cloud's link once made, or ``error`` with the
  reason;
* a *deferred delete* answers success at once: from then on the entity
  is gone for the caller (a GET is 404, listings leave it out); if it
  fails for good the entity shows again, in ``error`` with the reason.

:class:`DeferredWorker` (one thread per application, started on first
need) carries the rows out with the owner's latest token, looking at the
resource each waits for every ``occi.pending.poll`` seconds.  The design
is in docs/decisions.md ("Deferred work").

Tokens are never written down: :class:`Tokens` keeps, in memory, the
latest one each user's requests brought; after a restart the work is
carried on once its owner's next request brings one.
"""
import atexit
import dataclasses
import logging
import os
import socket
import threading
import time
import uuid
import weakref

from .. import model
from ..exceptions import (
    BackendAuthError, BackendUnavailable, OCCIBadRequest, OCCIBusy,
    OCCIConflict, OCCIError, OCCINotFound,
)
from ..interfaces import IDeferredWork
from ..locations import parse_entity_location
from ..memo import KeptFor
from ..store.pending import ACTIVE, DELETE, ERROR, LINK, PENDING, backoff
from .base import SessionWrapper

log = logging.getLogger(__name__)

#: the id prefix of a link that is not (yet) the cloud's
PREFIX = 'pending-'
#: the kinds whose renderings may hold pending links
LINKED = (model.COMPUTE, model.NETWORKINTERFACE, model.STORAGELINK)
#: the attribute that tells two network interfaces on one network apart
ADDRESS = 'occi.networkinterface.address'
#: seconds the set of users with deferred work is trusted (other
#: processes add rows too)
WAITING_TTL = 10.0
#: longest sleep of an idle worker (it is woken by requests anyway)
IDLE = 60.0
#: what :meth:`DeferredWorker.call` answers for a row it settled itself
SETTLED = object()


def pending_id(id):
    """The row id of a pending link id (``pending-12`` -> 12), or
    ``None``."""
    text = str(id)
    if not text.startswith(PREFIX):
        return None
    digits = text[len(PREFIX):]
    if not (digits.isdigit() and digits.isascii()) or len(digits) > 18 or (
            digits != str(int(digits))):
        return None
    return int(digits)


def pending_location(kind, row_id):
    return '%s%s%d' % (kind.location, PREFIX, row_id)


def concerns(kind):
    """Whether a listing of ``kind`` may hold pending links (or computes
    that show them)."""
    return any(k.is_a(kind) for k in LINKED)


def waiting_message(busy):
    """The state message of work waiting for a busy resource (its
    :class:`OCCIBusy`)."""
    if busy.waiting:
        return 'Waiting for %s.' % busy.waiting
    return 'Waiting: %s' % busy.message


def held_message(conflict):
    """The state message of a delete waiting for the entities that hold
    it to be deleted (an :class:`OCCIConflict` with ``held_by``)."""
    names = ', '.join(
        location.rstrip('/').rsplit('/', 2)[-2] + ' ' +
        location.rstrip('/').rsplit('/', 1)[-1]
        for location in conflict.held_by)
    return 'Waiting for %s to be deleted.' % names


class Tokens:
    """The latest token seen per user of one cloud, in memory only, with
    its expiry (epoch seconds, ``None``: unknown)."""

    def __init__(self, clock=time.time):
        self.clock = clock
        self._tokens = {}
        self._lock = threading.Lock()

    def remember(self, owner, token, expires=None):
        """Keep ``token`` for ``owner``; return whether the worker's view
        changed (it held no valid token of ``owner``, or another one)."""
        if not owner or not token:
            return False
        with self._lock:
            held = self._tokens.get(owner)
            self._tokens[owner] = (token, expires)
        return held is None or held[0] != token or (
            held[1] is not None and held[1] <= self.clock())

    def get(self, owner):
        with self._lock:
            item = self._tokens.get(owner)
            if item is None:
                return None
            token, expires = item
            if expires is not None and expires <= self.clock():
                del self._tokens[owner]
                return None
            return token

    def forget(self, owner, token):
        """Drop ``token`` (the cloud refused it), unless a newer one came.
        """
        with self._lock:
            if self._tokens.get(owner, (None,))[0] == token:
                del self._tokens[owner]

    def owners(self):
        """The users whose token is still valid."""
        with self._lock:
            owners = list(self._tokens)
        return {owner for owner in owners if self.get(owner)}


class DeferredWork:
    """The deferred work of one application (one cloud): the store, the
    tokens, and the worker (started on first need).

    :param store: the :class:`~occi_pyramid.interfaces.IPendingStore`
    :param backend: the :class:`~occi_pyramid.interfaces.IBackend`
    :param static: the static category registry
    :param settings: the typed settings (``occi.pending.*``)
    """

    def __init__(self, store, backend, static, settings):
        self.store = store
        self.backend = backend
        self.static = static
        self.cloud = getattr(backend, 'cloud_id', None) or 'default'
        self.max_wait = settings.get('occi.pending.max_wait', 600.0)
        self.retry_max = settings.get('occi.pending.retry_max', 10.0)
        self.poll = settings.get('occi.pending.poll', 0.5)
        self.lease = settings.get('occi.pending.lease', 300.0)
        self.tokens = Tokens()
        self.worker = None
        self._lock = threading.Lock()
        self._waiting = (0.0, set())
        #: the views of the rows tuples the store shares
        self._views = KeptFor(VIEWS_MAX)

    def view_of(self, rows):
        """The :class:`RowsView` of ``rows`` (an owner's rows as the
        store answered), worked out once per tuple the store shares: the
        requests of a user whose rows did not change share it (read
        only)."""
        return self._views.get((rows,), lambda: RowsView(
            [r for r in rows if self.kind_of(r) is not None]))

    # -- what requests tell ------------------------------------------------

    def waiting(self):
        """The users with work pending (read again every few seconds)."""
        stamp, owners = self._waiting
        if time.monotonic() - stamp > WAITING_TTL:
            owners = self.store.owners_waiting(self.cloud)
            self._waiting = (time.monotonic(), owners)
        return owners

    def seen(self, owner, token, expires=None):
        """A request of ``owner`` brought ``token``: keep it, and wake the
        worker when that token is new to it and ``owner`` has work
        pending (with the token it held, the worker's plan stands)."""
        if (self.tokens.remember(owner, token, expires)
                and owner in self.waiting()):
            self.wake()

    def added(self, owner, due=None):
        """``owner`` has new work pending, due at ``due`` (epoch seconds;
        ``None``: at once): the worker starts on it in time."""
        stamp, owners = self._waiting
        self._waiting = (stamp, owners | {owner})
        self.wake(due)

    def wake(self, due=None):
        """Have the worker look at the store again: at once, or (``due``)
        in time for work due then."""
        with self._lock:
            if self.worker is None or not self.worker.is_alive():
                _stop_at_exit()
                self.worker = DeferredWorker(self)
                self.worker.start()
            else:
                self.worker.wake(due)

    def stop(self, timeout=10.0):
        with self._lock:
            worker, self.worker = self.worker, None
        if worker is not None:
            worker.stop(timeout)

    # -- rendering -----------------------------------------------------------

    def kind_of(self, record):
        return self.static.get(record.kind, 'kind')

    def render(self, record):
        """The :class:`model.Link` of a pending or failed row."""
        kind = self.kind_of(record)
        found = parse_entity_location(record.target, self.static)
        attributes = dict(record.attributes)
        prefix = 'occi.%s.state' % kind.term
        attributes[prefix] = 'error' if record.state == ERROR else 'inactive'
        attributes[prefix + '.message'] = record.message
        mixins = [m for m in (self.static.get(t, 'mixin')
                              for t in record.mixins) if m is not None]
        return model.Link(
            kind, PREFIX + str(record.id),
            pending_location(kind, record.id), mixins=mixins,
            attributes=attributes, source=record.source,
            target=record.target, source_kind=model.COMPUTE,
            target_kind=found[0] if found else None)


#: at most this many owners' views are kept (all go when full)
VIEWS_MAX = 1000


class RowsView:
    """The caller's rows (pending or failed), sorted out once: the links
    they render (all, and by source compute), the locations gone for the
    caller (deletes under way and what goes with them), the deletes that
    failed (by location), and whether there are deletes at all."""

    def __init__(self, rows):
        self.rows = rows
        self.links = [r for r in rows if r.operation == LINK]
        self.links_from = {}
        for record in self.links:
            self.links_from.setdefault(record.source, []).append(record)
        self.hidden = set()
        self.failed = {}
        self.deletes = False
        for record in rows:
            if record.operation != DELETE:
                continue
            self.deletes = True
            if record.state == PENDING:
                self.hidden.add(record.source)
                self.hidden.update(record.attributes.get('goes_with') or ())
            elif record.state == ERROR:
                self.failed[record.source] = record


class DeferredSession(SessionWrapper):
    """A backend's OCCI session with deferred work around it: pending
    links, and deletes the cloud could not do or finish yet.

    :param inner: the backend's :class:`IOCCISession`
    :param work: the application's :class:`DeferredWork`
    :param token: the caller's token (kept in memory for the worker)
    :param locate: ``location -> (kind, id) or None`` for this request
    """

    def __init__(self, inner, work, token, locate):
        super().__init__(inner)
        self.work = work
        self.token = token
        self.locate = locate
        self._view = None

    def authenticate(self):
        """The caller; their token is kept for the worker."""
        owner = self.inner.authenticate()
        if owner and owner != self._owner:
            self._owner = owner
            expiry = getattr(self.inner, 'token_expiry', None)
            self.work.seen(owner, self.token,
                           expiry() if expiry is not None else None)
        return owner

    # -- the caller's rows -------------------------------------------------

    def rows(self):
        """The caller's deferred work not done (pending or failed) on this
        cloud, whose kind this server knows: one store read per
        request."""
        return self.view().rows

    def view(self):
        """What the rows mean for the caller's renderings, worked out once
        per store read (:class:`RowsView`)."""
        if self._view is None:
            self._view = self.work.view_of(self.work.store.of_owner(
                self.work.cloud, self.owner))
        return self._view

    def links_shown(self):
        """The pending and failed links: they render as links."""
        return self.view().links

    def hidden(self):
        """The locations of the entities being deleted, and of what goes
        with them: gone for OCCI."""
        return self.view().hidden

    def failed_deletes(self):
        """``{location: row}`` of the deletes that failed for good."""
        return self.view().failed

    def row(self, id):
        """The caller's row of a pending link id, made or not, else 404
        (no store read for an id that cannot be one)."""
        row_id = pending_id(id)
        record = self.work.store.get(self.work.cloud, row_id) if (
            row_id is not None) else None
        if record is None or record.owner != self.owner or (
                record.operation != LINK) or (
                self.work.kind_of(record) is None):
            raise OCCINotFound('There is no link %s.' % id)
        return record

    def _changed(self):
        self._view = None

    # -- what the caller sees ----------------------------------------------

    def visible(self, entity, hidden):
        """Whether ``entity`` is not being deleted (nor a link of one)."""
        if entity.location in hidden:
            return False
        return not isinstance(entity, model.Link) or not (
            entity.source in hidden or entity.target in hidden)

    def shown(self, entity, hidden=None):
        """``entity`` as the caller sees it: a compute with its pending
        links and without the links being deleted; an entity whose delete
        failed in ``error`` with the reason."""
        if hidden is None:
            hidden = self.hidden()
        view = self.view()
        if entity.kind == model.COMPUTE:
            if hidden:
                entity.links = [link for link in entity.links
                                if self.visible(link, hidden)]
            entity.links.extend(
                self.work.render(record)
                for record in view.links_from.get(entity.location, ()))
        failed = view.failed.get(entity.location)
        if failed is not None:
            prefix = 'occi.%s.state' % entity.kind.term
            entity.attributes[prefix] = 'error'
            entity.attributes[prefix + '.message'] = failed.message
        return entity

    # -- reads -----------------------------------------------------------

    def list(self, kind):
        return self._seen(kind, self.inner.list(kind), self.shown)

    def members(self, kind):
        # NB: what list() holds, undecorated: delete_many reads no more
        return self._seen(kind, self.inner.members(kind))

    def _seen(self, kind, entities, shown=None):
        """The backend's ``entities`` of ``kind`` as the caller sees them
        (through ``shown`` when given): without those being deleted, with
        the pending links."""
        if not self.concerns(kind):
            return entities
        hidden = self.hidden()
        entities = [e if shown is None else shown(e, hidden)
                    for e in entities if self.visible(e, hidden)]
        entities.extend(self.work.render(r) for r in self.links_shown()
                        if self.work.kind_of(r).is_a(kind))
        return entities

    def concerns(self, kind):
        """Whether a listing of ``kind`` may change: it may hold pending
        links (or computes that show them), or the caller has deletes
        under way or failed."""
        return concerns(kind) or self.view().deletes

    def locations(self, kind):
        if not self.concerns(kind):
            return self.inner.locations(kind)
        hidden = self.hidden()
        gone = set(hidden)
        for link_kind in LINKED[1:]:
            if hidden and link_kind.is_a(kind):
                # NB: a link of an entity being deleted is known only from
                # the link itself: one listing of that kind, only then
                gone.update(link.location
                            for link in self.inner.list(link_kind)
                            if not self.visible(link, hidden))
        result = [location for location in self.inner.locations(kind)
                  if location not in gone]
        result.extend(pending_location(self.work.kind_of(r), r.id)
                      for r in self.links_shown()
                      if self.work.kind_of(r).is_a(kind))
        return result

    def get(self, kind, id):
        if pending_id(id) is None:
            hidden = self.hidden()
            if kind.location + str(id) in hidden:
                raise OCCINotFound('There is no %s %s: it is being deleted.'
                                   % (kind.term, id))
            entity = self.inner.get(kind, id)
            if not self.visible(entity, hidden):
                raise OCCINotFound('There is no %s %s: it is being deleted.'
                                   % (kind.term, id))
            return self.shown(entity, hidden)
        record = self.row(id)
        if self.work.kind_of(record) != kind:
            raise OCCINotFound('There is no %s %s.' % (kind.term, id))
        if record.state == ACTIVE:
            # NB: the location a client saved stays valid: it shows the
            # link the cloud made (docs/decisions.md)
            return self.inner.get(kind, record.made)
        return self.work.render(record)

    # -- links -------------------------------------------------------------

    def _ends(self, data):
        """``(source, target)`` of a link create as paths."""
        ends = []
        for name in ('occi.core.source', 'occi.core.target'):
            found = self.locate(data.get(name) or '')
            if found is None:
                return None
            ends.append(found[0].location + found[1])
        return tuple(ends)

    def _existing(self, kind, source, target, attributes):
        """The caller's pending or failed link between the same ends (at
        the same address, when ``attributes`` ask for one)."""
        address = attributes.get(ADDRESS)
        for record in self.links_shown():
            if (record.kind, record.source, record.target) == (
                    kind.type_id, source, target) and record.state in (
                    PENDING, ERROR) and (
                    not address or record.attributes.get(ADDRESS) == address):
                return record
        return None

    def _pend(self, kind, source, target, attributes, mixins, busy):
        """A new pending link (or the one pending already between the
        same ends); return its rendering."""
        record = self._existing(kind, source, target, attributes)
        if record is None or record.state != PENDING:
            record = self.work.store.add(
                self.work.cloud, self.owner, kind.type_id, source, target,
                attributes, [m.type_id for m in mixins],
                message=waiting_message(busy),
                deadline=time.time() + self.work.max_wait)
            self._changed()
            self.work.added(self.owner)
        return self.work.render(record)

    def _pend_inline(self, source, links, busy):
        """Pend the inline links of a compute create or update."""
        for link in links:
            self._pend(link.kind, source, link.target, link.attributes,
                       link.mixins, busy)

    # -- changes ---------------------------------------------------------

    def create(self, data):
        if data.kind == model.COMPUTE:
            return self._create_compute(data)
        if not data.kind.is_a(model.LINK):
            return self.inner.create(data)
        ends = self._ends(data)
        if ends is not None:
            record = self._existing(data.kind, *ends, data.attributes)
            if record is not None and record.state == PENDING:
                link = self.work.render(record)
                link.existed = True
                return link
            for end in ends:
                if end in self.hidden():
                    raise OCCINotFound('The link cannot be made: %s is '
                                       'being deleted.' % end)
        try:
            return self.inner.create(data)
        except OCCIBusy as busy:
            if ends is None:
                raise
            attributes = {k: v for k, v in data.attributes.items()
                          if k not in ('occi.core.source',
                                       'occi.core.target')}
            return self._pend(data.kind, ends[0], ends[1], attributes,
                              data.mixins, busy)

    def _create_compute(self, data):
        """A compute create: its storage links wait for the build as
        pending links (the cloud attaches a volume only to a built
        server), so the create answers at once.  The backend checks them
        with the rest (``defer``: checked, not made)."""
        storage = [dataclasses.replace(link, defer=True)
                   for link in data.links
                   if link.target_kind.is_a(model.STORAGE)]
        if not storage:
            return self.inner.create(data)
        hidden = self.hidden()
        for link in storage:
            if link.target in hidden:
                raise OCCINotFound('The compute was not created: the '
                                   'storage %s is being deleted.'
                                   % link.target_id)
            for record in self.links_shown():
                if record.target == link.target and record.state == PENDING:
                    raise OCCIConflict(
                        'The compute was not created: the storage %s is '
                        'being linked to %s already.' % (
                            link.target_id, record.source))
        rest = model.EntityData(
            data.kind, data.mixins, data.attributes,
            [link for link in data.links
             if not link.target_kind.is_a(model.STORAGE)] + storage)
        entity = self.inner.create(rest)
        self._pend_inline(entity.location, storage, OCCIBusy(
            waiting='compute %s to be built' % entity.id))
        return self.shown(entity)

    def update(self, entity, data):
        if pending_id(entity.id) is not None:
            raise OCCIBadRequest('A %s cannot be changed; delete it and '
                                 'create a new one.' % entity.kind.term)
        try:
            return self.shown(self.inner.update(entity, data))
        except OCCIBusy as busy:
            if not data.links or entity.kind != model.COMPUTE:
                raise
            rest = type(data)(data.kind, data.mixins, data.attributes)
            updated = self.inner.update(entity, rest)
            self._pend_inline(entity.location, data.links, busy)
            self._changed()
            # NB: the compute shows the links it waits for
            return self.shown(updated)

    def replace(self, entity, data):
        if pending_id(entity.id) is not None:
            raise OCCIBadRequest('A %s cannot be changed; delete it and '
                                 'create a new one.' % entity.kind.term)
        return self.shown(self.inner.replace(entity, data))

    def run_action(self, entity, action, attributes):
        if entity.location in self.hidden():
            raise OCCINotFound('There is no %s %s: it is being deleted.'
                               % (entity.kind.term, entity.id))
        return self.inner.run_action(entity, action, attributes)

    # -- deletes -----------------------------------------------------------

    def delete(self, entity):
        row_id = pending_id(entity.id)
        if row_id is not None:
            record = self.row(entity.id)
            if record.state == ACTIVE:
                self.delete(self.inner.get(entity.kind, record.made))
            self.work.store.cancel(self.work.cloud, self.owner, [row_id])
            self._changed()
            return None
        if entity.location in self.hidden():
            raise OCCINotFound('There is no %s %s: it is being deleted.'
                               % (entity.kind.term, entity.id))
        self._retrying(entity)
        if self._forget_compute(entity):
            return None
        try:
            outcome = self.inner.delete(entity)
        except OCCIConflict as exc:
            if not self.defer(entity, exc):
                raise
            return None
        if outcome is not None:
            self.defer(entity, outcome)
        elif entity.kind == model.COMPUTE:
            # NB: deleted at once, no row written: the aliases of its
            # links made go now
            self.work.store.cancel_source(
                self.work.cloud, self.owner, entity.location)
            self._changed()
        return None

    def _retrying(self, entity):
        """A delete asked again after it failed for good starts over."""
        failed = self.failed_deletes().get(entity.location)
        if failed is not None:
            self.work.store.cancel(self.work.cloud, self.owner, [failed.id])
            self._changed()

    def defer(self, entity, outcome):
        """Keep the rest of ``entity``'s delete for the worker when the
        backend answered :class:`Unfinished`, :class:`OCCIBusy`, or a
        conflict held by entities being deleted; return whether it was
        kept (anything else stays the caller's error)."""
        if isinstance(outcome, model.Unfinished):
            waiting, resume = outcome.waiting, outcome.resume
        elif isinstance(outcome, OCCIBusy):
            waiting, resume = waiting_message(outcome), outcome.resume
        elif isinstance(outcome, OCCIConflict) and self.held(outcome):
            waiting, resume = held_message(outcome), outcome.resume
        else:
            return False
        goes_with = ()
        if isinstance(outcome, model.Unfinished):
            waiting = 'Waiting for %s.' % waiting
            goes_with = outcome.goes_with
        now = time.time()
        self.work.store.add(
            self.work.cloud, self.owner, entity.kind.type_id,
            entity.location, '', {'goes_with': list(goes_with)},
            operation=DELETE, resume=resume,
            message=waiting, deadline=now + self.work.max_wait,
            due=now + self.work.poll,
            drop_links=entity.kind == model.COMPUTE)
        self._changed()
        self.work.added(self.owner, now + self.work.poll)
        return True

    def held(self, conflict):
        """Whether every entity holding the one of ``conflict`` is being
        deleted (the conflict ends when they are gone)."""
        hidden = self.hidden()
        return bool(conflict.held_by) and all(
            location in hidden for location in conflict.held_by)

    def _forget_compute(self, entity, always=False):
        """A compute's links not made yet go before the compute does
        (never after: a link made meanwhile would attach a storage to a
        server being deleted, which deletes it).  One may have been made
        since this request read the compute: the compute is read again,
        so that the backend sees (and detaches first) what it attached;
        and when a worker is making one right now, the whole delete waits
        for the worker's next look.  Return whether it waits.

        A single delete reads the store only when this request's rows
        hold links of the compute (``always``: whatever they hold)."""
        if entity.kind != model.COMPUTE:
            return False
        if not always and not self.view().links_from.get(entity.location):
            # NB: none waits or failed (this request's rows say so): no
            # statement now; the aliases of the links made go with the
            # row the delete writes (defer)
            return False
        # NB: one statement, made ones too
        links, held = self.work.store.cancel_source(
            self.work.cloud, self.owner, entity.location)
        if not links:
            return False
        self._changed()
        if held:
            self.defer(entity, model.Unfinished(
                'the links being made to compute %s' % entity.id))
            return True
        try:
            # NB: the backend keeps the record of what it read last
            self.inner.get(entity.kind, entity.id)
        except OCCINotFound:
            pass
        return False

    def delete_many(self, entities, busy=None):
        hidden = self.hidden()
        mine = [e for e in entities if pending_id(e.id) is not None]
        rest = [e for e in entities if pending_id(e.id) is None
                and e.location not in hidden]
        for entity in rest:
            self._retrying(entity)
        # NB: a compute's pending links go with it (_forget_compute)
        computes = {e.location for e in rest if e.kind == model.COMPUTE}
        mine = [e for e in mine if e.source not in computes]
        rest = [e for e in rest if not self._forget_compute(e, always=True)]
        failures = self.inner.delete_many(rest, busy=self.defer)
        for entity in mine:
            try:
                self.delete(entity)
            except OCCIError as exc:
                failures[entity.location] = exc.message
        return failures


class DeferredWorker(threading.Thread):
    """The one thread of an application that carries out its deferred
    work.

    It sleeps until woken (work was added, or a request of a user with
    work pending came) or until the earliest next attempt, claims the
    due rows of the users whose tokens it holds, and tries each with a
    fresh backend session.  A link: made -> ``active``; a delete: done ->
    the row goes.  Still busy: another look after ``occi.pending.poll``
    seconds (one call to the resource it waits for); the cloud
    unreachable: after a backoff; either until the row's deadline
    (``occi.pending.max_wait``); refused -> ``error``.
    """

    def __init__(self, links):
        super().__init__(name='occi-deferred-work', daemon=True)
        self.links = links
        self.ident_text = '%s:%d:%s' % (socket.gethostname()[:64],
                                        os.getpid(), uuid.uuid4().hex[:12])
        self._wake = threading.Event()
        self._halt = threading.Event()
        #: when the sleeping worker looks at the store next (epoch
        #: seconds), ``None`` while it is awake (it reads the store
        #: after that, so it sees what was written before)
        self.planned = None
        #: looks at the store done so far (tests wait on it: a look
        #: begun after an event has seen it)
        self.looks = 0
        _running.add(self)

    def wake(self, due=None):
        """Look at the store now, unless (``due``) the worker sleeps until
        no later than ``due`` anyway: work due then waits for that look,
        not for a wake-up of its own (a delete adds work due after
        ``occi.pending.poll`` seconds; the deletes made meanwhile need
        no wake-up each)."""
        planned = self.planned
        if due is not None and planned is not None and due >= planned:
            return
        self._wake.set()

    def stop(self, timeout=10.0):
        self._halt.set()
        self._wake.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)

    def run(self):
        try:
            while not self._halt.is_set():
                self.planned = None
                try:
                    busy = self.tick()
                    self.looks += 1
                    if busy:
                        continue
                    pause = self.pause()
                except Exception:
                    log.exception('deferred work: the worker failed; '
                                  'trying again later')
                    pause = self.links.retry_max
                self.planned = time.time() + pause
                self._wake.wait(pause)
                self._wake.clear()
        finally:
            _running.discard(self)

    def pause(self):
        """Seconds until the earliest attempt due (``IDLE`` at most)."""
        due = self.links.store.next_due(self.links.cloud,
                                        self.links.tokens.owners())
        if due is None:
            return IDLE
        return max(0.05, min(IDLE, due - time.time()))

    def tick(self):
        """Claim the due links and try each; return whether there were
        any."""
        links = self.links
        claimed = links.store.claim(links.cloud, self.ident_text,
                                    links.tokens.owners(),
                                    lease=links.lease)
        for record in claimed:
            if self._halt.is_set():
                links.store.release(record.id, self.ident_text)
            else:
                self.attempt(record)
        return bool(claimed)

    def attempt(self, record):
        """Carry out one claimed row."""
        links, me = self.links, self.ident_text
        store = links.store
        token = links.tokens.get(record.owner)
        if token is None:
            store.release(record.id, me)
            return
        session = links.backend.session(token, '', links.static)
        if record.operation == DELETE:
            self.attempt_delete(record, token, session)
        else:
            self.attempt_link(record, token, session)

    def later(self, record, message, attempts, unavailable=False,
              **changes):
        """Another attempt: after ``occi.pending.poll`` seconds (after a
        backoff when the cloud is unreachable), or ``error`` past the
        deadline."""
        links, now = self.links, time.time()
        if now >= record.deadline:
            if record.operation == LINK and not unavailable:
                text = ('%s stayed busy for more than %s s; the link was '
                        'not made.' % (_compute_name(record.source),
                                       _seconds(links.max_wait)))
            else:
                text = 'Gave up after %s s, the %s was not %s: %s' % (
                    _seconds(links.max_wait), record.operation,
                    'made' if record.operation == LINK else 'finished',
                    message)
            links.store.finish(record.id, self.ident_text, ERROR, text,
                               attempts=attempts)
            log.warning('deferred %s of %s: %s', record.operation,
                        record.source, text)
            return
        pause = (backoff(attempts, cap=links.retry_max) if unavailable
                 else links.poll)
        links.store.retry(record.id, self.ident_text, now + pause, message,
                          attempts, **changes)

    def call(self, record, token, operation):
        """``operation()`` for a claimed row (in a backend session of the
        owner's ``token``): its result, or :data:`SETTLED` when the
        answer was one every row takes alike (the token refused: the row
        waits for another; busy: another look after ``poll``; the cloud
        unreachable: after a backoff), or the :class:`OCCIError` it
        raised otherwise, for the caller to settle."""
        links = self.links
        attempts = record.attempts + 1
        try:
            return operation()
        except BackendAuthError:
            links.tokens.forget(record.owner, token)
            links.store.release(record.id, self.ident_text)
        except OCCIBusy as busy:
            self.later(record, waiting_message(busy), attempts)
        except BackendUnavailable as exc:
            self.later(record, 'Waiting for the cloud: %s' % exc.message,
                       attempts, unavailable=True)
        except OCCIError as exc:
            return exc
        except Exception:
            log.exception('deferred %s %s', record.operation, record.id)
            self.later(record, record.message, attempts, unavailable=True)
        return SETTLED

    def attempt_delete(self, record, token, session):
        """Carry a claimed delete on."""
        links, attempts = self.links, record.attempts + 1
        store = links.store
        kind = links.kind_of(record)
        entity_id = record.source.rstrip('/').rsplit('/', 1)[-1]
        outcome = self.call(record, token, lambda: session.resume_delete(
            kind, entity_id, record.resume))
        if outcome is SETTLED:
            return
        if isinstance(outcome, OCCIConflict) and outcome.held_by and set(
                outcome.held_by) <= {
                r.source for r in store.of_owner(links.cloud, record.owner)
                if r.operation == DELETE and r.state == PENDING}:
            self.later(record, held_message(outcome), attempts)
        elif isinstance(outcome, OCCIError):
            text = 'The delete failed: %s' % outcome.message
            store.finish(record.id, self.ident_text, ERROR, text,
                         attempts=attempts)
            log.warning('deferred delete of %s failed: %s', record.source,
                        outcome.message)
        elif outcome is None:
            if store.done(record.id, self.ident_text):
                log.info('deferred delete of %s done', record.source)
        else:
            extra = {'resume': outcome.resume}
            if outcome.goes_with:
                extra['attributes'] = dict(
                    record.attributes, goes_with=list(outcome.goes_with))
            self.later(record, 'Waiting for %s.' % outcome.waiting,
                       attempts, **extra)

    def attempt_link(self, record, token, session):
        """Try to make one claimed link."""
        links, me = self.links, self.ident_text
        store = links.store
        kind = links.kind_of(record)
        attributes = dict(record.attributes, **{
            'occi.core.source': record.source,
            'occi.core.target': record.target})
        mixins = [m for m in (links.static.get(t, 'mixin')
                              for t in record.mixins) if m is not None]
        made = self.call(record, token, lambda: session.create(
            model.EntityData(kind, mixins, attributes)))
        if made is SETTLED:
            return
        attempts = record.attempts + 1
        if isinstance(made, OCCIError):
            store.finish(record.id, me, ERROR,
                         'The link was not made: %s' % made.message,
                         attempts=attempts)
            return
        if store.finish(record.id, me, ACTIVE, 'Made.', made=made.id,
                        attempts=attempts):
            store.move_associations(record.owner,
                                    pending_location(kind, record.id),
                                    made.location)
            log.info('pending link %s made: %s', record.id, made.location)
            return
        # NB: deleted (cancelled) while it was being made: undo
        log.info('pending link %s was cancelled while made; removing %s',
                 record.id, made.location)
        try:
            session.delete(made)
        except OCCIError as exc:
            log.warning('could not remove %s: %s', made.location, exc)


def _compute_name(location):
    return 'The compute %s' % location.rstrip('/').rsplit('/', 1)[-1]


def _seconds(value):
    return ('%g' % value)


_running = weakref.WeakSet()
_exit_registered = []


def _stop_at_exit():
    if not _exit_registered:
        _exit_registered.append(True)
        atexit.register(stop_all)


def stop_all(timeout=10.0):
    """Stop every worker of this process (at exit, and in tests)."""
    for worker in list(_running):
        worker.stop(timeout)


def deferred_work(registry):
    """The application's :class:`DeferredWork` (registered once the
    backend and the store are: :mod:`occi_pyramid.seam`), or ``None``
    without a store."""
    return registry.queryUtility(IDeferredWork)
