"""The OCCI Infrastructure categories (GFD.184 / GFD.224) and the
contextualization mixins clients send (OGF 1.2 and OpenStack schemes).

Every kind, mixin and action here is static: the same for every cloud and
user.  Templates made from cloud data (one os_tpl per image, one
resource_tpl per flavor) are built by the backend as Mixins that depend on
:data:`OS_TPL` / :data:`RESOURCE_TPL`.
"""
from .core import (
    LINK, RESOURCE, Action, AttributeDef, Kind, Mixin, attribute_map,
    make_term,
)

INFRA = 'http://schemas.ogf.org/occi/infrastructure#'
COMPUTE_ACTIONS = 'http://schemas.ogf.org/occi/infrastructure/compute/action#'
NETWORK_ACTIONS = 'http://schemas.ogf.org/occi/infrastructure/network/action#'
STORAGE_ACTIONS = 'http://schemas.ogf.org/occi/infrastructure/storage/action#'
IPRESERVATION_ACTIONS = (
    'http://schemas.ogf.org/occi/infrastructure/ipreservation/action#'
)
NETWORK_MIXINS = 'http://schemas.ogf.org/occi/infrastructure/network#'
NETWORKINTERFACE_MIXINS = (
    'http://schemas.ogf.org/occi/infrastructure/networkinterface#'
)
CREDENTIALS = 'http://schemas.ogf.org/occi/infrastructure/credentials#'
COMPUTE_MIXINS = 'http://schemas.ogf.org/occi/infrastructure/compute#'
OPENSTACK_INSTANCE = 'http://schemas.openstack.org/compute/instance#'
OPENSTACK_CREDENTIALS = 'http://schemas.openstack.org/instance/credentials#'
OPENSTACK_NETWORK = 'http://schemas.openstack.org/network#'

STATES = ('active', 'inactive', 'suspended', 'error')
LINK_STATES = ('active', 'inactive', 'error')
STORAGE_STATES = (
    'online', 'offline', 'backup', 'snapshot', 'resize', 'degraded', 'error',
)


def _method(*choices, default=None, description=None):
    return AttributeDef('method', 'enum', choices=choices, default=default,
                        description=description)


def _state(name, choices, description):
    return AttributeDef(name, 'enum', mutable=False, required=True,
                        choices=choices, description=description)


def _message(name):
    return AttributeDef(name, 'string', mutable=False,
                        description='Human-readable explanation of the state')


# -- Compute ---------------------------------------------------------------

START = Action(COMPUTE_ACTIONS, 'start', 'Start the compute resource')
STOP = Action(
    COMPUTE_ACTIONS, 'stop', 'Stop the compute resource',
    attribute_map(_method('graceful', 'acpioff', 'poweroff',
                          default='graceful',
                          description='How to stop the compute resource')),
)
RESTART = Action(
    COMPUTE_ACTIONS, 'restart', 'Restart the compute resource',
    attribute_map(_method('graceful', 'warm', 'cold', default='graceful',
                          description='How to restart the compute resource')),
)
SUSPEND = Action(
    COMPUTE_ACTIONS, 'suspend', 'Suspend the compute resource',
    attribute_map(_method('hibernate', 'suspend', default='suspend',
                          description='How to suspend the compute resource')),
)
SAVE = Action(
    COMPUTE_ACTIONS, 'save', 'Save the compute resource as a new template',
    attribute_map(
        _method('hot', 'deferred', default='hot',
                description='Save while running, or when stopped'),
        AttributeDef('name', 'string',
                     description='Name of the new OS template'),
    ),
)

COMPUTE = Kind(
    INFRA, 'compute', 'Compute Resource', parent=RESOURCE,
    location='/compute/',
    actions=[START, STOP, RESTART, SUSPEND, SAVE],
    attributes=attribute_map(
        AttributeDef('occi.compute.architecture', 'enum',
                     choices=('x86', 'x64'),
                     description='CPU architecture of the instance'),
        AttributeDef('occi.compute.cores', 'integer', exclusive_minimum=0,
                     description='Number of virtual CPU cores'),
        AttributeDef('occi.compute.hostname', 'string',
                     description='Fully qualified DNS hostname'),
        AttributeDef('occi.compute.share', 'integer',
                     description='Relative number of CPU shares'),
        AttributeDef('occi.compute.speed', 'float',
                     description='CPU clock frequency in gigahertz'),
        AttributeDef('occi.compute.memory', 'float', exclusive_minimum=0,
                     description='Maximum RAM in gigabytes'),
        _state('occi.compute.state', STATES,
               'Current state of the instance'),
        _message('occi.compute.state.message'),
    ),
)

# -- Network ---------------------------------------------------------------

UP = Action(NETWORK_ACTIONS, 'up', 'Activate the network')
DOWN = Action(NETWORK_ACTIONS, 'down', 'Deactivate the network')

NETWORK = Kind(
    INFRA, 'network', 'Network Resource', parent=RESOURCE,
    location='/network/',
    actions=[UP, DOWN],
    attributes=attribute_map(
        AttributeDef('occi.network.vlan', 'integer',
                     description='802.1q VLAN identifier (0-4095)'),
        AttributeDef('occi.network.label', 'string',
                     description='Tag-based VLAN name'),
        _state('occi.network.state', ('active', 'inactive', 'error'),
               'Current state of the network'),
        _message('occi.network.state.message'),
    ),
)

IPNETWORK = Mixin(
    NETWORK_MIXINS, 'ipnetwork', 'IP Networking Mixin',
    location='/mixin/ipnetwork/', applies=[NETWORK],
    attributes=attribute_map(
        AttributeDef('occi.network.address', 'string', format='cidr',
                     description='Internet Protocol network address in '
                                 'CIDR notation (e.g. 10.0.0.0/24)'),
        AttributeDef('occi.network.gateway', 'string', format='ip',
                     description='Internet Protocol address of the gateway'),
        AttributeDef('occi.network.allocation', 'enum',
                     choices=('dynamic', 'static'),
                     description='Address allocation mechanism'),
    ),
)

# -- IP reservation (rOCCI-core 5's infrastructure extension) -------------

IPRESERVATION_UP = Action(IPRESERVATION_ACTIONS, 'up',
                          'Activate the IP reservation')
IPRESERVATION_DOWN = Action(IPRESERVATION_ACTIONS, 'down',
                            'Deactivate the IP reservation')

#: a reserved public address (Synnefo: a floating IP); not in GFD.224,
#: named as rOCCI-core 5 names it (docs/decisions.md)
IPRESERVATION = Kind(
    INFRA, 'ipreservation', 'IPReservation', parent=NETWORK,
    location='/ipreservation/',
    actions=[IPRESERVATION_UP, IPRESERVATION_DOWN],
    attributes=attribute_map(
        AttributeDef('occi.ipreservation.address', 'string', format='ip',
                     description='The reserved Internet Protocol address'),
        AttributeDef('occi.ipreservation.used', 'boolean', mutable=False,
                     description='Whether a network interface carries '
                                 'the address'),
        _state('occi.ipreservation.state', ('active', 'inactive', 'error'),
               'Current state of the reservation'),
        _message('occi.ipreservation.state.message'),
    ),
)

#: ooi's parent of the cloud's floating-IP pools: a backend makes one
#: mixin per pool that depends on it; applied to an ipreservation create,
#: it chooses the pool
FLOATINGIPPOOL = Mixin(
    OPENSTACK_NETWORK, 'floatingippool', 'Floating IP pool',
    location='/mixin/floatingippool/', applies=[IPRESERVATION],
)

# -- Storage ---------------------------------------------------------------

ONLINE = Action(STORAGE_ACTIONS, 'online', 'Bring the storage online')
OFFLINE = Action(STORAGE_ACTIONS, 'offline', 'Take the storage offline')
BACKUP = Action(STORAGE_ACTIONS, 'backup', 'Back up the storage')
SNAPSHOT = Action(STORAGE_ACTIONS, 'snapshot', 'Snapshot the storage')
RESIZE = Action(
    STORAGE_ACTIONS, 'resize', 'Resize the storage',
    attribute_map(AttributeDef('size', 'float', required=True,
                               description='New size in gigabytes')),
)

STORAGE = Kind(
    INFRA, 'storage', 'Storage Resource', parent=RESOURCE,
    location='/storage/',
    actions=[ONLINE, OFFLINE, BACKUP, SNAPSHOT, RESIZE],
    attributes=attribute_map(
        AttributeDef('occi.storage.size', 'float', required=True,
                     exclusive_minimum=0,
                     description='Storage size in gigabytes'),
        _state('occi.storage.state', STORAGE_STATES,
               'Current state of the storage'),
        _message('occi.storage.state.message'),
    ),
)

# -- Links -----------------------------------------------------------------

NETWORKINTERFACE = Kind(
    INFRA, 'networkinterface', 'NetworkInterface Link', parent=LINK,
    location='/networkinterface/',
    attributes=attribute_map(
        AttributeDef('occi.networkinterface.interface', 'string',
                     mutable=False,
                     description='Identifier of the interface (eth0)'),
        AttributeDef('occi.networkinterface.mac', 'string',
                     description='MAC address of the interface'),
        _state('occi.networkinterface.state', LINK_STATES,
               'Current state of the interface'),
        _message('occi.networkinterface.state.message'),
    ),
)

IPNETWORKINTERFACE = Mixin(
    NETWORKINTERFACE_MIXINS, 'ipnetworkinterface',
    'IP Network Interface Mixin',
    location='/mixin/ipnetworkinterface/', applies=[NETWORKINTERFACE],
    attributes=attribute_map(
        AttributeDef('occi.networkinterface.address', 'string',
                     format='ip', description='Internet Protocol address'),
        AttributeDef('occi.networkinterface.gateway', 'string',
                     format='ip', description='Internet Protocol address of the gateway'),
        AttributeDef('occi.networkinterface.allocation', 'enum',
                     choices=('dynamic', 'static'),
                     description='Address allocation mechanism'),
    ),
)

STORAGELINK = Kind(
    INFRA, 'storagelink', 'StorageLink Link', parent=LINK,
    location='/storagelink/',
    attributes=attribute_map(
        AttributeDef('occi.storagelink.deviceid', 'string',
                     description='Device identifier inside the compute '
                                 '(e.g. /dev/vdb)'),
        AttributeDef('occi.storagelink.mountpoint', 'string',
                     description='Point to mount the storage on'),
        _state('occi.storagelink.state', LINK_STATES,
               'Current state of the link'),
        _message('occi.storagelink.state.message'),
    ),
)

# -- Templates -------------------------------------------------------------

OS_TPL = Mixin(
    INFRA, 'os_tpl', 'OS Template', location='/mixin/os_tpl/',
    applies=[COMPUTE],
)
RESOURCE_TPL = Mixin(
    INFRA, 'resource_tpl', 'Resource Template',
    location='/mixin/resource_tpl/', applies=[COMPUTE],
)

# -- Contextualization and credentials -------------------------------------

SSH_KEY = Mixin(
    CREDENTIALS, 'ssh_key', 'Credentials Mixin', location='/mixin/ssh_key/',
    applies=[COMPUTE],
    attributes=attribute_map(
        AttributeDef('occi.credentials.ssh.publickey', 'string',
                     required=True,
                     description='SSH public key to inject into the '
                                 'compute (authorized_keys format)'),
    ),
)
USER_DATA = Mixin(
    COMPUTE_MIXINS, 'user_data', 'Contextualization Mixin',
    location='/mixin/user_data/', applies=[COMPUTE],
    attributes=attribute_map(
        AttributeDef('occi.compute.userdata', 'string', required=True,
                     format='base64',
                     description='Contextualization data (base64) handed '
                                 'to the compute at boot'),
    ),
)
OPENSTACK_USER_DATA = Mixin(
    OPENSTACK_INSTANCE, 'user_data',
    "OpenStack's contextualization extension - user_data",
    location='/mixin/openstack_user_data/', applies=[COMPUTE],
    attributes=attribute_map(
        AttributeDef('org.openstack.compute.user_data', 'string',
                     required=True, format='base64',
                     description='Contextualization data (base64)'),
    ),
)
OPENSTACK_PUBLIC_KEY = Mixin(
    OPENSTACK_CREDENTIALS, 'public_key',
    "OpenStack's contextualization extension - credentials",
    location='/mixin/openstack_public_key/', applies=[COMPUTE],
    attributes=attribute_map(
        AttributeDef('org.openstack.credentials.publickey.name', 'string',
                     description='Name of the key'),
        AttributeDef('org.openstack.credentials.publickey.data', 'string',
                     required=True,
                     description='SSH public key (authorized_keys format)'),
    ),
)

#: Attribute spellings accepted on input for the same values (docs/specs.md, ambiguity 14)
USER_DATA_ALIASES = (
    'occi.compute.userdata', 'occi.compute.user_data',
    'org.openstack.compute.user_data',
)
SSH_KEY_ALIASES = (
    'occi.credentials.ssh.publickey', 'occi.crendentials.ssh.publickey',
    'occi.credentials.ssh_key', 'org.openstack.credentials.publickey.data',
)

# -- Regions ---------------------------------------------------------------

#: rOCCI-core 5's parent of a provider's regions (docs/decisions.md): an
#: endpoint announces one region mixin that depends on it
REGION = Mixin(
    INFRA, 'region', 'Region', location='/mixin/region/',
    applies=[COMPUTE, NETWORK, STORAGE, IPRESERVATION],
)
#: the scheme of an endpoint's region mixin
REGION_MIXINS = 'http://schemas.synnefo.org/occi/infrastructure/region#'


def region_mixin(name):
    """The region mixin of an endpoint whose region is ``name``.

    :param name: the region's name (``occi.region``)
    :returns: a :class:`Mixin` that depends on :data:`REGION` and applies
        to the kinds it applies to
    """
    term = make_term(name)
    return Mixin(REGION_MIXINS, term, name,
                 location='%s%s/' % (REGION.location, term),
                 depends=[REGION], applies=REGION.applies)


KINDS = [COMPUTE, NETWORK, STORAGE, NETWORKINTERFACE, STORAGELINK,
         IPRESERVATION]
MIXINS = [
    IPNETWORK, IPNETWORKINTERFACE, OS_TPL, RESOURCE_TPL, SSH_KEY, USER_DATA,
    OPENSTACK_USER_DATA, OPENSTACK_PUBLIC_KEY, FLOATINGIPPOOL, REGION,
]
