"""Helpers for tests that need a Synnefo simulator over real HTTP.

Typical use::

    from occi_pyramid.simulator.testing import ALICE, running_simulator

    with running_simulator(delays='instant') as sim:
        client = sim.client
        status, body = client.call('GET', '/compute/v2.0/servers',
                                   token=ALICE)[:2]
        sim.control.settle()
        log = sim.control.requests()

``running_simulator`` defaults to an in-memory database, ``manual``
delays (nothing completes until ``control.settle()`` or
``control.advance(s)``) and the control API enabled. Only the standard
library is used on the client side.
"""
import contextlib
import http.client
import json
import urllib.parse

from .embedded import start_simulator

#: seed tokens (see occi_pyramid/simulator/seed.json)
ALICE = 'alice-token'
BOB = 'bob-token'
CAROL = 'carol-token'
ALICE_UUID = '0f4b6c1e-3a5d-4e7b-9c2a-a11ce0000001'
ALICE_PROJECT = '8e1f2d3c-4b5a-4c6d-8e7f-a11ce00000f1'
BOB_UUID = '0f4b6c1e-3a5d-4e7b-9c2a-b0b000000002'
BOB_PROJECT = '8e1f2d3c-4b5a-4c6d-8e7f-b0b0000000f2'
CAROL_UUID = '0f4b6c1e-3a5d-4e7b-9c2a-ca4010000003'
DEBIAN_IMAGE = 'd3b1a000-0000-4000-8000-000000000001'
UBUNTU_IMAGE = 'd3b1a000-0000-4000-8000-000000000002'
ALICE_IMAGE = 'd3b1a000-0000-4000-8000-000000000003'
PUBLIC_NETWORK = '1'

DEFAULT_SETTINGS = {
    'simulator.database_url': 'sqlite://',
    'simulator.delays': 'manual',
    'simulator.control_api': 'true',
}


class Result(tuple):
    """``(status, json_or_None, headers, raw_body)`` of one call.

    ``headers`` is a dict with lower-case names.
    """

    __slots__ = ()

    def __new__(cls, status, body, headers, raw):
        return super().__new__(cls, (status, body, headers, raw))

    status = property(lambda self: self[0])
    json = property(lambda self: self[1])
    headers = property(lambda self: self[2])
    raw = property(lambda self: self[3])


class Client:
    """A tiny HTTP client for the simulator (one connection per call).

    :param url: the simulator's base URL.
    """

    def __init__(self, url):
        parsed = urllib.parse.urlsplit(url)
        self.host = parsed.hostname
        self.port = parsed.port

    def call(self, method, path, json_body=None, token=None, headers=None,
             body=None, timeout=30):
        """Send one request; returns a :class:`Result`.

        :param json_body: serialised with ``Content-Type:
            application/json`` unless ``body`` is given.
        :param token: sent as ``X-Auth-Token``.
        """
        sent = dict(headers or {})
        if token is not None:
            sent['X-Auth-Token'] = token
        if body is None and json_body is not None:
            body = json.dumps(json_body).encode('utf-8')
            sent.setdefault('Content-Type', 'application/json')
        if isinstance(body, str):
            body = body.encode('utf-8')
        connection = http.client.HTTPConnection(self.host, self.port,
                                                timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            raw = response.read()
            received = {k.lower(): v for k, v in response.getheaders()}
        finally:
            connection.close()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return Result(response.status, parsed, received, raw)


class ControlClient(Client):
    """Client of the ``/_sim/`` control API (needs ``control_api``)."""

    def _control(self, method, path, body=None):
        result = self.call(method, '/_sim/' + path, json_body=body)
        if result.status >= 400:
            raise AssertionError('control %s %s failed: %s %r'
                                 % (method, path, result.status, result.raw))
        return result.json

    def settle(self):
        """Complete every pending job; returns the number applied."""
        return self._control('POST', 'settle')['applied']

    def advance(self, seconds):
        """Move the virtual clock by ``seconds`` and apply due jobs."""
        return self._control('POST', 'advance', {'seconds': seconds})

    def clock(self):
        return self._control('GET', 'clock')

    def fail_next(self, job):
        """Make the next ``job`` (build, start, stop, reboot, resize,
        delete, connect, disconnect, attach, detach, volume_delete)
        fail."""
        return self._control('POST', 'fail-next', {'job': job})

    def requests(self):
        """The logged Synnefo requests, oldest first. Each is a dict with
        method, path, query, body, json, token, headers and status."""
        return self._control('GET', 'requests')['requests']

    def clear_requests(self):
        self._control('DELETE', 'requests')

    def reset(self):
        """Wipe every record and reload the seed."""
        return self._control('POST', 'reset')

    def set_quota(self, user, limits, project=None):
        """Set limits, e.g. ``set_quota(ALICE, {'cyclades.vm': 1})``.

        :param user: a uuid, token or name.
        :param project: default the user's system project.
        """
        body = {'user': user, 'limits': limits}
        if project is not None:
            body['project'] = project
        return self._control('PUT', 'quotas', body)

    def create_network(self, **fields):
        """An administrator's network (e.g. a private floating IP pool);
        returns its id."""
        return self._control('POST', 'networks', fields)['network']['id']


@contextlib.contextmanager
def running_simulator(**overrides):
    """Start a simulator on a free loopback port for the ``with`` block.

    Keyword names may omit the ``simulator.`` prefix
    (``running_simulator(delays='instant', database_url=...)``).
    The yielded :class:`~.embedded.RunningSimulator` also has
    ``.client`` (:class:`Client`) and ``.control``
    (:class:`ControlClient`).
    """
    settings = dict(DEFAULT_SETTINGS)
    for key, value in overrides.items():
        if not key.startswith('simulator.'):
            key = 'simulator.' + key
        settings[key] = value
    running = start_simulator(settings)
    running.client = Client(running.url)
    running.control = ControlClient(running.url)
    try:
        yield running
    finally:
        running.stop()
