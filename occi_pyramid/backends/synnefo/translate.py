"""Pure translation between Synnefo (Cyclades) JSON and the OCCI model.

No I/O and no kamaki: every function takes the plain dicts the backend
session returns and gives model objects (or the reverse).  Most of the
Synnefo knowledge of the OCCI layer lives here, with table-driven tests.

Templates: each image is an os_tpl mixin whose term is ``image-<uuid>``,
each flavor a resource_tpl mixin whose term is ``flavor-<id>``.  Terms made
from ids are stable (a rename in the cloud does not change them), follow
the OCCI 1.1 term grammar and map back to the image or flavor without a
lookup; the human name is the mixin's title.
"""
import functools
import re

from ... import model
from ...model import AttributeDef, Mixin, Resource, attribute_map

OS_TPL_SCHEME = 'http://schemas.synnefo.org/occi/templates/os#'
RESOURCE_TPL_SCHEME = 'http://schemas.synnefo.org/occi/templates/resource#'

_IMAGE_TERM = re.compile(r'^image-([0-9a-f-]+)$')
_FLAVOR_TERM = re.compile(r'^flavor-(\d+)$')


# -- templates -----------------------------------------------------------------

def os_tpl_term(image_id):
    return 'image-%s' % str(image_id).lower()


def image_id_of(term):
    """The image id an os_tpl term names, or ``None``."""
    match = _IMAGE_TERM.match(term or '')
    return match.group(1) if match else None


def resource_tpl_term(flavor_id):
    return 'flavor-%s' % flavor_id


def flavor_id_of(term):
    """The flavor id a resource_tpl term names (an int), or ``None``."""
    match = _FLAVOR_TERM.match(term or '')
    return int(match.group(1)) if match else None


#: distinct templates kept (per kind of template): a cloud's images and
#: flavors, for every user, many times over
SHARED_TEMPLATES = 4096


def _shared(build, *key):
    """``build(*key)`` (an LRU-cached builder), the same object for the
    same key.

    A template mixin is built from a few values of its cloud record, and
    categories do not change once built (``model.Category``), so every
    compute of every request that names a template gets one shared
    object: built once, its renderings kept by the renderers.  Keys are
    typed (``2`` and ``2.0`` render differently); a value that cannot be
    a key (a cloud sending a list for a name) is built each time.
    """
    try:
        return build(*key)
    except TypeError:
        return build.__wrapped__(*key)


def os_template(image_id, image=None):
    """The os_tpl mixin of an image (``image``: its compute record)."""
    title = None
    if image is not None:
        title = image.get('name')
        metadata = image.get('metadata') or {}
        description = metadata.get('description')
        if description:
            title = '%s (%s)' % (title, description) if title else \
                description
    return _shared(_os_template, image_id, title or 'Image %s' % image_id)


@functools.lru_cache(maxsize=SHARED_TEMPLATES, typed=True)
def _os_template(image_id, title):
    term = os_tpl_term(image_id)
    return Mixin(
        OS_TPL_SCHEME, term, title, depends=[model.OS_TPL],
        applies=[model.COMPUTE],
        location='%s%s/' % (model.OS_TPL.location, term),
    )


def gib(mebibytes):
    """MiB (Synnefo flavor RAM) to GiB (OCCI memory)."""
    return round(mebibytes / 1024.0, 3)


def resource_template(flavor_id, flavor=None):
    """The resource_tpl mixin of a flavor: its cores, memory (GiB) and disk
    (GB) as immutable attributes with those defaults.  A flavor Synnefo
    refuses to create with (``SNF:allow_create: false``) is known
    (computes using one render it; a create naming one gets Synnefo's
    403) but marked ``offered = False``: the query interface does not
    list it."""
    if flavor is None:
        return _shared(_resource_template, flavor_id, None, None, None, None,
                       True)
    # NB: no commas in generated text: rOCCI 4 splits text/occi header
    # values on every comma, quoted or not
    title = 'Flavor %s: %d core%s with %s GiB memory and %d GB disk' % (
        flavor.get('name', flavor_id), flavor['vcpus'],
        '' if flavor['vcpus'] == 1 else 's',
        _number(gib(flavor['ram'])), flavor['disk'])
    return _shared(_resource_template, flavor_id, title, flavor['vcpus'],
                   gib(flavor['ram']), float(flavor['disk']),
                   bool(flavor.get('SNF:allow_create', True)))


@functools.lru_cache(maxsize=SHARED_TEMPLATES, typed=True)
def _resource_template(flavor_id, title, cores, memory, disk, offered):
    term = resource_tpl_term(flavor_id)
    attributes = {}
    if title is None:
        title = 'Flavor %s' % flavor_id
    else:
        attributes = attribute_map(
            # NB: cores and memory stay mutable: a client may give them
            # (the template wins, OCCI 1.2) or change them (a resize)
            AttributeDef('occi.compute.cores', 'integer', default=cores,
                         description='Number of virtual CPU cores'),
            AttributeDef('occi.compute.memory', 'float', default=memory,
                         description='Memory in gigabytes (GiB)'),
            AttributeDef('occi.compute.ephemeral_storage.size', 'float',
                         mutable=False, default=disk,
                         description='Disk size in gigabytes'),
        )
    mixin = Mixin(
        RESOURCE_TPL_SCHEME, term, title, attributes=attributes,
        depends=[model.RESOURCE_TPL], applies=[model.COMPUTE],
        location='%s%s/' % (model.RESOURCE_TPL.location, term),
    )
    if not offered:
        mixin.offered = False
    return mixin


def _number(value):
    return int(value) if float(value).is_integer() else value


def templates(images, flavors, pools=()):
    """Every os_tpl and resource_tpl mixin of a user's images and
    flavors, and the mixin of each floating-IP pool.

    Flavors Synnefo refuses to create with are ``offered = False``
    (:func:`resource_template`).
    """
    return [os_template(image['id'], image) for image in images] + [
        resource_template(flavor['id'], flavor) for flavor in flavors] + [
        pool(network) for network in pools]


def flavor_for(flavors, cores=None, memory=None):
    """The smallest flavor with at least ``cores`` and ``memory`` GiB (for
    a create that gives sizes instead of a resource_tpl), or ``None``."""
    fitting = [
        f for f in flavors
        if f.get('SNF:allow_create', True)
        and (cores is None or f['vcpus'] >= cores)
        and (memory is None or gib(f['ram']) >= memory)
    ]
    if not fitting:
        return None
    return min(fitting, key=lambda f: (f['vcpus'], f['ram'], f['disk'],
                                       f['id']))


# -- compute -------------------------------------------------------------------

#: Synnefo server status -> OCCI compute state (GFD.184 states, plus 1.2's
#: error state)
COMPUTE_STATES = {
    'ACTIVE': 'active',
    'REBOOT': 'active',
    'STOPPED': 'inactive',
    'BUILD': 'inactive',
    'ERROR': 'error',
}


def compute_state(server):
    """``(state, message)`` of a server."""
    status = server.get('status', 'UNKNOWN')
    task = server.get('SNF:task_state') or ''
    if server.get('suspended'):
        return 'suspended', 'Administratively suspended by the cloud'
    state = COMPUTE_STATES.get(status, 'inactive')
    if status == 'BUILD':
        message = 'Building (%s%%)' % server.get('progress', 0)
    elif status == 'REBOOT':
        message = 'Rebooting'
    else:
        message = status.capitalize()
    if task and status != 'BUILD':
        message = '%s (%s)' % (message, task.lower().replace('_', ' '))
    return state, message


def compute_actions(server):
    """The actions valid now (rendered as action links)."""
    status = server.get('status')
    if server.get('SNF:task_state') or server.get('suspended'):
        return []
    if status == 'ACTIVE':
        return [model.STOP, model.RESTART, model.SUSPEND]
    if status == 'STOPPED':
        return [model.START, model.RESTART]
    return []


def busy_reason(server):
    """Why nothing can be done with ``server`` now (built, busy, in error,
    suspended), or ``None`` when it is settled."""
    status = server.get('status')
    task = server.get('SNF:task_state')
    name = 'The compute %s' % server['id']
    if server.get('suspended'):
        return '%s is suspended by the cloud administrators.' % name
    if status == 'BUILD':
        return '%s is still being built; wait until it is active.' % name
    if task:
        return '%s is busy (%s); try again when it is done.' % (
            name, task.lower().replace('_', ' '))
    if status == 'ERROR':
        return '%s is in error; only delete is possible.' % name
    return None


def is_busy(server):
    """Whether ``server`` is busy for now and will settle by itself:
    being built, or running a task (Synnefo's 409 ``buildInProgress``);
    not when suspended or in error (those stay)."""
    if server.get('suspended') or server.get('status') == 'ERROR':
        return False
    return server.get('status') == 'BUILD' or bool(
        server.get('SNF:task_state'))


def waiting_for(server):
    """What a link to a busy ``server`` waits for (a state message)."""
    if server.get('status') == 'BUILD':
        return 'compute %s to be built' % server['id']
    return 'compute %s to finish %s (it is busy)' % (
        server['id'], (server.get('SNF:task_state') or 'its task').lower()
        .replace('_', ' '))


#: the tasks after which a compute is active, or stopped
_ENDS_ACTIVE = ('BUILDING', 'STARTING', 'REBOOTING')
_ENDS_STOPPED = ('STOPPING',)


def reached_anyway(server, action):
    """Whether ``server`` is on its way to the state ``action`` asks for
    (start on a compute being built, started or rebooted; stop or
    suspend on one being stopped): the action has nothing to do
    (docs/decisions.md, "Deferred work")."""
    if server.get('suspended') or server.get('status') == 'ERROR':
        return False
    task = server.get('SNF:task_state')
    if action == model.START:
        return task in _ENDS_ACTIVE or (
            server.get('status') == 'BUILD' and not task)
    if action in (model.STOP, model.SUSPEND):
        return task in _ENDS_STOPPED
    return False


def action_refusal(server, action):
    """Why ``action`` cannot run on ``server`` now, or ``None``."""
    if action in compute_actions(server):
        return None
    if action == model.SAVE:
        return None  # answered 501 by the handler, not 409
    busy = busy_reason(server)
    if busy:
        return busy
    state, _ = compute_state(server)
    return 'The compute %s is %s: %s is not possible in that state.' % (
        server['id'], state, action.term)


def compute_location(server_id):
    return '%s%s' % (model.COMPUTE.location, server_id)


def compute(server, flavors=None, images=None, links=()):
    """The OCCI compute of a server record (detail form).

    :param flavors: flavor records by id, for cores and memory
    :param images: image records by id, for the os_tpl title
    """
    flavors = flavors or {}
    images = images or {}
    server_id = str(server['id'])
    state, message = compute_state(server)
    attributes = {
        'occi.compute.state': state,
        'occi.compute.state.message': message,
        'occi.compute.hostname': server.get('SNF:fqdn') or None,
    }
    mixins = []
    flavor_id = (server.get('flavor') or {}).get('id')
    if flavor_id is not None:
        flavor = flavors.get(flavor_id) or flavors.get(str(flavor_id))
        mixins.append(resource_template(flavor_id, flavor))
        if flavor is not None:
            attributes['occi.compute.cores'] = flavor['vcpus']
            attributes['occi.compute.memory'] = gib(flavor['ram'])
            attributes['occi.compute.ephemeral_storage.size'] = float(
                flavor['disk'])
    image_id = (server.get('image') or {}).get('id')
    if image_id:
        mixins.append(os_template(image_id, images.get(image_id)))
    mixins.extend(project_of(server))
    return Resource(
        model.COMPUTE, server_id, compute_location(server_id),
        title=server.get('name'), mixins=mixins, attributes=attributes,
        actions=compute_actions(server), links=list(links),
    )


def is_deleted(record):
    return bool(record.get('deleted')) or record.get('status') in (
        'DELETED', 'deleted')


def is_destroying(server):
    """Deleted, or being deleted by the cloud: a compute whose DELETE was
    answered is gone for OCCI, so a later GET is 404 (pOCCI
    CORE/DELETE/001) although Synnefo lists it until the job is done."""
    return is_deleted(server) or server.get('SNF:task_state') == 'DESTROYING'


# -- contextualization ---------------------------------------------------------

#: where cloud-init's NoCloud data source reads its seed (snf-occi's choice)
NOCLOUD = '/var/lib/cloud/seed/nocloud-net/'


def personality(user_data=None, public_key=None, users=(), instance_id=None):
    """Synnefo personality files for OCCI contextualization.

    ``user_data`` is the base64 text the client sent (cloud-init
    user-data); ``public_key`` an authorized_keys line, installed for each
    user of the image's ``users`` property (root when it names none) and
    in the NoCloud meta-data so cloud-init installs it too.
    """
    import base64
    import json

    files = []
    if user_data:
        files.append({'path': NOCLOUD + 'user-data', 'contents': user_data,
                      'owner': 'root', 'group': 'root', 'mode': 0o600})
    if public_key or user_data:
        meta = {'instance-id': instance_id or 'occi'}
        if public_key:
            meta['public-keys'] = [public_key]
        files.append({
            'path': NOCLOUD + 'meta-data',
            'contents': base64.b64encode(
                json.dumps(meta).encode('utf-8')).decode('ascii'),
            'owner': 'root', 'group': 'root', 'mode': 0o600,
        })
    if public_key:
        line = base64.b64encode(
            (public_key.strip() + '\n').encode('utf-8')).decode('ascii')
        # NB: Synnefo allows five personality files; two are cloud-init's
        for user in list(users or ('root',))[:3]:
            home = '/root' if user == 'root' else '/home/%s' % user
            files.append({'path': '%s/.ssh/authorized_keys' % home,
                          'contents': line, 'owner': user, 'group': user,
                          'mode': 0o600})
    return files


def image_users(image):
    """The login users named in an image's ``users`` property."""
    users = ((image or {}).get('metadata') or {}).get('users') or ''
    return [u for u in re.split(r'[\s,]+', users) if u]


# -- networks ------------------------------------------------------------------

#: EGI FedCloud's network mixins: how clients tell a public
#: network from a private one
EGI_NETWORK = 'http://schemas.fedcloud.egi.eu/occi/infrastructure/network#'
PUBLIC_NET = Mixin(
    EGI_NETWORK, 'public_net', 'Public network (floating IP pool)',
    location='/mixin/public_net/', applies=[model.NETWORK])
PRIVATE_NET = Mixin(
    EGI_NETWORK, 'private_net', 'Private network',
    location='/mixin/private_net/', applies=[model.NETWORK])


def network_location(network_id):
    return '%s%s' % (model.NETWORK.location, network_id)


def ipv4_subnet(network, subnets):
    """The network's IPv4 subnet record, or ``None``."""
    for subnet_id in network.get('subnets') or ():
        subnet = subnets.get(str(subnet_id))
        if subnet is not None and subnet.get('ip_version', 4) == 4:
            return subnet
    return None


def is_public(network):
    return bool(network.get('public'))


def network(record, subnets=None):
    """The OCCI network of a Synnefo network (``subnets`` by id)."""
    network_id = str(record['id'])
    status = record.get('status', 'ACTIVE')
    state = {'ACTIVE': 'active', 'ERROR': 'error'}.get(status, 'inactive')
    attributes = {
        'occi.network.state': state,
        'occi.network.state.message': status.capitalize(),
    }
    mixins = [PUBLIC_NET if is_public(record) else PRIVATE_NET]
    subnet = ipv4_subnet(record, subnets or {})
    if subnet is not None:
        mixins.insert(0, model.IPNETWORK)
        attributes['occi.network.address'] = subnet.get('cidr')
        attributes['occi.network.gateway'] = subnet.get('gateway_ip')
        attributes['occi.network.allocation'] = (
            'dynamic' if subnet.get('enable_dhcp', True) else 'static')
    mixins.extend(project_of(record))
    return Resource(
        model.NETWORK, network_id, network_location(network_id),
        title=record.get('name') or None, mixins=mixins,
        attributes=attributes)


# -- IP reservations (floating IPs) ---------------------------------------

SYNNEFO_INFRA = 'http://schemas.synnefo.org/occi/infrastructure#'

#: what a floating IP adds to its ipreservation: its pool and who uses it
FLOATING_IP = Mixin(
    SYNNEFO_INFRA, 'floating_ip', 'Synnefo floating IP',
    location='/mixin/floating_ip/', applies=[model.IPRESERVATION],
    attributes=attribute_map(
        AttributeDef('org.synnefo.floating_ip.pool', 'string',
                     mutable=False,
                     description='The public network (floating IP pool) '
                                 'the address belongs to'),
        AttributeDef('org.synnefo.floating_ip.compute', 'string',
                     mutable=False,
                     description='The compute the address is attached to'),
        AttributeDef('org.synnefo.floating_ip.networkinterface', 'string',
                     mutable=False,
                     description='The network interface that carries the '
                                 'address'),
    ))

#: the name of the port of a network interface made to an ipreservation:
#: removing that interface keeps the floating IP (docs/decisions.md)
RESERVED_PORT_NAME = 'occi-ipreservation'


POOL_SCHEME = 'http://schemas.openstack.org/network/floatingippool#'
_POOL_TERM = re.compile(r'^pool-(\d+)$')


def pool_term(network_id):
    return 'pool-%s' % network_id


def pool_id_of(term):
    """The network id of a pool mixin's term, else ``None``."""
    match = _POOL_TERM.match(term or '')
    return match.group(1) if match else None


def pool(network):
    """The mixin of a floating-IP pool (a public network with
    ``SNF:floating_ip_pool``), depending on ooi's ``floatingippool``."""
    term = pool_term(network['id'])
    return Mixin(
        POOL_SCHEME, term, network.get('name') or 'Floating IP pool %s'
        % network['id'], location='%s%s/' % (
            model.FLOATINGIPPOOL.location, term),
        depends=[model.FLOATINGIPPOOL], applies=[model.IPRESERVATION])


def is_reserved(port):
    """Whether a port carries an ipreservation: its floating IP stays
    when the port goes."""
    return port.get('name') == RESERVED_PORT_NAME


def ipreservation_location(fip_id):
    return '%s%s' % (model.IPRESERVATION.location, fip_id)


def ipreservation(fip, pools=None):
    """The OCCI ipreservation of a Synnefo floating IP, with the mixin
    of its pool (``pools``: the pools' networks by id)."""
    fip_id = str(fip['id'])
    used = fip.get('port_id') is not None
    attributes = {
        'occi.ipreservation.address': fip.get('floating_ip_address'),
        'occi.ipreservation.used': used,
        'occi.ipreservation.state': 'active',
        'occi.ipreservation.state.message': 'Used' if used else 'Reserved',
        # NB: the kind's parent (network) requires its state
        'occi.network.state': 'active',
        'org.synnefo.floating_ip.pool': network_location(
            fip.get('floating_network_id')),
    }
    if used:
        attributes['org.synnefo.floating_ip.networkinterface'] = (
            networkinterface_location(fip['port_id']))
    if fip.get('instance_id') is not None:
        attributes['org.synnefo.floating_ip.compute'] = compute_location(
            fip['instance_id'])
    network_id = str(fip.get('floating_network_id'))
    network = (pools or {}).get(network_id) or {'id': network_id}
    return Resource(
        model.IPRESERVATION, fip_id, ipreservation_location(fip_id),
        mixins=[pool(network), FLOATING_IP] + project_of(fip),
        attributes=attributes)


# -- storage -------------------------------------------------------------------

#: Synnefo volume status -> OCCI storage state
STORAGE_STATES = {
    'available': 'online', 'in_use': 'online', 'error': 'error',
}


def storage_location(volume_id):
    return '%s%s' % (model.STORAGE.location, volume_id)


def storage(volume):
    volume_id = str(volume['id'])
    status = volume.get('status', 'available')
    attributes = {
        'occi.storage.size': float(volume.get('size') or 0),
        'occi.storage.state': STORAGE_STATES.get(status, 'offline'),
        'occi.storage.state.message': status.replace('_', ' ').capitalize(),
    }
    return Resource(
        model.STORAGE, volume_id, storage_location(volume_id),
        title=volume.get('display_name') or None,
        summary=volume.get('display_description') or None,
        mixins=project_of(volume), attributes=attributes)


# -- links ---------------------------------------------------------------------

LINK_STATES = {'ACTIVE': 'active', 'ERROR': 'error'}


def networkinterface_location(port_id):
    return '%s%s' % (model.NETWORKINTERFACE.location, port_id)


def interface_names(ports):
    """``{port id: 'ethN'}``: a server's NICs numbered in port-id order."""
    by_server = {}
    for port in ports:
        if port.get('device_id'):
            by_server.setdefault(str(port['device_id']), []).append(port)
    names = {}
    for server_ports in by_server.values():
        server_ports.sort(key=lambda p: int(p['id']))
        for index, port in enumerate(server_ports):
            names[str(port['id'])] = 'eth%d' % index
    return names


def networkinterface(port, interface=None, subnets=None):
    """The OCCI networkinterface of a port attached to a server."""
    from ...model import Link

    port_id = str(port['id'])
    status = port.get('status', 'DOWN')
    attributes = {
        'occi.networkinterface.interface': interface,
        'occi.networkinterface.mac': port.get('mac_address'),
        'occi.networkinterface.state': LINK_STATES.get(status, 'inactive'),
        'occi.networkinterface.state.message': status.capitalize(),
    }
    mixins = []
    addresses = [ip for ip in port.get('fixed_ips') or ()
                 if ':' not in ip.get('ip_address', '')]
    if addresses:
        mixins.append(model.IPNETWORKINTERFACE)
        address = addresses[0]
        attributes['occi.networkinterface.address'] = address['ip_address']
        subnet = (subnets or {}).get(str(address.get('subnet')))
        if subnet is not None:
            attributes['occi.networkinterface.gateway'] = subnet.get(
                'gateway_ip')
        attributes['occi.networkinterface.allocation'] = 'dynamic'
    return Link(
        model.NETWORKINTERFACE, port_id, networkinterface_location(port_id),
        mixins=mixins, attributes=attributes,
        source=compute_location(port['device_id']),
        target=network_location(port['network_id']),
        source_kind=model.COMPUTE, target_kind=model.NETWORK)


def member(kind, id, source=None, target=None):
    """A bare entity of ``kind``: its id and location, a link's ends, no
    attribute (what a delete of the collection needs:
    IOCCISession.members)."""
    id = str(id)
    location = '%s%s' % (kind.location, id)
    if source is None:
        return Resource(kind, id, location)
    return model.Link(kind, id, location, source=source, target=target,
                      source_kind=model.COMPUTE)


def interface_name(server, port_id):
    """``ethN`` of a port of ``server``: its rank among the server's NICs
    in port-id order (the ``attachments`` of the server record list its
    active ports, by id)."""
    before = [nic for nic in server.get('attachments') or ()
              if int(nic['id']) < int(port_id)]
    return 'eth%d' % len(before)


def server_links(server):
    """The links of a compute, from its server record alone: a
    networkinterface per NIC in ``attachments`` (active ports) and a
    storagelink per volume id in ``volumes`` (the root volume too).

    The record has no subnet or device index, so these inline renderings
    carry no gateway nor deviceid; the link's own location has them.
    """
    links = []
    nics = sorted(server.get('attachments') or (),
                  key=lambda nic: int(nic['id']))
    for index, nic in enumerate(nics):
        address = nic.get('ipv4')
        port = {'id': nic['id'], 'device_id': server['id'],
                'network_id': nic['network_id'],
                'mac_address': nic.get('mac_address'), 'status': 'ACTIVE',
                'fixed_ips': [{'ip_address': address}] if address else []}
        links.append(networkinterface(port, 'eth%d' % index))
    for volume_id in server.get('volumes') or ():
        links.extend(storagelinks({
            'id': volume_id, 'status': 'in_use',
            'attachments': [{'server_id': server['id']}]}))
    return links


def storagelink_id(server_id, volume_id):
    return '%s_%s' % (server_id, volume_id)


def storagelink_ids(link_id):
    """``(server id, volume id)`` of a storagelink id, or ``None``."""
    server_id, _, volume_id = str(link_id).partition('_')
    if server_id.isdigit() and volume_id.isdigit():
        return int(server_id), volume_id
    return None


def storagelink_location(server_id, volume_id):
    return '%s%s' % (model.STORAGELINK.location,
                     storagelink_id(server_id, volume_id))


VOLUME_LINK_STATES = {'in_use': 'active', 'error': 'error'}


def storagelinks(volume):
    """The storagelinks of a volume (one per attachment)."""
    from ...model import Link

    links = []
    for attachment in volume.get('attachments') or ():
        server_id = attachment['server_id']
        link_id = storagelink_id(server_id, volume['id'])
        status = volume.get('status', '')
        index = attachment.get('device_index')
        links.append(Link(
            model.STORAGELINK, link_id,
            storagelink_location(server_id, volume['id']),
            attributes={
                'occi.storagelink.deviceid': (
                    '/dev/vd%s' % chr(ord('a') + index)
                    if isinstance(index, int) and 0 <= index < 26 else None),
                'occi.storagelink.state': VOLUME_LINK_STATES.get(
                    status, 'inactive'),
                'occi.storagelink.state.message':
                    status.replace('_', ' ').capitalize(),
            },
            source=compute_location(server_id),
            target=storage_location(volume['id']),
            source_kind=model.COMPUTE, target_kind=model.STORAGE))
    return links


# -- projects ------------------------------------------------------------------

#: the scheme of the caller's project mixins (one per Astakos project)
PROJECT_SCHEME = 'http://schemas.synnefo.org/occi/project#'
#: what every project mixin depends on: its collection is every entity
#: of the caller that belongs to a project
#: what belongs to a project: servers, volumes, networks, floating IPs
PROJECT_KINDS = [model.COMPUTE, model.STORAGE, model.NETWORK,
                 model.IPRESERVATION]
PROJECT = Mixin(
    'http://schemas.synnefo.org/occi/infrastructure#', 'project',
    'Synnefo project', location='/project/',
    applies=PROJECT_KINDS)
# NB: every project's term and location are the server's, whoever's
# project it is: no user mixin may take one (occi_pyramid/views/mixins.py)
PROJECT.reserved_scheme = PROJECT_SCHEME
PROJECT.reserved_below = True
_PROJECT_TERM = re.compile(r'^project-(?P<uuid>[0-9a-f-]+)$')

#: the quotas a project mixin shows: (Astakos resource, attribute word,
#: unit divisor: bytes to GiB for RAM and disk, which cover volumes too)
QUOTAS = (
    ('cyclades.vm', 'vms', 1),
    ('cyclades.cpu', 'cores', 1),
    ('cyclades.ram', 'memory', 1024 ** 3),
    ('cyclades.disk', 'disk', 1024 ** 3),
    ('cyclades.network.private', 'networks', 1),
    ('cyclades.floating_ip', 'floating_ips', 1),
)


def project_of(record):
    """``[the project mixin]`` of a server, volume or network record
    (its ``tenant_id``; untitled: the record does not name the project),
    ``[]`` for a public network, which is no project's."""
    project_id = record.get('tenant_id')
    if not project_id or record.get('public'):
        return []
    return [_shared(_entity_project, str(project_id))]


@functools.lru_cache(maxsize=SHARED_TEMPLATES)
def _entity_project(project_id):
    # NB: one object per project: renderers keep their text on it
    return project_mixin(project_id)


def project_term(project_id):
    return 'project-%s' % str(project_id).lower()


def project_id_of(mixin):
    """The Astakos project id of a project mixin (``None`` for another
    mixin)."""
    if mixin.scheme != PROJECT_SCHEME:
        return None
    match = _PROJECT_TERM.match(mixin.term)
    return match.group('uuid') if match else None


def quota_attributes(resources):
    """The quota attributes of a project (``{resource: {usage, limit}}``
    of Astakos' quotas for the caller in it): for each resource OCCI
    touches, ``synnefo.quota.<word>.limit`` and ``.usage``, immutable,
    with the numbers as defaults (GiB for memory and disk)."""
    definitions = []
    for resource, word, unit in QUOTAS:
        held = resources.get(resource)
        if held is None:
            continue
        for side in ('limit', 'usage'):
            value = held.get(side) or 0
            value = _number(round(value / unit, 3)) if unit > 1 else value
            definitions.append(AttributeDef(
                'synnefo.quota.%s.%s' % (word, side),
                'float' if unit > 1 else 'integer', mutable=False,
                default=value, description='%s of %s in the project' % (
                    side.capitalize(), resource)))
    return attribute_map(*definitions)


def project_mixin(project_id, name=None, resources=None):
    """The mixin of an Astakos project: its term from the id, its title
    the project's name (when known), its quotas for the caller as
    attributes (when given)."""
    term = project_term(project_id)
    mixin = Mixin(
        PROJECT_SCHEME, term, name or None,
        attributes=quota_attributes(resources or {}),
        depends=[PROJECT],
        applies=PROJECT_KINDS,
        location='%s%s/' % (PROJECT.location, project_id))
    # NB: associating an entity with its collection moves the entity
    # (occi_pyramid/views/mixins.py)
    mixin.associable = True
    return mixin


def project_mixins(projects, quotas):
    """The caller's project mixins, from Astakos' project list (member
    mode) and quotas."""
    return [project_mixin(p['id'], p.get('name'), quotas.get(p['id']))
            for p in projects]


def flavor_usable_in(flavor, project_id):
    """Whether a create in ``project_id`` may use ``flavor``: a public
    one, or one granted to that project (Synnefo's flavor access)."""
    if flavor.get('os-flavor-access:is_public', True):
        return True
    return project_id in (flavor.get('SNF:flavor-access') or ())
