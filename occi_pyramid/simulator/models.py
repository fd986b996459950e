"""SQLAlchemy records of the simulated Synnefo deployment.

Every record the simulator serves lives here, so a development server
restarted on the same SQLite file keeps its VMs, networks and volumes.
Times are floats (seconds since the epoch on the simulator's virtual
clock); the services format them on the way out.
"""
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, relationship


class Base(DeclarativeBase):
    """Declarative base of the simulator's tables (prefix ``sim_``)."""


#: Synnefo's ids come from database sequences and never repeat; SQLite
#: reuses the highest rowid after a delete unless told AUTOINCREMENT
NEVER_REUSED = {'sqlite_autoincrement': True}


class Meta(Base):
    """Key/value store for the clock offset and other engine state."""

    __tablename__ = 'sim_meta'
    key = Column(String(64), primary_key=True)
    value = Column(JSON)


class User(Base):
    __tablename__ = 'sim_users'
    uuid = Column(String(64), primary_key=True)
    name = Column(String(255), nullable=False)  # the display name
    #: Astakos' username: the lower-cased e-mail, what user catalogs map
    email = Column(String(255), nullable=False, default='', index=True)
    token = Column(String(255), unique=True, nullable=False)
    active = Column(Boolean, default=True, nullable=False)
    default_project = Column(String(64), nullable=False)
    token_expires = Column(Float, nullable=False)
    roles = Column(JSON, default=list)


class Project(Base):
    __tablename__ = 'sim_projects'
    uuid = Column(String(64), primary_key=True)
    name = Column(String(255), nullable=False)
    #: the owner's uuid; null for system projects (Astakos' base projects)
    owner = Column(String(64))
    created = Column(Float)


class KeyPair(Base):
    """A user's SSH key pair (the os-keypairs extension)."""

    __tablename__ = 'sim_keypairs'
    __table_args__ = NEVER_REUSED
    id = Column(Integer, primary_key=True)
    user_id = Column(String(64), nullable=False, index=True)
    name = Column(String(255), nullable=False)
    public_key = Column(Text, nullable=False)
    fingerprint = Column(String(64), nullable=False)
    created = Column(Float, nullable=False)
    updated = Column(Float, nullable=False)


class Holding(Base):
    """Usage of one resource by one user in one project, kept up to date
    on every change of a record that holds it (Astakos' holdings)."""

    __tablename__ = 'sim_holdings'
    user_uuid = Column(String(64), primary_key=True)
    project_uuid = Column(String(64), primary_key=True)
    resource = Column(String(64), primary_key=True)
    usage = Column(BigInteger, nullable=False, default=0)


class Membership(Base):
    __tablename__ = 'sim_memberships'
    user_uuid = Column(String(64), primary_key=True)
    project_uuid = Column(String(64), primary_key=True)


class QuotaLimit(Base):
    __tablename__ = 'sim_quota_limits'
    user_uuid = Column(String(64), primary_key=True)
    project_uuid = Column(String(64), primary_key=True)
    resource = Column(String(64), primary_key=True)
    limit = Column(BigInteger, nullable=False)


class VolumeType(Base):
    __tablename__ = 'sim_volume_types'
    id = Column(Integer, primary_key=True)
    name = Column(String(255), nullable=False)
    disk_template = Column(String(64), nullable=False)
    deleted = Column(Boolean, default=False, nullable=False)


class Flavor(Base):
    __tablename__ = 'sim_flavors'
    id = Column(Integer, primary_key=True)
    name = Column(String(255), nullable=False)
    vcpus = Column(Integer, nullable=False)
    ram = Column(Integer, nullable=False)  # MiB
    disk = Column(Integer, nullable=False)  # GiB
    volume_type_id = Column(Integer, ForeignKey('sim_volume_types.id'))
    public = Column(Boolean, default=True, nullable=False)
    allow_create = Column(Boolean, default=True, nullable=False)
    deleted = Column(Boolean, default=False, nullable=False)
    access = Column(JSON, default=list)  # project uuids granted access
    volume_type = relationship(VolumeType, lazy='joined')


class Image(Base):
    """A Plankton image (snapshots are images with ``is_snapshot``)."""

    __tablename__ = 'sim_images'
    id = Column(String(64), primary_key=True)
    name = Column(String(255), nullable=False)
    owner = Column(String(64), nullable=False)
    status = Column(String(32), default='AVAILABLE', nullable=False)
    is_public = Column(Boolean, default=False, nullable=False)
    is_snapshot = Column(Boolean, default=False, nullable=False)
    disk_format = Column(String(32), default='diskdump')
    container_format = Column(String(32), default='bare')
    size = Column(BigInteger, default=0)
    checksum = Column(String(128), default='')
    location = Column(Text, default='')
    description = Column(Text, default='')
    created = Column(Float, nullable=False)
    updated = Column(Float, nullable=False)
    deleted_at = Column(Float)
    properties = Column(JSON, default=dict)
    members = Column(JSON, default=list)
    volume_id = Column(Integer)  # snapshots: the source volume


class Server(Base):
    __tablename__ = 'sim_servers'
    __table_args__ = NEVER_REUSED
    id = Column(Integer, primary_key=True)
    name = Column(String(255), nullable=False)
    user_id = Column(String(64), nullable=False, index=True)
    project = Column(String(64), nullable=False)
    shared_to_project = Column(Boolean, default=False, nullable=False)
    flavor_id = Column(Integer, ForeignKey('sim_flavors.id'))
    image_id = Column(String(64))
    operstate = Column(String(32), default='BUILD', nullable=False)
    task = Column(String(32))  # pending action, e.g. BUILD, START
    suspended = Column(Boolean, default=False, nullable=False)
    deleted = Column(Boolean, default=False, nullable=False)
    created = Column(Float, nullable=False)
    updated = Column(Float, nullable=False)
    meta = Column(JSON, default=dict)
    tags = Column(JSON, default=list)
    key_names = Column(JSON, default=list)
    # NB: loaded when used (actions, quotas): listings need only flavor_id
    flavor = relationship(Flavor)


class Network(Base):
    __tablename__ = 'sim_networks'
    __table_args__ = NEVER_REUSED
    id = Column(Integer, primary_key=True)
    name = Column(String(255), default='', nullable=False)
    user_id = Column(String(64))  # null for public networks
    project = Column(String(64))
    shared_to_project = Column(Boolean, default=False, nullable=False)
    type = Column(String(32), nullable=False)
    public = Column(Boolean, default=False, nullable=False)
    floating_ip_pool = Column(Boolean, default=False, nullable=False)
    status = Column(String(32), default='ACTIVE', nullable=False)
    deleted = Column(Boolean, default=False, nullable=False)
    created = Column(Float, nullable=False)
    updated = Column(Float, nullable=False)


class Subnet(Base):
    __tablename__ = 'sim_subnets'
    __table_args__ = NEVER_REUSED
    id = Column(Integer, primary_key=True)
    network_id = Column(Integer, ForeignKey('sim_networks.id'), index=True)
    name = Column(String(255), default='', nullable=False)
    ip_version = Column(Integer, nullable=False)
    cidr = Column(String(64), nullable=False)
    gateway = Column(String(64))
    enable_dhcp = Column(Boolean, default=True, nullable=False)
    enable_slaac = Column(Boolean, default=True, nullable=False)
    pools = Column(JSON, default=list)  # [[start, end], ...]
    dns_nameservers = Column(JSON, default=list)
    host_routes = Column(JSON, default=list)
    deleted = Column(Boolean, default=False, nullable=False)
    network = relationship(Network, lazy='joined')


class Port(Base):
    __tablename__ = 'sim_ports'
    __table_args__ = NEVER_REUSED
    id = Column(Integer, primary_key=True)
    network_id = Column(Integer, ForeignKey('sim_networks.id'), index=True)
    server_id = Column(Integer, index=True)
    user_id = Column(String(64), nullable=False)
    project = Column(String(64))
    name = Column(String(255), default='', nullable=False)
    status = Column(String(32), nullable=False)
    firewall_profile = Column(String(32))
    security_groups = Column(JSON, default=list)
    created = Column(Float, nullable=False)
    updated = Column(Float, nullable=False)
    network = relationship(Network, lazy='joined')


class IPAddress(Base):
    """An allocated IPv4 address: a port's private IP or a floating IP."""

    __tablename__ = 'sim_ips'
    __table_args__ = NEVER_REUSED
    id = Column(Integer, primary_key=True)
    network_id = Column(Integer, ForeignKey('sim_networks.id'), index=True)
    subnet_id = Column(Integer, ForeignKey('sim_subnets.id'))
    address = Column(String(64), nullable=False)
    user_id = Column(String(64), nullable=False)
    project = Column(String(64))
    shared_to_project = Column(Boolean, default=False, nullable=False)
    floating = Column(Boolean, default=False, nullable=False)
    port_id = Column(Integer, index=True)
    created = Column(Float, nullable=False)


class Volume(Base):
    __tablename__ = 'sim_volumes'
    __table_args__ = NEVER_REUSED
    id = Column(Integer, primary_key=True)
    name = Column(String(255), default='', nullable=False)
    description = Column(Text)
    size = Column(Integer, nullable=False)  # GiB
    user_id = Column(String(64), nullable=False, index=True)
    project = Column(String(64))
    shared_to_project = Column(Boolean, default=False, nullable=False)
    volume_type_id = Column(Integer, ForeignKey('sim_volume_types.id'))
    status = Column(String(32), nullable=False)
    server_id = Column(Integer, index=True)
    device_index = Column(Integer)
    ever_attached = Column(Boolean, default=False, nullable=False)
    image_id = Column(String(64))
    snapshot_id = Column(String(64))
    deleted = Column(Boolean, default=False, nullable=False)
    delete_on_termination = Column(Boolean, default=True, nullable=False)
    created = Column(Float, nullable=False)
    updated = Column(Float, nullable=False)
    meta = Column(JSON, default=dict)
    volume_type = relationship(VolumeType, lazy='joined')


class Job(Base):
    """A pending backend job, applied when the virtual clock reaches it."""

    __tablename__ = 'sim_jobs'
    __table_args__ = NEVER_REUSED
    id = Column(Integer, primary_key=True)
    kind = Column(String(32), nullable=False)
    target_id = Column(Integer, nullable=False)
    started = Column(Float, nullable=False)
    due = Column(Float, nullable=False, index=True)
    fail = Column(Boolean, default=False, nullable=False)
    data = Column(JSON, default=dict)
