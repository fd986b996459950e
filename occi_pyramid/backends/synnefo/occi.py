"""The OCCI session of one request, on a Synnefo cloud: a dispatcher.

:class:`SynnefoOCCI` is the backend's
:class:`~occi_pyramid.interfaces.IOCCISession` (what ``request.occi``
wraps).  Each verb picks the handler of its kind (:mod:`.handlers`: one
per Kind, the Synnefo work) and calls it; the handlers work with the
session's operations (:class:`.operations.SynnefoOperations`: the
caller's API, the listings cached for the session, the records, the work
kinds share), and :mod:`.translate` maps Synnefo's JSON to the model.  A
verb that may change the cloud marks the listings once, when it ends
(:func:`changes`): the next read lists again.

It is built from plain values (the token, the application URL, the static
categories) and never sees the Pyramid request.
"""
import functools

from zope.interface import implementer

from ...interfaces import IOCCISession
from .operations import SynnefoOperations


def changes(verb):
    """Mark a verb that may change the cloud: the session's listings are
    dropped once it ends, whatever it answered (a verb that failed half
    way may have changed something)."""
    @functools.wraps(verb)
    def marking(self, *args, **kwargs):
        try:
            return verb(self, *args, **kwargs)
        finally:
            self.ops.changed()
    return marking


@implementer(IOCCISession)
class SynnefoOCCI:
    """OCCI verbs over Synnefo's API, for one token.

    :param backend: the process-wide :class:`SynnefoBackend`
    :param token: the caller's token (``None``: every call is a 401)
    :param application_url: the application's URL (scheme, host, mount
        prefix): link locations are read against it
    :param categories: the static category registry (Kinds by location)
    """

    def __init__(self, backend, token, application_url='', categories=None):
        self.token = token
        #: what the handlers share (:class:`.operations.SynnefoOperations`)
        self.ops = SynnefoOperations(backend, token, application_url,
                                     categories)

    def authenticate(self):
        return self.ops.authenticate()

    def token_expiry(self):
        """When the token expires (epoch seconds), ``None`` when the cloud
        does not say (the pending links' worker keeps it until then)."""
        return self.ops.token_expiry()

    def templates(self):
        return self.ops.templates()

    def projects(self):
        """The caller's project mixins (Synnefo's Astakos projects)."""
        return self.ops.projects()

    def list(self, kind):
        return [entity for handler in self.ops.handlers_for(kind)
                for entity in handler.list()]

    def members(self, kind):
        return [member for handler in self.ops.handlers_for(
            kind, 'member_needs') for member in handler.members()]

    def locations(self, kind):
        return [location for handler in self.ops.handlers_for(kind, None)
                for location in handler.locations()]

    def get(self, kind, id):
        return self.ops.handler(kind).get(id)

    @changes
    def create(self, data):
        return self.ops.handler(data.kind).create(data)

    @changes
    def update(self, entity, data):
        return self.ops.handler(entity.kind).update(entity, data)

    @changes
    def replace(self, entity, data):
        return self.ops.handler(entity.kind).replace(entity, data)

    @changes
    def delete(self, entity):
        return self.ops.handler(entity.kind).delete(entity)

    @changes
    def resume_delete(self, kind, id, resume):
        return self.ops.handler(kind).resume_delete(id, resume)

    @changes
    def run_action(self, entity, action, attributes):
        return self.ops.handler(entity.kind).run_action(entity, action,
                                                        attributes)

    def delete_many(self, entities, busy=None):
        # NB: not marked itself: each member's delete is
        return self.ops.delete_many(entities, self.delete, busy)
