"""The Synnefo backend: Synnefo clouds reached through kamaki.

* :class:`SynnefoBackend` is process-wide.  It is built from the typed
  settings and does no network I/O when built.  It holds the per-cloud
  service catalog (fetched once, on first use), the per-user image and
  flavor caches (TTL ``occi.synnefo.cache_ttl``) and the connection pools.
* :class:`SynnefoSession` is per request (per token).  It builds its own
  kamaki clients lazily through :mod:`.clients` (the only kamaki importer)
  and returns plain, Synnefo-shaped data: dicts and lists, ids as Synnefo
  gives them.  Every kamaki error becomes a
  :class:`~occi_pyramid.exceptions.BackendError` (:mod:`.errors`).
"""
import atexit
import copy
import functools
import hashlib
import logging
import threading
import time

from zope.interface import implementer

from occi_pyramid.exceptions import (
    BackendAuthError, BackendError, BackendUnavailable,
)
from occi_pyramid.interfaces import IBackend, IBackendSession
from occi_pyramid.settings import coerce_settings, prefixed

from .errors import translated

log = logging.getLogger(__name__)

#: what ``create_subnet`` sends when no ``gateway_ip`` is given: nothing
#: (Synnefo then uses the first host address); ``None`` sends ``null``
DEFAULT_GATEWAY = object()

#: seconds a server this process deleted is left out of short listings
#: (Synnefo lists it until its destroy job ends)
DELETED_MEMORY = 600.0


class TTLCache(object):
    """A thread-safe dict whose entries expire ``ttl`` seconds after set."""

    def __init__(self, ttl, clock=time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self._data = {}
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return None
            stamp, value = item
            if self.ttl <= 0 or self.clock() - stamp >= self.ttl:
                del self._data[key]
                return None
            return value

    def set(self, key, value):
        if self.ttl <= 0:
            return value
        with self._lock:
            self._data[key] = (self.clock(), value)
        return value

    def discard(self, key):
        with self._lock:
            self._data.pop(key, None)

    def clear(self):
        with self._lock:
            self._data.clear()


class RecordCache(dict):
    """Records that never change once made, by id, at most ``size`` of
    them (the oldest go first).  Thread-safe enough: single dict
    operations are atomic in CPython and a lost entry only costs a call.
    """

    def __init__(self, size=10000):
        super().__init__()
        self.size = size

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        while len(self) > self.size:
            try:
                del self[next(iter(self))]
            except (KeyError, RuntimeError, StopIteration):
                break

    def update(self, items):
        for key, value in items:
            self[key] = value


def _token_of(request):
    """The ``X-Auth-Token`` of a request (or a bare token string)."""
    if request is None:
        return None
    if isinstance(request, str):
        return request or None
    headers = getattr(request, 'headers', None) or {}
    token = headers.get('X-Auth-Token')
    return token.strip() if token else None


@implementer(IBackend)
class SynnefoBackend(object):
    """Process-wide access to one Synnefo cloud.

    :param auth_url: the identity URL (``https://.../identity/v2.0``).
    :param ca_certs: CA bundle used to verify TLS ('' = system CAs).
    :param insecure: skip TLS verification (never in production).
    :param timeout: socket timeout of every call, in seconds.
    :param cache_ttl: seconds a user's images and flavors stay cached.
    """

    def __init__(self, auth_url, ca_certs='', insecure=False, timeout=30.0,
                 cache_ttl=60.0, pool_size=100, clock=time.monotonic):
        from .clients import ClientFactory   # imports (patched) kamaki
        self.auth_url = auth_url.rstrip('/')
        self.ca_certs = ca_certs
        self.insecure = insecure
        self.timeout = timeout
        self.cache_ttl = cache_ttl
        self.factory = ClientFactory(
            self.auth_url, timeout=timeout, ca_certs=ca_certs,
            insecure=insecure, pool_size=pool_size)
        self._catalog = None
        self._catalog_lock = threading.Lock()
        self.flavor_cache = TTLCache(cache_ttl, clock)
        self.image_cache = TTLCache(cache_ttl, clock)
        # token -> the identity answer, keyed by the token's SHA-256 (the
        # token itself is never kept): the per-user caches need the user
        # id, which must not cost an identity call per request
        self.identity_cache = TTLCache(cache_ttl, clock)
        self.subnet_cache = RecordCache()
        # user id -> (images, flavors, the template mixins made of them)
        self.template_memo = RecordCache(1000)
        # servers this process deleted: the short server listing cannot
        # tell one being destroyed, and a deleted compute is gone at once
        self.deleted_servers = TTLCache(DELETED_MEMORY, clock)

    @classmethod
    def from_settings(cls, settings):
        """Build from (typed or raw) ``occi.synnefo.*`` settings."""
        s = coerce_settings(settings)
        return cls(
            auth_url=s['occi.synnefo.auth_url'],
            ca_certs=s['occi.synnefo.ca_certs'],
            insecure=s['occi.synnefo.insecure'],
            timeout=s['occi.synnefo.timeout'],
            cache_ttl=s['occi.synnefo.cache_ttl'],
            pool_size=s['occi.synnefo.pool_size'],
        )

    # -- catalog ------------------------------------------------------------

    def catalog(self, token=None):
        """The service catalog, fetched once per cloud (public mode)."""
        with self._catalog_lock:
            if self._catalog is None:
                with translated():
                    access = self.factory.astakos(token or '').get_endpoints()
                self._catalog = access['access']['serviceCatalog']
            return self._catalog

    def remember_catalog(self, catalog):
        """Keep a catalog that came with a token answer (saves a call)."""
        with self._catalog_lock:
            if self._catalog is None and catalog:
                self._catalog = catalog

    def forget_catalog(self):
        with self._catalog_lock:
            self._catalog = None

    def endpoint(self, service_type, token=None):
        """The ``publicURL`` of the first endpoint of ``service_type``."""
        for service in self.catalog(token):
            if service.get('type') == service_type and service.get(
                    'endpoints'):
                return service['endpoints'][0]['publicURL']
        raise BackendError(
            'The cloud publishes no %r service.' % service_type, code=502)

    # -- contract -----------------------------------------------------------

    def session(self, request):
        return SynnefoSession(self, _token_of(request))

    def heartbeat(self):
        """True when the identity service answers (one public call)."""
        try:
            with translated():
                self.factory.astakos('').get_endpoints()
            return True
        except BackendError as exc:
            log.warning('Synnefo heartbeat failed: %s', exc)
            return False

    def close(self):
        self.factory.close()


def _operation(func):
    """Run a session operation with kamaki errors translated.

    Once a call of the session has timed out, the others fail at once:
    a request whose cloud stopped answering ends within the configured
    timeout, not a multiple of it (docs/decisions.md).
    """
    @functools.wraps(func)
    def wrapper(self, *args, **kwargs):
        if self.gave_up is not None:
            raise BackendUnavailable(
                'Not tried: the cloud did not answer within %s s a moment '
                'ago; try again later.' % self.backend.timeout,
                details=self.gave_up.details)
        try:
            with translated():
                return func(self, *args, **kwargs)
        except BackendUnavailable as exc:
            if getattr(exc, 'timed_out', False):
                self.gave_up = exc
            raise
    return wrapper


@implementer(IBackendSession)
class SynnefoSession(object):
    """The operations of one request, with that request's token."""

    def __init__(self, backend, token):
        self.backend = backend
        self.token = token
        self._clients = {}
        self._astakos = None
        self._access = None
        #: the timeout that ended this session's calls to the cloud
        self.gave_up = None

    # -- clients (built lazily, per session) --------------------------------

    def _require_token(self):
        if not self.token:
            raise BackendAuthError(
                'Access denied. No authentication token (X-Auth-Token).')
        return self.token

    def _client(self, service_type):
        client = self._clients.get(service_type)
        if client is None:
            token = self._require_token()
            url = self.backend.endpoint(service_type, token)
            client = self.backend.factory.service(service_type, url, token)
            self._clients[service_type] = client
        return client

    @property
    def compute(self):
        return self._client('compute')

    @property
    def network(self):
        return self._client('network')

    @property
    def volume(self):
        return self._client('volume')

    @property
    def image(self):
        return self._client('image')

    @property
    def astakos(self):
        if self._astakos is None:
            self._astakos = self.backend.factory.astakos(
                self._require_token())
        return self._astakos

    # -- identity -----------------------------------------------------------

    @_operation
    def authenticate(self):
        if self._access is None:
            key = hashlib.sha256(
                self._require_token().encode('utf-8')).hexdigest()
            access = self.backend.identity_cache.get(key)
            if access is None:
                access = self.astakos.authenticate()['access']
                self.backend.remember_catalog(access.get('serviceCatalog'))
                self.backend.identity_cache.set(key, access)
            self._access = access
        access = self._access
        user, token = access.get('user', {}), access.get('token', {})
        tenant = token.get('tenant') or {}
        return {
            'user_id': user.get('id'),
            'user_name': user.get('name'),
            'projects': list(user.get('projects') or []),
            'default_project': tenant.get('id') or user.get('id'),
            'roles': [r.get('name') for r in user.get('roles') or []],
            'expires': token.get('expires'),
        }

    @property
    def user_id(self):
        return self.authenticate()['user_id']

    @_operation
    def catalog(self):
        return copy.deepcopy(self.backend.catalog(self._require_token()))

    @_operation
    def get_quotas(self):
        self.authenticate()     # fills astakosclient's account endpoint
        return self.astakos.get_quotas()

    # -- servers ------------------------------------------------------------

    @_operation
    def list_servers(self, detail=True):
        return self.compute.list_servers(detail=detail)

    @_operation
    def get_server(self, server_id):
        return self.compute.get_server_details(server_id)

    @_operation
    def create_server(self, name, flavor_id, image_id, networks=None,
                      personality=None, metadata=None, project=None):
        # NB: kamaki's create_server first GETs the image to copy its
        # ``os`` and ``users`` metadata into the server's; the image is in
        # the per-user cache, so the same body costs one call, not two
        metadata = dict(metadata or {})
        image = self.get_image(image_id)
        for key in ('os', 'users'):
            value = (image.get('metadata') or {}).get(key)
            if value is not None and key not in metadata:
                metadata[key] = value
        server = {'name': name, 'flavorRef': flavor_id,
                  'imageRef': image_id}
        if metadata:
            server['metadata'] = metadata
        if personality:
            server['personality'] = personality
        if networks is not None:
            server['networks'] = networks
        if project:
            server['project'] = project
        created = self.compute.servers_post(
            json_data={'server': server}).json['server']
        # a cloud that reuses ids (the simulator after a reset) must not
        # hide the new server
        self.backend.deleted_servers.discard(str(created['id']))
        return created

    @_operation
    def rename_server(self, server_id, name):
        self.compute.update_server_name(server_id, name)

    @_operation
    def delete_server(self, server_id):
        self.compute.delete_server(server_id)
        self.backend.deleted_servers.set(str(server_id), True)

    def undeleted_server(self, server_id):
        """Forget that ``server_id`` was deleted: the cloud's delete
        failed and it is listed again (no I/O)."""
        self.backend.deleted_servers.discard(str(server_id))

    def deleted_server(self, server_id):
        """Whether this process deleted ``server_id`` lately (no I/O)."""
        return self.backend.deleted_servers.get(str(server_id)) is not None

    @_operation
    def start_server(self, server_id):
        self.compute.start_server(server_id)

    @_operation
    def shutdown_server(self, server_id):
        self.compute.shutdown_server(server_id)

    @_operation
    def reboot_server(self, server_id, hard=False):
        self.compute.reboot_server(server_id, hard=hard)

    @_operation
    def resize_server(self, server_id, flavor_id):
        self.compute.resize_server(server_id, flavor_id)

    @_operation
    def get_server_metadata(self, server_id):
        return self.compute.get_server_metadata(server_id)

    @_operation
    def update_server_metadata(self, server_id, metadata):
        return self.compute.update_server_metadata(server_id, **metadata)

    @_operation
    def delete_server_metadata(self, server_id, key):
        self.compute.delete_server_metadata(server_id, key)

    @_operation
    def get_server_nics(self, server_id):
        return self.compute.get_server_nics(server_id)

    # -- flavors and images (cached per user) -------------------------------

    def _cached(self, cache, fetch):
        """The user's cached listing, shared and never copied: callers
        read it, never change it."""
        key = self.user_id
        value = cache.get(key)
        if value is None:
            value = cache.set(key, fetch())
        return value

    @_operation
    def list_flavors(self):
        return self._cached(
            self.backend.flavor_cache,
            lambda: self.compute.list_flavors(detail=True))

    @_operation
    def get_flavor(self, flavor_id):
        for flavor in self.list_flavors():
            if str(flavor.get('id')) == str(flavor_id):
                return flavor
        # deleted or private flavors are readable by id only
        return self.compute.get_flavor_details(flavor_id)

    @_operation
    def list_images(self):
        return self._cached(
            self.backend.image_cache,
            lambda: self.compute.list_images(detail=True))

    @_operation
    def get_image(self, image_id):
        for image in self.list_images():
            if str(image.get('id')) == str(image_id):
                return image
        return self.compute.get_image_details(image_id)

    @_operation
    def get_image_meta(self, image_id):
        return self.image.get_meta(image_id)

    # -- networks -----------------------------------------------------------

    @_operation
    def list_networks(self):
        return self.network.list_networks()

    @_operation
    def get_network(self, network_id):
        return self.network.get_network_details(network_id)

    @_operation
    def create_network(self, name, type='MAC_FILTERED', project=None):
        return self.network.create_network(
            type, name=name, project_id=project)

    @_operation
    def rename_network(self, network_id, name):
        return self.network.update_network(network_id, name=name)

    @_operation
    def delete_network(self, network_id):
        self.network.delete_network(network_id)

    # -- subnets ------------------------------------------------------------

    @_operation
    def list_subnets(self):
        subnets = self.network.list_subnets()
        self.backend.subnet_cache.update(
            (str(subnet['id']), subnet) for subnet in subnets)
        return subnets

    @_operation
    def get_subnet(self, subnet_id):
        """One subnet, kept per process: Synnefo changes nothing of a
        subnet but its name once it exists, and its id is never reused."""
        subnet = self.backend.subnet_cache.get(str(subnet_id))
        if subnet is None:
            # kamaki returns the whole {"subnet": ...} answer here
            subnet = self.network.get_subnet_details(subnet_id)['subnet']
            self.backend.subnet_cache[str(subnet_id)] = subnet
        return subnet

    @_operation
    def create_subnet(self, network_id, cidr, gateway_ip=DEFAULT_GATEWAY,
                      enable_dhcp=None, name=None):
        if gateway_ip is DEFAULT_GATEWAY:
            gateway = None               # kamaki: omitted
        elif gateway_ip is None:
            gateway = ''                 # kamaki: sent as null
        else:
            gateway = gateway_ip
        subnet = self.network.create_subnet(
            network_id, cidr, name=name, gateway_ip=gateway,
            enable_dhcp=enable_dhcp)
        # a cloud that reuses ids (the simulator after a reset) must not
        # show an older subnet's record
        self.backend.subnet_cache[str(subnet['id'])] = subnet
        return subnet

    # -- ports --------------------------------------------------------------

    @_operation
    def list_ports(self):
        return self.network.list_ports()

    @_operation
    def get_port(self, port_id):
        return self.network.get_port_details(port_id)

    @_operation
    def create_port(self, network_id, device_id=None, fixed_ips=None,
                    name=None):
        return self.network.create_port(
            network_id, device_id=device_id, name=name, fixed_ips=fixed_ips)

    @_operation
    def delete_port(self, port_id):
        self.network.delete_port(port_id)

    # -- floating IPs -------------------------------------------------------

    @_operation
    def list_floatingips(self):
        return self.network.list_floatingips()

    @_operation
    def get_floatingip(self, floatingip_id):
        return self.network.get_floatingip_details(floatingip_id)

    @_operation
    def create_floatingip(self, network_id=None, address=None, project=None):
        return self.network.create_floatingip(
            floating_network_id=network_id,
            floating_ip_address=address or '', project_id=project)

    @_operation
    def delete_floatingip(self, floatingip_id):
        self.network.delete_floatingip(floatingip_id)

    # -- volumes ------------------------------------------------------------

    @_operation
    def list_volumes(self):
        return self.volume.list_volumes(detail=True)

    @_operation
    def get_volume(self, volume_id):
        return self.volume.get_volume_details(volume_id)

    @_operation
    def create_volume(self, size, name, volume_type=None, server_id=None,
                      project=None, description=None):
        """Create, then read the full record (Synnefo answers the short
        form ``{id, display_name, links}`` only)."""
        created = self.volume.create_volume(
            size, name, server_id=server_id, display_description=description,
            volume_type=volume_type, project=project)
        return self.volume.get_volume_details(created['id'])

    @_operation
    def update_volume(self, volume_id, name=None, description=None):
        return self.volume.update_volume(
            volume_id, display_name=name, display_description=description)

    @_operation
    def delete_volume(self, volume_id):
        self.volume.delete_volume(volume_id)

    @_operation
    def list_volume_types(self):
        return self.volume.list_volume_types()

    # -- volume attachments -------------------------------------------------

    @_operation
    def list_volume_attachments(self, server_id):
        return self.compute.list_volume_attachments(server_id)

    @_operation
    def attach_volume(self, server_id, volume_id):
        return self.compute.attach_volume(server_id, volume_id)

    @_operation
    def detach_volume(self, server_id, volume_id):
        # the attachment id is the volume id: one DELETE, not kamaki's
        # detach_volume (which lists the attachments first)
        self.compute.delete_volume_attachment(server_id, volume_id)


# -- configuration --------------------------------------------------------------

_embedded = {}
_embedded_lock = threading.Lock()


def _stop_embedded():
    with _embedded_lock:
        running = list(_embedded.values())
        _embedded.clear()
    for simulator in running:
        try:
            simulator.stop()
        except Exception:  # pragma: no cover - best effort at exit
            log.exception('stopping the embedded simulator')


def embedded_simulator(settings):
    """The in-process simulator for these settings (started once)."""
    sim_settings = prefixed(settings, 'occi.simulator.')
    sim_settings = {'simulator.' + k: v for k, v in sim_settings.items()}
    key = tuple(sorted((k, repr(v)) for k, v in sim_settings.items()))
    with _embedded_lock:
        running = _embedded.get(key)
        if running is None:
            from occi_pyramid.simulator.embedded import start_simulator
            if not _embedded:
                atexit.register(_stop_embedded)
            running = start_simulator(sim_settings)
            _embedded[key] = running
        return running


def load_from_config(config):
    """The backend for a Pyramid configurator's settings.

    With ``occi.synnefo.auth_url = embedded`` the Synnefo simulator is
    started in this process (once per distinct ``occi.simulator.*``
    settings) and the backend points at it.
    """
    settings = coerce_settings(config.get_settings())
    if settings['occi.synnefo.auth_url'] == 'embedded':
        simulator = embedded_simulator(settings)
        settings['occi.synnefo.auth_url'] = simulator.auth_url
    return SynnefoBackend.from_settings(settings)


def includeme(config):
    """Register this backend (``config.include`` it, or name it in
    ``occi.backend`` and include :mod:`occi_pyramid.backends`)."""
    from occi_pyramid.backends import register_backend
    register_backend(config, load_from_config(config))
