"""The four renderings, checked against lines and documents written by hand
from the OCCI specifications (GFD.185 §3.5-3.6, GFD.229, GFD.226)."""
import json
import unittest

from occi_pyramid import model as m
from tests.fixtures import samples as s
from tests.fixtures.occi_schemas import validate

STORAGE_ACTION = 'http://schemas.ogf.org/occi/infrastructure/storage/action#'

#: GFD.229, with our mount prefix and the state.message attribute
STORAGE_CATEGORY = (
    'storage; scheme="http://schemas.ogf.org/occi/infrastructure#"; '
    'class="kind"; title="Storage Resource"; '
    'rel="http://schemas.ogf.org/occi/core#resource"; '
    'location="/okeanos/storage/"; '
    'attributes="occi.core.id{immutable required} occi.core.title '
    'occi.core.summary occi.storage.size{required} '
    'occi.storage.state{immutable required} '
    'occi.storage.state.message{immutable}"; '
    'actions="' + ' '.join(STORAGE_ACTION + t for t in (
        'online', 'offline', 'backup', 'snapshot', 'resize')) + '"'
)
STOP_CATEGORY = (
    'stop; scheme="http://schemas.ogf.org/occi/infrastructure/compute/'
    'action#"; class="action"; title="Stop the compute resource"; '
    'attributes="method"'
)
COMPUTE_SHORT = (
    'compute; scheme="http://schemas.ogf.org/occi/infrastructure#"; '
    'class="kind"; title="Compute Resource"; '
    'rel="http://schemas.ogf.org/occi/core#resource"; '
    'location="/okeanos/compute/"'
)
OS_TPL_SHORT = (
    'debian_12; scheme="http://occi.example/okeanos/templates/os#"; '
    'class="mixin"; title="Debian 12 (bookworm)"; '
    'rel="http://schemas.ogf.org/occi/infrastructure#os_tpl"; '
    'location="/okeanos/mixin/os_tpl/debian_12/"'
)
#: GFD.185 and GFD.229: <target>, rel = target kind, self = the link
NETWORKINTERFACE_LINK = (
    '</okeanos/network/n1>; '
    'rel="http://schemas.ogf.org/occi/infrastructure#network"; '
    'self="/okeanos/networkinterface/c1_10.1.0.5"; '
    'category="http://schemas.ogf.org/occi/infrastructure#networkinterface '
    'http://schemas.ogf.org/occi/infrastructure/networkinterface'
    '#ipnetworkinterface"; '
    'occi.core.id="c1_10.1.0.5"; '
    'occi.networkinterface.interface="eth0"; '
    'occi.networkinterface.mac="aa:00:00:12:34:56"; '
    'occi.networkinterface.state="active"; '
    'occi.networkinterface.address="10.1.0.5"; '
    'occi.networkinterface.allocation="dynamic"'
)
STORAGELINK_LINK = (
    '</okeanos/storage/s1>; '
    'rel="http://schemas.ogf.org/occi/infrastructure#storage"; '
    'self="/okeanos/storagelink/c1_s1"; '
    'category="http://schemas.ogf.org/occi/infrastructure#storagelink"; '
    'occi.core.id="c1_s1"; occi.storagelink.deviceid="/dev/vdb"; '
    'occi.storagelink.state="active"'
)
COMPUTE_PAIRS = [
    ('Category', COMPUTE_SHORT),
    ('Category', OS_TPL_SHORT),
    ('Category',
     'c2r2048d20; scheme="http://occi.example/okeanos/templates/resource#"; '
     'class="mixin"; title="Flavor: C2R2048D20"; '
     'rel="http://schemas.ogf.org/occi/infrastructure#resource_tpl"; '
     'location="/okeanos/mixin/resource_tpl/c2r2048d20/"'),
    ('Category',
     'ssh_key; scheme="http://schemas.ogf.org/occi/infrastructure/'
     'credentials#"; class="mixin"; title="Credentials Mixin"; '
     'location="/okeanos/mixin/ssh_key/"'),
    ('Link', NETWORKINTERFACE_LINK),
    ('Link', STORAGELINK_LINK),
] + [
    ('Link', '</okeanos/compute/c1?action=%s>; rel="%s%s"'
     % (term, s.COMPUTE_ACTION, term))
    for term in ('stop', 'restart', 'suspend', 'save')
] + [
    ('X-OCCI-Attribute', 'occi.core.id="c1"'),
    ('X-OCCI-Attribute', 'occi.core.title="builder"'),
    ('X-OCCI-Attribute', 'occi.compute.architecture="x64"'),
    ('X-OCCI-Attribute', 'occi.compute.cores=2'),
    ('X-OCCI-Attribute', 'occi.compute.memory=2.0'),
    ('X-OCCI-Attribute', 'occi.compute.hostname="builder.occi.example"'),
    ('X-OCCI-Attribute', 'occi.compute.state="active"'),
    ('X-OCCI-Attribute',
     'occi.credentials.ssh.publickey="ssh-ed25519 AAAA alice@host"'),
]


class TestURLs(unittest.TestCase):

    def _makeOne(self, *args):
        from occi_pyramid.renderers.urls import URLs
        return URLs(*args)

    def test_mounted(self):
        urls = self._makeOne('http://h:8080/okeanos', '/okeanos')
        self.assertEqual(urls.path('/compute/42'), '/okeanos/compute/42')
        self.assertEqual(urls.path('compute/'), '/okeanos/compute/')
        self.assertEqual(urls.url('/compute/42'),
                         'http://h:8080/okeanos/compute/42')

    def test_at_root(self):
        urls = self._makeOne('http://h/')
        self.assertEqual(urls.path('/compute/42'), '/compute/42')
        self.assertEqual(urls.url('/compute/'), 'http://h/compute/')

    def test_absolute_and_none_pass_through(self):
        urls = self._makeOne('http://h/okeanos', '/okeanos')
        for value in ('http://other/network/1', 'urn:uuid:1', None):
            self.assertEqual(urls.path(value), value)
            self.assertEqual(urls.url(value), value)

    def test_from_request(self):
        from occi_pyramid.renderers.urls import URLs

        class Request:
            application_url = 'https://h/okeanos'
            script_name = '/okeanos'

        urls = URLs.from_request(Request())
        self.assertEqual(urls.url('/-/'), 'https://h/okeanos/-/')


class TestFormatValue(unittest.TestCase):

    def _callFUT(self, value):
        from occi_pyramid.renderers.headers import format_value
        return format_value(value)

    def test_strings_are_quoted_and_escaped(self):
        self.assertEqual(self._callFUT('a "b" \\c'), r'"a \"b\" \\c"')
        self.assertEqual(self._callFUT('one\r\ntwo'), r'"one\r\ntwo"')

    def test_numbers_and_booleans_are_bare(self):
        self.assertEqual(self._callFUT(4), '4')
        self.assertEqual(self._callFUT(-4), '-4')
        self.assertEqual(self._callFUT(True), 'true')
        self.assertEqual(self._callFUT(False), 'false')

    def test_floats_have_no_exponent(self):
        self.assertEqual(self._callFUT(1.0), '1.0')
        self.assertEqual(self._callFUT(1e-07), '0.0000001')
        self.assertEqual(self._callFUT(1e20), '100000000000000000000.0')
        self.assertEqual(self._callFUT(0.1), '0.1')

    def test_non_finite_float_fails(self):
        with self.assertRaises(ValueError):
            self._callFUT(float('nan'))

    def test_complex_values_are_quoted_json(self):
        self.assertEqual(self._callFUT({'a': [1]}), r'"{\"a\": [1]}"')


class TestHeaderPairs(unittest.TestCase):

    def _makeOne(self):
        from occi_pyramid.renderers.headers import HeaderPairs
        return HeaderPairs(s.urls())

    def test_query_interface_category(self):
        self.assertEqual(self._makeOne().category(m.STORAGE),
                         STORAGE_CATEGORY)

    def test_action_category(self):
        self.assertEqual(self._makeOne().category(m.STOP), STOP_CATEGORY)

    def test_a_category_line_is_kept_per_form_version_and_prefix(self):
        from occi_pyramid.renderers.headers import HeaderPairs
        from occi_pyramid.renderers.urls import URLs

        mixin = m.Mixin('http://example.org/t#', 'a', 'A',
                        location='/a/')
        one = HeaderPairs(URLs('http://h/one', '/one'))
        other = HeaderPairs(URLs('http://h/two', '/two'))
        old = HeaderPairs(URLs('http://h/one', '/one'), '1.1')
        self.assertIn('location="/one/a/"', one.category(mixin))
        self.assertIs(one.category(mixin), one.category(mixin))
        self.assertIn('location="/two/a/"', other.category(mixin))
        one.category(mixin, full=False)
        self.assertEqual(len(mixin.rendered), 3)
        old.category(mixin)
        self.assertEqual(len(mixin.rendered), 4)
        # another object with the same type id has its own lines
        retitled = m.Mixin('http://example.org/t#', 'a', 'B',
                           location='/a/')
        self.assertIn('title="B"', one.category(retitled))

    def test_entity_kind_has_no_location_or_rel(self):
        line = self._makeOne().category(m.ENTITY)
        self.assertEqual(
            line,
            'entity; scheme="http://schemas.ogf.org/occi/core#"; '
            'class="kind"; title="Entity type"; attributes='
            '"occi.core.id{immutable required} occi.core.title"')

    def test_mixin_rel_is_first_depends_only(self):
        mixin = m.Mixin('http://x.example/tpl#', 'both', depends=[
            m.OS_TPL, m.RESOURCE_TPL], applies=[m.COMPUTE])
        line = self._makeOne().category(mixin)
        self.assertEqual(
            line, 'both; scheme="http://x.example/tpl#"; class="mixin"; '
                  'rel="http://schemas.ogf.org/occi/infrastructure#os_tpl"')

    def test_title_is_escaped(self):
        mixin = m.Mixin('http://x.example/tags#', 'vip', 'a "b"',
                        location='/tags/vip/')
        self.assertIn(r'title="a \"b\""', self._makeOne().category(mixin))

    def test_resource(self):
        self.assertEqual(self._makeOne().pairs(s.compute()), COMPUTE_PAIRS)

    def test_link_instance(self):
        pairs = self._makeOne().pairs(s.storagelink())
        self.assertEqual(pairs, [
            ('Category',
             'storagelink; scheme="http://schemas.ogf.org/occi/'
             'infrastructure#"; class="kind"; title="StorageLink Link"; '
             'rel="http://schemas.ogf.org/occi/core#link"; '
             'location="/okeanos/storagelink/"'),
            ('X-OCCI-Attribute', 'occi.core.id="c1_s1"'),
            ('X-OCCI-Attribute', 'occi.core.source="/okeanos/compute/c1"'),
            ('X-OCCI-Attribute', 'occi.core.target="/okeanos/storage/s1"'),
            ('X-OCCI-Attribute', 'occi.storagelink.deviceid="/dev/vdb"'),
            ('X-OCCI-Attribute', 'occi.storagelink.state="active"'),
            ('X-OCCI-Attribute', 'occi.core.target.kind='
             '"http://schemas.ogf.org/occi/infrastructure#storage"'),
        ])

    def test_link_to_unknown_kind_and_external_target(self):
        link = m.Link(m.LINK, 'l1', '/link/l1', source='/compute/c1',
                      target='http://elsewhere.example/x/1')
        resource = m.Resource(m.COMPUTE, 'c1', '/compute/c1', links=[link])
        pairs = self._makeOne().pairs(resource)
        self.assertIn(
            ('Link', '<http://elsewhere.example/x/1>; '
                     'rel="http://schemas.ogf.org/occi/core#resource"; '
                     'self="/okeanos/link/l1"; '
                     'category="http://schemas.ogf.org/occi/core#link"; '
                     'occi.core.id="l1"'), pairs)

    def test_collection_and_location_list(self):
        pairs = self._makeOne().pairs(
            m.Collection([s.network()], ['/network/n2']))
        self.assertEqual(pairs, [
            ('X-OCCI-Location', 'http://occi.example/okeanos/network/n1'),
            ('X-OCCI-Location', 'http://occi.example/okeanos/network/n2'),
        ])
        self.assertEqual(self._makeOne().pairs(['/a', s.storage()]), [
            ('X-OCCI-Location', 'http://occi.example/okeanos/a'),
            ('X-OCCI-Location', 'http://occi.example/okeanos/storage/s1'),
        ])

    def test_category_collection_is_full(self):
        pairs = self._makeOne().pairs(m.CategoryCollection([m.STORAGE,
                                                             m.STOP]))
        self.assertEqual(pairs, [('Category', STORAGE_CATEGORY),
                                 ('Category', STOP_CATEGORY)])

    def test_action_result(self):
        result = m.ActionResult(category=s.os_tpl(),
                                failures={'/compute/c2': 'is\nbusy'})
        pairs = self._makeOne().pairs(result)
        self.assertEqual(pairs[0][0], 'Category')
        self.assertEqual(pairs[1], (
            'X-OCCI-Error', 'http://occi.example/okeanos/compute/c2: is busy'))

    def test_unknown_type(self):
        with self.assertRaises(TypeError):
            self._makeOne().pairs(object())


class RenderingContract:
    """What every rendering does; subclasses say how to read the result."""

    media_type = None
    unknown_error = TypeError

    def _getTargetClass(self):
        raise NotImplementedError

    def _makeOne(self):
        return self._getTargetClass()(s.urls())

    def listed(self, rendered):
        """The URLs a rendered listing carries."""
        raise NotImplementedError

    def everything(self, rendered):
        return rendered.body + ''.join(v for _, v in rendered.headers)

    def test_content_type(self):
        rendered = self._makeOne().render(m.Collection())
        self.assertEqual(rendered.content_type, self.media_type)
        self.assertEqual(rendered.charset, 'utf-8')

    def test_collection(self):
        rendered = self._makeOne().render(
            m.Collection([s.storage()], ['/storage/s2']))
        self.assertEqual(self.listed(rendered), [
            'http://occi.example/okeanos/storage/s1',
            'http://occi.example/okeanos/storage/s2',
        ])

    def test_location_list(self):
        rendered = self._makeOne().render(['/compute/c1'])
        self.assertEqual(self.listed(rendered),
                         ['http://occi.example/okeanos/compute/c1'])

    def test_failures_are_readable(self):
        rendered = self._makeOne().render(m.ActionResult(
            failures={'/compute/c2': 'cannot stop a stopped compute'}))
        self.assertIn('http://occi.example/okeanos/compute/c2',
                      self.everything(rendered))
        self.assertIn('cannot stop a stopped compute',
                      self.everything(rendered))

    def test_error(self):
        rendered = self._makeOne().render_error(404, 'No compute c9.')
        self.assertIn('No compute c9.', rendered.body)

    def test_unknown_type(self):
        with self.assertRaises(self.unknown_error):
            self._makeOne().render(object())


class TestTextPlainRendering(RenderingContract, unittest.TestCase):
    media_type = 'text/plain'

    def _getTargetClass(self):
        from occi_pyramid.renderers.text import TextPlainRendering
        return TextPlainRendering

    def listed(self, rendered):
        prefix = 'X-OCCI-Location: '
        lines = rendered.body.splitlines()
        self.assertTrue(all(line.startswith(prefix) for line in lines))
        return [line[len(prefix):] for line in lines]

    def test_entity_lines(self):
        rendered = self._makeOne().render(s.compute())
        self.assertEqual(rendered.headers, [])
        self.assertEqual(rendered.body, ''.join(
            '%s: %s\n' % pair for pair in COMPUTE_PAIRS))

    def test_kind(self):
        rendered = self._makeOne().render(m.STORAGE)
        self.assertEqual(rendered.body, 'Category: %s\n' % STORAGE_CATEGORY)

    def test_none_is_empty(self):
        self.assertEqual(self._makeOne().render(None).body, '')

    def test_error_body_only(self):
        rendered = self._makeOne().render_error(400, 'line 2: bad')
        self.assertEqual((rendered.body, rendered.headers),
                         ('line 2: bad\n', []))

    def test_occi_plain_alias(self):
        rendering = self._getTargetClass()(s.urls(), 'text/occi+plain')
        self.assertEqual(rendering.render(None).content_type,
                         'text/occi+plain')
        with self.assertRaises(ValueError):
            self._getTargetClass()(s.urls(), 'text/occi')


class TestTextOCCIRendering(RenderingContract, unittest.TestCase):
    media_type = 'text/occi'

    def _getTargetClass(self):
        from occi_pyramid.renderers.text import TextOCCIRendering
        return TextOCCIRendering

    def listed(self, rendered):
        self.assertEqual(rendered.body, 'OK')
        self.assertEqual([n for n, _ in rendered.headers],
                         ['X-OCCI-Location'])
        return rendered.headers[0][1].split(', ')

    def test_entity_headers_are_merged_per_structure(self):
        rendered = self._makeOne().render(s.compute())
        self.assertEqual(rendered.body, 'OK')
        names = [name for name, _ in rendered.headers]
        self.assertEqual(names, ['Category', 'Link', 'X-OCCI-Attribute'])
        for name, value in rendered.headers:
            self.assertEqual(value, ', '.join(
                v for n, v in COMPUTE_PAIRS if n == name))

    def test_none_is_ok(self):
        rendered = self._makeOne().render(None)
        self.assertEqual((rendered.body, rendered.headers), ('OK', []))

    def test_error_header(self):
        rendered = self._makeOne().render_error(400, 'bad\nline')
        self.assertEqual(rendered.headers, [('X-OCCI-Error', 'bad line')])
        self.assertEqual(rendered.body, 'bad\nline\n')

    def test_failures_are_not_merged(self):
        rendered = self._makeOne().render(m.ActionResult(failures={
            '/compute/c1': 'a, b', '/compute/c2': 'c'}))
        self.assertEqual([n for n, _ in rendered.headers],
                         ['X-OCCI-Error', 'X-OCCI-Error'])

    def test_header_values_are_wsgi_safe(self):
        resource = m.Resource(m.STORAGE, 's', '/storage/s', title='δίσκος')
        rendered = self._makeOne().render(resource)
        value = dict(rendered.headers)['X-OCCI-Attribute']
        value.encode('latin-1')  # PEP 3333
        self.assertIn('δίσκος', value.encode('latin-1').decode('utf-8'))


class TestURIListRendering(RenderingContract, unittest.TestCase):
    media_type = 'text/uri-list'

    def _getTargetClass(self):
        from occi_pyramid.renderers.urilist import URIListRendering
        return URIListRendering

    @property
    def unknown_error(self):
        from occi_pyramid.exceptions import OCCINotAcceptable
        return OCCINotAcceptable

    def listed(self, rendered):
        # LF line ends, no CR anywhere: rOCCI 4 splits on LF and keeps a CR
        self.assertTrue(rendered.body.endswith('\n'))
        self.assertNotIn('\r', rendered.body)
        return rendered.body.split('\n')[:-1]

    def test_query_interface_lists_collection_urls(self):
        rendered = self._makeOne().render(m.CategoryCollection(
            [m.ENTITY, m.COMPUTE, m.IPNETWORK, m.START]))
        self.assertEqual(rendered.body,
                         'http://occi.example/okeanos/compute/\n'
                         'http://occi.example/okeanos/mixin/ipnetwork/\n')

    def test_non_listings_are_refused(self):
        from occi_pyramid.exceptions import OCCINotAcceptable
        for obj in (s.compute(), m.COMPUTE, m.ActionResult(s.storage())):
            with self.assertRaises(OCCINotAcceptable) as raised:
                self._makeOne().render(obj)
            self.assertIn('text/uri-list', raised.exception.message)

    def test_none_is_empty(self):
        self.assertEqual(self._makeOne().render(None).body, '')
        self.assertEqual(self._makeOne().render(m.ActionResult()).body, '')

    def test_error_is_plain_text(self):
        rendered = self._makeOne().render_error(400, 'bad')
        self.assertEqual((rendered.content_type, rendered.body),
                         ('text/plain', 'bad\n'))


class TestOCCI11Clients(unittest.TestCase):
    """A client announcing OCCI/1.1 nests attributes by name (rOCCI 4):
    no attribute may extend another one it gets."""

    def pairs(self, obj, version):
        from occi_pyramid.renderers.headers import HeaderPairs
        return HeaderPairs(s.urls(), version).pairs(obj)

    def test_without_sub_attributes(self):
        from occi_pyramid.renderers.headers import without_sub_attributes
        self.assertEqual(without_sub_attributes([
            'a.b', 'a.b.c', 'a.bc', 'a.b.c.d', 'x.y.z', 'x']),
            ['a.b', 'a.bc', 'x'])

    def test_entities_links_and_definitions(self):
        compute = s.compute()
        compute.attributes['occi.compute.state.message'] = 'Up'
        for obj, sub in ((compute, 'occi.compute.state.message'),
                         (s.storagelink(), 'occi.core.target.kind'),
                         (m.COMPUTE, 'occi.compute.state.message'),
                         (m.LINK, 'occi.core.target.kind')):
            full = str(self.pairs(obj, '1.2'))
            legacy = str(self.pairs(obj, '1.1'))
            self.assertIn(sub, full)
            self.assertNotIn(sub, legacy)
            self.assertIn(sub.rsplit('.', 1)[0], legacy)
        # no version named: the full (1.2) rendering
        self.assertEqual(self.pairs(compute, None),
                         self.pairs(compute, '1.2'))


class TestOCCIJSONRendering(RenderingContract, unittest.TestCase):
    media_type = 'application/occi+json'

    def _getTargetClass(self):
        from occi_pyramid.renderers.json import OCCIJSONRendering
        return OCCIJSONRendering

    def document(self, obj):
        document = json.loads(self._makeOne().render(obj).body)
        if not isinstance(document, list):
            # every document is valid for GFD.226 and rOCCI-core 5
            validate(document, getattr(obj, 'category_class', None))
        return document

    def listed(self, rendered):
        document = json.loads(rendered.body)
        if isinstance(document, list):
            return document
        return ['http://occi.example/okeanos/%s/%s' % (
            e['kind'].split('#')[1], e['id'])
            for e in document.get('resources', []) + document.get(
                'links', [])]

    def test_network_resource(self):
        self.assertEqual(self.document(s.network()), {
            'kind': 'http://schemas.ogf.org/occi/infrastructure#network',
            'id': 'n1',
            'title': 'private net',
            'mixins': ['http://schemas.ogf.org/occi/infrastructure/network'
                       '#ipnetwork'],
            'attributes': {
                'occi.core.id': 'n1',
                'occi.core.title': 'private net',
                'occi.network.vlan': 12,
                'occi.network.state': 'active',
                'occi.network.address': '10.1.0.0/24',
                'occi.network.gateway': '10.1.0.1',
                'occi.network.allocation': 'dynamic',
            },
            'actions': ['http://schemas.ogf.org/occi/infrastructure/network/'
                        'action#down'],
        })

    def test_storage_has_summary_top_level(self):
        document = self.document(s.storage())
        self.assertEqual(document['summary'], 'scratch')
        self.assertEqual(document['attributes'], {
            'occi.core.id': 's1', 'occi.core.title': 'data',
            'occi.core.summary': 'scratch',
            'occi.storage.size': 20.0, 'occi.storage.state': 'online'})

    def test_link(self):
        self.assertEqual(self.document(s.storagelink()), {
            'kind': 'http://schemas.ogf.org/occi/infrastructure#storagelink',
            'id': 'c1_s1',
            'source': {
                'location': 'http://occi.example/okeanos/compute/c1',
                'kind': 'http://schemas.ogf.org/occi/infrastructure#compute',
            },
            'target': {
                'location': 'http://occi.example/okeanos/storage/s1',
                'kind': 'http://schemas.ogf.org/occi/infrastructure#storage',
            },
            # NB: the core attributes inside too, for rOCCI-core 5
            'attributes': {
                'occi.core.id': 'c1_s1',
                'occi.core.source': 'http://occi.example/okeanos/compute/c1',
                'occi.core.target': 'http://occi.example/okeanos/storage/s1',
                'occi.storagelink.deviceid': '/dev/vdb',
                'occi.storagelink.state': 'active'},
        })

    def test_resource_carries_links_and_its_core_attributes_twice(self):
        """Top-level, as GFD.226 puts them, and in ``attributes``, where
        rOCCI-core 5 reads them."""
        document = self.document(s.compute())
        self.assertEqual(len(document['links']), 2)
        self.assertEqual(document['links'][1], self.document(s.storagelink()))
        core = {name: value for name, value in document['attributes'].items()
                if name.startswith('occi.core.')}
        self.assertEqual(core, {'occi.core.id': document['id'],
                                'occi.core.title': document['title']})
        self.assertNotIn('occi.compute.share', document['attributes'])
        self.assertEqual(document['actions'], [
            s.COMPUTE_ACTION + t
            for t in ('stop', 'restart', 'suspend', 'save')])

    def test_kind(self):
        document = self.document(m.STORAGE)
        self.assertEqual(document['term'], 'storage')
        self.assertEqual(document['scheme'], s.INFRA)
        self.assertEqual(document['title'], 'Storage Resource')
        self.assertEqual(document['parent'], s.CORE + 'resource')
        self.assertEqual(document['location'], '/okeanos/storage/')
        self.assertEqual(document['actions'], [
            STORAGE_ACTION + t for t in (
                'online', 'offline', 'backup', 'snapshot', 'resize')])
        self.assertEqual(document['attributes']['occi.storage.state'], {
            'mutable': False, 'required': True, 'type': 'string',
            'description': 'Current state of the storage',
        })
        self.assertEqual(document['attributes']['occi.storage.size'], {
            'mutable': True, 'required': True, 'type': 'number',
            'description': 'Storage size in gigabytes',
        })
        self.assertIn('occi.core.id', document['attributes'])

    def test_entity_kind_is_located_at_the_root(self):
        # rOCCI-core 5 requires a location on every kind; the root lists
        # (and deletes) every entity, so nothing new is bound
        document = self.document(m.ENTITY)
        self.assertEqual(document['location'], '/okeanos/')
        self.assertNotIn('parent', document)

    def test_mixin(self):
        self.assertEqual(self.document(s.resource_tpl()), {
            'term': 'c2r2048d20',
            'scheme': s.RESOURCE_SCHEME,
            'title': 'Flavor: C2R2048D20',
            'location': '/okeanos/mixin/resource_tpl/c2r2048d20/',
            'depends': [s.INFRA + 'resource_tpl'],
            'applies': [s.INFRA + 'compute'],
            'attributes': {
                'occi.compute.cores': {'mutable': False, 'required': False,
                                       'type': 'number', 'default': 2},
                'occi.compute.memory': {'mutable': False, 'required': False,
                                        'type': 'number', 'default': 2.0},
            },
        })

    def test_no_pattern_no_empty_arrays(self):
        # GFD.226 wants a JSON-Schema object, rOCCI-core 5 a string: none
        action = m.Action('http://x.example/a#', 'rename', attributes={
            'name': m.AttributeDef('name', pattern='^[a-z]+$')})
        self.assertEqual(self.document(action)['attributes']['name'], {
            'mutable': True, 'required': False, 'type': 'string'})
        tag = m.Mixin('http://x.example/t#', 'tag', location='/t/')
        self.assertEqual(self.document(tag), {
            'term': 'tag', 'scheme': 'http://x.example/t#',
            'location': '/okeanos/t/', 'attributes': {}})

    def test_action(self):
        self.assertEqual(self.document(m.STOP), {
            'term': 'stop',
            'scheme': s.COMPUTE_ACTION,
            'title': 'Stop the compute resource',
            'attributes': {'method': {
                'mutable': True, 'required': False, 'type': 'string',
                'default': 'graceful',
                'description': 'How to stop the compute resource',
            }},
        })

    def test_query_interface(self):
        document = self.document(m.CategoryCollection(
            m.static_categories()))
        self.assertEqual(sorted(document), ['actions', 'kinds', 'mixins'])
        self.assertEqual(len(document["kinds"]), 9)
        self.assertIn(self.document(m.STOP), document['actions'])

    def test_query_interface_text_is_the_documents_encoding(self):
        """The query interface is spliced from each category's kept text:
        the bytes ``dump(document(...))`` gives, and a mount prefix of
        its own (a category's text is kept per prefix)."""
        categories = m.CategoryCollection(
            m.static_categories() + [s.os_tpl()])
        from occi_pyramid.renderers.urls import URLs

        for script_name in ('/okeanos', '', '/okeanos'):
            rendering = self._getTargetClass()(URLs(
                'http://occi.example' + script_name, script_name))
            self.assertEqual(
                rendering.render(categories).body,
                rendering.dump(rendering.document(categories)).body)
        only_mixins = m.CategoryCollection([s.os_tpl()])
        self.assertEqual(sorted(self.document(only_mixins)), ['mixins'])
        self.assertEqual(self._makeOne().render(
            m.CategoryCollection()).body, '{}\n')

    def test_collection(self):
        document = self.document(m.Collection(
            [s.storage(), s.storagelink()]))
        self.assertEqual(document['resources'], [self.document(s.storage())])
        self.assertEqual(document['links'], [self.document(s.storagelink())])
        self.assertEqual(self.document(m.Collection([s.storage()])),
                         {'resources': [self.document(s.storage())]})
        self.assertEqual(self.document(m.Collection()), {})
        with self.assertRaises(TypeError):
            self.document(m.Collection(locations=['/storage/s2']))

    def test_location_list_is_an_array(self):
        self.assertEqual(self.document(['/compute/c1']),
                         ['http://occi.example/okeanos/compute/c1'])

    def test_none_and_empty_result(self):
        self.assertEqual(self.document(None), {})
        self.assertEqual(self.document(m.ActionResult()), {})

    def test_action_result(self):
        rendered = self._makeOne().render(m.ActionResult(
            category=s.os_tpl(), failures={'/compute/c2': 'busy'}))
        document = json.loads(rendered.body)
        validate(document)
        self.assertEqual(document['mixins'][0]['term'], 'debian_12')
        self.assertEqual(rendered.headers, [(
            'X-OCCI-Error', 'http://occi.example/okeanos/compute/c2: busy')])
        self.assertEqual(self.document(m.ActionResult(s.storage())),
                         self.document(s.storage()))

    def test_error_document(self):
        rendered = self._makeOne().render_error(404, 'No compute "c9".')
        self.assertEqual(json.loads(rendered.body),
                         {'code': 404, 'message': 'No compute "c9".'})
        self.assertEqual(rendered.content_type, self.media_type)


class TestRenderingFor(unittest.TestCase):

    def test_every_media_type(self):
        from occi_pyramid.renderers import RENDERINGS, rendering_for
        self.assertEqual(list(RENDERINGS), [
            'text/plain', 'text/occi+plain', 'text/occi', 'text/uri-list',
            'application/occi+json'])
        for media_type in RENDERINGS:
            rendering = rendering_for(media_type, s.urls())
            self.assertEqual(rendering.media_type, media_type)

    def test_string_urls(self):
        from occi_pyramid.renderers import TextPlainRendering
        rendering = TextPlainRendering('http://h')
        self.assertEqual(rendering.render(['/x']).body,
                         'X-OCCI-Location: http://h/x\n')


def test_dispatchmethod_dispatches_on_the_class_of_its_argument():
    from occi_pyramid.renderers.base import dispatchmethod

    class Shapes:
        @dispatchmethod
        def name(self, obj):
            return 'object'

        @name.register
        def _(self, obj: int):
            return 'int %s %s' % (obj, type(self).__name__)

    class Bool(Shapes):
        pass

    shapes = Bool()
    assert shapes.name(True) == 'int True Bool'     # bool is an int
    assert shapes.name('x') == 'object'
