"""How the simulator runs: persistence across restarts, alone under
pserve, embedded start/stop, parallel users, control API switch."""
import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time

from occi_pyramid.simulator.embedded import start_simulator
from occi_pyramid.simulator.testing import (
    ALICE,
    BOB,
    CAROL,
    DEBIAN_IMAGE,
    Client,
    running_simulator,
)

from .conftest import Api, fault

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SERVERS = '/compute/v2.0/servers'


def test_state_survives_restart(tmp_path):
    url = 'sqlite:///%s' % (tmp_path / 'sim.sqlite')
    with running_simulator(database_url=url, delays='manual') as first:
        api = Api(first, ALICE)
        server = api.create_server(settle=False)
        network = api.create_network()
        volume = api.create_volume()
        first.control.advance(1)
    with running_simulator(database_url=url, delays='manual') as second:
        api = Api(second, ALICE)
        detail = api.server(server['id'])
        assert detail['status'] == 'BUILD'
        assert detail['progress'] == 25  # the clock came back too
        assert api.get('/network/v2.0/networks/' + network['id']).status \
            == 200
        assert api.get('/volume/v2.0/volumes/' + volume['id']).status == 200
        second.control.settle()  # the state machine continues
        assert api.server(server['id'])['status'] == 'ACTIVE'
        # the seed was not loaded twice
        assert len(api.get('/compute/v2.0/flavors').json['flavors']) == 7


def test_embedded_start_and_stop():
    running = start_simulator({'simulator.database_url': 'sqlite://'})
    try:
        assert running.url == 'http://127.0.0.1:%d' % running.port
        assert running.auth_url == running.url + '/identity/v2.0'
        result = Client(running.url).call('POST',
                                          '/identity/v2.0/tokens', body=b'')
        assert result.status == 200
        catalog = result.json['access']['serviceCatalog']
        compute = next(e for e in catalog if e['type'] == 'compute')
        assert compute['endpoints'][0]['publicURL'] == \
            running.url + '/compute/v2.0'
    finally:
        running.stop()
    with socket.socket() as probe:
        assert probe.connect_ex(('127.0.0.1', running.port)) != 0


def test_public_url_setting():
    with running_simulator(public_url='https://cloud.example.org/') as sim:
        result = sim.client.call('POST', '/identity/v2.0/tokens', body=b'')
        urls = {e['type']: e['endpoints'][0]['publicURL']
                for e in result.json['access']['serviceCatalog']}
        assert urls['network'] == 'https://cloud.example.org/network'


def test_control_api_absent_when_disabled():
    with running_simulator(control_api='false') as sim:
        for method, path in (('POST', '/_sim/settle'),
                             ('GET', '/_sim/requests'),
                             ('POST', '/_sim/reset')):
            result = sim.client.call(method, path)
            fault(result, 'itemNotFound', 404)


def test_request_log(sim):
    sim.control.clear_requests()
    api = Api(sim, ALICE)
    api.post(SERVERS + '?x=1', {'server': {}})
    entry, = sim.control.requests()
    assert entry['method'] == 'POST'
    assert entry['path'] == SERVERS
    assert entry['query'] == 'x=1'
    assert entry['json'] == {'server': {}}
    assert entry['body'] == '{"server": {}}'
    assert entry['token'] == ALICE
    assert entry['status'] == 400
    assert entry['headers']['Content-Type'] == 'application/json'


def test_instant_delays():
    with running_simulator(delays='instant') as sim:
        api = Api(sim, ALICE)
        server = api.create_server(settle=False)
        assert server['status'] == 'BUILD'
        assert api.server(server['id'])['status'] == 'ACTIVE'


def _server_row(sim, server_id):
    from occi_pyramid.simulator import models

    # NB: under the write lock, as the simulator's own writes: an
    # in-memory database is one connection, shared
    with sim.simulator.lock, sim.simulator.session() as db:
        return db.get(models.Server, server_id)


def test_instant_jobs_run_once_the_answer_is_written():
    """With instant delays a job is applied after its call's answer went
    out, by that call (as Synnefo's dispatcher applies Ganeti's reports
    outside the API's requests), not by the caller's next call."""
    with running_simulator(delays='instant') as sim:
        simulator, applied = sim.simulator, threading.Event()
        apply_due = simulator.apply_due

        def applying():
            apply_due()
            applied.set()

        simulator.apply_due = applying
        server = Api(sim, ALICE).create_server(settle=False)
        assert server['status'] == 'BUILD'
        # NB: no other call is made: the create's own close applies it
        assert applied.wait(20), 'the answer was never closed'
        assert _server_row(sim, server['id']).operstate == 'STARTED'
        assert simulator.engine.next_due is None


def test_an_answer_without_a_body_goes_out_before_its_jobs():
    """The head of a 204 is written (``write(b'')``) before the answer's
    ``close`` applies the jobs: a server would send it only after."""
    from webob import Request

    with running_simulator(delays='instant') as sim:
        app = sim.app
        server = Api(sim, ALICE).create_server()
        environ = Request.blank(
            '%s/%s' % (SERVERS, server['id']), method='DELETE',
            headers={'X-Auth-Token': ALICE}).environ
        events = []

        def start_response(status, headers, exc_info=None):
            events.append(('start', status))
            return lambda data: events.append(('write', data))

        with sim.simulator.lock:
            # NB: held, the lock keeps any other thread from applying
            # the delete's job before the answer's close does
            answer = app(environ, start_response)
        assert events == [('start', '204 No Content'), ('write', b'')]
        assert list(answer) == [b'']
        assert _server_row(sim, server['id']).operstate != 'DESTROYED'
        answer.close()
        assert _server_row(sim, server['id']).operstate == 'DESTROYED'


def test_bad_token_at_cyclades(sim):
    body = fault(sim.client.call('GET', SERVERS, token='wrong'), 'fault',
                 401, 'UNAUTHORIZED')
    assert 'Invalid token' in body['details']
    fault(sim.client.call('GET', SERVERS), 'unauthorized', 401,
          'Access denied. No authentication token')
    assert sim.client.call('GET', SERVERS + '?X-Auth-Token=' + ALICE).status \
        == 200


def test_missing_content_type(sim):
    result = sim.client.call('POST', SERVERS, body=b'{}', token=ALICE)
    fault(result, 'badRequest', 400, 'Missing Content-Type header field')
    result = sim.client.call('POST', SERVERS, body=b'{}', token=ALICE,
                             headers={'Content-Type': 'text/plain'})
    fault(result, 'badRequest', 400, "Unsupported Content-type: 'text/plain'")


def test_parallel_users():
    with running_simulator(delays='instant') as sim:
        sim.control.set_quota(ALICE, {'cyclades.vm': 50})
        sim.control.set_quota(BOB, {'cyclades.vm': 50})
        errors = []
        created = {ALICE: [], BOB: [], CAROL: []}

        def work(token, rounds):
            api = Api(sim, token)
            try:
                for _ in range(rounds):
                    result = api.post(SERVERS, {'server': {
                        'name': token, 'imageRef': DEBIAN_IMAGE,
                        'flavorRef': 1, 'networks': []}})
                    assert result.status == 202, result.raw
                    created[token].append(result.json['server']['id'])
                    listed = api.get(SERVERS + '/detail').json['servers']
                    assert {s['name'] for s in listed} <= {token}
                    assert api.get('/network/v2.0/ports').status == 200
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)

        threads = [threading.Thread(target=work, args=(token, 4))
                   for token in (ALICE, BOB, ALICE, BOB, CAROL, ALICE, BOB,
                                 CAROL, ALICE, BOB)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not errors, errors
        for token, ids in created.items():
            listed = Api(sim, token).get(SERVERS).json['servers']
            assert sorted(s['id'] for s in listed) == sorted(ids)
        assert len(created[ALICE]) == 16 and len(created[CAROL]) == 8


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def served_by_pserve(tmp_path, server_use=None):
    """The packaged simulator.ini served by pserve on a free port (with
    ``server_use``, another ``use`` for its server section); yields a
    :class:`Client` once it answers."""
    port = _free_port()
    with open(os.path.join(REPO, 'simulator.ini')) as handle:
        ini = handle.read().replace('127.0.0.1:8901', '127.0.0.1:%d' % port)
    if server_use is not None:
        ini = ini.replace('use = egg:occi_pyramid#waitress\n',
                          'use = %s\n' % server_use)
    (tmp_path / 'simulator.ini').write_text(ini)
    pserve = os.path.join(os.path.dirname(sys.executable), 'pserve')
    env = dict(os.environ, PYTHONPATH=REPO)
    process = subprocess.Popen(
        [pserve, str(tmp_path / 'simulator.ini')], cwd=str(tmp_path),
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        client = Client('http://127.0.0.1:%d' % port)
        deadline = time.time() + 20
        while True:
            try:
                client.call('GET', SERVERS + '/detail', token=BOB, timeout=2)
                break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                assert time.time() < deadline, 'pserve did not start'
                time.sleep(0.1)
        yield client
    finally:
        process.terminate()
        process.wait(10)
        process.stdout.close()


def test_runs_alone_under_pserve(tmp_path):
    with served_by_pserve(tmp_path) as client:
        result = client.call('GET', SERVERS + '/detail', token=BOB)
        assert result.status == 200 and result.json == {'servers': []}
        assert (tmp_path / 'var' / 'simulator.sqlite').exists()
        fault(client.call('POST', '/_sim/settle'), 'itemNotFound', 404)


def test_plain_waitress_keeps_the_connection_after_a_delete(tmp_path):
    """Served by ``egg:waitress#main`` rather than the project's entry,
    the app factory still mends waitress: the 204 of a delete leaves the
    connection open for the next call (a client such as kamaki's pool
    would otherwise connect again)."""
    with served_by_pserve(tmp_path, 'egg:waitress#main') as client:
        connection = http.client.HTTPConnection(client.host, client.port,
                                                timeout=30)
        headers = {'X-Auth-Token': BOB, 'Content-Type': 'application/json'}
        try:
            connection.request('POST', SERVERS, json.dumps({'server': {
                'name': 'kept', 'flavorRef': 1,
                'imageRef': DEBIAN_IMAGE}}), headers)
            created = connection.getresponse()
            server = json.loads(created.read())['server']
            assert created.status == 202
            connection.request('DELETE', '%s/%s' % (SERVERS, server['id']),
                               headers=headers)
            deleted = connection.getresponse()
            deleted.read()
            assert deleted.status == 204
            assert deleted.getheader('Connection') is None
            assert not deleted.will_close
            sock = connection.sock
            connection.request('GET', SERVERS + '/detail', headers=headers)
            listed = connection.getresponse()
            listed.read()
            # NB: the same socket: http.client would have made a new one
            assert listed.status == 200 and connection.sock is sock
        finally:
            connection.close()


def test_latency_models_a_wan_without_serialising_callers():
    """``simulator.latency`` delays each call outside the lock: four
    parallel calls take about one latency, not four."""
    import threading
    import time

    from occi_pyramid.simulator.testing import (
        ALICE, Client, running_simulator,
    )

    with running_simulator(**{'simulator.latency': '0.3'}) as sim:
        client = Client(sim.url)
        started = time.monotonic()
        client.call('GET', '/compute/v2.0/servers', token=ALICE)
        single = time.monotonic() - started
        threads = [threading.Thread(target=client.call, args=(
            'GET', '/compute/v2.0/servers'), kwargs={'token': ALICE})
            for _ in range(4)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        parallel = time.monotonic() - started
    assert single >= 0.3
    assert parallel < 2 * 0.3 + 0.5
