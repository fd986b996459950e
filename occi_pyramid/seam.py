"""``request.occi``: the one seam between the views and the cloud.

Built per request from plain values (the caller's token, the application
URL, the static categories) by the backend ``occi.backend`` names, and
wrapped for deferred work and user mixins (:mod:`occi_pyramid.wrappers`).
This is the only module that reads the Pyramid request for the backend:
nothing under :mod:`occi_pyramid.backends` or :mod:`occi_pyramid.model`
sees one (docs/backends.md).
"""
from . import model
from .interfaces import IBackend, ICategoryRegistry
from .locations import entity_location
from .wrappers.deferred import DeferredSession, deferred_work
from .wrappers.usermixins import UserMixinSession

#: where a backend's templates are: below their family's location
TEMPLATE_LOCATIONS = (model.OS_TPL.location, model.RESOURCE_TPL.location)


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
    kept in the store, when one is configured)."""
    registry = request.registry
    session = backend_session(request)
    work = deferred_work(registry)
    if work is not None:
        session = DeferredSession(
            session, work, request.auth_token,
            lambda location: entity_location(request, location))
    return UserMixinSession(session, getattr(registry, 'occi_store', None),
                            registry.getUtility(ICategoryRegistry))


def template_source(request):
    """Category source: the caller's os_tpl and resource_tpl mixins."""
    if not request.auth_token:
        return []
    return request.occi.templates()


def includeme(config):
    """``request.occi``, and the backend's templates as a category source
    (included by :func:`occi_pyramid.backends.register_backend`)."""
    config.add_occi_category_source(template_source,
                                    below=TEMPLATE_LOCATIONS)
    config.add_request_method(occi_session, 'occi', reify=True)
