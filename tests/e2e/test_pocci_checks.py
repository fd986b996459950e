"""What pOCCI 1.0.3 (CESNET's OCCI compliance tester) checks, test by
test, against ``development.ini`` served by waitress on a free port.

Each test sends the requests the pOCCI test of its name sends (HTTP Basic
``alice:alice-token``, ``Accept`` the tested type, Category filters in
headers, ``/-/`` read in text/plain as pOCCI does in either mode) and
asserts what pOCCI asserts, with strict readers of our own: every
Category value quoted but ``class``, only the keys pOCCI knows, absolute
URLs in location lists, ``Content-Type`` the one asked for.

pOCCI runs its tests on whatever the cloud holds (the first compute
listed, the first storage...) one after another, so against ``make run``
an earlier test's cloud job can still be running; here the cloud's jobs
are instant and each test makes the entities it needs.  The three tests
pOCCI skips by default (CORE/CREATE/001, CORE/CREATE/006,
INFRA/CREATE/005) hold what we answer instead; see docs/decisions.md.
"""
import base64
import re
import time

import pytest

from tests.e2e.conftest import Server, call, ini_copy

INFRA = 'http://schemas.ogf.org/occi/infrastructure#'
CORE = 'http://schemas.ogf.org/occi/core#'
MIMES = ('text/plain', 'text/occi')
BASIC = 'Basic ' + base64.b64encode(b'alice:alice-token').decode()
#: the Category keys pOCCI's parser accepts (any other is a parse error)
CATEGORY_KEYS = {'scheme', 'class', 'title', 'rel', 'location',
                 'attributes', 'actions'}
ABSOLUTE = re.compile(r'^[a-z][a-z0-9+.-]*://[^/\s]+')
ATTRIBUTE_DEF = re.compile(r'^[A-Za-z0-9_.-]+(\{(immutable|required)'
                           r'( (immutable|required))?\})?$')
#: one comma-separated value of a header (quoted strings kept whole)
HEADER_VALUE = re.compile(r'(?:"(?:[^"\\]|\\.)*"|[^,"])+')


@pytest.fixture(scope='module')
def site(tmp_path_factory):
    """development.ini (its default templates included), with instant
    cloud jobs and its files in a temporary folder."""
    from paste.deploy import loadapp

    ini = ini_copy(tmp_path_factory.mktemp('pocci'), 'development.ini', [(
        'occi.simulator.delays = build=4', 'occi.simulator.delays = instant '
        '# build=4')])
    server = Server(loadapp('config:' + ini))
    yield server
    server.stop()


class OCCI:
    """pOCCI's side of the conversation in one ``mime`` type."""

    def __init__(self, site, mime):
        self.site = site
        self.mime = mime

    def send(self, method, url, accept=None, headers=(), body=None):
        path = url[len(self.site.url):] if url.startswith('http') else url
        sent = {'Authorization': BASIC, 'Accept': accept or self.mime}
        sent.update(headers)
        return call(self.site.port, method, path, sent, body)

    # -- what pOCCI reads ------------------------------------------------

    def lines(self, res, name):
        """The values of ``name`` lines: body lines in text/plain, comma
        lists in headers in text/occi (pOCCI reads headers for both in
        the latter)."""
        prefix = name.lower() + ':'
        if res.headers.get_content_type() == 'text/occi':
            return [value.strip() for header in res.headers.get_all(
                name, []) for value in HEADER_VALUE.findall(header)]
        return [line.split(':', 1)[1].strip() for line in res.text.split(
            '\n') if line.lower().startswith(prefix)]

    def categories(self, res):
        return [category(value) for value in self.lines(res, 'Category')]

    def locations(self, res):
        """X-OCCI-Location lines (and ``Location`` headers in
        text/occi), each an absolute URL."""
        found = self.lines(res, 'X-OCCI-Location')
        if res.headers.get_content_type() == 'text/occi':
            found += res.headers.get_all('Location', [])
        for location in found:
            assert ABSOLUTE.match(location), location
        return found

    def attributes(self, res):
        return dict(value.split('=', 1)
                    for value in self.lines(res, 'X-OCCI-Attribute'))

    # -- what pOCCI sends ------------------------------------------------

    def render(self, categories, attributes=(), links=()):
        """``(headers, body)`` of Category, Link and X-OCCI-Attribute
        lines in this type (text/occi: headers, comma-joined)."""
        rendered = [('Category', '%s;scheme="%s";class="%s"' % c)
                    for c in categories]
        rendered += [('Link', link) for link in links]
        rendered += [('X-OCCI-Attribute', '%s=%s' % a) for a in attributes]
        if self.mime == 'text/occi':
            headers = {'Content-Type': 'text/occi'}
            for name, value in rendered:
                headers[name] = headers[name] + ',' + value \
                    if name in headers else value
            return headers, ''
        return {'Content-Type': self.mime}, ''.join(
            '%s: %s\r\n' % line for line in rendered)

    def model(self):
        res = self.send('GET', '/-/', accept='text/plain')
        assert res.status == 200
        return self.categories(res)

    def find(self, **wanted):
        for found in self.model():
            if all(found.get(k) == v for k, v in wanted.items()):
                return found
        raise AssertionError('no category %r in /-/' % wanted)

    def create(self, term, attributes=(), mixins=()):
        """POST a Kind's instance as INFRA_CREATE_COMMON does; its URL."""
        kind = self.find(term=term, scheme=INFRA)
        headers, body = self.render(
            [(term, INFRA, 'kind')] + list(mixins), attributes)
        res = self.send('POST', self.site.url + kind['location'],
                        headers=headers, body=body)
        assert res.status in (200, 201), res
        assert res.headers.get_content_type() == self.mime
        created = self.locations(res)
        assert created, res
        listed = self.locations(self.send(
            'GET', self.site.url + kind['location']))
        assert created[0] in listed
        return created[0]


def category(text):
    """One Category value, as strictly as pOCCI parses it."""
    term, *params = re.split(r';\s*', text)
    assert term, text
    found = {'term': term}
    for param in params:
        key, value = re.split(r'\s*=\s*', param, maxsplit=1)
        assert key in CATEGORY_KEYS, text
        quoted = re.match(r'^"(.*)"$', value)
        assert quoted or key == 'class', text
        found[key] = quoted.group(1) if quoted else value
        assert '"' not in found[key], text
    for action in found.get('actions', '').split():
        assert ABSOLUTE.match(action), text
    attributes = found.get('attributes', '')
    for definition in re.findall(r'[^\s{]+(?:\{[^}]*\})?', attributes):
        assert ATTRIBUTE_DEF.match(definition), text
    assert {'term', 'scheme', 'class'} <= set(found), text
    return found


@pytest.fixture(params=MIMES)
def occi(site, request):
    """pOCCI in each type; what a test made is deleted after it (the
    seed user's quota holds a few computes)."""
    yield OCCI(site, request.param)
    assert call(site.port, 'DELETE', '/', {'Authorization': BASIC}).status \
        == 200


def compute_with_storage(occi):
    """A running compute and a free storage (pOCCI takes the first
    listed; on a fresh cloud the first storage is a root disk)."""
    compute = occi.create('compute')
    storage = occi.create('storage', [('occi.core.title', '"d"'),
                                      ('occi.storage.size', '0.1')])
    return compute, storage


# -- CORE --------------------------------------------------------------------

def test_core_discovery_001_all_categories(occi):
    """OCCI/CORE/DISCOVERY/001: /-/ in text/plain lists entity, resource
    and link of the core, in valid Category lines."""
    res = occi.send('GET', '/-/', accept='text/plain')
    assert res.status == 200
    assert res.headers.get_content_type() == 'text/plain'
    found = {(c['scheme'], c['term']) for c in occi.categories(res)}
    assert {(CORE, 'entity'), (CORE, 'resource'), (CORE, 'link')} <= found


def test_core_discovery_002_category_filter(occi):
    """OCCI/CORE/DISCOVERY/002: /-/ filtered by its first Category (a
    text/occi Category header) answers 200 in the asked type with it."""
    first = occi.model()[0]
    res = occi.send('GET', '/-/', headers={
        'Content-Type': 'text/occi',
        'Category': '%s;scheme="%s";class="%s"' % (
            first['term'], first['scheme'], first['class'])})
    assert res.status == 200
    assert res.headers.get_content_type() == occi.mime
    assert any(c['term'] == first['term'] and c['scheme'] ==
               first['scheme'] for c in occi.categories(res))


def test_core_read_001_kind_collection(occi):
    """OCCI/CORE/READ/001: the compute Kind's location (a path appended
    to the URL) lists absolute URLs."""
    compute = occi.create('compute')
    kind = occi.find(term='compute', scheme=INFRA, **{'class': 'kind'})
    assert kind['location'].startswith('/')
    res = occi.send('GET', occi.site.url + kind['location'])
    assert res.status == 200
    assert compute in occi.locations(res)


def test_core_read_002_collection_with_category_filter(occi):
    """OCCI/CORE/READ/002: a collection of a category related to
    core#resource, filtered by that category, is 200 in an OCCI type."""
    occi.create('compute')
    related = occi.find(rel=CORE + 'resource')
    res = occi.send('GET', occi.site.url + related['location'], headers={
        'Content-Type': 'text/occi',
        'Category': '%s;scheme="%s";class="%s"' % (
            related['term'], related['scheme'], related['class'])})
    assert res.status == 200
    assert res.headers.get_content_type() in ('text/plain', 'text/occi')
    assert occi.locations(res)


def test_core_read_007_entity_description(occi):
    """OCCI/CORE/READ/007: every listed compute reads 200 in the asked
    type, with Categories."""
    occi.create('compute')
    listed = occi.locations(occi.send('GET', '/compute/'))
    for url in listed:
        res = occi.send('GET', url)
        assert res.status == 200
        assert res.headers.get_content_type() == occi.mime
        assert any(c['term'] == 'compute' for c in occi.categories(res))


def test_core_create_001_kind_only_compute_with_bad_architecture(occi):
    """OCCI/CORE/CREATE/001 (pOCCI skips it): it sends
    occi.compute.architecture="arch", outside the spec's enum, which is
    400; the same create with "x64" is the 201 pOCCI wants."""
    attributes = [('occi.core.title', '"titulek"'),
                  ('occi.core.summary', '"sumarko"')]
    for arch, status in (('arch', 400), ('x64', 201)):
        headers, body = occi.render(
            [('compute', INFRA, 'kind')],
            attributes + [('occi.compute.architecture', '"%s"' % arch)])
        res = occi.send('POST', '/compute/', headers=headers, body=body)
        assert res.status == status, res


def test_core_create_006_a_template_of_the_users_own(occi):
    """OCCI/CORE/CREATE/006 (pOCCI skips it): a user mixin related to
    resource_tpl, as pOCCI sends it, is the 200 pOCCI wants: a resource
    template of the user's own, which never poses as a cloud template
    (docs/mixins.md); without the rel too, also located under
    /mixin/resource_tpl/ beside the templates."""
    mixin = ('Category: stufik%d; scheme="http://example.com/occi/my_stuff#";'
             ' class="mixin"; location="%s"%s')
    tpl = '; rel="%sresource_tpl"' % INFRA
    for number, (location, rel, status) in enumerate((
            ('/mixin/resource_tpl/extra_large/', tpl, 200),
            ('/mixin/resource_tpl/extra_large/', '', 200),
            ('/my_stuff/extra_large/', '', 200))):
        res = occi.send('POST', '/-/', headers={'Content-Type': 'text/plain'},
                        body=mixin % (number, location, rel))
        assert res.status == status, res
        if status == 200:
            assert occi.send('DELETE', '/-/', headers={
                'Content-Type': 'text/plain'},
                body=mixin % (number, location, '')).status == 200


def test_core_delete_001_delete_then_404(occi):
    """OCCI/CORE/DELETE/001: a compute created with its Kind alone (the
    default templates), deleted (2xx), is 404 at once."""
    created = occi.create('compute')
    assert occi.send('GET', created).status == 200
    assert 200 <= occi.send('DELETE', created).status < 300
    occi.send('DELETE', created)
    assert occi.send('GET', created).status == 404


def test_core_update_001_full_update_echoing_the_rendering(occi):
    """OCCI/CORE/UPDATE/001: PUT back the GET rendering (Categories with
    every key, action Link lines, immutable attributes) with a new title:
    200 with Categories and attributes, in the asked type."""
    created = occi.create('compute')
    res = occi.send('GET', created)
    categories = [(c['term'], c['scheme'], c['class'])
                  for c in occi.categories(res)]
    attributes = occi.attributes(res)
    attributes['occi.core.title'] = '"c_pOCCI_%d"' % time.time()
    headers, body = occi.render(categories, attributes.items(),
                                occi.lines(res, 'Link'))
    res = occi.send('PUT', created, headers=headers, body=body)
    assert res.status == 200, res
    assert res.headers.get_content_type() == occi.mime
    assert occi.categories(res) and occi.attributes(res)
    assert occi.attributes(res)['occi.core.title'] == \
        attributes['occi.core.title']


def test_core_misc_001_trigger_an_action(occi):
    """OCCI/CORE/MISC/001: on an active compute the Kind's suspend (else
    start) action, posted as its Category to ?action=term, is 200."""
    created = occi.create('compute')
    kind = occi.find(term='compute', scheme=INFRA)
    state = occi.attributes(occi.send('GET', created))['occi.compute.state']
    wanted = 'suspend' if state == '"active"' else 'start'
    action_id = next(a for a in kind['actions'].split()
                     if a.endswith('#' + wanted))
    scheme, term = action_id.split('#')
    action = occi.find(term=term, scheme=scheme + '#')
    headers, body = occi.render([(action['term'], action['scheme'],
                                  'action')])
    res = occi.send('POST', created + '?action=' + action['term'],
                    headers=headers, body=body)
    assert res.status == 200, res


# -- INFRA -------------------------------------------------------------------

def test_infra_create_001_compute(occi):
    """OCCI/INFRA/CREATE/001: a compute with its Kind alone is created
    (200/201, a location in the asked type) and listed."""
    occi.create('compute')


def test_infra_create_002_storage_of_a_tenth_of_a_gib(occi):
    """OCCI/INFRA/CREATE/002: storage with a title and size 0.1 (the
    next whole GB on Synnefo) is created and listed."""
    occi.create('storage', [('occi.core.title', '"Test_title"'),
                            ('occi.storage.size', '0.1')])


def test_infra_create_003_network(occi):
    """OCCI/INFRA/CREATE/003: a network with a title is created."""
    occi.create('network', [('occi.core.title', '"Test_title"')])


def test_infra_create_004_compute_from_templates(occi):
    """OCCI/INFRA/CREATE/004: the first os_tpl and resource_tpl mixins of
    /-/ (found by rel) create a compute."""
    mixins = [occi.find(rel=INFRA + tpl, **{'class': 'mixin'})
              for tpl in ('os_tpl', 'resource_tpl')]
    occi.create('compute', mixins=[(m['term'], m['scheme'], 'mixin')
                                   for m in mixins])


def test_infra_create_005_inline_links(occi):
    """OCCI/INFRA/CREATE/005 (pOCCI skips it): a compute posted with Link
    lines to a free storage and a network (text/plain, pOCCI's odd
    ``\\n\\r`` line ends) is 201."""
    _, storage = compute_with_storage(occi)
    network = occi.locations(occi.send('GET', '/network/'))[0]
    body = ''.join(line + '\n\r' for line in (
        'Category: compute; scheme="%s"; class="kind"' % INFRA,
        'Link: <%s>; rel="%sstorage"; category="%sstoragelink"' % (
            storage, INFRA, INFRA),
        'Link: <%s>; rel="%snetwork"; category="%snetworkinterface"' % (
            network, INFRA, INFRA)))
    res = occi.send('POST', '/compute/', body=body,
                    headers={'Content-Type': 'text/plain'})
    assert res.status == 201, res


@pytest.mark.parametrize('target, link', [('storage', 'storagelink'),
                                          ('network', 'networkinterface')])
def test_infra_create_006_007_direct_link(occi, target, link):
    """OCCI/INFRA/CREATE/006 (storagelink) and 007 (networkinterface): a
    link POSTed to its Kind's location with source and target URLs is
    201, and the compute then renders a Link to the target."""
    compute, storage = compute_with_storage(occi)
    to = storage if target == 'storage' else occi.locations(
        occi.send('GET', '/network/'))[0]
    kind = occi.find(term=link, scheme=INFRA, **{'class': 'kind'})
    headers, body = occi.render([(link, INFRA, 'kind')], [
        ('occi.core.id', '"%s_%d"' % (link, time.time())),
        ('occi.core.source', '"%s"' % compute),
        ('occi.core.target', '"%s"' % to)])
    res = occi.send('POST', occi.site.url + kind['location'],
                    headers=headers, body=body)
    assert res.status == 201, res
    targets = [value.split('>')[0][1:] for value in occi.lines(
        occi.send('GET', compute), 'Link')]
    assert to[len(occi.site.url):] in targets or to in targets
