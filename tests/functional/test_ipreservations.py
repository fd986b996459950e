"""IP reservations (rOCCI-core 5's ``infrastructure#ipreservation``) end to
end: Synnefo floating IPs reserved, linked, unlinked and released through
real kamaki and the simulator."""
import pytest

from tests.fixtures.occi_schemas import validate
from tests.functional.conftest import ALICE, FORMATS, HOST, INFRA, read, \
    entity_request, until
from tests.functional.test_links import (
    NETWORKINTERFACE, created, floating_ips, public_network,
)

IPRESERVATION = INFRA + 'ipreservation'
JSON = 'application/occi+json'
POOL_BASE = 'http://schemas.openstack.org/network#floatingippool'


def reserve(user, fmt='text/plain', attributes=None, mixins=(),
            status=201):
    res = user.post('/ipreservation/', entity_request(
        fmt, IPRESERVATION, mixins, attributes or {}), fmt, status=status)
    return created(res) if status == 201 else res


def link_to(user, compute, target, status=201):
    res = user.post('/networkinterface/', entity_request(
        'text/plain', NETWORKINTERFACE, (), {'occi.core.source': compute,
                                             'occi.core.target': target}),
        status=status)
    return created(res) if status in (200, 201) else res


def unused(user, reservation, cloud):
    """Wait until the cloud has removed the port that carried the
    reservation's address; its attributes then."""
    def check():
        attributes = user.attributes(reservation, JSON)
        return attributes if not attributes[
            'occi.ipreservation.used'] else None
    return until(check, cloud)


def test_reserve_link_unlink_relink_release(alice, cloud):
    reservation = reserve(alice)
    attributes = alice.attributes(reservation, JSON)
    address = attributes['occi.ipreservation.address']
    assert attributes['occi.ipreservation.used'] is False
    assert [f['floating_ip_address'] for f in floating_ips(
        cloud=cloud)] == [address]

    first = alice.create_compute(title='first')
    interface = link_to(alice, first, reservation)
    assert alice.attributes(interface)[
        'occi.networkinterface.address'] == address
    attributes = alice.attributes(reservation, JSON)
    assert attributes['occi.ipreservation.used'] is True
    assert attributes['org.synnefo.floating_ip.compute'] == first
    assert attributes['org.synnefo.floating_ip.networkinterface'] == \
        interface
    # linking the same compute to it again answers the same interface
    assert link_to(alice, first, reservation, status=200) == interface

    # a used reservation is not released
    res = alice.delete(reservation, status=409)
    assert 'used' in res.text

    alice.delete(interface)
    # the reservation stays, with the same address
    assert unused(alice, reservation, cloud)[
        'occi.ipreservation.address'] == address
    assert len(floating_ips(cloud=cloud)) == 1

    second = alice.create_compute(title='second')
    link_to(alice, second, reservation)
    assert alice.attributes(reservation, JSON)[
        'org.synnefo.floating_ip.compute'] == second

    # the compute goes, the address stays
    alice.delete(second)
    unused(alice, reservation, cloud)
    alice.delete(reservation)
    alice.get(reservation, status=404)
    assert floating_ips(cloud=cloud) == []


@pytest.mark.parametrize('fmt', FORMATS)
def test_a_reservation_renders_in_each_format(alice, fmt):
    reservation = reserve(alice, fmt)
    body = read(alice.get(reservation, fmt))
    kinds = [c['scheme'] + c['term'] for c in body['categories']
             if c['class'] == 'kind']
    assert kinds == [IPRESERVATION]
    assert body['attributes']['occi.ipreservation.state'] == 'active'
    assert reservation in [loc[len(HOST):] for loc in read(alice.get(
        '/ipreservation/', 'text/uri-list'))['locations']]


def test_a_reservation_is_a_resource_of_the_namespace(alice):
    reservation = reserve(alice)
    listed = alice.get('/resource/', 'text/uri-list').text.split()
    assert HOST + reservation in listed
    filtered = alice.get('/', 'text/uri-list', headers={
        'Category': 'ipreservation; scheme="%s"; class="kind"' % INFRA})
    assert filtered.text.split() == [HOST + reservation]


def test_json_answers_validate(alice):
    reservation = reserve(alice)
    validate(alice.get(reservation, JSON).json)
    validate(alice.get('/ipreservation/', JSON).json)
    model = alice.get('/-/', JSON).json
    validate(model)
    assert IPRESERVATION in [k['scheme'] + k['term']
                             for k in model['kinds']]


def test_the_address_asked_for_is_reserved(alice, cloud):
    public = public_network(alice)
    taken = reserve(alice)
    address = alice.attributes(taken)['occi.ipreservation.address']
    alice.delete(taken)
    again = reserve(alice, attributes={'occi.ipreservation.address': address})
    attributes = alice.attributes(again, JSON)
    assert attributes['occi.ipreservation.address'] == address
    assert attributes['org.synnefo.floating_ip.pool'] == public
    res = reserve(alice, attributes={
        'occi.ipreservation.address': '192.0.2.77'}, status=400)
    assert 'no floating IP pool' in res.text


def test_a_plain_public_link_leaves_reservations_alone(alice, cloud):
    reservation = reserve(alice)
    compute = alice.create_compute()
    interface = link_to(alice, compute, public_network(alice))
    address = alice.attributes(interface)['occi.networkinterface.address']
    assert address != alice.attributes(reservation, JSON)[
        'occi.ipreservation.address']
    alice.delete(interface)
    until(lambda: len(floating_ips(cloud=cloud)) == 1, cloud)
    assert alice.attributes(reservation, JSON)[
        'occi.ipreservation.used'] is False


def test_quota_exhaustion_is_refused_as_other_quotas(alice, cloud):
    cloud.control.set_quota(ALICE, {'cyclades.floating_ip': 0})
    res = reserve(alice, status=403)
    assert "Limit for resource 'Floating IP address' exceeded" in res.text
    assert floating_ips(cloud=cloud) == []


def test_the_memory_cloud_reserves_nothing():
    from occi_pyramid import model
    from occi_pyramid.backends.memory import MemoryCloud, MemorySession
    from occi_pyramid.exceptions import OCCINotImplemented
    session = MemorySession(MemoryCloud({'t': 'alice'}), 't')
    assert session.list(model.IPRESERVATION) == []
    with pytest.raises(OCCINotImplemented):
        session.create(model.EntityData(model.IPRESERVATION))


def test_each_pool_is_a_mixin_that_chooses_it(alice, cloud):
    cloud.control.create_network(name='second pool', public=True,
                                 floating_ip_pool=True,
                                 cidr='198.51.100.0/24')
    model = alice.get('/-/', JSON).json
    validate(model)
    pools = [m for m in model['mixins'] if POOL_BASE in m.get('depends', ())]
    assert len(pools) == 2, pools
    second, = [m for m in pools if m['title'] == 'second pool']
    assert second['applies'] == [IPRESERVATION]
    assert second['location'].startswith('/mixin/floatingippool/')
    chosen = second['scheme'] + second['term']
    for _ in range(2):
        reservation = reserve(alice, mixins=[chosen])
        attributes = alice.attributes(reservation, JSON)
        assert attributes['occi.ipreservation.address'].startswith(
            '198.51.100.')
        assert chosen in alice.get(reservation, JSON).json['mixins']
    # an address outside the pool named: Synnefo's 400
    reserve(alice, mixins=[chosen], attributes={
        'occi.ipreservation.address': '203.0.113.50'}, status=400)
    # the pool's collection holds its reservations
    listed = alice.get(second['location'], 'text/uri-list').text.split()
    assert HOST + reservation in listed and len(listed) == 2


def test_the_pages_show_a_reservation_and_its_pool(alice, cloud):
    from tests.functional.test_html import page
    reservation = reserve(alice)
    address = alice.attributes(reservation, JSON)[
        'occi.ipreservation.address']
    res = page(cloud, reservation)
    assert res.content_type == 'text/html'
    assert address in res.text and 'pool-1' in res.text
    assert reservation in page(cloud, '/ipreservation/').text
    catalogue = page(cloud, '/-/').text
    assert 'ipreservation' in catalogue and 'floatingippool' in catalogue
