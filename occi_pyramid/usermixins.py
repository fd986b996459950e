"""What the application adds around any backend's OCCI session.

:class:`ExtendedSession` is ``request.occi``: it passes every
:class:`~occi_pyramid.interfaces.IOCCISession` call to the backend's
session and runs the registered entity extensions around it, so a
backend does nothing for user mixins.
"""
from zope.interface import implementer

from .interfaces import IOCCISession


@implementer(IOCCISession)
class ExtendedSession:
    """A backend's OCCI session with the entity extensions around it."""

    def __init__(self, inner, request, extensions=()):
        self.inner = inner
        self.request = request
        self.extensions = tuple(extensions)

    def _decorated(self, entities):
        for extension in self.extensions:
            extension.decorate(self.request, entities)
        return entities

    def authenticate(self):
        return self.inner.authenticate()

    def templates(self):
        return self.inner.templates()

    def locations(self, kind):
        return self.inner.locations(kind)

    def list(self, kind):
        return self._decorated(self.inner.list(kind))

    def get(self, kind, id):
        return self._decorated([self.inner.get(kind, id)])[0]

    def create(self, data):
        entity = self.inner.create(data)
        for extension in self.extensions:
            extension.created(self.request, entity, data)
        return self._decorated([entity])[0]

    def update(self, entity, data):
        return self._updated(self.inner.update(entity, data), data, False)

    def replace(self, entity, data):
        return self._updated(self.inner.replace(entity, data), data, True)

    def _updated(self, entity, data, replace):
        for extension in self.extensions:
            extension.updated(self.request, entity, data, replace)
        return self._decorated([entity])[0]

    def delete(self, entity):
        self.inner.delete(entity)
        for extension in self.extensions:
            extension.deleted(self.request, entity)

    def run_action(self, entity, action, attributes):
        return self.inner.run_action(entity, action, attributes)

    def delete_many(self, entities):
        failures = self.inner.delete_many(entities)
        for entity in entities:
            if entity.location not in failures:
                for extension in self.extensions:
                    extension.deleted(self.request, entity)
        return failures
