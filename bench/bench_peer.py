"""occi-pyramid before -> after, side by side with ooi 1.2.0, in one run.
Run by hand, from the checkout (any python3, standard library only):

    python3 bench/bench_peer.py [--baseline HEAD] [--rounds 3]
        [--duration 8] [--conns 16] [--threads 8] [--reps 5]
        [--rows 1,2,3,4,5,6,7,8] [--sizes 10000,1000,50] [--out FILE]

Three sides, every server on 127.0.0.1:

* ``after``: this checkout as it is (its ``.venv``, ``make install``);
* ``before``: the ``--baseline`` revision, checked out once with ``git
  worktree add --detach`` into /tmp/occi-bench/before-<sha> and given
  its own venv by its own ``make install`` (kept for the next run);
* ``ooi``: ooi 1.2.0, the OpenStack OCCI Interface, from PyPI, in
  /tmp/occi-bench/ooi-venv (made on first use), served by waitress in
  front of ``bench/fake_nova.py`` in one process (``bench/ooi_peer.py``).

Each occi-pyramid side runs its own version's simulator (``pserve`` on
that version's ``simulator.ini``, with instant jobs, the control API
on and an SQLite file in a temporary folder) and its own OCCI server
(``pserve`` on that version's ``production.ini``, pointing at that
simulator, with an in-memory store and waitress on ``--threads``
threads; caches and the per-request log line as in production). ooi
gets the same number of threads. Our computes have no NIC (the
simulator's ``default_networks = none``); ooi's servers have one fixed
address each, as nova gives them, so its entity GET also reads the
server's ports.

The table prints, per row, the medians of each side, before/ooi and
after/ooi (a rate's ratio is ours/ooi's rate too), after/before, the
target (on after/ooi, or on after's value), whether after meets it,
and the range of load averages seen by that row's measurements.

Rows (medians; every round runs the sides in a rotated order, and the
load average at each measurement is recorded and printed):

1. CPU of the OCCI process per entity GET of a compute, text/plain:
   ``wrk`` on its location, utime + stime of the OCCI process (ours:
   not the simulator's) from /proc/PID/stat over the run, divided by
   the requests served. Target <= 0.75x ooi.
2. The same in application/occi+json. Target <= 0.75x ooi.
3. CPU per GET /compute/ (text/plain) with 3 VMs. Target <= 1.0x ooi.
4. GET /compute/ at 10,000 VMs (``--sizes``' first number): the median
   time of one request, and the peak RSS (VmHWM) of the OCCI process
   afterwards; ooi's fake nova holds as many servers. Target: hold.
   Our servers are made through the simulator's API (quotas raised
   through its control API ``PUT /_sim/quotas``), two at a time.
5. GET /-/ with 1,000 images + 50 flavors (a seed file: the packaged
   one plus copies of its first public image and new flavors):
   requests/s in application/occi+json and text/plain; the ratio is
   ours/ooi's rate. Target >= 4x for JSON. Rows 5c and 5d: the CPU of
   the OCCI process per request in those runs (steadier than rates on
   a busy machine).
6. A create: POST /compute/ (text/plain: the kind, an os_tpl and a
   resource_tpl mixin, a title), one request at a time, simulator
   included: the median latency. Target <= 2x ooi. Row 6c: the CPU
   that request took (ours: the OCCI process and its simulator; ooi:
   its process), from every thread's /proc/PID/task/TID/schedstat.
7. A delete of the compute just made, the same way. Target <= 2x ooi.
   Row 7c: its CPU, as 6c.
8. The simulator alone (before and after): the wall time of the first
   GET /compute/v2.0/servers/detail once every one of the 10,000
   servers changed (renamed through ``PUT /compute/v2.0/servers/ID``
   since the previous listing). Target < 250 ms. Row 8c: the CPU
   time of the simulator process for that listing (schedstat).

``--sizes VMS,IMAGES,FLAVORS`` shrinks rows 4, 5 and 8 for a smoke run
(``--rounds 1 --duration 2 --sizes 1000,200,20``). ``--out FILE``
writes every sample as JSON. Every process started is ended by its
PID, also on Ctrl-C.
"""
import argparse
import atexit
import configparser
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from urllib.parse import urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CACHE = '/tmp/occi-bench'
OOI_VENV = os.path.join(CACHE, 'ooi-venv')
WRK = shutil.which('wrk') or '/usr/bin/wrk'
TOKEN = 'alice-token'
PLAIN = 'text/plain'
JSON = 'application/occi+json'
OURS = ('before', 'after')
INFRA = 'http://schemas.ogf.org/occi/infrastructure#'
CREATE = {
    'ours': (
        'Category: compute; scheme="%s"; class="kind"\n'
        'Category: image-d3b1a000-0000-4000-8000-000000000001; scheme='
        '"http://schemas.synnefo.org/occi/templates/os#"; class="mixin"\n'
        'Category: flavor-1; scheme="http://schemas.synnefo.org/occi/'
        'templates/resource#"; class="mixin"\n' % INFRA),
    'ooi': (
        'Category: compute; scheme="%s"; class="kind"\n'
        'Category: 9e3bb7d4-7f43-4c4a-9a5b-1c1bd8e4aa01; scheme='
        '"http://schemas.openstack.org/template/os#"; class="mixin"\n'
        'Category: 1; scheme="http://schemas.openstack.org/template/'
        'resource#"; class="mixin"\n' % INFRA),
}
#: row -> (label, unit, target, lower is better)
ROWS = {
    '1': ('CPU/entity GET text/plain', 'ms', '<= 0.75x', True),
    '2': ('CPU/entity GET occi+json', 'ms', '<= 0.75x', True),
    '3': ('CPU/GET /compute/ 3 VMs', 'ms', '<= 1.0x', True),
    '4a': ('GET /compute/ {vms} VMs', 'ms', 'hold ~0.11x', True),
    '4b': ('peak RSS, {vms} VMs', 'MB', 'parity', True),
    '5a': ('GET /-/ {images}+{flavors} occi+json', 'req/s', '>= 4x',
           False),
    '5b': ('GET /-/ {images}+{flavors} text/plain', 'req/s', '', False),
    '5c': ('CPU/GET /-/ {images}+{flavors} occi+json', 'ms', '', True),
    '5d': ('CPU/GET /-/ {images}+{flavors} text/plain', 'ms', '', True),
    '6': ('create, one at a time', 'ms', '<= 2x', True),
    '6c': ('CPU/create (ours: OCCI + simulator)', 'ms', '', True),
    '7': ('delete, one at a time', 'ms', '<= 2x', True),
    '7c': ('CPU/delete (ours: OCCI + simulator)', 'ms', '', True),
    '8': ('sim: 1st servers/detail, {vms} changed', 'ms', '< 250 ms',
          True),
    '8c': ('CPU of the simulator for it', 'ms', '', True),
}


def log(*words):
    print('[bench_peer %s]' % time.strftime('%H:%M:%S'), *words,
          file=sys.stderr, flush=True)


def loadavg():
    with open('/proc/loadavg') as handle:
        return float(handle.read().split()[0])


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


# -- processes -----------------------------------------------------------

STARTED = []


class Proc:
    """One server process, its output in a log file, ended by its PID."""

    def __init__(self, name, argv, folder, cwd=None):
        self.name = name
        self.log = os.path.join(folder, name + '.log')
        with open(self.log, 'ab') as out:
            self.popen = subprocess.Popen(
                argv, stdout=out, stderr=subprocess.STDOUT, cwd=cwd,
                stdin=subprocess.DEVNULL)
        self.pid = self.popen.pid
        STARTED.append(self)

    def stop(self):
        if self in STARTED:
            STARTED.remove(self)
        if self.popen.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.popen.wait(15)

    def cpu(self):
        """utime + stime of the process (all its threads), seconds."""
        with open('/proc/%d/stat' % self.pid) as handle:
            fields = handle.read().rsplit(')', 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf(
            'SC_CLK_TCK')

    def cpu_ns(self):
        """CPU time of the process's live threads, in nanoseconds
        (schedstat: finer than /proc/PID/stat's clock ticks, for one
        request)."""
        total = 0
        folder = '/proc/%d/task' % self.pid
        for task in os.listdir(folder):
            try:
                with open('%s/%s/schedstat' % (folder, task)) as handle:
                    total += int(handle.read().split()[0])
            except FileNotFoundError:
                pass
        return total

    def status(self, key):
        with open('/proc/%d/status' % self.pid) as handle:
            for line in handle:
                if line.startswith(key + ':'):
                    return int(line.split()[1])

    def wait_http(self, port, timeout=180):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.popen.poll() is not None:
                raise SystemExit('%s exited; see %s' % (self.name, self.log))
            try:
                conn = http.client.HTTPConnection('127.0.0.1', port,
                                                  timeout=10)
                conn.request('GET', '/')
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit('%s did not answer in %d s' % (self.name, timeout))


def stop_all():
    for proc in reversed(list(STARTED)):
        try:
            proc.stop()
        except OSError as exc:
            log('stopping %s: %s' % (proc.name, exc))


def on_signal(number, _frame):
    stop_all()
    sys.exit(128 + number)


# -- HTTP ----------------------------------------------------------------

class Client:
    """One keep-alive connection to one loopback server."""

    def __init__(self, port):
        self.port = port
        self.conn = None

    def call(self, method, path, body=None, headers=None, expect=None):
        """``(seconds, status, headers, body)``; raises on another
        status than ``expect``'s."""
        if path.startswith('http'):
            parts = urlsplit(path)
            assert parts.hostname == '127.0.0.1', path
            path = parts.path
        sent = {'X-Auth-Token': TOKEN}
        sent.update(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            sent['Content-Type'] = 'application/json'
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(
                    '127.0.0.1', self.port, timeout=600)
            try:
                began = time.perf_counter()
                self.conn.request(method, path, body, sent)
                answer = self.conn.getresponse()
                data = answer.read()
                took = time.perf_counter() - began
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        if expect and answer.status not in expect:
            raise SystemExit('%s %s on port %d: %d %s' % (
                method, path, self.port, answer.status, data[:300]))
        return took, answer.status, dict(answer.getheaders()), data


# -- wrk -----------------------------------------------------------------

def wrk(url, accept, args, proc):
    """One ``wrk`` run: requests/s and the CPU ms of ``proc`` per
    request, with the load average when it began."""
    load = loadavg()
    before = proc.cpu()
    out = subprocess.run(
        [WRK, '-t1', '-c%d' % args.conns, '-d%ds' % args.duration,
         '--timeout', '60s', '-H', 'X-Auth-Token: ' + TOKEN,
         '-H', 'Accept: ' + accept, url],
        check=True, capture_output=True, text=True).stdout
    used = proc.cpu() - before
    bad = re.search(r'Non-2xx or 3xx responses: (\d+)', out)
    if bad:
        raise SystemExit('wrk saw %s error answers on %s' % (bad.group(1),
                                                             url))
    total = int(re.search(r'(\d+) requests in', out).group(1))
    return {'rps': float(re.search(r'Requests/sec:\s+([\d.]+)',
                                   out).group(1)),
            'requests': total, 'cpu_ms': used * 1e3 / max(total, 1),
            'load1': load}


# -- the sides -------------------------------------------------------------

def read_ini(path):
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read(path)
    return parser


def write_ini(parser, path):
    with open(path, 'w') as handle:
        parser.write(handle)


def serve_on(parser, port, threads):
    """[server:main] as the ini has it (the server a deployment of that
    version runs), on 127.0.0.1:port."""
    server = parser['server:main']
    for key in ('host', 'port', 'listen'):
        server.pop(key, None)
    server['listen'] = '127.0.0.1:%d' % port
    server['threads'] = str(threads)


class OurSide:
    """One occi-pyramid checkout: its simulator and its OCCI server."""

    def __init__(self, name, checkout, args, folder):
        self.name = name
        self.checkout = checkout
        self.args = args
        self.folder = os.path.join(folder, name)
        os.makedirs(self.folder, exist_ok=True)
        self.pserve = os.path.join(checkout, '.venv', 'bin', 'pserve')
        self.sim = self.occi = None

    def seed_file(self, images, flavors):
        """The packaged seed plus public images and flavors, so that
        Alice sees ``images`` images and ``flavors`` flavors."""
        with open(os.path.join(self.checkout, 'occi_pyramid', 'simulator',
                               'seed.json')) as handle:
            seed = json.load(handle)
        alice = [u for u in seed['users'] if u['token'] == TOKEN][0]
        mine = {alice['uuid']} | {p['uuid'] for p in alice.get(
            'projects', [])}
        owner = seed.get('system_images_owner')
        seen = [i for i in seed['images'] if i.get('is_public')
                or i.get('owner', owner) in mine]
        model = [i for i in seed['images'] if i.get('is_public')][0]
        for n in range(images - len(seen)):
            image = dict(model, id='bbbbbbbb-0000-4000-8000-%012d' % n,
                         name='bench image %d' % n)
            image['location'] = model.get('location', '') + '.%d' % n
            seed['images'].append(image)
        seen = [f for f in seed['flavors'] if not f.get('deleted') and (
            f.get('public', True) or set(f.get('access', [])) & mine)]
        top = max(f['id'] for f in seed['flavors'])
        for n in range(flavors - len(seen)):
            top += 1
            cpu, ram, disk = 1 + n % 8, 512 * (1 + n % 16), 10 * (1 + n % 10)
            seed['flavors'].append({
                'id': top, 'name': 'C%dR%dD%d-%d' % (cpu, ram, disk, top),
                'vcpus': cpu, 'ram': ram, 'disk': disk, 'volume_type': 2})
        path = os.path.join(self.folder, 'seed-%d-%d.json' % (images,
                                                             flavors))
        with open(path, 'w') as handle:
            json.dump(seed, handle)
        return path

    def start(self, tag, occi=True, images=None, flavors=None):
        self.sim_port = free_port()
        database = os.path.join(self.folder, 'sim-%s.sqlite' % tag)
        ini = read_ini(os.path.join(self.checkout, 'simulator.ini'))
        app = ini['app:main']
        app['simulator.database_url'] = 'sqlite:///' + database
        app['simulator.seed_file'] = (self.seed_file(images, flavors)
                                      if images else '')
        app['simulator.delays'] = 'instant'
        app['simulator.control_api'] = 'true'
        app['simulator.latency'] = '0'
        serve_on(ini, self.sim_port, 8)
        if ini.has_section('logger_simulator'):
            ini['logger_simulator']['level'] = 'WARN'
        path = os.path.join(self.folder, 'simulator-%s.ini' % tag)
        write_ini(ini, path)
        self.sim = Proc('%s-sim-%s' % (self.name, tag), [self.pserve, path],
                        self.folder, cwd=self.checkout)
        self.sim.wait_http(self.sim_port)
        many = 100000
        Client(self.sim_port).call('PUT', '/_sim/quotas', {
            'user': TOKEN, 'limits': {
                'cyclades.vm': many, 'cyclades.cpu': many,
                'cyclades.total_cpu': many, 'cyclades.ram': many << 30,
                'cyclades.total_ram': many << 30,
                'cyclades.disk': many << 35}}, expect=(200,))
        if not occi:
            return
        self.port = free_port()
        ini = read_ini(os.path.join(self.checkout, 'production.ini'))
        app = ini['app:main']
        app['occi.synnefo.auth_url'] = (
            'http://127.0.0.1:%d/identity/v2.0' % self.sim_port)
        app['occi.synnefo.timeout'] = '300'
        app['occi.store.url'] = 'sqlite://'
        serve_on(ini, self.port, self.args.threads)
        path = os.path.join(self.folder, 'occi-%s.ini' % tag)
        write_ini(ini, path)
        self.occi = Proc('%s-occi-%s' % (self.name, tag), [self.pserve, path],
                         self.folder, cwd=self.checkout)
        self.occi.wait_http(self.port)

    def stop(self):
        for proc in (self.occi, self.sim):
            if proc:
                proc.stop()
        self.sim = self.occi = None


class OoiSide:
    name = 'ooi'

    def __init__(self, args, folder):
        self.args = args
        self.folder = folder
        self.occi = None

    def start(self, tag, images=2, flavors=2, servers=0):
        self.port = free_port()
        self.occi = Proc('ooi-%s' % tag, [
            os.path.join(OOI_VENV, 'bin', 'python'),
            os.path.join(HERE, 'ooi_peer.py'), '--port', str(self.port),
            '--threads', str(self.args.threads), '--images', str(images),
            '--flavors', str(flavors), '--servers', str(servers)],
            self.folder)
        self.occi.wait_http(self.port)

    def stop(self):
        if self.occi:
            self.occi.stop()
        self.occi = None


def run(argv, cwd=None, logfile=None):
    log('$ ' + ' '.join(argv))
    with open(logfile or os.devnull, 'ab') as out:
        subprocess.run(argv, cwd=cwd, check=True, stdout=out,
                       stderr=subprocess.STDOUT)


def prepare_before(revision):
    """The baseline's checkout, with its venv; made once, then kept."""
    sha = subprocess.run(['git', '-C', ROOT, 'rev-parse', '--verify',
                          revision + '^{commit}'], check=True,
                         capture_output=True, text=True).stdout.strip()
    folder = os.path.join(CACHE, 'before-' + sha[:12])
    os.makedirs(CACHE, exist_ok=True)
    if not os.path.isdir(os.path.join(folder, 'occi_pyramid')):
        run(['git', '-C', ROOT, 'worktree', 'prune'])
        run(['git', '-C', ROOT, 'worktree', 'add', '--detach', folder, sha])
    if not os.path.exists(os.path.join(folder, '.venv', 'bin',
                                       '.installed')):
        log('make install in %s (a few minutes)' % folder)
        run(['make', 'install'], cwd=folder,
            logfile=os.path.join(CACHE, 'before-install.log'))
    return sha, folder


def prepare_ooi():
    python = os.path.join(OOI_VENV, 'bin', 'python')
    check = [python, '-c', 'import ooi, waitress']
    if os.path.exists(python) and subprocess.run(
            check, capture_output=True).returncode == 0:
        return
    logfile = os.path.join(CACHE, 'ooi-install.log')
    run([sys.executable if sys.prefix == sys.base_prefix else 'python3',
         '-m', 'venv', OOI_VENV])
    pip = [os.path.join(OOI_VENV, 'bin', 'pip'), 'install', '--quiet']
    run(pip + ['pbr', 'oslo.log', 'oslo.config', 'routes', 'WebOb', 'six',
               'waitress'], logfile=logfile)
    # ooi's requirements name enum34, a Python 2 backport that breaks
    # Python 3's enum: ooi itself without its dependencies
    run(pip + ['--no-deps', 'ooi==1.2.0'], logfile=logfile)


# -- measurements ----------------------------------------------------------

def rotated(sides, turn):
    turn %= len(sides)
    return sides[turn:] + sides[:turn]


def create(client, side):
    kind = 'ooi' if side == 'ooi' else 'ours'
    body = CREATE[kind] + 'X-OCCI-Attribute: occi.core.title="bench"\n'
    took, _status, headers, data = client.call(
        'POST', '/compute/', body.encode(), {'Content-Type': PLAIN,
                                             'Accept': PLAIN},
        expect=(200, 201))
    location = headers.get('Location') or re.search(
        rb'X-OCCI-Location: *(\S+)', data).group(1).decode()
    return took, location


def record(results, row, side, value, load):
    entry = results['rows'].setdefault(row, {}).setdefault(side, [])
    entry.append({'value': value, 'load1': load})


def cpu_of(side):
    """A function giving the CPU ms ``side``'s processes used since."""
    procs = [p for p in (side.occi, getattr(side, 'sim', None)) if p]
    began = sum(p.cpu_ns() for p in procs)
    return lambda: (sum(p.cpu_ns() for p in procs) - began) / 1e6


def phase_small(sides, args, results):
    """Rows 1, 2, 3, 6, 7: the packaged catalogue, 3 VMs a side."""
    names = [s.name for s in sides]
    entity = {}
    for side in sides:
        side.start('small')
        client = Client(side.port)
        entity[side.name] = [create(client, side.name)[1]
                             for _ in range(3)][0]
        for accept in (PLAIN, JSON):
            for _ in range(20):
                client.call('GET', entity[side.name],
                            headers={'Accept': accept}, expect=(200,))
    loads = {'1': (entity, PLAIN), '2': (entity, JSON),
             '3': ({n: 'http://127.0.0.1:%d/compute/' % s.port
                    for n, s in zip(names, sides)}, PLAIN)}
    by_name = dict(zip(names, sides))
    for turn in range(args.rounds):
        for row in ('1', '2', '3'):
            if row not in args.rows:
                continue
            urls, accept = loads[row]
            for name in rotated(names, turn):
                got = wrk(urls[name], accept, args, by_name[name].occi)
                record(results, row, name, got['cpu_ms'], got['load1'])
                log('round %d row %s %-6s %.3f CPU ms/req %8.1f req/s '
                    'load %.2f' % (turn + 1, row, name, got['cpu_ms'],
                                   got['rps'], got['load1']))
    if '6' in args.rows or '7' in args.rows:
        clients = {s.name: Client(s.port) for s in sides}
        for turn in range(args.rounds):
            for rep in range(args.reps):
                order = rotated(names, turn * args.reps + rep)
                load = loadavg()
                made = {}
                for name in order:
                    used = cpu_of(by_name[name])
                    took, made[name] = create(clients[name], name)
                    record(results, '6', name, took * 1e3, load)
                    record(results, '6c', name, used(), load)
                for name in order:
                    used = cpu_of(by_name[name])
                    took = clients[name].call('DELETE', made[name],
                                              expect=(200, 204))[0]
                    record(results, '7', name, took * 1e3, load)
                    record(results, '7c', name, used(), load)
            log('round %d rows 6, 7: %s (load %.2f)' % (turn + 1, ', '.join(
                '%s %.1f/%.1f ms' % (n, results['rows']['6'][n][-1]['value'],
                                     results['rows']['7'][n][-1]['value'])
                for n in names), loadavg()))
    for side in sides:
        side.stop()


def phase_catalogue(sides, args, results):
    """Row 5: GET /-/ with many images and flavors."""
    names = [s.name for s in sides]
    for side in sides:
        side.start('catalogue', images=args.images, flavors=args.flavors)
        client = Client(side.port)
        for accept in (PLAIN, JSON):
            data = client.call('GET', '/-/', headers={'Accept': accept},
                               expect=(200,))[3]
        results['catalogue_bytes'][side.name] = len(data)
    by_name = dict(zip(names, sides))
    for turn in range(args.rounds):
        for row, cpu_row, accept in (('5a', '5c', JSON),
                                     ('5b', '5d', PLAIN)):
            for name in rotated(names, turn):
                side = by_name[name]
                got = wrk('http://127.0.0.1:%d/-/' % side.port, accept, args,
                          side.occi)
                record(results, row, name, got['rps'], got['load1'])
                # NB: on a busy machine the rate follows the load; the
                # CPU per request much less
                record(results, cpu_row, name, got['cpu_ms'], got['load1'])
                log('round %d row %s %-6s %8.1f req/s (%.3f CPU ms/req) '
                    'load %.2f' % (turn + 1, row, name, got['rps'],
                                   got['cpu_ms'], got['load1']))
    for side in sides:
        side.stop()


def seed_servers(side, count):
    """``count`` servers of Alice made through the simulator's API (two
    connections: creations are serialised by the simulator anyway)."""
    began = time.perf_counter()
    body = {'server': {'name': 'bench', 'flavorRef': 1, 'imageRef':
                       'd3b1a000-0000-4000-8000-000000000001'}}
    todo = list(range(count))
    lock = threading.Lock()
    failures = []

    def work():
        client = Client(side.sim_port)
        try:
            while True:
                with lock:
                    if not todo:
                        return
                    todo.pop()
                client.call('POST', '/compute/v2.0/servers', body,
                            expect=(202,))
        except BaseException as exc:  # noqa: B036 (reported below)
            failures.append(exc)

    workers = [threading.Thread(target=work, daemon=True) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if failures:
        raise SystemExit('seeding %s: %s' % (side.name, failures[0]))
    log('%s: %d servers made in %.1f s' % (side.name, count,
                                             time.perf_counter() - began))


def rename_all(side, mark):
    client = Client(side.sim_port)
    ids = [s['id'] for s in json.loads(client.call(
        'GET', '/compute/v2.0/servers', expect=(200,))[3])['servers']]
    for sid in ids:
        client.call('PUT', '/compute/v2.0/servers/%s' % sid,
                    {'server': {'name': 'bench-%s' % mark}}, expect=(204,))
    return len(ids)


def phase_big(sides, args, results):
    """Rows 4 and 8: ``args.vms`` servers."""
    ours = [s for s in sides if s.name in OURS]
    with_occi = '4' in args.rows
    if not with_occi:
        sides = ours
    names = [s.name for s in sides]
    for side in sides:
        if side.name == 'ooi':
            side.start('big', servers=args.vms)
        else:
            side.start('big', occi=with_occi)
    seeders = [threading.Thread(target=seed_servers, args=(s, args.vms),
                                daemon=True)
               for s in ours]
    for seeder in seeders:
        seeder.start()
    for seeder in seeders:
        seeder.join()
    if with_occi:
        clients = {s.name: Client(s.port) for s in sides}
        for name in names:
            data = clients[name].call('GET', '/compute/', headers={
                'Accept': PLAIN}, expect=(200,))[3]
            got = data.count(b'/compute/')
            results['collection_bytes'][name] = len(data)
            if got < args.vms:
                raise SystemExit('%s lists %d computes' % (name, got))
        for turn in range(args.rounds):
            for rep in range(args.reps):
                load = loadavg()
                for name in rotated(names, turn * args.reps + rep):
                    took = clients[name].call('GET', '/compute/', headers={
                        'Accept': PLAIN}, expect=(200,))[0]
                    record(results, '4a', name, took * 1e3, load)
            log('round %d row 4: %s (load %.2f)' % (turn + 1, ', '.join(
                '%s %.0f ms' % (n, results['rows']['4a'][n][-1]['value'])
                for n in names), loadavg()))
        for side in sides:
            record(results, '4b', side.name,
                   side.occi.status('VmHWM') / 1024, loadavg())
    if '8' in args.rows:
        for side in ours:
            Client(side.sim_port).call('GET', '/compute/v2.0/servers/detail',
                                       expect=(200,))
        for turn in range(args.rounds):
            renamers = [threading.Thread(target=rename_all, args=(s, turn),
                                         daemon=True)
                        for s in ours]
            for renamer in renamers:
                renamer.start()
            for renamer in renamers:
                renamer.join()
            for side in rotated(ours, turn):
                load = loadavg()
                client = Client(side.sim_port)
                began = side.sim.cpu_ns()
                took = client.call('GET', '/compute/v2.0/servers/detail',
                                   expect=(200,))[0]
                record(results, '8', side.name, took * 1e3, load)
                record(results, '8c', side.name,
                       (side.sim.cpu_ns() - began) / 1e6, load)
                log('round %d row 8 %-6s %.0f ms load %.2f' % (
                    turn + 1, side.name, took * 1e3, load))
    for side in sides:
        side.stop()


# -- report ------------------------------------------------------------------

def median_of(results, row, side):
    samples = results['rows'].get(row, {}).get(side)
    if not samples:
        return None
    return statistics.median(s['value'] for s in samples)


def met(target, values):
    """Whether the after side meets ``target`` ('' when it says none
    a number can check)."""
    found = re.match(r'([<>]=?) ([\d.]+)(x| ms)$', target)
    after = values['after']
    if not found or after is None:
        return ''
    sign, bound, unit = found.groups()
    if unit == 'x':
        if not values['ooi']:
            return ''
        after /= values['ooi']
    ok = {'<': after < float(bound), '<=': after <= float(bound),
          '>': after > float(bound), '>=': after >= float(bound)}[sign]
    return 'yes' if ok else 'no'


def table(results, args):
    fmt = '%-4s %-38s %9s %9s %9s %10s %9s %12s  %-12s %-4s %s'
    lines = [fmt % ('row', '', 'before', 'after', 'ooi', 'before/ooi',
                    'after/ooi', 'after/before', 'target', 'met',
                    'load1')]
    sizes = {'vms': args.vms, 'images': args.images,
             'flavors': args.flavors}
    for row, (label, unit, target, _lower) in ROWS.items():
        if row.rstrip('abcd') not in args.rows or row not in results['rows']:
            continue
        values = {side: median_of(results, row, side)
                  for side in ('before', 'after', 'ooi')}
        loads = [s['load1'] for samples in results['rows'][row].values()
                 for s in samples]

        def cell(value):
            if value is None:
                return '-'
            return '%.3f' % value if value < 10 else '%.0f' % value

        def ratio(side):
            if values[side] is None or not values['ooi']:
                return '-'
            return '%.2fx' % (values[side] / values['ooi'])

        change = '-'
        if values['before'] and values['after'] is not None:
            change = '%.2fx' % (values['after'] / values['before'])
        lines.append(fmt % (
            row, '%s (%s)' % (label.format(**sizes), unit),
            cell(values['before']), cell(values['after']),
            cell(values['ooi']), ratio('before'), ratio('after'), change,
            target, met(target, values), '%.1f-%.1f' % (min(loads),
                                                         max(loads))))
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--baseline', default='HEAD',
                        help='git revision of the "before" side')
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--duration', type=int, default=8,
                        help='seconds of each wrk run')
    parser.add_argument('--conns', type=int, default=16,
                        help='wrk connections')
    parser.add_argument('--threads', type=int, default=8,
                        help='waitress threads of each OCCI server')
    parser.add_argument('--reps', type=int, default=5,
                        help='single requests per side and round (4, 6, 7)')
    parser.add_argument('--rows', default='1,2,3,4,5,6,7,8')
    parser.add_argument('--sizes', default='10000,1000,50',
                        help='VMs (rows 4, 8),images,flavors (row 5)')
    parser.add_argument('--out', help='write the samples as JSON here')
    args = parser.parse_args()
    args.rows = set(args.rows.split(','))
    args.vms, args.images, args.flavors = (
        int(n) for n in args.sizes.split(','))
    atexit.register(stop_all)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    sha, before_dir = prepare_before(args.baseline)
    if not args.rows <= {'8'}:
        prepare_ooi()
    after_sha = subprocess.run(
        ['git', '-C', ROOT, 'describe', '--always', '--dirty'],
        capture_output=True, text=True).stdout.strip()
    folder = tempfile.mkdtemp(prefix='bench-peer-')
    results = {'meta': {
        'date': time.strftime('%Y-%m-%d %H:%M:%S'), 'before': sha,
        'after': after_sha, 'rounds': args.rounds,
        'duration': args.duration, 'conns': args.conns,
        'threads': args.threads, 'reps': args.reps, 'vms': args.vms,
        'images': args.images, 'flavors': args.flavors,
        'cpus': os.cpu_count(), 'load1_start': loadavg()},
        'rows': {}, 'catalogue_bytes': {}, 'collection_bytes': {}}
    sides = [OurSide('before', before_dir, args, folder),
             OurSide('after', ROOT, args, folder), OoiSide(args, folder)]
    log('before = %s (%s), after = %s, logs in %s' % (
        sha[:12], before_dir, after_sha, folder))
    try:
        if args.rows & {'1', '2', '3', '6', '7'}:
            phase_small(sides, args, results)
        if '5' in args.rows:
            phase_catalogue(sides, args, results)
        if args.rows & {'4', '8'}:
            phase_big(sides, args, results)
    finally:
        stop_all()
    results['meta']['load1_end'] = loadavg()
    print('before %s, after %s; wrk -c%d -d%ds, %d rounds, medians; '
          'load1 %.1f at start, %.1f at end' % (
              sha[:12], after_sha, args.conns, args.duration, args.rounds,
              results['meta']['load1_start'], results['meta']['load1_end']))
    print(table(results, args))
    if args.out:
        with open(args.out, 'w') as handle:
            json.dump(results, handle, indent=1)
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == '__main__':
    main()
