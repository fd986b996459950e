"""Deferred work over real HTTP: OCCI server processes (pserve, waitress)
in front of the standalone simulator with a clock the test drives
(``manual`` delays).  A link to a building compute is 201 at once and
made once the compute is built, and deletes the cloud refuses for now
are 200 at once and finished by the server; the same across a restart of
the OCCI process (the intent is in its SQLite store); and two processes
on one PostgreSQL carry each out exactly once."""
import contextlib
import itertools
import os
import time

from occi_pyramid.simulator.testing import ControlClient
from tests.conftest import ROOT
from tests.functional import stores
from tests.functional.conftest import until
from tests.functional.test_store_processes import (
    COMPUTE, OS_TPL, RESOURCE_TPL, Process, call, free_port, write_ini,
)

STORAGE = ('Category: storage; scheme="http://schemas.ogf.org/occi/'
           'infrastructure#"; class="kind"')
STORAGELINK = ('Category: storagelink; scheme="http://schemas.ogf.org/occi/'
               'infrastructure#"; class="kind"')
#: seconds a test waits for a worker
WAIT = 60
ATTACH = '/os-volume_attachments'
NETWORK = '\n'.join([
    'Category: network; scheme="http://schemas.ogf.org/occi/'
    'infrastructure#"; class="kind"',
    'Category: ipnetwork; scheme="http://schemas.ogf.org/occi/'
    'infrastructure/network#"; class="mixin"',
    'X-OCCI-Attribute: occi.network.address="10.5.0.0/24"'])
NETWORKINTERFACE = ('Category: networkinterface; scheme="http://schemas.'
                    'ogf.org/occi/infrastructure#"; class="kind"')


class Deployment:
    """The simulator and OCCI processes started in one folder."""

    def __init__(self, folder, store_url):
        self.folder = folder
        self.store_url = store_url
        self.started = []
        port = free_port()
        self.simulator = self.start(Process('simulator', write_ini(
            os.path.join(folder, 'simulator.ini'), {
                'simulator.database_url': 'sqlite:///%s' % os.path.join(
                    folder, 'simulator.sqlite'),
                'simulator.delays': 'manual',
                'simulator.control_api': 'true',
            }, port, base=os.path.join(ROOT, 'simulator.ini')), port,
            folder))
        self.simulator.wait_ready('/identity/v2.0')
        self.control = ControlClient(self.simulator.url)

    def start(self, process):
        self.started.append(process)
        return process

    def occi(self, name, port=None):
        """An OCCI server process (on ``port``, e.g. the one of a server
        that was stopped)."""
        port = port or free_port()
        return self.start(Process(name, write_ini(
            os.path.join(self.folder, name + '.ini'), {
                'use': 'egg:occi_pyramid',
                'occi.synnefo.auth_url': self.simulator.url
                + '/identity/v2.0',
                'occi.synnefo.cache_ttl': '0',
                'occi.store.url': self.store_url,
                'occi.pending.retry_max': '0.3',
                # NB: a process stopped with SIGTERM leaves the link it
                # was trying claimed until its lease runs out
                'occi.pending.lease': '3',
            }, port), port, self.folder))

    def stop(self):
        for process in reversed(self.started):
            process.stop()

    def attaches(self):
        """The volume attachments the cloud was asked for."""
        return [r for r in self.control.requests()
                if r['method'] == 'POST' and r['path'].endswith(ATTACH)]

    def port_creates(self):
        """The ports the cloud was asked for."""
        return [r for r in self.control.requests()
                if r['method'] == 'POST' and r['path'].endswith('/ports')]


@contextlib.contextmanager
def deployment(folder, store_url):
    made = Deployment(str(folder), store_url)
    try:
        yield made
    finally:
        made.stop()


def location_of(headers):
    return '/' + headers['location'].split('/', 3)[3]


def attribute(server, path, name):
    _, _, text = call(server, 'GET', path)
    for line in text.splitlines():
        if line.startswith('X-OCCI-Attribute: %s=' % name):
            return line.split('=', 1)[1].strip('"')
    return None


@contextlib.contextmanager
def on_sqlite(tmp_path):
    """The cloud and one OCCI server, ready, on an SQLite store file."""
    with deployment(tmp_path, 'sqlite:///%s' % (
            tmp_path / 'store.sqlite')) as cloud:
        occi = cloud.occi('occi')
        occi.wait_ready('/')
        yield cloud, occi


def building_compute_and_storage(server):
    _, headers, _ = call(server, 'POST', '/compute/', '\n'.join(
        [COMPUTE, OS_TPL, RESOURCE_TPL]))
    compute = location_of(headers)
    _, headers, _ = call(server, 'POST', '/storage/', '\n'.join([
        STORAGE, 'X-OCCI-Attribute: occi.storage.size=1']))
    return compute, location_of(headers)


def link(server, compute, storage, kind=STORAGELINK):
    status, headers, _ = call(server, 'POST', '/%s/' % (
        'storagelink' if kind == STORAGELINK else 'networkinterface'),
        '\n'.join([kind,
        'X-OCCI-Attribute: occi.core.source="%s"' % compute,
        'X-OCCI-Attribute: occi.core.target="%s"' % storage]))
    assert status == 201
    return location_of(headers)


def made(deployment, servers, path, wait=WAIT, state='active'):
    """Advance the clock until ``path`` is a link in ``state`` (asking
    each of ``servers`` in turn); fail after ``wait`` seconds."""
    name = 'occi.%s.state' % path.split('/')[1]
    until_true(deployment, servers,
               lambda server: attribute(server, path, name) == state, wait)


def until_true(cloud, servers, check, wait=WAIT):
    """Settle the cloud and ask each of ``servers`` in turn (their worker
    needs the owner's token) until ``check(server)``; fail after
    ``wait`` seconds, with the servers' output."""
    turns = itertools.cycle(servers)
    until(lambda: check(next(turns)), cloud, wait,
          why=lambda: '\n'.join(s.output() for s in servers))


def test_a_link_to_a_building_compute_is_made_once_it_is_built(tmp_path):
    with on_sqlite(tmp_path) as (cloud, occi):
        compute, storage = building_compute_and_storage(occi)
        path = link(occi, compute, storage)
        assert path.startswith('/storagelink/pending-')
        assert attribute(occi, path, 'occi.storagelink.state') == 'inactive'
        assert cloud.attaches() == []
        made(cloud, [occi], path)
        assert len(cloud.attaches()) == 1


def test_a_pending_link_survives_a_restart(tmp_path):
    with on_sqlite(tmp_path) as (cloud, occi):
        compute, storage = building_compute_and_storage(occi)
        path = link(occi, compute, storage)
        occi.stop()
        cloud.control.settle()   # built while no OCCI server runs
        assert cloud.attaches() == []
        again = cloud.occi('occi-again', port=occi.port)
        again.wait_ready('/')
        # the intent is still there, waiting for its owner's token
        assert attribute(again, path, 'occi.storagelink.state') in (
            'inactive', 'active')
        made(cloud, [again], path)
        assert len(cloud.attaches()) == 1


@contextlib.contextmanager
def two_on_postgresql(tmp_path):
    """The cloud and two OCCI servers, ready, on one PostgreSQL store."""
    stores.require_postgresql()
    with stores.postgresql_schema() as url, deployment(tmp_path,
                                                       url) as cloud:
        one, two = cloud.occi('occi-a'), cloud.occi('occi-b')
        one.wait_ready('/')
        two.wait_ready('/')
        yield cloud, one, two


def test_two_processes_on_one_postgresql_make_a_link_once(tmp_path):
    with two_on_postgresql(tmp_path) as (cloud, one, two):
        compute, storage = building_compute_and_storage(one)
        _, headers, _ = call(one, 'POST', '/network/', NETWORK)
        network = location_of(headers)
        path = link(one, compute, storage)
        nic = link(one, compute, network, NETWORKINTERFACE)
        # both hold the owner's token, so both workers try the links
        assert attribute(two, path, 'occi.storagelink.state') == 'inactive'
        time.sleep(1)   # both retry against the busy compute meanwhile
        made(cloud, [one, two], path)
        made(cloud, [two, one], nic)
        for _ in range(10):   # more rounds of both workers: nothing more
            cloud.control.settle()
            call(one, 'GET', path)
            call(two, 'GET', nic)
            time.sleep(0.1)
        assert len(cloud.attaches()) == 1
        assert len(cloud.port_creates()) == 1


def test_over_http_a_compute_in_error_fails_its_link_and_delete_cancels(
        tmp_path):
    with on_sqlite(tmp_path) as (cloud, occi):
        cloud.control.fail_next('build')
        failing, storage = building_compute_and_storage(occi)
        doomed = link(occi, failing, storage)
        compute, other = building_compute_and_storage(occi)
        cancelled = link(occi, compute, other)
        call(occi, 'DELETE', cancelled)
        result = occi.client.call('GET', cancelled, token='alice-token')
        assert result.status == 404
        made(cloud, [occi], doomed, state='error')
        assert 'error' in attribute(occi, doomed,
                                    'occi.storagelink.state.message')
        for _ in range(10):   # the worker had every chance to make it
            cloud.control.settle()
            time.sleep(0.1)
        assert cloud.attaches() == []
        call(occi, 'DELETE', doomed)


# -- deferred deletes ---------------------------------------------------------

def compute_with_storage(cloud, server):
    """A built compute with a storage of its own linked to it."""
    compute, storage = building_compute_and_storage(server)
    cloud.control.settle()
    path = link(server, compute, storage)
    assert not path.startswith('/storagelink/pending-')
    cloud.control.settle()
    return compute, storage


def waiting(store_url):
    """The deferred work left in the store of ``store_url``."""
    from sqlalchemy import create_engine, func, select

    from occi_pyramid.store.models import PendingLink

    engine = create_engine(store_url.replace(
        'postgresql://', 'postgresql+psycopg2://', 1))
    try:
        with engine.connect() as connection:
            return connection.execute(
                select(func.count()).select_from(PendingLink)
                .where(PendingLink.state == 'pending')).scalar()
    finally:
        engine.dispose()


def succeeded(cloud, method, suffix):
    """The calls of the cloud that did ``method`` on a path ending in
    ``suffix`` (the refused ones left out)."""
    return [r for r in cloud.control.requests()
            if r['method'] == method and r['path'].endswith(suffix)
            and r['status'] < 300]


def volume_of(cloud, storage):
    return cloud.control.call('GET', '/volume/v2.0/volumes/%s' % (
        storage.rsplit('/', 1)[1]), token='alice-token')[1]['volume']


def test_a_deferred_delete_survives_a_restart(tmp_path):
    with on_sqlite(tmp_path) as (cloud, occi):
        compute, storage = compute_with_storage(cloud, occi)
        server_id = compute.rsplit('/', 1)[1]
        assert call(occi, 'DELETE', compute)[0] == 200
        occi.stop()
        cloud.control.settle()   # the detach done while no server runs
        again = cloud.occi('occi-again', port=occi.port)
        again.wait_ready('/')
        result = again.client.call('GET', compute, token='alice-token')
        assert result.status == 404   # still being deleted, for OCCI
        until_true(cloud, [again], lambda server: call(
            server, 'GET', '/compute/') and succeeded(
            cloud, 'DELETE', '/servers/%s' % server_id))
        until_true(cloud, [again], lambda server: volume_of(cloud, storage)[
            'status'] == 'available')
        record = volume_of(cloud, storage)
        assert not record['deleted'] and record['attachments'] == []
        assert len(succeeded(cloud, 'DELETE', '/servers/%s' % server_id)) \
            == 1


def test_two_processes_on_one_postgresql_finish_deletes_once(tmp_path):
    with two_on_postgresql(tmp_path) as (cloud, one, two):
        _, headers, _ = call(one, 'POST', '/network/', NETWORK)
        network = location_of(headers)
        compute, storage = compute_with_storage(cloud, one)
        link(one, compute, network, NETWORKINTERFACE)
        cloud.control.settle()
        server_id = compute.rsplit('/', 1)[1]
        volume_id = storage.rsplit('/', 1)[1]
        network_id = network.rsplit('/', 1)[1]
        for path in (compute, storage, network):
            assert call(one, 'DELETE', path)[0] == 200
        # both hold the owner's token, so both workers carry the deletes
        for path in (compute, storage, network):
            result = two.client.call('GET', path, token='alice-token')
            assert result.status == 404
        # every deferred row gone: both workers are done with them, so a
        # second carrying out would be in the cloud's log by now
        until_true(cloud, [one, two], lambda server: call(
            server, 'GET', '/compute/') and not waiting(cloud.store_url))
        assert volume_of(cloud, storage)['deleted']
        assert len(succeeded(cloud, 'DELETE', '/servers/%s' % server_id)) \
            == 1
        assert len(succeeded(cloud, 'DELETE', '/os-volume_attachments/%s'
                             % volume_id)) == 1
        assert len(succeeded(cloud, 'DELETE', '/volumes/%s' % volume_id)) \
            == 1
        assert len(succeeded(cloud, 'DELETE', '/networks/%s'
                             % network_id)) == 1
