"""Synnefo projects and floating-IP reservations over real HTTP: the
application served by waitress on a socket, OCCI requests on the wire,
the embedded simulator behind it (docs/decisions.md, "Synnefo projects"
and the ipreservation mapping)."""
import pytest

from occi_pyramid.simulator.testing import ALICE_PROJECT, ALICE_UUID
from tests.e2e.conftest import call
from tests.functional.conftest import (  # noqa: F401 (fixtures)
    ALICE, BOB, COMPUTE, DEBIAN, INFRA, OS_SCHEME, RES_SCHEME, cloud,
    instant_cloud,
)

PROJECT = 'http://schemas.synnefo.org/occi/project#'
RESEARCH = 'project-' + ALICE_PROJECT
SYSTEM = 'project-' + ALICE_UUID
JSON = 'application/occi+json'


@pytest.fixture
def port(cloud, serve):  # noqa: F811 (the imported fixture)
    return serve(cloud.app.app).port


def category(term, scheme, cls='mixin'):
    return 'Category: %s; scheme="%s"; class="%s"' % (term, scheme, cls)


def post(port, path, lines, token=ALICE):
    return call(port, 'POST', path, {
        'X-Auth-Token': token, 'Content-Type': 'text/plain'},
        '\r\n'.join(lines) + '\r\n')


def create_compute(port, *mixins):
    return post(port, '/compute/', [
        category('compute', INFRA, 'kind'), category(DEBIAN, OS_SCHEME),
        'X-OCCI-Attribute: occi.core.title="http"'] + list(mixins))


def location(response):
    assert response.status == 201, response
    return '/' + response.headers['Location'].split('/', 3)[3]


def get_json(port, path, token=ALICE):
    response = call(port, 'GET', path, {'X-Auth-Token': token,
                                        'Accept': JSON})
    assert response.status == 200, response
    return response.json()


def projects(port, token=ALICE):
    return {m['term']: m for m in get_json(port, '/-/', token)['mixins']
            if m['scheme'] == PROJECT}


def vms_used(port, term):
    return projects(port)[term]['attributes'][
        'synnefo.quota.vms.usage']['default']


def mixin_terms(port, path):
    return {m.rsplit('#', 1)[1] for m in get_json(port, path)['mixins']}


def test_a_user_with_two_projects(port, cloud):  # noqa: F811
    assert set(projects(port)) == {RESEARCH, SYSTEM}
    assert not set(projects(port, BOB)) & {RESEARCH, SYSTEM}

    # flavor-7 is alice-research's: refused in the default project,
    # naming the project that may use it
    refused = create_compute(port, category('flavor-7', RES_SCHEME))
    assert refused.status == 409, refused
    assert RESEARCH in refused.text

    used = vms_used(port, RESEARCH)
    compute = location(create_compute(
        port, category('flavor-7', RES_SCHEME), category(RESEARCH, PROJECT)))
    assert RESEARCH in mixin_terms(port, compute)
    assert vms_used(port, RESEARCH) == used + 1

    # moved back to the default project by naming its mixin
    moved = post(port, compute, [category(SYSTEM, PROJECT)])
    assert moved.status == 200, moved
    assert mixin_terms(port, compute) & {RESEARCH, SYSTEM} == {SYSTEM}
    assert vms_used(port, RESEARCH) == used

    # beyond the project's quota: 403 with Synnefo's message
    cloud.control.set_quota(ALICE, {'cyclades.vm': 0}, project=ALICE_PROJECT)
    over = create_compute(port, category('flavor-7', RES_SCHEME),
                          category(RESEARCH, PROJECT))
    assert over.status == 403, over
    assert 'Limit' in over.text


def test_a_reservation_outlives_its_links(port):
    reservation = location(post(port, '/ipreservation/', [
        category('ipreservation', INFRA, 'kind')]))
    address = get_json(port, reservation)['attributes'][
        'occi.ipreservation.address']
    for title in ('first', 'second'):
        compute = location(create_compute(
            port, category('flavor-1', RES_SCHEME)))
        interface = location(post(port, '/networkinterface/', [
            category('networkinterface', INFRA, 'kind'),
            'X-OCCI-Attribute: occi.core.source="%s"' % compute,
            'X-OCCI-Attribute: occi.core.target="%s"' % reservation]))
        attributes = get_json(port, reservation)['attributes']
        assert attributes['occi.ipreservation.used'] is True, title
        assert call(port, 'DELETE', interface,
                    {'X-Auth-Token': ALICE}).status == 200
        attributes = get_json(port, reservation)['attributes']
        assert attributes['occi.ipreservation.used'] is False, title
        assert attributes['occi.ipreservation.address'] == address
    assert call(port, 'DELETE', reservation,
                {'X-Auth-Token': ALICE}).status == 200
    assert call(port, 'GET', reservation,
                {'X-Auth-Token': ALICE}).status == 404
