"""Speed of the Synnefo API simulator, as ratios against a bare waitress
app measured in the same run. Run by hand:

    .venv/bin/python bench/bench_simulator.py [--servers 10000]
        [--duration 5] [--connections 16] [--detail-connections 2]
        [--budget 120] [--quick]

Each measurement starts the simulator (SQLite file store, the default,
in a temporary folder; instant delays) and a bare waitress app (a WSGI
callable answering a fixed body of the same size, no framework) in this
process with the same number of threads, and loads both with ``wrk``
(``/usr/bin/wrk``) from outside the process. Printed, in one run:

* the time to create ``--servers`` servers through the API, one POST
  after the other on a keep-alive connection, as a client would, and the
  SQL statements a creation costs; a simulator still creating after
  ``--budget`` seconds is stopped and the total extrapolated (marked
  ``~``);
* the wall time of one ``servers/detail`` at that size: the first one
  after the creations (every server rendered), the median of five more
  (the texts kept since), and the median of three taken each just after
  every server changed: all renamed (name and ``updated`` set, as a
  rename writes them) in one UPDATE on the store, so the listing reads
  changed rows and renders every server again;
* requests/s of ``GET /compute/v2.0/servers/ID`` and of
  ``GET /compute/v2.0/servers/detail`` (on ``--detail-connections``),
  each against the bare app serving the same bytes (target >= 0.15x for
  the single GET).

``--quick`` is ``--servers 1000 --duration 2``: a smoke run in seconds.
"""
import argparse
import http.client
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from sqlalchemy import event, update  # noqa: E402
from waitress.server import create_server  # noqa: E402

from occi_pyramid.simulator import models  # noqa: E402
from occi_pyramid.simulator.embedded import start_simulator  # noqa: E402
from occi_pyramid.simulator.testing import (  # noqa: E402
    ALICE, DEBIAN_IMAGE, ControlClient,
)

WRK = shutil.which('wrk') or '/usr/bin/wrk'
THREADS = 8


def serve_bare(body):
    """A bare waitress app answering ``body`` to every request."""
    headers = [('Content-Type', 'application/json; charset=UTF-8'),
               ('Content-Length', str(len(body)))]

    def app(environ, start_response):
        start_response('200 OK', headers)
        return [body]

    server = create_server(app, host='127.0.0.1', port=0, threads=THREADS,
                           ident='bare')
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    return server, 'http://127.0.0.1:%d' % int(server.effective_port)


def wrk(url, duration, connections, token=ALICE):
    """Requests per second of ``wrk`` on ``url``."""
    # NB: a long timeout: wrk counts a slower answer as an error, not a
    # request (a 14 MB listing under 16 connections takes seconds)
    out = subprocess.run(
        [WRK, '-t2', '-c%d' % connections, '-d%ds' % duration,
         '--timeout', '60s', '-H', 'X-Auth-Token: ' + token, url],
        check=True, capture_output=True, text=True).stdout
    errors = re.search(r'Non-2xx or 3xx responses: (\d+)', out)
    if errors:
        raise SystemExit('wrk saw %s error answers on %s' % (errors.group(1),
                                                             url))
    timeouts = re.search(r'timeout (\d+)', out)
    if timeouts and int(timeouts.group(1)):
        raise SystemExit('wrk saw %s timeouts on %s' % (timeouts.group(1),
                                                        url))
    return float(re.search(r'Requests/sec:\s+([\d.]+)', out).group(1))


def fetch(conn, method, path, body=None):
    headers = {'X-Auth-Token': ALICE}
    if body is not None:
        body = json.dumps(body)
        headers['Content-Type'] = 'application/json'
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    raw = response.read()
    if response.status >= 400:
        raise SystemExit('%s %s: %s %s' % (method, path, response.status,
                                           raw[:300]))
    return raw


def compare(name, sim_url, path, duration, connections):
    """Print the simulator's and the bare app's rate on ``path``."""
    conn = http.client.HTTPConnection(sim_url.split('//')[1])
    body = fetch(conn, 'GET', path)
    conn.close()
    # NB: the bare server stays up, idle, until the process ends (closing
    # a waitress server under its loop thread makes the loop fail)
    _server, bare_url = serve_bare(body)
    bare = wrk(bare_url + path, duration, connections)
    rate = wrk(sim_url + path, duration, connections)
    print('%-28s %9.1f req/s   bare %9.1f req/s   %.3fx   (%d bytes, %d '
          'connections)' % (name, rate, bare, rate / bare, len(body),
                            connections))
    return rate, bare


def detail_times(sim_url, count=5):
    """``(first, median of the next count)`` wall times of one
    ``servers/detail``, in seconds."""
    conn = http.client.HTTPConnection(sim_url.split('//')[1])
    samples = []
    for _ in range(count + 1):
        began = time.perf_counter()
        fetch(conn, 'GET', '/compute/v2.0/servers/detail')
        samples.append(time.perf_counter() - began)
    conn.close()
    first, rest = samples[0], sorted(samples[1:])
    return first, rest[len(rest) // 2]


def changed_times(sim_url, simulator, count=3):
    """Wall times of ``servers/detail``, each the first after every
    server was renamed (one UPDATE of every row on the store, what
    ``PUT servers/ID`` writes for each: name and ``updated``), in
    seconds."""
    servers = models.Server.__table__
    conn = http.client.HTTPConnection(sim_url.split('//')[1])
    samples = []
    for turn in range(count):
        with simulator.lock, simulator.db_engine.begin() as connection:
            connection.execute(update(servers).values(
                name='renamed-%d' % turn,
                updated=simulator.engine.now()))
        began = time.perf_counter()
        fetch(conn, 'GET', '/compute/v2.0/servers/detail')
        samples.append(time.perf_counter() - began)
    conn.close()
    return sorted(samples)[len(samples) // 2]


def count_statements(engine):
    """A one-item list counting the SQL statements ``engine`` runs."""
    counter = [0]

    @event.listens_for(engine, 'before_cursor_execute')
    def _count(*_args):
        counter[0] += 1

    return counter


def create_servers(sim_url, count, budget):
    conn = http.client.HTTPConnection(sim_url.split('//')[1])
    started = time.perf_counter()
    made = 0
    body = {'server': {'name': 'bench', 'imageRef': DEBIAN_IMAGE,
                       'flavorRef': 1}}
    ids = []
    while made < count:
        reply = json.loads(fetch(conn, 'POST', '/compute/v2.0/servers',
                                 body))
        ids.append(reply['server']['id'])
        made += 1
        if time.perf_counter() - started > budget:
            break
    elapsed = time.perf_counter() - started
    conn.close()
    return made, elapsed, ids


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--servers', type=int, default=10000)
    parser.add_argument('--duration', type=int, default=5,
                        help='seconds of each wrk run')
    parser.add_argument('--connections', type=int, default=16)
    parser.add_argument('--detail-connections', type=int, default=2,
                        help='wrk connections on servers/detail')
    parser.add_argument('--budget', type=float, default=120,
                        help='seconds allowed for the creations')
    parser.add_argument('--quick', action='store_true',
                        help='--servers 1000 --duration 2')
    args = parser.parse_args()
    if args.quick:
        args.servers, args.duration = 1000, 2
    # waitress warns of every queued task under wrk's load
    logging.getLogger('waitress.queue').setLevel(logging.ERROR)

    folder = tempfile.mkdtemp(prefix='bench-simulator-')
    settings = {
        'simulator.database_url': 'sqlite:///%s/sim.sqlite' % folder,
        'simulator.delays': 'instant',
        'simulator.control_api': 'true',
    }
    sim = start_simulator(settings, threads=THREADS)
    try:
        many = args.servers + 10
        ControlClient(sim.url).set_quota(ALICE, {
            'cyclades.vm': many, 'cyclades.cpu': many,
            'cyclades.total_cpu': many, 'cyclades.ram': many << 30,
            'cyclades.total_ram': many << 30,
            'cyclades.disk': many << 35})
        statements = count_statements(sim.simulator.db_engine)
        made, elapsed, ids = create_servers(sim.url, args.servers,
                                            args.budget)
        per_create = statements[0] / made
        if made < args.servers:
            print('create %d servers            ~%.0f s (stopped after %d '
                  'in %.1f s: %.1f/s), %.1f SQL statements each'
                  % (args.servers, elapsed * args.servers / made, made,
                     elapsed, made / elapsed, per_create))
        else:
            print('create %d servers            %.1f s (%.0f/s), %.1f SQL '
                  'statements each' % (made, elapsed, made / elapsed,
                                       per_create))
        first, warm = detail_times(sim.url)
        changed = changed_times(sim.url, sim.simulator)
        print('servers/detail at %d VMs    %.0f ms first, %.0f ms after '
              '(median of 5), %.0f ms first after all changed (median '
              'of 3)' % (made, first * 1000, warm * 1000, changed * 1000))
        path = '/compute/v2.0/servers/%s' % ids[len(ids) // 2]
        compare('GET /servers/ID', sim.url, path, args.duration,
                args.connections)
        # NB: few connections: with 16, no 14 MB listing would be done
        # within the run, all being served side by side on two cores
        compare('GET /servers/detail', sim.url,
                '/compute/v2.0/servers/detail', args.duration,
                args.detail_connections)
    finally:
        sim.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == '__main__':
    main()
