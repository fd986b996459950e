"""Hostile requests stopped before they cost anything.

* :func:`request_guard_tween_factory` (just over Pyramid's router, under
  ``excview``, so its errors are OCCI errors): a path or query string
  that is not UTF-8 once percent-decoded, or a path with a ``.`` or
  ``..`` segment (percent-encoded or not), is a 400 before traversal
  reads the path.  Dot segments are refused rather than normalised, so
  ``DELETE /compute/%2e%2e/`` can never act as ``DELETE /``
  (docs/decisions.md, "Hostile input").
  The same tween then refuses a malformed Host header (400) and a
  User-Agent naming only OCCI versions we do not speak (501)
  (``checks.py``).
* :func:`has_body`: whether a request may carry a body (any method but
  GET, HEAD and OPTIONS, or any request with a body); the security
  policy verifies such a request's token before the body is read or
  parsed (``security.py``).
"""
from .checks import check_host, check_version
from .exceptions import OCCIBadRequest

#: methods that carry no body by definition
BODILESS_METHODS = ('GET', 'HEAD', 'OPTIONS')
#: path segments that would climb or stay (RFC 3986 §5.2.4)
DOT_SEGMENTS = ('.', '..')


def _utf8(raw):
    """A WSGI string (bytes as latin-1, PEP 3333) as UTF-8 text, or
    ``None`` when those bytes are not UTF-8."""
    try:
        return raw.encode('latin-1').decode('utf-8')
    except UnicodeError:
        return None


def _query_is_utf8(query):
    from urllib.parse import unquote_to_bytes

    try:
        unquote_to_bytes(query.replace('+', ' ')).decode('utf-8')
    except UnicodeError:
        return False
    return True


def check_request_line(environ):
    """Raise :class:`OCCIBadRequest` for a path or query that Pyramid
    cannot decode, or a path with dot segments."""
    path = _utf8(environ.get('PATH_INFO') or '')
    if path is None:
        raise OCCIBadRequest('The request path is not valid UTF-8 once '
                             'percent-decoded; percent-encode UTF-8 text.')
    if not _query_is_utf8(environ.get('QUERY_STRING') or ''):
        raise OCCIBadRequest('The query string is not valid UTF-8 once '
                             'percent-decoded; percent-encode UTF-8 text.')
    for segment in path.split('/'):
        if segment in DOT_SEGMENTS:
            raise OCCIBadRequest(
                'The request path has a "%s" segment (percent-encoded or '
                'not); send the path of the resource itself.' % segment)


def request_guard_tween_factory(handler, registry):
    """The tween: :func:`check_request_line`, then the Host header and
    the OCCI version (``checks.py``), before the router."""

    def request_guard_tween(request):
        check_request_line(request.environ)
        check_host(request)
        check_version(request)
        return handler(request)

    return request_guard_tween


def has_body(request):
    """True when the request may carry a body."""
    if request.method not in BODILESS_METHODS:
        return True
    return bool(request.content_length) or bool(
        request.headers.get('Transfer-Encoding'))


def includeme(config):
    from pyramid.tweens import EXCVIEW

    config.add_tween('occi_pyramid.guards.request_guard_tween_factory',
                     under=EXCVIEW)
