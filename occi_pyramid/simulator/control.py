"""The test-only control API under ``/_sim/`` (``simulator.control_api``).

Not part of Synnefo: it moves the virtual clock, completes or fails
pending jobs, resets the deployment, sets quotas, creates admin-only
networks and exposes the log of requests the Synnefo services received.
"""
import json

from . import models, quotas
from .core import Reply, Service, bad_request, isoformat, not_found
from .engine import JOB_KINDS

service = Service('_sim', (), authenticated=False)


def _body(ctx):
    if not ctx.request.body:
        return {}
    try:
        body = json.loads(ctx.request.body.decode('utf-8'))
    except ValueError:
        raise bad_request('Could not decode request body as JSON')
    if not isinstance(body, dict):
        raise bad_request('Malformed request')
    return body


def _user(ctx, ref):
    """A user by uuid, token or name."""
    for field in ('uuid', 'token', 'name'):
        user = (
            ctx.db.query(models.User)
            .filter(getattr(models.User, field) == ref)
            .one_or_none()
        )
        if user is not None:
            return user
    raise not_found('No such user %r' % ref)


def _clock(ctx, applied):
    engine = ctx.sim.engine
    return Reply({'now': isoformat(engine.now()), 'offset': engine.offset,
                  'applied': applied})


@service.route(r'/clock', 'GET')
def clock(ctx):
    """``GET /_sim/clock``: the virtual time and its offset."""
    return _clock(ctx, 0)


@service.route(r'/advance', 'POST')
def advance(ctx):
    """``POST /_sim/advance {"seconds": n}``: move the clock, apply jobs."""
    seconds = _body(ctx).get('seconds', 0)
    if not isinstance(seconds, (int, float)) or seconds < 0:
        raise bad_request("'seconds' must be a non-negative number")
    engine = ctx.sim.engine
    engine.advance(ctx.db, seconds)
    return _clock(ctx, engine.run_due(ctx.db))


@service.route(r'/settle', 'POST')
def settle(ctx):
    """``POST /_sim/settle``: complete every pending job now."""
    return _clock(ctx, ctx.sim.engine.settle(ctx.db))


@service.route(r'/fail-next', 'POST')
def fail_next(ctx):
    """``POST /_sim/fail-next {"job": kind}``: the next such job fails."""
    kind = _body(ctx).get('job')
    if kind not in JOB_KINDS:
        raise bad_request('job must be one of %s' % ', '.join(JOB_KINDS))
    ctx.sim.engine.fail_next(ctx.db, kind)
    return Reply({'job': kind})


@service.route(r'/reset', 'POST')
def reset(ctx):
    """``POST /_sim/reset``: wipe everything and reload the seed."""
    ctx.sim.reset(ctx.db)
    return Reply({'reset': True})


@service.route(r'/quotas', 'PUT')
def set_quotas(ctx):
    """``PUT /_sim/quotas``.

    Body: ``{"user": <uuid|token|name>, "project": <uuid, default the
    user's system project>, "limits": {"cyclades.vm": 1, ...}}``.
    """
    body = _body(ctx)
    user = _user(ctx, body.get('user'))
    project = body.get('project') or user.uuid
    new_limits = body.get('limits')
    if not isinstance(new_limits, dict):
        raise bad_request("'limits' must be an object")
    quotas.set_limits(ctx.db, user.uuid, project, new_limits)
    ctx.db.flush()
    return Reply({'user': user.uuid, 'project': project,
                  'limits': quotas.limits(ctx.db, user.uuid, project)})


@service.route(r'/requests', 'GET')
def list_requests(ctx):
    """``GET /_sim/requests``: the recent requests, oldest first.

    Each has method, path, query, body, json (the body parsed), user
    (the caller's uuid), token (that user's token, read back from the
    users: the log itself keeps none), headers and status.
    """
    tokens = dict(ctx.db.query(models.User.uuid, models.User.token))
    result = []
    for entry in ctx.sim.requests.entries():
        entry = dict(entry)
        try:
            entry['json'] = json.loads(entry['body']) if entry['body'] else None
        except ValueError:
            entry['json'] = None
        entry['token'] = tokens.get(entry['user'])
        result.append(entry)
    return Reply({'requests': result})


@service.route(r'/requests', 'DELETE')
def clear_requests(ctx):
    ctx.sim.requests.clear()
    return Reply(status=204)


@service.route(r'/networks', 'POST')
def create_network(ctx):
    """``POST /_sim/networks``: an administrator's network.

    Body: ``{"user": <ref or null>, "name", "type", "public",
    "floating_ip_pool", "status", "cidr", "gateway"}``; the network
    gets an IPv4 subnet when ``cidr`` is given.
    """
    from .network import create_network_record, create_subnet_record

    body = _body(ctx)
    user = _user(ctx, body['user']) if body.get('user') else None
    network = create_network_record(
        ctx,
        user.uuid if user else None,
        body.get('project') or (user.uuid if user else None),
        body.get('name', ''),
        body.get('type', 'IP_LESS_ROUTED'),
        public=bool(body.get('public', False)),
        floating_ip_pool=bool(body.get('floating_ip_pool', False)),
    )
    if body.get('cidr'):
        subnet = {'cidr': body['cidr'], 'ip_version': 4}
        if 'gateway' in body:
            subnet['gateway_ip'] = body['gateway']
        create_subnet_record(ctx, network, subnet)
    network.status = body.get('status', 'ACTIVE')
    return Reply({'network': {'id': str(network.id)}}, 201)
