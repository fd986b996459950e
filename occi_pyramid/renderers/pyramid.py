"""The ``occi`` Pyramid renderer: views return model objects and this
renderer turns them into bytes and headers in the negotiated format."""
from . import RENDERINGS, URLs, rendering_for
from ..negotiation import HTML, JSON, OCCI_JSON, PLAIN


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
    for name, value in rendered.headers:
        response.headers.add(name, value)
    response.content_type = rendered.content_type
    response.charset = rendered.charset
    response.text = rendered.body or ''


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
        _apply(response, rendering(request, request.occi_format).render(
            value))
        return response.body


def includeme(config):
    config.add_renderer('occi', OCCIRenderer)
