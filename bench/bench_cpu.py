"""CPU of the OCCI process per request, as ratios against a baseline
measured in the same run. Run by hand:

    .venv/bin/python bench/bench_cpu.py [--requests 500] [--rounds 5]
    .venv/bin/python bench/bench_cpu.py --callgrind [--requests 100]

The simulator runs in a process of its own (instant jobs, no latency), so
what is measured is this process only, as the issue's peer benchmark
measures a served process. Each operation runs in-process through the WSGI
app (no waitress, one thread: no lock contention), warm, as the first
user of a small account.

Baseline: the same cloud calls made directly through kamaki (the backend's
client, the same transport), with nothing around them; the ratio is what
our traversal, negotiation, translation, rendering and logging add on top
of the unavoidable client call. CPU time (user + system) is the median of
``--rounds``; ``--callgrind`` counts instructions instead (valgrind: the
same count on every run, whatever else the machine does), two runs per
operation (with and without the measured requests) subtracted.
"""
import argparse
import gc
import io
import json
import logging.config
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

TOKEN = 'alice-token'
IMAGE = 'd3b1a000-0000-4000-8000-000000000001'
#: name -> (path, Accept); {vm} is the compute made for the run; the
#: name's first word is the method
OPERATIONS = {
    'GET compute entity text/plain': ('/compute/{vm}', 'text/plain'),
    'GET compute entity json': ('/compute/{vm}', 'application/occi+json'),
    'GET /compute/ text/uri-list': ('/compute/', 'text/uri-list'),
    'GET /-/ text/plain': ('/-/', 'text/plain'),
    'OPTIONS compute entity': ('/compute/{vm}', 'text/plain'),
}
SIMULATOR = '''
import sys, time
from occi_pyramid.simulator.embedded import start_simulator
sim = start_simulator({
    'simulator.database_url': 'sqlite:///' + sys.argv[1],
    'simulator.delays': 'instant', 'simulator.control_api': 'true',
    'simulator.default_networks': 'none'}, threads=4)
print(sim.url, flush=True)
time.sleep(10 ** 6)
'''


def start_simulator(folder):
    process = subprocess.Popen(
        [sys.executable, '-c', SIMULATOR,
         os.path.join(folder, 'sim.sqlite')],
        stdout=subprocess.PIPE, text=True, cwd=ROOT)
    url = process.stdout.readline().strip()
    if not url:
        raise SystemExit('the simulator did not start')
    return process, url.rstrip('/')


def make_app(sim_url):
    from occi_pyramid import main

    logging.config.dictConfig({'version': 1, 'disable_existing_loggers':
                               False})
    # as production.ini: one INFO line per request (to nowhere here)
    logging.getLogger('occi_pyramid').setLevel(logging.INFO)
    logging.getLogger('occi_pyramid').addHandler(
        logging.StreamHandler(open(os.devnull, 'w')))
    return main({}, **{
        'occi.synnefo.auth_url': sim_url + '/identity/v2.0',
        'occi.synnefo.cache_ttl': '300',
        'occi.store.url': 'sqlite://',
    })


def caller(app, path, accept, method='GET'):
    """A function making one request of ``app``."""
    def call():
        environ = {
            'REQUEST_METHOD': method, 'PATH_INFO': path, 'QUERY_STRING': '',
            'SERVER_NAME': '127.0.0.1', 'SERVER_PORT': '8080',
            'HTTP_HOST': '127.0.0.1:8080', 'wsgi.url_scheme': 'http',
            'SERVER_PROTOCOL': 'HTTP/1.1', 'wsgi.input': io.BytesIO(b''),
            'wsgi.errors': sys.stderr, 'HTTP_X_AUTH_TOKEN': TOKEN,
            'HTTP_ACCEPT': accept, 'REMOTE_ADDR': '127.0.0.1'}
        status = []
        body = app(environ, lambda s, h, e=None: status.append(s))
        b''.join(body)
        if not status[0].startswith('200'):
            raise SystemExit('%s %s: %s' % (path, accept, status[0]))
    return call


def baseline(app, vm):
    """One compute read made directly through kamaki."""
    from occi_pyramid.interfaces import IBackend

    backend = app.registry.getUtility(IBackend)

    def call():
        backend.api(TOKEN).compute.get_server_details(vm)
    return call


def cpu_per_call(call, count, rounds):
    for _ in range(20):
        call()
    samples = []
    for _ in range(rounds):
        before = os.times()
        for _ in range(count):
            call()
        after = os.times()
        samples.append((after.user + after.system
                        - before.user - before.system) / count * 1e6)
    return statistics.median(samples)


def make_vm(sim_url):
    request = urllib.request.Request(
        sim_url + '/compute/v2.0/servers', method='POST',
        headers={'X-Auth-Token': TOKEN, 'Content-Type': 'application/json'},
        data=json.dumps({'server': {'name': 'bench', 'flavorRef': 1,
                                    'imageRef': IMAGE}}).encode())
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)['server']['id']


def instructions(name, vm, sim_url, count):
    """Instructions per request of ``name`` (valgrind's callgrind)."""
    def run(requests):
        out = tempfile.mktemp(prefix='bench-cpu-callgrind-')
        result = subprocess.run(
            ['valgrind', '--tool=callgrind', '--callgrind-out-file=' + out,
             sys.executable, __file__, '--one', name, '--vm', str(vm),
             '--sim-url', sim_url, '--requests', str(requests)],
            capture_output=True, text=True, env=dict(
                os.environ, PYTHONHASHSEED='0'))
        os.remove(out)
        for line in result.stderr.splitlines():
            if 'Collected :' in line:
                return int(line.split(':')[-1])
        raise SystemExit(result.stderr[-2000:])
    return (run(count) - run(0)) / count


def one(args):
    """--one: the requests of one operation, for callgrind."""
    app = make_app(args.sim_url)
    if args.one == 'baseline':
        call = baseline(app, args.vm)
    else:
        path, accept = OPERATIONS[args.one]
        call = caller(app, path.format(vm=args.vm), accept,
                      args.one.split()[0])
    for _ in range(20):
        call()
    # NB: what the warm-up left is frozen, so that a full collection of
    # it does not fall in one run and not in the other (it moved the
    # count per request by tens of thousands between runs)
    gc.collect()
    gc.freeze()
    for _ in range(args.requests):
        call()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--requests', type=int, default=500)
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--callgrind', action='store_true',
                        help='count instructions (valgrind) instead')
    parser.add_argument('--one', help=argparse.SUPPRESS)
    parser.add_argument('--vm', help=argparse.SUPPRESS)
    parser.add_argument('--sim-url', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        return one(args)
    folder = tempfile.mkdtemp(prefix='bench-cpu-')
    simulator, sim_url = start_simulator(folder)
    try:
        vm = make_vm(sim_url)
        time.sleep(0.2)
        if args.callgrind:
            unit = 'instructions'
            measure = lambda name: instructions(  # noqa: E731
                name, vm, sim_url, args.requests)
        else:
            unit = 'CPU us'
            app = make_app(sim_url)
            calls = {'baseline': baseline(app, vm)}
            for name, (path, accept) in OPERATIONS.items():
                calls[name] = caller(app, path.format(vm=vm), accept,
                                     name.split()[0])
            measure = lambda name: cpu_per_call(  # noqa: E731
                calls[name], args.requests, args.rounds)
        base = measure('baseline')
        print('%-34s %14s %8s' % ('operation', unit + '/req', 'ratio'))
        print('%-34s %14.0f %8s' % (
            'baseline: kamaki get_server_details', base, '1.00'))
        for name in OPERATIONS:
            value = measure(name)
            print('%-34s %14.0f %8.2f' % (name, value, value / base))
    finally:
        simulator.terminate()
        simulator.wait()


if __name__ == '__main__':
    main()
