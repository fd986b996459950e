"""Per-user, per-project quotas (Astakos resources) and commissions.

Usage is booked in holdings as records change (a ``before_flush`` hook
compares what each record holds before and after), so a commission
costs a few rows whatever the number of VMs; :func:`recount` sums the
live records, and the test suite checks that both agree. A commission that would go
over a limit raises Synnefo's 413 ``overLimit``.
"""
import collections
import types

from sqlalchemy import (
    bindparam,
    insert,
    inspect,
    literal,
    select,
    union_all,
    update,
)

from . import models
from .core import bad_request, over_limit

GIB = 1024 ** 3
MIB = 1024 ** 2

#: resource -> (nice name used in overLimit details, description, unit)
RESOURCES = {
    'cyclades.vm': ('Virtual Machine', 'Number of virtual machines', None),
    'cyclades.total_cpu': ('CPU', 'Number of virtual machine processors',
                           None),
    'cyclades.cpu': ('CPU', 'Number of virtual machine processors of '
                     'running servers', None),
    'cyclades.total_ram': ('RAM', 'Virtual machine memory size', 'bytes'),
    'cyclades.ram': ('RAM', 'Virtual machine memory size of running '
                     'servers', 'bytes'),
    'cyclades.disk': ('Disk', 'Virtual machine disk size', 'bytes'),
    'cyclades.floating_ip': ('Floating IP address', 'Number of Floating IP '
                             'addresses', None),
    'cyclades.network.private': ('Private Network', 'Number of private '
                                 'networks', None),
    'pithos.diskspace': ('Storage space', 'Pithos account storage space',
                         'bytes'),
    'astakos.pending_app': ('Pending Applications', 'Number of pending '
                            'project applications', None),
}

#: resources Astakos registers with ``api_visible`` false: enforced, but
#: left out of ``/account/v1.0/quotas`` and ``/account/v1.0/resources``
HIDDEN = ('cyclades.total_cpu', 'cyclades.total_ram', 'astakos.pending_app')

#: what users see of the resources, in registration order
VISIBLE = tuple(r for r in RESOURCES if r not in HIDDEN)


def online(server):
    """Does ``server`` hold cpu/ram (i.e. is it, or about to be, up)?"""
    if server.task in ('START', 'REBOOT'):
        return True
    return server.operstate != 'STOPPED' and server.task != 'STOP'


# -- holdings: usage booked on every change --------------------------------

_FLAVORS = models.Flavor.__table__
_VOLUME_TYPES = models.VolumeType.__table__
#: a flavor with its volume type's disk template
FLAVOR_BY_ID = select(
    *_FLAVORS.c, _VOLUME_TYPES.c.disk_template).outerjoin(
    _VOLUME_TYPES, _VOLUME_TYPES.c.id == _FLAVORS.c.volume_type_id).where(
    _FLAVORS.c.id == bindparam('id'))
_HOLDINGS = models.Holding.__table__.c
_LIMITS = models.QuotaLimit.__table__.c
_MEMBERS = models.Membership.__table__.c
#: statements of every commission, built once
HOLDINGS_OF = select(_HOLDINGS.resource, _HOLDINGS.usage).where(
    _HOLDINGS.user_uuid == bindparam('user'),
    _HOLDINGS.project_uuid == bindparam('project'))
LIMITS_OF = select(_LIMITS.resource, _LIMITS.limit).where(
    _LIMITS.user_uuid == bindparam('user'),
    _LIMITS.project_uuid == bindparam('project'))
MEMBER = select(_MEMBERS.user_uuid).where(
    _MEMBERS.user_uuid == bindparam('user'),
    _MEMBERS.project_uuid == bindparam('project'))
#: what a commission reads, in one statement: ``(kind, resource,
#: amount)`` rows of the membership (``member``), the holdings
#: (``usage``) and the limits (``limit``) of a user in a project
COMMISSION_OF = union_all(
    select(literal('member'), _MEMBERS.project_uuid, literal(0)).where(
        _MEMBERS.user_uuid == bindparam('user'),
        _MEMBERS.project_uuid == bindparam('project')),
    select(literal('usage'), _HOLDINGS.resource, _HOLDINGS.usage).where(
        _HOLDINGS.user_uuid == bindparam('user'),
        _HOLDINGS.project_uuid == bindparam('project')),
    select(literal('limit'), _LIMITS.resource, _LIMITS.limit).where(
        _LIMITS.user_uuid == bindparam('user'),
        _LIMITS.project_uuid == bindparam('project')))
MOVE_HOLDING = update(models.Holding.__table__).where(
    _HOLDINGS.user_uuid == bindparam('user'),
    _HOLDINGS.project_uuid == bindparam('project'),
    _HOLDINGS.resource == bindparam('name'),
).values(usage=_HOLDINGS.usage + bindparam('amount'))
NEW_HOLDING = insert(models.Holding.__table__).values(
    user_uuid=bindparam('user'), project_uuid=bindparam('project'),
    resource=bindparam('name'), usage=bindparam('amount'))


class _State:
    """Attribute reader of a record as it is now or as it was loaded."""

    def __init__(self, record, old):
        self.record = record
        self.old = old
        self.state = inspect(record)

    def __getattr__(self, name):
        if self.old:
            history = self.state.attrs[name].history
            if history.deleted:
                return history.deleted[0]
        return getattr(self.record, name)


def _holds(db, record, old, model=None):
    """``((user, project), {resource: amount})`` that ``record`` holds in
    its current (or loaded, ``old``) state, or None. ``record`` may be a
    plain object with the columns of ``model`` as attributes."""
    row = _State(record, True) if old else record
    model = model or type(record)
    if model is models.Server:
        if row.deleted:
            return None
        flavor = flavor_row(db, row.flavor_id)
        amounts = {'cyclades.vm': 1,
                   'cyclades.total_cpu': flavor.vcpus,
                   'cyclades.total_ram': flavor.ram * MIB}
        if online(row):
            amounts['cyclades.cpu'] = flavor.vcpus
            amounts['cyclades.ram'] = flavor.ram * MIB
    elif model is models.Volume:
        if row.deleted:
            return None
        amounts = {'cyclades.disk': (row.size or 0) * GIB}
    elif model is models.IPAddress:
        if not row.floating:
            return None
        amounts = {'cyclades.floating_ip': 1}
    elif model is models.Network:
        if row.deleted or row.public or row.user_id is None:
            return None
        amounts = {'cyclades.network.private': 1}
    else:
        return None
    return (row.user_id, row.project), amounts


def flavor_row(db, flavor_id):
    """The flavor ``flavor_id`` as a plain row (read only) with its
    volume type's ``disk_template``, or None.

    Flavors are seeded and never change, so each is read once: the
    simulator's sessions share one cache through their ``info``
    (emptied by a reset).
    """
    cache = db.info.get('flavors')
    row = cache.get(flavor_id) if cache is not None else None
    if row is None:
        row = db.connection().execute(FLAVOR_BY_ID,
                                      {'id': flavor_id}).first()
        if row is not None and cache is not None:
            cache[flavor_id] = row
    return row


def count_server_change(deltas, db, before, after):
    """Add to the Counter ``deltas`` what a server gives back and takes
    when it changes from ``before`` to ``after`` (plain objects with the
    columns of a server): nothing when what it holds depends on nothing
    that changed."""
    if _server_terms(before) != _server_terms(after):
        count_holds(deltas, db, before, -1, model=models.Server)
        count_holds(deltas, db, after, 1, model=models.Server)


def _server_terms(row):
    """What the holdings of a server depend on."""
    return (row.deleted, row.flavor_id, online(row), row.user_id,
            row.project)


def book(db, _flush_context=None, _instances=None):
    """``before_flush`` hook: move the holdings by what the records about
    to be written take or give back, so a commission reads a few rows
    instead of summing every live record (Astakos keeps holdings too)."""
    deltas = collections.Counter()
    with db.no_autoflush:
        for record in db.new:
            count_holds(deltas, db, record, 1)
        for record in db.dirty:
            if not isinstance(record, TRACKED) or not db.is_modified(record):
                continue
            if isinstance(record, models.Server) and _server_terms(
                    _State(record, True)) == _server_terms(record):
                continue  # e.g. a task that keeps it online: no change
            count_holds(deltas, db, record, -1, old=True)
            count_holds(deltas, db, record, 1)
        for record in db.deleted:
            count_holds(deltas, db, record, -1, old=True)
    move(db, deltas)


def count_holds(deltas, db, record, sign, old=False, model=None):
    """Add ``sign`` times what ``record`` holds (:func:`_holds`) to the
    Counter ``deltas`` of ``(user, project, resource)``."""
    held = _holds(db, record, old, model)
    if held is not None:
        (user, project), amounts = held
        for resource, amount in amounts.items():
            deltas[user, project, resource] += sign * amount


def _held(db):
    """``{(user, project): {resource}}``: the holdings rows this session
    knows exist (read by a commission or a move, or inserted by one);
    rows are only ever added, so the set stays true until the session
    ends."""
    return db.info.setdefault('held', {})


def move(db, deltas):
    """Add ``{(user, project, resource): amount}`` to the holdings."""
    deltas = {key: amount for key, amount in deltas.items() if amount}
    if not deltas:
        return
    connection = db.connection()
    moves, news = [], []
    known = _held(db)
    for user, project in {(u, p) for u, p, _ in deltas}:
        held = known.get((user, project))
        if held is None:
            # NB: one query per user and project, not one per resource
            held = known[user, project] = {
                row.resource for row in connection.execute(
                    HOLDINGS_OF, {'user': user, 'project': project})}
        for (u, p, resource), amount in deltas.items():
            if (u, p) == (user, project):
                params = {'user': user, 'project': project,
                          'name': resource, 'amount': amount}
                (moves if resource in held else news).append(params)
                held.add(resource)
    # NB: one executemany per statement, not one call per resource
    if moves:
        connection.execute(MOVE_HOLDING, moves)
    if news:
        connection.execute(NEW_HOLDING, news)


def insert(db, model, booked=None, **values):
    """INSERT one ``model`` row with Core (no unit of work: the hot path
    of server creation) and book what it holds, as :func:`book` would:
    at once, or into the Counter ``booked`` for one :func:`move` of
    several inserts.

    :returns: the row as a plain object: every column, ``id`` included.
    """
    db.flush()  # the session's pending changes go first
    table = model.__table__
    for column in table.columns:
        if column.name not in values and column.name != 'id':
            default = column.default
            if default is None:
                values[column.name] = None
            elif default.is_callable:
                values[column.name] = default.arg(None)  # list, dict
            else:
                values[column.name] = default.arg
    result = db.connection().execute(table.insert(), values)
    row = types.SimpleNamespace(id=result.inserted_primary_key[0], **values)
    deltas = booked if booked is not None else collections.Counter()
    count_holds(deltas, db, row, 1, model=model)
    if booked is None:
        move(db, deltas)
    return row


TRACKED = (models.Server, models.Volume, models.IPAddress, models.Network)


def recount(db, user_uuid, project):
    """Usage of ``user_uuid`` in ``project`` summed from the live records
    (what the holdings must always equal)."""
    result = dict.fromkeys(RESOURCES, 0)
    records = []
    for model in TRACKED:
        records += db.query(model).filter_by(user_id=user_uuid,
                                             project=project)
    for record in records:
        held = _holds(db, record, False)
        if held is not None:
            for resource, amount in held[1].items():
                result[resource] += amount
    return result


def rebuild(db):
    """Recount every holding from the records (a database written before
    holdings were kept)."""
    db.query(models.Holding).delete()
    pairs = set()
    for model in TRACKED:
        pairs.update(db.query(model.user_id, model.project).distinct())
    for user, project in pairs:
        if user is None:
            continue
        for resource, amount in recount(db, user, project).items():
            if amount:
                db.add(models.Holding(user_uuid=user, project_uuid=project,
                                      resource=resource, usage=amount))


def _read(db, statement, user_uuid, project):
    """Run a prebuilt ``statement`` for ``user_uuid`` in ``project``
    after the session's pending changes (as an ORM query would)."""
    db.flush()
    return db.connection().execute(
        statement, {'user': user_uuid, 'project': project})


def usage(db, user_uuid, project):
    """Current usage of every resource by ``user_uuid`` in ``project``."""
    result = dict.fromkeys(RESOURCES, 0)
    result.update(_read(db, HOLDINGS_OF, user_uuid, project).all())
    return result


def limits(db, user_uuid, project):
    result = dict.fromkeys(RESOURCES, 0)
    result.update(_read(db, LIMITS_OF, user_uuid, project).all())
    return result


def is_member(db, user_uuid, project):
    return _read(db, MEMBER, user_uuid, project).first() is not None


def commission(db, user_uuid, project, **amounts):
    """Check that ``amounts`` fit in the quota of ``user_uuid``/``project``.

    Keyword names use ``_`` for ``.`` after ``cyclades.`` (e.g.
    ``vm=1, network_private=1``). Negative amounts always fit.

    :raises Fault: 400 if the user is not in the project, 413 overLimit.
    """
    member = False
    used = dict.fromkeys(RESOURCES, 0)
    limit = dict.fromkeys(RESOURCES, 0)
    held = set()
    for kind, resource, amount in _read(db, COMMISSION_OF, user_uuid,
                                        project):
        if kind == 'member':
            member = True
        elif kind == 'usage':
            used[resource] = amount
            held.add(resource)
        else:
            limit[resource] = amount
    if not member:
        raise bad_request('User %s not in project %s' % (user_uuid, project))
    _held(db)[user_uuid, project] = held  # what move() would read
    for key, amount in amounts.items():
        resource = 'cyclades.' + key.replace('_private', '.private')
        if amount <= 0:
            continue
        available = max(0, limit[resource] - used[resource])
        if amount > available:
            raise over_limit(
                'Resource Limit Exceeded for your account.',
                "Limit for resource '%s' exceeded for your account. "
                'Available: %d, Requested: %d'
                % (RESOURCES[resource][0], available, amount),
            )


def set_limits(db, user_uuid, project, new_limits):
    """Replace the given limits of ``user_uuid`` in ``project``."""
    for resource, value in new_limits.items():
        if resource not in RESOURCES:
            raise bad_request('Unknown resource %r' % resource)
        db.merge(
            models.QuotaLimit(
                user_uuid=user_uuid,
                project_uuid=project,
                resource=resource,
                limit=int(value),
            )
        )
