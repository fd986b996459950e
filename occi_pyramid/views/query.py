"""The query interface: GET lists the categories the caller can use."""
from pyramid.view import view_config, view_defaults

from ..interfaces import IQueryInterface
from ..model import CategoryCollection


def category_filter(categories, wanted):
    """Keep the categories named by the parsed filter ``wanted``.

    OCCI 1.1 semantics: only the named categories come back (specs.md #17);
    a filter entry matches by scheme+term, and by class when it gives one.
    """
    keys = {
        (c['scheme'] + c['term'], c.get('class')) for c in wanted
    }
    return [
        c for c in categories
        if (c.type_id, None) in keys
        or (c.type_id, c.category_class) in keys
    ]


@view_defaults(context=IQueryInterface, renderer='occi',
               permission='occi')
class QueryInterfaceViews:
    def __init__(self, context, request):
        self.context = context
        self.request = request

    @view_config(request_method='GET')
    def get(self):
        # NB: a category a backend marks ``offered = False`` is known but
        # not offered (e.g. a flavor the cloud forbids creating with)
        categories = [c for c in self.request.categories.all
                      if getattr(c, 'offered', True)]
        wanted = self.request.occi_body.get('categories')
        if wanted:
            categories = category_filter(categories, wanted)
        return CategoryCollection(categories)
