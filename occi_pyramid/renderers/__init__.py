"""The four OCCI renderings: model objects → :class:`Rendered`.

Pure modules (no Pyramid).  Each rendering is built per request with a
:class:`URLs` and renders with ``render(obj)`` / ``render_error(code,
message)``.  :data:`RENDERINGS` maps every served media type to its class.
"""
from .base import Rendered, Rendering
from .json import OCCIJSONRendering
from .text import TextOCCIRendering, TextPlainRendering
from .urilist import URIListRendering
from .urls import URLs

#: media type → rendering class, text/plain (the default) first
RENDERINGS = {
    media_type: cls
    for cls in (TextPlainRendering, TextOCCIRendering, URIListRendering,
                OCCIJSONRendering)
    for media_type in cls.media_types
}


def rendering_for(media_type, urls, version=None):
    """The rendering for ``media_type`` (one of :data:`RENDERINGS`), for a
    client speaking OCCI ``version`` (``None``: unknown).

    :raises KeyError: for a media type no rendering serves
    """
    return RENDERINGS[media_type](urls, media_type, version)


__all__ = [
    'OCCIJSONRendering', 'RENDERINGS', 'Rendered', 'Rendering',
    'TextOCCIRendering', 'TextPlainRendering', 'URIListRendering', 'URLs',
    'rendering_for',
]
