"""The application end to end on the in-memory backend, through WebTest:
no simulator and no socket, so a change to the views, the renderings or
the wrappers is tested here in a blink (the same requests run on the
Synnefo simulator in the other functional modules).

The cloud's clock is manual: a compute is built, and runs an action,
when the test settles it (``cloud.control.settle()``), as the simulator's
``manual`` delays do.
"""
import json
import os
import socket

import pytest

from occi_pyramid.backends import memory
from occi_pyramid.interfaces import IBackend
from tests.conftest import ROOT, make_testapp
from tests.functional.conftest import (
    ACTIONS, ALICE, BOB, COMPUTE, FORMATS, HOST, INFRA,
    action_request, category, entity_request, forget_deferred_work, read,
    until,
)

DEBIAN = memory.OS_SCHEME + 'debian'
SMALL = memory.SIZE_SCHEME + 'small'
MEDIUM = memory.SIZE_SCHEME + 'medium'
NETWORK = INFRA + 'network'
STORAGE = INFRA + 'storage'
NETWORKINTERFACE = INFRA + 'networkinterface'
STORAGELINK = INFRA + 'storagelink'
TAGS = 'http://example.org/tags#'

#: the whole configuration: no Synnefo, no simulator
SETTINGS = {
    'occi.backend': 'occi_pyramid.backends.memory',
    'occi.memory.tokens': 'alice:%s bob:%s' % (ALICE, BOB),
    'occi.memory.manual': 'true',
    'occi.store.url': 'sqlite://',
}


class MemoryCloud:
    """What the functional helpers expect of a cloud: the app, and a
    ``control`` that settles the cloud's jobs."""

    def __init__(self):
        self.app = make_testapp(dict(SETTINGS))
        self.control = self.app.app.registry.getUtility(IBackend).cloud


@pytest.fixture(autouse=True)
def no_socket(monkeypatch):
    """Nothing here reaches the network."""
    def refuse(self, address):
        raise AssertionError('a connection to %r' % (address,))
    monkeypatch.setattr(socket.socket, 'connect', refuse)


@pytest.fixture
def cloud():
    """Overrides conftest's (its ``alice`` and ``bob`` take this one)."""
    cloud = MemoryCloud()
    yield cloud
    forget_deferred_work(cloud.app.app.registry)


def created(res):
    assert res.status_int == 201
    return res.headers['Location'][len(HOST):]


def make_compute(user, fmt='text/plain', title='vm', links=(),
                 settle=True):
    res = user.post('/compute/', entity_request(
        fmt, COMPUTE, [DEBIAN, SMALL], {'occi.core.title': title}, links),
        fmt, status=201)
    if settle:
        user.cloud.control.settle()
    return created(res)


def make(user, kind, attributes, mixins=(), status=201):
    res = user.post('/%s/' % kind.rsplit('#', 1)[1], entity_request(
        'text/plain', kind, mixins, attributes), status=status)
    return created(res) if status == 201 else res


def link(user, kind, source, target, status=201):
    return user.post('/%s/' % kind.rsplit('#', 1)[1], entity_request(
        'text/plain', kind, (), {'occi.core.source': source,
                                 'occi.core.target': target}),
        status=status)


def listed(user, path='/'):
    return [line[len(HOST):] for line in
            user.get(path, 'text/uri-list').text.split()]


# -- the basics --------------------------------------------------------------

def test_no_token_or_a_refused_one_is_401(cloud):
    for headers in ({}, {'X-Auth-Token': 'nobody'}):
        res = cloud.app.get('/compute/', headers=headers, status=401)
        assert res.headers['WWW-Authenticate'].startswith('Keystone')


def test_the_query_interface_lists_the_templates(alice):
    categories = read(alice.get('/-/'))['categories']
    type_ids = {c['scheme'] + c['term'] for c in categories}
    assert {DEBIAN, SMALL, MEDIUM, COMPUTE, NETWORKINTERFACE} <= type_ids


@pytest.mark.parametrize('fmt', FORMATS)
def test_a_compute_lives_and_dies_in_every_rendering(alice, fmt):
    path = make_compute(alice, fmt, 'web')
    values = alice.attributes(path, fmt)
    assert values['occi.core.title'] == 'web'
    assert values['occi.compute.state'] == 'active'
    assert str(values['occi.compute.cores']) == '1'
    assert path in listed(alice, '/compute/')
    alice.post(path, entity_request(fmt, '', (), {
        'occi.core.title': 'renamed'}), fmt)
    assert alice.attributes(path, fmt)['occi.core.title'] == 'renamed'
    alice.delete(path, fmt)
    alice.get(path, fmt, status=404)
    assert path not in listed(alice, '/compute/')


@pytest.mark.parametrize('fmt', FORMATS + ['text/uri-list'])
def test_a_collection_renders_in_every_type(alice, fmt):
    paths = [make_compute(alice, title='c%d' % i) for i in range(2)]
    res = alice.get('/compute/', fmt)
    assert res.content_type == fmt
    locations = read(res)['locations']
    if fmt == 'application/occi+json':
        locations = [HOST + '/compute/' + r['id']
                     for r in read(res)['json']['resources']]
    assert sorted(location[len(HOST):] if location.startswith(HOST)
                  else location for location in locations) == sorted(paths)


def test_users_are_apart(alice, bob):
    path = make_compute(alice)
    bob.get(path, status=404)
    assert listed(bob) == []


def test_an_action_runs_once_the_cloud_does_it(alice):
    path = make_compute(alice)
    alice.post(path + '?action=stop', action_request(
        'text/plain', ACTIONS + 'stop', {'method': 'graceful'}))
    assert alice.attributes(path)['occi.compute.state'] == 'active'
    alice.cloud.control.settle()
    assert alice.attributes(path)['occi.compute.state'] == 'inactive'
    res = alice.post(path + '?action=stop', action_request(
        'text/plain', ACTIONS + 'stop'), status=409)
    assert 'cannot stop' in res.text


def test_memory_ini_serves_a_first_look():
    from pyramid.paster import get_appsettings

    app = make_testapp(dict(get_appsettings(os.path.join(
        ROOT, 'memory.ini'))))
    headers = {'X-Auth-Token': 'alice-token', 'Content-Type': 'text/plain'}
    res = app.post('/compute/', entity_request(
        'text/plain', COMPUTE, [DEBIAN], {})[1], headers=headers,
        status=201)
    path = res.headers['Location'][len(HOST):]
    assert read(app.get(path, headers=headers))['attributes'][
        'occi.compute.state'] == 'active'
    forget_deferred_work(app.app.registry)


# -- links -------------------------------------------------------------------

def test_links_are_made_once_and_shown_in_their_compute(alice):
    compute = make_compute(alice)
    network = make(alice, NETWORK, {'occi.core.title': 'net'})
    storage = make(alice, STORAGE, {'occi.storage.size': 2})
    nic = created(link(alice, NETWORKINTERFACE, compute, network))
    disk = created(link(alice, STORAGELINK, compute, storage))
    # made again: the same link, 200
    again = link(alice, STORAGELINK, compute, storage, status=200)
    assert again.headers['Location'][len(HOST):] == disk
    shown = [l.get('self') for l in read(alice.get(compute))['links']]
    assert nic in shown and disk in shown
    assert read(alice.get(nic))['attributes']['occi.core.target'] == network
    alice.delete(disk)
    alice.get(disk, status=404)
    res = alice.delete(network, status=409)
    assert 'linked to a compute' in res.text
    alice.delete(compute)
    alice.get(nic, status=404)
    alice.get(storage)


def test_a_link_to_a_building_compute_waits_for_it(alice):
    """Deferred work wraps any backend: a link to a compute being built
    is 201 at a pending location, made by the worker once it is built.
    """
    storage = make(alice, STORAGE, {'occi.storage.size': 1})
    compute = make_compute(alice, settle=False)
    pending = created(link(alice, STORAGELINK, compute, storage))
    assert pending.startswith('/storagelink/pending-')
    values = read(alice.get(pending))['attributes']
    assert values['occi.storagelink.state'] == 'inactive'
    assert 'to be built' in values['occi.storagelink.state.message']
    until(lambda: read(alice.get(pending))['attributes'][
        'occi.storagelink.state'] == 'active', alice.cloud)
    made = read(alice.get(pending))['attributes']['occi.core.id']
    assert '/storagelink/' + made in listed(alice, '/storagelink/')


def test_an_inline_storage_link_waits_for_the_build(alice):
    storage = make(alice, STORAGE, {'occi.storage.size': 1})
    compute = make_compute(alice, settle=False, links=[{
        'target': storage, 'rel': STORAGE, 'category': STORAGELINK}])
    until(lambda: any(
        link.get('target') == storage and not link['self'].startswith(
            '/storagelink/pending-')
        for link in read(alice.get(compute))['links']), alice.cloud)


# -- user mixins ------------------------------------------------------------

def test_user_mixins_wrap_any_backend(alice, bob):
    alice.post('/-/', ({'Content-Type': 'text/plain'}, 'Category: %s; '
                       'location="/tags/vip/"\r\n' % category(
                           'vip', TAGS, 'mixin')))
    compute = make_compute(alice)
    alice.post('/tags/vip/', ({'Content-Type': 'application/occi+json'},
                              json.dumps({'resources': [{
                                  'kind': COMPUTE,
                                  'id': compute.rsplit('/', 1)[1]}]})))
    assert listed(alice, '/tags/vip/') == [compute]
    terms = {c['term'] for c in read(alice.get(compute))['categories']}
    assert 'vip' in terms
    bob.get('/tags/vip/', status=404)
