"""What hostile and large requests cost the OCCI server process, against
a baseline measured in the same run. Run by hand (Linux: reads /proc):

    .venv/bin/python bench/bench_hostile.py [--rounds 5] [--large 100]

A real server (``pserve`` on testing.ini with a free port, the embedded
simulator as its cloud, a 1 MB body limit, identity answers cached) is
started and stopped by the script. CPU is the server process's own
user+system time (``/proc/<pid>/stat``) around each case:

* baseline: a small POST with a made-up token (a 401);
* a 1 MB JSON body of empty link objects with a made-up token;
* the same body with a valid token (refused by the parse-work limits).

Memory: the server's RSS after warming up, then after ``--large``
accepted ~1 MB bodies (a partial update padded with JSON whitespace):
the growth should be a small fraction of the bytes received.
"""
import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from tests.functional.test_store_processes import write_ini  # noqa: E402

PSERVE = os.path.join(os.path.dirname(sys.executable), 'pserve')
JSON = 'application/occi+json'
MB = 1024 * 1024
CREATE = '\n'.join([
    'Category: compute; scheme="http://schemas.ogf.org/occi/'
    'infrastructure#"; class="kind"',
    'Category: image-d3b1a000-0000-4000-8000-000000000001; scheme="http://'
    'schemas.synnefo.org/occi/templates/os#"; class="mixin"',
    'Category: flavor-1; scheme="http://schemas.synnefo.org/occi/templates/'
    'resource#"; class="mixin"',
])


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def call(port, method, path, body=b'', headers=None):
    connection = http.client.HTTPConnection('127.0.0.1', port, timeout=120)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def cpu_seconds(pid):
    with open('/proc/%d/stat' % pid) as stat:
        fields = stat.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def rss_mb(pid):
    with open('/proc/%d/status' % pid) as status:
        for line in status:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024.0
    return 0.0


def cpu_of(pid, rounds, send):
    """Median server CPU seconds of ``send()`` and its statuses."""
    samples, statuses = [], set()
    for _ in range(rounds):
        before = cpu_seconds(pid)
        statuses.add(send())
        time.sleep(0.05)   # let the server finish logging
        samples.append(cpu_seconds(pid) - before)
    samples.sort()
    return samples[len(samples) // 2], sorted(statuses)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--large', type=int, default=100)
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix='occi-bench-')
    port = free_port()
    ini = write_ini(os.path.join(folder, 'bench.ini'), {
        'occi.synnefo.cache_ttl': '60',
        'occi.max_body_size': str(MB),
        'occi.store.url': 'sqlite:///%s/store.sqlite' % folder,
    }, port, base=os.path.join(ROOT, 'testing.ini'))
    log = open(os.path.join(folder, 'server.log'), 'wb')
    server = subprocess.Popen([PSERVE, ini], cwd=folder, stdout=log,
                              stderr=subprocess.STDOUT)
    try:
        for _ in range(600):
            try:
                call(port, 'GET', '/-/', headers={'X-Auth-Token': 'x'})
                break
            except OSError:
                time.sleep(0.1)
        run(port, server.pid, args)
    finally:
        server.terminate()
        server.wait(10)
        log.close()


def run(port, pid, args):
    made_up = {'X-Auth-Token': 'made-up-token-%d' % os.getpid(),
               'Content-Type': JSON}
    valid = dict(made_up, **{'X-Auth-Token': 'alice-token'})
    small = json.dumps({'links': [{}]}).encode()
    hostile = b'{"links": [' + b','.join([b'{}'] * (MB // 3 - 10)) + b']}'

    def post(body, headers):
        return lambda: call(port, 'POST', '/compute/', body, headers)[0]

    base, base_statuses = cpu_of(pid, args.rounds, post(small, made_up))
    print('%-46s %8s %8s  %s' % ('case', 'cpu s', 'ratio', 'statuses'))
    print('%-46s %8.3f %8s  %s' % ('small body, made-up token (baseline)',
                                   base, '1.0', base_statuses))
    for name, headers in (('1 MB of empty links, made-up token', made_up),
                          ('1 MB of empty links, valid token', valid)):
        cost, statuses = cpu_of(pid, args.rounds, post(hostile, headers))
        print('%-46s %8.3f %8.1f  %s' % (name, cost,
                                         cost / max(base, 0.01), statuses))

    status, headers, _ = call(port, 'POST', '/compute/', CREATE.encode(),
                              {'X-Auth-Token': 'alice-token',
                               'Content-Type': 'text/plain'})
    assert status == 201, status
    path = '/compute/' + headers['Location'].rsplit('/', 1)[1]
    padded = json.dumps({'attributes': {'occi.core.title': 'big'}}).encode()
    padded += b' ' * (MB - 4096 - len(padded))

    def large():
        return call(port, 'POST', path, padded, valid)[0]

    statuses = {large() for _ in range(10)}
    warm = rss_mb(pid)
    statuses |= {large() for _ in range(args.large)}
    after = rss_mb(pid)
    print('RSS after 10 large accepted bodies: %.1f MB; after %d more: '
          '%.1f MB (growth %.1f MB for %d MB received; statuses %s)'
          % (warm, args.large, after, after - warm, args.large,
             sorted(statuses)))


if __name__ == '__main__':
    main()
