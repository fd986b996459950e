"""The query interface over WebTest, in every rendering."""
import json

import pytest

from occi_pyramid.model.core import TERM_RE
from tests.functional.conftest import ALICE, HOST, INFRA, read

QI_PATHS = ['/-/', '/.well-known/org/ogf/occi/-/']
STORAGE_LINE = (
    'Category: storage; scheme="http://schemas.ogf.org/occi/'
    'infrastructure#"; class="kind"; title="Storage Resource"; '
    'rel="http://schemas.ogf.org/occi/core#resource"; location="/storage/"; '
    'attributes="occi.core.id{immutable required} occi.core.title '
    'occi.core.summary occi.storage.size{required} '
    'occi.storage.state{immutable required} '
    'occi.storage.state.message{immutable}"; '
    'actions="http://schemas.ogf.org/occi/infrastructure/storage/action#online '
    'http://schemas.ogf.org/occi/infrastructure/storage/action#offline '
    'http://schemas.ogf.org/occi/infrastructure/storage/action#backup '
    'http://schemas.ogf.org/occi/infrastructure/storage/action#snapshot '
    'http://schemas.ogf.org/occi/infrastructure/storage/action#resize"')


def get(alice, path='/-/', fmt=None, **headers):
    return alice.get(path, fmt, headers=headers)


@pytest.mark.parametrize('path', QI_PATHS)
def test_text_plain_is_the_default(alice, path):
    res = alice.app.get(path, headers={'X-Auth-Token': ALICE})
    assert res.content_type == 'text/plain'
    assert STORAGE_LINE in res.text.splitlines()
    assert res.headers['Server'] == 'occi-pyramid/0.1.0 OCCI/1.1 OCCI/1.2'


def test_wildcard_accept_is_text_plain(alice):
    assert get(alice, fmt='*/*').content_type == 'text/plain'


def test_text_occi_carries_categories_in_headers(alice):
    res = get(alice, fmt='text/occi')
    assert res.content_type == 'text/occi'
    assert res.text == 'OK'
    terms = {c['term'] for c in read(res)['categories']}
    assert {'compute', 'storage', 'start', 'ipnetwork', 'os_tpl'} <= terms


def test_json_lists_kinds_mixins_and_actions(alice):
    document = get(alice, fmt='application/occi+json').json
    kinds = {k['term']: k for k in document['kinds']}
    compute = kinds['compute']
    assert compute['location'] == '/compute/'
    assert compute['parent'] == 'http://schemas.ogf.org/occi/core#resource'
    assert compute['attributes']['occi.compute.state']['mutable'] is False
    assert compute['attributes']['occi.compute.cores']['type'] == 'number'
    # every kind has a location (rOCCI-core 5): core#entity's is the root
    assert kinds['entity']['location'] == '/'
    stop = [a for a in document['actions'] if a['term'] == 'stop'][0]
    # no pattern: GFD.226 and rOCCI-core 5 want different forms
    assert stop['attributes']['method'] == {
        'mutable': True, 'required': False, 'type': 'string',
        'default': 'graceful',
        'description': 'How to stop the compute resource'}
    mixins = {m['term'] for m in document['mixins']}
    assert {'ipnetwork', 'ssh_key', 'user_data', 'public_key'} <= mixins


def test_uri_list_lists_the_collections(alice):
    res = get(alice, fmt='text/uri-list')
    uris = res.text.split()
    assert HOST + '/compute/' in uris and HOST + '/storage/' in uris
    assert all(u.startswith(HOST + '/') for u in uris)


def test_templates_from_the_cloud_are_listed_with_grammar_terms(alice):
    categories = read(get(alice))['categories']
    templates = [c for c in categories if c['scheme'].startswith(
        'http://schemas.synnefo.org/occi/templates/')]
    assert any(c['term'].startswith('image-') for c in templates)
    assert any(c['term'].startswith('flavor-') for c in templates)
    for category in categories:
        assert TERM_RE.match(category['term']), category['term']


def test_a_category_filter_returns_only_that_category(alice):
    res = get(alice, **{'Category': 'compute; scheme="%s"; class="kind"'
                        % INFRA})
    lines = res.text.splitlines()
    assert len(lines) == 1 and lines[0].startswith('Category: compute;')


def test_a_filter_in_a_text_plain_body(alice):
    res = alice.app.request(
        '/-/', method='GET', headers={
            'X-Auth-Token': ALICE, 'Content-Type': 'text/plain'},
        body=('Category: stop; scheme="http://schemas.ogf.org/occi/'
              'infrastructure/compute/action#"; class="action"\n').encode())
    assert [line.split(';')[0] for line in res.text.splitlines()] == [
        'Category: stop']


def test_a_filter_in_json(alice):
    res = alice.app.request('/-/', method='GET', headers={
        'X-Auth-Token': ALICE, 'Content-Type': 'application/occi+json',
        'Accept': 'application/occi+json'},
        body=json.dumps({'kinds': [{'term': 'network',
                                    'scheme': INFRA}]}).encode())
    assert [k['term'] for k in res.json['kinds']] == ['network']
    # no empty arrays (rOCCI-core 5's schema)
    assert 'mixins' not in res.json and 'actions' not in res.json


def test_unacceptable_accept_is_406(alice):
    res = alice.app.get('/-/', headers={'X-Auth-Token': ALICE,
                                        'Accept': 'image/png'}, status=406)
    assert 'image/png' in res.text


@pytest.mark.parametrize('agent', ['rOCCI-cli OCCI/2.0', 'x OCCI/1.0'])
def test_unsupported_occi_version_is_501(alice, agent):
    res = alice.app.get('/-/', headers={'X-Auth-Token': ALICE,
                                        'User-Agent': agent}, status=501)
    assert 'OCCI/' in res.text


@pytest.mark.parametrize('agent', ['rOCCI-cli OCCI/1.1', 'pOCCI OCCI/1.2',
                                   'curl/8'])
def test_supported_versions_pass(alice, agent):
    alice.app.get('/-/', headers={'X-Auth-Token': ALICE, 'User-Agent': agent})


def test_put_on_the_query_interface_is_405(alice):
    res = alice.app.put('/-/', '', headers={'X-Auth-Token': ALICE},
                        status=405)
    assert 'GET' in res.headers['Allow']


def test_errors_follow_the_negotiated_rendering(alice):
    res = alice.app.get('/compute/999', headers={
        'X-Auth-Token': ALICE, 'Accept': 'application/occi+json'}, status=404)
    assert res.json['code'] == 404 and '999' in res.json['message']
    res = alice.app.get('/compute/999', headers={
        'X-Auth-Token': ALICE, 'Accept': 'text/occi'}, status=404)
    assert '999' in res.headers['X-OCCI-Error']


def test_head_gives_headers_only(alice):
    res = alice.app.head('/-/', headers={'X-Auth-Token': ALICE})
    assert res.body == b'' and res.content_type == 'text/plain'
