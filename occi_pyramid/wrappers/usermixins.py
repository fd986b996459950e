"""User mixins around any backend: ``request.occi``.

:class:`UserMixinSession` wraps the backend's
:class:`~occi_pyramid.interfaces.IOCCISession` and gives it what the
cloud cannot hold, whatever the backend (docs/mixins.md):

* entities it returns carry the caller's user mixins they are associated
  with, and resources the endpoint's region mixin (docs/decisions.md);
* mixins named in a create or an update are recorded, and a deleted
  entity's associations dropped;
* it is the one way to the user-mixin store
  (:class:`~occi_pyramid.interfaces.IUserMixinStore`): the views define,
  remove, associate and dissociate through it, in model objects and
  locations, never the store's records.

Store reads are cached for the session (one request): one read of the
caller's mixins and one of their associations, again only after this
request changed them (the store answers them from its per-process cache
while nothing changed: store/cache.py).  The wrapper sees no Pyramid
request.
"""
from ..store import SIZES, definition, shared_mixins, size_definitions
from .base import SessionWrapper

#: NB: the views build a definition's model objects with these, through
#: this layer rather than from the store's
__all__ = ['SIZES', 'UserMixinSession', 'size_definitions']


def _user_type_ids(data):
    return [m.type_id for m in data.mixins if m.owner is not None]


class UserMixinSession(SessionWrapper):
    """A backend's OCCI session with the caller's user mixins around it.

    :param inner: the backend's :class:`IOCCISession`
    :param store: the :class:`~occi_pyramid.interfaces.IUserMixinStore`
        (``None``: no user mixins)
    :param static: the static category registry (what user mixins may
        depend on and apply to)
    :param region: the endpoint's region mixin (``None``: none), which
        every entity of a kind it applies to carries
    """

    def __init__(self, inner, store, static, region=None):
        super().__init__(inner)
        self.store = store
        self.static = static
        self.region = region
        self._region_kinds = (frozenset(region.applies)
                              if region is not None else frozenset())
        self._mixins = None
        self._associations = None

    # -- the caller's mixins -------------------------------------------------

    def user_mixins(self):
        """``{type id: Mixin}`` of the caller's mixins (one store read per
        request; shared by the requests that read the same records: do
        not change it)."""
        if self._mixins is None:
            records = (self.store.mixins(self.owner)
                       if self.store is not None else ())
            self._mixins = shared_mixins(records, self.static)
        return self._mixins

    def mixins_below(self, path):
        """Whether anyone's mixin is located at or below ``path``: one
        store read, and no call to the cloud (the caller's identity is not
        needed to know that nobody uses a path)."""
        return self.store is not None and self.store.anyone_at_or_below(
            path)

    def associations(self):
        """``{entity location: [type id]}`` of the caller (one store read
        per request)."""
        if self._associations is None:
            self._associations = (self.store.associations(self.owner)
                                  if self.store is not None else {})
        return self._associations

    def _changed(self):
        """Drop what this session read from the store (it changed)."""
        self._mixins = self._associations = None

    def define(self, mixins):
        """Store new mixin definitions of the caller, all or none: each a
        :class:`model.Mixin` (its attributes only the defaults of
        :data:`SIZES`); return them as stored."""
        self.store.add([definition(self.owner, m) for m in mixins])
        self._changed()
        mine = self.user_mixins()
        return [mine[m.type_id] for m in mixins]

    def undefine(self, type_ids):
        """Remove mixin definitions of the caller (and their
        associations)."""
        self.store.remove(self.owner, type_ids)
        self._changed()

    def associate(self, type_id, locations, replace=False):
        """Tag entities with a mixin (with ``replace``: exactly those)."""
        self.store.associate(self.owner, type_id, locations, replace=replace)
        self._changed()

    def dissociate(self, type_id, locations=None):
        """Untag entities (every one when ``locations`` is ``None``)."""
        self.store.dissociate(self.owner, type_id, locations)
        self._changed()

    # -- around the backend's operations -----------------------------------

    def decorate(self, entities):
        """Add to ``entities`` (in place) the region mixin and the
        caller's mixins they are associated with; return them."""
        if not entities:
            return entities
        region, kinds = self.region, self._region_kinds
        for entity in entities:
            # NB: a backend that kept a create's mixins has it already
            if entity.kind in kinds and region not in entity.mixins:
                entity.mixins.append(region)
        if self.store is None:
            return entities
        mixins = self.user_mixins()
        if not mixins:
            return entities
        tagged = self.associations()
        for entity in entities:
            for type_id in tagged.get(entity.location, ()):
                mixin = mixins.get(type_id)
                if mixin is not None and mixin not in entity.mixins:
                    entity.mixins.append(mixin)
        return entities

    def _forget(self, locations):
        if self.store is not None and locations and self.user_mixins():
            self.store.forget_entities(self.owner, locations)
            self._changed()

    # -- IOCCISession ---------------------------------------------------------

    def list(self, kind):
        return self.decorate(self.inner.list(kind))

    def get(self, kind, id):
        return self.decorate([self.inner.get(kind, id)])[0]

    def create(self, data):
        entity = self.inner.create(data)
        type_ids = _user_type_ids(data)
        if type_ids:
            self.store.set_entity_mixins(self.owner, entity.location,
                                         type_ids)
            self._changed()
        return self.decorate([entity])[0]

    def update(self, entity, data):
        return self._updated(self.inner.update(entity, data), data, False)

    def replace(self, entity, data):
        return self._updated(self.inner.replace(entity, data), data, True)

    def _updated(self, entity, data, replace):
        type_ids = _user_type_ids(data)
        if self.store is not None and (
                type_ids or (replace and self.user_mixins())):
            self.store.set_entity_mixins(self.owner, entity.location,
                                         type_ids, replace)
            self._changed()
        return self.decorate([entity])[0]

    def delete(self, entity):
        self.inner.delete(entity)
        self._forget([entity.location])

    def delete_many(self, entities, busy=None):
        """The backend deletes; the associations of every member it does
        not report as failed go (docs/decisions.md)."""
        failures = self.inner.delete_many(entities, busy=busy)
        self._forget([e.location for e in entities
                      if e.location not in failures])
        return failures
