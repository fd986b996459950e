"""What operators ask of a running server: is it healthy, and how is it
doing (docs/deployment.md, "Health and metrics").

* ``occi.health.path`` (``/-/health``): no token; 200 when the store and
  the cloud's identity service answer, else 503, with a small JSON
  document saying which (for load balancers and probes);
* ``occi.metrics.path`` (``/-/metrics``): no token; the process's metrics
  in Prometheus' text format (``prometheus_client``): requests by route,
  method and status, their latency, calls to the cloud by endpoint and
  status, and the deferred work waiting.  Each process answers for
  itself: scrape every process.

Both paths lie below ``/-/``, where no entity or user mixin can be; an
empty setting turns either off.
"""
import functools
import json
import re
import time

from pyramid.response import Response
from zope.interface import implementer

from .interfaces import IBackend, IMetrics, IUserMixinStore
from .security import PUBLIC
from .settings import __version__

#: latency buckets of the requests, in seconds
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: a path segment that is an id (digits, a UUID, a pending link's id)
_ID = re.compile(r'^(?:\d+|[0-9a-fA-F-]{16,}|pending-\d+|\d+_\d+)$')


@implementer(IMetrics)
class Metrics:
    """The metrics of one application (one cloud), in a registry of its
    own (several applications may share a process: multicloud.ini)."""

    def __init__(self):
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            'occi_requests', 'OCCI requests answered, by route, method and '
            'status', ['route', 'method', 'status'], registry=self.registry)
        self.latency = Histogram(
            'occi_request_duration_seconds', 'Time to answer an OCCI '
            'request, by route and method', ['route', 'method'],
            buckets=BUCKETS, registry=self.registry)
        self.cloud_calls = Counter(
            'occi_cloud_calls', 'Calls to the cloud, by endpoint (method '
            'and path, ids as {id}) and status (0: no answer)',
            ['endpoint', 'status'], registry=self.registry)
        self.cloud_latency = Histogram(
            'occi_cloud_call_duration_seconds', 'Time of a call to the '
            'cloud, by endpoint', ['endpoint'], buckets=BUCKETS,
            registry=self.registry)

        # NB: each labelled child looked up once (``labels()`` takes a lock
        # and builds a key on every call: a tenth of a request's metrics)
        self._children = {}

    def _child(self, metric, *labels):
        key = (metric, labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def request(self, request, status, seconds):
        route = route_of(request)
        method = request.method
        self._child(self.requests, route, method, str(status)).inc()
        self._child(self.latency, route, method).observe(seconds)

    def cloud_call(self, method, path, status, seconds):
        """One call to the cloud (the backend's transport tells)."""
        endpoint = endpoint_of(method, path)
        self._child(self.cloud_calls, endpoint, str(status)).inc()
        self._child(self.cloud_latency, endpoint).observe(seconds)

    def waiting_from(self, read):
        """Report the deferred work waiting, read at each scrape:
        ``read()`` gives ``{operation: count}``."""
        self.registry.register(_Waiting(read))

    def text(self):
        from prometheus_client import generate_latest

        return generate_latest(self.registry)


class _Waiting:
    """A collector: the deferred work waiting, read at scrape time."""

    def __init__(self, read):
        self.read = read

    def describe(self):
        return []

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        family = GaugeMetricFamily(
            'occi_deferred_waiting', 'Deferred work waiting to be carried '
            'out (links to make, deletes to finish), by operation',
            labels=['operation'])
        for operation, count in sorted(self.read().items()):
            family.add_metric([operation], count)
        yield family


@functools.lru_cache(maxsize=4096)
def endpoint_of(method, path):
    """``METHOD /path`` of a cloud call, its ids as ``{id}`` and no query
    (the label stays one per endpoint, whatever the ids)."""
    path = (path or '').split('?', 1)[0]
    return '%s %s' % (method, '/'.join(
        '{id}' if _ID.match(part) else part for part in path.split('/')))


def route_of(request):
    """What a request addressed, as a label of few values: a route's
    name, or the traversal context's type (with its kind)."""
    route = getattr(request, 'matched_route', None)
    if route is not None:
        return route.name
    context = request.__dict__.get('context')
    if context is None:
        return 'none'
    kind = getattr(context, 'kind', None)
    name = type(context).__name__
    return '%s:%s' % (name, kind.term) if kind is not None else name


def health(request):
    """``occi.health.path``: whether the store and the cloud answer."""
    registry = request.registry
    checks = {}
    started = time.perf_counter()
    store = registry.queryUtility(IUserMixinStore)
    if store is not None:
        checks['store'] = _answers(store.ping)
    checks['cloud'] = _answers(registry.getUtility(IBackend).heartbeat)
    healthy = all(value == 'ok' for value in checks.values())
    body = dict(checks, status='ok' if healthy else 'failing',
                version=__version__,
                seconds=round(time.perf_counter() - started, 3))
    response = Response(
        json.dumps(body, sort_keys=True) + '\n', status=200 if healthy
        else 503, content_type='application/json', charset='utf-8')
    response.cache_control = 'no-store'
    return response


def _answers(check):
    try:
        return 'ok' if check() is not False else 'failing'
    except Exception:
        return 'failing'


def metrics(request):
    """``occi.metrics.path``: this process's metrics (Prometheus' text
    exposition format)."""
    from prometheus_client import CONTENT_TYPE_LATEST

    response = Response(request.registry.getUtility(IMetrics).text())
    response.headers['Content-Type'] = CONTENT_TYPE_LATEST
    response.cache_control = 'no-store'
    return response


def includeme(config):
    """The health and metrics paths (after the backend and the store:
    the metrics watch the backend's calls and the store's waiting
    work).  Both are public: probes and scrapers carry no token."""
    settings = config.get_settings()
    registry = config.registry
    registry.registerUtility(Metrics(), IMetrics)
    health_path = settings.get('occi.health.path')
    if health_path:
        config.add_route('occi_health', health_path)
        config.add_view(health, route_name='occi_health',
                        permission=PUBLIC)
    metrics_path = settings.get('occi.metrics.path')
    if metrics_path:
        config.add_route('occi_metrics', metrics_path)
        config.add_view(metrics, route_name='occi_metrics',
                        permission=PUBLIC)
    # NB: after the deferred work, registered at order 1 (seam.py)
    config.action(('occi_pyramid.operations', 'watch'),
                  lambda: watch(registry), order=2)


def watch(registry):
    """Once the application is configured: the backend tells its cloud
    calls, the deferred work (kept in the store) what waits."""
    from .wrappers.deferred import deferred_work

    metrics = registry.getUtility(IMetrics)
    backend = registry.queryUtility(IBackend)
    observe = getattr(backend, 'observe_calls', None)
    if observe is not None:
        observe(metrics.cloud_call)
    work = deferred_work(registry)
    if work is not None:
        metrics.waiting_from(lambda: work.store.waiting(work.cloud))
