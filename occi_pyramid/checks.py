"""The checks around the view, and the headers every response carries.

* :func:`check_host` and :func:`check_version` run before traversal, in
  the request guard's tween (``guards.py``);
* :func:`occi_view_checks`, a view deriver, wraps every view of the
  traversal tree: once the view is found and its permission granted
  (``security.py``), before it runs, a collection DELETE must name the
  collection exactly (:func:`exact_collection_path`, 400) and the
  ``Accept`` must allow a rendering (``request.occi_format``, 406):
  both before any side effect;
* :func:`add_server_headers` runs in the request-log tween, the outermost
  (after every tween).

They run in those ordinary places, not in event subscribers: an
application with any subscriber pays for every event of every request
(five, each a registry lookup), one with none has Pyramid skip them all
(``occi_pyramid/fastpaths.py`` has the numbers; add no subscriber,
``tests/functional/test_checks.py`` checks there is none).
"""
import ipaddress
import re
from urllib.parse import urlsplit

from .exceptions import OCCIBadRequest
from .interfaces import ICollection
from .negotiation import ALL_TYPES, SUPPORTED_VERSIONS


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


def exact_collection_path(request):
    """A DELETE of a collection (every member) answers only to the
    collection's own path, never to a spelling of it (``/compute``,
    ``//``)."""
    context = request.context
    if request.method != 'DELETE' or not ICollection.providedBy(context):
        return
    if request.path_info != context.path:
        raise OCCIBadRequest(
            'A DELETE of every member of %s must be sent to exactly that '
            'path, not %s.' % (context.path, request.path_info))


def occi_view_checks(view, info):
    """The view deriver: :func:`exact_collection_path` and the 406 before
    a view of the traversal tree runs (the OCCI views and ``OPTIONS``;
    not a route's view, such as the static files', nor an exception
    view)."""
    if info.exception_only or info.options.get('route_name') is not None:
        return view

    def checked_view(context, request):
        exact_collection_path(request)
        request.occi_format  # NB: negotiates: a 406 before any side effect
        return view(context, request)

    return checked_view


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
    # NB: under the security check: an unauthenticated caller gets its 401
    # first, as it would for a path with no view (security.py)
    config.add_view_deriver(occi_view_checks, under='secured_view',
                            over='owrapped_view')
