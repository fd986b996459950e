"""User mixins end to end, on an SQLite file and on PostgreSQL: define
them at /-/ in every rendering, (dis)associate entities at their
collections, run collection actions, and the failure paths."""
import json

import pytest

from occi_pyramid.simulator.testing import ALICE_UUID, Client
from tests.functional import stores
from tests.functional.conftest import (
    ACTIONS, ALICE, COMPUTE, DEBIAN, FORMATS, HOST, INFRA, OCCI, OS_SCHEME,
    RES_SCHEME, SMALL, Cloud, category, entity_request, read,
)

TAGS = 'http://example.org/tags#'
VIP = TAGS + 'vip'
NETWORK = INFRA + 'network'


@pytest.fixture(scope='module', params=['sqlite', 'postgresql'])
def store_url(request, tmp_path_factory):
    with stores.store_url(request.param,
                          tmp_path_factory.mktemp('store')) as url:
        yield url


@pytest.fixture(scope='module')
def mixin_cloud(store_url, app_settings):
    cloud = Cloud(dict(app_settings, **{'occi.store.url': store_url}))
    yield cloud
    stores.mixin_store(cloud.app.app.registry).dispose()


@pytest.fixture
def cloud(mixin_cloud):
    """Overrides conftest's: the same simulator, with a store."""
    mixin_cloud.reset()
    stores.clear(stores.mixin_store(mixin_cloud.app.app.registry))
    return mixin_cloud


# -- request builders ---------------------------------------------------------

def mixin(term, location=None, scheme=TAGS, title=None, depends=(),
          applies=(), cls='mixin'):
    """One definition (a dict rendered by :func:`definitions`)."""
    return dict(term=term, location=location, scheme=scheme, title=title,
                depends=list(depends), applies=list(applies), cls=cls)


def definitions(fmt, *items):
    """``(headers, body)`` of category definitions in ``fmt``."""
    if fmt == 'application/occi+json':
        document = {}
        for item in items:
            entry = {'term': item['term'], 'scheme': item['scheme']}
            for key in ('location', 'title'):
                if item[key] is not None:
                    entry[key] = item[key]
            if item['depends']:
                entry['depends'] = item['depends']
            if item['applies']:
                entry['applies'] = item['applies']
            document.setdefault(item['cls'] + 's', []).append(entry)
        return {'Content-Type': fmt}, json.dumps(document)
    values = []
    for item in items:
        value = category(item['term'], item['scheme'], item['cls'])
        if item['title'] is not None:
            value += '; title="%s"' % item['title']
        if item['depends']:
            value += '; rel="%s"' % ' '.join(item['depends'])
        if item['location'] is not None:
            value += '; location="%s"' % item['location']
        values.append(value)
    if fmt == 'text/occi':
        return {'Content-Type': fmt, 'Category': ', '.join(values)}, ''
    return {'Content-Type': fmt}, ''.join(
        'Category: %s\r\n' % v for v in values)


def locations(fmt, paths):
    """``(headers, body)`` listing entity locations in ``fmt``; JSON uses
    entity objects (kind and id) as OCCI 1.2 asks (docs/specs.md, ambiguity 20)."""
    urls = [HOST + p for p in paths]
    if fmt == 'application/occi+json':
        return {'Content-Type': fmt}, json.dumps({'resources': [
            {'kind': COMPUTE, 'id': p.rsplit('/', 1)[1]} for p in paths]})
    if fmt == 'text/occi':
        headers = {'Content-Type': fmt}
        if urls:
            headers['X-OCCI-Location'] = ', '.join(urls)
        return headers, ''
    return {'Content-Type': fmt}, ''.join(
        'X-OCCI-Location: %s\r\n' % u for u in urls)


def add(user, *items, fmt='text/plain', status=200):
    return user.post('/-/', definitions(fmt, *items), fmt, status=status)


def remove(user, *type_ids, status=200):
    items = [mixin(t.split('#')[1], scheme=t.split('#')[0] + '#')
             for t in type_ids]
    return user.delete('/-/', status=status,
                       request=definitions('text/plain', *items))


def user_mixins(user, fmt='text/plain'):
    """``{type id: category cstruct}`` of the user mixins at /-/."""
    return {c['scheme'] + c['term']: c
            for c in read(user.get('/-/', fmt))['categories']
            if c['scheme'].startswith('http://example.org/')}


def path_of(location):
    """JSON renders absolute locations, text renders paths."""
    return location[len(HOST):] if location.startswith(HOST) else location


def members(user, path):
    res = user.get(path, 'text/uri-list')
    return sorted(line[len(HOST):] for line in res.text.split())


def mixins_of(user, path):
    return {c['scheme'] + c['term']
            for c in read(user.get(path))['categories']
            if c['class'] == 'mixin'}


def error(res):
    return res.text


# -- definitions --------------------------------------------------------------

@pytest.mark.parametrize('fmt', FORMATS)
def test_add_in_every_rendering(alice, bob, fmt):
    res = add(alice, mixin('vip', '/tags/vip/', title='Very important'),
              fmt=fmt)
    assert res.content_type == fmt
    [answered] = read(res)['categories']
    assert (answered['scheme'] + answered['term'], answered['class'],
            path_of(answered['location'])) == (VIP, 'mixin', '/tags/vip/')
    listed = user_mixins(alice, fmt)[VIP]
    assert listed['title'] == 'Very important'
    assert path_of(listed['location']) == '/tags/vip/'
    assert VIP not in user_mixins(bob, fmt)
    bob.get('/tags/vip/', status=404)


def test_text_line_of_a_user_mixin(alice):
    add(alice, mixin('vip', '/tags/vip/', title='VIP'))
    add(alice, mixin('gold', '/tags/gold/', depends=[VIP]))
    lines = alice.get('/-/').text.splitlines()
    assert ('Category: vip; scheme="http://example.org/tags#"; '
            'class="mixin"; title="VIP"; location="/tags/vip/"') in lines
    assert ('Category: gold; scheme="http://example.org/tags#"; '
            'class="mixin"; rel="%s"; location="/tags/gold/"' % VIP) in lines


def test_json_depends_and_applies_round_trip(alice):
    add(alice, mixin('net', '/tags/net/', applies=[NETWORK]),
        mixin('lan', '/tags/lan/', depends=[TAGS + 'net']),
        fmt='application/occi+json')
    document = alice.get('/-/', 'application/occi+json').json
    found = {m['term']: m for m in document['mixins']
             if m['scheme'] == TAGS}
    assert found['net']['applies'] == [NETWORK]
    assert found['lan']['depends'] == [TAGS + 'net']


def test_several_definitions_are_all_or_nothing(alice):
    add(alice, mixin('a', '/tags/a/'), mixin('b', '/compute/'),
        status=409)
    assert user_mixins(alice) == {}
    res = add(alice, mixin('a', '/tags/a/'), mixin('b', '/tags/b/'))
    assert len(read(res)['categories']) == 2


def test_absolute_and_relative_locations_are_stored_as_paths(alice):
    add(alice, mixin('abs', HOST + '/tags/abs/'), mixin('rel', 'tags/rel/'))
    found = user_mixins(alice)
    assert found[TAGS + 'abs']['location'] == '/tags/abs/'
    assert found[TAGS + 'rel']['location'] == '/tags/rel/'
    assert members(alice, '/tags/abs/') == []


def test_a_location_with_the_default_port_is_on_this_server(alice):
    """``http://host:80/…`` is ``http://host/…`` for a mixin location as
    for an entity's (one location reader)."""
    port = HOST + ':80'
    add(alice, mixin('vip', port + '/tags/vip/'))
    assert user_mixins(alice)[VIP]['location'] == '/tags/vip/'
    tagged = alice.create_compute(title='tagged')
    alice.post('/tags/vip/', ({'Content-Type': 'text/plain'},
                              'X-OCCI-Location: %s%s\r\n' % (port, tagged)))
    assert members(alice, '/tags/vip/') == [tagged]


@pytest.mark.parametrize('location', [
    'http://elsewhere.example.org/tags/x/',
    HOST + ':8080/tags/x/',
])
def test_a_location_on_another_server_is_refused(alice, location):
    res = add(alice, mixin('x', location), status=400)
    assert ('The location %s is not on this server (occi.example.org).'
            % location) in res.text
    assert user_mixins(alice) == {}


def test_each_user_has_a_namespace(alice, bob):
    add(alice, mixin('vip', '/tags/vip/', title='alice'))
    add(bob, mixin('vip', '/tags/vip/', title='bob'))
    assert user_mixins(alice)[VIP]['title'] == 'alice'
    assert user_mixins(bob)[VIP]['title'] == 'bob'
    remove(bob, VIP)
    assert VIP in user_mixins(alice)


@pytest.mark.parametrize('item, message', [
    (mixin('vip', '/tags/other/'), 'already'),
    (mixin('other', '/tags/vip/'), '/tags/vip/'),
    (mixin('other', '/compute/'), '/compute/'),
    (mixin('other', '/compute/x/'), '/compute/'),
    (mixin('other', '/mixin/'), '/mixin/'),
    (mixin('other', '/mixin/os_tpl/'), 'os_tpl'),
    (mixin('other', '/mixin/resource_tpl/flavor-1/'), 'flavor-1'),
    (mixin('os_tpl', '/tags/x/', scheme=INFRA), 'server'),
    (mixin('flavor-1', '/tags/x/',
           scheme='http://schemas.synnefo.org/occi/templates/resource#'),
     'server'),
])
def test_conflicts_are_409(alice, item, message):
    add(alice, mixin('vip', '/tags/vip/'))
    res = add(alice, item, status=409)
    assert message in error(res)


@pytest.mark.parametrize('item', [
    mixin('vip', None),
    mixin('vip', '/tags/vip'),
    mixin('vip', '/'),
    mixin('vip', '/tags//vip/'),
    mixin('vip', '/tags/../vip/'),
    mixin('vip', '/tags/v i p/'),
    mixin('vip', '/-/'),
    mixin('vip', '/.well-known/vip/'),
    mixin('vip', 'http://elsewhere.example.org/tags/vip/'),
    mixin('vip', '/tags/vip/', scheme='http://schemas.ogf.org/occi/tags#'),
    mixin('vip', '/tags/vip/', cls='kind'),
    mixin('vip', '/tags/vip/', depends=[TAGS + 'nothing']),
    mixin('vip', '/tags/vip/', depends=[COMPUTE]),
    mixin('vip', '/tags/vip/', depends=[INFRA + 'os_tpl']),
    mixin('vip', '/tags/vip/', applies=[TAGS + 'nokind']),
])
def test_bad_definitions_are_400(alice, item):
    fmt = 'application/occi+json' if item['applies'] else 'text/plain'
    add(alice, item, fmt=fmt, status=400)
    assert user_mixins(alice) == {}


@pytest.mark.parametrize('body', [
    'Category: -vip; scheme="http://example.org/tags#"; class="mixin"; '
    'location="/tags/vip/"',
    'Category: v!p; scheme="http://example.org/tags#"; class="mixin"; '
    'location="/tags/vip/"',
    'Category: vip; scheme="http://example.org/tags"; class="mixin"; '
    'location="/tags/vip/"',
    'Category: vip; scheme="http://example.org/tags#"; class="mixin"; '
    'location="/tags/vip/"; attributes="org.example.x"',
    '',
])
def test_bad_terms_schemes_and_bodies_are_400(alice, body):
    alice.post('/-/', ({'Content-Type': 'text/plain'}, body), status=400)


def test_remove_provider_mixin_is_403_unknown_is_404(alice, bob):
    remove(alice, INFRA + 'os_tpl', status=403)
    remove(alice, OS_SCHEME + 'image-d3b1a000-0000-4000-8000-000000000001',
           status=403)
    remove(alice, VIP, status=404)
    add(alice, mixin('vip', '/tags/vip/'))
    remove(bob, VIP, status=404)
    remove(alice, VIP)
    assert user_mixins(alice) == {}
    alice.get('/tags/vip/', status=404)


def test_remove_a_mixin_others_depend_on_is_409(alice):
    add(alice, mixin('vip', '/tags/vip/'),
        mixin('gold', '/tags/gold/', depends=[VIP]))
    assert 'gold' in error(remove(alice, VIP, status=409))
    remove(alice, VIP, TAGS + 'gold')
    assert user_mixins(alice) == {}


# -- associations -------------------------------------------------------------

@pytest.mark.parametrize('fmt', FORMATS)
def test_associate_replace_dissociate(alice, fmt):
    one, two, three = (alice.create_compute(title=t)
                       for t in ('one', 'two', 'three'))
    add(alice, mixin('vip', '/tags/vip/'))
    res = alice.post('/tags/vip/', locations(fmt, [one, two]), fmt)
    if fmt == 'application/occi+json':
        answered = [HOST + '/compute/' + r['id']
                    for r in res.json['resources']]
    else:
        answered = read(res)['locations']
    assert sorted(answered) == sorted([HOST + one, HOST + two])
    assert members(alice, '/tags/vip/') == sorted([one, two])
    # associating again changes nothing
    alice.post('/tags/vip/', locations(fmt, [two]), fmt)
    assert members(alice, '/tags/vip/') == sorted([one, two])
    alice.put('/tags/vip/', locations(fmt, [two, three]), fmt)
    assert members(alice, '/tags/vip/') == sorted([two, three])
    alice.delete('/tags/vip/', fmt, request=locations(fmt, [two]))
    assert members(alice, '/tags/vip/') == [three]
    alice.delete('/tags/vip/', fmt)
    assert members(alice, '/tags/vip/') == []


def test_associated_mixin_is_rendered_and_filters(alice):
    tagged = alice.create_compute(title='tagged')
    plain = alice.create_compute(title='plain')
    add(alice, mixin('vip', '/tags/vip/', title='VIP'))
    alice.post('/tags/vip/', locations('text/plain', [tagged]))
    assert VIP in mixins_of(alice, tagged)
    assert VIP not in mixins_of(alice, plain)
    lines = alice.get(tagged).text.splitlines()
    assert ('Category: vip; scheme="http://example.org/tags#"; '
            'class="mixin"; title="VIP"; location="/tags/vip/"') in lines
    document = alice.get(tagged, 'application/occi+json').json
    assert VIP in document['mixins']
    # Category filter on the kind collection honours user mixins
    res = alice.app.get('/compute/', headers={
        'X-Auth-Token': ALICE, 'Accept': 'text/uri-list',
        'Content-Type': 'text/occi',
        'Category': category('vip', TAGS, 'mixin')})
    assert res.text.split() == [HOST + tagged]
    assert len(alice.get('/compute/', 'text/uri-list').text.split()) == 2


@pytest.mark.parametrize('fmt', FORMATS)
def test_create_and_update_with_a_user_mixin(alice, fmt):
    add(alice, mixin('vip', '/tags/vip/'), mixin('web', '/tags/web/'))
    res = alice.post('/compute/', entity_request(
        fmt, COMPUTE, [OS_SCHEME + DEBIAN, RES_SCHEME + SMALL, VIP],
        {'occi.core.title': 'born tagged'}), fmt, status=201)
    path = res.headers['Location'][len(HOST):]
    assert members(alice, '/tags/vip/') == [path]
    assert VIP in mixins_of(alice, path)
    # a partial update adds
    alice.post(path, entity_request(fmt, None, [TAGS + 'web']), fmt)
    assert {VIP, TAGS + 'web'} <= mixins_of(alice, path)
    # PUT sets exactly the user mixins named
    alice.put(path, entity_request(fmt, COMPUTE, [TAGS + 'web'],
                                   {'occi.core.title': 'born tagged'}), fmt)
    assert VIP not in mixins_of(alice, path)
    assert members(alice, '/tags/web/') == [path]
    assert members(alice, '/tags/vip/') == []


def test_association_checks_every_location_before_changing(alice, bob):
    mine = alice.create_compute()
    theirs = bob.create_compute()
    add(alice, mixin('vip', '/tags/vip/'))
    res = alice.post('/tags/vip/', locations('text/plain',
                                             [mine, '/compute/999999']),
                     status=404)
    assert '/compute/999999' in error(res)
    res = alice.post('/tags/vip/', locations('text/plain', [mine, theirs]),
                     status=404)
    assert theirs in error(res)
    alice.put('/tags/vip/', locations('text/plain', [theirs]), status=404)
    alice.post('/tags/vip/', ({'Content-Type': 'text/plain'},
                              'X-OCCI-Location: %s/nothing/1\n' % HOST),
               status=400)
    assert members(alice, '/tags/vip/') == []


def test_a_mixin_that_does_not_apply_is_403(alice):
    path = alice.create_compute()
    add(alice, mixin('net', '/tags/net/', applies=[NETWORK]),
        fmt='application/occi+json')
    res = alice.post('/tags/net/', locations('text/plain', [path]),
                     status=403)
    assert 'does not apply' in error(res)


def test_removing_the_definition_removes_associations(alice, cloud):
    path = alice.create_compute()
    add(alice, mixin('vip', '/tags/vip/'))
    alice.post('/tags/vip/', locations('text/plain', [path]))
    remove(alice, VIP)
    assert VIP not in mixins_of(alice, path)
    store = stores.mixin_store(cloud.app.app.registry)
    assert store.associations(ALICE_UUID) == {}
    # a new mixin of the same name starts empty
    add(alice, mixin('vip', '/tags/vip/'))
    assert members(alice, '/tags/vip/') == []


def test_template_collections_refuse_changes(alice):
    path = '/mixin/resource_tpl/flavor-1/'
    body = locations('text/plain', [alice.create_compute()])
    res = alice.post(path, body, status=405)
    assert 'GET' in res.headers['Allow']
    alice.put(path, body, status=405)
    alice.delete(path, status=405)


# -- collection actions -------------------------------------------------------

def test_collection_action_runs_on_every_member(alice):
    one, two, other = (alice.create_compute() for _ in range(3))
    add(alice, mixin('vip', '/tags/vip/'))
    alice.post('/tags/vip/', locations('text/plain', [one, two]))
    alice.post('/tags/vip/?action=stop', (
        {'Content-Type': 'text/plain'},
        'Category: stop; scheme="%s"; class="action"\n' % ACTIONS))
    states = {p: alice.attributes(p)['occi.compute.state']
              for p in (one, two, other)}
    assert states == {one: 'inactive', two: 'inactive', other: 'active'}
    # every member failed (neither can stop again): no 200, each reported
    res = alice.post('/tags/vip/?action=stop', ({}, ''), status=409)
    assert one in res.text and two in res.text
    alice.post('/tags/vip/?action=start', ({}, ''))
    assert alice.attributes(one)['occi.compute.state'] == 'active'


def test_collection_action_unknown_to_a_member_is_400(alice):
    path = alice.create_compute()
    add(alice, mixin('vip', '/tags/vip/'))
    alice.post('/tags/vip/', locations('text/plain', [path]))
    res = alice.post('/tags/vip/?action=online', ({}, ''), status=400)
    assert path in error(res)
    alice.post('/tags/vip/?action=fly', ({}, ''), status=400)
    assert alice.attributes(path)['occi.compute.state'] == 'active'


# -- entities deleted, restarts -----------------------------------------------

def test_deleted_entities_leave_the_collection(alice, cloud):
    through_occi, in_cloud, kept = (alice.create_compute() for _ in range(3))
    add(alice, mixin('vip', '/tags/vip/'))
    alice.post('/tags/vip/', locations('text/plain',
                                       [through_occi, in_cloud, kept]))
    alice.delete(through_occi)
    assert members(alice, '/tags/vip/') == sorted([in_cloud, kept])
    # behind OCCI's back: straight to the cloud's compute API
    client = Client('http://%s:%d' % (cloud.control.host,
                                      cloud.control.port))
    server_id = in_cloud.rsplit('/', 1)[1]
    result = client.call('DELETE', '/compute/v2.0/servers/%s' % server_id,
                         token=ALICE)
    assert result.status == 204
    cloud.control.settle()
    assert members(alice, '/tags/vip/') == [kept]
    res = alice.get('/tags/vip/', 'application/occi+json')
    assert [r['id'] for r in res.json['resources']] == [
        kept.rsplit('/', 1)[1]]
    store = stores.mixin_store(cloud.app.app.registry)
    assert through_occi not in store.associations(ALICE_UUID)


def test_definitions_survive_a_restart(alice, cloud):
    path = alice.create_compute()
    add(alice, mixin('vip', '/tags/vip/', title='kept'))
    alice.post('/tags/vip/', locations('text/plain', [path]))
    restarted = Cloud(dict(cloud.settings))
    try:
        again = OCCI(restarted, ALICE)
        assert user_mixins(again)[VIP]['title'] == 'kept'
        assert members(again, '/tags/vip/') == [path]
    finally:
        stores.mixin_store(restarted.app.app.registry).dispose()


# -- resource templates of the user's own -------------------------------------

OWN = 'http://example.org/sizes#'


def own_template(user, term, defaults=None, status=200, attributes=None):
    """A user mixin related to resource_tpl, in OCCI JSON (defaults as
    attribute descriptions)."""
    entry = {'term': term, 'scheme': OWN, 'location': '/sizes/%s/' % term,
             'depends': [INFRA + 'resource_tpl']}
    if defaults or attributes:
        entry['attributes'] = attributes or {
            name: {'type': 'number', 'mutable': True, 'default': value}
            for name, value in defaults.items()}
    return user.post('/-/', ({'Content-Type': 'application/occi+json'},
                             json.dumps({'mixins': [entry]})),
                     status=status)


def test_a_template_of_ones_own_asks_for_its_size(alice):
    own_template(alice, 'big', {'occi.compute.cores': 2,
                                'occi.compute.memory': 2})
    # the definition keeps its sizes, as the user's mixin
    [big] = [m for m in alice.get('/-/', 'application/occi+json').json[
        'mixins'] if m['term'] == 'big']
    assert big['depends'] == [INFRA + 'resource_tpl']
    assert big['attributes']['occi.compute.cores']['default'] == 2
    path = created_with(alice, OWN + 'big')
    text = alice.get(path).text
    assert 'flavor-2;' in text   # 2 cores, 2 GiB: the smallest that fits
    assert 'Category: big; scheme="%s"' % OWN in text   # and the tag


def created_with(user, *mixins):
    res = user.post('/compute/', entity_request(
        'text/plain', COMPUTE, [OS_SCHEME + DEBIAN] + list(mixins),
        {'occi.core.title': 'own'}), status=201)
    return res.headers['Location'][len(HOST):]


def test_a_cloud_template_or_sizes_named_win_over_ones_own(alice):
    own_template(alice, 'big', {'occi.compute.cores': 2,
                                'occi.compute.memory': 2})
    path = created_with(alice, OWN + 'big', RES_SCHEME + SMALL)
    assert 'flavor-1;' in alice.get(path).text


def test_a_template_of_ones_own_without_sizes_is_a_tag(alice):
    own_template(alice, 'plain')
    path = created_with(alice, OWN + 'plain', RES_SCHEME + SMALL)
    text = alice.get(path).text
    assert 'flavor-1;' in text and 'Category: plain;' in text


@pytest.mark.parametrize('attributes', [
    {'occi.compute.cores': {'type': 'number'}},          # no default
    {'occi.compute.cores': {'default': 0}},              # not positive
    {'occi.compute.cores': {'default': 1.5}},            # not whole
    {'occi.compute.memory': {'default': 'lots'}},
    {'occi.compute.hostname': {'default': 'x'}},         # not a size
])
def test_a_template_of_ones_own_gives_positive_sizes_only(alice, attributes):
    res = own_template(alice, 'bad', attributes=attributes, status=400)
    assert 'default' in res.text
    assert user_mixins(alice) == {}


def test_only_templates_of_ones_own_have_attributes(alice):
    res = alice.post('/-/', ({'Content-Type': 'application/occi+json'},
                             json.dumps({'mixins': [{
                                 'term': 'tag', 'scheme': OWN,
                                 'attributes': {'occi.compute.cores': {
                                     'default': 2}}}]})), status=400)
    assert 'resource_tpl' in res.text


# -- beside Synnefo's project mixins (docs/decisions.md) ---------------------

def test_a_user_mixin_cannot_take_a_projects_term_or_location(alice):
    projects = 'http://schemas.synnefo.org/occi/project#'
    # anyone's project: bob's is no category of alice's, still refused
    res = add(alice, mixin('project-8e1f2d3c-4b5a-4c6d-8e7f-b0b0000000f2',
                           '/tags/p/', scheme=projects), status=409)
    assert projects in res.text
    res = add(alice, mixin('p', '/project/mine/'), status=409)
    assert '/project/' in res.text
    add(alice, mixin('p', '/tags/p/'))
    compute = alice.create_compute()
    alice.post('/tags/p/', locations('text/plain', [compute]))
    tagged = {c['term'] for c in read(alice.get(compute))['categories']}
    assert 'p' in tagged and 'project-' + ALICE_UUID in tagged
