"""The OCCI namespace as a traversal tree.

``/`` is the :class:`Root`; ``/-/`` (and ``/.well-known/org/ogf/occi/-/``)
the :class:`QueryInterface`; every Kind or Mixin location is a
:class:`KindCollection` or :class:`MixinCollection`; a path that is a
prefix of some location (``/mixin/``) is a :class:`PathCollection`; below
a Kind collection each name is an :class:`EntityContext`.  Anything else
raises ``KeyError``, which traversal turns into a 404.

Contexts are cheap and hold no data from the cloud: the views ask the
backend.  ``path`` is the context's location relative to the application
root: collections end in ``/``, entities never do.
"""
from zope.interface import alsoProvides, implementer

from . import model
from .interfaces import (
    IAssociableMixinCollection, ICompute, IEntityContext, IIPReservation,
    IKindCollection, ILinkContext, IMixinCollection, INetwork,
    INetworkInterface, IPathCollection, IQueryInterface, IResourceContext,
    IRoot, IStorage, IStorageLink, IUserMixinCollection,
)
from .locations import entity_location  # noqa: F401 (one location reader)

#: the marker interface an entity of each Kind provides
KIND_INTERFACES = {
    model.COMPUTE.type_id: ICompute,
    model.NETWORK.type_id: INetwork,
    model.STORAGE.type_id: IStorage,
    model.NETWORKINTERFACE.type_id: INetworkInterface,
    model.STORAGELINK.type_id: IStorageLink,
    model.IPRESERVATION.type_id: IIPReservation,
}

WELL_KNOWN = ('.well-known', 'org', 'ogf', 'occi', '-')


def kind_interface(kind):
    """The context marker for entities of ``kind``."""
    for ancestor in kind.lineage():
        iface = KIND_INTERFACES.get(ancestor.type_id)
        if iface is not None:
            return iface
    return IResourceContext if kind.is_a(model.RESOURCE) else ILinkContext


class _Node:
    __name__ = ''
    __parent__ = None

    def __init__(self, request, name, parent, path):
        self.request = request
        self.__name__ = name
        self.__parent__ = parent
        self.path = path

    def __repr__(self):
        return '<%s %s>' % (type(self).__name__, self.path)


class _Container(_Node):
    """A node whose children are other locations (or path prefixes)."""

    def __getitem__(self, name):
        if not name:
            raise KeyError(name)
        path = self.path + name + '/'
        categories = self.request.categories
        category = categories.by_location(path)
        if isinstance(category, model.Kind):
            return KindCollection(self.request, name, self, path, category)
        if isinstance(category, model.Mixin):
            return MixinCollection(self.request, name, self, path, category)
        if categories.has_below(path):
            return PathCollection(self.request, name, self, path)
        raise KeyError(name)

    def bound_below(self):
        """The Kinds and Mixins whose locations lie at or below this path.
        """
        return [
            category for category in self.request.categories.all
            if getattr(category, 'location', None)
            and category.location.startswith(self.path)
        ]


@implementer(IRoot, IPathCollection)
class Root(_Container):
    """``/``: lists (and deletes) everything the caller owns."""

    def __init__(self, request):
        super().__init__(request, '', None, '/')

    def __getitem__(self, name):
        if name == '-':
            return QueryInterface(self.request, name, self, '/-/')
        if name == WELL_KNOWN[0]:
            return WellKnown(self.request, name, self, '/%s/' % name, 1)
        return super().__getitem__(name)


@implementer(IQueryInterface)
class QueryInterface(_Node):
    """The query interface: the categories the server knows."""

    def __getitem__(self, name):
        raise KeyError(name)


class WellKnown(_Node):
    """One step of ``/.well-known/org/ogf/occi/-/`` (RFC 5785)."""

    def __init__(self, request, name, parent, path, depth):
        super().__init__(request, name, parent, path)
        self.depth = depth

    def __getitem__(self, name):
        if name != WELL_KNOWN[self.depth]:
            raise KeyError(name)
        path = self.path + name + '/'
        if self.depth == len(WELL_KNOWN) - 1:
            return QueryInterface(self.request, name, self, path)
        return WellKnown(self.request, name, self, path, self.depth + 1)


@implementer(IPathCollection)
class PathCollection(_Container):
    """An unbound path: the union of the collections below it."""


@implementer(IKindCollection)
class KindCollection(_Node):
    """The collection at a Kind's location; its children are entities."""

    def __init__(self, request, name, parent, path, kind):
        super().__init__(request, name, parent, path)
        self.kind = kind

    def __getitem__(self, name):
        if not name:
            raise KeyError(name)
        if self.kind is model.RESOURCE or self.kind is model.LINK:
            # /resource/ and /link/ are unions of the concrete kinds: an
            # entity lives at its own kind's location only.
            raise KeyError(name)
        return EntityContext(self.request, name, self, self.kind)


@implementer(IMixinCollection)
class MixinCollection(_Container):
    """The collection at a Mixin's location: the entities it tags."""

    def __init__(self, request, name, parent, path, mixin):
        super().__init__(request, name, parent, path)
        self.mixin = mixin
        if mixin.owner is not None:
            alsoProvides(self, IUserMixinCollection)
        elif getattr(mixin, 'associable', False):
            alsoProvides(self, IAssociableMixinCollection)


@implementer(IEntityContext)
class EntityContext(_Node):
    """One entity: ``id`` below its Kind's collection."""

    def __init__(self, request, name, parent, kind):
        super().__init__(request, name, parent, parent.path + name)
        self.kind = kind
        self.id = name
        alsoProvides(self, kind_interface(kind))

    def __getitem__(self, name):
        raise KeyError(name)


def root_factory(request):
    return Root(request)
