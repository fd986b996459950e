"""Small answers the per-kind handlers get right: impossible ids, sizes
without a template, inline links validated like standalone ones, the
same refusal for every PUT where nothing is, collection actions that
all failed, busy computes, templates Synnefo forbids."""
import pytest

from tests.conftest import make_testapp
from tests.functional.conftest import (
    ACTIONS, ALICE, COMPUTE, DEBIAN, HOST, OCCI, OS_SCHEME, RES_SCHEME,
    action_request, entity_request, read, until,
)
from tests.functional.test_links import (
    NETWORK, NETWORKINTERFACE, STORAGE, STORAGELINK, link, make_interface,
    make_network, make_storage,
)

STOP = ACTIONS + 'stop'


# -- (a) ids no entity can have: 404, never 500 ------------------------------

@pytest.mark.parametrize('path', [
    '/compute/0', '/compute/99999999999999999999999', '/compute/007',
    '/network/0', '/storage/0', '/networkinterface/0',
    '/storagelink/0_0', '/storagelink/99999999999999999999999_1'])
def test_impossible_ids_are_404_for_every_method(alice, path):
    assert 'There is no' in alice.get(path, status=404).text
    alice.delete(path, status=404)
    alice.post(path, entity_request('text/plain', None, (), {
        'occi.core.title': 'x'}), status=404)


def test_an_action_on_compute_0_is_404(alice):
    alice.post('/compute/0?action=stop', action_request('text/plain', STOP),
               status=404)


# -- (b) sizes without a resource_tpl under a default template ------------------

@pytest.fixture
def dev_alice(instant_cloud):
    """Alice on an app with development.ini's default templates."""
    instant_cloud.reset()
    app = make_testapp(dict(instant_cloud.settings, **{
        'occi.default_os_tpl': DEBIAN,
        'occi.default_resource_tpl': 'flavor-1'}))
    user = OCCI(instant_cloud, ALICE)
    user.app = app
    return user


def test_sizes_without_a_template_are_honoured(dev_alice):
    path = dev_alice.create_compute(flavor=None, attributes={
        'occi.compute.cores': 2, 'occi.compute.memory': 2.0})
    attributes = dev_alice.attributes(path)
    assert int(attributes['occi.compute.cores']) >= 2
    assert float(attributes['occi.compute.memory']) >= 2.0


def test_the_default_template_when_neither_is_named(dev_alice):
    path = dev_alice.create_compute(image=None, flavor=None)
    assert int(dev_alice.attributes(path)['occi.compute.cores']) == 1


@pytest.mark.parametrize('cores', [64, -1, 0])
def test_an_impossible_size_is_400_naming_it(dev_alice, cores):
    res = dev_alice.create_compute(flavor=None, attributes={
        'occi.compute.cores': cores}, status=400)
    assert 'occi.compute.cores' in res.text
    assert dev_alice.get('/compute/', 'text/uri-list').text.strip() == ''


# -- (c) inline links checked as standalone ones --------------------------------

def test_an_unknown_link_attribute_is_400_inline_and_standalone(alice):
    network = make_network(alice, address='10.21.0.0/24')
    res = alice.create_compute(links=[link(
        network, NETWORK, NETWORKINTERFACE,
        **{'occi.networkinterface.bogus': 'x'})], status=400)
    assert 'occi.networkinterface.bogus' in res.text
    compute = alice.create_compute()
    res = alice.post('/networkinterface/', entity_request(
        'text/plain', NETWORKINTERFACE, (), {
            'occi.core.source': compute, 'occi.core.target': network,
            'occi.networkinterface.bogus': 'x'}), status=400)
    assert 'occi.networkinterface.bogus' in res.text
    assert alice.get('/networkinterface/', 'text/uri-list').text == ''


def test_a_wrong_source_is_400_inline_and_standalone(alice):
    network = make_network(alice, address='10.22.0.0/24')
    storage = make_storage(alice)
    before = alice.get('/compute/', 'text/uri-list').text
    res = alice.create_compute(links=[link(
        storage, STORAGE, STORAGELINK, **{'occi.core.source': network})],
        status=400)
    assert network in res.text
    assert alice.get('/compute/', 'text/uri-list').text == before
    compute = alice.create_compute()
    alice.post('/storagelink/', entity_request(
        'text/plain', STORAGELINK, (), {'occi.core.source': network,
                                        'occi.core.target': storage}),
        status=400)
    # a partial update may name the compute itself as the source
    alice.post(compute, entity_request('text/plain', None, (), {}, links=[
        link(storage, STORAGE, STORAGELINK,
             **{'occi.core.source': HOST + compute})]))


# -- (d) PUT where nothing is ------------------------------------------------------

@pytest.mark.parametrize('path', ['/123', '/compute/123', '/compute/0'])
def test_put_where_nothing_is_is_the_same_refusal(alice, path):
    res = alice.put(path, entity_request('text/plain', COMPUTE,
                                         [OS_SCHEME + DEBIAN]), status=400)
    assert 'POST' in res.text


# -- (e) a collection action that failed on every member ---------------------------

def test_a_collection_action_failing_everywhere_is_not_200(alice):
    computes = [alice.create_compute(title='c%d' % i) for i in range(2)]
    for compute in computes:
        alice.post(compute + '?action=stop', action_request('text/plain',
                                                            STOP))
    res = alice.post('/compute/?action=stop',
                     action_request('text/plain', STOP), status=409)
    assert all(HOST + c in res.text or c in res.text for c in computes)


def test_a_collection_action_failing_on_some_members_is_200(alice):
    stopped, running = alice.create_compute(), alice.create_compute()
    alice.post(stopped + '?action=stop', action_request('text/plain', STOP))
    res = alice.post('/compute/?action=stop',
                     action_request('text/plain', STOP))
    assert stopped in res.text and running not in res.text


# -- (f) a network interface of a busy compute ---------------------------------------

def test_removing_an_interface_of_a_busy_compute_waits_for_it(slow_alice,
                                                              slow_cloud):
    """The compute runs a task: the DELETE is accepted, the interface is
    gone for OCCI at once, and the server removes the port once the task
    is done (docs/decisions.md, "Deferred work")."""
    network = make_network(slow_alice, address='10.23.0.0/24')
    compute = slow_alice.create_compute()
    slow_cloud.control.settle()
    interface = make_interface(slow_alice, compute, network)
    slow_cloud.control.settle()
    slow_alice.post(compute + '?action=stop', ({}, ''))  # a pending task
    slow_alice.delete(interface)
    slow_alice.get(interface, status=404)
    assert interface not in [l.get('self') for l in read(
        slow_alice.get(compute))['links']]
    port = interface.rsplit('/', 1)[1]
    assert slow_cloud.control.call(
        'GET', '/network/v2.0/ports/%s' % port, token=ALICE)[0] == 200
    until(lambda: slow_cloud.control.call(
        'GET', '/network/v2.0/ports/%s' % port, token=ALICE)[0] == 404,
        slow_cloud)
    slow_alice.get(interface, status=404)


# -- (g) templates Synnefo refuses to create with ------------------------------------

def test_flavors_not_allowed_for_create_are_not_offered(alice):
    text = alice.get('/-/').text
    assert RES_SCHEME in text
    assert 'flavor-6;' not in text
    assert 'flavor-1;' in text
