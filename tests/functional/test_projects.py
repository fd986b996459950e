"""Synnefo projects as OCCI mixins (docs/decisions.md, "Synnefo
projects"): alice is a member of her system project and alice-research,
whose private flavor-7 only it may use."""
from occi_pyramid.simulator.testing import (
    ALICE_PROJECT, ALICE_UUID, BOB_PROJECT,
)
from tests.functional.conftest import (
    ALICE, COMPUTE, DEBIAN, OS_SCHEME, RES_SCHEME, entity_request, read,
)
from tests.functional.test_links import floating_ips

PROJECT_SCHEME = 'http://schemas.synnefo.org/occi/project#'
RESEARCH = PROJECT_SCHEME + 'project-' + ALICE_PROJECT
SYSTEM = PROJECT_SCHEME + 'project-' + ALICE_UUID
JSON = 'application/occi+json'


def query(user):
    """``{type id: category}`` of the user's ``/-/`` in JSON."""
    document = user.get('/-/', JSON).json
    return {m['scheme'] + m['term']: m for m in document.get('mixins', [])}


def create(user, mixins, attributes=None, status=201):
    res = user.post('/compute/', entity_request(
        'text/plain', COMPUTE, [OS_SCHEME + DEBIAN] + list(mixins),
        dict({'occi.core.title': 'vm'}, **(attributes or {}))),
        status=status)
    return res.headers['Location'] if status == 201 else res


def mixins_of(user, location):
    return {'%s%s' % (m['scheme'], m['term'])
            for m in read(user.get(location))['categories']
            if m.get('class') == 'mixin'}


def quota(mixin, word, side):
    return mixin['attributes']['synnefo.quota.%s.%s' % (word, side)][
        'default']


def test_each_project_is_a_mixin_for_its_members_only(alice, bob):
    mine = query(alice)
    assert mine[RESEARCH]['title'] == 'alice-research'
    assert mine[RESEARCH]['location'] == '/project/%s/' % ALICE_PROJECT
    assert SYSTEM in mine
    assert quota(mine[SYSTEM], 'vms', 'limit') == 10
    theirs = query(bob)
    assert RESEARCH not in theirs and SYSTEM not in theirs
    assert PROJECT_SCHEME + 'project-' + BOB_PROJECT in theirs


def test_a_create_in_a_project_may_use_its_flavor(alice):
    before = query(alice)[RESEARCH]
    location = create(alice, [RESEARCH, RES_SCHEME + 'flavor-7'])
    assert RESEARCH in mixins_of(alice, location)
    assert RES_SCHEME + 'flavor-7' in mixins_of(alice, location)
    after = query(alice)[RESEARCH]
    assert quota(after, 'vms', 'usage') == quota(before, 'vms', 'usage') + 1
    assert quota(after, 'memory', 'usage') == quota(
        before, 'memory', 'usage') + 8
    # the project's collection lists it, the other project's does not
    path = location[len('http://occi.example.org'):]
    research = alice.get('/project/%s/' % ALICE_PROJECT, 'text/uri-list')
    assert location in research.text.split()
    system = alice.get('/project/%s/' % ALICE_UUID, 'text/uri-list')
    assert location not in system.text.split()
    assert path


def test_the_size_rule_picks_the_projects_flavors(alice):
    location = create(alice, [RESEARCH],
                      {'occi.compute.memory': 8.0})
    assert RES_SCHEME + 'flavor-7' in mixins_of(alice, location)
    # in the default project no flavor has 8 GiB that it may create with
    res = create(alice, [], {'occi.compute.memory': 8.0}, status=400)
    assert 'occi.compute.memory=8' in res.text


def test_another_projects_template_is_refused_naming_it(alice):
    res = create(alice, [RES_SCHEME + 'flavor-7'], status=409)
    assert RESEARCH in res.text and SYSTEM in res.text


def test_a_create_without_a_project_goes_to_the_default_one(alice):
    location = create(alice, [RES_SCHEME + 'flavor-1'])
    assert SYSTEM in mixins_of(alice, location)


def test_quota_exhaustion_in_a_project_is_403(alice, cloud):
    cloud.control.set_quota(ALICE, {'cyclades.vm': 0},
                            project=ALICE_PROJECT)
    res = create(alice, [RESEARCH, RES_SCHEME + 'flavor-7'], status=403)
    assert 'Resource Limit Exceeded' in res.text
    assert quota(query(alice)[RESEARCH], 'vms', 'limit') == 0
    # the other project still has room
    create(alice, [SYSTEM, RES_SCHEME + 'flavor-1'])


def test_a_partial_update_naming_the_other_project_moves_it(alice):
    location = create(alice, [RESEARCH, RES_SCHEME + 'flavor-1'])
    before = query(alice)
    alice.post(location, entity_request('text/plain', None, [SYSTEM]))
    assert SYSTEM in mixins_of(alice, location)
    assert RESEARCH not in mixins_of(alice, location)
    after = query(alice)
    assert quota(after[RESEARCH], 'vms', 'usage') == quota(
        before[RESEARCH], 'vms', 'usage') - 1
    assert quota(after[SYSTEM], 'vms', 'usage') == quota(
        before[SYSTEM], 'vms', 'usage') + 1


def test_a_put_with_the_other_project_moves_it_back(alice):
    location = create(alice, [RES_SCHEME + 'flavor-1'])
    alice.put(location, entity_request(
        'text/plain', COMPUTE,
        [OS_SCHEME + DEBIAN, RES_SCHEME + 'flavor-1', RESEARCH],
        {'occi.core.title': 'vm'}))
    assert RESEARCH in mixins_of(alice, location)


def test_storages_and_networks_move_too(alice):
    storage = alice.post('/storage/', entity_request(
        'text/plain', 'http://schemas.ogf.org/occi/infrastructure#storage',
        [RESEARCH], {'occi.storage.size': 1.0}), status=201
    ).headers['Location']
    assert RESEARCH in mixins_of(alice, storage)
    alice.post(storage, entity_request('text/plain', None, [SYSTEM]))
    assert SYSTEM in mixins_of(alice, storage)
    network = alice.post('/network/', entity_request(
        'text/plain', 'http://schemas.ogf.org/occi/infrastructure#network',
        [RESEARCH], {'occi.core.title': 'n'}), status=201
    ).headers['Location']
    assert RESEARCH in mixins_of(alice, network)
    alice.post(network, entity_request('text/plain', None, [SYSTEM]))
    assert SYSTEM in mixins_of(alice, network)


def test_an_ipreservation_is_reserved_in_a_project_and_moves(alice,
                                                            cloud):
    """A floating IP belongs to a project too: reserved there, shown
    there, moved (Synnefo's floating IP reassign) with its usage."""
    ipreservation = 'http://schemas.ogf.org/occi/infrastructure#ipreservation'

    def used(project):
        return quota(query(alice)[project], 'floating_ips', 'usage')

    before = used(RESEARCH)
    location = alice.post('/ipreservation/', entity_request(
        'text/plain', ipreservation, [RESEARCH], {}), status=201
    ).headers['Location']
    assert RESEARCH in mixins_of(alice, location)
    fip, = [f for f in floating_ips(cloud=cloud)
            if location.endswith('/' + str(f['id']))]
    assert fip['tenant_id'] == ALICE_PROJECT
    alice.post(location, entity_request('text/plain', None, [SYSTEM]))
    assert mixins_of(alice, location) & {RESEARCH, SYSTEM} == {SYSTEM}
    fip, = [f for f in floating_ips(cloud=cloud)
            if location.endswith('/' + str(f['id']))]
    assert fip['tenant_id'] == ALICE_UUID
    assert used(RESEARCH) == before


def test_a_move_beyond_the_projects_quota_is_403(alice, cloud):
    location = create(alice, [RES_SCHEME + 'flavor-1'])
    cloud.control.set_quota(ALICE, {'cyclades.vm': 0},
                            project=ALICE_PROJECT)
    res = alice.post(location, entity_request(
        'text/plain', None, [RESEARCH]), status=403)
    assert 'Resource Limit Exceeded' in res.text
    assert SYSTEM in mixins_of(alice, location)


def test_another_users_project_is_no_category_here(alice, bob):
    location = create(alice, [RES_SCHEME + 'flavor-1'])
    bobs = PROJECT_SCHEME + 'project-' + BOB_PROJECT
    res = alice.post(location, entity_request('text/plain', None, [bobs]),
                     status=400)
    assert bobs in res.text


def test_an_association_with_a_projects_collection_moves_it(alice):
    location = create(alice, [RES_SCHEME + 'flavor-1'])
    res = alice.post('/project/%s/' % ALICE_PROJECT, (
        {'Content-Type': 'text/plain'},
        'X-OCCI-Location: %s\r\n' % location))
    assert location in res.text
    assert RESEARCH in mixins_of(alice, location)
    # a project collection lists only what is in it; the other one no more
    system = alice.get('/project/%s/' % ALICE_UUID, 'text/uri-list')
    assert location not in system.text.split()


def test_a_computes_disks_move_with_it(alice):
    location = create(alice, [RESEARCH, RES_SCHEME + 'flavor-1'])
    research = '/project/%s/' % ALICE_PROJECT
    disks = [loc for loc in alice.get(research, 'text/uri-list').text.split()
             if '/storage/' in loc]
    assert disks
    alice.post(location, entity_request('text/plain', None, [SYSTEM]))
    system = alice.get('/project/%s/' % ALICE_UUID, 'text/uri-list')
    assert set(disks) <= set(system.text.split())
