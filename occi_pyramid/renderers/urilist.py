"""``text/uri-list``: location listings only (GFD.185, RFC 2483)."""
from functools import singledispatchmethod

from ..exceptions import OCCINotAcceptable
from ..model.core import (
    ActionResult, Category, CategoryCollection, Collection,
)
from .base import Rendered, Rendering, carried_by
from .headers import location_of, one_line


class URIListRendering(Rendering):
    """One absolute URL per line, CRLF-terminated (RFC 2483).

    Renders a :class:`Collection`, a plain list of locations (or entities)
    and the query interface's :class:`CategoryCollection` (as the
    collection URLs of its kinds and mixins); ``None`` and an empty
    :class:`ActionResult` as an empty list, a collection action's failures
    as comment lines ``# <url>: <message>``.  Anything else raises
    :class:`OCCINotAcceptable`: the negotiation layer normally answers 406
    before a non-listing reaches this rendering.
    """

    media_types = ('text/uri-list',)

    @singledispatchmethod
    def render(self, obj):
        raise OCCINotAcceptable(
            'text/uri-list renders only location listings, not %s; ask for '
            'text/plain, text/occi or application/occi+json'
            % _describe(obj)
        )

    @render.register
    def _(self, collection: Collection):
        return self.uri_list(collection.locations)

    @render.register(list)
    @render.register(tuple)
    def _(self, locations):
        return self.uri_list(location_of(item) for item in locations)

    @render.register
    def _(self, categories: CategoryCollection):
        return self.uri_list(
            c.location for c in categories
            if getattr(c, 'location', None)
        )

    @render.register
    def _(self, obj: type(None)):
        return self.rendered('')

    @render.register
    def _(self, result: ActionResult):
        if result.entity is not None or result.category is not None:
            return self.render(carried_by(result))
        # NB: RFC 2483 comment lines carry the per-member failures
        return self.rendered(''.join(
            '# %s: %s\r\n' % (self.urls.url(location), one_line(message))
            for location, message in result.failures.items()
        ))

    def uri_list(self, locations):
        body = ''.join('%s\r\n' % self.urls.url(loc) for loc in locations)
        return self.rendered(body)

    def render_error(self, code, message):
        """Errors go as text/plain (a uri-list cannot carry a message)."""
        return Rendered(message.rstrip('\n') + '\n', 'text/plain')


def _describe(obj):
    if isinstance(obj, Category):
        return 'the %s %s' % (obj.category_class, obj.type_id)
    if obj is None:
        return 'an empty answer'
    return 'a %s' % type(obj).__name__
