"""The checks around traversal, and the headers every response carries.

They run where Pyramid's events would run them (NewRequest, ContextFound,
NewResponse), without events: an application with any subscriber pays
for every event of every request (five, each a registry lookup) and one
with none has Pyramid skip them all (3-5% of the OCCI process's own
instructions on an entity GET, bench/bench_cpu.py --callgrind).

* :class:`CheckingTraverser`, the traverser of every root, checks the
  Host header and the OCCI version before traversal (where NewRequest
  ran) and runs :data:`CONTEXT_CHECKS` once the context is found, before
  the view is looked up (where ContextFound ran), in this order: the
  token verified before a body is read, a collection DELETE's exact
  path, the 406 for an unsupported ``Accept``, the 401 for a missing
  token;
* :func:`add_server_headers` runs in the request-log tween, the outermost
  (where NewResponse ran: after every tween).

Add no subscriber: it would turn Pyramid's events back on for every
request (``tests/functional/test_checks.py`` checks there is none).
"""
import ipaddress
import re
from urllib.parse import urlsplit

from pyramid.traversal import ResourceTreeTraverser

from .exceptions import BackendAuthError, OCCIBadRequest
from .guards import authenticate_first, exact_collection_path
from .negotiation import ALL_TYPES, SUPPORTED_VERSIONS, negotiate_early


#: RFC 3986 host [":" port]: an IP literal in brackets, or a reg-name
#: (which covers IPv4); checked further with :mod:`ipaddress`
_HOST = re.compile(
    r"(?:\[(?P<literal>[^\[\]]*)\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)"
    r"(?::[0-9]*)?\Z")


def valid_host(host):
    """Whether ``host`` (a Host header) is ``host [":" port]`` as RFC 7230
    §5.4 asks: a malformed one (``[::1``, ``[x]``, two Host headers
    joined, a port past 65535) would fail every URL made from it."""
    found = _HOST.match(host)
    if found is None:
        return False
    literal = found.group('literal')
    if literal is not None:
        try:
            ipaddress.IPv6Address(literal.replace('%25', '%'))
        except ValueError:
            return False
    try:
        urlsplit('//' + host).port  # NB: raises past 65535
    except ValueError:
        return False
    return True


def check_host(request):
    """Before anything: a malformed Host header is a 400 (every location
    this server writes is made from it)."""
    host = request.environ.get('HTTP_HOST')
    if host is not None and not valid_host(host):
        raise OCCIBadRequest(
            'The Host header %r is not a host and port (RFC 7230, section '
            '5.4).' % host[:100])


def check_version(request):
    """Before traversal: 501 for a User-Agent that announces OCCI
    versions, none of which we speak (``request.occi_version`` raises
    it)."""
    request.occi_version


def require_token(request):
    """After traversal: every OCCI operation acts for a cloud user, so a
    request without a token gets 401 and the WWW-Authenticate header that
    tells Keystone-style clients where to get one.  (A route, such as
    the static files', is no OCCI operation: a login page needs its
    stylesheet before the login.)"""
    if request.method == 'OPTIONS':
        return  # a CORS preflight carries no credentials (options.py)
    if request.matched_route is None and not request.auth_token:
        raise BackendAuthError(
            'Authentication required: send the cloud token in X-Auth-Token '
            '(or as the password of HTTP Basic credentials).')


#: what runs once the context is found, in order
CONTEXT_CHECKS = (authenticate_first, exact_collection_path, negotiate_early,
                  require_token)


class CheckingTraverser(ResourceTreeTraverser):
    """Pyramid's resource-tree traversal, with the checks before and after
    it (the module's notes)."""

    def __call__(self, request):
        check_host(request)
        check_version(request)
        found = super().__call__(request)
        # NB: what the router sets on the request after traversal, set now
        # for the checks (the router sets the same values again)
        request.__dict__.update(found)
        for check in CONTEXT_CHECKS:
            check(request)
        return found


_VERSIONS = ' '.join('OCCI/' + v for v in SUPPORTED_VERSIONS)
_ACCEPT = ', '.join(ALL_TYPES)


#: what a page of an allowed origin may send, and read (CORS)
CORS_REQUEST_HEADERS = ('Accept, Authorization, Category, Content-Type, '
                        'Link, X-Auth-Token, X-OCCI-Attribute, '
                        'X-OCCI-Location')
CORS_EXPOSED_HEADERS = ('Category, Link, Location, X-OCCI-Attribute, '
                        'X-OCCI-Error, X-OCCI-Location, X-Request-Id, '
                        'WWW-Authenticate')


def add_server_headers(request, response):
    """After every tween: ``Server: occi-pyramid/<v> OCCI/1.1 OCCI/1.2``
    and the ``Accept`` list of media types the server renders (1.2
    SHOULD); the CORS headers for an origin ``occi.cors.origins``
    allows."""
    headers = response.headers
    settings = request.registry.settings
    headers['Server'] = '%s %s' % (settings['occi.server_name'], _VERSIONS)
    headers.setdefault('Accept', _ACCEPT)
    origins = settings.get('occi.cors.origins')
    if origins:
        add_cors_headers(request, response, origins)


def add_cors_headers(request, response, origins):
    """CORS (the Fetch standard) for a request from an allowed origin:
    its answer may be read, and a preflight (``OPTIONS`` with
    ``Access-Control-Request-Method``) says which methods and headers
    may follow.  Any other origin gets no CORS header: the browser then
    keeps the answer from the page."""
    headers = response.headers
    headers.add('Vary', 'Origin')
    origin = request.headers.get('Origin')
    if not origin or origin not in origins:
        return
    headers['Access-Control-Allow-Origin'] = origin
    headers['Access-Control-Expose-Headers'] = CORS_EXPOSED_HEADERS
    if request.method == 'OPTIONS' and request.headers.get(
            'Access-Control-Request-Method'):
        headers['Access-Control-Allow-Methods'] = headers.get(
            'Allow') or 'GET, HEAD, POST, PUT, DELETE, OPTIONS'
        headers['Access-Control-Allow-Headers'] = CORS_REQUEST_HEADERS
        headers['Access-Control-Max-Age'] = '600'


def includeme(config):
    config.add_traverser(CheckingTraverser)
