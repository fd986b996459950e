"""The forwarding base of the session wrappers."""
from zope.interface import implementer

from ..exceptions import BackendAuthError
from ..interfaces import IOCCISession


@implementer(IOCCISession)
class SessionWrapper:
    """An :class:`IOCCISession` around another: every operation goes to
    ``inner`` unless a subclass changes it, and the caller is asked once.
    """

    def __init__(self, inner):
        self.inner = inner
        self._owner = None

    @property
    def owner(self):
        """The caller's user id, asked once.

        :raises BackendAuthError: no token, or the cloud refuses it
        """
        if self._owner is None:
            owner = self.authenticate()
            if not owner:
                raise BackendAuthError()
            self._owner = owner
        return self._owner

    def __getattr__(self, name):
        # NB: what a backend session offers beyond the interface (the
        # token's expiry, resume_delete) is reached through every wrapper
        if name.startswith('_'):
            raise AttributeError(name)
        return getattr(self.inner, name)

    # -- IOCCISession: forwarded ----------------------------------------------

    def authenticate(self):
        return self.inner.authenticate()

    def templates(self):
        return self.inner.templates()

    def list(self, kind):
        return self.inner.list(kind)

    def locations(self, kind):
        return self.inner.locations(kind)

    def members(self, kind):
        return self.inner.members(kind)

    def get(self, kind, id):
        return self.inner.get(kind, id)

    def create(self, data):
        return self.inner.create(data)

    def update(self, entity, data):
        return self.inner.update(entity, data)

    def replace(self, entity, data):
        return self.inner.replace(entity, data)

    def delete(self, entity):
        return self.inner.delete(entity)

    def run_action(self, entity, action, attributes):
        return self.inner.run_action(entity, action, attributes)

    def delete_many(self, entities, busy=None):
        return self.inner.delete_many(entities, busy=busy)
