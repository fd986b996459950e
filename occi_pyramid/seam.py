"""``request.occi``: the one seam between the views and the cloud.

Built per request from plain values (the caller's token, the application
URL, the static categories) by the backend ``occi.backend`` names, and
wrapped for deferred work and user mixins (:mod:`occi_pyramid.wrappers`)
with the parts of the store the application registered
(:mod:`occi_pyramid.store`).  This is the only module that reads the
Pyramid request for the backend and the store: nothing under
:mod:`occi_pyramid.backends`, :mod:`occi_pyramid.model` or
:mod:`occi_pyramid.store` sees one (docs/backends.md).
"""
from . import model
from .interfaces import (
    IBackend, ICategoryRegistry, IDeferredWork, IPendingStore, IRegion,
    IUserMixinStore,
)
from .locations import entity_location
from .wrappers.deferred import DeferredSession, DeferredWork, deferred_work
from .wrappers.usermixins import UserMixinSession

#: where a backend's templates are: below their family's location
TEMPLATE_LOCATIONS = (model.OS_TPL.location, model.RESOURCE_TPL.location,
                      model.FLOATINGIPPOOL.location)
#: where a backend's project mixins are (docs/backends.md)
PROJECT_LOCATIONS = ('/project/',)


def backend_session(request):
    """The backend's own OCCI session for this request, built from plain
    values: the caller's token, the application URL (against which link
    locations are read) and the static categories."""
    registry = request.registry
    return registry.getUtility(IBackend).session(
        request.auth_token, request.application_url,
        registry.getUtility(ICategoryRegistry))


def occi_session(request):
    """``request.occi``: the backend session with the caller's deferred
    work and user mixins around it (:mod:`occi_pyramid.wrappers`; both
    kept in the store, when one is configured), and the endpoint's region
    on its resources."""
    registry = request.registry
    session = backend_session(request)
    work = deferred_work(registry)
    if work is not None:
        session = DeferredSession(
            session, work, request.auth_token,
            lambda location: entity_location(request, location))
    return UserMixinSession(session, registry.queryUtility(IUserMixinStore),
                            registry.getUtility(ICategoryRegistry),
                            registry.queryUtility(IRegion))


def template_source(request):
    """Category source: the caller's os_tpl and resource_tpl mixins."""
    if not request.auth_token:
        return []
    return request.occi.templates()


def project_source(request):
    """Category source: the caller's project mixins, for a backend that
    offers them (Synnefo's projects)."""
    projects = getattr(request.occi, 'projects', None)
    if not request.auth_token or projects is None:
        return []
    return projects()


def mixin_source(request):
    """Category source: the caller's user mixins (none without a store)."""
    if not request.auth_token:
        return []
    return list(request.occi.user_mixins().values())


def mixin_probe(request, path):
    """Whether a user mixin may be at or below ``path``: anyone's, so
    that a path nobody uses is 404 without asking the cloud who the
    caller is."""
    return request.occi.mixins_below(path)


def register_deferred_work(registry):
    """The application's deferred work, once the backend and the store
    are registered (none without a store)."""
    rows = registry.queryUtility(IPendingStore)
    if rows is None:
        return
    registry.registerUtility(DeferredWork(
        rows, registry.getUtility(IBackend),
        registry.getUtility(ICategoryRegistry), registry.settings),
        IDeferredWork)


def includeme(config):
    """``request.occi``, the backend's templates and the caller's user
    mixins as category sources, and the deferred work (included by
    :func:`occi_pyramid.backends.register_backend`)."""
    config.add_occi_category_source(template_source,
                                    below=TEMPLATE_LOCATIONS)
    config.add_occi_category_source(project_source,
                                    below=PROJECT_LOCATIONS)
    config.add_occi_category_source(mixin_source, probe=mixin_probe)
    config.add_request_method(occi_session, 'occi', reify=True)
    registry = config.registry
    # NB: after every action of order 0: the backend's and the store's
    # registrations
    config.action(('occi_pyramid.seam', 'deferred-work'),
                  lambda: register_deferred_work(registry), order=1)
