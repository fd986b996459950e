"""Typed settings: defaults, coercion and one place to read them.

``includeme`` merges :data:`DEFAULTS` under the ini's values, coerces each
``occi.*`` key once and stores the typed values back in the registry
settings.  No other module reads raw strings.
"""
from pyramid.settings import asbool, aslist

__version__ = '0.1.0'

#: key -> (default, coercer)
DEFAULTS = {
    # the product token of the Server header
    'occi.server_name': ('occi-pyramid/%s' % __version__, str),
    # dotted name of the backend module (it provides load_from_config)
    'occi.backend': ('occi_pyramid.backends.synnefo', str),
    # identity (Astakos/Keystone v2.0) URL, or "embedded" to start the
    # Synnefo API simulator in-process on a loopback port
    'occi.synnefo.auth_url': ('embedded', str),
    # CA bundle used to verify the cloud's TLS certificate (empty: system)
    'occi.synnefo.ca_certs': ('', str),
    # skip TLS verification (never in production)
    'occi.synnefo.insecure': (False, asbool),
    # socket timeout, in seconds, of every call to the cloud
    'occi.synnefo.timeout': (30.0, float),
    # seconds that a user's images and flavors stay cached
    'occi.synnefo.cache_ttl': (60.0, float),
    # seconds to wait for the cloud where a link needs it (a new compute
    # built before its storage attaches, a link's floating IP detached
    # before it is released; a deleted compute's floating IPs wait at
    # most occi.synnefo.timeout)
    'occi.synnefo.link_wait': (120.0, float),
    # cloud list calls a collection makes at once (1: one after another)
    'occi.synnefo.parallel_calls': (8, int),
    # volume type of standalone storage (empty: the first detachable one)
    'occi.synnefo.volume_type': ('', str),
    # the web origins (scheme://host[:port]) whose pages may call this
    # server from a browser (CORS), separated by spaces; empty: none
    'occi.cors.origins': ((), lambda value: tuple(aslist(value))),
    # where load balancers ask whether the process is healthy (no token;
    # empty: no such path)
    'occi.health.path': ('/-/health', str),
    # where Prometheus scrapes this process's metrics (no token; empty:
    # no such path)
    'occi.metrics.path': ('/-/metrics', str),
    # the name of this endpoint's region: its entities carry the region's
    # mixin (docs/decisions.md); Synnefo's identity catalog calls the
    # region of its endpoints "default"
    'occi.region': ('default', str),
    # default os_tpl / resource_tpl terms used when a create names none
    'occi.default_os_tpl': ('', str),
    'occi.default_resource_tpl': ('', str),
    # URL of the identity service advertised in WWW-Authenticate
    # (empty: the auth_url)
    'occi.keystone_uri': ('', str),
    # largest request body accepted, in bytes
    'occi.max_body_size': (1048576, int),
    # largest header block of a text/occi answer, in bytes: above it the
    # client's next acceptable type, else 406 (proxies limit headers)
    'occi.max_header_size': (65536, int),
    # most entities one page of a collection holds (?page=&number=)
    'occi.max_page_size': (1000, int),
    # pooled connections kept per cloud host (kamaki/objpool pools)
    'occi.synnefo.pool_size': (100, int),
    # SQLAlchemy URL of the user-mixin store: an SQLite file (relative to
    # the working directory; its folder is created) for one process, a
    # PostgreSQL URL for several processes sharing one state
    'occi.store.url': ('sqlite:///var/occi-store.sqlite', str),
    # seconds a process may answer the store's hot reads (a caller's
    # mixins, associations, pending links) from memory; any change to the
    # store, by any process, ends them (at once, or once PostgreSQL's
    # notification reaches the other processes: store/cache.py); 0: every
    # request reads the database
    'occi.store.cache_ttl': (60.0, float),
    # seconds deferred work (a link to a busy compute, a delete the cloud
    # refuses for now) may wait before it goes to error (docs/decisions.md)
    'occi.pending.max_wait': (600.0, float),
    # seconds between two looks at the resource deferred work waits for
    # (a compute being built, a volume attaching)
    'occi.pending.poll': (0.5, float),
    # longest pause, in seconds, between two attempts while the cloud
    # does not answer (the pause doubles from 0.5 s up to this)
    'occi.pending.retry_max': (10.0, float),
    # seconds a process holds deferred work it is carrying out before
    # another process may take it over (it died)
    'occi.pending.lease': (300.0, float),
}


def coerce_settings(settings):
    """Return a copy of ``settings`` with defaults filled and types fixed.

    Keys outside :data:`DEFAULTS` (for example ``occi.simulator.*`` or
    ``pyramid.*``) are kept as they are.
    """
    result = dict(settings)
    for key, (default, coerce) in DEFAULTS.items():
        value = result.get(key, default)
        if isinstance(value, str) and coerce is not str:
            value = coerce(value.strip())
        elif coerce is str and value is not None:
            value = str(value).strip()
        result[key] = value
    return result


def prefixed(settings, prefix, strip=True):
    """The sub-dictionary of ``settings`` whose keys start with ``prefix``."""
    return {
        (key[len(prefix):] if strip else key): value
        for key, value in settings.items()
        if key.startswith(prefix)
    }


def includeme(config):  # pragma: no cover - wiring, covered functionally
    config.registry.settings.update(
        coerce_settings(config.registry.settings)
    )


__all__ = ['DEFAULTS', 'coerce_settings', 'prefixed', 'aslist', 'asbool']
