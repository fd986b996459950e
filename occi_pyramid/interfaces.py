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


# -- The backend contract ----------------------------------------------------
#
# A backend is process-wide and built from the settings without network
# I/O; each request gets a session bound to its token.  Sessions return
# plain, cloud-shaped data (dicts, lists; ids as the cloud gives them) for
# the OCCI layer to translate, and raise
# ``occi_pyramid.exceptions.BackendError`` subclasses: BackendAuthError
# (401), BackendForbidden (403), BackendNotFound (404), BackendConflict
# (409), BackendOverLimit (413), BackendBadRequest (other 4xx),
# BackendNotImplemented (501), BackendUnavailable (503: down, refused,
# timed out).


class IBackend(Interface):
    """The process-wide access to one cloud (a utility)."""

    auth_url = Attribute('The identity URL of the cloud.')

    def session(request):
        """Return the :class:`IBackendSession` of ``request``.

        ``request`` has ``.headers`` carrying ``X-Auth-Token``; a bare token
        string is accepted too.  No network I/O happens here: a missing or
        bad token fails (BackendAuthError) on the first operation.
        """

    def heartbeat():
        """Return True if the cloud answers, False otherwise."""


class IBackendSession(Interface):
    """The cloud operations of one request (one token).  Not shared
    between threads."""

    token = Attribute('The X-Auth-Token of the request (or None).')

    # identity

    def authenticate():
        """Validate the token; return ``{'user_id', 'user_name', 'projects',
        'default_project', 'roles', 'expires'}``."""

    def catalog():
        """Return the service catalog (a list of ``{type, name,
        endpoints}``), cached per cloud."""

    def get_quotas():
        """Return ``{project: {resource: {usage, limit, ...}}}``."""

    # compute

    def list_servers():
        """Return every server of the user, in detail (one call)."""

    def get_server(server_id):
        """Return one server in detail (deleted ones too)."""

    def create_server(name, flavor_id, image_id, networks=None,
                      personality=None, metadata=None, project=None):
        """Create a server; return its record (with ``adminPass``).

        ``networks``: None for the cloud's default policy, ``[]`` for none,
        or ``[{'uuid': net}, {'uuid': net, 'fixed_ip': ip}, {'port': id}]``.
        ``personality``: ``[{'path', 'contents' (base64), ...}]``.
        """

    def rename_server(server_id, name):
        """Rename a server."""

    def delete_server(server_id):
        """Delete a server (asynchronous in the cloud)."""

    def start_server(server_id):
        """Start a stopped server."""

    def shutdown_server(server_id):
        """Stop a running server."""

    def reboot_server(server_id, hard=False):
        """Reboot a server (soft unless ``hard``)."""

    def resize_server(server_id, flavor_id):
        """Change a stopped server's flavor."""

    def get_server_metadata(server_id):
        """Return the server's metadata dict."""

    def update_server_metadata(server_id, metadata):
        """Merge ``metadata`` into the server's; return all of it."""

    def delete_server_metadata(server_id, key):
        """Remove one metadata key."""

    def get_server_nics(server_id):
        """Return ``{'addresses': ..., 'attachments': [...]}``."""

    # flavors and images

    def list_flavors():
        """Return the flavors the user may use, in detail (cached per
        user)."""

    def get_flavor(flavor_id):
        """Return one flavor (deleted or private ones by id too)."""

    def list_images():
        """Return the images the user sees (compute listing, detail;
        cached per user)."""

    def get_image(image_id):
        """Return one image (compute record)."""

    def get_image_meta(image_id):
        """Return the image-service (Plankton) metadata of an image, with
        its ``properties``."""

    # networks

    def list_networks():
        """Return the user's, shared and public networks."""

    def get_network(network_id):
        """Return one network (deleted ones too)."""

    def create_network(name, type='MAC_FILTERED', project=None):
        """Create a private network; return it."""

    def rename_network(network_id, name):
        """Rename a network; return it."""

    def delete_network(network_id):
        """Delete a network (fails with a conflict while ports exist)."""

    # subnets

    def list_subnets():
        """Return every visible subnet."""

    def get_subnet(subnet_id):
        """Return one subnet."""

    def create_subnet(network_id, cidr, gateway_ip=None, enable_dhcp=None,
                      name=None):
        """Create a subnet on a network; return it.  Omitting
        ``gateway_ip`` lets the cloud pick the first host address."""

    # ports

    def list_ports():
        """Return every port of the user."""

    def get_port(port_id):
        """Return one port."""

    def create_port(network_id, device_id=None, fixed_ips=None, name=None):
        """Create a port, attached to server ``device_id`` if given;
        ``fixed_ips`` is ``[{'ip_address': ip}]``.  Return it."""

    def delete_port(port_id):
        """Delete (detach) a port."""

    # floating IPs

    def list_floatingips():
        """Return the user's floating IPs."""

    def get_floatingip(floatingip_id):
        """Return one floating IP."""

    def create_floatingip(network_id=None, address=None, project=None):
        """Allocate a floating IP (from any pool unless ``network_id``)."""

    def delete_floatingip(floatingip_id):
        """Release a (detached) floating IP."""

    # volumes and attachments

    def list_volumes():
        """Return the user's volumes, in detail (one call)."""

    def get_volume(volume_id):
        """Return one volume (deleted ones too)."""

    def create_volume(size, name, volume_type=None, server_id=None,
                      project=None, description=None):
        """Create a volume (GB), attached to ``server_id`` if given; return
        its full record."""

    def update_volume(volume_id, name=None, description=None):
        """Change a volume's name or description; return it."""

    def delete_volume(volume_id):
        """Delete a volume."""

    def list_volume_types():
        """Return the volume types."""

    def list_volume_attachments(server_id):
        """Return the server's volume attachments (root volume included)."""

    def attach_volume(server_id, volume_id):
        """Attach a volume to a server; return the attachment."""

    def detach_volume(server_id, volume_id):
        """Detach a volume from a server."""


class IOCCISession(Interface):
    """The OCCI operations of one request (``request.occi``): OCCI model
    objects in and out, built on the request's :class:`IBackendSession`.
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

    def get(kind, id):
        """Return one entity; raise OCCINotFound when it does not exist."""

    def create(data):
        """Create an entity from validated :class:`EntityData`; return it.
        """

    def update(entity, data):
        """Partial update (POST to the entity); return the new entity."""

    def replace(entity, data):
        """Full update (PUT); return the new entity."""

    def delete(entity):
        """Delete an entity (and the links it owns)."""

    def run_action(entity, action, attributes):
        """Trigger ``action`` with validated parameters; return an
        ActionResult."""

    def delete_many(entities):
        """Delete the members of a collection (what the cloud deletes with
        another member is not deleted twice); return ``{location:
        message}`` for the ones that failed."""


class IUserMixinCollection(IMixinCollection):
    """The collection of a user-defined mixin (clients change it)."""


class IEntityExtension(Interface):
    """Adds to every entity what the cloud cannot hold (user mixins).

    Registered with ``config.add_occi_entity_extension(ext)``; the OCCI
    session calls each one around its operations.
    """

    def decorate(request, entities):
        """Complete ``entities`` (a list, changed in place) before they are
        rendered or filtered: e.g. add their user-mixin associations."""

    def created(request, entity, data):
        """``entity`` was just created from ``data`` (EntityData)."""

    def updated(request, entity, data, replace):
        """``entity`` was updated from ``data``; ``replace`` for PUT."""

    def deleted(request, entity):
        """``entity`` was deleted."""
