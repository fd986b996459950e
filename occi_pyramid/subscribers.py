"""Request and response events: the OCCI version check and the headers
every response carries."""
from pyramid.events import ContextFound, NewRequest, NewResponse

from .exceptions import BackendAuthError
from .negotiation import ALL_TYPES, SUPPORTED_VERSIONS


def check_version(event):
    """NewRequest: 501 for a User-Agent that announces OCCI versions, none
    of which we speak (``request.occi_version`` raises it)."""
    event.request.occi_version


def require_token(event):
    """ContextFound: every OCCI operation acts for a cloud user, so a
    request without a token gets 401 and the WWW-Authenticate header that
    tells Keystone-style clients where to get one.  (A route, such as
    the static files', is no OCCI operation: a login page needs its
    stylesheet before the login.)"""
    if event.request.method == 'OPTIONS':
        return  # a CORS preflight carries no credentials (options.py)
    if event.request.matched_route is None and not event.request.auth_token:
        raise BackendAuthError(
            'Authentication required: send the cloud token in X-Auth-Token '
            '(or as the password of HTTP Basic credentials).')


def add_server_headers(event):
    """NewResponse: ``Server: occi-pyramid/<v> OCCI/1.1 OCCI/1.2`` and the
    ``Accept`` list of media types the server renders (1.2 SHOULD)."""
    settings = event.request.registry.settings
    headers = event.response.headers
    headers['Server'] = '%s %s' % (
        settings['occi.server_name'],
        ' '.join('OCCI/' + v for v in SUPPORTED_VERSIONS),
    )
    headers.setdefault('Accept', ', '.join(ALL_TYPES))


def includeme(config):
    config.add_subscriber(check_version, NewRequest)
    config.add_subscriber(require_token, ContextFound)
    config.add_subscriber(add_server_headers, NewResponse)
