"""Regions (rOCCI-core 5's ``infrastructure#region``): the endpoint
announces one region mixin, named by ``occi.region``, that every resource
carries (docs/decisions.md); there are no availability zones."""
import os

import pytest
import webtest

from tests.conftest import ROOT, make_testapp
from tests.functional.conftest import ALICE, FORMATS, HOST, INFRA, read
from tests.functional.test_json_schemas import checked
from tests.functional.test_links import make_storage
from tests.functional.test_memory_app import SETTINGS

JSON = 'application/occi+json'
REGION = INFRA + 'region'
REGIONS = 'http://schemas.synnefo.org/occi/infrastructure/region#'
DEFAULT = REGIONS + 'default'


def type_ids(body, cls='mixin'):
    return [c['scheme'] + c['term'] for c in body['categories']
            if c['class'] == cls]


def test_the_model_announces_the_region_and_its_parent(alice):
    model, _ = checked(alice.get('/-/', JSON))
    mixins = {m['scheme'] + m['term']: m for m in model['mixins']}
    assert mixins[REGION]['location'] == '/mixin/region/'
    mine = mixins[DEFAULT]
    assert mine['title'] == 'default'
    assert mine['location'] == '/mixin/region/default/'
    assert mine['depends'] == [REGION]
    assert sorted(mine['applies']) == sorted(
        INFRA + k for k in ('compute', 'network', 'storage', 'ipreservation'))
    # no availability zones: Synnefo has none
    assert not [t for t in mixins if 'availability_zone' in t]


@pytest.mark.parametrize('fmt', FORMATS)
def test_each_resource_carries_the_region(alice, fmt):
    compute = alice.create_compute(title='web')
    storage = make_storage(alice, title='data', size=1)
    for location in (compute, storage):
        assert DEFAULT in type_ids(read(alice.get(location, fmt)))
    checked(alice.get(compute, JSON))
    checked(alice.get(storage, JSON))
    listed = alice.get('/mixin/region/default/', 'text/uri-list').text
    assert {HOST + compute, HOST + storage} <= set(listed.split())


def test_a_create_may_name_the_region_but_not_another(alice):
    from tests.functional.conftest import (
        DEBIAN, OS_SCHEME, RES_SCHEME, SMALL, entity_request,
    )
    mixins = [OS_SCHEME + DEBIAN, RES_SCHEME + SMALL]
    res = alice.post('/compute/', entity_request(
        'text/plain', INFRA + 'compute', mixins + [DEFAULT]),
        status=201)
    location = res.headers['Location'][len(HOST):]
    assert type_ids(read(alice.get(location))).count(DEFAULT) == 1
    alice.post('/compute/', entity_request(
        'text/plain', INFRA + 'compute', mixins + [REGIONS + 'elsewhere']),
        status=400)


def test_the_setting_names_the_region():
    app = make_testapp(dict(SETTINGS, **{'occi.region': 'Athens 1'}))
    headers = {'X-Auth-Token': ALICE, 'Accept': 'text/plain'}
    text = app.get('/-/', headers=headers).text
    assert 'athens_1; scheme="%s"' % REGIONS in text
    assert 'title="Athens 1"' in text
    assert '/mixin/region/default/' not in text


@pytest.fixture(scope='module')
def multicloud():
    from paste.deploy import loadapp
    return webtest.TestApp(
        loadapp('config:' + os.path.join(ROOT, 'multicloud.ini')),
        extra_environ={'HTTP_HOST': 'occi.example.org'})


def test_each_endpoint_announces_its_own_region(multicloud):
    found = {}
    for prefix in ('/okeanos', '/demo'):
        model = multicloud.get(prefix + '/-/', headers={
            'X-Auth-Token': ALICE, 'Accept': JSON}).json
        found[prefix] = [m['scheme'] + m['term'] for m in model['mixins']
                         if REGION in m.get('depends', ())]
    assert len(found['/okeanos']) == len(found['/demo']) == 1
    assert found['/okeanos'] != found['/demo']


def test_the_pages_show_the_region(alice, cloud):
    from tests.functional.test_html import page
    compute = alice.create_compute(title='web')
    assert '/mixin/region/default/' in page(cloud, compute).text
    assert compute in page(cloud, '/mixin/region/default/').text
    assert '/mixin/region/default/' in page(cloud, '/-/').text
