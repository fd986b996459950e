"""Malformed input is refused at the edge, by the attribute definitions
and the one location reader, before any cloud call: counted from the
simulator's request log (as tests/functional/callplan.py counts)."""
import pytest

from tests.functional.conftest import (
    FORMATS, HOST, INFRA, entity_request,
)
from tests.functional.test_links import (
    NETWORK, NETWORKINTERFACE, STORAGE, STORAGELINK, link, links_of,
)

#: the identity service: the guard verifies the caller's token before it
#: reads a body (docs/architecture.md), whatever the body holds
IDENTITY = '/identity/'


@pytest.fixture(scope='module')
def warm_cloud(instant_cloud):
    """The instant cloud behind an app whose caches live (testing.ini
    turns them off), as in production: the templates a create names are
    known without asking the cloud again."""
    from tests.functional.conftest import Cloud

    return Cloud(dict(instant_cloud.settings,
                      **{'occi.synnefo.cache_ttl': '600'}))


@pytest.fixture
def alice(warm_cloud):
    from tests.functional.conftest import ALICE, OCCI

    warm_cloud.reset()
    return OCCI(warm_cloud, ALICE)


@pytest.fixture
def cloud(warm_cloud):
    return warm_cloud


def cloud_calls(cloud, operation):
    """Run ``operation()`` once the caller's templates are known; return
    the cloud calls it made past the token's check (``'METHOD /path'``).
    """
    from tests.functional.conftest import ALICE, OCCI

    OCCI(cloud, ALICE).get('/-/')
    cloud.control.clear_requests()
    operation()
    return ['%s %s' % (r['method'], r['path'])
            for r in cloud.control.requests()
            if not r['path'].startswith(IDENTITY)]


@pytest.mark.parametrize('attributes, named', [
    ({'occi.compute.cores': 0}, 'occi.compute.cores'),
    ({'occi.compute.cores': -1}, 'occi.compute.cores'),
    ({'occi.compute.memory': '-0.5'}, 'occi.compute.memory'),
    ({'occi.compute.memory': '1e999'}, 'occi.compute.memory'),
    ({'occi.compute.userdata': 'not base64 !!'}, 'occi.compute.userdata'),
    ({'org.openstack.compute.user_data': 'x y'},
     'org.openstack.compute.user_data'),
])
def test_a_compute_out_of_range_or_format(alice, cloud, attributes, named):
    answers = []
    assert cloud_calls(cloud, lambda: answers.append(alice.create_compute(
        attributes=attributes, status=400))) == []
    value = str(list(attributes.values())[0])
    text = answers[0].text
    assert named in text and (value in text or 'inf' in text)


@pytest.mark.parametrize('fmt', FORMATS)
@pytest.mark.parametrize('size', [0, -2, '1e999'])
def test_a_storage_of_no_positive_size(alice, cloud, fmt, size):
    answers = []
    assert cloud_calls(cloud, lambda: answers.append(alice.post(
        '/storage/', entity_request(fmt, STORAGE, [], {
            'occi.core.title': 'x', 'occi.storage.size': size}),
        fmt, status=400))) == []
    text = answers[0].text or answers[0].headers['X-OCCI-Error']
    assert 'occi.storage.size' in text and 'must be positive' in text


IPNETWORK = INFRA.replace('#', '/network#') + 'ipnetwork'


@pytest.mark.parametrize('attributes, named, said', [
    ({'occi.network.address': '10.0.0.300/24'}, 'occi.network.address',
     'CIDR'),
    ({'occi.network.address': 'banana'}, 'occi.network.address', 'CIDR'),
    ({'occi.network.address': '10.0.0.0/24',
      'occi.network.gateway': '10.0.0'}, 'occi.network.gateway',
     'IPv4 or IPv6 address'),
    ({}, 'occi.network.address', 'needs'),
])
def test_an_ipnetwork_without_a_network_address(alice, cloud, attributes,
                                                named, said):
    """Refused before the network is made (no network made and
    removed again)."""
    answers = []
    assert cloud_calls(cloud, lambda: answers.append(alice.post(
        '/network/', entity_request('text/plain', NETWORK, [IPNETWORK], dict(
            {'occi.core.title': 'n'}, **attributes)), status=400))) == []
    assert named in answers[0].text and said in answers[0].text


def test_an_inline_network_interface_at_no_ip_address(alice, cloud):
    answers = []
    assert cloud_calls(cloud, lambda: answers.append(alice.create_compute(
        links=[link('/network/1', NETWORK, NETWORKINTERFACE, **{
            'occi.networkinterface.address': '10.0.0.1.2'})],
        status=400))) == []
    assert 'occi.networkinterface.address' in answers[0].text


@pytest.mark.parametrize('target, kind, category', [
    ('http://elsewhere.example.org/network/1', NETWORK, NETWORKINTERFACE),
    (HOST + ':8080/storage/1', STORAGE, STORAGELINK),
    ('/compute/1', NETWORK, NETWORKINTERFACE),
])
def test_an_inline_link_to_no_resource_of_ours(alice, cloud, target, kind,
                                               category):
    answers = []
    assert cloud_calls(cloud, lambda: answers.append(alice.create_compute(
        links=[link(target, kind, category)], status=400))) == []
    assert ('The link target %s is not a network or storage of this '
            'server.' % target) in answers[0].text


def test_an_inline_link_with_a_bad_attribute(alice, cloud):
    answers = []
    assert cloud_calls(cloud, lambda: answers.append(alice.create_compute(
        links=[link('/storage/1', STORAGE, STORAGELINK, **{
            'occi.storagelink.bogus': 'x'})], status=400))) == []
    assert 'occi.storagelink.bogus' in answers[0].text


def test_an_inline_link_at_the_default_port_is_ours(alice):
    """``http://host:80/network/N`` names this server's network (the one
    location reader)."""
    network = alice.post('/network/', entity_request(
        'text/plain', NETWORK, [IPNETWORK], {
            'occi.core.title': 'n', 'occi.network.address': '10.9.0.0/24'}),
        status=201).headers['Location']
    port = HOST + ':80' + network[len(HOST):]
    compute = alice.create_compute(links=[link(port, NETWORK,
                                               NETWORKINTERFACE)])
    assert network[len(HOST):] in links_of(alice, compute).values()


@pytest.mark.parametrize('kind, source, target, message', [
    (STORAGELINK, '/compute/{c}', 'http://elsewhere.example.org/storage/1',
     'The link target http://elsewhere.example.org/storage/1 is not a '
     'storage of this server.'),
    (NETWORKINTERFACE, '/compute/{c}', '/storage/1',
     'The link target /storage/1 is not a network of this server.'),
    (STORAGELINK, '/network/1', '/storage/1',
     'The link source /network/1 is not a compute of this server.'),
    (STORAGELINK, '/compute/{c}', '',
     'A storagelink needs occi.core.target.'),
])
def test_a_link_between_no_ends_of_ours(alice, cloud, kind, source, target,
                                        message):
    """The ends of a standalone link are read at the edge, with the
    messages the backend gave (it resolved the source first, a cloud
    call, before it read the target)."""
    compute = alice.create_compute()
    answers = []
    assert cloud_calls(cloud, lambda: answers.append(alice.post(
        '/%s/' % kind.split('#')[1], entity_request('text/plain', kind, [], {
            'occi.core.source': source.format(c=compute.split('/')[-1]),
            'occi.core.target': target}), status=400))) == []
    assert message in answers[0].text
