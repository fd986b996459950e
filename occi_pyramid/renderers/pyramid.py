"""The ``occi`` Pyramid renderer: views return model objects and this
renderer turns them into bytes and headers in the negotiated format."""
from . import RENDERINGS, URLs, rendering_for
from ..exceptions import OCCINotAcceptable
from ..negotiation import HTML, JSON, OCCI, OCCI_JSON, PLAIN, offers_for


def rendering(request, media_type):
    """The rendering of ``media_type`` for this request (mount aware).

    ``application/json`` gets the OCCI JSON rendering under its own name,
    for clients that ask for plain JSON (rOCCI-server does the same).
    """
    urls = URLs.from_request(request)
    version = client_version(request)
    if media_type == HTML:
        from .html import HTMLRendering
        return HTMLRendering(urls, request=request)
    if media_type == JSON:
        result = rendering_for(OCCI_JSON, urls, version)
        result.media_type = JSON
        return result
    return rendering_for(media_type, urls, version)


def client_version(request):
    """The OCCI version of the client, ``None`` when it named none or the
    User-Agent is the error being reported (501)."""
    try:
        return request.occi_version
    except Exception:
        return None


def _apply(response, rendered):
    """Put a rendering in ``response``: its headers, ``Content-Type``
    with the charset, and the encoded body (set directly: WebOb's
    ``content_type``, ``charset`` and ``text`` setters each parse the
    header again)."""
    headers = response.headers
    for name, value in rendered.headers:
        headers.add(name, value)
    headers['Content-Type'] = '%s; charset=%s' % (
        rendered.content_type, rendered.charset)
    # NB: 'replace': text the cloud holds may have no encoding (a lone
    # surrogate in another client's metadata): it shows as "?", and one
    # entity never makes a listing fail
    response.body = (rendered.body or '').encode(rendered.charset,
                                                 'replace')


def render_error(request, response, media_type, code, message):
    """Write an error rendering of ``message`` into ``response``."""
    if media_type not in RENDERINGS and media_type not in (JSON, HTML):
        media_type = PLAIN
    _apply(response, rendering(request, media_type).render_error(
        code, message))


class OCCIRenderer:
    """Renderer factory registered as ``occi``: renders the view's model
    object in ``request.occi_format``."""

    def __init__(self, info):
        self.info = info

    def __call__(self, value, system):
        request = system['request']
        response = request.response
        rendered = rendering(request, request.occi_format).render(value)
        if request.occi_format == OCCI:
            rendered = fit_in_headers(request, value, rendered)
        _apply(response, rendered)
        # NB: None: Pyramid uses the response as it is (a value would be
        # set as its body a second time)
        return None


def header_size(rendered):
    """Bytes of the header lines a rendering adds (``Name: value``)."""
    return sum(len(name) + len(value) + 4 for name, value in rendered.headers)


def fit_in_headers(request, value, rendered):
    """A text/occi rendering, or what replaces it when its headers would
    exceed ``occi.max_header_size`` (proxies refuse such answers: nginx
    answers 502 above its proxy_buffer_size): the client's next
    acceptable type, else 406 (docs/decisions.md, "text/occi answers too
    large for headers")."""
    limit = request.registry.settings.get('occi.max_header_size')
    size = header_size(rendered)
    if not limit or size <= limit:
        return rendered
    offers = [offer for offer in offers_for(request.context)
              if offer != OCCI]
    acceptable = []
    if str(request.accept or '').strip():
        acceptable = request.accept.acceptable_offers(offers)
    if acceptable:
        request.occi_format = acceptable[0][0]
        return rendering(request, request.occi_format).render(value)
    raise OCCINotAcceptable(
        'The text/occi rendering of this answer needs %d bytes of headers, '
        'more than the %d this server sends (occi.max_header_size); ask '
        'for text/plain or application/occi+json, which carry it in the '
        'body.' % (size, limit))


def includeme(config):
    config.add_renderer('occi', OCCIRenderer)
