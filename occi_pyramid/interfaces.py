"""Every interface of the application: traversal context markers, one
marker per OCCI Kind, and the backend contract.

Views are registered against these interfaces, never concrete classes.
"""
from zope.interface import Attribute, Interface

# -- Traversal contexts ------------------------------------------------------


class IRoot(Interface):
    """The root of the OCCI namespace (``/``)."""


class IQueryInterface(Interface):
    """The query interface (``/-/`` and ``/.well-known/org/ogf/occi/-/``)."""


class ICollection(Interface):
    """A path that lists entities (anything ending in ``/``)."""


class IKindCollection(ICollection):
    """The collection bound to a Kind's location (``/compute/``)."""


class IMixinCollection(ICollection):
    """The collection bound to a Mixin's location."""


class IPathCollection(ICollection):
    """An unbound path below which entities may live."""


class IEntityContext(Interface):
    """One OCCI entity instance."""


class IResourceContext(IEntityContext):
    """An OCCI Resource instance."""


class ILinkContext(IEntityContext):
    """An OCCI Link instance."""


class ICompute(IResourceContext):
    """An instance of infrastructure#compute."""


class INetwork(IResourceContext):
    """An instance of infrastructure#network."""


class IStorage(IResourceContext):
    """An instance of infrastructure#storage."""


class INetworkInterface(ILinkContext):
    """An instance of infrastructure#networkinterface."""


class IStorageLink(ILinkContext):
    """An instance of infrastructure#storagelink."""


class ICategoryRegistry(Interface):
    """The static OCCI categories (kinds, mixins, actions) of the server."""

    def get(type_id):
        """Return the category with that scheme+term, or ``None``."""

    def by_location(path):
        """Return the Kind or Mixin bound to ``path``, or ``None``."""
