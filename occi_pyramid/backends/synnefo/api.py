"""Synnefo's API, for one token: the private facade under the OCCI session.

:class:`SynnefoAPI` builds its own kamaki clients lazily through
:mod:`.clients` (the only kamaki importer) and returns plain,
Synnefo-shaped data: dicts and lists, ids as Synnefo gives them.  Every
kamaki error becomes a :class:`~occi_pyramid.exceptions.BackendError`
(:mod:`.errors`), in one place (:func:`_operation`).

Nothing outside :mod:`occi_pyramid.backends.synnefo` uses it: the rest of
the application speaks :class:`~occi_pyramid.interfaces.IOCCISession`
(docs/backends.md).  Sessions return cloud-shaped data and raise
``occi_pyramid.exceptions.BackendError`` subclasses: BackendAuthError
(401), BackendForbidden (403), BackendNotFound (404), BackendConflict
(409), BackendOverLimit (413), BackendBadRequest (other 4xx),
BackendNotImplemented (501), BackendUnavailable (503: down, refused,
timed out).
"""
import copy
import functools
import hashlib

from zope.interface import Attribute, Interface, implementer

from occi_pyramid.exceptions import BackendAuthError, BackendUnavailable

from .errors import translated

#: what ``create_subnet`` sends when no ``gateway_ip`` is given: nothing
#: (Synnefo then uses the first host address); ``None`` sends ``null``
DEFAULT_GATEWAY = object()


class ISynnefoAPI(Interface):
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

    def list_projects():
        """Return ``(projects, quotas)``: the projects the caller is a
        member of (Astakos' project records) and :meth:`get_quotas`,
        cached per user."""

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

    def reassign_server(server_id, project):
        """Move the server to another of the caller's projects (its
        usage goes with it)."""

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

    def list_pools():
        """Return the floating-IP pools (public networks; cached per
        user)."""

    def get_network(network_id):
        """Return one network (deleted ones too)."""

    def create_network(name, type='MAC_FILTERED', project=None):
        """Create a private network; return it."""

    def rename_network(network_id, name):
        """Rename a network; return it."""

    def reassign_network(network_id, project):
        """Move the network to another of the caller's projects (its
        usage goes with it)."""

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

    def reassign_floatingip(floatingip_id, project):
        """Move the floating IP to another of the caller's projects (its
        usage goes with it)."""

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

    def reassign_volume(volume_id, project):
        """Move the volume to another of the caller's projects (its
        usage goes with it)."""

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


class Listing(list):
    """A user's cached listing of flavors or images: shared by the
    requests of its lifetime, never changed; ``by_id`` is its records by
    id, made once (an entity GET looks its flavor and image up in it)."""

    def __init__(self, records):
        super().__init__(records)
        self.by_id = {record['id']: record for record in self}


def by_id(records):
    """``{id: record}`` of a listing (a :class:`Listing`'s own)."""
    index = getattr(records, 'by_id', None)
    if index is None:
        index = {record['id']: record for record in records}
    return index


def _operation(func):
    """Run a session operation with kamaki errors translated.

    Once a call of the session has timed out, the others fail at once:
    a request whose cloud stopped answering ends within the configured
    timeout, not a multiple of it (docs/decisions.md).
    """
    @functools.wraps(func)
    def wrapper(self, *args, **kwargs):
        if self.gave_up is not None:
            raise BackendUnavailable(
                'Not tried: the cloud did not answer within %s s a moment '
                'ago; try again later.' % self.backend.timeout,
                details=self.gave_up.details)
        try:
            with translated():
                return func(self, *args, **kwargs)
        except BackendUnavailable as exc:
            if getattr(exc, 'timed_out', False):
                self.gave_up = exc
            raise
    return wrapper


@implementer(ISynnefoAPI)
class SynnefoAPI(object):
    """Synnefo's API for one token (one request, or one thread of it)."""

    def __init__(self, backend, token):
        self.backend = backend
        self.token = token
        self._clients = {}
        self._astakos = None
        self._access = None
        self._identity = None
        #: the timeout that ended this session's calls to the cloud
        self.gave_up = None

    # -- clients (built lazily, per session) --------------------------------

    def _require_token(self):
        if not self.token:
            raise BackendAuthError(
                'Access denied. No authentication token (X-Auth-Token).')
        return self.token

    def _client(self, service_type):
        client = self._clients.get(service_type)
        if client is None:
            token = self._require_token()
            url = self.backend.endpoint(service_type, token)
            client = self.backend.factory.service(service_type, url, token)
            self._clients[service_type] = client
        return client

    @property
    def compute(self):
        return self._client('compute')

    @property
    def network(self):
        return self._client('network')

    @property
    def volume(self):
        return self._client('volume')

    @property
    def image(self):
        return self._client('image')

    @property
    def astakos(self):
        if self._astakos is None:
            self._astakos = self.backend.factory.astakos(
                self._require_token())
        return self._astakos

    # -- identity -----------------------------------------------------------

    def authenticate(self):
        """Who the token is (asked once per session: the views, the
        wrappers and the handlers each ask; the answer is shared, not to
        be changed)."""
        if self._identity is None:
            self._identity = self._authenticate()
        return self._identity

    @_operation
    def _authenticate(self):
        if self._access is None:
            key = hashlib.sha256(
                self._require_token().encode('utf-8')).hexdigest()
            access = self.backend.identity_cache.get(key)
            if access is None:
                access = self.astakos.authenticate()['access']
                self.backend.remember_catalog(access.get('serviceCatalog'))
                self.backend.identity_cache.set(key, access)
            self._access = access
        access = self._access
        user, token = access.get('user', {}), access.get('token', {})
        tenant = token.get('tenant') or {}
        return {
            'user_id': user.get('id'),
            'user_name': user.get('name'),
            'projects': list(user.get('projects') or []),
            'default_project': tenant.get('id') or user.get('id'),
            'roles': [r.get('name') for r in user.get('roles') or []],
            'expires': token.get('expires'),
        }

    @property
    def user_id(self):
        return self.authenticate()['user_id']

    @_operation
    def catalog(self):
        return copy.deepcopy(self.backend.catalog(self._require_token()))

    @_operation
    def get_quotas(self):
        self.authenticate()     # fills astakosclient's account endpoint
        return self.astakos.get_quotas()

    @_operation
    def list_projects(self):
        key = self.user_id
        value = self.backend.project_cache.get(key)
        if value is None:
            projects = self.astakos.get_projects(mode='member')
            value = self.backend.project_cache.set(
                key, (projects, self.astakos.get_quotas()))
        return value

    # -- servers ------------------------------------------------------------

    @_operation
    def list_servers(self, detail=True):
        return self.compute.list_servers(detail=detail)

    @_operation
    def get_server(self, server_id):
        return self.compute.get_server_details(server_id)

    @_operation
    def create_server(self, name, flavor_id, image_id, networks=None,
                      personality=None, metadata=None, project=None):
        # NB: kamaki's create_server first GETs the image to copy its
        # ``os`` and ``users`` metadata into the server's; the image is in
        # the per-user cache, so the same body costs one call, not two
        metadata = dict(metadata or {})
        image = self.get_image(image_id)
        for key in ('os', 'users'):
            value = (image.get('metadata') or {}).get(key)
            if value is not None and key not in metadata:
                metadata[key] = value
        server = {'name': name, 'flavorRef': flavor_id,
                  'imageRef': image_id}
        if metadata:
            server['metadata'] = metadata
        if personality:
            server['personality'] = personality
        if networks is not None:
            server['networks'] = networks
        if project:
            server['project'] = project
        created = self.compute.servers_post(
            json_data={'server': server}).json['server']
        # a cloud that reuses ids (the simulator after a reset) must not
        # hide the new server
        self.backend.deleted_servers.discard(str(created['id']))
        return created

    @_operation
    def rename_server(self, server_id, name):
        self.compute.update_server_name(server_id, name)

    @_operation
    def reassign_server(self, server_id, project):
        self.compute.reassign_server(server_id, project)

    @_operation
    def delete_server(self, server_id):
        self.compute.delete_server(server_id)
        self.backend.deleted_servers.set(str(server_id), True)

    def undeleted_server(self, server_id):
        """Forget that ``server_id`` was deleted: the cloud's delete
        failed and it is listed again (no I/O)."""
        self.backend.deleted_servers.discard(str(server_id))

    def deleted_server(self, server_id):
        """Whether this process deleted ``server_id`` lately (no I/O)."""
        return self.backend.deleted_servers.get(str(server_id)) is not None

    @_operation
    def start_server(self, server_id):
        self.compute.start_server(server_id)

    @_operation
    def shutdown_server(self, server_id):
        self.compute.shutdown_server(server_id)

    @_operation
    def reboot_server(self, server_id, hard=False):
        self.compute.reboot_server(server_id, hard=hard)

    @_operation
    def resize_server(self, server_id, flavor_id):
        self.compute.resize_server(server_id, flavor_id)

    @_operation
    def get_server_metadata(self, server_id):
        return self.compute.get_server_metadata(server_id)

    @_operation
    def update_server_metadata(self, server_id, metadata):
        return self.compute.update_server_metadata(server_id, **metadata)

    @_operation
    def delete_server_metadata(self, server_id, key):
        self.compute.delete_server_metadata(server_id, key)

    @_operation
    def get_server_nics(self, server_id):
        return self.compute.get_server_nics(server_id)

    # -- flavors and images (cached per user) -------------------------------

    def _cached(self, cache, fetch):
        """The user's cached listing, shared and never copied: callers
        read it, never change it."""
        key = self.user_id
        value = cache.get(key)
        if value is None:
            value = cache.set(key, Listing(fetch()))
        return value

    @_operation
    def list_flavors(self):
        return self._cached(
            self.backend.flavor_cache,
            lambda: self.compute.list_flavors(detail=True))

    @_operation
    def get_flavor(self, flavor_id):
        for flavor in self.list_flavors():
            if str(flavor.get('id')) == str(flavor_id):
                return flavor
        # deleted or private flavors are readable by id only
        return self.compute.get_flavor_details(flavor_id)

    @_operation
    def list_images(self):
        return self._cached(
            self.backend.image_cache,
            lambda: self.compute.list_images(detail=True))

    @_operation
    def get_image(self, image_id):
        for image in self.list_images():
            if str(image.get('id')) == str(image_id):
                return image
        return self.compute.get_image_details(image_id)

    @_operation
    def get_image_meta(self, image_id):
        return self.image.get_meta(image_id)

    # -- networks -----------------------------------------------------------

    @_operation
    def list_networks(self):
        return self.network.list_networks()

    @_operation
    def list_pools(self):
        return self._cached(
            self.backend.pool_cache,
            lambda: [n for n in self.network.list_networks()
                     if n.get('SNF:floating_ip_pool')
                     and not n.get('deleted')])

    @_operation
    def get_network(self, network_id):
        return self.network.get_network_details(network_id)

    @_operation
    def create_network(self, name, type='MAC_FILTERED', project=None):
        return self.network.create_network(
            type, name=name, project_id=project)

    @_operation
    def rename_network(self, network_id, name):
        return self.network.update_network(network_id, name=name)

    @_operation
    def delete_network(self, network_id):
        self.network.delete_network(network_id)

    @_operation
    def reassign_network(self, network_id, project):
        self.network.reassign_network(network_id, project)

    # -- subnets ------------------------------------------------------------

    @_operation
    def list_subnets(self):
        subnets = self.network.list_subnets()
        self.backend.subnet_cache.update(
            (str(subnet['id']), subnet) for subnet in subnets)
        return subnets

    @_operation
    def get_subnet(self, subnet_id):
        """One subnet, kept per process: Synnefo changes nothing of a
        subnet but its name once it exists, and its id is never reused."""
        subnet = self.backend.subnet_cache.get(str(subnet_id))
        if subnet is None:
            # kamaki returns the whole {"subnet": ...} answer here
            subnet = self.network.get_subnet_details(subnet_id)['subnet']
            self.backend.subnet_cache[str(subnet_id)] = subnet
        return subnet

    @_operation
    def create_subnet(self, network_id, cidr, gateway_ip=DEFAULT_GATEWAY,
                      enable_dhcp=None, name=None):
        if gateway_ip is DEFAULT_GATEWAY:
            gateway = None               # kamaki: omitted
        elif gateway_ip is None:
            gateway = ''                 # kamaki: sent as null
        else:
            gateway = gateway_ip
        subnet = self.network.create_subnet(
            network_id, cidr, name=name, gateway_ip=gateway,
            enable_dhcp=enable_dhcp)
        # a cloud that reuses ids (the simulator after a reset) must not
        # show an older subnet's record
        self.backend.subnet_cache[str(subnet['id'])] = subnet
        return subnet

    # -- ports --------------------------------------------------------------

    @_operation
    def list_ports(self):
        return self.network.list_ports()

    @_operation
    def get_port(self, port_id):
        return self.network.get_port_details(port_id)

    @_operation
    def create_port(self, network_id, device_id=None, fixed_ips=None,
                    name=None):
        return self.network.create_port(
            network_id, device_id=device_id, name=name, fixed_ips=fixed_ips)

    @_operation
    def delete_port(self, port_id):
        self.network.delete_port(port_id)

    # -- floating IPs -------------------------------------------------------

    @_operation
    def list_floatingips(self):
        return self.network.list_floatingips()

    @_operation
    def get_floatingip(self, floatingip_id):
        return self.network.get_floatingip_details(floatingip_id)

    @_operation
    def create_floatingip(self, network_id=None, address=None, project=None):
        return self.network.create_floatingip(
            floating_network_id=network_id,
            floating_ip_address=address or '', project_id=project)

    @_operation
    def delete_floatingip(self, floatingip_id):
        self.network.delete_floatingip(floatingip_id)

    @_operation
    def reassign_floatingip(self, floatingip_id, project):
        # NB: kamaki names the floating IP's id floating_network_id
        self.network.reassign_floating_ip(floatingip_id, project)

    # -- volumes ------------------------------------------------------------

    @_operation
    def list_volumes(self):
        return self.volume.list_volumes(detail=True)

    @_operation
    def get_volume(self, volume_id):
        return self.volume.get_volume_details(volume_id)

    @_operation
    def create_volume(self, size, name, volume_type=None, server_id=None,
                      project=None, description=None):
        """Create, then read the full record (Synnefo answers the short
        form ``{id, display_name, links}`` only)."""
        created = self.volume.create_volume(
            size, name, server_id=server_id, display_description=description,
            volume_type=volume_type, project=project)
        return self.volume.get_volume_details(created['id'])

    @_operation
    def update_volume(self, volume_id, name=None, description=None):
        return self.volume.update_volume(
            volume_id, display_name=name, display_description=description)

    @_operation
    def delete_volume(self, volume_id):
        self.volume.delete_volume(volume_id)

    @_operation
    def reassign_volume(self, volume_id, project):
        self.volume.reassign_volume(volume_id, project)

    @_operation
    def list_volume_types(self):
        return self.volume.list_volume_types()

    # -- volume attachments -------------------------------------------------

    @_operation
    def list_volume_attachments(self, server_id):
        return self.compute.list_volume_attachments(server_id)

    @_operation
    def attach_volume(self, server_id, volume_id):
        return self.compute.attach_volume(server_id, volume_id)

    @_operation
    def detach_volume(self, server_id, volume_id):
        # the attachment id is the volume id: one DELETE, not kamaki's
        # detach_volume (which lists the attachments first)
        self.compute.delete_volume_attachment(server_id, volume_id)
