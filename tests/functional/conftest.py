"""Functional fixtures: the OCCI app (WebTest) on the embedded simulator.

Two clouds run per test session: one whose jobs complete at once
(``instant``) and one whose clock the tests drive (``manual``), for states
such as BUILD.  Each test starts from the seed (the simulator is reset).
"""
import json
import time
import weakref

import pytest

from occi_pyramid.parsers import parse_request
from tests.conftest import make_testapp
from tests.functional import stores

ALICE = 'alice-token'
BOB = 'bob-token'
INFRA = 'http://schemas.ogf.org/occi/infrastructure#'
COMPUTE = INFRA + 'compute'
ACTIONS = 'http://schemas.ogf.org/occi/infrastructure/compute/action#'
OS_SCHEME = 'http://schemas.synnefo.org/occi/templates/os#'
RES_SCHEME = 'http://schemas.synnefo.org/occi/templates/resource#'
DEBIAN = 'image-d3b1a000-0000-4000-8000-000000000001'
UBUNTU = 'image-d3b1a000-0000-4000-8000-000000000002'
SMALL = 'flavor-1'   # 1 core, 1 GiB, 20 GB
MEDIUM = 'flavor-2'  # 2 cores, 2 GiB, 20 GB

FORMATS = ['text/plain', 'text/occi', 'application/occi+json']
#: seconds a test waits for the deferred-work worker (it looks again
#: every 0.5 s)
WAIT = 30
HOST = 'http://occi.example.org'


def _simulator_of(settings):
    from occi_pyramid.backends.synnefo import embedded_simulator
    from occi_pyramid.settings import coerce_settings
    from occi_pyramid.simulator.testing import ControlClient

    return ControlClient(embedded_simulator(coerce_settings(settings)).url)


class Cloud:
    """A WebTest app plus the control client of its simulator."""

    def __init__(self, settings):
        self.settings = settings
        self.app = make_testapp(settings)
        self.control = _simulator_of(settings)
        _clouds.add(self)

    def reset(self):
        """The simulator from its seed, and no deferred work in any app
        (their workers stopped: the cloud's ids start over, and apps may
        share a simulator)."""
        from sqlalchemy.exc import DBAPIError

        for cloud in list(_clouds):
            try:
                forget_deferred_work(cloud.app.app.registry)
            except DBAPIError:
                # NB: an app of a finished module, its database dropped
                _clouds.discard(cloud)
        self.control.reset()

    def drain(self, wait=30):
        """Wait until the deferred work of this app is done (the worker
        polls every ``occi.pending.poll`` seconds); fail after ``wait``
        seconds."""
        from sqlalchemy import select

        from occi_pyramid.store.models import PendingLink

        engine = stores.mixin_store(self.app.app.registry).engine

        def left():
            with engine.connect() as connection:
                return connection.execute(
                    select(PendingLink.operation, PendingLink.source,
                           PendingLink.message)
                    .where(PendingLink.state == 'pending')).all()

        until(lambda: not left(), wait=wait,
              why=lambda: 'deferred work left: %s' % left())


#: every app of the tests, whose deferred work a reset drops
_clouds = weakref.WeakSet()


def forget_deferred_work(registry):
    """Stop the application's deferred-work worker and drop its rows (a
    simulator reset starts the cloud's ids over, which a real cloud never
    does)."""
    from occi_pyramid.store.models import PendingLink
    from occi_pyramid.wrappers.deferred import deferred_work

    work = deferred_work(registry)
    if work is not None:
        work.stop()
        with work.store.engine.begin() as connection:
            connection.execute(PendingLink.__table__.delete())


def until(check, cloud=None, wait=WAIT, why=None):
    """Poll ``check()`` until it returns a true value (settling the
    cloud's jobs each time when ``cloud`` is given); fail after ``wait``
    seconds, saying ``why()`` when given.  A bounded wait on a condition
    that a worker thread or process makes true in its own time."""
    deadline = time.monotonic() + wait
    while True:
        if cloud is not None:
            cloud.control.settle()
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, 'gave up after %s s%s' % (
            wait, ': ' + why() if why is not None else '')
        time.sleep(0.1)


@pytest.fixture(scope='session', autouse=True)
def no_pending_worker_left():
    """Every pending links' worker stops when the tests end."""
    from occi_pyramid.wrappers.deferred import stop_all

    yield
    stop_all()


@pytest.fixture(scope='session')
def instant_cloud(app_settings):
    return Cloud(dict(app_settings))


@pytest.fixture(scope='session')
def manual_cloud(app_settings):
    # NB: occi.pending.poll keeps its default (0.5 s): the worker looks
    # again that often at what it waits for, whatever the number of tries
    return Cloud(dict(app_settings, **{'occi.simulator.delays': 'manual'}))


@pytest.fixture
def cloud(instant_cloud):
    instant_cloud.reset()
    return instant_cloud


@pytest.fixture
def slow_cloud(manual_cloud):
    manual_cloud.reset()
    return manual_cloud


# -- request builders and response readers, per rendering ---------------------

def category(term, scheme, cls):
    return '%s; scheme="%s"; class="%s"' % (term, scheme, cls)


def _quote(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (int, float)):
        return repr(value)
    return '"%s"' % str(value).replace('\\', '\\\\').replace('"', '\\"')


def entity_request(fmt, kind=COMPUTE, mixins=(), attributes=None,
                   links=()):
    """``(headers, body)`` of an entity in ``fmt``.

    ``kind`` and ``mixins`` are type ids; ``links`` are dicts with
    ``target``, ``rel``, ``category`` and ``attributes``.
    """
    attributes = attributes or {}
    if fmt == 'application/occi+json':
        document = {'kind': kind, 'mixins': list(mixins),
                    'attributes': attributes}
        if links:
            document['links'] = [{
                'kind': link['category'],
                'target': {'location': link['target'],
                           'kind': link['rel']},
                'attributes': link.get('attributes', {}),
            } for link in links]
        if not kind:
            del document['kind']
        return {'Content-Type': fmt}, json.dumps(document)
    categories = []
    for type_id, cls in ([(kind, 'kind')] if kind else []) + [
            (m, 'mixin') for m in mixins]:
        scheme, term = type_id.split('#')
        categories.append(category(term, scheme + '#', cls))
    attrs = ['%s=%s' % (k, _quote(v)) for k, v in attributes.items()]
    link_lines = ['<%s>; rel="%s"; category="%s"%s' % (
        link['target'], link['rel'], link['category'], ''.join(
            '; %s=%s' % (k, _quote(v))
            for k, v in link.get('attributes', {}).items()))
        for link in links]
    if fmt == 'text/occi':
        headers = {'Content-Type': fmt}
        if categories:
            headers['Category'] = ', '.join(categories)
        if attrs:
            headers['X-OCCI-Attribute'] = ', '.join(attrs)
        if link_lines:
            headers['Link'] = ', '.join(link_lines)
        return headers, ''
    lines = ['Category: ' + c for c in categories]
    lines += ['Link: ' + line for line in link_lines]
    lines += ['X-OCCI-Attribute: ' + a for a in attrs]
    return {'Content-Type': fmt}, '\r\n'.join(lines) + '\r\n'


def action_request(fmt, action_id, attributes=None):
    attributes = attributes or {}
    if fmt == 'application/occi+json':
        return {'Content-Type': fmt}, json.dumps(
            {'action': action_id, 'attributes': attributes})
    scheme, term = action_id.split('#')
    cat = category(term, scheme + '#', 'action')
    attrs = ['%s=%s' % (k, _quote(v)) for k, v in attributes.items()]
    if fmt == 'text/occi':
        headers = {'Content-Type': fmt, 'Category': cat}
        if attrs:
            headers['X-OCCI-Attribute'] = ', '.join(attrs)
        return headers, ''
    return {'Content-Type': fmt}, '\n'.join(
        ['Category: ' + cat] + ['X-OCCI-Attribute: ' + a for a in attrs])


def read(res):
    """A response in any rendering, as the parser's cstruct (for JSON:
    the parsed document under ``json`` as well)."""
    content_type = res.content_type
    if content_type in ('application/occi+json', 'application/json'):
        document = json.loads(res.text)
        result = parse_request('application/occi+json', res.body, {}) \
            if isinstance(document, dict) else {'locations': document}
        result['json'] = document
        return result
    if content_type == 'text/uri-list':
        return {'locations': [line for line in res.text.splitlines()
                              if line and not line.startswith('#')]}
    if content_type == 'text/occi':
        return parse_request('text/occi', b'', res.headers)
    return parse_request('text/plain', res.body, {})


class OCCI:
    """A user's view of the OCCI app: ``get/post/put/delete`` in a format.
    """

    def __init__(self, cloud, token=ALICE):
        self.cloud = cloud
        self.app = cloud.app
        self.token = token

    def headers(self, fmt=None, extra=None):
        headers = {'X-Auth-Token': self.token}
        if fmt:
            headers['Accept'] = fmt
        headers.update(extra or {})
        return headers

    def get(self, path, fmt='text/plain', status=200, headers=None):
        return self.app.get(path, headers=self.headers(fmt, headers),
                            status=status)

    def post(self, path, request, fmt='text/plain', status=200):
        headers, body = request
        return self.app.post(path, body, headers=self.headers(fmt, headers),
                             status=status)

    def put(self, path, request, fmt='text/plain', status=200):
        headers, body = request
        return self.app.put(path, body, headers=self.headers(fmt, headers),
                            status=status)

    def delete(self, path, fmt='text/plain', status=200, request=None):
        headers, body = request or ({}, '')
        return self.app.delete(path, body, headers=self.headers(
            fmt, headers), status=status)

    def create_compute(self, fmt='text/plain', image=DEBIAN, flavor=SMALL,
                       title='vm', attributes=None, links=(), status=201):
        attrs = {'occi.core.title': title}
        attrs.update(attributes or {})
        mixins = []
        if image:
            mixins.append(OS_SCHEME + image)
        if flavor:
            mixins.append(RES_SCHEME + flavor)
        res = self.post('/compute/', entity_request(
            fmt, COMPUTE, mixins, attrs, links), fmt, status=status)
        if status != 201:
            return res
        return res.headers['Location'][len(HOST):]

    def attributes(self, path, fmt='text/plain'):
        return read(self.get(path, fmt))['attributes']


@pytest.fixture
def alice(cloud):
    return OCCI(cloud, ALICE)


@pytest.fixture
def bob(cloud):
    return OCCI(cloud, BOB)


@pytest.fixture
def slow_alice(slow_cloud):
    return OCCI(slow_cloud, ALICE)
