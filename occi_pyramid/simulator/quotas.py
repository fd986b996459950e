"""Per-user, per-project quotas (Astakos resources) and commissions.

Usage is computed from the live records rather than booked, so it can
never drift from what the services hold. A commission that would go
over a limit raises Synnefo's 413 ``overLimit``.
"""
from sqlalchemy import func

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

#: resources hidden from listings (``ui_visible``/``api_visible`` false)
HIDDEN = ('cyclades.total_cpu', 'cyclades.total_ram')


def _online(server):
    """Does ``server`` hold cpu/ram (i.e. is it, or about to be, up)?"""
    if server.task in ('START', 'REBOOT'):
        return True
    return server.operstate != 'STOPPED' and server.task != 'STOP'


def usage(db, user_uuid, project):
    """Current usage of every resource by ``user_uuid`` in ``project``."""
    result = dict.fromkeys(RESOURCES, 0)
    servers = db.query(models.Server).filter_by(
        user_id=user_uuid, project=project, deleted=False
    )
    for server in servers:
        flavor = server.flavor
        result['cyclades.vm'] += 1
        result['cyclades.total_cpu'] += flavor.vcpus
        result['cyclades.total_ram'] += flavor.ram * MIB
        if _online(server):
            result['cyclades.cpu'] += flavor.vcpus
            result['cyclades.ram'] += flavor.ram * MIB
    disk = (
        db.query(func.coalesce(func.sum(models.Volume.size), 0))
        .filter_by(user_id=user_uuid, project=project, deleted=False)
        .scalar()
    )
    result['cyclades.disk'] = int(disk) * GIB
    result['cyclades.floating_ip'] = (
        db.query(models.IPAddress)
        .filter_by(user_id=user_uuid, project=project, floating=True)
        .count()
    )
    result['cyclades.network.private'] = (
        db.query(models.Network)
        .filter_by(user_id=user_uuid, project=project, deleted=False,
                   public=False)
        .count()
    )
    return result


def limits(db, user_uuid, project):
    rows = db.query(models.QuotaLimit).filter_by(
        user_uuid=user_uuid, project_uuid=project
    )
    result = dict.fromkeys(RESOURCES, 0)
    result.update({row.resource: row.limit for row in rows})
    return result


def is_member(db, user_uuid, project):
    return (
        db.get(models.Membership, {'user_uuid': user_uuid,
                                   'project_uuid': project})
        is not None
    )


def commission(db, user_uuid, project, **amounts):
    """Check that ``amounts`` fit in the quota of ``user_uuid``/``project``.

    Keyword names use ``_`` for ``.`` after ``cyclades.`` (e.g.
    ``vm=1, network_private=1``). Negative amounts always fit.

    :raises Fault: 400 if the user is not in the project, 413 overLimit.
    """
    if not is_member(db, user_uuid, project):
        raise bad_request('User %s not in project %s' % (user_uuid, project))
    used = usage(db, user_uuid, project)
    limit = limits(db, user_uuid, project)
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
