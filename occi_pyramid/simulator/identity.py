"""Identity service (Astakos, Keystone v2.0 token shape): ``/identity``.

``POST /identity/v2.0/tokens`` answers in public mode (no body: the
service catalog only), token mode and Keystone password mode, with the
error names and messages of Astakos (Synnefo's Identity API).
"""
import json

from .core import (
    Reply,
    Service,
    bad_request,
    isoformat,
    not_found,
    unauthorized,
)

service = Service('identity', ('v2.0',), authenticated=False)

#: (catalog name, type, versionId, service key of the URL, ui path)
CATALOG = (
    ('astakos_account', 'account', 'v1.0', 'account', '/ui'),
    ('astakos_identity', 'identity', 'v2.0', 'identity', '/ui'),
    ('cyclades_compute', 'compute', 'v2.0', 'compute', '/ui'),
    ('cyclades_network', 'network', 'v2.0', 'network', '/ui'),
    ('cyclades_volume', 'volume', 'v2.0', 'volume', '/ui'),
    ('cyclades_plankton', 'image', 'v1.0', 'image', '/ui'),
)


def service_catalog(ctx):
    """The catalog as Astakos publishes it (versionless URLs where real
    Synnefo registers ``SNF:exposeVersion: False``)."""
    entries = []
    for name, kind, version, key, ui_path in CATALOG:
        endpoint = {
            'versionId': version,
            'publicURL': ctx.url(key),
            'SNF:uiURL': ctx.base + ui_path,
            'region': 'default',
        }
        entries.append(
            {
                'name': name,
                'type': kind,
                'endpoints': [endpoint],
                'endpoints_links': [],
            }
        )
    return entries


def _version(ctx):
    """Astakos' description of its one identity API version."""
    return {
        'id': 'v2.0',
        'status': 'CURRENT',
        'updated': '2014-04-17T00:00:00Z',
        'links': [{'rel': 'self', 'href': ctx.url('identity') + '/'}],
    }


def _versions(ctx):
    """``GET /identity/``: the version list, in Keystone's 300-style shape
    (``versions.values``) that Astakos answers with 200."""
    return Reply({'versions': {'values': [_version(ctx)]}})


service.version_document = _versions


@service.route(r'/', 'GET')
def version_document(ctx):
    """``GET /identity/v2.0``: this version's details (``version``), which
    Keystone-style clients (rOCCI) read before POSTing to ``tokens``."""
    version = _version(ctx)
    version['media-types'] = [{
        'base': 'application/json',
        'type': 'application/vnd.openstack.identity-v2.0+json'}]
    version['links'].append({'rel': 'describedby', 'type': 'text/html',
                             'href': 'https://docs.openstack.org/'})
    return Reply({'version': version})


def _read_body(ctx):
    content_type = ctx.request.headers.get('Content-Type', '')
    if 'xml' in content_type:
        raise bad_request("Unsupported Content-type: '%s'" % content_type)
    try:
        return json.loads(ctx.request.body.decode('utf-8'))
    except (ValueError, UnicodeDecodeError):
        raise bad_request('Could not decode request body as JSON')


@service.route(r'/tokens', 'POST')
def authenticate(ctx):
    """Public mode without a body; token or password mode otherwise."""
    if not ctx.request.body:
        return Reply({'access': {'serviceCatalog': service_catalog(ctx)}})
    body = _read_body(ctx)
    auth = body.get('auth') if isinstance(body, dict) else None
    if not isinstance(auth, dict):
        raise bad_request('Malformed request')
    token = auth.get('token')
    credentials = auth.get('passwordCredentials')
    username = None
    if isinstance(token, dict) and token.get('id'):
        token_id = token['id']
    elif isinstance(credentials, dict) and credentials.get('password'):
        token_id = credentials['password']
        username = credentials.get('username')
    else:
        raise bad_request('Malformed request: missing credentials')
    user = ctx.find_user(token_id)
    if user is None:
        raise unauthorized('Invalid token')
    if username is not None and username != user.uuid:
        raise unauthorized('Invalid credentials')
    if not user.active:
        raise unauthorized('User inactive')
    if user.token_expires < ctx.now:
        raise unauthorized('Authentication expired')
    tenant = auth.get('tenantName')
    if tenant and tenant != user.uuid:
        raise bad_request('Not conforming tenantName')
    access = {
        'token': {
            'id': user.token,
            'expires': isoformat(user.token_expires),
            'tenant': {'id': user.default_project, 'name': user.name},
        },
        'user': {
            'id': user.uuid,
            'name': user.name,
            'roles': user.roles,
            'roles_links': [],
            'projects': ctx.projects(user),
        },
        'serviceCatalog': service_catalog(ctx),
    }
    return Reply({'access': access})


@service.route(r'/tokens/(?P<token_id>[^/]+)', 'GET')
def validate_oauth2_token(ctx, token_id):
    """Only OAuth2 access tokens validate here; API tokens are 404."""
    raise not_found('No such token')


def astakos_user(ctx):
    """The caller at an Astakos API (``unauthorized`` envelopes)."""
    token = ctx.token()
    if not token:
        raise unauthorized('Access denied. No authentication token')
    user = ctx.find_user(token)
    if user is None:
        raise unauthorized('Invalid token')
    if not user.active:
        raise unauthorized('User inactive')
    return user

