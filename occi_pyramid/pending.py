"""Links to a busy compute: accepted at once, made by the server later.

A backend answers :class:`~occi_pyramid.exceptions.OCCIBusy` when a
link's compute is busy for now (being built, or running a task).  Around
every backend, :class:`PendingLinkSession` turns that answer into a
*pending link*: a row of the store (:mod:`occi_pyramid.store.pending`)
with a location of its own (``/networkinterface/pending-12``), rendered
``inactive`` with what it waits for, until :class:`PendingWorker` (one
thread per application, started on first need) makes it with the
owner's latest token: it is then ``active``, or ``error`` with the
reason.  The design is in docs/decisions.md ("Pending links").

Tokens are never written down: :class:`Tokens` keeps, in memory, the
latest one each user's requests brought; after a restart a pending link
is made once its owner's next request brings one.
"""
import atexit
import logging
import os
import socket
import threading
import time
import uuid
import weakref

from zope.interface import implementer

from . import model
from .exceptions import (
    BackendAuthError, BackendUnavailable, OCCIBadRequest, OCCIBusy,
    OCCIError, OCCINotFound,
)
from .interfaces import IOCCISession
from .locations import parse_entity_location
from .seam import SessionWrapper
from .store.pending import ACTIVE, ERROR, PENDING, PendingStore, backoff

log = logging.getLogger(__name__)

#: the id prefix of a link that is not (yet) the cloud's
PREFIX = 'pending-'
#: the kinds whose renderings may hold pending links
LINKED = (model.COMPUTE, model.NETWORKINTERFACE, model.STORAGELINK)
#: the attribute that tells two network interfaces on one network apart
ADDRESS = 'occi.networkinterface.address'
#: seconds the set of users with pending links is trusted (other
#: processes add rows too)
WAITING_TTL = 10.0
#: longest sleep of an idle worker (it is woken by requests anyway)
IDLE = 60.0


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
    """The state message of a link waiting for a busy compute (its
    :class:`OCCIBusy`)."""
    if busy.waiting:
        return 'Waiting for %s.' % busy.waiting
    return 'Waiting: %s' % busy.message


class Tokens:
    """The latest token seen per user of one cloud, in memory only, with
    its expiry (epoch seconds, ``None``: unknown)."""

    def __init__(self, clock=time.time):
        self.clock = clock
        self._tokens = {}
        self._lock = threading.Lock()

    def remember(self, owner, token, expires=None):
        if not owner or not token:
            return
        with self._lock:
            self._tokens[owner] = (token, expires)

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


class PendingLinks:
    """The pending links of one application (one cloud): the store, the
    tokens, and the worker (started on first need).

    :param store: a :class:`~occi_pyramid.store.pending.PendingStore`
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
        self.lease = settings.get('occi.pending.lease', 300.0)
        self.tokens = Tokens()
        self.worker = None
        self._lock = threading.Lock()
        self._waiting = (0.0, set())

    # -- what requests tell ------------------------------------------------

    def waiting(self):
        """The users with pending links (read again every few seconds)."""
        stamp, owners = self._waiting
        if time.monotonic() - stamp > WAITING_TTL:
            owners = self.store.owners_waiting(self.cloud)
            self._waiting = (time.monotonic(), owners)
        return owners

    def seen(self, owner, token, expires=None):
        """A request of ``owner`` brought ``token``: keep it, and wake the
        worker when ``owner`` has pending links."""
        self.tokens.remember(owner, token, expires)
        if owner in self.waiting():
            self.wake()

    def added(self, owner):
        """``owner`` has a new pending link: the worker starts on it."""
        stamp, owners = self._waiting
        self._waiting = (stamp, owners | {owner})
        self.wake()

    def wake(self):
        with self._lock:
            if self.worker is None or not self.worker.is_alive():
                _stop_at_exit()
                self.worker = PendingWorker(self)
                self.worker.start()
            else:
                self.worker.wake()

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


@implementer(IOCCISession)
class PendingLinkSession(SessionWrapper):
    """A backend's OCCI session with pending links around it.

    :param inner: the backend's :class:`IOCCISession`
    :param links: the application's :class:`PendingLinks`
    :param token: the caller's token (kept in memory for the worker)
    :param locate: ``location -> (kind, id) or None`` for this request
    """

    def __init__(self, inner, links, token, locate):
        super().__init__(inner)
        self.links = links
        self.token = token
        self.locate = locate
        self._rows = None

    def authenticate(self):
        """The caller; their token is kept for the worker."""
        owner = self.inner.authenticate()
        if owner and owner != self._owner:
            self._owner = owner
            expiry = getattr(self.inner, 'token_expiry', None)
            self.links.seen(owner, self.token,
                            expiry() if expiry is not None else None)
        return owner

    def rows(self):
        """The caller's links not made yet (pending or failed) on this
        cloud, whose kind this server knows: one store read per
        request."""
        if self._rows is None:
            self._rows = [
                r for r in self.links.store.of_owner(self.links.cloud,
                                                     self.owner)
                if self.links.kind_of(r) is not None]
        return self._rows

    shown = rows

    def row(self, id):
        """The caller's row of a pending link id, made or not, else 404
        (no store read for an id that cannot be one)."""
        row_id = pending_id(id)
        record = self.links.store.get(self.links.cloud, row_id) if (
            row_id is not None) else None
        if record is None or record.owner != self.owner or (
                self.links.kind_of(record) is None):
            raise OCCINotFound('There is no link %s.' % id)
        return record

    def _changed(self):
        self._rows = None

    def with_links(self, entity):
        """A compute with its pending links added."""
        if entity.kind == model.COMPUTE:
            for record in self.shown():
                if record.source == entity.location:
                    entity.links.append(self.links.render(record))
        return entity

    # -- reads -----------------------------------------------------------

    def templates(self):
        return self.inner.templates()

    def list(self, kind):
        entities = self.inner.list(kind)
        if not concerns(kind):
            return entities
        for entity in entities:
            self.with_links(entity)
        entities.extend(self.links.render(r) for r in self.shown()
                        if self.links.kind_of(r).is_a(kind))
        return entities

    def locations(self, kind):
        result = self.inner.locations(kind)
        if concerns(kind):
            result.extend(pending_location(self.links.kind_of(r), r.id)
                          for r in self.shown()
                          if self.links.kind_of(r).is_a(kind))
        return result

    def get(self, kind, id):
        if pending_id(id) is None:
            return self.with_links(self.inner.get(kind, id)) if (
                kind == model.COMPUTE) else self.inner.get(kind, id)
        record = self.row(id)
        if self.links.kind_of(record) != kind:
            raise OCCINotFound('There is no %s %s.' % (kind.term, id))
        if record.state == ACTIVE:
            # NB: the location a client saved stays valid: it shows the
            # link the cloud made (docs/decisions.md)
            return self.inner.get(kind, record.made)
        return self.links.render(record)

    # -- changes ---------------------------------------------------------

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
        for record in self.rows():
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
            record = self.links.store.add(
                self.links.cloud, self.owner, kind.type_id, source, target,
                attributes, [m.type_id for m in mixins],
                message=waiting_message(busy),
                deadline=time.time() + self.links.max_wait)
            self._changed()
            self.links.added(self.owner)
        return self.links.render(record)

    def create(self, data):
        if not data.kind.is_a(model.LINK):
            return self.inner.create(data)
        ends = self._ends(data)
        if ends is not None:
            record = self._existing(data.kind, *ends, data.attributes)
            if record is not None and record.state == PENDING:
                return self.links.render(record)
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

    def update(self, entity, data):
        if pending_id(entity.id) is not None:
            raise OCCIBadRequest('A %s cannot be changed; delete it and '
                                 'create a new one.' % entity.kind.term)
        try:
            return self.with_links(self.inner.update(entity, data)) if (
                entity.kind == model.COMPUTE) else self.inner.update(
                entity, data)
        except OCCIBusy as busy:
            if not data.links or entity.kind != model.COMPUTE:
                raise
            rest = type(data)(data.kind, data.mixins, data.attributes)
            updated = self.inner.update(entity, rest)
            for link in data.links:
                target = link['target_kind'].location + link['target_id']
                mixins = [m for m in (self.links.static.get(t, 'mixin')
                                      for t in link.get('categories') or ())
                          if m is not None]
                self._pend(link['kind'], entity.location, target,
                           link.get('attributes') or {}, mixins, busy)
            # NB: the compute shows the links it waits for
            return self.with_links(updated)

    def replace(self, entity, data):
        if pending_id(entity.id) is not None:
            raise OCCIBadRequest('A %s cannot be changed; delete it and '
                                 'create a new one.' % entity.kind.term)
        return self.inner.replace(entity, data)

    def delete(self, entity):
        row_id = pending_id(entity.id)
        if row_id is not None:
            record = self.row(entity.id)
            if record.state == ACTIVE:
                self.inner.delete(self.inner.get(entity.kind, record.made))
            self.links.store.cancel(self.links.cloud, self.owner, [row_id])
            self._changed()
            return
        self.inner.delete(entity)
        if entity.kind == model.COMPUTE:
            self._forget_compute(entity.location)

    def _forget_compute(self, location):
        """A deleted compute's pending links go with it."""
        if any(r.source == location for r in self.rows()):
            self.links.store.cancel_source(self.links.cloud, self.owner,
                                           location)
            self._changed()

    def run_action(self, entity, action, attributes):
        return self.inner.run_action(entity, action, attributes)

    def delete_many(self, entities):
        mine = [e for e in entities if pending_id(e.id) is not None]
        rest = [e for e in entities if pending_id(e.id) is None]
        failures = self.inner.delete_many(rest)
        for entity in mine:
            try:
                self.delete(entity)
            except OCCIError as exc:
                failures[entity.location] = exc.message
        for entity in rest:
            if entity.kind == model.COMPUTE and (
                    entity.location not in failures):
                self._forget_compute(entity.location)
        return failures


class PendingWorker(threading.Thread):
    """The one thread of an application that makes its pending links.

    It sleeps until woken (a link was added, or a request of a user with
    pending links came) or until the earliest next attempt, claims the
    due rows of the users whose tokens it holds, and tries each with a
    fresh backend session: made -> ``active``; the compute still busy or
    the cloud unreachable -> another attempt after a backoff, until the
    link's deadline (``occi.pending.max_wait``); refused -> ``error``.
    """

    def __init__(self, links):
        super().__init__(name='occi-pending-links', daemon=True)
        self.links = links
        self.ident_text = '%s:%d:%s' % (socket.gethostname()[:64],
                                        os.getpid(), uuid.uuid4().hex[:12])
        self._wake = threading.Event()
        self._halt = threading.Event()
        _running.add(self)

    def wake(self):
        self._wake.set()

    def stop(self, timeout=10.0):
        self._halt.set()
        self._wake.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)

    def run(self):
        try:
            while not self._halt.is_set():
                try:
                    if self.tick():
                        continue
                    pause = self.pause()
                except Exception:
                    log.exception('pending links: the worker failed; '
                                  'trying again later')
                    pause = self.links.retry_max
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
        """Try to make one claimed link."""
        links, me = self.links, self.ident_text
        store = links.store
        token = links.tokens.get(record.owner)
        if token is None:
            store.release(record.id, me)
            return
        kind = links.kind_of(record)
        attributes = dict(record.attributes, **{
            'occi.core.source': record.source,
            'occi.core.target': record.target})
        mixins = [m for m in (links.static.get(t, 'mixin')
                              for t in record.mixins) if m is not None]
        session = links.backend.session(token, '', links.static)
        attempts = record.attempts + 1
        now = time.time()
        try:
            made = session.create(model.EntityData(kind, mixins, attributes))
        except BackendAuthError:
            links.tokens.forget(record.owner, token)
            store.release(record.id, me)
            return
        except OCCIBusy as busy:
            if now >= record.deadline:
                store.finish(record.id, me, ERROR, (
                    '%s stayed busy for more than %s s; the link was not '
                    'made.' % (_compute_name(record.source),
                               _seconds(links.max_wait))),
                    attempts=attempts)
            else:
                store.retry(record.id, me,
                            now + backoff(attempts, cap=links.retry_max),
                            waiting_message(busy), attempts)
            return
        except OCCIError as exc:
            if isinstance(exc, BackendUnavailable) and now < record.deadline:
                store.retry(record.id, me,
                            now + backoff(attempts, cap=links.retry_max),
                            'Waiting for the cloud: %s' % exc.message,
                            attempts)
                return
            store.finish(record.id, me, ERROR,
                         'The link was not made: %s' % exc.message,
                         attempts=attempts)
            return
        except Exception:
            log.exception('pending link %s', record.id)
            if now >= record.deadline:
                store.finish(record.id, me, ERROR, 'The link was not made: '
                             'the server failed on it.', attempts=attempts)
            else:
                store.retry(record.id, me,
                            now + backoff(attempts, cap=links.retry_max),
                            record.message, attempts)
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


def pending_links(registry):
    """The application's :class:`PendingLinks` (made on first use), or
    ``None`` without a store."""
    links = getattr(registry, 'occi_pending', None)
    if links is not None:
        return links
    store = getattr(registry, 'occi_store', None)
    if store is None:
        return None
    from .interfaces import IBackend, ICategoryRegistry

    with _make_lock:
        links = getattr(registry, 'occi_pending', None)
        if links is None:
            links = PendingLinks(
                PendingStore(store.engine), registry.getUtility(IBackend),
                registry.getUtility(ICategoryRegistry), registry.settings)
            registry.occi_pending = links
    return links


_make_lock = threading.Lock()
