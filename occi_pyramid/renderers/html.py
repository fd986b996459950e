"""``text/html``: the namespace as pages for people with a web browser.

The same model objects the OCCI renderings get become pages rendered by
autoescaped Jinja2 templates (``occi_pyramid/templates``): the query
interface as a catalogue, collections as tables, entities with their
attributes, mixins, links and actions.  Writes go through plain HTML
forms (:mod:`occi_pyramid.forms` parses them, :mod:`occi_pyramid.browser`
checks their CSRF token), so the views serve browsers unchanged.

Unlike the other renderings this one needs the request: for the CSRF
token of its forms, the categories a create form offers, the query of a
page (filters, pagination, the delete confirmation) and the status of the
answer it shows after a form.  Every page is sent with a strict
Content-Security-Policy (no script at all, styles from our own static
files only) and is never cached.
"""
from urllib.parse import urlencode

from .base import Rendering, cannot_render, dispatchmethod
from .headers import format_value
from ..model import (
    COMPUTE, OS_TPL, RESOURCE_TPL, ActionResult, Category,
    CategoryCollection, Collection, Entity, Kind, Link, Mixin,
)

HTML = 'text/html'
TEMPLATES = 'occi_pyramid:templates/'

#: every page forbids scripts, plugins, frames and foreign forms; its only
#: subresources are our own stylesheet and images
CONTENT_SECURITY_POLICY = '; '.join([
    "default-src 'none'",
    "style-src 'self'",
    "img-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
])
SECURITY_HEADERS = (
    ('Content-Security-Policy', CONTENT_SECURITY_POLICY),
    ('X-Content-Type-Options', 'nosniff'),
    ('X-Frame-Options', 'DENY'),
    ('Referrer-Policy', 'same-origin'),
    # NB: a page shows one user's cloud: never kept by a shared cache
    ('Cache-Control', 'no-store'),
)

#: the attributes shown as a template's size, and how
SIZE_ATTRIBUTES = (
    ('occi.compute.cores', ('%s core', '%s cores')),
    ('occi.compute.memory', ('%s GiB memory', '%s GiB memory')),
    ('occi.compute.ephemeral_storage.size', ('%s GB disk', '%s GB disk')),
)

def shown(value):
    """An attribute value as a person reads it."""
    if isinstance(value, str):
        return value
    return format_value(value)


def state_of(entity):
    """The ``occi.<kind>.state`` value of an entity, or ``''``."""
    for name, value in entity.attributes.items():
        if name.startswith('occi.') and name.endswith('.state') \
                and value is not None:
            return shown(value)
    return ''


def is_template(mixin):
    """A template of the cloud's that a create may name: offered at
    ``/-/`` (not a flavor the cloud refuses creates with), and not a
    user's own resource template (a size request, not a flavor)."""
    return mixin not in (OS_TPL, RESOURCE_TPL) and (
        mixin.is_a(OS_TPL) or mixin.is_a(RESOURCE_TPL)) and getattr(
        mixin, 'offered', True) and getattr(mixin, 'owner', None) is None


def sizes(mixin):
    """What a resource template sets, as words (``2 cores, 4 GiB
    memory, 40 GB disk``)."""
    attributes = mixin.all_attributes()
    words = []
    for name, text in SIZE_ATTRIBUTES:
        default = getattr(attributes.get(name), 'default', None)
        if default is not None:
            if isinstance(default, float) and default.is_integer():
                default = int(default)
            words.append(text[default != 1] % shown(default))
    return ', '.join(words)

class HTMLRendering(Rendering):
    """``text/html`` pages of the model objects.

    :param request: the Pyramid request being answered
    """

    media_types = (HTML,)

    def __init__(self, urls, media_type=None, request=None):
        super().__init__(urls, media_type)
        self.request = request

    # -- pages -------------------------------------------------------------

    def render(self, obj):
        """The page of ``obj``; a page answering a form shows the OCCI
        answer (status, Location) above it.

        :raises TypeError: for a type without a page
        """
        template, values = self.page(obj)
        return self.page_rendered(template, values)

    def render_error(self, code, message):
        return self.page_rendered('error.jinja2', {
            'code': code, 'message': message,
            'title': '%d %s' % (code, self.reason(code)),
        }, forms=False)

    def page_rendered(self, template, values, forms=True):
        from pyramid.renderers import render

        request = self.request
        values.setdefault('title', '')
        values.update(
            urls=self.urls, shown=shown, state_of=state_of,
            # NB: app-relative, as model locations (urls.path mounts it)
            path=request.path_info, answer=self.answer(),
            css=request.static_path('occi_pyramid:static/occi.css'),
            kinds=self.kinds(),
        )
        if forms:
            # NB: only pages with forms set the CSRF cookie; an error page
            # (the 401 first of all) must not need a session to render
            from pyramid.csrf import get_csrf_token
            values['csrf'] = get_csrf_token(request)
        body = render(TEMPLATES + template, values, request=request)
        return self.rendered(body, SECURITY_HEADERS)

    @dispatchmethod
    def page(self, obj):
        """``(template, values)`` of a model object."""
        raise cannot_render(self, obj)

    @page.register
    def _(self, obj: type(None)):
        return 'done.jinja2', {'title': 'Done', 'up': self.parent_path()}

    @page.register(list)
    @page.register(tuple)
    def _(self, locations):
        return 'locations.jinja2', {
            'title': 'Created' if self.status() == 201 else 'Locations',
            'locations': list(locations),
        }

    @page.register
    def _(self, entity: Entity):
        if self.request.GET.get('confirm') == 'delete':
            return 'confirm.jinja2', {
                'title': 'Delete %s?' % (entity.title or entity.id),
                'entity': entity,
            }
        user_mixins = [m for m in self.categories() if isinstance(m, Mixin)
                       and m.owner is not None and m.location]
        places = self.places(entity.kind)
        return 'entity.jinja2', {
            # the caller's place the entity is in (titled) and the others
            'place': next((m for m in places if m in entity.mixins), None),
            'moves': [m for m in places if m not in entity.mixins],
            'title': entity.title or entity.id,
            'entity': entity,
            'is_link': isinstance(entity, Link),
            'attributes': self.attribute_rows(entity),
            'user_mixins': [m for m in user_mixins
                            if m not in entity.mixins
                            and m.applies_to(entity.kind)],
        }

    def places(self, kind):
        """The provider mixins an entity of ``kind`` may be moved to by
        associating it with their collection (``associable``: the
        Synnefo projects), as the caller's ``/-/`` has them."""
        return [m for m in self.categories() if isinstance(m, Mixin)
                and getattr(m, 'associable', False) and m.location
                and m.applies_to(kind)]

    @page.register
    def _(self, collection: Collection):
        if self.status() == 201:
            # a create answers what it made (docs/decisions.md): its
            # locations, as a create answered with a location list
            return self.page(collection.locations)
        context = getattr(self.request, 'context', None)
        kind = getattr(context, 'kind', None)
        mixin = getattr(context, 'mixin', None)
        values = {
            'title': self.urls.path(self.request.path_info),
            'collection': collection,
            'mixin': mixin,
            'user_mixin': mixin is not None and mixin.owner is not None,
            'filters': self.filter_choices(),
            'query': self.request.GET,
            'pages': self.pages(len(collection)),
            'create': None,
        }
        if kind is COMPUTE:
            templates = [c for c in self.categories()
                         if isinstance(c, Mixin) and is_template(c)]
            values['create'] = {
                'places': self.places(COMPUTE),
                'os': [m for m in templates if m.is_a(OS_TPL)],
                'resource': [(m, sizes(m)) for m in templates
                             if m.is_a(RESOURCE_TPL)],
            }
        return 'collection.jinja2', values

    @page.register
    def _(self, categories: CategoryCollection):
        mixins = categories.mixins
        templates = [m for m in mixins if is_template(m)]
        return 'catalogue.jinja2', {
            'title': 'Categories',
            'kind_list': categories.kinds,
            'os_templates': [m for m in templates if m.is_a(OS_TPL)],
            'resource_templates': [(m, sizes(m)) for m in templates
                                   if m.is_a(RESOURCE_TPL)],
            'user_mixins': [m for m in mixins if m.owner is not None],
            'mixin_list': [m for m in mixins if m not in templates
                           and m.owner is None],
            'action_list': categories.actions,
            'attributes_of': lambda c: list(c.attributes.values()),
        }

    @page.register
    def _(self, category: Category):
        return self.page(CategoryCollection([category]))

    @page.register
    def _(self, result: ActionResult):
        return 'result.jinja2', {
            'title': 'Action accepted',
            'entity': result.entity,
            'category': result.category,
            'failures': sorted(result.failures.items()),
        }

    # -- what the pages need -----------------------------------------------

    def status(self):
        return self.request.response.status_int

    def answer(self):
        """The OCCI answer to show on a page that answers a form."""
        request = self.request
        if request.method == 'GET':
            return None
        return {
            'method': request.method,
            'target': request.path_qs,
            'status': request.response.status,
            'location': request.response.location,
        }

    @staticmethod
    def reason(code):
        from webob.util import status_reasons

        return status_reasons.get(code, '')

    def categories(self):
        return list(self.request.categories.all)

    def kinds(self):
        """The collections of the navigation bar."""
        static = getattr(self.request.categories, 'static', ())
        return [c for c in static if isinstance(c, Kind) and c.location
                and c.term not in ('entity', 'resource', 'link')]

    def parent_path(self):
        path = self.request.path_info.rstrip('/')
        return path.rpartition('/')[0] + '/'

    def attribute_rows(self, entity):
        """``(name, value, href)``: source and target link to the entity."""
        rows = []
        for name, value in entity.attribute_values().items():
            href = None
            if name in ('occi.core.source', 'occi.core.target'):
                href = self.urls.path(value)
            rows.append((name, shown(value), href))
        return rows

    def filter_choices(self):
        """The categories and attribute names a collection page filters
        by (from the static registry: no cloud call)."""
        static = list(getattr(self.request.categories, 'static', ()))
        categories = [c for c in static if isinstance(c, (Kind, Mixin))]
        names = sorted({name for c in categories
                        for name in c.attributes})
        return {'categories': categories, 'attributes': names}

    def pages(self, count):
        """Links to the previous and next page, when the page is one."""
        query = self.request.GET
        if 'number' not in query and 'page' not in query:
            return None
        try:
            page = int(query.get('page', 1))
            number = int(query.get('number') or 0)
        except ValueError:
            return None

        def link(to):
            params = [(k, v) for k, v in query.items() if k != 'page']
            return self.request.path + '?' + urlencode(
                params + [('page', str(to))])

        return {
            'page': page,
            'previous': link(page - 1) if page > 1 else None,
            'next': link(page + 1) if number and count >= number else None,
        }
