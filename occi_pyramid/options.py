"""``OPTIONS`` on any OCCI location: 200 with ``Allow`` (RFC 9110 §9.3.7).

The methods come from the registered views, as a 405's ``Allow`` does
(:func:`~occi_pyramid.fastpaths.allowed_methods`).  An ``OPTIONS``
request needs no token (a browser's CORS preflight never carries one):
the view is public (``security.PUBLIC``), and this answer reveals
nothing but the methods.  The answer has no body, so no Content-Type;
the origins ``occi.cors.origins`` allows also get the CORS headers of a
preflight (``checks.add_cors_headers``, on every answer).
"""
from pyramid.response import Response
from zope.interface import Interface

from .fastpaths import allowed_methods
from .security import PUBLIC


def options(context, request):
    response = Response(status=200)
    # NB: an empty body has no media type (WebOb's default is text/html)
    del response.headers['Content-Type']
    response.headers['Allow'] = ', '.join(allowed_methods(request, context))
    return response


def includeme(config):
    config.add_view(options, context=Interface, request_method='OPTIONS',
                    permission=PUBLIC)
