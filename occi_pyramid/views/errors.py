"""Every exception becomes an OCCI error rendering (docs/architecture.md §4).

The status and message come from the exception; the body follows the
negotiated format when negotiation succeeded (text/plain otherwise):
text/plain carries the message, text/occi an ``X-OCCI-Error`` header,
JSON ``{"code": …, "message": …}``.
"""
import logging

import colander
from pyramid.exceptions import PredicateMismatch
from pyramid.httpexceptions import HTTPException, HTTPNotFound
from pyramid.view import exception_view_config, forbidden_view_config

from ..exceptions import (
    BackendAuthError, InvalidAction, OCCIError, OCCIMethodNotAllowed,
    OCCINotAcceptable,
)
from ..fastpaths import allowed_methods
from ..interfaces import IBackend
from ..negotiation import HTML, occi_format_or_default
from ..security import Unauthenticated, denial_without_view

log = logging.getLogger(__name__)


def error_response(request, code, message, headers=()):
    """Render an OCCI error into ``request.response``."""
    from ..renderers.pyramid import render_error

    response = request.response
    response.status_int = code
    media_type = occi_format_or_default(request)
    render_error(request, response, media_type, code, message)
    for name, value in headers:
        response.headers[name] = value
    return response


@exception_view_config(OCCIError)
def occi_error(exc, request):
    headers = list(exc.headers.items())
    if isinstance(exc, BackendAuthError):
        headers.append(('WWW-Authenticate', www_authenticate(request)))
    if exc.code == 503:
        headers.append(('Retry-After', '30'))
    if exc.code >= 500 and exc.code != 501:
        log.warning('%s %s -> %d %s (%s)', request.method, request.path_qs,
                    exc.code, exc.message, getattr(exc, 'details', ''))
    response = error_response(request, exc.code, exc.message, headers)
    if isinstance(exc, BackendAuthError) and \
            occi_format_or_default(request) == HTML:
        # a browser asks for a password only when offered Basic (the
        # token is the password); OCCI clients keep the one challenge
        response.headers.add('WWW-Authenticate', BASIC_CHALLENGE)
    return response


@forbidden_view_config()
def unauthorized(exc, request):
    """A denial of the security policy (``security.py``): the 401 of a
    token the cloud refuses, with its challenges; any other 403 stays a
    403."""
    result = getattr(exc, 'result', None)
    if isinstance(result, Unauthenticated):
        return occi_error(BackendAuthError(result.msg), request)
    return http_exception(exc, request)


def answered_before_lookup(request):
    """For a request no view answers (404, 405): what a view there would
    have answered first, the 401 of a caller the policy refuses
    (``security.denial_without_view``), then on an OCCI path the 406 of
    an unacceptable ``Accept`` (``checks.occi_view_checks``); ``None``
    when neither applies."""
    denial = denial_without_view(request)
    if denial is not None:
        return occi_error(BackendAuthError(denial.msg), request)
    if request.matched_route is None and \
            request.__dict__.get('context') is not None:
        try:
            request.occi_format
        except OCCINotAcceptable as exc:
            return occi_error(exc, request)
    return None


#: the second challenge of a 401 answered in HTML
BASIC_CHALLENGE = 'Basic realm="OCCI: your cloud token as the password", ' \
    'charset="UTF-8"'


def www_authenticate(request):
    """``Keystone uri='<identity URL>'`` so Keystone-style clients can
    fetch a token and retry (the snf-occi precedent)."""
    settings = request.registry.settings
    uri = settings.get('occi.keystone_uri') or ''
    if not uri:
        backend = request.registry.queryUtility(IBackend)
        uri = getattr(backend, 'auth_url', '') or ''
    return "Keystone uri='%s'" % uri


@exception_view_config(colander.Invalid)
def invalid_attributes(exc, request):
    errors = exc.asdict()
    message = '; '.join(
        '%s: %s' % (name, text) for name, text in sorted(errors.items())
    ) or str(exc)
    return error_response(request, 400, 'Invalid attributes: ' + message)


def unknown_action(request, term):
    """The 400 of ``?action=<term>`` where the context has no such
    action."""
    context = getattr(request, 'context', None)
    return InvalidAction('The action %r is not defined for %s.' % (
        term, getattr(context, 'path', request.path)))


@exception_view_config(PredicateMismatch)
def no_view_matched(exc, request):
    """A context was found but no view fits the method or the action."""
    answered = answered_before_lookup(request)
    if answered is not None:
        return answered
    context = getattr(request, 'context', None)
    action = request.GET.get('action')
    methods = allowed_methods(request, context)
    if request.method == 'POST' and action is not None and 'POST' in methods:
        return occi_error(unknown_action(request, action), request)
    exc = OCCIMethodNotAllowed(
        'The method %s is not allowed on %s.' % (
            request.method, getattr(context, 'path', request.path)),
        allow=methods)
    return occi_error(exc, request)


#: what a PUT where no entity is gets (a client-chosen location)
PUT_REFUSAL = ('Creating an entity at a location the client chooses is not '
               'supported; POST it to %s instead.')


@exception_view_config(HTTPNotFound)
def not_found(exc, request):
    answered = answered_before_lookup(request)
    if answered is not None:
        return answered
    if request.method == 'PUT' and not request.path.endswith('/'):
        # NB: the same refusal as a PUT below a kind (docs/decisions.md)
        return error_response(request, 400, PUT_REFUSAL % (
            'the location of its kind'))
    return error_response(
        request, 404, 'Nothing is found at %s.' % request.path)


@exception_view_config(HTTPException)
def http_exception(exc, request):
    message = exc.detail or exc.explanation or exc.title
    headers = [(k, v) for k, v in exc.headers.items()
               if k.lower() in ('allow', 'location', 'www-authenticate')]
    return error_response(request, exc.code, str(message), headers)


@exception_view_config(Exception)
def unexpected(exc, request):
    log.exception('Unexpected error on %s %s', request.method,
                  request.path_qs)
    return error_response(
        request, 500, 'An internal error occurred; it has been logged.')
