"""The fast paths: where the application steps around Pyramid's usual way
for speed, each kept because it pays.

Each is measured with ``bench/bench_cpu.py --callgrind --requests 200``
(instructions of the OCCI process per request, from valgrind's
callgrind: the same count on every run, whatever else the machine does)
with it and without it, on the same code (before the security policy
came; these fast paths are the same since).  To measure one again, undo
it (``main`` returning ``config.make_wsgi_app()`` as it comes;
:func:`_methods_by_context` without its cache; ``NewRequest`` and
``ContextFound`` subscribers) and run the benchmark before and after.  A
fast path that no longer saves 1-2% of a request goes.

* :func:`freeze_request_extensions`: subsystems give the request their
  properties the Pyramid way (``config.add_request_method``:
  ``request.occi``, ``request.occi_format`` ...).  Pyramid applies them
  to each request by making a new subclass of the request class for
  every request (``InstancePropertyHelper.apply_properties``): a class
  built per request, and every attribute lookup on a request starting
  from a class whose caches are cold.  This builds that subclass once,
  when the application is made, and has the router make requests of
  it; what the registry holds is unchanged (``apply_request_extensions``
  on a plain request still works, as in tests and ``pshell``).
  Measured: an entity GET costs 1,771,036 instructions with it and
  1,958,697 without (10.6% saved) in text/plain, 1,726,104 and
  1,906,444 (10.4%) in JSON.
* :func:`allowed_methods`: the methods of a context's views (the
  ``Allow`` of a 405 and of ``OPTIONS``) read from Pyramid's
  introspector once per application, not on each such request.
  Measured: ``OPTIONS`` on an entity costs 559,602 instructions with it
  and 1,030,253 without (46% saved).
* No event subscriber: Pyramid skips its five events per request
  (``NewRequest``, ``BeforeTraversal``, ``ContextFound``,
  ``BeforeRender``, ``NewResponse``, each a registry lookup) only when
  nothing subscribes to any event, so the checks around the view run in
  a tween, the security policy and a view deriver (``guards.py``,
  ``security.py``, ``checks.py``), the ordinary places, instead.  Add no
  subscriber (``tests/functional/test_checks.py`` checks there is
  none).  Measured: with the same checks in ``NewRequest`` and
  ``ContextFound`` subscribers an entity GET costs 1,816,821
  instructions instead of 1,771,036 in text/plain (2.5% saved without
  them), 1,783,332 instead of 1,726,104 in JSON (3.2%).

Two builds of nearly the same code can count 1% apart on the same
request (where a change moves memory and caches): the security policy's
own cost is lost in that (an entity GET measured 1,766,837
instructions in text/plain and 1,691,779 in JSON with it, against
1,771,036 and 1,726,104 with the hand-made checks it replaced; an
earlier build of it 1,778,423 and 1,712,844), so only a saving well
above 1% is worth a fast path.
"""
from zope.interface import providedBy


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
                        'properties (occi_pyramid.fastpaths).'
                        % base.__name__)
    router.request_factory = type(base.__name__, (base,), attrs)
    router.request_extensions = None
    return router


def _methods_by_context(registry):
    """``{context type: methods}`` of the registered views (kept on the
    registry once built)."""
    cached = getattr(registry, '_occi_allowed_methods', None)
    if cached is not None:
        return cached
    table = {}
    for entry in registry.introspector.get_category('views'):
        intr = entry['introspectable']
        if intr.get('exception_only') or intr.get('context') is None:
            continue
        context = intr['context']
        if isinstance(context, type) and issubclass(context, Exception):
            continue
        methods = intr.get('request_methods') or ()
        if isinstance(methods, str):
            methods = (methods,)
        if not methods:
            continue
        bucket = table.setdefault(context, set())
        bucket.update(methods)
        if 'GET' in methods:
            bucket.add('HEAD')
    registry._occi_allowed_methods = table
    return table


def allowed_methods(request, context):
    """The methods some view accepts for ``context``, sorted."""
    if context is None:
        return []
    table = _methods_by_context(request.registry)
    methods = set()
    for iface in providedBy(context).__sro__:
        methods |= table.get(iface, set())
    return sorted(methods)
