"""The fault tier: the OCCI app against a standalone simulator (``pserve
simulator.ini`` in a subprocess, its state in an SQLite file) that the
tests stop (SIGSTOP), kill (SIGKILL) and restart mid-request, then ask
directly (plain HTTP to the Synnefo API) what the cloud holds.

Every call to the cloud waits ``LATENCY`` seconds before it is served, so
a watcher polling the simulator's request log can strike while the next
call of the OCCI request is on its way.
"""
import os
import signal
import subprocess
import threading
import time

import pytest

from occi_pyramid.simulator.testing import ALICE, Client, ControlClient
from tests.conftest import make_testapp
from tests.e2e.conftest import (
    free_port, ini_copy, pserve_command, wait_for_port,
)

#: seconds each Synnefo call waits in the simulator
LATENCY = 0.15
#: the OCCI app's cloud timeout (occi.synnefo.timeout) in this tier
TIMEOUT = 3.0
DELAYS = ('simulator.delays = build=4 start=2 stop=2 reboot=2 resize=3 '
          'delete=2 connect=1 disconnect=1 attach=1 detach=1')


class Simulator:
    """``pserve simulator.ini`` on a free port; survives kill and restart
    (the state is an SQLite file)."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        os.makedirs(str(tmp_path / 'var'), exist_ok=True)
        self.ini = ini_copy(tmp_path, 'simulator.ini', [
            ('listen = 127.0.0.1:8901', 'listen = 127.0.0.1:%d' % self.port),
            ('simulator.control_api = false', 'simulator.control_api = true'),
            ('simulator.latency = 0', 'simulator.latency = %s' % LATENCY),
            (DELAYS, 'simulator.delays = 0 delete=1'),
        ])
        self.log_path = str(tmp_path / 'simulator.log')
        self.process = None
        self.client = Client(self.url)
        self.control = ControlClient(self.url)
        self.start()

    def start(self):
        with open(self.log_path, 'ab') as log:
            self.process = subprocess.Popen(
                pserve_command() + [self.ini], stdout=log,
                stderr=subprocess.STDOUT, cwd=os.path.dirname(self.ini))
        wait_for_port(self.port, self.process)

    def signal(self, number):
        self.process.send_signal(number)
        if number == signal.SIGKILL:
            # NB: reap it, so running() is False from now on (a poll right
            # after the signal can still find the process alive)
            self.process.wait(10)

    def kill(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
        self.process.wait(10)

    def running(self):
        return self.process.poll() is None

    def ensure_running(self):
        if self.running():
            self.signal(signal.SIGCONT)
        else:
            self.start()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:  # pragma: no cover
                self.process.kill()
                self.process.wait(10)

    # -- the cloud, asked directly ------------------------------------------

    def get(self, path):
        result = self.client.call('GET', path, token=ALICE)
        assert result.status == 200, (path, result.raw)
        return result.json

    def holdings(self):
        """What alice holds: live servers, ports, floating IPs and live
        volumes, as sets of ids (floating IPs: addresses)."""
        servers = self.get('/compute/v2.0/servers/detail')['servers']
        return {
            'servers': {str(s['id']) for s in servers
                        if s['status'] != 'DELETED'},
            'ports': {str(p['id']) for p in
                      self.get('/network/v2.0/ports')['ports']},
            'floatingips': {
                f['floating_ip_address'] for f in
                self.get('/network/v2.0/floatingips')['floatingips']},
            'volumes': {str(v['id']) for v in
                        self.get('/volume/v2.0/volumes/detail')['volumes']
                        if v['status'] not in ('deleted', 'deleting')},
        }


def wait_gone(sim, server, timeout=15):
    """Wait until ``server`` leaves alice's holdings (the cloud's delete
    job runs ``delete`` seconds after the call, so after a restart it
    may still be due); True if it did within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while server in sim.holdings()['servers']:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


class Strike:
    """A watcher thread: once a request matching ``trigger`` (method,
    path prefix) is in the simulator's log, send ``signum`` to it."""

    def __init__(self, sim, method, path, signum=signal.SIGKILL):
        self.sim, self.method, self.path = sim, method, path
        self.signum = signum
        self.struck_at = None
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.stopped = False
        self.thread.start()

    def run(self):
        deadline = time.monotonic() + 60
        while not self.stopped and time.monotonic() < deadline:
            try:
                log = self.sim.control.requests()
            except (OSError, AssertionError):
                return
            if any(r['method'] == self.method
                   and r['path'].startswith(self.path) for r in log):
                self.struck_at = time.monotonic()
                self.sim.signal(self.signum)
                return
            time.sleep(0.02)

    def join(self, grace=5):
        """Wait for the strike (the trigger may be logged already: the
        watcher looks every 20 ms), at most ``grace`` seconds, then stop
        watching."""
        self.thread.join(grace)
        self.stopped = True
        self.thread.join(10)


@pytest.fixture(scope='module')
def simulator(tmp_path_factory):
    sim = Simulator(tmp_path_factory.mktemp('faults'))
    yield sim
    sim.stop()


@pytest.fixture
def sim(simulator):
    """The standalone simulator, running and fresh from the seed."""
    simulator.ensure_running()
    simulator.control.reset()
    return simulator


@pytest.fixture(scope='module')
def app(simulator, app_settings):
    return make_testapp(dict(app_settings, **{
        'occi.synnefo.auth_url': simulator.url + '/identity/v2.0',
        'occi.synnefo.timeout': str(TIMEOUT),
        'occi.synnefo.link_wait': '30',
        # NB: the deferred work looks again at once after a cloud fault
        'occi.pending.retry_max': '1',
    }))


@pytest.fixture(autouse=True)
def no_deferred_work_left(request):
    """Each test starts without the deferred work of the one before (the
    simulator's reset starts its ids over)."""
    if 'app' in request.fixturenames:
        from tests.functional.conftest import forget_deferred_work

        forget_deferred_work(request.getfixturevalue('app').app.registry)
