"""Account service (Astakos account API v1.0): ``/account``.

Only what kamaki and astakosclient may touch: quotas, resources, user
catalogs and the default project.
"""
from . import models, quotas
from .core import Reply, Service, bad_request
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
            for resource in quotas.RESOURCES
        }
    return Reply(result)


@service.route(r'/resources', 'GET')
def get_resources(ctx):
    result = {}
    for resource, (_nice, description, unit) in quotas.RESOURCES.items():
        visible = resource not in quotas.HIDDEN
        entry = {
            'description': description,
            'service_type': resource.split('.')[0] == 'pithos'
            and 'object-store' or 'compute',
            'service_origin': resource.split('.')[0],
            'allow_in_projects': True,
            'ui_visible': visible,
            'api_visible': visible,
        }
        if unit:
            entry['unit'] = unit
        result[resource] = entry
    return Reply(result)


@service.route(r'/user_catalogs', 'POST')
def user_catalogs(ctx):
    astakos_user(ctx)
    body = ctx.json()
    if not isinstance(body, dict):
        raise bad_request('Malformed request')
    users = ctx.db.query(models.User)
    uuids = body.get('uuids') or []
    names = body.get('displaynames') or []
    return Reply(
        {
            'uuid_catalog': {
                user.uuid: user.name for user in users if user.uuid in uuids
            },
            'displayname_catalog': {
                user.name: user.uuid for user in users if user.name in names
            },
        }
    )


@service.route(r'/myaccount/default_project', 'POST')
def set_default_project(ctx):
    user = astakos_user(ctx)
    body = ctx.json()
    project = body.get('project_id') if isinstance(body, dict) else None
    if not project or not quotas.is_member(ctx.db, user.uuid, project):
        raise bad_request('Invalid project')
    user.default_project = project
    return Reply({})
