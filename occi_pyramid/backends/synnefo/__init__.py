"""The Synnefo backend: Synnefo clouds reached through kamaki.

* :class:`SynnefoBackend` is the process-wide
  :class:`~occi_pyramid.interfaces.IBackend`.  It is built from the typed
  settings and does no network I/O when built.  It holds the per-cloud
  service catalog (fetched once, on first use), the per-user image and
  flavor caches (TTL ``occi.synnefo.cache_ttl``) and the connection pools.
* Its :meth:`~SynnefoBackend.session` is the per-request
  :class:`~occi_pyramid.interfaces.IOCCISession`
  (:class:`.occi.SynnefoOCCI`), built from plain values: the token, the
  application URL and the static categories.
* Under it, :class:`.api.SynnefoAPI` (private to this package) speaks
  Synnefo's API for one token and returns Synnefo-shaped data.
"""
import atexit
import logging
import threading
import time

from zope.interface import implementer

from occi_pyramid.exceptions import BackendError
from occi_pyramid.interfaces import IBackend
from occi_pyramid.settings import coerce_settings, prefixed

from .api import SynnefoAPI
from .errors import translated

log = logging.getLogger(__name__)

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


@implementer(IBackend)
class SynnefoBackend(object):
    """Process-wide access to one Synnefo cloud.

    :param auth_url: the identity URL (``https://.../identity/v2.0``).
    :param ca_certs: CA bundle used to verify TLS ('' = system CAs).
    :param insecure: skip TLS verification (never in production).
    :param timeout: socket timeout of every call, in seconds.
    :param cache_ttl: seconds a user's images and flavors stay cached.
    :param settings: the typed settings the OCCI sessions read (link
        waits, parallel calls, default templates, volume type); the
        defaults when not given.
    """

    #: the provider mixins this backend serves (static categories)
    mixins = ()

    def __init__(self, auth_url, ca_certs='', insecure=False, timeout=30.0,
                 cache_ttl=60.0, pool_size=100, clock=time.monotonic,
                 settings=None):
        from .clients import ClientFactory   # imports (patched) kamaki
        from . import translate
        self.mixins = (translate.PUBLIC_NET, translate.PRIVATE_NET,
                       translate.FLOATING_IP, translate.PROJECT)
        self.settings = coerce_settings(dict(
            settings or {}, **{'occi.synnefo.timeout': timeout}))
        self.auth_url = auth_url.rstrip('/')
        #: what the store keys this cloud's rows by (see load_from_config)
        self.cloud_id = self.auth_url
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
        self.pool_cache = TTLCache(cache_ttl, clock)
        # user id -> (the projects they are a member of, their quotas),
        # as fresh as the templates (docs/decisions.md)
        self.project_cache = TTLCache(cache_ttl, clock)
        # token -> the identity answer, keyed by the token's SHA-256 (the
        # token itself is never kept): the per-user caches need the user
        # id, which must not cost an identity call per request
        self.identity_cache = TTLCache(cache_ttl, clock)
        self.subnet_cache = RecordCache()
        # user id -> (images, flavors, the template mixins made of them)
        self.template_memo = RecordCache(1000)
        # user id -> (their projects and quotas, the mixins made of them)
        self.project_memo = RecordCache(1000)
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
            settings=s,
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

    def session(self, token, application_url='', categories=None):
        """The OCCI session of one request (no I/O here: a missing or bad
        token fails on the first operation that needs the cloud).

        :param token: the caller's token (``None`` when none was sent)
        :param application_url: the application's URL (scheme, host and
            mount prefix), against which link locations are read
        :param categories: the static category registry (Kinds by
            location); the model's kinds when not given
        """
        from .occi import SynnefoOCCI
        return SynnefoOCCI(self, token, application_url, categories)

    def api(self, token):
        """Synnefo's API for ``token`` (private to this package)."""
        return SynnefoAPI(self, token or None)

    def heartbeat(self):
        """True when the identity service answers (one public call)."""
        try:
            with translated():
                self.factory.astakos('').get_endpoints()
            return True
        except BackendError as exc:
            log.warning('Synnefo heartbeat failed: %s', exc)
            return False

    def observe_calls(self, observe):
        """Tell ``observe(method, path, status, seconds)`` of every call
        to the cloud (the metrics: occi_pyramid/operations.py)."""
        self.factory.transport.observe = observe

    def close(self):
        self.factory.close()


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
    if settings['occi.synnefo.auth_url'] != 'embedded':
        return SynnefoBackend.from_settings(settings)
    simulator = embedded_simulator(settings)
    settings['occi.synnefo.auth_url'] = simulator.auth_url
    backend = SynnefoBackend.from_settings(settings)
    # NB: the embedded simulator listens on a new port at every start;
    # its database (a file, for make run) is what stays the same
    backend.cloud_id = 'embedded:%s' % settings.get(
        'occi.simulator.database_url', '')
    return backend


def includeme(config):
    """Register this backend (``config.include`` it, or name it in
    ``occi.backend`` and include :mod:`occi_pyramid.backends`)."""
    from occi_pyramid.backends import register_backend
    register_backend(config, load_from_config(config))
