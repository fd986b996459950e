"""``text/uri-list``: location listings only (GFD.185, GFD.229, RFC 2483)."""

from ..exceptions import OCCINotAcceptable
from ..model.core import (
    ActionResult, Category, CategoryCollection, Collection,
)
from .base import Rendered, Rendering, carried_by, dispatchmethod
from .headers import location_of, one_line


class URIListRendering(Rendering):
    """One absolute URL per line, each ending in a bare LF.

    RFC 2483 writes CRLF, but HTTP lets text media end lines in a bare
    LF (RFC 7231 §3.1.1.3: a recipient MUST parse CRLF, CR or LF), and
    rOCCI 4 splits a uri-list on LF only and keeps the CR in every URL;
    see docs/decisions.md.  Our parser accepts CRLF, LF and CR.

    Renders a :class:`Collection`, a plain list of locations (or entities)
    and the query interface's :class:`CategoryCollection` (as the
    collection URLs of its kinds and mixins); ``None`` and an empty
    :class:`ActionResult` as an empty list, a collection action's failures
    as comment lines ``# <url>: <message>``.  Anything else raises
    :class:`OCCINotAcceptable`: the negotiation layer normally answers 406
    before a non-listing reaches this rendering.
    """

    media_types = ('text/uri-list',)

    @dispatchmethod
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
            '# %s: %s\n' % (self.urls.url(location), one_line(message))
            for location, message in result.failures.items()
        ))

    def uri_list(self, locations):
        body = ''.join('%s\n' % self.urls.url(loc) for loc in locations)
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
