"""The request parsers, fed the shapes real clients send (rOCCI, curl,
pOCCI, ooi, the OCCI-WG test script) and every way of getting it wrong."""
import json
import unittest

import pytest

INFRA = 'http://schemas.ogf.org/occi/infrastructure#'
CORE = 'http://schemas.ogf.org/occi/core#'
COMPUTE_ACTION = 'http://schemas.ogf.org/occi/infrastructure/compute/action#'
OS_SCHEME = 'http://occi.example/okeanos/templates/os#'
COMPUTE_CATEGORY = 'compute; scheme="%s"; class="kind"' % INFRA
OS_CATEGORY = 'debian_12; scheme="%s"; class="mixin"' % OS_SCHEME


def category(term, scheme, class_=None, **values):
    from occi_pyramid.parsers import category_cstruct
    return category_cstruct(term, scheme, class_, **values)


def link(target, rel=(), self=None, categories=(), attributes=None):
    return {'target': target, 'rel': list(rel), 'self': self,
            'categories': list(categories), 'attributes': attributes or {}}


class ParseErrorAssertions:

    def assertParseError(self, *args, mentions=()):
        """The call fails with a 400 whose message names ``mentions``."""
        from occi_pyramid.exceptions import OCCIParseError
        with self.assertRaises(OCCIParseError) as raised:
            self._callFUT(*args)
        self.assertEqual(raised.exception.code, 400)
        for text in mentions:
            self.assertIn(text, raised.exception.message)
        return raised.exception


class TestSplitTypeId(ParseErrorAssertions, unittest.TestCase):

    def _callFUT(self, type_id):
        from occi_pyramid.parsers import split_type_id
        return split_type_id(type_id)

    def test_split(self):
        self.assertEqual(self._callFUT(INFRA + 'compute'), (INFRA, 'compute'))
        self.assertEqual(self._callFUT('http://x.example/os#5f1e-ab.1'),
                         ('http://x.example/os#', '5f1e-ab.1'))

    def test_errors(self):
        self.assertParseError('compute', mentions=["'compute'", 'scheme#term'])
        self.assertParseError(INFRA, mentions=['term'])
        self.assertParseError('nourl#compute', mentions=['scheme'])
        self.assertParseError(None, mentions=['None'])
        self.assertParseError(INFRA + 'com pute', mentions=['com pute'])


class TestTextPlainParser(ParseErrorAssertions, unittest.TestCase):

    def _callFUT(self, body, headers=None):
        from occi_pyramid.parsers import TextPlainParser
        if isinstance(body, str):
            body = body.encode('utf-8')
        return TextPlainParser().parse(body, headers or {})

    def test_empty(self):
        from occi_pyramid.parsers import empty_cstruct
        self.assertEqual(self._callFUT(b''), empty_cstruct())
        self.assertEqual(self._callFUT('\r\n\n  \n'), empty_cstruct())

    def test_rocci_create_body_and_headers(self):
        # rOCCI sends the kind in the body and more structures as headers
        body = (
            'Category: %s\r\n'
            'Category: %s\r\n'
            'X-OCCI-Attribute: occi.core.title="builder"\r\n'
            'X-OCCI-Attribute: occi.compute.cores=2\r\n'
            'X-OCCI-Attribute: occi.compute.memory=2.0\r\n'
            % (COMPUTE_CATEGORY, OS_CATEGORY))
        headers = {
            'Accept': 'text/plain',
            'User-Agent': 'rOCCI-cli/4.3.6 OCCI/1.1',
            'X-OCCI-Category': 'ssh_key; scheme="http://schemas.ogf.org/occi/'
                               'infrastructure/credentials#"; class="mixin"',
            'X-OCCI-Attribute': 'occi.credentials.ssh.publickey="ssh-rsa A"',
        }
        cstruct = self._callFUT(body, headers)
        self.assertEqual(cstruct['categories'], [
            category('compute', INFRA, 'kind'),
            category('debian_12', OS_SCHEME, 'mixin'),
            category('ssh_key', 'http://schemas.ogf.org/occi/infrastructure/'
                                'credentials#', 'mixin'),
        ])
        self.assertEqual(cstruct['attributes'], {
            'occi.core.title': 'builder',
            'occi.compute.cores': '2',
            'occi.compute.memory': '2.0',
            'occi.credentials.ssh.publickey': 'ssh-rsa A',
        })

    def test_category_in_body_and_header_counts_once(self):
        cstruct = self._callFUT('Category: %s\n' % COMPUTE_CATEGORY,
                                {'Category': COMPUTE_CATEGORY})
        self.assertEqual(cstruct['categories'],
                         [category('compute', INFRA, 'kind')])

    def test_pocci_query_interface_mixin(self):
        cstruct = self._callFUT(
            'Category: vip; scheme="http://myocci.example/tags/alice#"; '
            'class="mixin"; title="Very important"; '
            'rel="http://schemas.ogf.org/occi/infrastructure#os_tpl"; '
            'location="/tags/alice/vip/"\n')
        self.assertEqual(cstruct['categories'], [category(
            'vip', 'http://myocci.example/tags/alice#', 'mixin',
            title='Very important', rel=[INFRA + 'os_tpl'],
            location='/tags/alice/vip/')])

    def test_full_category_line(self):
        line = (
            'Category: storage; scheme="%s"; class="kind"; title="Storage '
            'Resource"; rel="%sresource"; location="/storage/"; attributes='
            '"occi.core.id{immutable required} occi.core.title '
            'occi.storage.size{ required }"; actions="%s %s"'
            % (INFRA, CORE, COMPUTE_ACTION + 'a', COMPUTE_ACTION + 'b'))
        (parsed,) = self._callFUT(line)['categories']
        self.assertEqual(parsed, category(
            'storage', INFRA, 'kind', title='Storage Resource',
            rel=[CORE + 'resource'], location='/storage/',
            attributes=['occi.core.id{immutable required}',
                        'occi.core.title', 'occi.storage.size{required}'],
            actions=[COMPUTE_ACTION + 'a', COMPUTE_ACTION + 'b']))

    def test_sloppy_but_accepted(self):
        body = (
            '\ufeffcategory:compute; scheme="%s"; class=kind;\r\r\n'
            '\n'
            '   X-OCCI-ATTRIBUTE:   occi.core.title = "a" ; \n'
            'Category: start; scheme="%s"; class="action", %s\n'
            % (INFRA, COMPUTE_ACTION, OS_CATEGORY))
        cstruct = self._callFUT(body)
        self.assertEqual([c['term'] for c in cstruct['categories']],
                         ['compute', 'start', 'debian_12'])
        self.assertEqual(cstruct['categories'][0]['class'], 'kind')
        self.assertEqual(cstruct['attributes'], {'occi.core.title': 'a'})

    def test_relaxed_terms_and_no_class(self):
        (parsed,) = self._callFUT(
            'Category: 5F1E-ab.small; scheme="http://x.example/r#"')[
                'categories']
        self.assertEqual((parsed['term'], parsed['class']),
                         ('5F1E-ab.small', None))

    def test_attribute_values(self):
        cstruct = self._callFUT(
            'X-OCCI-Attribute: a.bare=true, a.quoted="false", a.int=4\n'
            'X-OCCI-Attribute: a.float=1.5, a.neg=-2\n'
            'X-OCCI-Attribute: a.esc="x\\\\y \\"q\\" \\n"\n'
            'X-OCCI-Attribute: method=acpioff\n'
            'X-OCCI-Attribute: a.int=5\n')
        self.assertEqual(cstruct['attributes'], {
            'a.bare': 'true', 'a.quoted': 'false', 'a.int': '5',
            'a.float': '1.5', 'a.neg': '-2', 'a.esc': 'x\\y "q" \n',
            'method': 'acpioff'})

    def test_wg_test_quoting(self):
        # OCCI-WG test_occi_11.py: an escaped quote and a comma inside a
        # title must not let "occi.compute.memory" leak out
        cstruct = self._callFUT(
            'X-OCCI-Attribute: occi.core.title="My \\", '
            'occi.compute.memory=1.0", occi.compute.cores=2\n')
        self.assertEqual(cstruct['attributes'], {
            'occi.core.title': 'My ", occi.compute.memory=1.0',
            'occi.compute.cores': '2'})

    def test_links(self):
        cstruct = self._callFUT(
            'Link: </network/n1>; rel="%snetwork"; self="/networkinterface/'
            'x"; category="%snetworkinterface %s"; '
            'occi.networkinterface.interface="eth0"; '
            'occi.networkinterface.mac=aa:bb\n'
            'X-OCCI-Link: <http://occi.example/storage/s1>; rel="%sstorage";'
            ' category="%sstoragelink"\n'
            'Link: </compute/c1?action=stop>; rel="%sstop"\n'
            % (INFRA, INFRA, 'http://schemas.ogf.org/occi/infrastructure/'
               'networkinterface#ipnetworkinterface', INFRA, INFRA,
               COMPUTE_ACTION))
        self.assertEqual(cstruct['links'], [
            link('/network/n1', [INFRA + 'network'], '/networkinterface/x',
                 [INFRA + 'networkinterface',
                  'http://schemas.ogf.org/occi/infrastructure/'
                  'networkinterface#ipnetworkinterface'],
                 {'occi.networkinterface.interface': 'eth0',
                  'occi.networkinterface.mac': 'aa:bb'}),
            link('http://occi.example/storage/s1', [INFRA + 'storage'],
                 categories=[INFRA + 'storagelink']),
            link('/compute/c1?action=stop', [COMPUTE_ACTION + 'stop']),
        ])

    def test_link_target_with_comma_and_semicolon(self):
        cstruct = self._callFUT(
            'Link: </a,b;c>; rel="%snetwork", </d>\n' % INFRA)
        self.assertEqual([l['target'] for l in cstruct['links']],
                         ['/a,b;c', '/d'])

    def test_ooi_link_target_parameter(self):
        # ooi puts the link's own URL in <…> and the target in a parameter
        (parsed,) = self._callFUT(
            'Link: </compute/c1_PUBLIC>; rel="%snetwork"; category='
            '"%snetworkinterface"; occi.core.target="/network/PUBLIC"; '
            'occi.core.source="/compute/c1"\n' % (INFRA, INFRA))['links']
        self.assertEqual(parsed['target'], '/network/PUBLIC')
        self.assertEqual(parsed['attributes'],
                         {'occi.core.source': '/compute/c1'})

    def test_locations(self):
        cstruct = self._callFUT(
            'X-OCCI-Location: http://occi.example/compute/7f3c\n'
            'X-OCCI-Location: /storage/a1, /storage/a2\n'
            'Location: </network/n1>\n')
        self.assertEqual(cstruct['locations'], [
            'http://occi.example/compute/7f3c', '/storage/a1', '/storage/a2',
            '/network/n1'])

    def test_utf8(self):
        cstruct = self._callFUT(
            'X-OCCI-Attribute: occi.core.title="δίσκος ☃"\n')
        self.assertEqual(cstruct['attributes']['occi.core.title'],
                         'δίσκος ☃')

    # -- errors ------------------------------------------------------------

    def test_line_that_is_not_name_value(self):
        self.assertParseError(
            'Category: %s\nthis is not OCCI\n' % COMPUTE_CATEGORY,
            mentions=['line 2', 'this is not OCCI'])

    def test_unknown_structure_line(self):
        self.assertParseError(
            '\nX-OCCI-Attribute: a=1\nX-Foo: bar\n',
            mentions=['line 3', 'X-Foo'])

    def test_category_without_scheme(self):
        self.assertParseError('Category: compute; class="kind"\n',
                              mentions=['line 1', 'no scheme', 'compute'])

    def test_scheme_without_hash(self):
        self.assertParseError(
            'Category: compute; scheme="http://x.example/infra"\n',
            mentions=['line 1', 'http://x.example/infra', '"#"'])

    def test_bad_terms(self):
        for term in ('Com pute', '.dot', 'a/b', ''):
            self.assertParseError(
                'Category: %s; scheme="%s"\n' % (term, INFRA),
                mentions=['line 1', 'term'])

    def test_bad_class(self):
        self.assertParseError(
            'Category: compute; scheme="%s"; class="thing"\n' % INFRA,
            mentions=['line 1', 'thing'])

    def test_parameter_without_value(self):
        self.assertParseError(
            'Category: compute; scheme="%s"; class\n' % INFRA,
            mentions=['line 1', 'class'])

    def test_attribute_without_equals(self):
        self.assertParseError('X-OCCI-Attribute: occi.core.title\n',
                              mentions=['line 1', 'occi.core.title', '='])

    def test_attribute_without_value(self):
        self.assertParseError('X-OCCI-Attribute: occi.core.title=\n',
                              mentions=['line 1', 'empty value'])

    def test_bad_attribute_name(self):
        self.assertParseError('X-OCCI-Attribute: -x=1\n',
                              mentions=['line 1', '-x'])

    def test_unterminated_quote(self):
        self.assertParseError(
            'X-OCCI-Attribute: occi.core.title="abc\n',
            mentions=['line 1', 'unterminated'])
        self.assertParseError(
            'X-OCCI-Attribute: occi.core.title="abc\\"\n',
            mentions=['line 1', 'unterminated'])

    def test_text_after_closing_quote(self):
        self.assertParseError('X-OCCI-Attribute: a="x"y\n',
                              mentions=['line 1', 'closing quote'])

    def test_unquoted_value_with_blanks(self):
        self.assertParseError('X-OCCI-Attribute: a=two words\n',
                              mentions=['line 1', 'quoted'])

    def test_link_without_brackets(self):
        self.assertParseError(
            'Link: /network/n1; rel="%snetwork"\n' % INFRA,
            mentions=['line 1', '<target>'])
        self.assertParseError('Link: </network/n1; rel="x#y"\n',
                              mentions=['line 1', 'unterminated <'])
        self.assertParseError('Link: <>\n', mentions=['empty target'])

    def test_link_rel_must_be_type_ids(self):
        self.assertParseError('Link: </n/1>; rel="network"\n',
                              mentions=['line 1', 'rel', 'network'])

    def test_bad_location(self):
        self.assertParseError('X-OCCI-Location: /a b\n',
                              mentions=['line 1', '/a b'])

    def test_bad_encoding(self):
        self.assertParseError(b'X-OCCI-Attribute: a="\xff"\n',
                              mentions=['utf-8'])

    def test_errors_in_headers_name_the_header(self):
        self.assertParseError(b'', {'X-OCCI-Attribute': 'a'},
                              mentions=['header X-OCCI-Attribute'])


class TestTextOCCIParser(ParseErrorAssertions, unittest.TestCase):

    def _callFUT(self, headers, body=b''):
        from occi_pyramid.parsers import TextOCCIParser
        return TextOCCIParser().parse(body, headers)

    def test_curl_one_liner(self):
        # curl -X POST -H 'Category: …' -H 'X-OCCI-Attribute: …' …
        cstruct = self._callFUT({
            'Host': 'occi.example',
            'Accept': '*/*',
            'Category': '%s, %s' % (COMPUTE_CATEGORY, OS_CATEGORY),
            'X-OCCI-Attribute': 'occi.core.title="vm1", occi.compute.cores=2',
            'Link': '</network/n1>; rel="%snetwork"; category='
                    '"%snetworkinterface"' % (INFRA, INFRA),
        }, b'ignored')
        self.assertEqual([c['term'] for c in cstruct['categories']],
                         ['compute', 'debian_12'])
        self.assertEqual(cstruct['attributes'], {
            'occi.core.title': 'vm1', 'occi.compute.cores': '2'})
        self.assertEqual(cstruct['links'][0]['target'], '/network/n1')

    def test_header_names_are_case_insensitive_with_aliases(self):
        cstruct = self._callFUT([
            ('x-occi-category', COMPUTE_CATEGORY),
            ('CATEGORY', OS_CATEGORY),
            ('x-occi-location', '/compute/c1'),
            ('Location', '/compute/c2'),
            ('X-OCCI-Attribute', 'a=1'),
            ('x-occi-attribute', 'b=2'),
        ])
        self.assertEqual(len(cstruct['categories']), 2)
        self.assertEqual(cstruct['locations'], ['/compute/c1', '/compute/c2'])
        self.assertEqual(cstruct['attributes'], {'a': '1', 'b': '2'})

    def test_ooi_quoted_booleans(self):
        cstruct = self._callFUT({
            'Category': COMPUTE_CATEGORY,
            'X-OCCI-Attribute': 'org.openstack.x="true", a.b=false'})
        self.assertEqual(cstruct['attributes'],
                         {'org.openstack.x': 'true', 'a.b': 'false'})

    def test_utf8_header_values(self):
        raw = 'occi.core.title="δίσκος"'.encode('utf-8').decode('latin-1')
        cstruct = self._callFUT({'X-OCCI-Attribute': raw})
        self.assertEqual(cstruct['attributes']['occi.core.title'], 'δίσκος')
        # a client sending real latin-1 keeps its text
        cstruct = self._callFUT({'X-OCCI-Attribute': 'a="caf\xe9"'})
        self.assertEqual(cstruct['attributes']['a'], 'caf\xe9')

    def test_unknown_headers_are_ignored(self):
        from occi_pyramid.parsers import empty_cstruct
        self.assertEqual(self._callFUT({'X-Foo': 'bar', 'Accept': 'x'}),
                         empty_cstruct())

    def test_error_names_the_header(self):
        self.assertParseError(
            {'Category': 'compute; class="kind"'},
            mentions=['header Category', 'no scheme'])
        self.assertParseError({'X-OCCI-Location': '/a, /b c'},
                              mentions=['header X-OCCI-Location', '/b c'])


class TestURIListParser(unittest.TestCase):

    def test_lines_and_comments(self):
        from occi_pyramid.parsers import URIListParser
        cstruct = URIListParser().parse(
            b'# members\r\nhttp://h/compute/1\r\n\r\n/compute/2\n')
        self.assertEqual(cstruct['locations'],
                         ['http://h/compute/1', '/compute/2'])


class TestOCCIJSONParser(ParseErrorAssertions, unittest.TestCase):

    def _callFUT(self, document):
        from occi_pyramid.parsers import OCCIJSONParser
        if not isinstance(document, bytes):
            document = json.dumps(document).encode('utf-8')
        return OCCIJSONParser().parse(document)

    def test_empty_body(self):
        from occi_pyramid.parsers import empty_cstruct
        self.assertEqual(self._callFUT(b'  '), empty_cstruct())
        self.assertEqual(self._callFUT({}), empty_cstruct())

    def test_resource_with_links(self):
        cstruct = self._callFUT({
            'kind': INFRA + 'compute',
            'mixins': [OS_SCHEME + 'debian_12'],
            'id': 'c1',
            'title': 'builder',
            'attributes': {'occi.compute.cores': 2,
                           'occi.compute.memory': 2.5,
                           'occi.core.summary': 'inside attributes',
                           'a.flag': False},
            'links': [{
                'kind': INFRA + 'networkinterface',
                'mixins': ['http://schemas.ogf.org/occi/infrastructure/'
                           'networkinterface#ipnetworkinterface'],
                'id': 'ni1',
                'source': {'location': '/compute/c1',
                           'kind': INFRA + 'compute'},
                'target': {'location': '/network/n1',
                           'kind': INFRA + 'network'},
                'attributes': {'occi.networkinterface.address': '10.0.0.5'},
            }],
        })
        self.assertEqual(cstruct['categories'], [
            category('compute', INFRA, 'kind'),
            category('debian_12', OS_SCHEME, 'mixin'),
        ])
        self.assertEqual(cstruct['attributes'], {
            'occi.core.id': 'c1', 'occi.core.title': 'builder',
            'occi.core.summary': 'inside attributes',
            'occi.compute.cores': 2, 'occi.compute.memory': 2.5,
            'a.flag': False})
        self.assertEqual(cstruct['links'], [link(
            '/network/n1', [INFRA + 'network'], None,
            [INFRA + 'networkinterface',
             'http://schemas.ogf.org/occi/infrastructure/networkinterface'
             '#ipnetworkinterface'],
            {'occi.core.id': 'ni1', 'occi.core.source': '/compute/c1',
             'occi.networkinterface.address': '10.0.0.5'})])

    def test_top_level_core_members_win(self):
        cstruct = self._callFUT({
            'kind': INFRA + 'storage', 'title': 'top',
            'attributes': {'occi.core.title': 'inner'}})
        self.assertEqual(cstruct['attributes'], {'occi.core.title': 'top'})

    def test_link_entity(self):
        cstruct = self._callFUT({
            'kind': INFRA + 'storagelink',
            'source': {'location': 'http://h/compute/c1'},
            'target': {'location': 'http://h/storage/s1',
                       'kind': INFRA + 'storage'},
            'attributes': {'occi.storagelink.deviceid': '/dev/vdb'}})
        self.assertEqual(cstruct['attributes'], {
            'occi.core.source': 'http://h/compute/c1',
            'occi.core.target': 'http://h/storage/s1',
            'occi.core.target.kind': INFRA + 'storage',
            'occi.storagelink.deviceid': '/dev/vdb'})

    def test_action_invocation(self):
        cstruct = self._callFUT({'action': COMPUTE_ACTION + 'stop',
                                 'attributes': {'method': 'acpioff'}})
        self.assertEqual(cstruct['categories'],
                         [category('stop', COMPUTE_ACTION, 'action')])
        self.assertEqual(cstruct['attributes'], {'method': 'acpioff'})

    def test_mixin_definitions(self):
        cstruct = self._callFUT({'mixins': [{
            'term': 'vip', 'scheme': 'http://myocci.example/tags/alice#',
            'location': '/tags/alice/vip/', 'title': 'VIP',
            'depends': [INFRA + 'os_tpl'], 'applies': [INFRA + 'compute'],
            'attributes': {'a.b': {'mutable': True, 'required': True},
                           'a.c': {}},
        }]})
        self.assertEqual(cstruct['categories'], [category(
            'vip', 'http://myocci.example/tags/alice#', 'mixin', title='VIP',
            rel=[INFRA + 'os_tpl'], location='/tags/alice/vip/',
            attributes=['a.b{required}', 'a.c{immutable}'],
            applies=[INFRA + 'compute'])])

    def test_kind_and_action_definitions(self):
        cstruct = self._callFUT({
            'kinds': [{'term': 'compute', 'scheme': INFRA,
                       'parent': CORE + 'resource',
                       'actions': [COMPUTE_ACTION + 'start']}],
            'actions': [{'term': 'start', 'scheme': COMPUTE_ACTION}]})
        self.assertEqual(cstruct['categories'], [
            category('compute', INFRA, 'kind', rel=[CORE + 'resource'],
                     actions=[COMPUTE_ACTION + 'start']),
            category('start', COMPUTE_ACTION, 'action')])

    def test_rocci_mixin_update(self):
        cstruct = self._callFUT({'mixins': [OS_SCHEME + 'debian_12']})
        self.assertEqual(cstruct['categories'],
                         [category('debian_12', OS_SCHEME, 'mixin')])

    def test_entity_collection(self):
        cstruct = self._callFUT({
            'resources': [
                {'kind': INFRA + 'storage', 'id': 's1',
                 'location': '/storage/s1'},
                {'location': 'http://h/storage/s2'},
                '/storage/s3',
                {'id': 's4'},
            ],
            'links': [{'kind': INFRA + 'storagelink',
                       'source': '/compute/c1', 'target': '/storage/s1'}]})
        self.assertEqual(cstruct['locations'],
                         ['http://h/storage/s2', '/storage/s3'])
        self.assertEqual([e['attributes'] for e in cstruct['entities']], [
            {'occi.core.id': 's1'}, {'occi.core.id': 's4'},
            {'occi.core.source': '/compute/c1',
             'occi.core.target': '/storage/s1'}])
        self.assertEqual(cstruct['entities'][0]['locations'], ['/storage/s1'])
        self.assertEqual(cstruct['entities'][0]['entities'], [])

    def test_location_lists(self):
        self.assertEqual(
            self._callFUT(['http://h/compute/1', {'location': '/compute/2'}])[
                'locations'], ['http://h/compute/1', '/compute/2'])

    # -- errors ------------------------------------------------------------

    def test_invalid_json(self):
        self.assertParseError(b'{"kind": ', mentions=['JSON', 'line 1'])

    def test_wrong_top_level(self):
        self.assertParseError('compute', mentions=['an object'])
        self.assertParseError({'foo': 1}, mentions=["'foo'"])

    def test_bad_type_ids(self):
        self.assertParseError({'kind': 'compute'},
                              mentions=['kind', "'compute'", 'scheme#term'])
        self.assertParseError({'action': 'stop'}, mentions=['action'])
        self.assertParseError({'mixins': ['http://x.example/nohash']},
                              mentions=['mixins[0]'])

    def test_wrong_member_types(self):
        self.assertParseError({'kind': INFRA + 'compute', 'attributes': []},
                              mentions=['attributes', 'an object'])
        self.assertParseError({'kind': INFRA + 'compute', 'mixins': 'x'},
                              mentions=['mixins', 'an array'])
        self.assertParseError({'kind': INFRA + 'compute', 'links': [{}]},
                              mentions=['links[0]', 'no target'])
        self.assertParseError({'kinds': [{'term': 'x'}]},
                              mentions=['kinds[0]', 'scheme'])
        self.assertParseError([1], mentions=['JSON array[0]', 'a string'])
        self.assertParseError(
            {'kind': INFRA + 'storagelink', 'target': {'kind': 'x'}},
            mentions=['target location'])


class TestParseRequest(unittest.TestCase):

    def _callFUT(self, content_type, body=b'', headers=None):
        from occi_pyramid.parsers import parse_request
        return parse_request(content_type, body, headers or {})

    def test_text_plain_and_occi_plain(self):
        for media_type in ('text/plain', 'text/occi+plain',
                           'Text/Plain; charset=UTF-8'):
            cstruct = self._callFUT(media_type, b'X-OCCI-Attribute: a=1\n')
            self.assertEqual(cstruct['attributes'], {'a': '1'})

    def test_charset(self):
        cstruct = self._callFUT('text/plain; charset="latin-1"',
                                'X-OCCI-Attribute: a="é"'.encode('latin-1'))
        self.assertEqual(cstruct['attributes'], {'a': 'é'})

    def test_text_occi_reads_headers(self):
        cstruct = self._callFUT('text/occi', b'OK',
                                {'X-OCCI-Attribute': 'a=1'})
        self.assertEqual(cstruct['attributes'], {'a': '1'})

    def test_json(self):
        for media_type in ('application/occi+json', 'application/json'):
            cstruct = self._callFUT(media_type, b'{"action": "%sstart"}'
                                    % COMPUTE_ACTION.encode())
            self.assertEqual(cstruct['categories'][0]['class'], 'action')

    def test_uri_list(self):
        for body in (b'/a\r\n/b\r\n', b'/a\n/b\n', b'/a\r/b', b'/a\n/b'):
            self.assertEqual(self._callFUT('text/uri-list', body)[
                'locations'], ['/a', '/b'])

    def test_comma_separated_content_type_takes_the_first_parsable(self):
        # rOCCI 4 sends its --media-type default verbatim
        for content_type in ('text/plain,text/occi', 'text/plain, text/occi',
                             'application/xml, text/plain; charset=UTF-8'):
            cstruct = self._callFUT(content_type, b'X-OCCI-Attribute: a=1\n')
            self.assertEqual(cstruct['attributes'], {'a': '1'})
        cstruct = self._callFUT('text/occi,text/plain', b'OK',
                                {'X-OCCI-Attribute': 'a=2'})
        self.assertEqual(cstruct['attributes'], {'a': '2'})

    def test_media_type_of_a_list(self):
        from occi_pyramid.parsers import media_type
        self.assertEqual(media_type('text/html, text/occi;charset=x'),
                         ('text/occi', 'x'))
        # none parsable: the first, for the 415's message
        self.assertEqual(media_type('text/html,image/png'),
                         ('text/html', None))
        self.assertEqual(media_type(','), ('', None))

    def test_no_content_type_with_headers(self):
        cstruct = self._callFUT(None, b'', {'Category': COMPUTE_CATEGORY})
        self.assertEqual(cstruct['categories'][0]['term'], 'compute')
        # curl -d '' sends a form Content-Type with an empty body
        cstruct = self._callFUT('application/x-www-form-urlencoded', b'',
                                {'Category': COMPUTE_CATEGORY})
        self.assertEqual(cstruct['categories'][0]['term'], 'compute')

    def test_nothing(self):
        from occi_pyramid.parsers import empty_cstruct
        self.assertEqual(self._callFUT(None, b'', {'Accept': '*/*'}),
                         empty_cstruct())
        self.assertEqual(self._callFUT('application/xml', b''),
                         empty_cstruct())

    def test_unsupported(self):
        from occi_pyramid.exceptions import OCCIUnsupportedMediaType
        with self.assertRaises(OCCIUnsupportedMediaType) as raised:
            self._callFUT('application/xml,image/png', b'<compute/>')
        self.assertIn('application/xml', raised.exception.message)
        with self.assertRaises(OCCIUnsupportedMediaType) as raised:
            self._callFUT('application/xml', b'<compute/>')
        self.assertIn('application/xml', raised.exception.message)
        with self.assertRaises(OCCIUnsupportedMediaType) as raised:
            self._callFUT('', b'Category: x')
        self.assertIn('no Content-Type', raised.exception.message)

    def test_unknown_charset(self):
        from occi_pyramid.exceptions import OCCIParseError
        with self.assertRaises(OCCIParseError) as raised:
            self._callFUT('text/plain; charset=klingon', b'x')
        self.assertIn('klingon', raised.exception.message)


@pytest.mark.parametrize('name', [
    'Category', 'X-OCCI-Category', 'link', 'X-Occi-Link',
    'X-OCCI-Attribute', 'X-OCCI-Location', 'Location', None])
def test_occi_headers_found_in_a_wsgi_environ_as_in_pairs(name):
    from webob.headers import EnvironHeaders

    from occi_pyramid.parsers import has_occi_headers

    pairs = [('Accept', 'text/plain'), ('X-Auth-Token', 'x')]
    environ = {'HTTP_ACCEPT': 'text/plain', 'HTTP_X_AUTH_TOKEN': 'x',
               'CONTENT_TYPE': 'text/plain'}
    if name is not None:
        pairs.append((name, 'v'))
        environ['HTTP_' + name.upper().replace('-', '_')] = 'v'
    assert has_occi_headers(EnvironHeaders(environ)) is (name is not None)
    assert has_occi_headers(pairs) is (name is not None)


@pytest.mark.parametrize('body, where', [
    (b'{"attributes": {"occi.core.summary": "\\ud800"}}', 'occi.core.summary'),
    (b'{"kind": "k", "attributes": {"a\\udc00": 1}}', 'member name'),
    (b'{"links": [{"target": {"location": "/network/\\udfff"}}]}',
     'links[0]: target: location'),
    (b'[{"location": "/compute/\\ud800"}]', 'JSON body[0]: location'),
])
def test_a_lone_surrogate_in_json_is_a_400_naming_where(body, where):
    from occi_pyramid.exceptions import OCCIParseError
    from occi_pyramid.parsers import parse_request

    with pytest.raises(OCCIParseError) as raised:
        parse_request('application/occi+json', body)
    assert where in raised.value.message
    assert 'surrogate' in raised.value.message


def test_a_surrogate_pair_in_json_is_one_character():
    from occi_pyramid.parsers import parse_request

    cstruct = parse_request('application/occi+json', (
        b'{"kind": "http://schemas.ogf.org/occi/infrastructure#compute", '
        b'"attributes": {"occi.core.title": "\\ud83d\\ude00"}}'))
    assert cstruct['attributes']['occi.core.title'] == '\U0001f600'


def test_a_charset_that_decodes_to_a_surrogate_is_a_400():
    from occi_pyramid.exceptions import OCCIParseError
    from occi_pyramid.parsers import parse_request

    with pytest.raises(OCCIParseError):
        parse_request('text/plain; charset=unicode_escape',
                      b'X-OCCI-Attribute: occi.core.title="\\ud800"')


# -- the fast paths of the text grammar agree with the loops -------------

#: the characters the grammar treats apart, and two plain ones
_GRAMMAR = '"\\;,<> a='


def _strings(length):
    """Every string of up to ``length`` characters of :data:`_GRAMMAR`."""
    import itertools
    for size in range(length + 1):
        for chars in itertools.product(_GRAMMAR, repeat=size):
            yield ''.join(chars)


def _outcome(function, *args):
    from occi_pyramid.exceptions import OCCIBadRequest
    try:
        return 'ok', function(*args)
    except OCCIBadRequest as exc:
        return 'error', exc.message


@pytest.mark.parametrize('separator', [';', ','])
@pytest.mark.parametrize('brackets', [False, True])
def test_split_outside_quotes_is_the_loop_on_every_short_text(separator,
                                                             brackets):
    from occi_pyramid.parsers import (
        _split_outside_quotes, split_outside_quotes,
    )
    for text in _strings(5):
        assert _outcome(split_outside_quotes, text, separator, 'X',
                        brackets) == _outcome(
            _split_outside_quotes, text, separator, 'X', brackets), text


def test_unquote_is_the_loop_on_every_short_quoted_text():
    from occi_pyramid.parsers import _unquoted, unquote
    for text in _strings(5):
        raw = '"' + text
        assert _outcome(unquote, raw, 'X') == _outcome(
            _unquoted, raw.strip(), 'X'), raw
