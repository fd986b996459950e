"""SQLAlchemy models of what the cloud cannot hold: user mixins, and the
links waiting for a busy compute.

A user mixin belongs to one cloud user (``owner``, the user id); its
scheme+term and its location are unique per owner, so two users may pick
the same names without seeing each other.  An association ties a mixin
to an entity by location (``/compute/42``); it goes away with its mixin
(``ON DELETE CASCADE``).

The tables are created by the Alembic migrations in ``migrations/``,
never by ``metadata.create_all``.
"""
import datetime

from sqlalchemy import (
    JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


class UserMixin(Base):
    """A mixin defined by a user through ``POST /-/``."""

    __tablename__ = 'occi_user_mixins'
    __table_args__ = (
        UniqueConstraint('owner', 'scheme', 'term',
                         name='uq_occi_user_mixins_owner_type_id'),
        UniqueConstraint('owner', 'location',
                         name='uq_occi_user_mixins_owner_location'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the cloud user id of the owner
    owner: Mapped[str] = mapped_column(String(64), nullable=False)
    scheme: Mapped[str] = mapped_column(String(512), nullable=False)
    term: Mapped[str] = mapped_column(String(255), nullable=False)
    title: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: a path relative to the application root, ending in ``/``
    location: Mapped[str] = mapped_column(String(1024), nullable=False)
    #: type ids of the mixins it depends on (1.1 ``rel``)
    depends: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    #: type ids of the kinds it applies to (empty: any)
    applies: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    #: attribute defaults, ``{name: value}`` (a user-defined resource
    #: template's sizes), or ``None``
    defaults: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    created: Mapped[datetime.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow)


class Association(Base):
    """One entity tagged with one user mixin."""

    __tablename__ = 'occi_mixin_associations'
    __table_args__ = (
        Index('ix_occi_mixin_associations_entity', 'entity'),
    )

    mixin_id: Mapped[int] = mapped_column(
        Integer, ForeignKey('occi_user_mixins.id', ondelete='CASCADE'),
        primary_key=True)
    #: the entity's location, e.g. ``/compute/42``
    entity: Mapped[str] = mapped_column(String(1024), primary_key=True)


class PendingLink(Base):
    """Work the cloud refused only for now, carried out by the worker of
    whichever process holds a token of its owner (docs/decisions.md,
    "Deferred work"): a link asked for while its compute could not take
    it (building, or busy with a task), or a delete the cloud could not
    do or finish yet.  The table keeps the name of the first kind.

    Times are seconds since the epoch (``time.time()``), so SQLite and
    PostgreSQL compare them the same way.
    """

    __tablename__ = 'occi_pending_links'
    __table_args__ = (
        Index('ix_occi_pending_links_due', 'cloud', 'state',
              'next_attempt_at'),
        Index('ix_occi_pending_links_owner', 'cloud', 'owner'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the cloud it is made on (the backend's identity URL): several
    #: clouds may share one store
    cloud: Mapped[str] = mapped_column(String(512), nullable=False)
    #: the cloud user id of the owner
    owner: Mapped[str] = mapped_column(String(64), nullable=False)
    #: ``link`` (make a link) or ``delete`` (delete an entity)
    operation: Mapped[str] = mapped_column(String(16), nullable=False,
                                           default='link',
                                           server_default='link')
    #: the link's kind, or the deleted entity's (type id)
    kind: Mapped[str] = mapped_column(String(512), nullable=False)
    #: the source compute's location (``/compute/3``), or the location
    #: of the entity to delete
    source: Mapped[str] = mapped_column(String(1024), nullable=False)
    #: the target's location (``/network/5``, ``/storage/7``); empty for
    #: a delete
    target: Mapped[str] = mapped_column(String(1024), nullable=False)
    #: what the backend needs to carry on a delete it began (``None``:
    #: try the whole delete again)
    resume: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    #: the validated attributes, and the mixins' type ids, of the create
    attributes: Mapped[dict] = mapped_column(JSON, nullable=False,
                                             default=dict)
    mixins: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    #: ``pending``, ``active`` (made: ``made`` is the cloud's link id) or
    #: ``error`` (``message`` says why)
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    made: Mapped[str | None] = mapped_column(String(255), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False,
                                          default=0)
    next_attempt_at: Mapped[float] = mapped_column(Float, nullable=False)
    #: after this the link goes to ``error`` (``occi.pending.max_wait``)
    deadline: Mapped[float] = mapped_column(Float, nullable=False)
    #: the worker carrying it out, and until when (a lease: a worker that
    #: died leaves it to another once it runs out)
    claimed_by: Mapped[str | None] = mapped_column(String(128),
                                                   nullable=True)
    claimed_until: Mapped[float | None] = mapped_column(Float, nullable=True)
    created: Mapped[datetime.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow)
