"""The class of the application's requests.

Subsystems give the request their properties the Pyramid way
(``config.add_request_method``: ``request.occi``, ``request.categories``,
``request.occi_format`` ...).  Pyramid applies them to each request by
making a new subclass of the request class for every request
(``InstancePropertyHelper.apply_properties``): a class built per request,
and every attribute lookup on a request starting from a class whose
caches are cold.  :func:`freeze_request_extensions` builds that subclass
once, when the application is made, and has the router make requests of
it; what the registry holds is unchanged (``apply_request_extensions``
on a plain request still works, as in tests and ``pshell``).
"""


def freeze_request_extensions(router):
    """Make ``router`` (a Pyramid Router, just made) build its requests
    from one class that has the registry's request methods and
    properties as class attributes; return it."""
    extensions = router.request_extensions
    if extensions is None:
        return router
    base = router.request_factory
    attrs = dict(extensions.descriptors)
    attrs.update(extensions.methods)
    attrs['__module__'] = __name__
    attrs['__doc__'] = ('%s with the application\'s request methods and '
                        'properties (occi_pyramid.request).' % base.__name__)
    router.request_factory = type(base.__name__, (base,), attrs)
    router.request_extensions = None
    return router
