"""Engines and migrations of the store.

:func:`make_engine` builds the one engine of a process from
``occi.store.url``; :func:`upgrade` brings the database to the newest
Alembic revision.  On PostgreSQL the upgrade holds an advisory lock, so
several server processes starting at once migrate one after the other
(the later ones find nothing to do).

By hand (the same code path)::

    python -m occi_pyramid.store development.ini            # upgrade head
    python -m occi_pyramid.store development.ini current
    python -m occi_pyramid.store development.ini downgrade base
"""
import logging
import os
import time

from sqlalchemy import create_engine, event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

log = logging.getLogger(__name__)

#: the key of the PostgreSQL advisory lock held while migrating
#: (arbitrary, stable: "occi" in ASCII)
MIGRATION_LOCK = 0x6F636369
SCRIPT_LOCATION = 'occi_pyramid.store:migrations'


def in_memory(url):
    """Whether ``url`` (a string or URL) is an SQLite database in memory:
    one connection, shared by the threads of one process."""
    url = make_url(url)
    return url.get_backend_name() == 'sqlite' and url.database in (
        None, '', ':memory:')


def make_engine(url):
    """An engine for ``url``; SQLite files get their folder created and
    foreign keys enforced (for ``ON DELETE CASCADE``)."""
    url = make_url(url)
    if url.drivername == 'postgresql':
        # NB: SQLAlchemy 2.1 picks psycopg 3 for a bare postgresql://; we
        # install (and test) psycopg2, so a bare URL means that one
        url = url.set(drivername='postgresql+psycopg2')
    if url.get_backend_name() != 'sqlite':
        return create_engine(url, pool_pre_ping=True)
    if in_memory(url):
        # NB: one shared connection, or each thread would get its own
        # empty in-memory database; threads take turns on it
        # (database.Database.turns)
        engine = create_engine(
            url, poolclass=StaticPool,
            connect_args={'check_same_thread': False})
    else:
        folder = os.path.dirname(os.path.abspath(url.database))
        os.makedirs(folder, exist_ok=True)
        engine = create_engine(url, connect_args={'timeout': 30})

    @event.listens_for(engine, 'connect')
    def _foreign_keys(dbapi_connection, record):
        cursor = dbapi_connection.cursor()
        cursor.execute('PRAGMA foreign_keys=ON')
        cursor.close()

    return engine


def alembic_config(engine):
    from alembic.config import Config

    config = Config()
    config.set_main_option('script_location', SCRIPT_LOCATION)
    config.set_main_option('sqlalchemy.url', engine.url.render_as_string(
        hide_password=False).replace('%', '%%'))
    return config


def run(engine, command_name='upgrade', *args):
    """Run an Alembic command (``upgrade head`` by default) on ``engine``,
    holding the migration lock on PostgreSQL."""
    from alembic import command

    if command_name == 'upgrade' and not args:
        args = ('head',)
    config = alembic_config(engine)
    with engine.connect() as connection:
        locked = connection.dialect.name == 'postgresql'
        if locked:
            connection.execute(text('SELECT pg_advisory_lock(:key)'),
                               {'key': MIGRATION_LOCK})
            connection.commit()
        try:
            config.attributes['connection'] = connection
            getattr(command, command_name)(config, *args)
            connection.commit()
        finally:
            if locked:
                connection.execute(text('SELECT pg_advisory_unlock(:key)'),
                                   {'key': MIGRATION_LOCK})
                connection.commit()


def upgrade(engine, attempts=3):
    """``alembic upgrade head`` on ``engine``.

    SQLite has no advisory lock: a process that loses the race to create
    the tables retries, then finds them made.
    """
    for attempt in range(1, attempts + 1):
        try:
            return run(engine, 'upgrade', 'head')
        except (exc.OperationalError, exc.IntegrityError):
            if engine.dialect.name == 'postgresql' or attempt == attempts:
                raise
            log.warning('store migration raced another process; retrying')
            time.sleep(0.2 * attempt)
