"""The state engine: a virtual clock and the pending backend jobs.

Every state-changing call records a :class:`~.models.Job` with a due
time on the virtual clock (lazy evaluation). Before each request the
simulator applies every job that is due, in due order, so the outcome is
deterministic and needs no background thread; a job due at once is
applied by the call that queued it, once its answer is written (as
Synnefo's dispatcher applies Ganeti's reports outside the API's
requests).

Delay modes (setting ``simulator.delays``):

* ``instant``: every job is due at once, so the call answers with the
  transitional state (BUILD, 202) and the next request sees the result;
* ``manual``: the clock stands still; jobs complete only when the
  control API advances the clock past them or settles them. Per-job
  durations may follow, e.g. ``manual build=4``;
* ``build=4 start=2 ...`` or a bare number: real time plus an offset.
"""
import collections
import logging
import time
import types

from sqlalchemy import (
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from . import models, quotas

log = logging.getLogger(__name__)

#: delay kinds and their development defaults (seconds)
DEFAULT_DELAYS = {
    'build': 4.0,
    'start': 2.0,
    'stop': 2.0,
    'reboot': 2.0,
    'resize': 3.0,
    'delete': 2.0,
    'connect': 1.0,
    'disconnect': 1.0,
    'attach': 1.0,
    'detach': 1.0,
}

#: job kinds whose duration comes from another delay key
DELAY_OF = {'volume_delete': 'delete'}

JOB_KINDS = tuple(DEFAULT_DELAYS) + tuple(DELAY_OF)

_JOBS = models.Job.__table__
_SERVERS = models.Server.__table__
_PORTS = models.Port.__table__
_VOLUMES = models.Volume.__table__
_IPS = models.IPAddress.__table__
ALL_JOBS = select(_JOBS).order_by(_JOBS.c.due, _JOBS.c.id)
NEXT_DUE = select(func.min(_JOBS.c.due))
#: the due jobs, each with the due time of the first job that stays
#: (applying a job schedules none): one statement, not two
DUE_JOBS = select(_JOBS, NEXT_DUE.where(
    _JOBS.c.due > bindparam('until')).scalar_subquery().label('next_due')) \
    .where(_JOBS.c.due <= bindparam('until')) \
    .order_by(_JOBS.c.due, _JOBS.c.id)
NEW_JOB = insert(_JOBS)
DELETE_JOB = delete(_JOBS).where(_JOBS.c.id == bindparam('id'))
_SERVER = _SERVERS.c
#: a BUILD job's server update, when the server is live and online
#: (:func:`~.quotas.online` in SQL: then it holds what it held)
BUILD_SERVER = update(_SERVERS).where(
    _SERVER.id == bindparam('target'), _SERVER.deleted.is_(False),
    or_(_SERVER.task.in_(('START', 'REBOOT')),
        and_(_SERVER.operstate != 'STOPPED',
             or_(_SERVER.task.is_(None), _SERVER.task != 'STOP')))) \
    .values(operstate='STARTED', task=None, updated=bindparam('when'))
BUILD_PORTS = update(_PORTS).where(
    _PORTS.c.server_id == bindparam('target'), _PORTS.c.status == 'BUILD') \
    .values(status='ACTIVE', updated=bindparam('when'))
BUILD_VOLUMES = update(_VOLUMES).where(
    _VOLUMES.c.server_id == bindparam('target'),
    _VOLUMES.c.deleted.is_(False), _VOLUMES.c.status == 'creating') \
    .values(status='in_use', updated=bindparam('when'))

CANCEL_SERVER_JOBS = delete(_JOBS).where(
    _JOBS.c.target_id == bindparam('target'),
    _JOBS.c.kind.in_(('build', 'start', 'stop', 'reboot', 'resize')))
#: a DELETE job's reads and writes (see Engine._delete_fast)
SERVER_ROW = select(_SERVERS).where(_SERVER.id == bindparam('target'))
#: a server DELETE's write (see Engine.destroy)
SERVER_TASK = update(_SERVERS).where(_SERVER.id == bindparam('target')) \
    .values(task=bindparam('task'), updated=bindparam('when'))
SERVER_VOLUMES = select(_VOLUMES).where(
    _VOLUMES.c.server_id == bindparam('target'),
    _VOLUMES.c.deleted.is_(False))
SERVER_PORT_IDS = select(_PORTS.c.id).where(
    _PORTS.c.server_id == bindparam('target'))
DELETE_SERVER = update(_SERVERS).where(_SERVER.id == bindparam('target')) \
    .values(deleted=True, operstate='DESTROYED', task=None,
            updated=bindparam('when'))
DELETE_VOLUMES = update(_VOLUMES).where(
    _VOLUMES.c.server_id == bindparam('target'),
    _VOLUMES.c.deleted.is_(False)) \
    .values(deleted=True, status='deleted', updated=bindparam('when'))
#: what remove_port does to a port's addresses: the private ones go
#: back to the pool, the floating ones stay their owner's, detached
PORT_PRIVATE_IPS = delete(_IPS).where(
    _IPS.c.port_id.in_(bindparam('ports', expanding=True)),
    _IPS.c.floating.is_(False))
PORT_FLOATING_IPS = update(_IPS).where(
    _IPS.c.port_id.in_(bindparam('ports', expanding=True)),
    _IPS.c.floating.is_(True)).values(port_id=None)
SERVER_PORTS = delete(_PORTS).where(_PORTS.c.server_id == bindparam('target'))


def parse_delays(value):
    """Parse ``simulator.delays`` into ``(frozen, {kind: seconds})``.

    :raises ValueError: on an unknown job kind or a bad number.
    """
    words = (value or '').split()
    frozen = False
    delays = dict(DEFAULT_DELAYS)
    if words and words[0] == 'instant':
        return False, {kind: 0.0 for kind in delays}
    if words and words[0] == 'manual':
        frozen = True
        words = words[1:]
    for word in words:
        if '=' in word:
            kind, _, seconds = word.partition('=')
            if kind not in delays:
                raise ValueError('unknown job kind in delays: %r' % kind)
            delays[kind] = float(seconds)
        else:
            delays = {kind: float(word) for kind in delays}
    return frozen, delays


class Engine:
    """The virtual clock and the job queue of one simulator.

    The clock reads ``real time + offset``, or ``frozen_at + offset``
    in manual mode. Both numbers live in the ``sim_meta`` table so a
    restarted simulator continues where it stopped.
    """

    def __init__(self, frozen, delays):
        self.frozen = frozen
        self.delays = delays
        self.offset = 0.0
        self.frozen_at = None
        #: the earliest due time of a pending job (None: no job); may be
        #: early (a job since cancelled), never late
        self.next_due = None
        #: job kinds whose next job fails (None: not read yet)
        self.failures = None

    # -- clock -----------------------------------------------------------
    def load(self, db):
        """Read the persisted clock (or start one) from ``db``."""
        row = db.get(models.Meta, 'clock')
        state = dict(row.value) if row is not None else {}
        self.offset = float(state.get('offset', 0.0))
        self.frozen_at = state.get('frozen_at') or time.time()
        self.failures = None
        self._save(db)
        self._find_next_due(db)

    def _find_next_due(self, db):
        self.next_due = db.connection().execute(NEXT_DUE).scalar()

    def due(self):
        """Is a job due (so a request must apply it first)?"""
        next_due = self.next_due
        return next_due is not None and next_due <= self.now()

    def _save(self, db):
        db.merge(
            models.Meta(
                key='clock',
                value={'offset': self.offset, 'frozen_at': self.frozen_at},
            )
        )

    def now(self):
        base = self.frozen_at if self.frozen else time.time()
        return base + self.offset

    def advance(self, db, seconds):
        self.offset += float(seconds)
        self._save(db)

    # -- failure injection --------------------------------------------------
    def fail_next(self, db, kind):
        self._failures(db).append(kind)
        db.merge(models.Meta(key='fail_next', value=list(self.failures)))

    def _failures(self, db):
        """The kinds whose next job fails (read once, then kept)."""
        if self.failures is None:
            row = db.get(models.Meta, 'fail_next')
            self.failures = list(row.value) if row is not None else []
        return self.failures

    def _take_failure(self, db, kind):
        if kind not in self._failures(db):
            return False
        self.failures.remove(kind)
        db.merge(models.Meta(key='fail_next', value=list(self.failures)))
        return True

    # -- jobs ----------------------------------------------------------------
    def schedule(self, db, kind, target_id, **data):
        """Queue a ``kind`` job on ``target_id``; returns its
        ``(started, due)``."""
        now = self.now()
        due = now + self.delays[DELAY_OF.get(kind, kind)]
        # NB: a Core INSERT, cheaper than the unit of work: a job holds
        # no quota, so the flush hook would book nothing
        db.connection().execute(NEW_JOB, {
            'kind': kind, 'target_id': target_id, 'started': now,
            'due': due, 'fail': self._take_failure(db, kind), 'data': data})
        if self.next_due is None or due < self.next_due:
            self.next_due = due
        return now, due

    def run_due(self, db):
        """Apply every job whose due time has come; returns the count."""
        return self._run(db, self.now())

    def settle(self, db):
        """Apply every pending job, whatever its due time."""
        return self._run(db, None)

    def _run(self, db, until):
        # NB: the due jobs are read once, as plain rows (handlers only
        # read them), and deleted by id: no ORM object per job
        statement = DUE_JOBS if until is not None else ALL_JOBS
        jobs = db.connection().execute(statement, {'until': until}).all()
        for job in jobs:
            log.debug('job %s %s on %s (fail=%s)', job.id, job.kind,
                      job.target_id, job.fail)
            try:
                fast = None if job.fail else self._FAST.get(job.kind)
                if not (fast is not None and fast(self, db, job)):
                    getattr(self, '_apply_' + job.kind)(db, job, job.due)
                    db.flush()
            except Exception:  # pragma: no cover - a simulator bug
                # NB: drop the job rather than fail every later request
                log.exception('job %s %s failed', job.id, job.kind)
            db.connection().execute(DELETE_JOB, {'id': job.id})
        if until is None:
            self.next_due = None  # every job is applied
        elif jobs:
            self.next_due = jobs[0].next_due
        else:
            self._find_next_due(db)  # next_due was early: a job cancelled
        return len(jobs)

    def _build_fast(self, db, job):
        """Apply a successful BUILD job with three UPDATEs instead of
        loading the server, its ports and volumes as ORM objects.

        A server that was online stays online and keeps its flavor,
        ports and volumes hold no quota, so the holdings do not move
        (what the ``before_flush`` hook would book is nothing): the
        server's UPDATE names those conditions. Returns False (the ORM
        handler applies the job) when it changed no row.  (A failing job
        always goes to the ORM handler.)
        """
        connection, params = _core(db, job)
        if connection.execute(BUILD_SERVER, params).rowcount != 1:
            return False
        connection.execute(BUILD_PORTS, params)
        connection.execute(BUILD_VOLUMES, params)
        if db.identity_map:
            db.expire_all()  # the session's copies are stale now
        return True

    def _delete_fast(self, db, job):
        """Apply a successful DELETE job with Core statements instead of
        loading the server, its ports and volumes as ORM objects: what
        :meth:`_apply_delete` does, the holdings moved as the
        ``before_flush`` hook would (the server and its volumes give
        back what they held; ports hold nothing, and a floating IP keeps
        its own).  Returns False (the ORM handler applies the job) for
        a server that is gone."""
        connection, params = _core(db, job)
        server = connection.execute(SERVER_ROW, params).first()
        if server is None:
            return False
        deltas = collections.Counter()
        quotas.count_holds(deltas, db, server, -1, model=models.Server)
        for volume in connection.execute(SERVER_VOLUMES, params):
            quotas.count_holds(deltas, db, volume, -1, model=models.Volume)
        ports = [row.id for row in connection.execute(SERVER_PORT_IDS,
                                                      params)]
        connection.execute(DELETE_SERVER, params)
        connection.execute(DELETE_VOLUMES, params)
        if ports:
            connection.execute(PORT_PRIVATE_IPS, {'ports': ports})
            connection.execute(PORT_FLOATING_IPS, {'ports': ports})
            connection.execute(SERVER_PORTS, params)
        quotas.move(db, deltas)
        if db.identity_map:
            db.expire_all()  # the session's copies are stale now
        return True

    #: job kinds applied with Core statements when they can be
    _FAST = {'build': _build_fast, 'delete': _delete_fast}

    def pending(self, db, kind, target_id):
        return (
            db.query(models.Job)
            .filter_by(kind=kind, target_id=target_id)
            .order_by(models.Job.id)
            .first()
        )

    def build_progress(self, build):
        """Percentage of a BUILD job (``(started, due)`` or None) elapsed
        on the virtual clock."""
        if build is None:
            return 0
        started, due = build
        if due <= started:
            return 0
        fraction = (self.now() - started) / (due - started)
        return max(0, min(99, int(fraction * 100)))

    def destroy(self, db, server, now):
        """What a server DELETE does once it is allowed, with Core
        statements: the server's pending jobs dropped, its task DESTROY
        from ``now``, a delete job queued.  ``server`` is a plain row
        (:func:`~.logic.server_row`).  Holdings move as the
        ``before_flush`` hook would move them: the task decides whether a
        server holds cpu and ram (:func:`~.quotas.online`), so a stopped
        server about to start gives them back, and one about to stop
        holds them again."""
        connection = _flushed(db)
        self.cancel_server_jobs(db, server.id)
        connection.execute(SERVER_TASK, {
            'target': server.id, 'task': 'DESTROY', 'when': now})
        deltas = collections.Counter()
        quotas.count_server_change(deltas, db, server, types.SimpleNamespace(
            **dict(server._mapping, task='DESTROY')))
        quotas.move(db, deltas)
        if db.identity_map:
            db.expire_all()  # the session's copies are stale now
        self.schedule(db, 'delete', server.id)

    def cancel_server_jobs(self, db, server_id):
        """Drop the pending server-level jobs of ``server_id``."""
        # NB: a Core DELETE built once (the ORM's bulk delete compiled
        # its query on every call); no job is an ORM object
        db.connection().execute(CANCEL_SERVER_JOBS, {'target': server_id})

    # -- job outcomes ---------------------------------------------------------
    def _server(self, db, job):
        server = db.get(models.Server, job.target_id)
        if server is not None:
            server.task = None
            server.updated = job.due
        return server

    def _apply_build(self, db, job, when):
        server = self._server(db, job)
        if server is None or server.deleted:
            return
        ports = db.query(models.Port).filter_by(server_id=server.id)
        volumes = db.query(models.Volume).filter_by(
            server_id=server.id, deleted=False
        )
        if job.fail:
            server.operstate = 'ERROR'
            for port in ports.filter_by(status='BUILD'):
                port.status = 'ERROR'
            for volume in volumes.filter_by(status='creating'):
                volume.status = 'error'
            return
        server.operstate = 'STARTED'
        for port in ports.filter_by(status='BUILD'):
            port.status = 'ACTIVE'
            port.updated = when
        for volume in volumes.filter_by(status='creating'):
            volume.status = 'in_use'
            volume.updated = when

    def _apply_start(self, db, job, when):
        server = self._server(db, job)
        if server is not None and not job.fail:
            server.operstate = 'STARTED'

    _apply_reboot = _apply_start

    def _apply_stop(self, db, job, when):
        server = self._server(db, job)
        if server is not None and not job.fail:
            server.operstate = 'STOPPED'

    def _apply_resize(self, db, job, when):
        server = self._server(db, job)
        if server is not None and not job.fail:
            server.flavor_id = job.data['flavor_id']

    def _apply_delete(self, db, job, when):
        server = self._server(db, job)
        if server is None or job.fail:
            return
        # NB: everything read first, then one flush books it all
        with db.no_autoflush:
            ports = db.query(models.Port).filter_by(
                server_id=server.id).all()
            volumes = db.query(models.Volume).filter_by(
                server_id=server.id, deleted=False).all()
            server.deleted = True
            server.operstate = 'DESTROYED'
            for volume in volumes:
                volume.deleted = True
                volume.status = 'deleted'
                volume.updated = when
            for port in ports:
                remove_port(db, port)

    def _port_job(self, db, job):
        port = db.get(models.Port, job.target_id)
        if port is not None and port.server_id is not None:
            server = db.get(models.Server, port.server_id)
            if server is not None:
                server.task = None
        return port

    def _apply_connect(self, db, job, when):
        port = self._port_job(db, job)
        if port is not None and port.status == 'BUILD':
            port.status = 'ERROR' if job.fail else 'ACTIVE'
            port.updated = when

    def _apply_disconnect(self, db, job, when):
        port = self._port_job(db, job)
        if port is not None and not job.fail:
            remove_port(db, port)

    def _volume_job(self, db, job):
        volume = db.get(models.Volume, job.target_id)
        if volume is not None and volume.server_id is not None:
            server = db.get(models.Server, volume.server_id)
            if server is not None:
                server.task = None
        if volume is not None:
            volume.updated = job.due
        return volume

    def _apply_attach(self, db, job, when):
        volume = self._volume_job(db, job)
        if volume is None or volume.deleted:
            return
        volume.status = 'error' if job.fail else 'in_use'

    def _apply_detach(self, db, job, when):
        volume = self._volume_job(db, job)
        if volume is None or volume.deleted:
            return
        if job.fail:
            volume.status = 'in_use'
            return
        volume.status = 'available'
        volume.server_id = None
        volume.device_index = None

    def _apply_volume_delete(self, db, job, when):
        volume = self._volume_job(db, job)
        if volume is None:
            return
        if job.fail:
            volume.status = 'error'
            return
        volume.status = 'deleted'
        volume.deleted = True
        volume.server_id = None
        volume.device_index = None


def _flushed(db):
    """The session's connection for Core statements, its pending
    changes flushed first (earlier changes go first)."""
    if db.identity_map:
        db.flush()
    return db.connection()


def _core(db, job):
    """``(connection, params)`` for a job applied with Core statements:
    :func:`_flushed`, and the job's target and due time."""
    return _flushed(db), {'target': job.target_id, 'when': job.due}


def remove_port(db, port):
    """Delete ``port``: private IPs go back to the pool, floating IPs
    stay with their owner, detached."""
    for address in db.query(models.IPAddress).filter_by(port_id=port.id):
        if address.floating:
            address.port_id = None
        else:
            db.delete(address)
    db.delete(port)
