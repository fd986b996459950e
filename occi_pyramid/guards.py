"""Hostile requests stopped before they cost anything.

* :func:`request_guard_tween_factory` (just over Pyramid's router, under
  ``excview``, so its errors are OCCI errors): a path or query string
  that is not UTF-8 once percent-decoded, or a path with a ``.`` or
  ``..`` segment (percent-encoded or not), is a 400 before traversal
  reads the path.  Dot segments are refused rather than normalised, so
  ``DELETE /compute/%2e%2e/`` can never act as ``DELETE /``
  (docs/decisions.md, "Hostile input").
* :func:`authenticate_first` (after traversal): a request that may carry a
  body (any method but GET, HEAD and OPTIONS, or any request with a
  body) has its token verified with the cloud's identity before the body
  is read or parsed.  The backend keeps identity answers per token hash
  for ``occi.synnefo.cache_ttl``, so a known token costs no call; a
  made-up one costs one identity call instead of a parse.
* :func:`exact_collection_path` (after traversal): a DELETE of a collection
  (every member) answers only to the collection's own path, never to a
  spelling of it (``/compute``, ``//``).
"""
from .exceptions import OCCIBadRequest
from .interfaces import ICollection

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
    """The tween: :func:`check_request_line` before the router."""

    def request_guard_tween(request):
        check_request_line(request.environ)
        return handler(request)

    return request_guard_tween


def has_body(request):
    """True when the request may carry a body."""
    if request.method not in BODILESS_METHODS:
        return True
    return bool(request.content_length) or bool(
        request.headers.get('Transfer-Encoding'))


def authenticate_first(request):
    """After traversal: verify the token before the body is touched."""
    if has_body(request):
        request.occi.authenticate()


def exact_collection_path(request):
    """After traversal: a DELETE of a collection names it exactly."""
    context = request.context
    if request.method != 'DELETE' or not ICollection.providedBy(context):
        return
    if request.view_name:
        # NB: traversal stopped short of the path: nothing lives there, a
        # 404 as for any other method (no view has that name)
        return
    if request.path_info != context.path:
        raise OCCIBadRequest(
            'A DELETE of every member of %s must be sent to exactly that '
            'path, not %s.' % (context.path, request.path_info))


def includeme(config):
    from pyramid.tweens import EXCVIEW

    config.add_tween('occi_pyramid.guards.request_guard_tween_factory',
                     under=EXCVIEW)
