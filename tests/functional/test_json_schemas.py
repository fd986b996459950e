"""Every application/occi+json answer validates against GFD.226's schema
and rOCCI-core 5's (tests/fixtures/occi_schemas.py): the query interface,
each kind of entity, each collection, create, update, action, mixin and
association answers, and errors (which no schema defines)."""
import json

import pytest

from tests.fixtures.occi_schemas import is_error, validate
from tests.functional import stores
from tests.functional.conftest import (
    ACTIONS, COMPUTE, HOST, INFRA, action_request, entity_request, read,
    until,
)
from tests.functional.test_links import (
    IPNETWORK, NETWORKINTERFACE, STORAGE, STORAGELINK, created, link,
    make_network, make_storage,
)

JSON = 'application/occi+json'
TAGS = 'http://example.org/tags#'


@pytest.fixture
def store(cloud):
    store = stores.mixin_store(cloud.app.app.registry)
    stores.clear(store)
    yield store
    stores.clear(store)


def no_empty_arrays_and_no_entity_location(document, where='answer'):
    """rOCCI-core 5 allows no empty array; neither schema allows a
    ``location`` member on an entity (link ends and categories have
    one)."""
    if isinstance(document, list):
        assert document, '%s is an empty array' % where
        for index, item in enumerate(document):
            no_empty_arrays_and_no_entity_location(
                item, '%s[%d]' % (where, index))
    elif isinstance(document, dict):
        if 'kind' in document and 'id' in document:
            assert 'location' not in document, where
        for key, value in document.items():
            if key != 'attributes':
                no_empty_arrays_and_no_entity_location(
                    value, '%s.%s' % (where, key))


def checked(res):
    """The JSON document of ``res``, validated; returns ``(document, (GFD.226
    definition, rOCCI-core 5 definition))``."""
    assert res.content_type == JSON, res.content_type
    document = json.loads(res.text)
    definitions = validate(document)
    no_empty_arrays_and_no_entity_location(document)
    return document, definitions


def compute_with_links(alice):
    network = make_network(alice, title='lan', address='10.0.0.0/24')
    storage = make_storage(alice, title='data', size=2)
    res = alice.post('/compute/', entity_request(JSON, COMPUTE, [
        'http://schemas.synnefo.org/occi/templates/os#image-d3b1a000-0000-'
        '4000-8000-000000000001',
        'http://schemas.synnefo.org/occi/templates/resource#flavor-1',
    ], {'occi.core.title': 'web'}, links=[
        link(network, INFRA + 'network', NETWORKINTERFACE),
        link(storage, STORAGE, STORAGELINK),
    ]), JSON, status=201)
    return res, network, storage


def test_the_query_interface(alice):
    document, kinds = checked(alice.get('/-/', JSON))
    assert kinds == ('model', 'model')
    # every kind has a location (core#entity's is the root, which lists
    # every entity), every attribute description type/mutable/required
    for kind in document['kinds']:
        assert kind['location'].startswith('/'), kind
    entity = [k for k in document['kinds'] if k['term'] == 'entity'][0]
    assert entity['location'] == '/'
    for category in document['kinds'] + document['mixins']:
        for description in category.get('attributes', {}).values():
            assert {'type', 'mutable', 'required'} <= set(description)
            assert 'pattern' not in description


def test_a_filter_that_matches_nothing_is_an_empty_model(alice):
    document, kinds = checked(alice.get('/-/', JSON, headers={
        'Category': 'nothing; scheme="http://example.org/x#"; '
                    'class="kind"'}))
    assert document == {}


def test_a_create_answers_the_collection_it_made(alice):
    res, network, storage = compute_with_links(alice)
    document, kinds = checked(res)
    assert kinds == ('resource_collection', 'entity_collection')
    (compute,) = document['resources']
    assert HOST + '/compute/' + compute['id'] == res.headers['Location']
    # the two inline links (the storage link pending until the compute is
    # built) and the root disk's storage link
    assert len(compute['links']) == 3
    assert len([link for link in compute['links']
                if link['id'].startswith('pending-')]) == 1
    until(lambda: len([link for link in read(alice.get(created(res)))[
        'links'] if link.get('self')
        and 'pending-' not in link['self']]) == 3, alice.cloud)
    res = alice.post('/storagelink/', entity_request(JSON, STORAGELINK, [], {
        'occi.core.source': created(res),
        'occi.core.target': make_storage(alice, title='more', size=1)}),
        JSON, status=201)
    document, kinds = checked(res)
    assert kinds == ('link_collection', 'entity_collection')


def test_each_kind_of_entity_and_its_links(alice):
    res, network, storage = compute_with_links(alice)
    compute = created(res)
    # the storage link is made once the compute is built
    until(lambda: len([link for link in read(alice.get(compute))['links']
                       if link.get('self')
                       and 'pending-' not in link['self']]) == 3,
          alice.cloud)
    document, kinds = checked(alice.get(compute, JSON))
    assert kinds == ('resource', 'resource')
    for nested in document['links']:
        assert nested['source']['location'] == HOST + compute
        kind_location = '/%s/' % nested['kind'].split('#')[1]
        one, kinds = checked(alice.get(kind_location + nested['id'], JSON))
        assert kinds == ('link', 'link')
        # an inline link comes from the server record alone: every
        # attribute it has is the link's own, which may add more (the
        # gateway, the deviceid: docs/decisions.md)
        inline = nested.pop('attributes')
        whole = one.pop('attributes')
        assert one == nested
        assert inline.items() <= whole.items()
        assert len(inline) >= len(whole) - 2
    for path in (network, storage):
        document, kinds = checked(alice.get(path, JSON))
        assert kinds == ('resource', 'resource')
    assert IPNETWORK in checked(alice.get(network, JSON))[0]['mixins']


@pytest.mark.parametrize('path', [
    '/', '/compute/', '/network/', '/storage/', '/networkinterface/',
    '/storagelink/', '/resource/', '/link/', '/mixin/', '/mixin/os_tpl/',
    '/mixin/resource_tpl/flavor-1/',
])
def test_each_collection(alice, path):
    compute_with_links(alice)
    document, kinds = checked(alice.get(path, JSON))
    assert kinds[1] == 'entity_collection'
    # mixin collections are memberships: /mixin/ contains no entity
    assert bool(document) == (path != '/mixin/'), path


def test_an_empty_collection_is_an_empty_object(alice):
    document, kinds = checked(alice.get('/storagelink/', JSON))
    assert document == {}
    assert kinds == ('model', 'entity_collection')


def test_update_action_and_delete_answers(alice):
    res, network, storage = compute_with_links(alice)
    compute = created(res)
    document, kinds = checked(alice.post(compute, entity_request(
        JSON, None, [], {'occi.core.title': 'renamed'}), JSON))
    assert kinds == ('resource', 'resource')
    assert document['title'] == 'renamed'
    document, kinds = checked(alice.post(
        compute + '?action=stop', action_request(JSON, ACTIONS + 'stop'),
        JSON))
    assert kinds[0] in ('resource', 'model')
    document, kinds = checked(alice.post(
        '/compute/?action=start', action_request(JSON, ACTIONS + 'start'),
        JSON))
    document, kinds = checked(alice.delete(network, JSON, status='*'))
    document, kinds = checked(alice.delete(compute, JSON))
    assert document == {}


def test_mixin_and_association_answers(alice, store):
    res, network, storage = compute_with_links(alice)
    compute = created(res)
    body = json.dumps({'mixins': [{
        'term': 'vip', 'scheme': TAGS, 'location': '/tags/vip/',
        'applies': [COMPUTE]}]})
    document, kinds = checked(alice.post(
        '/-/', ({'Content-Type': JSON}, body), JSON))
    assert kinds == ('mixin_collection', 'model')
    # the resources of a collection answer, sent back, associate them
    listing = alice.get('/compute/', JSON).text
    document, kinds = checked(alice.post(
        '/tags/vip/', ({'Content-Type': JSON}, listing), JSON))
    assert [r['id'] for r in document['resources']] == [
        compute.rsplit('/', 1)[1]]
    document, kinds = checked(alice.put(
        '/tags/vip/', ({'Content-Type': JSON}, listing), JSON))
    document, kinds = checked(alice.delete('/tags/vip/', JSON))
    assert document == {}
    document, kinds = checked(alice.delete('/-/', JSON, request=(
        {'Content-Type': JSON}, json.dumps({'mixins': [TAGS + 'vip']}))))


@pytest.mark.parametrize('method, path, status', [
    ('GET', '/compute/nothing', 404),
    ('POST', '/compute/', 400),
    ('PUT', '/compute/', 405),
    ('GET', '/nowhere/', 404),
])
def test_errors_have_the_code_and_message_form(alice, method, path, status):
    res = alice.app.request(path, method=method, headers=alice.headers(
        JSON, {'Content-Type': JSON}), body=b'{"kind": 1}', status=status)
    document = json.loads(res.text)
    assert is_error(document) and document['code'] == status
    assert validate(document) == (None, None)
