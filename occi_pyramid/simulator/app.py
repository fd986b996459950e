"""The simulator object: settings, database, state engine, request loop.

One :class:`Simulator` serves every service of the simulated cloud as a
plain WSGI app (WebOb requests, no framework on the hot path). Calls
that change state are serialised with one lock (simple, and safe under
a threaded server such as waitress); reads (GET, HEAD) run side by side
on their own connections when the store allows it (SQLite in WAL mode
on a file, or a database server), waiting only when a backend job has
come due and must be applied first. Faults are rendered here.
"""
import collections
import http
import json
import logging
import os
import threading
import time

from pyramid.settings import asbool, aslist
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool
from webob import Request

from . import (
    account,
    compute,
    control,
    identity,
    image,
    keypairs,  # noqa: F401 - registers os-keypairs on compute
    models,
    network,
    quotas,
    volume,
)
from .core import JSON_TYPE, Context, Fault
from .engine import Engine, parse_delays
from .seed import PACKAGED_SEED, is_empty, load_seed

log = logging.getLogger(__name__)

DEFAULTS = {
    'simulator.database_url': 'sqlite:///var/simulator.sqlite',
    'simulator.seed_file': PACKAGED_SEED,
    'simulator.delays': (
        'build=4 start=2 stop=2 reboot=2 resize=3 delete=2 '
        'connect=1 disconnect=1 attach=1 detach=1'
    ),
    'simulator.control_api': 'false',
    'simulator.public_url': '',
    'simulator.default_networks': 'none',
    'simulator.servers_fqdn': 'snf-%(id)s.vm.example.synnefo.org',
    'simulator.enabled_network_flavors': 'MAC_FILTERED',
    'simulator.request_log_size': '500',
    'simulator.request_log_bytes': '4194304',
    'simulator.poll_limit': '3600',
    # seconds each Synnefo call waits before it is served, outside the
    # simulator's lock: a model of a cloud across a WAN (benchmarks)
    'simulator.latency': '0',
}

#: service -> (module, catalog path, versioned path for links)
SERVICES = {
    'identity': (identity, '/identity/v2.0', '/identity/v2.0'),
    'account': (account, '/account/v1.0', '/account/v1.0'),
    'compute': (compute, '/compute/v2.0', '/compute/v2.0'),
    'network': (network, '/network', '/network/v2.0'),
    'volume': (volume, '/volume', '/volume/v2.0'),
    'image': (image, '/image', '/image/v1.0'),
}

#: request headers kept in the request log (never the token)
LOGGED_HEADER_PREFIXES = ('content-type', 'x-image-meta', 'accept')

STATUS_LINES = {s.value: '%d %s' % (s.value, s.phrase)
                for s in http.HTTPStatus}

#: methods that only read, served without the write lock
READS = ('GET', 'HEAD')


def _engine_for(url):
    """``(engine, concurrent)``: whether reads may run side by side."""
    parsed = make_url(url)
    if parsed.get_backend_name() != 'sqlite':
        return create_engine(url), True
    database = parsed.database
    if not database or database == ':memory:':
        # NB: one connection shared by every thread: everything locked
        return create_engine(
            url,
            connect_args={'check_same_thread': False},
            poolclass=StaticPool,
        ), False
    folder = os.path.dirname(os.path.abspath(database))
    os.makedirs(folder, exist_ok=True)
    engine = create_engine(url, connect_args={'check_same_thread': False},
                           pool_size=16, max_overflow=16)

    @event.listens_for(engine, 'connect')
    def _sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        # NB: WAL lets readers run beside the one writer; NORMAL syncs
        # at checkpoints only (a crashed process loses nothing, a lost
        # machine the last transactions): fine for a test cloud
        cursor.execute('PRAGMA journal_mode=WAL')
        cursor.execute('PRAGMA synchronous=NORMAL')
        cursor.close()

    return engine, True


def _add_missing_columns(engine):
    """Columns added since a database file was created (SQLite keeps
    the file across versions): ``ALTER TABLE ... ADD COLUMN``."""
    inspector = inspect(engine)
    present = set(inspector.get_table_names())
    with engine.begin() as connection:
        for table in models.Base.metadata.sorted_tables:
            if table.name not in present:
                continue
            have = {c['name'] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in have:
                    continue
                kind = column.type.compile(dialect=engine.dialect)
                log.info('adding column %s.%s', table.name, column.name)
                connection.execute(text(
                    'ALTER TABLE %s ADD COLUMN %s %s'
                    % (table.name, column.name, kind)))


class RequestLog:
    """The last requests the Synnefo services received (control API).

    Bounded in entries and in bytes of body kept; keeps the caller as a
    user uuid, never the token. ``entries()`` parses bodies on demand.
    """

    def __init__(self, size, max_bytes):
        self.size = size
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries = collections.deque()
        self._lock = threading.Lock()

    def add(self, entry):
        body = entry['body']
        if len(body) > self.max_bytes:
            entry['body'] = body = body[:self.max_bytes]
            entry['truncated'] = True
        with self._lock:
            self._entries.append(entry)
            self.bytes += len(body)
            while self._entries and (len(self._entries) > self.size
                                     or self.bytes > self.max_bytes):
                self.bytes -= len(self._entries.popleft()['body'])

    def entries(self):
        with self._lock:
            entries = list(self._entries)
        return entries

    def clear(self):
        with self._lock:
            self._entries.clear()
            self.bytes = 0

    def __len__(self):
        return len(self._entries)


class _ThenApplyDue(list):
    """An answer body whose ``close`` (called by the WSGI server once the
    answer is written) applies the simulator's due jobs."""

    def __init__(self, body, simulator):
        super().__init__((body,))
        self.simulator = simulator

    def close(self):
        try:
            self.simulator.apply_due()
        except Exception:  # pragma: no cover - a simulator bug
            # NB: the next call applies them first, or fails as it would
            log.exception('applying the due jobs failed')


class Simulator:
    """The simulated Synnefo deployment behind one WSGI app.

    :param settings: the app settings (``simulator.*`` keys; defaults
        in :data:`DEFAULTS`).
    """

    def __init__(self, settings):
        conf = dict(DEFAULTS)
        conf.update({k: v for k, v in settings.items() if v is not None})
        self.settings = conf
        self.control_api = asbool(conf['simulator.control_api'])
        self.public_url = (conf['simulator.public_url'] or '').rstrip('/')
        self.default_networks = conf['simulator.default_networks'].strip()
        self.fqdn = conf['simulator.servers_fqdn'] or None
        self.network_flavors = aslist(
            conf['simulator.enabled_network_flavors'])
        self.poll_limit = float(conf['simulator.poll_limit'])
        self.latency = float(conf['simulator.latency'])
        self.seed_file = conf['simulator.seed_file'] or PACKAGED_SEED
        frozen, delays = parse_delays(conf['simulator.delays'])
        self.engine = Engine(frozen, delays)
        self.lock = threading.RLock()
        #: token -> the user's row; emptied after a write to users or
        #: memberships, and after every control call (reset)
        self.users = {}
        #: a write of the request being served flushed a user or a
        #: membership (set by a flush hook, under the write lock)
        self.users_written = False
        #: (base URL, server id) -> (row, ports, volumes, BUILD job,
        #: progress, JSON text) of the servers
        #: listings rendered last (see compute.rendered_server)
        self.rendered_servers = {}
        #: the request log: only with the control API, which serves it
        self.requests = None
        if self.control_api:
            self.requests = RequestLog(
                int(conf['simulator.request_log_size']),
                int(conf['simulator.request_log_bytes']))
        self.db_engine, self.concurrent_reads = _engine_for(
            conf['simulator.database_url'])
        #: flavor id -> its plain row (see quotas.flavor_row), shared
        #: by every session through its info
        self.flavors = {}
        self.sessionmaker = sessionmaker(bind=self.db_engine,
                                         expire_on_commit=False,
                                         info={'flavors': self.flavors})
        event.listen(self.sessionmaker, 'before_flush', quotas.book)
        event.listen(self.sessionmaker, 'before_flush', self._note_users)
        _add_missing_columns(self.db_engine)
        models.Base.metadata.create_all(self.db_engine)
        with self.session() as db:
            self.engine.load(db)
            if is_empty(db):
                load_seed(db, self.seed_file, self.engine.now())
            elif db.query(models.Holding).first() is None:
                quotas.rebuild(db)  # a file written before holdings
            db.commit()

    def session(self):
        return self.sessionmaker()

    def _note_users(self, db, _flush_context=None, _instances=None):
        """``before_flush`` hook: note a write to users or memberships,
        which the users cache must not outlive."""
        for records in (db.new, db.dirty, db.deleted):
            for record in records:
                if isinstance(record, (models.User, models.Membership)):
                    self.users_written = True
                    return

    def reset(self, db):
        """Wipe every record and reload the seed (control API)."""
        db.close()
        models.Base.metadata.drop_all(self.db_engine)
        models.Base.metadata.create_all(self.db_engine)
        if self.requests is not None:
            self.requests.clear()
        self.rendered_servers.clear()
        self.flavors.clear()
        with self.session() as fresh:
            self.engine.offset = 0.0
            self.engine.frozen_at = None
            self.engine.load(fresh)
            load_seed(fresh, self.seed_file, self.engine.now())
            fresh.commit()

    # -- URLs -----------------------------------------------------------------
    def base_url(self, request):
        return self.public_url or request.host_url

    def service_url(self, base, name):
        """The catalog URL of ``name`` (versionless for some services)."""
        return base + SERVICES[name][1]

    def versioned_url(self, base, name):
        return base + SERVICES[name][2]

    # -- request handling -----------------------------------------------------
    def wsgi(self, environ, start_response):
        """The WSGI entry point.

        A job the call queued that is due already (instant delays) is
        applied once the answer is written (the answer iterable's
        ``close``), as Synnefo's dispatcher applies what Ganeti reports
        outside the API's requests: the caller reads the answer
        meanwhile, and its next call finds the job applied (or applies
        it first, as every call does with the due jobs)."""
        status, headers, body = self(Request(environ))
        write = start_response(
            STATUS_LINES.get(status) or '%d Unknown' % status, headers)
        if self.engine.due():
            if not body:
                # NB: a server sends the head of an answer without a body
                # once the body is done (after close) unless told now
                write(b'')
            return _ThenApplyDue(body, self)
        return [body]

    def apply_due(self):
        """Apply the due jobs (under the write lock)."""
        with self.lock:
            self._run_due()

    def __call__(self, request):
        """``(status, [(header, value)], body bytes)`` of ``request``."""
        segments = request.path_info.split('/', 2)
        name = segments[1] if len(segments) > 1 else ''
        subpath = '/' + segments[2] if len(segments) > 2 else ''
        if name == '_sim' and self.control_api:
            return self._handle(request, control.service, subpath, False)
        if name in SERVICES:
            if self.latency > 0:
                time.sleep(self.latency)  # the round trip, not serialised
            return self._handle(
                request, SERVICES[name][0].service, subpath, True
            )
        return self._render(Fault('itemNotFound', 404, 'Not Found'))

    def _handle(self, request, service, subpath, logged):
        if (logged and self.concurrent_reads and request.method in READS):
            if self.engine.due():
                with self.lock:
                    self._run_due()
            reply, user = self._serve(request, service, subpath)
        else:
            with self.lock:
                self._run_due()
                reply, user = self._serve(request, service, subpath)
                # NB: a write may have changed a user or a membership;
                # the control API writes them with Core too (reset)
                if self.users_written or not logged:
                    self.users.clear()
                    self.users_written = False
        response = self._render(reply)
        if logged and self.requests is not None:
            self._log(request, response[0], user)
        return response

    def _run_due(self):
        if not self.engine.due():
            return
        with self.session() as db:
            self.engine.run_due(db)
            db.commit()

    def _serve(self, request, service, subpath):
        """``(reply or fault, caller uuid or None)`` of one call."""
        db = self.session()
        ctx = None
        try:
            ctx = Context(request, self, db, self.engine.now(),
                          self.base_url(request))
            try:
                reply = self._dispatch(ctx, service, subpath)
                db.commit()
            except Fault as fault:
                db.rollback()
                reply = fault
            except Exception:
                db.rollback()
                log.exception('simulator error on %s %s',
                              request.method, request.path_qs)
                reply = Fault('internalServerError', 500,
                              'Unexpected error')
            user = None
            if self.requests is not None:
                user = ctx.caller_uuid()
        finally:
            db.close()
        return reply, user

    def _dispatch(self, ctx, service, subpath):
        path = service.split_version(subpath)
        if path is None:
            handler = service.version_document
            if handler is not None and subpath in ('', '/'):
                return handler(ctx)
            raise Fault('badRequest', 400, 'API endpoint not found')
        handler, args = service.resolve(ctx.request.method, path)
        if service.authenticated:
            ctx.user  # 401 before any body or id is looked at
        return handler(ctx, **args)

    def _render(self, reply):
        if isinstance(reply, Fault):
            status, body, headers = reply.code, reply.body(), reply.headers
        else:
            status, body, headers = reply.status, reply.body, reply.headers
        if body is None:
            body = b''
        elif not isinstance(body, bytes):  # bytes: JSON already
            body = json.dumps(body).encode()
        fixed = [
            ('Content-Type', JSON_TYPE),
            ('Content-Length', str(len(body))),
            ('Vary', 'X-Auth-Token'),
            ('Cache-Control', 'no-cache, no-store, must-revalidate, '
             'max-age=0'),
        ]
        if headers:
            names = {key.lower() for key in headers}
            fixed = [(k, v) for k, v in fixed if k.lower() not in names]
            fixed += [(key, str(value)) for key, value in headers.items()]
        return status, fixed, body

    def _log(self, request, status, user):
        headers = {
            key: value
            for key, value in request.headers.items()
            if key.lower().startswith(LOGGED_HEADER_PREFIXES)
        }
        self.requests.add(
            {
                'method': request.method,
                'path': request.path_info,
                'query': request.query_string,
                'body': request.body.decode('utf-8', 'replace'),
                'user': user,
                'headers': headers,
                'status': status,
            }
        )
