"""Render → parse → compare, for every static category, a representative
entity of every kind, and (with hypothesis) arbitrary attribute values, in
every format that can carry them."""
import unittest

from hypothesis import given, settings
from hypothesis import strategies as st

from occi_pyramid import model as m
from tests.fixtures import samples as s

TEXT_FORMATS = ('text/plain', 'text/occi')
FORMATS = TEXT_FORMATS + ('application/occi+json',)


def render_and_parse(obj, media_type):
    """The cstruct a client would send back after reading ``obj``."""
    from occi_pyramid.parsers import parse_request
    from occi_pyramid.renderers import rendering_for
    rendered = rendering_for(media_type, s.urls()).render(obj)
    return parse_request(media_type, rendered.body.encode('utf-8'),
                         dict(rendered.headers))


def definition(attribute):
    props = [p for p, on in (('immutable', not attribute.mutable),
                             ('required', attribute.required)) if on]
    return '%s{%s}' % (attribute.name, ' '.join(props)) if props \
        else attribute.name


def expected_category(category, media_type, full=True):
    """The category cstruct ``category`` must parse back to."""
    from occi_pyramid.parsers import category_cstruct
    urls = s.urls()
    json = media_type == 'application/occi+json'
    rel = []
    if getattr(category, 'parent', None) is not None:
        rel = [category.parent.type_id]
    depends = [d.type_id for d in getattr(category, 'depends', ())]
    rel = rel + (depends if json else depends[:1])
    if not full:
        # a short Category in an entity rendering (text) or a bare id
        if json:
            return category_cstruct(category.term, category.scheme,
                                    category.category_class)
        return category_cstruct(
            category.term, category.scheme, category.category_class,
            title=category.title, rel=rel,
            location=urls.path(getattr(category, 'location', None)))
    definitions = (category.all_attributes()
                   if isinstance(category, (m.Kind, m.Mixin))
                   else category.attributes)
    location = getattr(category, 'location', None)
    if json and category is m.ENTITY:
        location = '/'  # JSON needs a location on every kind (the root)
    return category_cstruct(
        category.term, category.scheme, category.category_class,
        title=category.title, rel=rel,
        location=urls.path(location),
        attributes=[definition(d) for d in definitions.values()],
        actions=[a.type_id for a in getattr(category, 'actions', ())],
        applies=[k.type_id for k in getattr(category, 'applies', ())]
        if json else [],
        # NB: only JSON carries attribute defaults back
        defaults={d.name: d.default for d in definitions.values()
                  if d.default is not None} if json else None,
    )


def text_value(value):
    from occi_pyramid.renderers.headers import format_value
    return value if isinstance(value, str) else format_value(value)


def same_value(parsed, original, media_type):
    """Whether a parsed (uncoerced) value stands for ``original``."""
    if media_type == 'application/occi+json':
        return parsed == original and type(parsed) is type(original)
    if isinstance(original, bool):
        return parsed == ('true' if original else 'false')
    if isinstance(original, int):
        return int(parsed) == original
    if isinstance(original, float):
        return float(parsed) == original
    return parsed == original


def expected_attributes(entity, media_type):
    urls = s.urls()
    locate = urls.url if media_type == 'application/occi+json' else urls.path
    values = entity.attribute_values()
    if isinstance(entity, m.Link):
        values['occi.core.source'] = locate(entity.source)
        values['occi.core.target'] = locate(entity.target)
        values['occi.core.target.kind'] = entity.target_kind.type_id
    if media_type != 'application/occi+json':
        values = {k: text_value(v) for k, v in values.items()}
    return values


def expected_links(resource, media_type):
    urls = s.urls()
    json = media_type == 'application/occi+json'
    locate = urls.url if json else urls.path
    links = []
    for link in getattr(resource, 'links', ()):
        attributes = link.attribute_values()
        del attributes['occi.core.target']
        if json:
            attributes['occi.core.source'] = locate(link.source)
        else:
            del attributes['occi.core.source']
            attributes = {k: text_value(v) for k, v in attributes.items()}
        links.append({
            'target': locate(link.target),
            'rel': [link.target_kind.type_id],
            # JSON: no location member, a link is its kind and id
            'self': None if json else locate(link.location),
            'categories': [c.type_id for c in link.categories()],
            'attributes': attributes,
        })
    if not json:
        links.extend({
            'target': '%s?action=%s' % (locate(resource.location), a.term),
            'rel': [a.type_id], 'self': None, 'categories': [],
            'attributes': {},
        } for a in resource.actions)
    return links


class TestCategoryRoundTrip(unittest.TestCase):

    def test_every_static_category(self):
        for category in m.static_categories():
            for media_type in FORMATS:
                with self.subTest(category=category, media_type=media_type):
                    cstruct = render_and_parse(category, media_type)
                    self.assertEqual(
                        cstruct['categories'],
                        [expected_category(category, media_type)])

    def test_query_interface(self):
        categories = m.static_categories() + [s.os_tpl(), s.resource_tpl()]
        for media_type in FORMATS:
            cstruct = render_and_parse(m.CategoryCollection(categories),
                                       media_type)
            expected = [expected_category(c, media_type) for c in categories]
            key = (lambda c: (c['class'], c['scheme'], c['term']))
            self.assertEqual(sorted(cstruct['categories'], key=key),
                             sorted(expected, key=key))


class TestEntityRoundTrip(unittest.TestCase):

    def test_every_kind(self):
        for entity in s.entities():
            for media_type in FORMATS:
                with self.subTest(entity=entity, media_type=media_type):
                    cstruct = render_and_parse(entity, media_type)
                    self.assertEqual(cstruct['categories'], [
                        expected_category(c, media_type, full=False)
                        for c in entity.categories()])
                    self.assertEqual(cstruct['attributes'],
                                     expected_attributes(entity, media_type))
                    self.assertEqual(cstruct['links'],
                                     expected_links(entity, media_type))

    def test_collections(self):
        collection = m.Collection(s.entities(), ['/storage/s9'])
        urls = [s.urls().url(loc) for loc in collection.locations]
        for media_type in TEXT_FORMATS + ('text/uri-list',):
            cstruct = render_and_parse(collection, media_type)
            self.assertEqual(cstruct['locations'], urls)
        collection = m.Collection(s.entities())
        cstruct = render_and_parse(collection, 'application/occi+json')
        self.assertEqual(cstruct['locations'], [])
        # an entity in JSON is its kind and id (no location member)
        self.assertEqual(
            [(e['categories'][0]['term'], e['attributes']['occi.core.id'])
             for e in cstruct['entities']],
            [(e.kind.term, e.id) for e in
             collection.resources + collection.links])
        self.assertEqual(
            cstruct['entities'][0]['attributes'],
            expected_attributes(collection.resources[0],
                                'application/occi+json'))


ATTRIBUTE_NAMES = st.from_regex(
    r'\Ax\.[a-z][a-z0-9_]{0,6}(\.[a-z0-9][a-z0-9_-]{0,6}){0,2}\Z')
VALUES = st.one_of(
    st.text(),
    st.text(alphabet='"\\,;= \r\n<>'),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
)
ATTRIBUTES = st.dictionaries(ATTRIBUTE_NAMES, VALUES, max_size=5)


class TestAttributeValueRoundTrip(unittest.TestCase):

    @settings(max_examples=150, deadline=None)
    @given(title=st.text(), attributes=ATTRIBUTES,
           link_attributes=ATTRIBUTES)
    def test_values_survive(self, title, attributes, link_attributes):
        link = m.Link(m.STORAGELINK, 'l1', '/storagelink/l1',
                      attributes=link_attributes, source='/storage/s1',
                      target='/storage/s2', target_kind=m.STORAGE)
        resource = m.Resource(m.STORAGE, 's1', '/storage/s1', title=title,
                              attributes=attributes, links=[link])
        for media_type in FORMATS:
            cstruct = render_and_parse(resource, media_type)
            parsed = cstruct['attributes']
            self.assertEqual(parsed.pop('occi.core.title'), title)
            self.assertEqual(parsed.pop('occi.core.id'), 's1')
            self.assertEqual(sorted(parsed), sorted(attributes))
            for name, value in attributes.items():
                self.assertTrue(same_value(parsed[name], value, media_type),
                                (media_type, name, parsed[name], value))
            (parsed_link,) = cstruct['links']
            parsed = parsed_link['attributes']
            parsed.pop('occi.core.id')
            parsed.pop('occi.core.source', None)
            self.assertEqual(sorted(parsed), sorted(link_attributes))
            for name, value in link_attributes.items():
                self.assertTrue(same_value(parsed[name], value, media_type),
                                (media_type, name, parsed[name], value))
