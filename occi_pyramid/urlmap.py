"""Several OCCI endpoints in one process: a paste composite by path prefix.

In an ini file::

    [composite:main]
    use = egg:occi_pyramid#urlmap
    /okeanos = okeanos
    /demo = demo

    [app:okeanos]
    use = egg:occi_pyramid
    occi.synnefo.auth_url = https://accounts.okeanos.grnet.gr/identity/v2.0

Each key is a path prefix, each value the name of an app section.  A
request goes to the longest matching prefix; the prefix moves from
``PATH_INFO`` to ``SCRIPT_NAME`` so the app builds every URL under its
mount point.  ``GET /`` (when no app is mounted at the root) lists the
mounted endpoints, as a collection lists its members (X-OCCI-Location
lines, text/uri-list, a JSON array); any other request under no prefix
gets an OCCI-style 404.  This is the small subset of Paste's ``urlmap`` we
need, without depending on Paste.
"""
import time

from webob import Request, Response

from .checks import valid_host
from .negotiation import (
    ENTITY_OFFERS, HTML, LISTING_OFFERS, PLAIN, negotiate,
)
from .settings import DEFAULTS

#: the Server header of the composite's own answers
SERVER = '%s OCCI/1.1 OCCI/1.2' % DEFAULTS['occi.server_name'][0]
#: what the composite's own answers are rendered in: no pages (they need
#: an app's templates), so a browser gets text/plain (it accepts */*)
OWN_OFFERS = tuple(t for t in ENTITY_OFFERS if t != HTML)
OWN_LISTING_OFFERS = tuple(t for t in LISTING_OFFERS if t != HTML)


def normalize_prefix(prefix):
    """``okeanos/`` -> ``/okeanos``; ``/`` -> ``''`` (the root)."""
    prefix = prefix.strip()
    if not prefix.startswith('/'):
        raise ValueError('urlmap keys are path prefixes starting with /: '
                         '%r' % prefix)
    return prefix.rstrip('/')


class URLMap(object):
    """A WSGI app dispatching on path prefix.

    :param mapping: ``{prefix: wsgi_app}``; a prefix of ``/`` (or ``''``)
        catches what no other prefix matches.
    """

    def __init__(self, mapping):
        apps = {}
        for prefix, app in mapping.items():
            apps[normalize_prefix(prefix)] = app
        # longest first, so /demo/v2 wins over /demo
        self.apps = sorted(apps.items(), key=lambda item: -len(item[0]))

    def match(self, path_info):
        """``(prefix, app)`` for ``path_info``, or ``(None, None)``."""
        for prefix, app in self.apps:
            if not prefix or path_info == prefix or path_info.startswith(
                    prefix + '/'):
                return prefix, app
        return None, None

    def __call__(self, environ, start_response):
        path_info = environ.get('PATH_INFO', '')
        prefix, app = self.match(path_info)
        host = environ.get('HTTP_HOST')
        if app is None and host is not None and not valid_host(host):
            # NB: the apps check it themselves (checks.check_host)
            return respond(environ, start_response, lambda r, response: (
                400, 'The Host header %r is not a host and port (RFC 7230, '
                'section 5.4).' % host[:100]))
        if app is None:
            if path_info in ('', '/'):
                return self.endpoints(environ, start_response)
            return not_found(environ, start_response)
        environ = dict(environ)
        environ['SCRIPT_NAME'] = environ.get('SCRIPT_NAME', '') + prefix
        environ['PATH_INFO'] = path_info[len(prefix):]
        return app(environ, start_response)

    def endpoints(self, environ, start_response):
        """``/``: the mounted endpoints' roots, rendered as a location
        listing in the negotiated type (GET and HEAD; else 405)."""
        from .exceptions import OCCIError
        from .renderers.pyramid import _apply, rendering

        def answer(request, response):
            if request.method not in ('GET', 'HEAD'):
                response.headers['Allow'] = 'GET, HEAD'
                return 405, 'Only GET lists the endpoints mounted here.'
            try:
                media_type = negotiate(request.accept, OWN_LISTING_OFFERS)
            except OCCIError as exc:
                return exc.code, exc.message
            _apply(response, rendering(request, media_type).render(
                [prefix + '/' for prefix, _ in sorted(self.apps)]))
            return 200, None

        return respond(environ, start_response, answer)


def respond(environ, start_response, answer):
    """Answer a request no app serves: ``answer(request, response)``
    fills the response and returns ``(status, error message or None)``;
    errors are rendered like the apps' own (text/plain, text/occi or JSON,
    as the Accept header asks), and the request gets its log line."""
    from .renderers.pyramid import render_error
    from .tweens import (
        RequestInfo, current, log_request, request_id_of, token_of,
    )

    started = time.perf_counter()
    request = Request(environ)
    response = Response()
    status, message = answer(request, response)
    response.status = status
    if message is not None:
        try:
            media_type = negotiate(request.accept, OWN_OFFERS)
        except Exception:
            media_type = PLAIN
        render_error(request, response, media_type, status, message)
    response.headers['Server'] = SERVER
    request_id = request_id_of(request)
    response.headers['X-Request-Id'] = request_id
    token = token_of(request)
    reset = current.set(RequestInfo(request_id, token))
    try:
        log_request(request, status, started, token)
    finally:
        current.reset(reset)
    return response(environ, start_response)


def not_found(environ, start_response):
    """A 404 for a path under no prefix."""
    return respond(environ, start_response, lambda request, response: (
        404, 'Nothing is found at %s.' % request.path))


def urlmap_factory(loader, global_conf, **local_conf):
    """The ``paste.composite_factory``: keys starting with ``/`` map a
    prefix to the app section named by the value."""
    mapping = {}
    for key, value in local_conf.items():
        if key.startswith('/'):
            mapping[key] = loader.get_app(value, global_conf=global_conf)
    if not mapping:
        raise ValueError('urlmap: no "/prefix = app" entries')
    return URLMap(mapping)
