"""Rules shared by the compute, network and volume services.

Server look-up and the precondition checks of Synnefo's
``validate_server_action`` (Synnefo's Compute API), network look-up, port
creation with its address rules (its Network API) and the NIC views of a port.
"""
import ipaddress

from sqlalchemy import Text, bindparam, or_, select, type_coerce

from . import models, netaddr
from .core import (
    bad_request,
    build_in_progress,
    conflict,
    forbidden,
    not_found,
    parse_int,
    plain_rows,
)

SERVER_BY_ID = select(models.Server).where(
    models.Server.id == bindparam('id'))
SERVERS = models.Server.__table__
#: JSON columns of servers, which the detail form reads as the stored
#: text: a listing compares texts, and most are empty (``{}``, ``[]``)
JSON_COLUMNS = ('meta', 'tags', 'key_names')
#: every column of a server, JSON ones as their text, in table order
SERVER_TEXT = tuple(
    type_coerce(column, Text).label(column.name)
    if column.name in JSON_COLUMNS else column
    for column in SERVERS.c)
SERVER_ROW_BY_ID = select(*SERVER_TEXT).where(
    SERVERS.c.id == bindparam('id'))

OPERSTATE_TO_STATUS = {
    'BUILD': 'BUILD',
    'STARTED': 'ACTIVE',
    'STOPPED': 'STOPPED',
    'ERROR': 'ERROR',
    'DESTROYED': 'DELETED',
    'RESIZE': 'RESIZE',
}

TASK_STATE = {
    'BUILD': 'BUILDING',
    'START': 'STARTING',
    'STOP': 'STOPPING',
    'REBOOT': 'REBOOTING',
    'DESTROY': 'DESTROYING',
    'RESIZE': 'RESIZING',
    'RESCUE': 'RESCUING',
    'UNRESCUE': 'UNRESCUING',
    'CONNECT': 'CONNECTING',
    'DISCONNECT': 'DISCONNECTING',
    'ATTACH_VOLUME': 'ATTACHING_VOLUME',
    'DETACH_VOLUME': 'DETACHING_VOLUME',
}

#: operstate an action needs (other actions only avoid BUILD/ERROR)
REQUIRED_STATE = {
    'START': 'STOPPED',
    'STOP': 'STARTED',
    'RESIZE': 'STOPPED',
    'RESCUE': 'STOPPED',
    'UNRESCUE': 'STOPPED',
}

MAX_NICS = 8
MAX_DISKS = 8


def server_status(server):
    if server.deleted:
        return 'DELETED'
    if server.operstate == 'STARTED' and server.task == 'REBOOT':
        return 'REBOOT'
    return OPERSTATE_TO_STATUS.get(server.operstate, 'UNKNOWN')


def task_state(server):
    if not server.task:
        return ''
    return TASK_STATE.get(server.task, 'UNKNOWN')


def server_row(ctx, server_id):
    """A server the caller may see, as a plain row (read only; its JSON
    columns as text, :data:`SERVER_TEXT`), or 404."""
    server = ctx.execute(SERVER_ROW_BY_ID, id=int(server_id)).first()
    if server is None or not ctx.can_see(server):
        raise not_found('Server not found.')
    return server


def get_server(ctx, server_id, non_deleted=False, non_suspended=False):
    """A server the caller may see, or 404 "Server not found."."""
    server = ctx.db.execute(SERVER_BY_ID,
                            {'id': int(server_id)}).scalar_one_or_none()
    if server is None or not ctx.can_see(server):
        raise not_found('Server not found.')
    if non_deleted and server.deleted:
        raise bad_request('Server has been deleted.')
    if non_suspended and server.suspended:
        raise forbidden('Administratively Suspended VM')
    return server


def validate_server_action(ctx, server, action):
    """Synnefo's checks before any backend job is sent.

    :raises Fault: 400/403/409 worded as Synnefo words them.
    """
    if server.deleted:
        raise bad_request("Server '%s' has been deleted." % server.id)
    if server.suspended:
        raise forbidden('Administratively Suspended VM')
    if action == 'DESTROY':
        if server.task == 'BUILD':
            job = ctx.sim.engine.pending(ctx.db, 'build', server.id)
            if job is not None and ctx.now <= job.started:
                # the instance does not exist in Ganeti yet
                raise build_in_progress('Server is being build')
        return
    if server.task == 'BUILD' or server.operstate == 'BUILD':
        raise build_in_progress("Server '%s' is being built." % server.id)
    if server.task:
        raise bad_request(
            "Cannot perform '%s' action while there is a pending '%s'."
            % (action, server.task)
        )
    if server.operstate == 'ERROR':
        raise bad_request(
            "Cannot perform '%s' action while server is in 'ERROR' state."
            % action
        )
    required = REQUIRED_STATE.get(action)
    if required is not None and server.operstate != required:
        raise bad_request(
            "Cannot perform '%s' action while server is in '%s' state."
            % (action, server.operstate)
        )


# -- networks -----------------------------------------------------------------


def visible_networks(ctx):
    from sqlalchemy import and_

    model = models.Network
    return ctx.db.query(model).filter(
        or_(
            model.public.is_(True),
            model.user_id == ctx.uid,
            and_(
                model.shared_to_project.is_(True),
                model.project.in_(ctx.projects()),
            ),
        )
    )


def get_network(ctx, network_id, non_deleted=False):
    number = parse_int(network_id, "Invalid network ID '%s'" % network_id)
    network = (
        visible_networks(ctx)
        .filter(models.Network.id == number)
        .one_or_none()
    )
    if network is None:
        raise not_found('Network %s not found.' % network_id)
    if non_deleted and network.deleted:
        raise bad_request('Network has been deleted.')
    return network


def subnet_of(db, network, version):
    return (
        db.query(models.Subnet)
        .filter_by(network_id=network.id, ip_version=version, deleted=False)
        .first()
    )


# -- ports --------------------------------------------------------------------


def port_ipv4(db, port):
    return db.query(models.IPAddress).filter_by(port_id=port.id).first()


def port_ipv6(db, port):
    """The SLAAC address of an ACTIVE port on a network with IPv6."""
    if port.status != 'ACTIVE':
        return None
    subnet = subnet_of(db, port.network, 6)
    if subnet is None:
        return None
    return netaddr.eui64(subnet.cidr, netaddr.mac_address(port.id))


def server_ports(db, server, status=None):
    query = db.query(models.Port).filter_by(server_id=server.id)
    if status is not None:
        query = query.filter_by(status=status)
    return query.order_by(models.Port.id).all()


#: up to this many ids a batch query names them; beyond, it reads the
#: whole table once (an IN list of 10,000 ids is slower than a scan)
FEW = 200


def _batch(columns, key, *where):
    """``(statement for one id, for a few ids, for every row)`` of
    ``columns`` keyed by ``key``, ordered by the first column."""
    def ordered(condition):
        return select(*columns).where(condition, *where).order_by(columns[0])

    return (ordered(key == bindparam('id')),
            ordered(key.in_(bindparam('ids', expanding=True))),
            ordered(key.isnot(None)))


_PORT = models.Port.__table__.c
_IP = models.IPAddress.__table__.c
_SUBNET = models.Subnet.__table__.c
_VOLUME = models.Volume.__table__.c
_JOB = models.Job.__table__.c
PORTS_OF = _batch((_PORT.id, _PORT.server_id, _PORT.network_id,
                   _PORT.firewall_profile), _PORT.server_id,
                  _PORT.status == 'ACTIVE')
IPS_OF = _batch((_IP.id, _IP.port_id, _IP.address, _IP.floating),
                _IP.port_id)
IPV6_SUBNETS_OF = _batch((_SUBNET.id, _SUBNET.network_id, _SUBNET.cidr),
                         _SUBNET.network_id, _SUBNET.ip_version == 6,
                         _SUBNET.deleted.is_(False))
VOLUMES_OF = _batch((_VOLUME.id, _VOLUME.server_id), _VOLUME.server_id,
                    _VOLUME.deleted.is_(False))
BUILDS_OF = _batch((_JOB.id, _JOB.target_id, _JOB.started, _JOB.due),
                   _JOB.target_id, _JOB.kind == 'build')


def _fetch(db, statements, ids):
    one, few, every = statements
    connection = db.connection()
    if len(ids) == 1:
        return plain_rows(connection, one, {'id': next(iter(ids))})
    if len(ids) <= FEW:
        return plain_rows(connection, few, {'ids': list(ids)})
    return plain_rows(connection, every)


class ServerFacts:
    """What the detail form of servers needs beyond their own rows, read
    in a fixed number of queries whatever the number of servers, as
    plain tuples (:func:`~.core.plain_rows`).

    :ivar ports: ``{server id: [(port, IPv4 or None, IPv6 cidr or
        None)]}`` of the ACTIVE ports, the raw inputs of :meth:`nics`:
        a port is ``(id, server_id, network_id, firewall_profile)``, an
        IPv4 ``(id, port_id, address, floating)``.
    :ivar volumes: ``{server id: [volume ids]}``.
    :ivar builds: ``{server id: (started, due)}`` of pending BUILD jobs
        (none read when ``builds`` is false: no server is in BUILD).
    """

    def __init__(self, db, server_ids, builds=True):
        ids = list(server_ids)
        wanted = set(ids)
        self.ports = {}
        self.volumes = {}
        self.builds = {}
        if not ids:
            return
        # NB: rows are tuples: (id, server_id, network_id, profile)
        port_rows = [row for row in _fetch(db, PORTS_OF, ids)
                     if row[1] in wanted]
        ipv4 = {}
        if port_rows:
            for row in _fetch(db, IPS_OF, [row[0] for row in port_rows]):
                ipv4.setdefault(row[1], row)
        ipv6_cidr = {}
        networks = {row[2] for row in port_rows}
        if networks:
            for _id, network_id, cidr in _fetch(db, IPV6_SUBNETS_OF,
                                                networks):
                ipv6_cidr.setdefault(network_id, cidr)
        for row in port_rows:
            self.ports.setdefault(row[1], []).append(
                (row, ipv4.get(row[0]), ipv6_cidr.get(row[2])))
        volumes = self.volumes
        for volume_id, server_id in _fetch(db, VOLUMES_OF, ids):
            if server_id in wanted:
                listed = volumes.get(server_id)
                if listed is None:
                    volumes[server_id] = [volume_id]
                else:
                    listed.append(volume_id)
        for _id, target_id, started, due in (
                _fetch(db, BUILDS_OF, ids) if builds else ()):
            if target_id in wanted:
                self.builds.setdefault(target_id, (started, due))

    @classmethod
    def of_new_server(cls, server_id, volume_ids, build):
        """The facts of a server just created, known without a query:
        its ports are all in BUILD (not shown), its volumes are
        ``volume_ids`` and ``build`` is its BUILD job's
        ``(started, due)``."""
        facts = cls(None, ())
        facts.volumes[server_id] = list(volume_ids)
        facts.builds[server_id] = build
        return facts

    def nics(self, server_id):
        """``(attachments, addresses)`` of ``server_id``."""
        views = ([], {})
        for port, address, cidr in self.ports.get(server_id, ()):
            mac = netaddr.mac_address(port[0])
            ipv6 = netaddr.eui64(cidr, mac) if cidr else None
            _nic(views, port, mac, address, ipv6)
        return views


def _nic(views, port, mac, ipv4, ipv6):
    """Add one ACTIVE port (a :class:`ServerFacts` port tuple, with its
    IPv4 tuple or None) to ``(attachments, addresses)``."""
    attachments, addresses = views
    port_id, _server_id, network_id, firewall_profile = port
    address = ipv4[2] if ipv4 is not None else None
    kind = 'floating' if ipv4 is not None and ipv4[3] else 'fixed'
    network_id = str(network_id)
    nic = {
        'id': port_id,
        'network_id': network_id,
        'mac_address': mac,
        'ipv4': address if ipv4 is not None else '',
        'ipv6': ipv6 or '',
    }
    if ipv4 is not None or ipv6:
        nic['OS-EXT-IPS:type'] = kind
    if firewall_profile:
        nic['firewallProfile'] = firewall_profile
    attachments.append(nic)
    entries = addresses.setdefault(network_id, [])
    if ipv4 is not None:
        entries.append(
            {'version': 4, 'addr': address, 'OS-EXT-IPS:type': kind}
        )
    if ipv6:
        entries.append(
            {'version': 6, 'addr': ipv6, 'OS-EXT-IPS:type': kind}
        )


def nic_views(db, server):
    """``(attachments, addresses)`` of a server: ACTIVE ports only."""
    return ServerFacts(db, [server.id]).nics(server.id)


def check_ipv4(address):
    try:
        parsed = ipaddress.ip_address(address)
    except (TypeError, ValueError):
        raise bad_request("Invalid IP address '%s'" % (address,))
    if parsed.version != 4:
        raise bad_request("Invalid IPv4 address '%s'" % (address,))
    return str(parsed)


def free_floating_ip(ctx, network):
    return (
        ctx.db.query(models.IPAddress)
        .filter_by(
            network_id=network.id,
            user_id=ctx.uid,
            floating=True,
            port_id=None,
        )
        .order_by(models.IPAddress.id)
        .first()
    )


def floating_ip_by_address(ctx, address):
    """The caller's floating IP ``address``, or 404."""
    floating = (
        ctx.db.query(models.IPAddress)
        .filter_by(address=address, user_id=ctx.uid, floating=True)
        .first()
    )
    if floating is None:
        raise not_found('Floating IP does not exist.')
    return floating


def create_port(ctx, network, server=None, address=None, name='',
                auto_floating=False):
    """Create a port on ``network``, optionally for ``server``.

    :param address: the requested IPv4 (``fixed_ips[0].ip_address`` or
        a server network's ``fixed_ip``).
    :param auto_floating: on a public network without ``address``, use
        one of the caller's free floating IPs (server create) instead
        of answering 400 (port create).
    :returns: the new port (``BUILD`` with a server, ``DOWN`` without).
    """
    if network.deleted:
        raise bad_request('Network has been deleted.')
    if network.status != 'ACTIVE':
        raise conflict(
            "Cannot create port while network '%s' is in '%s' status"
            % (network.id, network.status)
        )
    floating = None
    private_address = None
    subnet = None
    if network.public:
        if address is None and not auto_floating:
            raise bad_request(
                "'fixed_ips' attribute must contain a floating IP address "
                "in order to connect to a public network."
            )
        if address is None:
            floating = free_floating_ip(ctx, network)
            if floating is None:
                raise conflict(
                    'Cannot find an unused floating IP to connect server '
                    'to public network %s. Please create a floating IP.'
                    % network.id
                )
        else:
            address = check_ipv4(address)
            floating = floating_ip_by_address(ctx, address)
            if floating.network_id != network.id:
                raise conflict(
                    "Floating IP address '%s' does not belong to network "
                    "'%s'." % (address, network.id)
                )
            if floating.port_id is not None:
                raise conflict("IP address '%s' is already in use" % address)
    else:
        subnet = subnet_of(ctx.db, network, 4)
        if address is not None:
            address = check_ipv4(address)
            if subnet is None or not netaddr.in_pools(address, subnet.pools):
                raise bad_request(
                    "IP address '%s' does not belong to network '%s'"
                    % (address, network.id)
                )
            if netaddr.is_used(ctx.db, subnet.id, address):
                raise conflict("IP address '%s' is already in use" % address)
            private_address = address
        elif subnet is not None:
            private_address = netaddr.first_free(ctx.db, subnet)
            if private_address is None:
                raise conflict(
                    'No more IP addresses available on network %s'
                    % network.id
                )
    port = models.Port(
        network_id=network.id,
        server_id=server.id if server is not None else None,
        user_id=ctx.uid,
        project=server.project if server is not None else (
            network.project or ctx.user.default_project),
        name=name or '',
        status='BUILD' if server is not None else 'DOWN',
        security_groups=[],
        created=ctx.now,
        updated=ctx.now,
    )
    ctx.db.add(port)
    ctx.db.flush()
    if floating is not None:
        floating.port_id = port.id
    elif private_address is not None:
        ctx.db.add(
            models.IPAddress(
                network_id=network.id,
                subnet_id=subnet.id,
                address=private_address,
                user_id=ctx.uid,
                project=port.project,
                floating=False,
                port_id=port.id,
                created=ctx.now,
            )
        )
    ctx.db.flush()
    return port


def connect_port(ctx, server, port):
    """Start the CONNECT job of ``port`` on an existing ``server``."""
    if len(server_ports(ctx.db, server)) > MAX_NICS:
        raise bad_request('Maximum ports per server limit reached')
    server.task = 'CONNECT'
    server.updated = ctx.now
    ctx.sim.engine.schedule(ctx.db, 'connect', port.id)


def disconnect_port(ctx, port):
    """Delete ``port``: asynchronously when it is attached to a server."""
    from .engine import remove_port

    if port.server_id is None:
        remove_port(ctx.db, port)
        return
    server = ctx.db.get(models.Server, port.server_id)
    if server is not None and not server.deleted:
        validate_server_action(ctx, server, 'DISCONNECT')
        server.task = 'DISCONNECT'
        server.updated = ctx.now
    ctx.sim.engine.schedule(ctx.db, 'disconnect', port.id)

