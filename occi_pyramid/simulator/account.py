"""Account service (Astakos account API v1.0): ``/account``.

Only what kamaki and astakosclient may touch: quotas, resources, user
catalogs and the default project.
"""
from . import models, quotas
from .core import (
    Reply,
    Service,
    bad_request,
    isoformat,
    not_found,
    not_implemented,
)
from .identity import astakos_user

service = Service('account', ('v1.0',), authenticated=False)


@service.route(r'/quotas', 'GET')
def get_quotas(ctx):
    """``{project: {resource: {usage, limit, pending, project_*}}}``."""
    user = astakos_user(ctx)
    result = {}
    for project in ctx.projects(user):
        used = quotas.usage(ctx.db, user.uuid, project)
        limit = quotas.limits(ctx.db, user.uuid, project)
        result[project] = {
            resource: {
                'usage': used[resource],
                'limit': limit[resource],
                'pending': 0,
                'project_usage': used[resource],
                'project_limit': limit[resource],
                'project_pending': 0,
            }
            for resource in quotas.VISIBLE
        }
    return Reply(result)


@service.route(r'/resources', 'GET')
def get_resources(ctx):
    result = {}
    for resource in quotas.VISIBLE:
        _nice, description, unit = quotas.RESOURCES[resource]
        entry = {
            'description': description,
            'service_type': resource.split('.')[0] == 'pithos'
            and 'object-store' or 'compute',
            'service_origin': resource.split('.')[0],
            'allow_in_projects': True,
            'ui_visible': True,
            'api_visible': True,
        }
        if unit:
            entry['unit'] = unit
        result[resource] = entry
    return Reply(result)


@service.route(r'/user_catalogs', 'POST')
def user_catalogs(ctx):
    """uuid -> username and username -> uuid, the username being the
    lower-cased e-mail as in Astakos (not the display name)."""
    astakos_user(ctx)
    body = ctx.json()
    if not isinstance(body, dict):
        raise bad_request('Malformed request')
    uuids = body.get('uuids') or []
    names = body.get('displaynames') or []
    if not isinstance(uuids, list) or not isinstance(names, list):
        raise bad_request('Malformed request')
    uuid_catalog = {}
    if uuids:
        query = ctx.db.query(models.User.uuid, models.User.email).filter(
            models.User.uuid.in_([str(u) for u in uuids]))
        uuid_catalog = dict(query)
    name_catalog = {}
    if names:
        wanted = {str(name).lower(): name for name in names}
        query = ctx.db.query(models.User.email, models.User.uuid).filter(
            models.User.email.in_(list(wanted)))
        name_catalog = {wanted[email]: uuid for email, uuid in query}
    return Reply({'uuid_catalog': uuid_catalog,
                  'displayname_catalog': name_catalog})


@service.route(r'/myaccount/default_project', 'POST')
def set_default_project(ctx):
    user = astakos_user(ctx)
    body = ctx.json()
    project = body.get('project_id') if isinstance(body, dict) else None
    if not project or not quotas.is_member(ctx.db, user.uuid, project):
        raise bad_request('Invalid project')
    user.default_project = project
    return Reply({})


# -- projects (read only) -------------------------------------------------------


def _project_details(ctx, project):
    """A project as Astakos' projects API describes it."""
    system = project.owner is None
    rows = ctx.db.query(models.QuotaLimit).filter_by(
        project_uuid=project.uuid)
    capacity = {}
    for row in rows.order_by(models.QuotaLimit.user_uuid):
        if row.resource in quotas.VISIBLE:
            capacity.setdefault(row.resource, row.limit)
    members = ctx.db.query(models.Membership).filter_by(
        project_uuid=project.uuid).count()
    return {
        'id': project.uuid,
        'state': 'active',
        'creation_date': isoformat(project.created),
        'name': project.name,
        'owner': project.owner,
        'homepage': '',
        'description': '',
        'end_date': None,
        'join_policy': 'closed' if system else 'moderated',
        'leave_policy': 'closed' if system else 'auto',
        'max_members': 1 if system else None,
        'private': system,
        'system_project': system,
        'resources': {
            resource: {'member_capacity': limit,
                       'project_capacity': limit * max(1, members)}
            for resource, limit in sorted(capacity.items())
        },
    }


def _visible_projects(ctx, user):
    """The caller's projects and every project that is not private (other
    users' system projects are private)."""
    mine = set(ctx.projects(user))
    query = ctx.db.query(models.Project).order_by(models.Project.uuid)
    return [p for p in query if p.uuid in mine or p.owner is not None]


@service.route(r'/projects', 'GET')
def list_projects(ctx):
    """``GET /account/v1.0/projects[?name=&state=&owner=&mode=member]``."""
    user = astakos_user(ctx)
    params = ctx.request.GET
    projects = _visible_projects(ctx, user)
    if params.get('mode') == 'member':
        mine = set(ctx.projects(user))
        projects = [p for p in projects if p.uuid in mine]
    if params.get('name'):
        projects = [p for p in projects if p.name == params['name']]
    if params.get('owner'):
        projects = [p for p in projects if p.owner == params['owner']]
    if params.get('state') and params['state'] != 'active':
        projects = []
    return Reply([_project_details(ctx, p) for p in projects])


@service.route(r'/projects', 'POST')
def apply_for_project(ctx):
    """Project applications (create, modify, actions, memberships) are
    left out: see docs/simulator.md."""
    astakos_user(ctx)
    raise not_implemented('Project applications are not simulated')


@service.route(r'/projects/memberships', 'GET')
def list_memberships(ctx):
    """``GET /account/v1.0/projects/memberships[?project=]``: the
    caller's memberships (accepted ones: the simulator has no others), as
    Astakos lists them to a member (``kamaki membership list``)."""
    user = astakos_user(ctx)
    wanted = ctx.request.GET.get('project')
    rows = ctx.db.query(models.Membership).filter_by(
        user_uuid=user.uuid).order_by(models.Membership.project_uuid)
    return Reply([
        {'id': index, 'user': row.user_uuid, 'project': row.project_uuid,
         'state': 'accepted', 'allowed_actions': ['leave']}
        for index, row in enumerate(rows, 1)
        if not wanted or row.project_uuid == wanted])


@service.route(r'/projects/(?P<project_id>[^/]+)', 'GET')
def get_project(ctx, project_id):
    user = astakos_user(ctx)
    for project in _visible_projects(ctx, user):
        if project.uuid == project_id:
            return Reply(_project_details(ctx, project))
    raise not_found('Project %s not found.' % project_id)
