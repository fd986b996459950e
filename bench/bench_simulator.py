"""Speed of the Synnefo API simulator, as ratios against a bare waitress
app measured in the same run. Run by hand:

    .venv/bin/python bench/bench_simulator.py [--servers 10000]
        [--duration 5] [--connections 16] [--budget 120]

Each measurement starts the simulator (SQLite file store, the default,
in a temporary folder; instant delays) and a bare waitress app (a WSGI
callable answering a fixed body of the same size, no framework) in this
process with the same number of threads, and loads both with ``wrk``
(``/usr/bin/wrk``) from outside the process. Printed:

* requests/s of ``GET /compute/v2.0/servers/ID`` and of
  ``GET /compute/v2.0/servers/detail`` with ``--servers`` VMs, each
  against the bare app serving the same bytes (target >= 0.15x for the
  single GET);
* the wall time of one ``servers/detail`` at that size;
* the time to create ``--servers`` servers through the API, one POST
  after the other on a keep-alive connection; a simulator still creating
  after ``--budget`` seconds is stopped and the total extrapolated
  (marked ``~``).
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

from waitress.server import create_server  # noqa: E402

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
    out = subprocess.run(
        [WRK, '-t2', '-c%d' % connections, '-d%ds' % duration,
         '-H', 'X-Auth-Token: ' + token, url],
        check=True, capture_output=True, text=True).stdout
    errors = re.search(r'Non-2xx or 3xx responses: (\d+)', out)
    if errors:
        raise SystemExit('wrk saw %s error answers on %s' % (errors.group(1),
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
    conn = http.client.HTTPConnection(sim_url.split('//')[1])
    body = fetch(conn, 'GET', path)
    conn.close()
    # NB: the bare server stays up, idle, until the process ends (closing
    # a waitress server under its loop thread makes the loop fail)
    _server, bare_url = serve_bare(body)
    bare = wrk(bare_url + path, duration, connections)
    rate = wrk(sim_url + path, duration, connections)
    print('%-28s %9.0f req/s   bare %9.0f req/s   %.3fx   (%d bytes)'
          % (name, rate, bare, rate / bare, len(body)))
    return rate, bare


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
    parser.add_argument('--budget', type=float, default=120,
                        help='seconds allowed for the creations')
    args = parser.parse_args()
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
        made, elapsed, ids = create_servers(sim.url, args.servers,
                                            args.budget)
        if made < args.servers:
            print('create %d servers            ~%.0f s (stopped after %d '
                  'in %.1f s: %.1f/s)' % (args.servers,
                                          elapsed * args.servers / made,
                                          made, elapsed, made / elapsed))
        else:
            print('create %d servers            %.1f s (%.0f/s)'
                  % (made, elapsed, made / elapsed))
        path = '/compute/v2.0/servers/%s' % ids[len(ids) // 2]
        compare('GET /servers/ID', sim.url, path, args.duration,
                args.connections)
        conn = http.client.HTTPConnection(sim.url.split('//')[1])
        fetch(conn, 'GET', '/compute/v2.0/servers/detail')
        samples = []
        for _ in range(5):
            began = time.perf_counter()
            fetch(conn, 'GET', '/compute/v2.0/servers/detail')
            samples.append(time.perf_counter() - began)
        conn.close()
        samples.sort()
        print('servers/detail at %d VMs    %.0f ms (median of 5)'
              % (made, samples[2] * 1000))
        compare('GET /servers/detail', sim.url,
                '/compute/v2.0/servers/detail', args.duration,
                args.connections)
    finally:
        sim.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == '__main__':
    main()
