"""Alembic environment of the store.

Run programmatically by :func:`occi_pyramid.store.schema.upgrade`, which
hands over an open connection in ``config.attributes['connection']``
(so the caller can hold a lock around the migration); without one, an
engine is made from ``sqlalchemy.url``.
"""
from alembic import context
from sqlalchemy import create_engine

from occi_pyramid.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline():
    context.configure(url=config.get_main_option('sqlalchemy.url'),
                      target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connection = config.attributes.get('connection')
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option('sqlalchemy.url'))
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()


def _run(connection):
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == 'sqlite')
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
