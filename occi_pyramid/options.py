"""``OPTIONS`` on any OCCI location: 200 with ``Allow`` (RFC 9110 §9.3.7).

The methods come from the registered views, as a 405's ``Allow`` does
(:func:`~occi_pyramid.views.errors.allowed_methods`).  An ``OPTIONS``
request needs no token (a browser's CORS preflight never carries one):
``checks.require_token`` lets it through, and this answer reveals
nothing but the methods.  The answer has no body, so no Content-Type;
the origins ``occi.cors.origins`` allows also get the CORS headers of a
preflight (``checks.add_cors_headers``, on every answer).
"""
from pyramid.response import Response
from zope.interface import Interface


def options(context, request):
    from .views.errors import allowed_methods

    response = Response(status=200)
    # NB: an empty body has no media type (WebOb's default is text/html)
    del response.headers['Content-Type']
    response.headers['Allow'] = ', '.join(allowed_methods(request, context))
    return response


def includeme(config):
    config.add_view(options, context=Interface, request_method='OPTIONS')
