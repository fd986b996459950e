"""End-to-end helpers: real waitress servers on free loopback ports, a
plain ``http.client`` caller, and ``pserve`` run as a user would run it.

Every wait is bounded and every server or process a fixture starts is
stopped when the test ends.
"""
import configparser
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
ALICE = 'alice-token'
BOB = 'bob-token'
INFRA = 'http://schemas.ogf.org/occi/infrastructure#'
OS_SCHEME = 'http://schemas.synnefo.org/occi/templates/os#'
RES_SCHEME = 'http://schemas.synnefo.org/occi/templates/resource#'
DEBIAN = 'image-d3b1a000-0000-4000-8000-000000000001'
SMALL = 'flavor-1'

#: a compute create in text/plain (templates named, no attributes)
CREATE_BODY = '\r\n'.join([
    'Category: compute; scheme="%s"; class="kind"' % INFRA,
    'Category: %s; scheme="%s"; class="mixin"' % (DEBIAN, OS_SCHEME),
    'Category: %s; scheme="%s"; class="mixin"' % (SMALL, RES_SCHEME),
    'X-OCCI-Attribute: occi.core.title="e2e"',
]) + '\r\n'


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers          # an http.client.HTTPMessage
        self.body = body
        self.text = body.decode('utf-8', 'replace')

    def json(self):
        return json.loads(self.text)

    def __repr__(self):
        return '<Response %d %r>' % (self.status, self.text[:200])


def call(port, method, path, headers=None, body=None, timeout=30):
    """One request on a fresh connection to 127.0.0.1:``port``."""
    connection = http.client.HTTPConnection('127.0.0.1', port,
                                            timeout=timeout)
    try:
        if isinstance(body, str):
            body = body.encode('utf-8')
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        connection.close()


def create_compute(port, prefix='', headers=None):
    """POST a compute under ``prefix``; the response (201 expected)."""
    sent = {'X-Auth-Token': ALICE, 'Content-Type': 'text/plain'}
    sent.update(headers or {})
    return call(port, 'POST', prefix + '/compute/', sent, CREATE_BODY)


class Server:
    """A WSGI app served by waitress in a daemon thread.

    :param adjustments: waitress options (``trusted_proxy`` ...).
    """

    def __init__(self, app, **adjustments):
        from waitress.server import create_server

        from occi_pyramid.server import patch_waitress

        patch_waitress()    # as egg:occi_pyramid#waitress serves

        adjustments.setdefault('threads', 4)
        self.server = create_server(app, host='127.0.0.1', port=0,
                                    **adjustments)
        self.port = int(self.server.effective_port)
        self.url = 'http://127.0.0.1:%d' % self.port
        self.thread = threading.Thread(target=self.server.run,
                                       name='e2e-waitress', daemon=True)
        self.thread.start()

    def stop(self, timeout=10):
        from occi_pyramid.simulator.embedded import stop_waitress

        server, self.server = self.server, None
        if server is not None:
            stop_waitress(server, self.thread, timeout)


@pytest.fixture
def serve():
    """``serve(app, **adjustments)`` -> a running :class:`Server`."""
    started = []

    def start(app, **adjustments):
        server = Server(app, **adjustments)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def ini_copy(tmp_path, name, replace=()):
    """Copy ``name`` from the repository into ``tmp_path`` (so
    ``%(here)s`` is the temporary folder), with ``(old, new)`` line
    replacements; returns the new path."""
    with open(os.path.join(ROOT, name), encoding='utf-8') as f:
        text = f.read()
    for old, new in replace:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding='utf-8')
    return str(path)


def server_options(ini_path, section='server:main'):
    """A server section's options, uninterpolated (strings)."""
    parser = configparser.RawConfigParser()
    parser.read(ini_path)
    return dict(parser.items(section))


def proxy_options(ini_path):
    """The trusted-proxy options of an ini's waitress section."""
    return {key: value for key, value in server_options(ini_path).items()
            if key.startswith(('trusted_proxy', 'clear_untrusted'))}


def wait_for_port(port, process=None, timeout=60):
    """Wait until something accepts on ``port``; fail after ``timeout``
    seconds or when ``process`` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError('the server exited with %s' %
                                 process.returncode)
        try:
            with socket.create_connection(('127.0.0.1', port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError('nothing listens on %d after %ss' % (port, timeout))


def pserve_command():
    script = os.path.join(os.path.dirname(sys.executable), 'pserve')
    if os.path.exists(script):
        return [script]
    return [sys.executable, '-m', 'pyramid.scripts.pserve']  # pragma: no cover


class PServe:
    """``pserve <ini> <var=value>...`` in a subprocess; stderr to a file."""

    def __init__(self, ini_path, log_path, *variables):
        self.log_path = log_path
        self._log = open(log_path, 'wb')
        env = dict(os.environ, PYTHONUNBUFFERED='1')
        self.process = subprocess.Popen(
            pserve_command() + [ini_path] + list(variables),
            stdout=self._log, stderr=subprocess.STDOUT, cwd=str(
                os.path.dirname(ini_path)), env=env)

    def stop(self, timeout=15):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:  # pragma: no cover
                self.process.kill()
                self.process.wait(timeout)
        self._log.close()

    def output(self):
        with open(self.log_path, encoding='utf-8', errors='replace') as f:
            return f.read()


@pytest.fixture
def pserve():
    """``pserve(ini_path, log_path, 'http_port=N')`` -> :class:`PServe`."""
    started = []

    def start(ini_path, log_path, *variables):
        process = PServe(ini_path, log_path, *variables)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def simulator():
    """A Synnefo simulator on a real loopback port (instant jobs)."""
    from occi_pyramid.simulator.embedded import start_simulator

    running = start_simulator({
        'simulator.database_url': 'sqlite://',
        'simulator.delays': 'instant',
    })
    yield running
    running.stop()
