"""Who may use the views: the caller's cloud token, as Pyramid's security
policy (``pyramid.interfaces.ISecurityPolicy``).

* Every OCCI view carries ``permission='occi'`` (:data:`OCCI`, also the
  default permission, so that a view added without one is not public).
  The views that need no token carry :data:`PUBLIC`: the static files (a
  login page needs its stylesheet before the login), the health and
  metrics paths (probes carry no token) and ``OPTIONS`` (a browser's
  CORS preflight never carries credentials).
* :class:`TokenSecurityPolicy` grants :data:`OCCI` to a caller with a
  token (``request.auth_token``: ``X-Auth-Token``, or the password of
  HTTP Basic) and :data:`PUBLIC` to anyone; but a request that may carry
  a body (``guards.has_body``), whatever its view, has its token
  verified with the cloud's identity first, before anything reads or
  parses the body: a made-up token costs one identity call, not a
  parse.  The backend keeps identity answers per token for
  ``occi.synnefo.cache_ttl``, so a known token costs no call.  Other
  requests meet the cloud's verdict on the token at their first cloud
  call, as the call plan counts them
  (``tests/functional/test_call_plan.py``).
* A denial (:class:`Unauthenticated`) reaches the forbidden view,
  ``views.errors.unauthorized``: a 401 in the negotiated rendering with
  ``WWW-Authenticate: Keystone uri='…'`` (where Keystone-style clients
  get a token) and, for a page, a ``Basic`` challenge too.  Where no
  view matches (404, 405) the exception views ask
  :func:`denial_without_view` first, so a caller without a token learns
  nothing of the path.
"""
from pyramid.interfaces import ISecurityPolicy
from pyramid.request import RequestLocalCache
from pyramid.security import Allowed, Denied
from zope.interface import implementer

from .exceptions import BackendAuthError
from .guards import has_body

#: the permission of every OCCI view: a token
OCCI = 'occi'
#: the permission of the views anyone may read
PUBLIC = 'public'

#: what a caller without a token is told
NO_TOKEN = ('Authentication required: send the cloud token in X-Auth-Token '
            '(or as the password of HTTP Basic credentials).')

# NB: the grants are made once: one is asked for on every request
VERIFIED = Allowed('The cloud knows the token.')
ANYONE = Allowed('Anyone may read this.')
WITH_TOKEN = Allowed('The request carries a token.')


class Caller:
    """The identity of a request: the caller's token, and the cloud's
    user id once the token is verified (``None`` until then)."""

    __slots__ = ('token', 'user')

    def __init__(self, token, user=None):
        self.token = token
        self.user = user

    def __repr__(self):  # NB: never show the token
        return '<Caller user=%s>' % self.user


class Unauthenticated(Denied):
    """A denial for want of a valid token: answered 401, not 403."""


@implementer(ISecurityPolicy)
class TokenSecurityPolicy:
    """The caller's token is all there is: no session, no cookie, no
    groups; the cloud decides what the token may do."""

    def __init__(self):
        self._callers = RequestLocalCache(self._caller)

    @staticmethod
    def _caller(request):
        token = request.auth_token
        return Caller(token) if token else None

    def identity(self, request):
        """The :class:`Caller`, or ``None`` without a token."""
        return self._callers.get_or_create(request)

    def authenticated_userid(self, request):
        """The cloud's user id of the token (verified now if it was not
        yet: an identity call unless the backend has the answer), or
        ``None``."""
        caller = self.identity(request)
        if caller is None:
            return None
        try:
            return self._verify(request, caller)
        except BackendAuthError:
            return None

    def permits(self, request, context, permission):
        """:data:`PUBLIC` to anyone, :data:`OCCI` to a caller with a
        token; a request that may carry a body has its token verified
        first, whatever the permission."""
        if has_body(request):
            caller = self.identity(request)
            if caller is None:
                return Unauthenticated('%s', NO_TOKEN)
            try:
                self._verify(request, caller)
            except BackendAuthError as error:
                return Unauthenticated('%s', error.message)
            return VERIFIED
        if permission == PUBLIC:
            return ANYONE
        if not request.auth_token:
            return Unauthenticated('%s', NO_TOKEN)
        return WITH_TOKEN

    @staticmethod
    def _verify(request, caller):
        if caller.user is None:
            caller.user = request.occi.authenticate()
        return caller.user

    def remember(self, request, userid, **kw):
        """Nothing to remember: the token comes with every request."""
        return []

    def forget(self, request, **kw):
        """Nothing to forget (a browser drops Basic credentials itself)."""
        return []


def denial_without_view(request):
    """For a request no view answers (404, 405): the policy's denial when
    its caller would be refused the views there (:data:`PUBLIC` for
    ``OPTIONS`` and a route's path, such as the static files';
    :data:`OCCI` elsewhere), else ``None``: a caller without a token
    learns nothing of an OCCI path."""
    context = request.__dict__.get('context')
    if context is None:
        return None
    public = request.method == 'OPTIONS' or request.matched_route is not None
    permitted = request.has_permission(PUBLIC if public else OCCI, context)
    return None if permitted else permitted


def includeme(config):
    config.set_security_policy(TokenSecurityPolicy())
    config.set_default_permission(OCCI)
