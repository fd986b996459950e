"""Pluggable backends (docs/backends.md, docs/architecture.md §3).

``config.include('occi_pyramid.backends')`` resolves the ``occi.backend``
setting (a dotted module name), calls its ``load_from_config(config)``,
checks the result provides :class:`~occi_pyramid.interfaces.IBackend`,
registers it with the provider mixins it serves, and includes
:mod:`occi_pyramid.seam`, which gives every request ``request.occi``: the
backend's :class:`~occi_pyramid.interfaces.IOCCISession` for the
caller's token, wrapped so that user mixins work whatever the backend.
Views never call ``getUtility`` themselves, and nothing in this package
reads a Pyramid request.
"""
from pyramid.exceptions import ConfigurationError
from zope.interface.exceptions import Invalid
from zope.interface.verify import verifyObject

from occi_pyramid.interfaces import IBackend

DEFAULT_BACKEND = 'occi_pyramid.backends.synnefo'


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
    """Register ``backend`` and its provider mixins, and include
    :mod:`occi_pyramid.seam` (``request.occi``, the templates)."""
    config.add_directive('set_occi_backend', set_occi_backend,
                         action_wrap=False)
    config.set_occi_backend(backend)
    for mixin in getattr(backend, 'mixins', ()):
        config.add_occi_mixin(mixin)
    config.include('occi_pyramid.seam')


def includeme(config):
    settings = config.get_settings()
    name = settings.get('occi.backend') or DEFAULT_BACKEND
    module = config.maybe_dotted(name)
    load = getattr(module, 'load_from_config', None)
    if load is None:
        raise ConfigurationError(
            'occi.backend %r has no load_from_config(config)' % name)
    register_backend(config, load(config))
