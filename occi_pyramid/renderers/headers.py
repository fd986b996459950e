"""The model as the four OCCI text structures (GFD.185, GFD.229).

``HeaderPairs(urls).pairs(obj)`` turns a model object into a list of
``(name, value)`` pairs over ``Category``, ``Link``, ``X-OCCI-Attribute``
and ``X-OCCI-Location``.  text/occi sends them as HTTP headers, text/plain
as body lines ``Name: value`` (ooi's shared header path).

Where locations go (GFD.185; docs/decisions.md): Category ``location``, Link
targets, ``self``, action links and the ``occi.core.source`` /
``occi.core.target`` values are absolute *paths*; ``X-OCCI-Location`` values
are absolute *URLs*.

OCCI 1.1 clients (rOCCI 4) keep attributes in nested hashes, so the 1.2
sub-attributes (``occi.compute.state.message`` beside
``occi.compute.state``, ``occi.core.target.kind``) would replace the
attribute they extend: for a client that announces ``OCCI/1.1`` they are
left out (:func:`without_sub_attributes`, docs/decisions.md).
"""
import json
from decimal import Decimal

from ..model.core import (
    RESOURCE, ActionResult, Category, CategoryCollection,
    Collection, Entity, Kind, Link, Mixin, Resource,
)
from .base import cannot_render, dispatchmethod

CATEGORY = 'Category'
LINK = 'Link'
ATTRIBUTE = 'X-OCCI-Attribute'
LOCATION = 'X-OCCI-Location'
ERROR = 'X-OCCI-Error'

#: the structures whose values may be merged into one comma list
STRUCTURES = (CATEGORY, LINK, ATTRIBUTE, LOCATION)

#: attributes a Link line carries elsewhere (``<target>`` and ``rel``)
_LINK_LINE_SKIP = frozenset([
    'occi.core.source', 'occi.core.target', 'occi.core.target.kind',
    'occi.core.source.kind',
])


def quote(text):
    r"""A quoted-string: ``"`` and ``\`` escaped.

    NB: CR and LF are escaped as ``\r``/``\n`` too (the spec has no escape
    for them, but a raw line break would end the header or body line, and
    in a header it would let a value inject headers).
    """
    # NB: most values hold none of them: four scans in C, no copies
    if '"' in text or '\\' in text or '\r' in text or '\n' in text:
        text = (
            text.replace('\\', '\\\\').replace('"', '\\"')
            .replace('\r', '\\r').replace('\n', '\\n')
        )
    return '"%s"' % text


def format_float(value):
    """A float as ``digits.digits`` (no exponent), the text grammar's form.
    """
    if value != value or value in (float('inf'), float('-inf')):
        raise ValueError('%r has no OCCI text form' % value)
    text = format(Decimal(repr(value)), 'f')
    if '.' not in text:
        text += '.0'
    return text


def format_value(value):
    """One attribute value in the text grammar (GFD.229; docs/decisions.md).

    Booleans and numbers are bare, strings and enums quoted; lists and
    dicts have no text form and go as a quoted JSON string (rOCCI).
    """
    # NB: the common types by their exact type first (a value of an
    # attribute is most often a str)
    formatter = _FORMATTERS.get(type(value))
    if formatter is not None:
        return formatter(value)
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, Category):
        return quote(value.type_id)
    if isinstance(value, (list, tuple, dict)):
        return quote(json.dumps(value, sort_keys=True))
    return quote(str(value))


_FORMATTERS = {
    str: quote,
    bool: lambda value: 'true' if value else 'false',
    int: str,
    float: format_float,
}


def format_attributes(values):
    """``name=value`` strings; ``None`` values are left out."""
    return [
        '%s=%s' % (name, format_value(value))
        for name, value in values.items() if value is not None
    ]


#: the OCCI version whose clients nest attributes by name (rOCCI 4)
OCCI_11 = '1.1'


def without_sub_attributes(names):
    """``names`` (any iterable, order kept) without those that extend
    another of them: ``a.b.c`` goes when ``a.b`` is there.

    A client that stores ``a.b`` = value in a nested hash ``{a: {b:
    value}}`` would lose it to ``a.b.c`` (``{a: {b: {c: ...}}}``).
    """
    names = list(names)
    present = set(names)
    return [
        name for name in names
        if not any(name[:index] in present
                   for index in _dots(name))
    ]


def _dots(name):
    return [i for i, char in enumerate(name) if char == '.']


def attribute_definition(definition):
    """``name`` or ``name{immutable required}`` (1.1 properties only)."""
    props = []
    if not definition.mutable:
        props.append('immutable')
    if definition.required:
        props.append('required')
    if props:
        return '%s{%s}' % (definition.name, ' '.join(props))
    return definition.name


def category_rel(category):
    """The ``rel`` of a Category: a Kind's parent, a Mixin's first depends
    (GFD.229; docs/decisions.md); ``None`` when there is none."""
    if isinstance(category, Kind) and category.parent is not None:
        return category.parent.type_id
    if isinstance(category, Mixin) and category.depends:
        return category.depends[0].type_id
    return None


def category_attributes(category):
    """The attribute definitions a Category advertises.

    Kinds and Mixins advertise what an instance gets (inherited ones too,
    as the spec's query example for storage shows); Actions their own
    parameters.
    """
    if isinstance(category, (Kind, Mixin)):
        return category.all_attributes()
    return category.attributes


class HeaderPairs:
    """Model objects → ``(name, value)`` pairs.

    :param urls: a :class:`~occi_pyramid.renderers.urls.URLs`
    """

    def __init__(self, urls, version=None):
        self.urls = urls
        #: the client nests attributes by name (OCCI/1.1)
        self.nested = version == OCCI_11

    def attributes(self, values):
        """``values`` fit for the client: for an OCCI 1.1 client, without
        the sub-attributes that would wipe the attribute they extend."""
        if not self.nested:
            return values
        kept = without_sub_attributes(values)
        return {name: values[name] for name in kept}

    # -- single structures -------------------------------------------------

    def category(self, category, full=True):
        """One Category value.

        ``full`` renders the query-interface form (with ``attributes`` and
        ``actions``); entity renderings use the short form.  Kept on the
        category (``rendered``) per form, client version and mount prefix.
        """
        key = ('text', full, self.nested, self.urls.script_name)
        line = category.rendered.get(key)
        if line is None:
            line = category.rendered[key] = self._category(category, full)
        return line

    def _category(self, category, full):
        parts = [
            category.term,
            'scheme=%s' % quote(category.scheme),
            'class=%s' % quote(category.category_class),
        ]
        if category.title:
            parts.append('title=%s' % quote(category.title))
        rel = category_rel(category)
        if rel:
            parts.append('rel=%s' % quote(rel))
        location = getattr(category, 'location', None)
        if location:
            parts.append('location=%s' % quote(self.urls.path(location)))
        if full:
            definitions = self.attributes(category_attributes(category))
            if definitions:
                parts.append('attributes=%s' % quote(' '.join(
                    attribute_definition(d) for d in definitions.values()
                )))
            actions = getattr(category, 'actions', ())
            if actions:
                parts.append('actions=%s' % quote(' '.join(
                    a.type_id for a in actions
                )))
        return '; '.join(parts)

    def link(self, link):
        """The Link value for a link owned by a Resource (GFD.185, GFD.229):
        the *target* in angle brackets, ``self`` = the link."""
        target_kind = link.target_kind or RESOURCE
        parts = [
            '<%s>' % self.urls.path(link.target),
            'rel=%s' % quote(target_kind.type_id),
        ]
        if link.location:
            parts.append('self=%s' % quote(self.urls.path(link.location)))
        parts.append('category=%s' % quote(' '.join(
            c.type_id for c in link.categories()
        )))
        values = {
            name: value for name, value in link.attribute_values().items()
            if name not in _LINK_LINE_SKIP
        }
        parts.extend(format_attributes(self.attributes(values)))
        return '; '.join(parts)

    def action_link(self, entity, action):
        """``<entity?action=term>; rel="<action id>"``."""
        return '<%s?action=%s>; rel=%s' % (
            self.urls.path(entity.location), action.term,
            quote(action.type_id),
        )

    def entity_attributes(self, entity):
        """The attribute values of an entity, source/target as paths."""
        values = entity.attribute_values()
        if isinstance(entity, Link):
            for name in ('occi.core.source', 'occi.core.target'):
                if values.get(name) is not None:
                    values[name] = self.urls.path(values[name])
            if (entity.target_kind is not None
                    and 'occi.core.target.kind' not in values):
                values['occi.core.target.kind'] = entity.target_kind.type_id
        return values

    # -- whole renderings --------------------------------------------------

    @dispatchmethod
    def pairs(self, obj):
        """The pairs rendering ``obj``.

        :raises TypeError: for a type that has no text rendering
        """
        raise cannot_render(self, obj)

    @pairs.register
    def _(self, obj: type(None)):
        return []

    @pairs.register
    def _(self, entity: Entity):
        pairs = [
            (CATEGORY, self.category(c, full=False))
            for c in entity.categories()
        ]
        if isinstance(entity, Resource):
            pairs.extend((LINK, self.link(link)) for link in entity.links)
        if entity.location:
            pairs.extend(
                (LINK, self.action_link(entity, action))
                for action in entity.actions
            )
        pairs.extend(
            (ATTRIBUTE, value) for value in format_attributes(
                self.attributes(self.entity_attributes(entity)))
        )
        return pairs

    @pairs.register
    def _(self, category: Category):
        return [(CATEGORY, self.category(category))]

    @pairs.register
    def _(self, categories: CategoryCollection):
        return [(CATEGORY, self.category(c)) for c in categories]

    @pairs.register
    def _(self, collection: Collection):
        return self.locations(collection.locations)

    @pairs.register(list)
    @pairs.register(tuple)
    def _(self, locations):
        return self.locations(locations)

    @pairs.register
    def _(self, result: ActionResult):
        pairs = self.pairs(result.entity)
        if result.category is not None:
            pairs.extend(self.pairs(result.category))
        pairs.extend(self.failures(result.failures))
        return pairs

    def locations(self, locations):
        """``X-OCCI-Location`` pairs with absolute URLs (entities or
        location strings)."""
        return [
            (LOCATION, self.urls.url(location_of(item)))
            for item in locations
        ]

    def failures(self, failures):
        """``X-OCCI-Error: <url>: <message>`` pairs for the members of a
        collection action that failed."""
        return [
            (ERROR, one_line('%s: %s' % (self.urls.url(location), message)))
            for location, message in failures.items()
        ]


def location_of(item):
    """The location of an entity, or the string itself."""
    if isinstance(item, Entity):
        return item.location
    return item


def one_line(text):
    """``text`` with line breaks turned into spaces (safe in a header)."""
    return ' '.join(str(text).splitlines())
