"""The Synnefo operations of one session: the work the handlers share.

:class:`SynnefoOperations` is the toolbox under the OCCI session
(:class:`.occi.SynnefoOCCI`, which only dispatches): it holds Synnefo's
API for the caller's token (:class:`.api.SynnefoAPI`), the session's
listings (each listed at most once until the session marks a change) and
the cloud records its entities were made from, and it does the Synnefo
work more than one kind needs: reading a link's ends, floating IPs,
deleting servers, attaching and detaching ports and volumes, waiting for
the cloud.  The handlers (:mod:`.handlers`) receive it; it knows no OCCI
verb.

It is built from plain values (the token, the application URL, the static
categories) and never sees the Pyramid request.
"""
import concurrent.futures
import contextvars
import datetime
import logging
import threading
import time

from urllib.parse import urlsplit

from pyramid.decorator import reify

from ... import model
from ...categories import CategoryRegistry
from ...locations import parse_entity_location
from ...exceptions import (
    BackendBadRequest, BackendConflict, BackendError, BackendNotFound,
    BackendUnavailable, OCCIBadRequest, OCCIBusy, OCCIConflict, OCCIError,
    OCCINotFound, OCCINotImplemented,
)
from . import translate
from .errors import as_conflict, retold
from .handlers import HANDLERS

log = logging.getLogger(__name__)


class SynnefoOperations:
    """Synnefo's API and the session's shared state, for one token, made
    from the arguments of its :class:`.occi.SynnefoOCCI` (the token, the
    application URL that link locations are read against, the static
    categories)."""

    handlers = HANDLERS

    def __init__(self, backend, token, application_url='', categories=None):
        self.backend = backend
        self.token = token
        self.settings = backend.settings
        if categories is None:
            categories = CategoryRegistry(model.CORE_KINDS + model.KINDS)
        self.categories = categories
        parts = urlsplit(application_url or '')
        self.host = parts.netloc or None
        self.script_name = parts.path.rstrip('/')
        self._listings = {}
        #: entity location -> the cloud record it was made from (model
        #: objects carry no backend data)
        self.records = {}

    @reify
    def cloud(self):
        """Synnefo's API for this session's token."""
        return self.backend.api(self.token)

    def authenticate(self):
        return self.cloud.authenticate()['user_id']

    def token_expiry(self):
        """When the token expires (epoch seconds), ``None`` when the cloud
        does not say (the pending links' worker keeps it until then)."""
        expires = self.cloud.authenticate().get('expires')
        if not expires:
            return None
        try:
            stamp = datetime.datetime.fromisoformat(
                str(expires).replace('Z', '+00:00'))
        except ValueError:
            return None
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=datetime.timezone.utc)
        return stamp.timestamp()

    def handler(self, kind):
        factory = self.handlers.get(kind.type_id)
        if factory is None:
            raise OCCINotImplemented('%s entities are not served.'
                                     % kind.term)
        return factory(self)

    def handlers_for(self, kind, needs='needs'):
        """The handlers of ``kind``, or of the served kinds below it
        (``/resource/``, ``/link/``), with the listings they read
        (``needs``, or another attribute naming them; none when
        ``None``) fetched together.
        """
        kinds = ([kind] if kind.type_id in self.handlers
                 else self.concrete_kinds(kind))
        handlers = [self.handler(k) for k in kinds]
        if needs:
            self.prefetch(name for h in handlers
                          for name in getattr(h, needs))
        return handlers

    def concrete_kinds(self, kind):
        """The served kinds that are ``kind`` or below it."""
        return [k for k in model.KINDS
                if k.is_a(kind) and k.type_id in self.handlers]

    # -- shared reads ------------------------------------------------------

    def listing(self, name):
        """``list_<name>()`` of the backend session, once per request (until
        something changes)."""
        if name not in self._listings:
            self._listings[name] = getattr(self.cloud, 'list_' + name)()
        return self._listings[name]

    def prefetch(self, names, **calls):
        """List what is missing of ``names``, and run ``calls`` (name ->
        ``function(session)``), all at once; return the calls' results.

        Each is a round trip to the cloud; a collection needs up to seven,
        so doing them together costs one round trip instead of seven.  Each
        runs with a backend session of its own (kamaki clients are not
        thread-safe) and the request's logging context.  With
        ``occi.synnefo.parallel_calls`` at 1 they run one after another.
        """
        jobs = {('list', name): _lister(name) for name in dict.fromkeys(names)
                if name not in self._listings}
        jobs.update((('call', name), call) for name, call in calls.items())
        workers = self.settings.get('occi.synnefo.parallel_calls', 8)
        if len(jobs) < 2 or workers < 2:
            results = {key: job(self.cloud) for key, job in jobs.items()}
        else:
            backend, token = self.backend, self.token
            pool = _executor(workers)
            futures = {
                key: pool.submit(contextvars.copy_context().run,
                                 lambda job: job(backend.api(token)), job)
                for key, job in jobs.items()}
            results = {key: future.result() for key, future in
                       futures.items()}
        for (what, name), value in results.items():
            if what == 'list':
                self._listings[name] = value
        return {name: value for (what, name), value in results.items()
                if what == 'call'}

    def subnets(self):
        return {str(s['id']): s for s in self.listing('subnets')}

    def changed(self):
        """Forget the listings: the cloud changed.  The session marks it
        once at the end of each verb that may change the cloud; an
        operation here that reads again, within the verb, what it has
        just changed (a floating IP, a port) marks it itself."""
        self._listings.clear()

    def wait(self, done, what, fail=True, limit=None):
        """Poll ``done()`` until true, at most ``limit`` seconds (default
        ``occi.synnefo.link_wait``); then raise 409 (or return False when
        ``fail`` is off)."""
        if limit is None:
            limit = self.settings.get('occi.synnefo.link_wait', 120.0)
        deadline = time.monotonic() + limit
        delay = 0.05
        while True:
            if done():
                return True
            if time.monotonic() >= deadline:
                if fail:
                    raise OCCIConflict('Gave up waiting for the %s after '
                                       '%s s.' % (what, limit))
                log.warning('gave up waiting for the %s', what)
                return False
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    def locate(self, location):
        """``(kind, id)`` of an entity location of this server, else
        ``None``."""
        return parse_entity_location(location, self.categories, self.host,
                                     self.script_name)

    def resolve(self, location, kind, role):
        """The id (compute: the record) a link's source or target names.

        :raises OCCIBadRequest: for a location of another kind
        :raises OCCINotFound: for an entity that does not exist
        """
        found = self.locate(location)
        if found is None or found[0] != kind:
            raise OCCIBadRequest('The link %s %s is not a %s of this '
                                 'server.' % (role, location, kind.term))
        handler = self.handler(kind)
        record = handler.record(found[1])
        return record if kind == model.COMPUTE else found[1]

    # -- network interfaces and floating IPs -----------------------------

    def floating_ip(self, network_id, address=None):
        """The free floating IP of the caller at ``address`` on the public
        network, else a new one (marked ``_new``, so that a failed create
        can release it).  NB: without an address none of the caller's is
        taken: each is an ipreservation, which an interface that releases
        its address with it must not use up."""
        if not address:
            return self.new_floating_ip(network_id)
        for fip in self.listing('floatingips'):
            if str(fip.get('floating_network_id')) != str(network_id):
                continue
            if address and fip.get('floating_ip_address') != address:
                continue
            if fip.get('port_id') is None:
                return fip
        raise OCCIConflict(
            'The floating IP %s is not a free floating IP of yours on '
            'network %s.' % (address, network_id))

    def new_floating_ip(self, network_id):
        """Allocate a floating IP on ``network_id`` (marked ``_new``)."""
        fip = dict(self.cloud.create_floatingip(network_id=network_id))
        fip['_new'] = True
        self.changed()
        return fip

    def release_floating_ip(self, fip_id):
        """Release a floating IP; return whether it is released."""
        try:
            self.cloud.delete_floatingip(fip_id)
        except BackendNotFound:
            return True
        except BackendError as exc:
            log.warning('floating IP %s not released: %s', fip_id, exc)
            return False
        self.changed()
        return True

    def release_floating_ips(self, fip_ids, of):
        """Release floating IPs (``of``: whose they were, for the error).

        :raises BackendUnavailable: some are not released yet (the
            deferred work tries again once the cloud answers)
        """
        left = [fip for fip in fip_ids if not self.release_floating_ip(fip)]
        if left:
            raise BackendUnavailable(
                'The floating IPs %s of %s are not released yet.' % (
                    ', '.join(str(fip) for fip in left), of))

    # -- deleting servers -------------------------------------------------

    def cloud_timeout(self):
        return self.settings.get('occi.synnefo.timeout', 30.0)

    def deletion(self, server_id):
        """Where the cloud is with deleting ``server_id``: ``'gone'``,
        ``'going'`` (being destroyed) or ``'failed'`` (listed as before:
        the cloud's delete failed)."""
        try:
            server = self.cloud.get_server(server_id)
        except BackendNotFound:
            return 'gone'
        if translate.is_deleted(server):
            return 'gone'
        return 'going' if translate.is_destroying(server) else 'failed'

    def delete_server(self, server_id):
        """Ask the cloud to delete ``server_id``; return whether it took
        the delete.  When the call fails on the way (dropped, timed out)
        the cloud may have taken it anyway: one look tells; without an
        answer the error says that nobody knows yet.

        :raises OCCINotFound: the cloud has no such server
        :raises BackendError: the cloud refused, or cannot tell
        """
        try:
            self.cloud.delete_server(server_id)
            return True
        except BackendNotFound:
            raise OCCINotFound('There is no compute %s.' % server_id)
        except BackendUnavailable as exc:
            failure = exc
        try:
            taken = self.deletion(server_id) != 'failed'
        except BackendError:
            raise BackendUnavailable(
                'The cloud stopped answering while compute %s was being '
                'deleted (%s); whether it is deleted is not known: GET %s '
                'tells once the cloud answers again.' % (
                    server_id, failure.message,
                    translate.compute_location(server_id)),
                details=failure.details)
        if not taken:
            raise BackendUnavailable('The compute %s was not deleted: %s'
                                     % (server_id, failure.message),
                                     details=failure.details)
        self.cloud.backend.deleted_servers.set(str(server_id), True)
        return True

    def release_after_delete(self, server_id, fips):
        """Release the floating IPs of a server whose delete the cloud
        took, once it has detached them: within the configured cloud
        timeout (never a multiple of it).  Return the ones left.

        :raises BackendError: the cloud's delete failed: the server is
            listed again, with its floating IPs
        """
        left, seen = list(fips), []

        def settled():
            seen.append(self.deletion(server_id))
            return seen[-1] != 'going'

        try:
            self.wait(settled, 'compute %s to be deleted' % server_id,
                      fail=False, limit=self.cloud_timeout())
        except BackendError as exc:
            log.warning('floating IPs of compute %s not released: %s',
                        server_id, exc)
            return left
        self.changed()
        state = seen[-1]
        if state == 'failed':
            self.cloud.undeleted_server(server_id)
            raise BackendError(
                'The cloud failed to delete the compute %s: it is still '
                'there, with its links.' % server_id)
        if state == 'gone':
            left = [f for f in fips if not self.release_floating_ip(f['id'])]
        return left

    def attach_network(self, server_id, network_id, address=None):
        """Create the port of a network interface; on the public network
        it carries a floating IP: the caller's at ``address`` (an
        ipreservation: the port is named so that removing it keeps the
        address, :data:`.translate.RESERVED_PORT_NAME`), else one
        allocated here (released again if the port cannot be made, and
        with the port)."""
        network = self.handler(model.NETWORK).record(network_id)
        fip, name = None, None
        if translate.is_public(network):
            fip = self.floating_ip(network_id, address)
            fixed_ips = [{'ip_address': fip['floating_ip_address']}]
            if not fip.get('_new'):
                name = translate.RESERVED_PORT_NAME
        else:
            fixed_ips = [{'ip_address': address}] if address else None
        try:
            port = self.cloud.create_port(
                str(network_id), device_id=str(server_id),
                fixed_ips=fixed_ips, name=name)
        except BackendError as exc:
            if fip is not None and fip.get('_new'):
                self.release_floating_ip(fip['id'])
            if isinstance(exc, (BackendBadRequest, BackendConflict)):
                raise retold(exc, 'The network interface was not created: '
                             '%s' % exc.message)
            raise
        self.changed()
        return port

    def detach_network(self, port, wait=False):
        """Delete a port; a floating IP it carried is released once the
        cloud has removed the port ("removing the link releases it"):
        here when ``wait``, else later (an :class:`Unfinished` to resume).

        :raises OCCIBusy: its compute is busy for now (building, running
            a task)
        """
        fips = [] if translate.is_reserved(port) else [
            f for f in self.listing('floatingips')
            if str(f.get('port_id')) == str(port['id'])]
        try:
            self.cloud.delete_port(port['id'])
        except BackendNotFound:
            raise OCCINotFound('There is no networkinterface %s.'
                               % port['id'])
        except (BackendBadRequest, BackendConflict) as exc:
            server = self.server_of(port)
            if server is not None and translate.is_destroying(server):
                return None  # the port goes with its compute
            if server is not None and translate.is_busy(server):
                raise OCCIBusy('The network interface cannot be removed '
                               'now: %s' % exc.message,
                               waiting=translate.waiting_for(server))
            # NB: as a storagelink: a state conflict, whatever Synnefo says
            raise as_conflict(exc, 'The network interface cannot be '
                              'removed now: %s' % exc.message)
        self.changed()
        if not fips:
            return None
        if not wait:
            return model.Unfinished(
                'network interface %s to be removed' % port['id'], {
                    'port': str(port['id']),
                    'floating_ips': [str(f['id']) for f in fips]},
                goes_with=[translate.ipreservation_location(f['id'])
                           for f in fips])
        for fip in fips:
            self.wait(lambda: self.port_gone(port['id']),
                      'network interface %s to be removed' % port['id'],
                      fail=False)
            self.release_floating_ip(fip['id'])
        return None

    def server_of(self, port):
        """The server record of a port's device, ``None`` without one."""
        if not port.get('device_id'):
            return None
        try:
            return self.cloud.get_server(int(port['device_id']))
        except BackendNotFound:
            return None

    def port_gone(self, port_id):
        try:
            self.cloud.get_port(port_id)
        except BackendNotFound:
            return True
        return False

    def volume_waits_for(self, volume):
        """What a refused change of ``volume`` waits for (a state message:
        an attach or detach running, its server busy or being deleted),
        or ``None`` when the refusal lasts."""
        status = volume.get('status')
        if status in ('attaching', 'creating'):
            return 'storage %s to be attached' % volume['id']
        if status == 'detaching':
            return 'storage %s to be detached' % volume['id']
        for attachment in volume.get('attachments') or ():
            try:
                server = self.cloud.get_server(int(attachment['server_id']))
            except BackendNotFound:
                continue
            if translate.is_destroying(server):
                return 'compute %s to be deleted' % server['id']
            if translate.is_busy(server):
                return translate.waiting_for(server)
        return None

    def network_held(self, network_id, exc):
        """The error of a network delete the cloud refused (it still has
        ports): :class:`OCCIBusy` when every port belongs to a compute
        being deleted, else a conflict naming the computes that hold it
        (a delete waits when the server is deleting them)."""
        ports = [p for p in self.listing('ports')
                 if str(p.get('network_id')) == str(network_id)]
        servers = sorted({str(p['device_id']) for p in ports
                          if p.get('device_id')}, key=int)
        if not servers:
            return as_conflict(exc, 'The network %s cannot be deleted: %s'
                               % (network_id, exc.message))
        live = []
        for server_id in servers:
            server = self.server_of({'device_id': server_id})
            if server is not None and not translate.is_destroying(server):
                live.append(server_id)
        # NB: a delete that waits looks at these servers only (one call
        # each), not at the account's ports again
        resume = {'servers': servers}
        if not live:
            return OCCIBusy(
                'The network %s cannot be deleted yet: %s' % (
                    network_id, exc.message),
                waiting='%s to be deleted' % _computes(servers),
                resume=resume)
        return OCCIConflict(
            'The network %s cannot be deleted: %s (%s still %s network '
            'interfaces on it: delete them first).' % (
                network_id, exc.message.rstrip('.'), _computes(live),
                'has' if len(live) == 1 else 'have'),
            held_by=[translate.compute_location(s) for s in live],
            resume=resume)

    # -- storage links ----------------------------------------------------

    def attach_storage(self, server_id, volume_id):
        self.handler(model.STORAGE).record(volume_id)
        try:
            self.cloud.attach_volume(server_id, volume_id)
        except (BackendBadRequest, BackendConflict) as exc:
            raise as_conflict(exc, 'The storage was not attached: %s'
                              % exc.message)
        self.changed()

    # -- what the verbs share ---------------------------------------------

    def templates(self):
        """The caller's templates, made once per cached listing: while the
        per-user images and flavors are cached (the same lists), so are
        the mixins made from them."""
        images, flavors = self.cloud.list_images(), self.cloud.list_flavors()
        pools = self.cloud.list_pools()
        memo = self.cloud.backend.template_memo
        key = self.cloud.user_id
        made = memo.get(key)
        if made is None or any(a is not b for a, b in zip(
                made, (images, flavors, pools))):
            made = (images, flavors, pools,
                    translate.templates(images, flavors, pools))
            memo[key] = made
        return list(made[3])

    def projects(self):
        """The caller's project mixins, with their quotas, made once per
        cached listing as the templates are (the same mixins while the
        projects and quotas are cached)."""
        listing = self.cloud.list_projects()
        memo = self.cloud.backend.project_memo
        key = self.cloud.user_id
        made = memo.get(key)
        if made is None or made[0] is not listing:
            made = memo[key] = (listing, translate.project_mixins(*listing))
        return list(made[1])

    def project(self, data):
        """The Astakos project a create names (its project mixin), or
        ``None`` (the user's default project)."""
        mixin = data.template(translate.PROJECT)
        return None if mixin is None else translate.project_id_of(mixin)

    def move(self, entity, data, reassign):
        """Reassign ``entity`` with ``reassign(project)`` when ``data``
        names a project mixin other than the entity's; a request naming
        none leaves it where it is."""
        project = self.project(data)
        if project is None or entity.has_category(
                translate.project_mixin(project)):
            return
        try:
            reassign(project)
        except BackendBadRequest as exc:
            # NB: Synnefo says 400 for a state that forbids the move
            raise as_conflict(exc)

    def delete_many(self, entities, delete, busy=None):
        """Delete a collection's members with ``delete`` (the session's
        verb); return ``{location: message}`` of the ones that failed.

        A link of a deleted compute, and its root disk, go with it and
        are not deleted twice; the cloud's public network is not the
        caller's to delete and is left out.  Links go first, then
        computes, then the rest (a network after the computes on it).  A
        member whose delete waits (:class:`OCCIBusy`,
        :class:`Unfinished`) goes to ``busy`` when given; a refusal
        ``busy`` does not take is a failure.
        """
        computes = {e.location for e in entities if e.kind == model.COMPUTE}

        def goes_with_a_compute(entity):
            if isinstance(entity, model.Link):
                return entity.source in computes
            if entity.kind == model.STORAGE:
                # NB: a compute's root disk goes with it; the storages
                # linked to it outlive it, so they are deleted here
                return any(
                    translate.compute_location(a['server_id']) in computes
                    and a.get('device_index') == 0
                    for a in self.record_of(entity).get('attachments')
                    or ())
            if entity.kind == model.IPRESERVATION:
                # NB: a floating IP a compute's interface allocated goes
                # with it; an ipreservation's outlives it
                fip = self.record_of(entity)
                return fip.get('instance_id') is not None and (
                    translate.compute_location(fip['instance_id'])
                    in computes) and str(fip.get('port_id')) not in {
                        str(p['id']) for p in self.listing('ports')
                        if translate.is_reserved(p)}
            return False

        def shared(entity):
            return entity.kind == model.NETWORK and translate.is_public(
                self.record_of(entity))

        def rank(entity):
            if isinstance(entity, model.Link):
                return 0
            return 1 if entity.kind == model.COMPUTE else 2

        doomed = sorted(
            (e for e in entities
             if not goes_with_a_compute(e) and not shared(e)),
            key=rank)
        failures = {}
        for entity in doomed:
            try:
                outcome = delete(entity)
            except OCCIConflict as exc:
                if busy is None or not busy(entity, exc):
                    failures[entity.location] = exc.message
                continue
            except OCCIError as exc:
                failures[entity.location] = exc.message
                continue
            if outcome is not None and busy is not None:
                busy(entity, outcome)
        return failures

    def record_of(self, entity):
        """The cloud record ``entity`` was made from (see
        :meth:`.handlers.base.Handler.record_of`)."""
        return self.handler(entity.kind).record_of(entity)


def _computes(server_ids):
    """``compute 3`` or ``computes 3, 4`` (a state message)."""
    return ('compute %s' if len(server_ids) == 1 else 'computes %s') % (
        ', '.join(server_ids))


def _lister(name):
    return lambda session: getattr(session, 'list_' + name)()


_pool = None
_pool_lock = threading.Lock()


def _executor(workers):
    """The process's thread pool for parallel cloud calls (made on first
    use, never at import time)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = concurrent.futures.ThreadPoolExecutor(
                max_workers=workers, thread_name_prefix='occi-cloud')
        return _pool
