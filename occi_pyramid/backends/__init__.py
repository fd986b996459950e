"""Pluggable backends (docs/architecture.md §3).

``config.include('occi_pyramid.backends')`` resolves the ``occi.backend``
setting (a dotted module name), calls its ``load_from_config(config)``,
checks the result provides :class:`~occi_pyramid.interfaces.IBackend` and
registers it.  Views reach the per-request session as ``request.backend``
and never call ``getUtility`` themselves.
"""
from pyramid.exceptions import ConfigurationError
from zope.interface.exceptions import Invalid
from zope.interface.verify import verifyObject

from occi_pyramid.interfaces import IBackend

DEFAULT_BACKEND = 'occi_pyramid.backends.synnefo'


def get_backend_session(request):
    """``request.backend``: the backend session bound to this request."""
    backend = request.registry.getUtility(IBackend)
    token = getattr(request, 'auth_token', None)
    return backend.session(token if token is not None else request)


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
    """Register ``backend`` and the ``request.backend`` session."""
    config.add_directive('set_occi_backend', set_occi_backend,
                         action_wrap=False)
    config.set_occi_backend(backend)
    config.add_request_method(get_backend_session, 'backend', reify=True)


def includeme(config):
    settings = config.get_settings()
    name = settings.get('occi.backend') or DEFAULT_BACKEND
    module = config.maybe_dotted(name)
    load = getattr(module, 'load_from_config', None)
    if load is None:
        raise ConfigurationError(
            'occi.backend %r has no load_from_config(config)' % name)
    register_backend(config, load(config))
