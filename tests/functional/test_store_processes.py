"""Two real OCCI server processes (pserve, waitress, real sockets) share
one PostgreSQL store: what one adds, the other serves.  The cloud is a
third process, the standalone simulator (``pserve simulator.ini`` on a
free port)."""
import configparser
import contextlib
import os
import socket
import subprocess
import sys
import time

import pytest

from occi_pyramid.simulator.testing import ALICE, BOB, Client
from tests.conftest import ROOT
from tests.functional import stores

PSERVE = os.path.join(os.path.dirname(sys.executable), 'pserve')
#: seconds a process may take to start answering
START_TIMEOUT = 60
TAGS = 'http://example.org/shared#'
DEFINITION = ('Category: shared; scheme="%s"; class="mixin"; '
              'title="Seen by both"; location="/shared/"' % TAGS)
OS_TPL = ('Category: image-d3b1a000-0000-4000-8000-000000000001; '
          'scheme="http://schemas.synnefo.org/occi/templates/os#"; '
          'class="mixin"')
RESOURCE_TPL = ('Category: flavor-1; scheme="http://schemas.synnefo.org/'
                'occi/templates/resource#"; class="mixin"')
COMPUTE = ('Category: compute; scheme="http://schemas.ogf.org/occi/'
           'infrastructure#"; class="kind"')


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def write_ini(path, app, port, base=None):
    """An ini file: ``base`` (copied raw) with ``app`` settings and the
    waitress ``listen`` address changed."""
    parser = configparser.RawConfigParser()
    parser.optionxform = str
    if base is not None:
        parser.read(base)
    for section in ('app:main', 'server:main'):
        if not parser.has_section(section):
            parser.add_section(section)
    for key, value in app.items():
        parser.set('app:main', key, value)
    parser.set('server:main', 'use', 'egg:waitress#main')
    parser.set('server:main', 'listen', '127.0.0.1:%d' % port)
    with open(path, 'w') as ini:
        parser.write(ini)
    return path


class Process:
    """A ``pserve`` process serving one ini on one port."""

    def __init__(self, name, ini, port, folder):
        self.name = name
        self.port = port
        self.url = 'http://127.0.0.1:%d' % port
        self.log_path = os.path.join(folder, name + '.log')
        self.log = open(self.log_path, 'wb')
        self.popen = subprocess.Popen(
            [PSERVE, ini], cwd=folder, stdout=self.log,
            stderr=subprocess.STDOUT)
        self.client = Client(self.url)

    def output(self):
        self.log.flush()
        with open(self.log_path, 'rb') as log:
            return log.read().decode('utf-8', 'replace')[-4000:]

    def wait_ready(self, path, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                pytest.fail('%s exited with %s:\n%s' % (
                    self.name, self.popen.returncode, self.output()))
            try:
                self.client.call('GET', path, timeout=5)
                return
            except OSError:
                time.sleep(0.2)
        pytest.fail('%s did not answer within %ss:\n%s'
                    % (self.name, timeout, self.output()))

    def stop(self):
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(10)
        self.log.close()


@pytest.fixture
def processes(tmp_path):
    """The simulator and two OCCI servers on one PostgreSQL schema."""
    stores.require_postgresql()
    started = []
    folder = str(tmp_path)
    with contextlib.ExitStack() as stack:
        stack.callback(lambda: [p.stop() for p in reversed(started)])
        store_url = stack.enter_context(stores.postgresql_schema())
        port = free_port()
        simulator = Process('simulator', write_ini(
            os.path.join(folder, 'simulator.ini'), {
                'simulator.database_url': 'sqlite:///%s' % os.path.join(
                    folder, 'simulator.sqlite'),
                'simulator.delays': 'instant',
            }, port, base=os.path.join(ROOT, 'simulator.ini')), port, folder)
        started.append(simulator)
        simulator.wait_ready('/identity/v2.0')
        servers = []
        for name in ('occi-a', 'occi-b'):
            port = free_port()
            servers.append(Process(name, write_ini(
                os.path.join(folder, name + '.ini'), {
                    'use': 'egg:occi_pyramid',
                    'occi.synnefo.auth_url': simulator.url + '/identity/v2.0',
                    'occi.synnefo.cache_ttl': '0',
                    'occi.store.url': store_url,
                }, port), port, folder))
        # NB: both start at once, so both migrate the empty schema at once
        started.extend(servers)
        for server in servers:
            server.wait_ready('/')
        yield servers


def call(server, method, path, body='', token=ALICE, accept='text/plain'):
    result = server.client.call(
        method, path, body=body.encode('utf-8'), token=token,
        headers={'Content-Type': 'text/plain', 'Accept': accept})
    text = result.raw.decode('utf-8')
    assert result.status < 400, (method, path, result.status, text)
    return result.status, result.headers, text


def test_two_processes_share_one_postgresql_store(processes):
    one, two = processes
    status, _, text = call(one, 'POST', '/-/', DEFINITION)
    assert status == 200 and 'location="/shared/"' in text
    _, _, text = call(two, 'GET', '/-/')
    assert DEFINITION in text.splitlines()
    # the other user does not see it on either server
    for server in processes:
        _, _, text = call(server, 'GET', '/-/', token=BOB)
        assert TAGS not in text
    # an entity created on one, tagged through the other
    status, headers, _ = call(two, 'POST', '/compute/', '\n'.join(
        [COMPUTE, OS_TPL, RESOURCE_TPL]))
    assert status == 201
    path = '/compute/' + headers['location'].rsplit('/', 1)[1]
    call(one, 'POST', '/shared/', 'X-OCCI-Location: %s%s' % (one.url, path))
    _, _, text = call(two, 'GET', path)
    assert 'Category: shared; scheme="%s"' % TAGS in text
    _, _, text = call(two, 'GET', '/shared/', accept='text/uri-list')
    assert text.split() == [two.url + path]
    # removed through the second, gone from the first
    call(two, 'DELETE', '/-/', 'Category: shared; scheme="%s"; '
                               'class="mixin"' % TAGS)
    _, _, text = call(one, 'GET', '/-/')
    assert TAGS not in text
