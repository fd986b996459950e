"""The ``occi`` Pyramid renderer: views return model objects and this
renderer turns them into bytes and headers in the negotiated format."""
from ..negotiation import (
    JSON, OCCI, OCCI_JSON, OCCI_PLAIN, PLAIN, URI_LIST,
)
from .json import OCCIJSONRendering
from .text import TextOCCIRendering, TextPlainRendering
from .urilist import URIListRendering
from .urls import URLs

#: media type -> rendering class
RENDERINGS = {
    PLAIN: TextPlainRendering,
    OCCI_PLAIN: TextPlainRendering,
    OCCI: TextOCCIRendering,
    URI_LIST: URIListRendering,
    OCCI_JSON: OCCIJSONRendering,
    JSON: OCCIJSONRendering,
}


def request_urls(request):
    """Path and URL builder for this request (mount point aware)."""
    return URLs(request.application_url, request.script_name)


def rendering(request, media_type):
    return RENDERINGS[media_type](request_urls(request))


def _apply(response, rendered, media_type):
    for name, value in rendered.headers:
        response.headers.add(name, value)
    response.content_type = media_type
    response.charset = 'utf-8'
    body = rendered.body
    response.text = body if body is not None else ''


def render_error(request, response, media_type, code, message):
    """Write an error rendering of ``message`` into ``response``."""
    if media_type not in RENDERINGS:
        media_type = PLAIN
    rendered = rendering(request, media_type).render_error(code, message)
    _apply(response, rendered, media_type)


class OCCIRenderer:
    """Renderer factory registered as ``occi``."""

    def __init__(self, info):
        self.info = info

    def __call__(self, value, system):
        request = system['request']
        media_type = request.occi_format
        rendered = rendering(request, media_type).render(value)
        response = request.response
        _apply(response, rendered, media_type)
        if request.method == 'HEAD':
            return None
        return response.body


def includeme(config):
    config.add_renderer('occi', OCCIRenderer)
