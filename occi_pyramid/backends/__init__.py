"""Pluggable backends (docs/backends.md, docs/architecture.md §3).

``config.include('occi_pyramid.backends')`` resolves the ``occi.backend``
setting (a dotted module name), calls its ``load_from_config(config)``,
checks the result provides :class:`~occi_pyramid.interfaces.IBackend`,
registers it with the provider mixins it serves, and gives every request
``request.occi``: the backend's
:class:`~occi_pyramid.interfaces.IOCCISession` for the caller's token,
wrapped so that user mixins work whatever the backend.  Views never call
``getUtility`` themselves, and the backend never sees the request.
"""
from pyramid.exceptions import ConfigurationError
from zope.interface.exceptions import Invalid
from zope.interface.verify import verifyObject

from occi_pyramid import model
from occi_pyramid.interfaces import IBackend, ICategoryRegistry

DEFAULT_BACKEND = 'occi_pyramid.backends.synnefo'


def backend_session(request):
    """The backend's own OCCI session for this request, built from plain
    values: the caller's token, the application URL (against which link
    locations are read) and the static categories."""
    backend = request.registry.getUtility(IBackend)
    return backend.session(
        request.auth_token, request.application_url,
        request.registry.getUtility(ICategoryRegistry))


def occi_session(request):
    """``request.occi``: the backend session with the caller's user
    mixins around it (the user-mixin store, when one is configured)."""
    from occi_pyramid.usermixins import UserMixinSession

    registry = request.registry
    return UserMixinSession(backend_session(request),
                            getattr(registry, 'occi_store', None),
                            registry.getUtility(ICategoryRegistry))


#: where a backend's templates are: below their family's location
TEMPLATE_LOCATIONS = (model.OS_TPL.location, model.RESOURCE_TPL.location)


def template_source(request):
    """Category source: the caller's os_tpl and resource_tpl mixins."""
    if not request.auth_token:
        return []
    return request.occi.templates()


def set_occi_backend(config, backend):
    """Directive: register ``backend`` as the IBackend utility.  Two
    conflicting registrations fail at commit time."""
    try:
        verifyObject(IBackend, backend)
    except Invalid as exc:
        raise ConfigurationError(
            '%r does not provide IBackend: %s' % (backend, exc))

    def register():
        config.registry.registerUtility(backend, IBackend)

    config.action(('occi-backend',), register)


def register_backend(config, backend):
    """Register ``backend``, its provider mixins, its templates as a
    category source, and ``request.occi``."""
    config.add_directive('set_occi_backend', set_occi_backend,
                         action_wrap=False)
    config.set_occi_backend(backend)
    for mixin in getattr(backend, 'mixins', ()):
        config.add_occi_mixin(mixin)
    config.add_occi_category_source(template_source,
                                    below=TEMPLATE_LOCATIONS)
    config.add_request_method(occi_session, 'occi', reify=True)


def includeme(config):
    settings = config.get_settings()
    name = settings.get('occi.backend') or DEFAULT_BACKEND
    module = config.maybe_dotted(name)
    load = getattr(module, 'load_from_config', None)
    if load is None:
        raise ConfigurationError(
            'occi.backend %r has no load_from_config(config)' % name)
    register_backend(config, load(config))
