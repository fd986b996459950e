"""Request ids, one log line per request, and tokens kept out of the logs.

* :func:`request_log_tween_factory` gives each request an id (a sane
  incoming ``X-Request-Id`` is kept, otherwise a short random one is
  made), returns it in the ``X-Request-Id`` response header and logs one
  INFO line on the ``occi_pyramid.request`` logger::

      GET /okeanos/compute/?x=1 201 12.3ms token=sha256:1a2b3c4d client=203.0.113.7

  The token appears only as the first 8 hex digits of its SHA-256.
* :data:`current` (a :class:`contextvars.ContextVar`) holds the id (and,
  for redaction only, the token) while the request runs, so every log
  record of the request can carry ``record.request_id``
  (:class:`RequestIdFilter`, ``-`` outside requests).
* :class:`TokenFilter` rewrites log records that would show a token: the
  current request's token anywhere in a message, ``X-Auth-Token:`` and
  ``Authorization:`` header values, and astakosclient's full SHA-1 of the
  token.  :func:`includeme` installs it on the kamaki and astakosclient
  loggers, so even their DEBUG output never carries a token.
* :class:`StreamHandler` is a ``logging.StreamHandler`` with both filters,
  for ini files: Python 3.11's ``fileConfig`` has no ``filters`` key, so
  ``class = occi_pyramid.tweens.StreamHandler`` is how an ini puts
  ``%(request_id)s`` in its format.
"""
import contextvars
import hashlib
import logging
import os
import random
import re
import time

from pyramid.tweens import INGRESS

from .checks import add_server_headers
from .interfaces import IMetrics

log = logging.getLogger('occi_pyramid.request')

#: the request being served in this thread/context, or None
current = contextvars.ContextVar('occi_pyramid_request', default=None)

#: an incoming X-Request-Id is kept when it matches this (nginx's
#: ``$request_id`` is 32 hex digits; UUIDs and most tracers fit too)
SANE_REQUEST_ID = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$')

#: hex digits of SHA-256 shown for a token
TOKEN_HASH_DIGITS = 8

#: a request's token is searched for in every message only when it is at
#: least this long (a one-letter "token" would mangle every message)
MIN_REDACTED_LENGTH = 6

#: loggers of libraries that see the token (kamaki, astakosclient, and the
#: logger our clients module hands to astakosclient)
LIBRARY_LOGGERS = (
    'kamaki.clients',
    'kamaki.clients.send',
    'kamaki.clients.recv',
    'astakosclient',
    'occi_pyramid.backends.synnefo.clients.astakos',
)


class RequestInfo(object):
    """What the log machinery knows about the running request."""

    __slots__ = ('id', 'token')

    def __init__(self, request_id, token=None):
        self.id = request_id
        self.token = token

    def __repr__(self):  # never show the token
        return '<RequestInfo %s>' % self.id


#: where request ids come from: seeded from the system once per process
#: (ids are labels, not secrets; os.urandom on every request was a system
#: call that gave up the interpreter lock to the other threads)
_ids = random.Random(os.urandom(16))
os.register_at_fork(after_in_child=lambda: _ids.seed(os.urandom(16)))


def new_request_id():
    """A short random id: 16 hex digits (64 bits)."""
    return '%016x' % _ids.getrandbits(64)


def request_id_of(request):
    """The incoming ``X-Request-Id`` when it is sane, else a new id."""
    incoming = (request.headers.get('X-Request-Id') or '').strip()
    if incoming and SANE_REQUEST_ID.match(incoming):
        return incoming
    return new_request_id()


def token_hash(token):
    """``sha256:<8 hex digits>`` of a token, ``-`` for none."""
    if not token:
        return '-'
    if isinstance(token, str):
        token = token.encode('utf-8', 'replace')
    return 'sha256:' + hashlib.sha256(token).hexdigest()[:TOKEN_HASH_DIGITS]


def token_of(request):
    """The request's token (X-Auth-Token or Basic password), or None."""
    from .negotiation import auth_token

    try:
        return auth_token(request)
    except Exception:  # a malformed Authorization header: no token
        return None


class RequestIdFilter(logging.Filter):
    """Sets ``record.request_id`` (``-`` outside a request)."""

    def filter(self, record):
        if not hasattr(record, 'request_id'):
            info = current.get()
            record.request_id = info.id if info is not None else '-'
        return True


_HEADER_PATTERNS = (
    # X-Auth-Token: <value> (kamaki's request dump; "..." is its own mask)
    re.compile(r'(?i)(x-auth-token["\']?\s*[:=]\s*["\']?)'
               r'(?!\.\.\.)([^\s"\',}]+)'),
    # Authorization: Basic/Bearer <credentials>
    re.compile(r'(?i)(authorization["\']?\s*[:=]\s*["\']?'
               r'(?:basic|bearer|token)?\s*)([^\s"\',}]+)'),
)
#: astakosclient logs the full SHA-1 of the token; keep 8 digits
_ASTAKOS_HASH = re.compile(r'(token with hash )([0-9a-f]{8})[0-9a-f]{32}')


def redact(message, token=None):
    """``message`` with every token (and token header value) replaced by
    ``sha256:<8 hex>`` or ``***``."""
    if token and len(token) >= MIN_REDACTED_LENGTH and token in message:
        message = message.replace(token, token_hash(token))
    # NB: each pattern needs its word in the message (most lines, the
    # request log's among them, have neither)
    if 'auth' in message.lower():
        for pattern in _HEADER_PATTERNS:
            message = pattern.sub(_mask, message)
    if 'token with hash ' in message:
        message = _ASTAKOS_HASH.sub(r'\1\2…', message)
    return message


def _mask(match):
    value = match.group(2)
    if value.startswith('sha256:'):
        return match.group(0)
    return match.group(1) + '***'


class TokenFilter(logging.Filter):
    """Rewrites a record whose message would show a token.

    The message is formatted once here and stored back (``args``
    cleared), so the handler's formatter does not format it again.
    """

    def filter(self, record):
        info = current.get()
        try:
            message = record.getMessage()
        except Exception:  # let the handler report the broken record
            return True
        record.msg = redact(message, info.token if info is not None else None)
        record.args = ()
        return True


class StreamHandler(logging.StreamHandler):
    """A ``StreamHandler`` that adds ``request_id`` to every record and
    redacts tokens (for ``class =`` in an ini's handler section)."""

    def __init__(self, stream=None):
        super().__init__(stream)
        self.addFilter(RequestIdFilter())
        self.addFilter(TokenFilter())


_token_filter = TokenFilter()
_request_id_filter = RequestIdFilter()


def install_log_filters():
    """Put :class:`TokenFilter` on the library loggers and
    :class:`RequestIdFilter` on the request logger (idempotent)."""
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if _token_filter not in logger.filters:
            logger.addFilter(_token_filter)
    if _request_id_filter not in log.filters:
        log.addFilter(_request_id_filter)


def request_log_tween_factory(handler, registry):
    """The tween: request id in, headers and one log line out (the
    outermost: the headers every response carries are added here,
    :func:`occi_pyramid.checks.add_server_headers`)."""

    def request_log_tween(request):
        request_id = request_id_of(request)
        token = token_of(request)
        reset = current.set(RequestInfo(request_id, token))
        request.request_id = request_id
        started = time.perf_counter()
        status = 500
        try:
            response = handler(request)
            status = response.status_int
            response.headers['X-Request-Id'] = request_id
            add_server_headers(request, response)
            return response
        finally:
            log_request(request, status, started, token)
            if metrics is not None:
                metrics.request(request, status,
                                time.perf_counter() - started)
            current.reset(reset)

    metrics = registry.queryUtility(IMetrics)
    return request_log_tween


#: characters left as they are in a logged path (WebOb's ``path_qs``)
PATH_SAFE = "/~!$&'()*+,;=:@"
#: ... and in a logged query string (its ``%`` escapes stay as sent)
QUERY_SAFE = PATH_SAFE + '%?'


def logged_path(environ):
    """``request.path_qs`` from the raw WSGI strings: the same text for
    any request, and no exception for bytes that are not UTF-8 (``/%ff``);
    control characters and blanks stay percent-encoded, so a path cannot
    forge a log line."""
    from urllib.parse import quote

    def raw(name):
        return (environ.get(name) or '').encode('latin-1', 'replace')

    path = quote(raw('SCRIPT_NAME') + raw('PATH_INFO'), safe=PATH_SAFE)
    query = quote(raw('QUERY_STRING'), safe=QUERY_SAFE)
    return path + ('?' + query if query else '')


def log_request(request, status, started, token):
    """The one INFO line of a request (``started``: a perf_counter())."""
    log.info(
        '%s %s %d %.1fms token=%s client=%s', request.method,
        logged_path(request.environ), status,
        (time.perf_counter() - started) * 1000.0,
        token_hash(token), request.remote_addr or '-')


def includeme(config):
    install_log_filters()
    config.add_tween(
        'occi_pyramid.tweens.request_log_tween_factory', under=INGRESS)
