"""SQLAlchemy models of what the cloud cannot hold: user mixins.

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
    JSON, DateTime, ForeignKey, Index, Integer, String, Text,
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
