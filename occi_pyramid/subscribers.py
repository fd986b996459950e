"""Request and response events: the OCCI version check and the headers
every response carries."""
import re

from pyramid.events import ContextFound, NewRequest, NewResponse

from .exceptions import BackendAuthError, OCCINotImplemented
from .negotiation import ALL_TYPES

#: the OCCI versions this server speaks
SUPPORTED_VERSIONS = ('1.1', '1.2')

_VERSION_RE = re.compile(r'\bOCCI/(\d+(?:\.\d+)*)', re.IGNORECASE)


def requested_versions(user_agent):
    """The OCCI versions named in a User-Agent (``OCCI/x.y`` tokens)."""
    return _VERSION_RE.findall(user_agent or '')


def check_version(event):
    """NewRequest: 501 for a User-Agent asking for an OCCI version we do
    not serve (as ooi does, for any version other than 1.1 and 1.2)."""
    request = event.request
    for version in requested_versions(request.user_agent):
        if version not in SUPPORTED_VERSIONS:
            raise OCCINotImplemented(
                'OCCI/%s named in the User-Agent is not supported; this '
                'server speaks %s.' % (version, ', '.join(
                    'OCCI/' + v for v in SUPPORTED_VERSIONS)))


def require_token(event):
    """ContextFound: every OCCI operation acts for a cloud user, so a
    request without a token gets 401 and the WWW-Authenticate header that
    tells Keystone-style clients where to get one.  (A route, such as
    the static files', is no OCCI operation: a login page needs its
    stylesheet before the login.)"""
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
