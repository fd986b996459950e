"""Content negotiation, once per request, before any side effect.

``request.occi_format`` is the media type the response will be rendered
in.  It is computed before an OCCI view runs (``checks.occi_view_checks``),
so an unsupported ``Accept`` gets 406 before any side effect.
``request.occi_body`` parses the request body (or the OCCI headers) once;
an unsupported ``Content-Type`` gets 415 and a malformed body 400.
"""
import re

from .exceptions import (
    OCCINotAcceptable, OCCINotImplemented, OCCIRequestTooLarge,
)
from .interfaces import ICollection, IQueryInterface

#: the OCCI versions this server speaks, oldest first
SUPPORTED_VERSIONS = ('1.1', '1.2')

_VERSION_RE = re.compile(r'\bOCCI/(\d+(?:\.\d+)*)', re.IGNORECASE)

PLAIN = 'text/plain'
OCCI_PLAIN = 'text/occi+plain'
OCCI = 'text/occi'
URI_LIST = 'text/uri-list'
OCCI_JSON = 'application/occi+json'
JSON = 'application/json'
#: pages for people (renderers.html); OCCI clients never ask for it, and
#: being offered last it is chosen only when Accept prefers it
HTML = 'text/html'

#: offered for everything; text/plain first: it is the OCCI default for a
#: request with no Accept or */*
ENTITY_OFFERS = (PLAIN, OCCI, OCCI_JSON, OCCI_PLAIN, JSON, HTML)
#: offered where the answer is a list of locations
LISTING_OFFERS = ENTITY_OFFERS + (URI_LIST,)

#: the media types the server renders (the Accept response header)
ALL_TYPES = (PLAIN, OCCI_PLAIN, OCCI, URI_LIST, OCCI_JSON)


def offers_for(context):
    """The media types a context can be rendered in."""
    if ICollection.providedBy(context) or IQueryInterface.providedBy(context):
        return LISTING_OFFERS
    return ENTITY_OFFERS


def negotiate(accept, offers):
    """Pick the best of ``offers`` for a webob ``accept`` value.

    A missing, empty or malformed Accept, or ``*/*``, gives the first
    offer (text/plain).  Raises :class:`OCCINotAcceptable` when nothing
    offered is acceptable.
    """
    if not str(accept or '').strip():
        # NB: an empty Accept reads like none at all (curl -H 'Accept:')
        return offers[0]
    try:
        acceptable = accept.acceptable_offers(list(offers))
    except AttributeError:  # an invalid header object
        acceptable = [(offers[0], 1.0)]
    if not acceptable:
        raise OCCINotAcceptable(
            'None of the media types in Accept (%s) can be rendered here; '
            'available: %s' % (str(accept), ', '.join(offers)))
    return acceptable[0][0]


#: (Accept header, offers) -> the type negotiated: clients send a few
#: distinct Accept headers, and parsing one costs more than rendering a
#: small answer; kept to at most _NEGOTIATED_MAX (then started over)
_negotiated = {}
_NEGOTIATED_MAX = 1024


def occi_format(request):
    """The negotiated media type of the response (reified)."""
    offers = offers_for(request.context)
    key = (request.environ.get('HTTP_ACCEPT'), offers)
    found = _negotiated.get(key)
    if found is None:
        found = negotiate(request.accept, offers)  # a 406 is not kept
        if len(_negotiated) >= _NEGOTIATED_MAX:
            _negotiated.clear()
        _negotiated[key] = found
    return found


def occi_format_or_default(request):
    """The negotiated type, or text/plain when negotiation is impossible
    (no context yet, or the Accept is the error being reported)."""
    try:
        if getattr(request, 'context', None) is None:
            return negotiate(request.accept, ENTITY_OFFERS)
        return request.occi_format
    except Exception:
        return PLAIN


def announced_versions(user_agent):
    """The OCCI versions named in a User-Agent (``OCCI/x.y`` tokens)."""
    return _VERSION_RE.findall(user_agent or '')


def _version_key(version):
    return tuple(int(part) for part in version.split('.'))


def client_version(user_agent):
    """The OCCI version to serve a client in: the highest version we speak
    among those its User-Agent announces (``x OCCI/1.1 OCCI/9.9`` is served
    in 1.1), ``None`` when it announces none.

    :raises OCCINotImplemented: when it announces versions, none of which
        we speak (GFD.223 3.6: a higher version than supported is 501)
    """
    announced = announced_versions(user_agent)
    if not announced:
        return None
    spoken = [v for v in announced if v in SUPPORTED_VERSIONS]
    if not spoken:
        raise OCCINotImplemented(
            '%s named in the User-Agent %s not supported; this server '
            'speaks %s.' % (
                ', '.join('OCCI/' + v for v in announced),
                'is' if len(announced) == 1 else 'are',
                ', '.join('OCCI/' + v for v in SUPPORTED_VERSIONS)))
    return max(spoken, key=_version_key)


def occi_version(request):
    """The OCCI version the request is served in (reified); see
    :func:`client_version`."""
    return client_version(request.user_agent)


def occi_body(request):
    """The request parsed into a plain cstruct (reified); see parsers."""
    from .forms import browser_cstruct
    from .parsers import parse_request

    limit = request.registry.settings.get('occi.max_body_size')
    length = request.content_length
    if limit and length is not None and length > limit:
        raise OCCIRequestTooLarge(
            'The request body (%d bytes) is larger than the %d bytes '
            'this server accepts.' % (length, limit))
    body = request.body
    if limit and len(body) > limit:
        raise OCCIRequestTooLarge(
            'The request body is larger than the %d bytes this server '
            'accepts.' % limit)
    browser = browser_cstruct(request, occi_format_or_default(request) == HTML)
    if browser is not None:
        return browser
    content_type = request.headers.get('Content-Type', '')
    return parse_request(content_type, body, request.headers)


def auth_token(request):
    """The caller's token: ``X-Auth-Token``, or the password of HTTP Basic
    credentials for clients that speak only Basic (reified)."""
    token = request.headers.get('X-Auth-Token', '').strip()
    if token:
        return token
    authorization = request.authorization
    if authorization and authorization.authtype.lower() == 'basic':
        import base64
        import binascii

        try:
            decoded = base64.b64decode(authorization.params.strip(),
                                       validate=True).decode('utf-8')
        except (binascii.Error, UnicodeDecodeError, AttributeError):
            return None
        _, _, password = decoded.partition(':')
        return password.strip() or None
    return None


def includeme(config):
    config.add_request_method(occi_format, 'occi_format', reify=True)
    config.add_request_method(occi_body, 'occi_body', reify=True)
    config.add_request_method(occi_version, 'occi_version', reify=True)
    config.add_request_method(auth_token, 'auth_token', reify=True)
