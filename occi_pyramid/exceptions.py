"""Errors raised by views, parsers and backends.

Every error carries an HTTP ``code`` and a human ``message``; the exception
views in :mod:`occi_pyramid.views.errors` render them in the negotiated OCCI
format.  Nothing here imports Pyramid, so the model, the parsers and the
backends can raise these freely.
"""


class OCCIError(Exception):
    """Base of every error answered with an OCCI error rendering."""

    code = 500
    title = 'Internal Server Error'
    message = 'An internal error occurred.'

    def __init__(self, message=None, code=None, headers=None):
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code
        self.headers = dict(headers or {})
        super().__init__(self.message)

    def __str__(self):
        return self.message


class OCCIBadRequest(OCCIError):
    code = 400
    title = 'Bad Request'
    message = 'The request is not valid.'


class OCCIParseError(OCCIBadRequest):
    """The request body or headers do not follow the rendering's grammar."""

    message = 'The request could not be parsed.'


class InvalidAction(OCCIBadRequest):
    """An action term that the target does not define."""

    message = 'Invalid action.'


class OCCIForbidden(OCCIError):
    code = 403
    title = 'Forbidden'
    message = 'The operation is not allowed.'


class OCCINotFound(OCCIError):
    code = 404
    title = 'Not Found'
    message = 'The resource could not be found.'


class OCCIMethodNotAllowed(OCCIError):
    code = 405
    title = 'Method Not Allowed'
    message = 'The method is not allowed here.'

    def __init__(self, message=None, allow=()):
        allow = sorted(set(allow))
        super().__init__(message, headers={'Allow': ', '.join(allow)})
        self.allow = allow


class OCCINotAcceptable(OCCIError):
    code = 406
    title = 'Not Acceptable'
    message = 'None of the accepted media types can be rendered.'


class OCCIConflict(OCCIError):
    """The request conflicts with the current state.

    :param held_by: the locations of the entities that hold the one the
        request was about (a network's computes): when every one of them
        is being deleted by the server, the conflict is only for now and
        a delete waits (docs/decisions.md, "Deferred work")
    :param resume: what the backend needs to look again cheaply when the
        server waits (JSON-able; handed to ``resume_delete``)
    """

    code = 409
    title = 'Conflict'
    message = 'The request conflicts with the current state.'

    def __init__(self, message=None, code=None, headers=None, held_by=(),
                 resume=None):
        super().__init__(message, code, headers)
        self.held_by = tuple(held_by)
        self.resume = resume


class OCCIBusy(OCCIConflict):
    """The cloud refuses the operation only for now: a resource is busy
    (a compute being built or running a task, a volume attaching) and
    will settle by itself.  A link create or a delete that gets it waits
    and is carried out by the server (docs/decisions.md, "Deferred
    work"); anything else is the 409 it always was.

    :param waiting: what the operation waits for, e.g. ``compute 3 to be
        built`` (its state message while it waits)
    """

    def __init__(self, message=None, code=None, headers=None, waiting=None,
                 held_by=(), resume=None):
        super().__init__(message, code, headers, held_by, resume)
        self.waiting = waiting


class OCCIRequestTooLarge(OCCIError):
    code = 413
    title = 'Request Entity Too Large'
    message = 'The request is too large.'


class OCCIUnsupportedMediaType(OCCIError):
    code = 415
    title = 'Unsupported Media Type'
    message = 'The request Content-Type is not supported.'


class OCCINotImplemented(OCCIError):
    code = 501
    title = 'Not Implemented'
    message = 'This operation is not implemented.'


# -- Backend errors: raised by backends, mapped by status -------------------


class BackendError(OCCIError):
    """An error reported by (or on the way to) the cloud.

    ``details`` keeps the cloud's own explanation for the logs; ``message``
    is what the OCCI client reads.
    """

    code = 502
    title = 'Bad Gateway'
    message = 'The cloud answered with an error.'

    def __init__(self, message=None, code=None, details=None, headers=None):
        super().__init__(message, code, headers)
        self.details = details


class BackendBadRequest(BackendError):
    code = 400
    title = 'Bad Request'
    message = 'The cloud rejected the request.'


class BackendAuthError(BackendError):
    """Missing, invalid or expired token (answered 401)."""

    code = 401
    title = 'Unauthorized'
    message = 'Authentication required: send a valid X-Auth-Token.'


class BackendForbidden(BackendError):
    code = 403
    title = 'Forbidden'
    message = 'The cloud forbids this operation.'


class BackendNotFound(BackendError):
    code = 404
    title = 'Not Found'
    message = 'The cloud has no such item.'


class BackendConflict(BackendError):
    code = 409
    title = 'Conflict'
    message = 'The cloud reports a conflict.'


class BackendOverLimit(BackendError):
    code = 413
    title = 'Request Entity Too Large'
    message = 'Resource limit exceeded.'


class BackendQuotaExceeded(BackendOverLimit):
    """A quota of the caller's project is exhausted.

    403, not the cloud's 413: a generic HTTP client reads 413 as "your
    body is too large" (RFC 9110 15.5.14), while 403 says the server
    understood the request and refuses it (RFC 9110 15.5.4), which is
    what OpenStack Compute answers for a quota too (docs/decisions.md).
    """

    code = 403
    title = 'Forbidden'
    message = 'Quota exceeded.'


class BackendNotImplemented(BackendError):
    code = 501
    title = 'Not Implemented'
    message = 'The cloud does not support this operation.'


class BackendUnavailable(BackendError):
    """The cloud is down, refused the connection or timed out (503)."""

    code = 503
    title = 'Service Unavailable'
    message = 'The cloud is unavailable; try again later.'
