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


class IIPReservation(INetwork):
    """An instance of infrastructure#ipreservation (rOCCI-core 5)."""


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


# -- The backend contract (docs/backends.md) ------------------------------
#
# ``occi.backend`` names a module whose ``load_from_config(config)`` gives
# the process-wide IBackend, built from the settings without network I/O.
# Its ``session(...)`` is the IOCCISession of one request: OCCI model
# objects and validated data in and out, built from plain values (no
# Pyramid request).  Errors are ``occi_pyramid.exceptions.OCCIError``
# subclasses (or BackendError ones) carrying the client's HTTP status.


class IBackend(Interface):
    """The process-wide access to one cloud (a utility)."""

    auth_url = Attribute('The identity URL of the cloud (advertised in '
                         'WWW-Authenticate).')
    cloud_id = Attribute('A name of the cloud that stays the same across '
                         'restarts: the key of what the store keeps for '
                         'it (pending links).')
    mixins = Attribute('The provider mixins the backend serves (static '
                       'categories, registered at startup); may be empty.')

    def session(token, application_url='', categories=None):
        """Return the :class:`IOCCISession` of one request.

        :param token: the caller's token, or ``None``
        :param application_url: the application's URL (scheme, host, mount
            prefix); link locations are read against it
            (:func:`occi_pyramid.locations.parse_entity_location`)
        :param categories: the static :class:`ICategoryRegistry`

        No network I/O happens here: a missing or bad token fails
        (BackendAuthError, 401) on the first operation.
        """

    def heartbeat():
        """Return True if the cloud answers, False otherwise."""


class IOCCISession(Interface):
    """The OCCI operations of one request (``request.occi`` wraps it):
    OCCI model objects and validated data in and out.  Not shared between
    threads."""

    def authenticate():
        """Verify the token with the cloud (cheap when it was verified
        lately); return the caller's user id (the owner of user mixins).
        """

    def templates():
        """Return the dynamic template mixins (os_tpl per image,
        resource_tpl per flavor) the caller may use."""

    def list(kind):
        """Return every entity of ``kind`` (and of its sub-kinds) the caller
        owns, with one backend list call per concrete kind."""

    def locations(kind):
        """Return the locations of every entity of ``kind`` (and of its
        sub-kinds), in the order ``list`` gives them, as cheaply as the
        cloud allows (the renderings that print only locations use it)."""

    def members(kind):
        """Return what :meth:`list` returns, made only as far as
        :meth:`delete_many` needs it: each entity's kind, id and location
        (a link's source and target), no attribute nor mixin; what a
        collection DELETE deletes.  A backend with no cheaper way returns
        ``list(kind)``."""

    def get(kind, id):
        """Return one entity; raise OCCINotFound when it does not exist."""

    def create(data):
        """Create an entity from validated :class:`model.EntityData`;
        return it."""

    def update(entity, data):
        """Partial update (POST to the entity); return the new entity."""

    def replace(entity, data):
        """Full update (PUT); return the new entity."""

    def delete(entity):
        """Delete an entity (and the links it owns; a storage linked to
        a compute outlives it).  Return ``None`` when done, or a
        :class:`~occi_pyramid.model.Unfinished` when the cloud took the
        delete but the server must carry it on (:meth:`resume_delete`).

        :raises OCCIBusy: the cloud refuses it only for now (nothing was
            done): the server tries it again later
        """

    def resume_delete(kind, id, resume):
        """Carry on a delete that answered :class:`OCCIBusy` (``resume``
        is ``None``: try it again) or ``Unfinished`` (its ``resume``).
        Return ``None`` once the entity and what it held are gone (an
        entity already gone counts), or a new ``Unfinished``.

        :raises OCCIBusy: still refused for now
        :raises OCCIError: failed for good (the reason is shown)
        """

    def run_action(entity, action, attributes):
        """Trigger ``action`` with validated parameters; return an
        ActionResult."""

    def delete_many(entities, busy=None):
        """Delete the members of a collection (as :meth:`members` gives
        them, or whole entities; what the cloud deletes with another
        member is not deleted twice); return ``{location: message}`` for
        the ones that failed.  ``busy(entity, outcome)``, when given,
        takes each member whose delete answered :class:`OCCIBusy` or
        ``Unfinished`` instead of a failure."""


class IUserMixinCollection(IMixinCollection):
    """The collection of a user-defined mixin (clients change it)."""


class IAssociableMixinCollection(IMixinCollection):
    """The collection of a provider mixin a client may associate
    entities with, each association an update of the entity naming it
    (the mixin is ``associable``: Synnefo's projects, a move)."""


# -- The store and what is built on it (docs/mixins.md) ---------------------
#
# ``occi_pyramid.store`` registers the two parts of the store once, at
# configuration time; they speak plain values (user ids, type ids,
# locations, frozen records) and know no request.  ``occi_pyramid.seam``
# hands them to the session wrappers of each request.


class IUserMixinStore(Interface):
    """The user mixin definitions and their associations (a utility).

    Every method is one transaction, thread-safe, and takes the owner
    (the cloud user id) explicitly.  Reads answer shared tuples and
    read-only mappings: callers do not change them.
    """

    def mixins(owner):
        """Return the owner's :class:`~occi_pyramid.store.MixinRecord` s,
        oldest first."""

    def anyone_at_or_below(path):
        """Return whether some owner's mixin is located at or below
        ``path``."""

    def associations(owner):
        """Return ``{entity location: (type id, ...)}`` of the owner."""

    def add(records):
        """Store new definitions, all or none (``StoreConflict`` on a
        clash)."""

    def remove(owner, type_ids):
        """Remove definitions and their associations, all or none
        (``OCCINotFound`` for one not there)."""

    def members(owner, type_id):
        """Return the entity locations associated with one mixin."""

    def associate(owner, type_id, locations, replace=False):
        """Associate entities with a mixin (with ``replace``: exactly
        those)."""

    def dissociate(owner, type_id, locations=None):
        """Dissociate entities from a mixin (``None``: every one)."""

    def set_entity_mixins(owner, location, type_ids, replace=False):
        """Add mixins to one entity (with ``replace``: exactly those)."""

    def forget_entities(owner, locations):
        """Drop the owner's associations with deleted entities."""

    def ping():
        """Return True when the database answers (a health check)."""

    def dispose():
        """Close the database's connections and the cache's watch."""


class IPendingStore(Interface):
    """The rows of deferred work: links a busy compute could not take yet,
    deletes the cloud could not do or finish yet (a utility sharing the
    user-mixin store's database).  Rows are keyed by cloud and owner and
    answered as :class:`~occi_pyramid.store.pending.PendingRecord` s."""

    def add(cloud, owner, kind, source, target, attributes=None, mixins=(),
            message=None, deadline=None, now=None, operation='link',
            resume=None, due=None, drop_links=False):
        """Keep new deferred work; return its record (``drop_links``:
        the owner's link rows from ``source`` go, in one transaction)."""

    def of_owner(cloud, owner):
        """Return the owner's rows not made yet (pending or failed)."""

    def get(cloud, id):
        """Return one row, or ``None``."""

    def cancel(cloud, owner, ids):
        """Delete rows of the owner; return how many went."""

    def cancel_source(cloud, owner, source, now=None):
        """Delete the owner's link rows from one compute; return how many
        went and how many a worker held."""

    def waiting(cloud):
        """Return ``{operation: count}`` of the work waiting."""

    def owners_waiting(cloud):
        """Return the owners with work waiting."""

    def claim(cloud, worker, owners, now=None, lease=120.0, limit=5):
        """Claim due rows of ``owners`` for a lease; return them."""

    def retry(id, worker, at, message, attempts, resume=None,
              attributes=None):
        """Put a claimed row off until ``at``."""

    def done(id, worker):
        """Drop a claimed delete's row: it is carried out."""

    def release(id, worker):
        """Give a claimed row back unchanged."""

    def finish(id, worker, state, message=None, made=None, attempts=None):
        """Settle a claimed row as ``active`` or ``error``."""

    def next_due(cloud, owners, now=None):
        """Return when the earliest row of ``owners`` may be claimed."""

    def move_associations(owner, old, new):
        """Move the owner's user mixins from one location to another (a
        pending link made by the cloud)."""


class IDeferredWork(Interface):
    """The deferred work of one application (one cloud): its rows, the
    owners' latest tokens and the worker carrying the rows out (a
    utility, present when a store is; ``wrappers/deferred.py``)."""


class IRegion(Interface):
    """The endpoint's region mixin (a utility, ``categories.py``): every
    resource of a kind it applies to carries it."""


class IMetrics(Interface):
    """The operational metrics of one application (a utility;
    ``operations.py``)."""

    def request(request, status, seconds):
        """Count one request answered."""

    def cloud_call(method, path, status, seconds):
        """Count one call to the cloud."""
