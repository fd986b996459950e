"""What released Synnefo does and kamaki 0.16 relies on, and the
simulator's own guarantees (holdings, lock-free reads, request log)."""
import threading

from occi_pyramid.simulator import models, quotas
from occi_pyramid.simulator.testing import (
    ALICE,
    ALICE_PROJECT,
    ALICE_UUID,
    BOB_UUID,
    running_simulator,
)

from .conftest import Api

SERVERS = '/compute/v2.0/servers'
IMAGES_OWNER = '25ecced9-bf53-4145-91ee-cf47377e9fb2'


def test_user_catalogs_map_usernames(alice):
    body = {'uuids': [ALICE_UUID, IMAGES_OWNER],
            'displaynames': ['BOB@example.org']}
    result = alice.post('/account/v1.0/user_catalogs', body).json
    assert result['uuid_catalog'] == {ALICE_UUID: 'alice@example.org',
                                      IMAGES_OWNER: 'images@example.org'}
    assert result['displayname_catalog'] == {'BOB@example.org': BOB_UUID}


def test_hidden_resources_stay_hidden(alice):
    hidden = {'cyclades.total_cpu', 'cyclades.total_ram',
              'astakos.pending_app'}
    quotas_ = alice.get('/account/v1.0/quotas').json
    assert not set(quotas_[ALICE_UUID]) & hidden
    assert not set(alice.get('/account/v1.0/resources').json) & hidden


def test_projects(alice):
    projects = {p['id'] for p in alice.get('/account/v1.0/projects').json}
    assert {ALICE_UUID, ALICE_PROJECT} <= projects
    assert BOB_UUID not in projects
    mine = alice.get('/account/v1.0/projects?mode=member').json
    assert {p['id'] for p in mine} == {ALICE_UUID, ALICE_PROJECT}
    assert alice.get('/account/v1.0/projects/nope').status == 404
    assert alice.post('/account/v1.0/projects', {}).status == 501


def test_keypairs_and_key_name(alice):
    key = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7 me'
    created = alice.post('/compute/v2.0/os-keypairs',
                         {'keypair': {'name': 'k', 'public_key': key}})
    assert created.status == 201
    assert alice.post('/compute/v2.0/os-keypairs', {'keypair': {
        'name': 'k', 'public_key': key}}).status == 409
    assert alice.post('/compute/v2.0/os-keypairs', {'keypair': {
        'name': 'bad', 'public_key': 'nonsense'}}).status == 400
    listed = alice.get('/compute/v2.0/os-keypairs').json['keypairs']
    assert [k['keypair']['name'] for k in listed] == ['k']
    server = alice.create_server(key_name='k')
    assert alice.server(server['id'])['key_name'] == 'k'
    assert alice.delete('/compute/v2.0/os-keypairs/k').status == 204
    assert alice.get('/compute/v2.0/os-keypairs/k').status == 404


def test_port_ids_are_never_reused(alice):
    network = alice.create_network()
    server = alice.create_server()
    ports = '/network/v2.0/ports'
    body = {'port': {'network_id': network['id'],
                     'device_id': str(server['id'])}}
    first = alice.post(ports, body).json['port']['id']
    alice.sim.control.settle()
    assert alice.delete('%s/%s' % (ports, first)).status == 204
    alice.sim.control.settle()
    second = alice.post(ports, body).json['port']['id']
    assert int(second) > int(first)


def test_holdings_equal_the_live_records(sim, alice):
    network = alice.create_network()
    server = alice.create_server(networks=[{'uuid': network['id']}])
    alice.create_server(flavor=2)
    alice.action(server['id'], {'shutdown': {}})
    sim.control.settle()
    alice.create_volume(size=3)
    alice.post('/network/v2.0/floatingips',
               {'floatingip': {'floating_network_id': '1'}})
    alice.delete('%s/%s' % (SERVERS, server['id']))
    sim.control.settle()
    simulator = sim.simulator
    with simulator.session() as db:
        assert quotas.usage(db, ALICE_UUID, ALICE_UUID) == quotas.recount(
            db, ALICE_UUID, ALICE_UUID)
        held = quotas.usage(db, ALICE_UUID, ALICE_UUID)
        assert held['cyclades.vm'] == 1
        assert held['cyclades.floating_ip'] == 1
        assert held['cyclades.network.private'] == 1
        # a file written before holdings gets them recounted
        quotas.rebuild(db)
        assert quotas.usage(db, ALICE_UUID, ALICE_UUID) == held
        assert db.query(models.Holding).count()


def test_a_delete_moves_holdings_as_its_task_changes_what_is_held():
    # NB: DESTROY replaces a START or STOP task, which decided whether
    # the server holds cpu and ram (quotas.online)
    with running_simulator(delays='manual') as sim:
        alice = Api(sim, ALICE)
        starting = alice.create_server()
        stopping = alice.create_server(flavor=2)
        assert alice.action(starting['id'], {'shutdown': {}}).status == 202
        sim.control.settle()
        assert alice.action(starting['id'], {'start': {}}).status == 202
        assert alice.action(stopping['id'], {'shutdown': {}}).status == 202
        with sim.simulator.session() as db:
            before = quotas.usage(db, ALICE_UUID, ALICE_UUID)
        for server in (starting, stopping):
            assert alice.delete('%s/%s' % (SERVERS, server['id'])).status \
                == 204
        with sim.simulator.session() as db:
            held = quotas.usage(db, ALICE_UUID, ALICE_UUID)
            assert held == quotas.recount(db, ALICE_UUID, ALICE_UUID)
        # the one about to start no longer holds flavor 1's cpu; the one
        # about to stop holds flavor 2's again
        flavors = {f['id']: f for f in alice.get(
            '/compute/v2.0/flavors/detail').json['flavors']}
        assert held['cyclades.cpu'] - before['cyclades.cpu'] == (
            flavors[2]['vcpus'] - flavors[1]['vcpus'])
        sim.control.settle()
        with sim.simulator.session() as db:
            assert quotas.usage(db, ALICE_UUID, ALICE_UUID) == \
                quotas.recount(db, ALICE_UUID, ALICE_UUID)


def _deleted_server_state(fast):
    """What deleting a server with a NIC, a floating IP on a port of its
    own and a second disk leaves in the store, its DELETE job applied by
    the Core statements (``fast``) or by the ORM handler."""
    from occi_pyramid.simulator.engine import Engine

    kept = Engine._FAST
    if not fast:
        Engine._FAST = {'build': Engine._build_fast}
    try:
        with running_simulator(delays='manual') as sim:
            alice = Api(sim, ALICE)
            network = alice.create_network()
            server = alice.create_server(networks=[{'uuid': network['id']}])
            ip = alice.post('/network/v2.0/floatingips', {'floatingip': {
                'floating_network_id': '1'}}).json['floatingip']
            assert alice.post('/network/v2.0/ports', {'port': {
                'network_id': '1', 'device_id': str(server['id']),
                'fixed_ips': [{'ip_address': ip['floating_ip_address']}]}},
            ).status == 201
            volume = alice.create_volume(size=3)
            alice.post('%s/%s/os-volume_attachments' % (SERVERS, server['id']),
                       {'volumeAttachment': {'volumeId': volume['id']}})
            sim.control.settle()
            assert alice.delete('%s/%s' % (SERVERS, server['id'])).status \
                == 204
            sim.control.settle()
            with sim.simulator.session() as db:
                assert quotas.usage(db, ALICE_UUID, ALICE_UUID) == \
                    quotas.recount(db, ALICE_UUID, ALICE_UUID)
                state = {'holdings': quotas.usage(db, ALICE_UUID, ALICE_UUID)}
                for model in (models.Server, models.Volume, models.Port,
                              models.IPAddress):
                    columns = [c.name for c in model.__table__.columns
                               if c.name not in ('created', 'updated')]
                    state[model.__name__] = sorted(
                        tuple(getattr(row, c) for c in columns)
                        for row in db.query(model))
                return state
    finally:
        Engine._FAST = kept


def test_a_delete_job_leaves_what_the_orm_handler_leaves():
    fast = _deleted_server_state(True)
    assert fast == _deleted_server_state(False)
    assert fast['holdings']['cyclades.floating_ip'] == 1
    assert fast['holdings']['cyclades.vm'] == 0
    assert not fast['Port'] and fast['IPAddress']


def test_reads_do_not_wait_for_the_write_lock(tmp_path):
    url = 'sqlite:///%s' % (tmp_path / 'sim.sqlite')
    with running_simulator(database_url=url) as sim:
        api = Api(sim, ALICE)
        server = api.create_server()
        answers = []
        with sim.simulator.lock:
            # NB: another thread: the lock is re-entrant for this one
            reader = threading.Thread(target=lambda: answers.append(
                api.get('%s/%s' % (SERVERS, server['id']), timeout=10)))
            reader.start()
            reader.join(15)
        assert answers and answers[0].status == 200


def test_request_log_keeps_no_token_and_few_bytes():
    with running_simulator(request_log_bytes='1000') as sim:
        api = Api(sim, ALICE)
        for _ in range(3):
            api.post(SERVERS, {'server': {'name': 'x' * 600}})
        log = sim.simulator.requests
        assert log.bytes <= 1000 and len(log) == 1
        entry, = log.entries()
        assert ALICE not in repr(entry) and entry['user'] == ALICE_UUID
        assert sim.control.requests()[0]['token'] == ALICE
    with running_simulator(control_api='false') as sim:
        assert sim.simulator.requests is None
