"""The in-memory backend: a whole cloud in the memory of one process.

It serves the tests that are not about Synnefo (the views run on it
without a socket), a first look at the server (``pserve memory.ini``),
and a second backend's author, who copies it: it is the contract of
docs/backends.md and nothing more, and it passes the contract suite
(:mod:`occi_pyramid.backends.testing`).

Select it with ``occi.backend = occi_pyramid.backends.memory``; its
settings:

``occi.memory.tokens``
    the users and their tokens, ``user:token`` pairs separated by spaces
    (default ``alice:alice-token bob:bob-token``); any other token is
    refused (401).
``occi.memory.manual``
    ``false`` (the default): the cloud does what it is asked at once.
    ``true``: a compute is built, and runs an action, only when
    :meth:`MemoryCloud.settle` is called (tests hold a compute busy so).

Each :func:`load_from_config` makes a new, empty cloud; it lives as long
as the process.  One lock keeps it whole under waitress's threads.
"""
import ipaddress
import threading
import uuid
from urllib.parse import urlsplit

from zope.interface import implementer

from .. import model
from ..categories import CategoryRegistry
from ..exceptions import (
    BackendAuthError, OCCIBadRequest, OCCIBusy, OCCIConflict, OCCIError,
    OCCINotFound, OCCINotImplemented,
)
from ..interfaces import IBackend, IOCCISession
from ..locations import parse_entity_location
from ..model import ActionResult, AttributeDef, Mixin, attribute_map
from ..settings import asbool

OS_SCHEME = 'http://schemas.example.org/occi/memory/os#'
SIZE_SCHEME = 'http://schemas.example.org/occi/memory/resource#'
DEFAULT_TOKENS = 'alice:alice-token bob:bob-token'


def os_template(term, title):
    return Mixin(OS_SCHEME, term, title, depends=[model.OS_TPL],
                 applies=[model.COMPUTE],
                 location='%s%s/' % (model.OS_TPL.location, term))


def size_template(term, cores, memory):
    return Mixin(
        SIZE_SCHEME, term, '%d core(s) with %g GiB memory' % (cores, memory),
        depends=[model.RESOURCE_TPL], applies=[model.COMPUTE],
        location='%s%s/' % (model.RESOURCE_TPL.location, term),
        attributes=attribute_map(
            AttributeDef('occi.compute.cores', 'integer', default=cores),
            AttributeDef('occi.compute.memory', 'float', default=memory)))


#: the templates every user may use
TEMPLATES = [os_template('debian', 'Debian 12'),
             os_template('ubuntu', 'Ubuntu 24.04'),
             size_template('small', 1, 1.0),
             size_template('medium', 2, 2.0)]

#: compute action -> (the states it starts from, the state it ends in)
COMPUTE_ACTIONS = {
    model.START: (('inactive', 'suspended'), 'active'),
    model.STOP: (('active',), 'inactive'),
    model.RESTART: (('active',), 'active'),
    model.SUSPEND: (('active',), 'suspended'),
}
#: network and storage action -> the state it ends in (from any state)
OTHER_ACTIONS = {
    model.UP: 'active', model.DOWN: 'inactive',
    model.ONLINE: 'online', model.OFFLINE: 'offline',
}


class MemoryCloud:
    """The cloud: every user's records, by location, and the jobs that
    :meth:`settle` ends (manual mode only).

    A record is a dict: ``kind``, ``id``, ``owner``, ``title``,
    ``summary``, ``mixins``, ``attributes``; a compute's ``task`` (what
    it is busy with, or ``None``); a link's ``source`` and ``target``
    locations.
    """

    def __init__(self, tokens, manual=False):
        self.users = dict(tokens)   # token -> user
        self.manual = manual
        self.lock = threading.RLock()
        self.records = {}
        self.jobs = []              # (location, the state it ends in)
        self.last_id = 0

    def new_id(self):
        self.last_id += 1
        return str(self.last_id)

    def run(self, record, task, state):
        """Bring a compute to ``state``: now, or at :meth:`settle`."""
        if not self.manual:
            record['attributes']['occi.compute.state'] = state
            return
        record['task'] = task
        self.jobs.append((model.COMPUTE.location + record['id'], state))

    def settle(self):
        """End every job: built computes are active, actions done."""
        with self.lock:
            jobs, self.jobs = self.jobs, []
            for location, state in jobs:
                record = self.records.get(location)
                if record is not None:
                    record['task'] = None
                    record['attributes']['occi.compute.state'] = state
            return len(jobs)


@implementer(IBackend)
class MemoryBackend:
    """The process-wide backend of one :class:`MemoryCloud`."""

    #: no identity service: the tokens are the settings'
    auth_url = ''
    mixins = ()

    def __init__(self, cloud):
        self.cloud = cloud
        # NB: the cloud is gone with the process, so is what the store
        # keeps for it: a new name per cloud
        self.cloud_id = 'memory:%s' % uuid.uuid4().hex

    def session(self, token, application_url='', categories=None):
        return MemorySession(self.cloud, token, application_url, categories)

    def heartbeat(self):
        return True


@implementer(IOCCISession)
class MemorySession:
    """The OCCI operations of one request on a :class:`MemoryCloud`."""

    def __init__(self, cloud, token, application_url='', categories=None):
        self.cloud = cloud
        self.token = token
        self.categories = categories or CategoryRegistry(
            model.CORE_KINDS + model.KINDS)
        # link locations are read against the application's host and
        # mount prefix
        parts = urlsplit(application_url or '')
        self.host = parts.netloc or None
        self.script_name = parts.path.rstrip('/')

    # -- reading --------------------------------------------------------------

    @property
    def user(self):
        """The caller, from the token (401 for none or a refused one)."""
        user = self.cloud.users.get(self.token)
        if user is None:
            raise BackendAuthError()
        return user

    def authenticate(self):
        return self.user

    def templates(self):
        self.authenticate()
        return list(TEMPLATES)

    def mine(self, kind):
        """The caller's records of ``kind`` (and its sub-kinds)."""
        user = self.user
        return [r for r in self.cloud.records.values()
                if r['owner'] == user and r['kind'].is_a(kind)]

    def record(self, kind, id):
        """The caller's record of that entity, else 404."""
        record = self.cloud.records.get(kind.location + str(id))
        if record is None or record['owner'] != self.user:
            raise OCCINotFound('There is no %s %s.' % (kind.term, id))
        return record

    def list(self, kind):
        with self.cloud.lock:
            return [self.entity(r) for r in self.mine(kind)]

    def members(self, kind):
        # NB: nothing is cheaper than list() in memory
        return self.list(kind)

    def locations(self, kind):
        with self.cloud.lock:
            return [r['kind'].location + r['id'] for r in self.mine(kind)]

    def get(self, kind, id):
        with self.cloud.lock:
            return self.entity(self.record(kind, id))

    def entity(self, record):
        """A new model object of ``record`` (the wrappers change it)."""
        kind = record['kind']
        values = dict(id=record['id'], title=record['title'],
                      location=kind.location + record['id'],
                      mixins=list(record['mixins']),
                      attributes=dict(record['attributes']),
                      actions=self.actions(record))
        if kind.is_a(model.LINK):
            return model.Link(
                kind, source=record['source'], target=record['target'],
                source_kind=model.COMPUTE, target_kind=record['target_kind'],
                **values)
        links = []
        if kind == model.COMPUTE:
            links = [self.entity(r) for r in self.mine(model.LINK)
                     if r['source'] == values['location']]
            values['attributes']['occi.compute.state.message'] = (
                'Busy (%s)' % record['task'] if record['task'] else
                values['attributes']['occi.compute.state'].capitalize())
        return model.Resource(kind, summary=record['summary'], links=links,
                              **values)

    def actions(self, record):
        """The actions the entity's state allows now (none while busy)."""
        kind, state = record['kind'], self.state(record)
        if kind == model.COMPUTE:
            if record['task']:
                return []
            return [a for a, (start, _) in COMPUTE_ACTIONS.items()
                    if state in start]
        return [a for a, end in OTHER_ACTIONS.items()
                if a in kind.actions and end != state]

    @staticmethod
    def state(record):
        return record['attributes'].get(
            'occi.%s.state' % record['kind'].term)

    def locate(self, location):
        """``(kind, id)`` of a location of this server, else 400."""
        found = parse_entity_location(location or '', self.categories,
                                      self.host, self.script_name)
        if found is None:
            raise OCCIBadRequest('%s is no entity of this server.'
                                 % location)
        return found

    # -- creating -------------------------------------------------------------

    def create(self, data):
        with self.cloud.lock:
            make = {model.COMPUTE: self.make_compute,
                    model.NETWORK: self.make_network,
                    model.STORAGE: self.make_storage}.get(data.kind)
            if data.kind == model.IPRESERVATION:
                raise OCCINotImplemented(
                    'The in-memory cloud reserves no addresses.')
            if make is None:
                return self.make_link(data)
            return self.entity(make(data))

    def add(self, kind, data, mixins, attributes, **extra):
        """A new record of the caller, with the title and summary of
        ``data``."""
        record = dict(kind=kind, id=self.cloud.new_id(), owner=self.user,
                      title=data.get('occi.core.title'),
                      summary=data.get('occi.core.summary'), mixins=mixins,
                      attributes=attributes, task=None, **extra)
        self.cloud.records[kind.location + record['id']] = record
        return record

    def make_compute(self, data):
        os_tpl = data.template(model.OS_TPL)
        if os_tpl is None:
            raise OCCIBadRequest('A compute needs an os_tpl mixin.')
        size = data.template(model.RESOURCE_TPL)
        sizes = size.attributes if size is not None else {}
        links = [self.target(link) for link in data.links]
        attributes = {
            'occi.compute.hostname': data.get('occi.compute.hostname'),
            'occi.compute.state': 'inactive',
        }
        for name, default in (('occi.compute.cores', 1),
                              ('occi.compute.memory', 1.0)):
            attributes[name] = (sizes[name].default if name in sizes
                                else data.get(name, default))
        record = self.add(model.COMPUTE, data,
                          [m for m in (os_tpl, size) if m], attributes)
        self.cloud.run(record, 'build', 'active')
        for link, target in links:
            if not link.defer:
                self.attach(record, link.kind, target, link.attributes)
        return record

    def make_network(self, data):
        attributes = {'occi.network.state': 'active'}
        mixins = []
        if data.has(model.IPNETWORK):
            attributes.update(self.address(data))
            mixins.append(model.IPNETWORK)
        return self.add(model.NETWORK, data, mixins, attributes)

    @staticmethod
    def address(data):
        names = ('occi.network.address', 'occi.network.gateway',
                 'occi.network.allocation')
        values = {name: data.get(name) for name in names
                  if data.get(name) is not None}
        try:
            ipaddress.ip_network(values.get('occi.network.address', ''),
                                 strict=False)
        except ValueError:
            raise OCCIBadRequest('occi.network.address must be a network '
                                 'in CIDR notation, e.g. 10.0.0.0/24.')
        return values

    def make_storage(self, data):
        size = self.size(data.get('occi.storage.size'))
        return self.add(model.STORAGE, data, [], {
            'occi.storage.size': size, 'occi.storage.state': 'online'})

    @staticmethod
    def size(value):
        if value is None or not value > 0:
            raise OCCIBadRequest('occi.storage.size must be positive.')
        return float(value)

    # -- links ----------------------------------------------------------------

    def make_link(self, data):
        """A standalone link: the one between the same ends when there
        is one (``existed``), else a new one."""
        kind, id = self.locate(data.get('occi.core.source'))
        if kind != model.COMPUTE:
            raise OCCIBadRequest('A link starts at a compute.')
        compute = self.record(kind, id)
        target_kind, target_id = self.locate(data.get('occi.core.target'))
        for record in self.mine(data.kind):
            if (record['source'], record['target']) == (
                    location_of(compute), target_kind.location + target_id):
                made = self.entity(record)
                made.existed = True
                return made
        _, target = self.target(
            model.LinkData(data.kind, target_kind, target_id))
        self.linkable(compute)
        return self.entity(self.attach(compute, data.kind, target,
                                       data.attributes))

    def target(self, link):
        """``(link, target record)``: 404 for a target that is not
        there, 400 for one of the wrong kind, 409 for a storage linked
        already."""
        wanted = {model.NETWORKINTERFACE: model.NETWORK,
                  model.STORAGELINK: model.STORAGE}[link.kind]
        if link.target_kind != wanted:
            raise OCCIBadRequest('A %s goes to a %s.' % (
                link.kind.term, wanted.term))
        target = self.record(wanted, link.target_id)
        if wanted == model.STORAGE and self.users_of(target):
            raise OCCIConflict('The storage %s is linked already.'
                               % target['id'])
        return link, target

    def users_of(self, target):
        """The records of the links to ``target``."""
        return [r for r in self.mine(model.LINK)
                if r['target'] == location_of(target)]

    @staticmethod
    def linkable(compute):
        """OCCIBusy while the compute is busy (it passes); 409 when it
        is suspended (it stays so)."""
        if compute['task']:
            raise OCCIBusy(
                'The compute %s is busy; try again when it is done.'
                % compute['id'], waiting=waiting_for(compute))
        if compute['attributes']['occi.compute.state'] == 'suspended':
            raise OCCIConflict('The compute %s is suspended.'
                               % compute['id'])

    def attach(self, compute, kind, target, attributes):
        count = sum(1 for r in self.mine(kind)
                    if r['source'] == location_of(compute))
        if kind == model.NETWORKINTERFACE:
            values = {
                'occi.networkinterface.interface': 'eth%d' % count,
                'occi.networkinterface.mac': '02:00:00:00:%02x:%02x' % (
                    self.cloud.last_id // 256 % 256,
                    self.cloud.last_id % 256),
                'occi.networkinterface.state': 'active',
            }
        else:
            values = {'occi.storagelink.deviceid': '/dev/vd%s' % 'bcdefgh'[
                count % 7], 'occi.storagelink.state': 'active'}
        values.update((k, v) for k, v in attributes.items()
                      if not k.startswith('occi.core.'))
        mixins = [model.IPNETWORKINTERFACE] if values.get(
            'occi.networkinterface.address') else []
        return self.add(kind, model.EntityData(kind), mixins, values,
                        source=location_of(compute),
                        target=location_of(target),
                        target_kind=target['kind'])

    # -- changing -------------------------------------------------------------

    def update(self, entity, data, replace=False):
        with self.cloud.lock:
            record = self.record(entity.kind, entity.id)
            if record['kind'].is_a(model.LINK):
                raise OCCIBadRequest('A link cannot be changed; delete it '
                                     'and make a new one.')
            links = [self.target(link) for link in data.links]
            if links and not replace:
                self.linkable(record)
            changes = {}
            if record['kind'] == model.COMPUTE:
                changes = self.resized(record, data)
            elif record['kind'] == model.NETWORK and data.has(
                    model.IPNETWORK):
                changes = self.address(data)
                if model.IPNETWORK not in record['mixins']:
                    record['mixins'].append(model.IPNETWORK)
            elif record['kind'] == model.STORAGE and data.get(
                    'occi.storage.size') is not None:
                changes = {'occi.storage.size': self.size(
                    data.get('occi.storage.size'))}
            for name in ('title', 'summary'):
                value = data.get('occi.core.' + name)
                if value is not None or replace:
                    record[name] = value
            record['attributes'].update(changes)
            for link, target in links if not replace else ():
                self.attach(record, link.kind, target, link.attributes)
            return self.entity(record)

    def replace(self, entity, data):
        return self.update(entity, data, replace=True)

    def resized(self, record, data):
        """A compute's new sizes: another resource_tpl, or cores and
        memory given; only a stopped compute is resized."""
        os_tpl = data.template(model.OS_TPL)
        if os_tpl is not None and os_tpl not in record['mixins']:
            raise OCCIBadRequest('The os_tpl of a compute cannot change.')
        size = data.template(model.RESOURCE_TPL)
        changes = {}
        for name in ('occi.compute.cores', 'occi.compute.memory'):
            value = (size.attributes[name].default if size is not None
                     else data.get(name))
            if value is not None and value != record['attributes'][name]:
                changes[name] = value
        if changes and self.state(record) != 'inactive':
            raise OCCIConflict('The compute %s must be stopped before it '
                               'is resized.' % record['id'])
        if size is not None:
            record['mixins'] = [m for m in record['mixins']
                                if not m.is_a(model.RESOURCE_TPL)] + [size]
        return changes

    def run_action(self, entity, action, attributes):
        with self.cloud.lock:
            record = self.record(entity.kind, entity.id)
            if record['kind'] != model.COMPUTE:
                if action not in OTHER_ACTIONS:
                    raise OCCINotImplemented('%s is not offered here.'
                                             % action.term)
                record['attributes'][
                    'occi.%s.state' % record['kind'].term] = \
                    OTHER_ACTIONS[action]
                return ActionResult()
            if action not in COMPUTE_ACTIONS:
                raise OCCINotImplemented('%s is not offered here.'
                                         % action.term)
            self.linkable(record)
            start, end = COMPUTE_ACTIONS[action]
            if self.state(record) not in start:
                raise OCCIConflict('The compute %s is %s: it cannot %s.' % (
                    record['id'], self.state(record), action.term))
            self.cloud.run(record, action.term, end)
            return ActionResult()

    # -- deleting -------------------------------------------------------------

    def delete(self, entity):
        """Delete an entity (a compute with its links; the storages
        linked to it stay).  Done at once: never ``Unfinished``."""
        with self.cloud.lock:
            record = self.record(entity.kind, entity.id)
            location = location_of(record)
            if record['kind'] == model.COMPUTE:
                for link in self.mine(model.LINK):
                    if link['source'] == location:
                        del self.cloud.records[location_of(link)]
            elif not record['kind'].is_a(model.LINK):
                users = self.users_of(record)
                if users:
                    raise OCCIConflict(
                        'The %s %s is linked to a compute; remove the link '
                        'first.' % (record['kind'].term, record['id']),
                        held_by=sorted({r['source'] for r in users}))
            del self.cloud.records[location]
            return None

    def resume_delete(self, kind, id, resume):
        try:
            entity = self.get(kind, id)
        except OCCINotFound:
            return None
        return self.delete(entity)

    def delete_many(self, entities, busy=None):
        """Links first (a compute's go with it), then the rest."""
        computes = {e.location for e in entities if e.kind == model.COMPUTE}
        failures = {}
        for entity in sorted(entities,
                             key=lambda e: not e.kind.is_a(model.LINK)):
            if getattr(entity, 'source', None) in computes:
                continue
            try:
                self.delete(entity)
            except OCCIConflict as exc:
                if busy is None or not busy(entity, exc):
                    failures[entity.location] = exc.message
            except OCCIError as exc:
                failures[entity.location] = exc.message
        return failures


def location_of(record):
    return record['kind'].location + record['id']


def waiting_for(compute):
    """What a link to a busy compute waits for (a state message)."""
    if compute['task'] == 'build':
        return 'compute %s to be built' % compute['id']
    return 'compute %s to finish its %s' % (compute['id'], compute['task'])


def load_from_config(config):
    """A new :class:`MemoryBackend` from the ``occi.memory.*`` settings."""
    settings = config.get_settings()
    pairs = (settings.get('occi.memory.tokens') or DEFAULT_TOKENS).split()
    tokens = {}
    for pair in pairs:
        user, _, token = pair.partition(':')
        tokens[token] = user
    return MemoryBackend(MemoryCloud(
        tokens, manual=asbool(settings.get('occi.memory.manual', False))))
