"""What rOCCI 4.3 (occi-cli 4.3.10, occi-core 4.3.6: the EGI FedCloud
client, ``User-Agent: … OCCI/1.1``) and rOCCI-core 5 need, over real HTTP
against ``development.ini`` served by waitress on a free port.

rOCCI cannot be installed here, so its parsing is reproduced from its
source: text/occi header values split on every comma, quoted or not;
attributes kept in nested hashes (``occi.compute.state`` =
``{occi: {compute: {state: …}}}``, where a later ``….state.message``
replaces the value of ``state`` by a hash, as ``Occi::Core::Attributes#[]=``
does); text/uri-list split on LF with the CR kept; JSON checked against
rOCCI-core 5's schema (tests/fixtures/occi_schemas.py).
"""
import json
import time

import pytest

from occi_pyramid.parsers import parse_category, parse_request
from tests.e2e.conftest import (
    ALICE, CREATE_BODY, INFRA, Server, call, ini_copy,
)
from tests.fixtures.occi_schemas import validate

ROCCI4 = 'rOCCI-cli/4.3.10 rOCCI-api/4.3.14 rOCCI-core/4.3.6 OCCI/1.1'
#: rOCCI 4's default --media-type, sent verbatim as the Content-Type
ROCCI4_TYPE = 'text/plain,text/occi'
ACTIONS = INFRA.replace('#', '/compute/action#')
JSON = 'application/occi+json'


@pytest.fixture(scope='module')
def site(tmp_path_factory):
    """development.ini with instant cloud jobs, files in a temporary
    folder (its default templates are kept)."""
    from paste.deploy import loadapp

    ini = ini_copy(tmp_path_factory.mktemp('rocci'), 'development.ini', [(
        'occi.simulator.delays = build=4', 'occi.simulator.delays = instant '
        '# build=4')])
    server = Server(loadapp('config:' + ini))
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def clean(site):
    """Each test starts with nothing of alice's in the cloud (quota)."""
    yield
    call(site.port, 'DELETE', '/', {'X-Auth-Token': ALICE})


def rocci(site, method, path, accept='text/plain', body=None,
          agent=ROCCI4, **headers):
    sent = {'X-Auth-Token': ALICE, 'Accept': accept, 'User-Agent': agent}
    if body is not None:
        sent['Content-Type'] = ROCCI4_TYPE
    sent.update(headers)
    return call(site.port, method, path, sent, body)


def path_of(url):
    return '/' + url.split('/', 3)[3]


# -- rOCCI 4's parsing, reproduced -----------------------------------------

def rocci4_split(value):
    """Occi::Parser::Text: a header value split on every comma."""
    return [part.strip() for part in value.split(',')]


def rocci4_assign(nested, name, value):
    """Occi::Core::Attributes#[]=: walk the dotted name, replacing any
    non-hash on the way by a new hash, and set the last part."""
    head, dot, rest = name.partition('.')
    if not dot:
        nested[head] = value
        return
    if not isinstance(nested.get(head), dict):
        nested[head] = {}
    rocci4_assign(nested[head], rest, value)


def rocci4_names(nested, prefix=''):
    """Occi::Core::Attributes#names: the flat names that hold a value."""
    names = {}
    for key, value in nested.items():
        if isinstance(value, dict):
            names.update(rocci4_names(value, prefix + key + '.'))
        else:
            names[prefix + key] = value
    return names


def rocci4_attributes(lines):
    """``name=value`` strings → what rOCCI 4 keeps, flat."""
    nested = {}
    for line in lines:
        name, _, value = line.partition('=')
        rocci4_assign(nested, name.strip(), value.strip().strip('"'))
    return rocci4_names(nested)


def attribute_lines(res):
    """The ``X-OCCI-Attribute`` values of a text/plain or text/occi
    answer, as rOCCI 4 splits them."""
    if res.headers.get_content_type() == 'text/occi':
        return rocci4_split(res.headers['X-OCCI-Attribute'])
    return [line.split(':', 1)[1].strip() for line in res.text.splitlines()
            if line.startswith('X-OCCI-Attribute:')]


def create(site, body=CREATE_BODY, path='/compute/'):
    res = rocci(site, 'POST', path, body=body)
    assert res.status == 201, res
    return path_of(res.headers['Location'])


# -- point 1: the Content-Type rOCCI 4 sends --------------------------------

def network_interface(site, compute):
    """A new network and a link from ``compute`` to it, both created as
    rOCCI 4 sends them; the link's location."""
    network = create(site, 'Category: network; scheme="%s"; class="kind"\n'
                     % INFRA, '/network/')
    return create(site, (
        'Category: networkinterface; scheme="%s"; class="kind"\n'
        'X-OCCI-Attribute: occi.core.source="%s"\n'
        'X-OCCI-Attribute: occi.core.target="%s"\n'
        % (INFRA, compute, network)), '/networkinterface/')


def test_create_trigger_and_link_with_rocci4s_content_type(site):
    compute = create(site)
    res = rocci(site, 'POST', compute + '?action=stop', body=(
        'Category: stop; scheme="%s"; class="action"\n' % ACTIONS))
    assert res.status == 200, res
    link = network_interface(site, compute)
    assert rocci(site, 'GET', link).status == 200
    # a list whose types are all unknown is still a 415 naming them
    res = rocci(site, 'POST', '/compute/', body='x',
                **{'Content-Type': 'text/html,application/xml'})
    assert res.status == 415 and 'text/html' in res.text


# -- point 2: 1.2 sub-attributes and 1.1 clients ----------------------------

@pytest.mark.parametrize('accept', ['text/plain', 'text/occi'])
def test_every_11_attribute_survives_rocci4s_nested_hashes(site, accept):
    compute = create(site)
    link = network_interface(site, compute)
    for path, must in ((compute, 'occi.compute.state'),
                       (link, 'occi.core.target'),
                       (link, 'occi.networkinterface.state')):
        res = rocci(site, 'GET', path, accept)
        kept = rocci4_attributes(attribute_lines(res))
        assert kept.get(must), (must, kept)
        # the 1.2 sub-attribute is what would have wiped it
        full = rocci(site, 'GET', path, accept, agent='curl OCCI/1.2')
        assert must + '.' in ' '.join(attribute_lines(full))
    # the state rOCCI's --wait-for-active reads
    res = rocci(site, 'GET', compute, accept)
    assert rocci4_attributes(attribute_lines(res))[
        'occi.compute.state'] == 'active'


def test_11_clients_get_definitions_without_sub_attributes(site):
    res = rocci(site, 'GET', '/-/')
    categories = parse_request('text/plain', res.body)['categories']
    compute = [c for c in categories if c['term'] == 'compute'][0]
    names = [a.split('{')[0] for a in compute['attributes']]
    assert 'occi.compute.state' in names
    assert not [n for n in names if n.startswith('occi.compute.state.')]
    res = rocci(site, 'GET', '/-/', agent='curl OCCI/1.2')
    assert 'occi.compute.state.message' in res.text


# -- point 3: commas in text/occi -------------------------------------------

def test_rocci4_can_split_the_query_interface_in_text_occi(site):
    res = rocci(site, 'GET', '/-/', 'text/occi')
    pieces = rocci4_split(res.headers['Category'])
    # every piece is a whole Category: no generated title has a comma
    for number, piece in enumerate(pieces):
        parse_category(piece, 'piece %d' % number)
    assert any('flavor-1' in piece for piece in pieces)


def test_no_generated_title_or_message_has_a_comma(site):
    res = rocci(site, 'GET', '/-/', agent='curl OCCI/1.2')
    for category in parse_request('text/plain', res.body)['categories']:
        assert ',' not in (category['title'] or ''), category
    compute = create(site)
    rocci(site, 'POST', compute + '?action=restart', body=(
        'Category: restart; scheme="%s"; class="action"\n' % ACTIONS))
    for path in [compute] + [path_of(u) for u in rocci(
            site, 'GET', '/', 'text/uri-list').text.split()]:
        res = rocci(site, 'GET', path, agent='curl OCCI/1.2')
        for name, value in parse_request(
                'text/plain', res.body)['attributes'].items():
            if name.endswith('.message') or name == 'occi.core.title':
                assert ',' not in value, (path, name, value)


# -- point 4: text/uri-list line ends ---------------------------------------

def test_rocci4_reads_uri_lists(site):
    create(site)
    res = rocci(site, 'GET', '/compute/', 'text/uri-list')
    # rOCCI 4: body.split("\n"), the CR kept
    urls = [line for line in res.text.split('\n') if line]
    assert urls and not [u for u in urls if u.endswith('\r')]
    for url in urls:  # occi --action describe --resource <url>
        assert rocci(site, 'GET', path_of(url)).status == 200


@pytest.mark.parametrize('end', ['\r\n', '\n'])
def test_uri_lists_with_either_line_end_are_read(site, end):
    tag = 'tag%d' % int(time.time() * 1000000)
    res = rocci(site, 'POST', '/-/', body=(
        'Category: %s; scheme="http://example.org/t#"; class="mixin"; '
        'location="/tags/%s/"\n' % (tag, tag)))
    assert res.status == 200, res
    computes = [create(site), create(site)]
    res = rocci(site, 'PUT', '/tags/%s/' % tag, body=''.join(
        'http://127.0.0.1:%d%s%s' % (site.port, c, end) for c in computes),
        **{'Content-Type': 'text/uri-list'})
    assert res.status == 200, res
    listed = rocci(site, 'GET', '/tags/%s/' % tag, 'text/uri-list').text
    assert sorted(path_of(u) for u in listed.split()) == sorted(computes)


# -- point 5: JSON over the wire --------------------------------------------

def test_json_answers_validate_over_http(site):
    compute = create(site)
    for path in ('/-/', compute, '/compute/', '/'):
        res = rocci(site, 'GET', path, JSON, agent='rOCCI-core/5 OCCI/1.2')
        assert res.status == 200
        validate(json.loads(res.text))


# -- point 6/7: versions, OPTIONS, mixins below a template collection -------

@pytest.mark.parametrize('agent, status', [
    ('x OCCI/1.1 OCCI/9.9', 200),
    ('x OCCI/9.9 OCCI/1.2', 200),
    ('x OCCI/9.9', 501),
    ('x OCCI/1.0', 501),
])
def test_the_highest_version_we_speak_is_served(site, agent, status):
    res = rocci(site, 'GET', '/compute/', agent=agent)
    assert res.status == status, res
    if status == 501:
        assert 'OCCI/1.1, OCCI/1.2' in res.text


def test_11_in_a_mixed_user_agent_gets_the_11_rendering(site):
    compute = create(site)
    res = rocci(site, 'GET', compute, agent='x OCCI/1.1 OCCI/9.9')
    assert 'occi.compute.state.message' not in res.text


@pytest.mark.parametrize('path', ['/', '/compute/', '/-/', '/mixin/os_tpl/'])
def test_options_answers_allow_without_a_token(site, path):
    res = call(site.port, 'OPTIONS', path)
    assert res.status == 200, res
    allow = {m.strip() for m in res.headers['Allow'].split(',')}
    assert {'GET', 'OPTIONS'} <= allow
    # a browser's CORS preflight: no token, and no 401
    res = call(site.port, 'OPTIONS', path, {
        'Origin': 'http://portal.example.org',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'x-auth-token'})
    assert res.status == 200, res


def test_options_on_an_entity_and_405s_name_options(site):
    compute = create(site)
    res = call(site.port, 'OPTIONS', compute)
    assert res.status == 200
    assert {'GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'} <= {
        m.strip() for m in res.headers['Allow'].split(',')}
    res = rocci(site, 'PUT', '/compute/', body='')
    assert res.status == 405 and 'OPTIONS' in res.headers['Allow']
    # without a token anything else is still a 401
    assert call(site.port, 'GET', compute).status == 401


def test_a_user_mixin_below_a_template_collection(site):
    def define(term, location):
        return rocci(site, 'POST', '/-/', body=(
            'Category: %s; scheme="http://example.org/sizes#"; '
            'class="mixin"; location="%s"\n' % (term, location)))

    res = define('extra_large', '/mixin/resource_tpl/extra_large/')
    assert res.status == 200, res
    compute = create(site)
    res = rocci(site, 'POST', '/mixin/resource_tpl/extra_large/',
                body='X-OCCI-Location: %s\n' % compute)
    assert res.status == 200, res
    listed = rocci(site, 'GET', '/mixin/resource_tpl/extra_large/',
                   'text/uri-list').text.split()
    assert [path_of(u) for u in listed] == [compute]
    # the template collection itself still lists only the templates' VMs
    assert rocci(site, 'GET', '/mixin/resource_tpl/flavor-1/').status == 200
    # an exact collision is still refused
    res = define('mine', '/mixin/resource_tpl/flavor-1/')
    assert res.status == 409 and 'flavor-1' in res.text


# -- third round ------------------------------------------------------------

OCCI_CORE5 = 'rOCCI-core/5.0.0 OCCI/1.2'
OS_TPL_ID = ('http://schemas.synnefo.org/occi/templates/os#image-'
             'd3b1a000-0000-4000-8000-000000000001')


def test_rocci4_inline_links_start_at_the_id_it_gave(site):
    """rOCCI 4.3 gives the new compute an ``occi.core.id`` of its own and
    makes its inline links start at ``/compute/<that id>``: that can only
    be the compute being created.  Any other source stays a 400."""
    network = create(site, 'Category: network; scheme="%s"; class="kind"\n'
                     % INFRA, '/network/')
    body = CREATE_BODY + (
        'X-OCCI-Attribute: occi.core.id="5a1d1b9e-0c51-4b2a-9e1f-'
        '3d1c0b7a2f11"\n'
        'Link: <%s>; rel="%snetwork"; category="%snetworkinterface"; '
        'occi.core.source="/compute/%s"\n')
    ok = body % (network, INFRA, INFRA,
                 '5a1d1b9e-0c51-4b2a-9e1f-3d1c0b7a2f11')
    compute = create(site, ok)
    links = rocci(site, 'GET', compute, JSON).json()['links']
    assert [path_of(link['target']['location']) for link in links
            if 'networkinterface' in link['kind']] == [network]
    res = rocci(site, 'POST', '/compute/', body=body % (
        network, INFRA, INFRA, 'some-other-id'))
    assert res.status == 400 and 'some-other-id' in res.text, res


def test_occi_core5_reads_every_entity_from_its_attributes(site):
    """occi-core 5 reads an entity from ``attributes`` alone: the core
    attributes are there too (both schemas still pass)."""
    compute = create(site)
    create(site, (
        'Category: storage; scheme="%s"; class="kind"\n'
        'X-OCCI-Attribute: occi.storage.size=1\n'
        'X-OCCI-Attribute: occi.core.summary="scratch"\n' % INFRA),
        '/storage/')
    network_interface(site, compute)
    res = rocci(site, 'GET', '/', JSON, agent=OCCI_CORE5)
    document = res.json()
    validate(document)
    entities = document['resources'] + document.get('links', [])
    for resource in document['resources']:
        entities.extend(resource.get('links', ()))
    assert len(entities) >= 4
    for entity in entities:
        attributes = entity['attributes']
        assert attributes['occi.core.id'] == entity['id']
        for name in ('title', 'summary'):
            if name in entity:
                assert attributes['occi.core.' + name] == entity[name]
        if 'source' in entity:
            assert attributes['occi.core.source'] == \
                entity['source']['location']
            assert attributes['occi.core.target'] == \
                entity['target']['location']


def occi_core5_compute(site, ephemeral):
    """A compute as occi-core 5 builds one: its own id, and the chosen
    resource_tpl's attribute defaults copied in (the immutable disk size
    among them)."""
    model = rocci(site, 'GET', '/-/', JSON, agent=OCCI_CORE5).json()
    template = [m for m in model['mixins']
                if m['term'] == 'flavor-1'][0]
    defaults = {name: value['default']
                for name, value in template['attributes'].items()
                if 'default' in value}
    assert 'occi.compute.ephemeral_storage.size' in defaults
    if ephemeral is not None:
        defaults['occi.compute.ephemeral_storage.size'] = ephemeral
    document = {
        'kind': INFRA + 'compute', 'id': '7d6f0e8e-3c1b-4a57-a9b8-'
        '0d2c7b5e9a10',
        'mixins': [OS_TPL_ID, template['scheme'] + template['term']],
        'attributes': dict(defaults, **{
            'occi.core.id': '7d6f0e8e-3c1b-4a57-a9b8-0d2c7b5e9a10',
            'occi.core.title': 'core5'})}
    return rocci(site, 'POST', '/compute/', JSON, agent=OCCI_CORE5,
                 body=json.dumps(document), **{'Content-Type': JSON})


def test_occi_core5_creates_a_compute_echoing_the_template(site):
    res = occi_core5_compute(site, None)
    assert res.status == 201, res
    # the disk size is what the server sets: another value is refused
    res = occi_core5_compute(site, 123.0)
    assert res.status == 403, res
    assert 'occi.compute.ephemeral_storage.size' in res.text


def test_a_delete_where_nothing_lives_is_a_404(site):
    for path in ('/my_stuff/', '/nothing/here', '/nothing/here/'):
        res = rocci(site, 'DELETE', path)
        assert res.status == 404, (path, res)
    # the exact-path rule of a collection DELETE stands
    assert rocci(site, 'DELETE', '/compute').status == 400


def test_an_inline_network_interface_shows_in_its_building_compute(site):
    network = create(site, 'Category: network; scheme="%s"; class="kind"\n'
                     % INFRA, '/network/')
    res = rocci(site, 'POST', '/compute/', JSON, **{
        'Content-Type': JSON}, body=json.dumps({
            'kind': INFRA + 'compute',
            'mixins': [OS_TPL_ID, 'http://schemas.synnefo.org/occi/'
                       'templates/resource#flavor-1'],
            'attributes': {'occi.core.title': 'nic'},
            'links': [{'kind': INFRA + 'networkinterface',
                       'target': {'location': network,
                                  'kind': INFRA + 'network'}}]}))
    assert res.status == 201, res
    (compute,) = res.json()['resources']
    assert compute['attributes']['occi.compute.state'] == 'inactive'
    inline = [link for link in compute.get('links', ())
              if link['kind'] == INFRA + 'networkinterface']
    assert len(inline) == 1
    listed = [path_of(u) for u in rocci(
        site, 'GET', '/networkinterface/', 'text/uri-list').text.split()]
    assert '/networkinterface/' + inline[0]['id'] in listed


def test_a_create_names_its_kind(site):
    for body in ('', 'X-OCCI-Attribute: occi.core.title="no kind"\n'):
        res = rocci(site, 'POST', '/compute/', body=body,
                    **{'Content-Type': 'text/plain'})
        assert res.status == 400, res
        assert 'class="kind"' in res.text
    assert rocci(site, 'GET', '/compute/', 'text/uri-list').text.split() \
        == []


def test_a_body_is_read_whichever_type_comes_first(site):
    """``Content-Type: text/occi,text/plain`` with the request in the
    body: the body is read (not a default VM from empty headers)."""
    body = CREATE_BODY.replace('flavor-1', 'flavor-2')
    res = rocci(site, 'POST', '/compute/', body=body,
                **{'Content-Type': 'text/occi,text/plain'})
    assert res.status == 201, res
    rendered = rocci(site, 'GET', path_of(res.headers['Location'])).text
    assert 'flavor-2;' in rendered and 'flavor-1;' not in rendered


def test_error_headers_carry_no_comma_for_rocci4(site):
    res = rocci(site, 'POST', '/compute/', 'text/occi', body='x',
                **{'Content-Type': 'application/xml'})
    assert res.status == 415
    assert ',' not in res.headers['X-OCCI-Error']
    assert ',' in res.text   # the body keeps the message as it is
    compute = create(site)
    res = rocci(site, 'POST', compute + '?action=save', 'text/occi',
                body='', **{'Content-Type': 'text/occi'})
    assert res.status == 501
    assert ',' not in res.headers['X-OCCI-Error']


def test_options_answers_have_no_body_type(site):
    res = call(site.port, 'OPTIONS', '/compute/')
    assert res.status == 200 and res.body == b''
    assert 'Content-Type' not in res.headers
    # no origin is allowed by default: no CORS header
    res = call(site.port, 'OPTIONS', '/compute/', {
        'Origin': 'https://portal.example.org',
        'Access-Control-Request-Method': 'POST'})
    assert 'Access-Control-Allow-Origin' not in res.headers


def test_a_link_created_twice_is_200_with_its_location(site):
    compute = create(site)
    network = create(site, 'Category: network; scheme="%s"; class="kind"\n'
                     % INFRA, '/network/')
    body = ('Category: networkinterface; scheme="%s"; class="kind"\n'
            'X-OCCI-Attribute: occi.core.source="%s"\n'
            'X-OCCI-Attribute: occi.core.target="%s"\n'
            % (INFRA, compute, network))
    first = rocci(site, 'POST', '/networkinterface/', body=body)
    assert first.status == 201, first
    again = rocci(site, 'POST', '/networkinterface/', body=body)
    assert again.status == 200, again
    assert again.headers['Location'] == first.headers['Location']
    assert path_of(again.headers['Location']) in again.text
