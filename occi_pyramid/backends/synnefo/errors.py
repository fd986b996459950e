"""kamaki's errors become our :class:`~occi_pyramid.exceptions.BackendError`.

Mapping (by the status Synnefo answered):

==========  ===============================================================
status      raised
==========  ===============================================================
400         :class:`BackendBadRequest`
401         :class:`BackendAuthError`
403         :class:`BackendForbidden`
404         :class:`BackendNotFound`
409         :class:`BackendConflict` (also ``buildInProgress``)
413         :class:`BackendQuotaExceeded` (403) for a quota;
            :class:`BackendOverLimit` (personality, subnet size)
other 4xx   :class:`BackendBadRequest` carrying that code (405, 411, 415...)
501         :class:`BackendNotImplemented`
502-504     :class:`BackendUnavailable` (the cloud, or its proxy, is down)
other 5xx   :class:`BackendError` 502: the cloud failed on this request
0 / none    :class:`BackendUnavailable`: refused, reset, timed out, dropped
TLS         :class:`BackendError` 502: the certificate could not be
            verified; retrying will not help, so not a 503
==========  ===============================================================

The message is Synnefo's own text (``"Server not found."``); when Synnefo
adds a one-line explanation in ``details`` (the 413 quota faults do:
``"Limit for resource 'Virtual Machine' exceeded ..."``) it is appended,
so the OCCI client reads why.  ``details`` keeps everything for the logs.

This module does not import kamaki; it recognises kamaki's exceptions by
their attributes and class names (see :func:`translate`).

Errors are mapped once, here, when a call of the Synnefo API fails
(:func:`translated`, around every :class:`.api.SynnefoAPI` operation).
The handlers only retell one in OCCI terms (:func:`retold`, same class,
status and details) or say that what Synnefo reports as a bad request is
a state conflict (:func:`as_conflict`); they never build a second error
from a first one's message alone.
"""
import copy
import json
import re
import socket
import ssl

from occi_pyramid.exceptions import (
    BackendAuthError, BackendBadRequest, BackendConflict, BackendError,
    BackendForbidden, BackendNotFound, BackendNotImplemented,
    BackendOverLimit, BackendQuotaExceeded, BackendUnavailable,
)

BY_STATUS = {
    400: BackendBadRequest,
    401: BackendAuthError,
    403: BackendForbidden,
    404: BackendNotFound,
    409: BackendConflict,
    413: BackendOverLimit,
    501: BackendNotImplemented,
    502: BackendUnavailable,
    503: BackendUnavailable,
    504: BackendUnavailable,
}

# kamaki: "<reason> <faultName> (<message>)"
_KAMAKI_MESSAGE = re.compile(r'^(?P<reason>.*?)\s*(?P<name>\w+) \((?P<msg>.*)\)$',
                             re.S)
_MAX_DETAIL = 300
#: how Astakos starts the message of an exhausted quota (its overLimit
#: faults for a subnet's size or a personality say otherwise)
_QUOTA_MESSAGE = 'Resource Limit Exceeded'


def _fault_from_body(text):
    """``(name, message, details)`` from a Synnefo fault body, or None."""
    if not isinstance(text, str) or '{' not in text:
        return None
    try:
        body = json.loads(text[text.index('{'):])
        name = next(iter(body))
        fault = body[name]
        return name, fault.get('message') or '', fault.get('details') or ''
    except Exception:
        return None


def _flatten(details):
    if not details:
        return []
    if isinstance(details, (list, tuple)):
        return [('%s' % d) for d in details if d]
    return ['%s' % details]


def error_for(status, message='', details=None):
    """The :class:`BackendError` for a cloud answer (pure function).

    ``message`` is kamaki's message (or Synnefo's text); ``details`` a list
    of strings or a string, as kamaki and astakosclient give them.
    """
    details = _flatten(details)
    message = (message or '').strip()
    # astakosclient: message is the HTTP reason, the body is in details
    for d in list(details):
        fault = _fault_from_body(d)
        if fault:
            details.remove(d)
            message = fault[1] or message
            if fault[2]:
                # the Cyclades 401 wraps Astakos' answer as its details
                inner = _fault_from_body(fault[2])
                if inner and inner[1]:
                    message = inner[1]
                else:
                    details.append(fault[2])
    match = _KAMAKI_MESSAGE.match(message)
    if match:
        message = match.group('msg').strip()
    extra = [d.strip() for d in details
             if d and '\n' not in d.strip() and len(d) <= _MAX_DETAIL]
    if extra and extra[0] not in message:
        message = '%s %s' % (message, extra[0]) if message else extra[0]
    if status in BY_STATUS:
        cls, code = BY_STATUS[status], status
    elif 400 <= status < 500:
        cls, code = BackendBadRequest, status
    elif status >= 500:
        cls, code = BackendError, 502
    else:
        cls, code = BackendUnavailable, 503
    if status == 413 and message.startswith(_QUOTA_MESSAGE):
        cls, code = BackendQuotaExceeded, BackendQuotaExceeded.code
    return cls(message or None, code=code, details='\n'.join(details) or None)


def _network_cause(exc):
    """The socket-level error behind ``exc`` (astakosclient wraps it)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, (OSError, socket.timeout)):
            return exc
        errobject = getattr(exc, 'errobject', None)
        if isinstance(errobject, BaseException):
            exc = errobject
            continue
        exc = exc.__cause__ or exc.__context__
    return None


def _tls_cause(exc):
    """The TLS error behind ``exc`` (an ``ssl.SSLError`` or kamaki's
    ``KamakiSSLError``), or None."""
    found, seen = None, set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, ssl.SSLError):
            return exc
        if found is None and type(exc).__name__ in (
                'KamakiSSLError', 'SSLUnicodeError', 'SSLCredentialsMissing'):
            found = exc
        errobject = getattr(exc, 'errobject', None)
        exc = errobject if isinstance(errobject, BaseException) else (
            exc.__cause__ or exc.__context__)
    return found


def _tls_reason(error):
    if isinstance(error, ssl.SSLError):
        return (getattr(error, 'verify_message', None) or error.reason
                or str(error))
    return ('%s' % error).strip()


def translate(exc):
    """The :class:`BackendError` for any exception raised by a kamaki call.

    Returns ``None`` for exceptions that are not about the cloud (our own
    bugs must surface as they are).
    """
    if isinstance(exc, BackendError):
        return exc
    tls = _tls_cause(exc)
    if tls is not None:
        return BackendError(
            'TLS connection to the cloud failed: %s' % _tls_reason(tls),
            code=502, details=repr(tls))
    cause = _network_cause(exc)
    if cause is not None:
        if isinstance(cause, (socket.timeout, TimeoutError)):
            what = 'timed out'
        elif isinstance(cause, ConnectionRefusedError):
            what = 'refused the connection'
        else:
            what = 'dropped the connection (%s)' % cause
        error = BackendUnavailable(
            'The cloud %s; try again later.' % what, details=repr(cause))
        # NB: a timeout has cost the whole configured wait already: the
        # session makes no further call in this request (docs/decisions.md)
        error.timed_out = what == 'timed out'
        return error
    names = {cls.__name__ for cls in type(exc).__mro__}
    if 'ClientError' in names or 'AstakosClientException' in names:
        status = getattr(exc, 'status', 0) or 0
        if 'AstakosClientException' in names and status == 500 and (
                type(exc).__name__ == 'ConnectionError'):
            status = 0
        if not status:
            return BackendUnavailable(
                'The cloud could not be reached: %s' % (
                    ('%s' % exc).strip() or type(exc).__name__),
                details=getattr(exc, 'details', None) or None)
        return error_for(status, getattr(exc, 'message', '%s' % exc),
                         getattr(exc, 'details', None))
    return None


def retold(error, message):
    """``error`` told in OCCI terms (``message``, which quotes the
    cloud's), keeping its class, status, headers and details (pure
    function)."""
    told = copy.copy(error)
    told.message, told.args = message, (message,)
    return told


def as_conflict(error, message=None):
    """A 409 for a state conflict that Synnefo reports as a 400 (or as a
    409): ``message`` (default: the cloud's), the cloud's details kept
    (pure function)."""
    return BackendConflict(message or error.message,
                           details=getattr(error, 'details', None))


class _Translated:
    """The context manager :func:`translated` returns (a class, not a
    generator: every cloud call enters one)."""

    __slots__ = ()

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, traceback):
        if exc is None or isinstance(exc, BackendError) or not isinstance(
                exc, Exception):
            return False
        error = translate(exc)
        if error is None:
            return False
        raise error from exc


_TRANSLATED = _Translated()


def translated():
    """Run a block of kamaki calls, raising :class:`BackendError` s:
    ``with translated(): ...`` (a BackendError, and what is no
    ``Exception``, pass as they are; an exception :func:`translate` does
    not know too)."""
    return _TRANSLATED
