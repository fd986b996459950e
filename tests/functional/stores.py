"""Store URLs for the user-mixin tests: an SQLite file, and PostgreSQL.

PostgreSQL runs at 127.0.0.1:5432 (database ``test``; override with
``OCCI_TEST_POSTGRESQL``).  Each test run works in a schema of its own
(``search_path`` in the URL), dropped at the end, so two runs on one
machine never see each other's rows.  Without PostgreSQL the tests are
skipped, unless ``CI`` is set: CI must run them.
"""
import contextlib
import os
import uuid

import pytest

POSTGRESQL_URL = os.environ.get(
    'OCCI_TEST_POSTGRESQL', 'postgresql://postgres@127.0.0.1:5432/test')


def postgresql_error(url=POSTGRESQL_URL):
    """Why PostgreSQL cannot be reached, or ``None`` when it can."""
    import psycopg2

    try:
        psycopg2.connect(url, connect_timeout=3).close()
    except psycopg2.Error as error:
        return str(error).strip()
    return None


def require_postgresql(url=POSTGRESQL_URL):
    error = postgresql_error(url)
    if error is None:
        return
    if os.environ.get('CI'):
        pytest.fail('PostgreSQL is required under CI (%s): %s' % (url, error))
    pytest.skip('PostgreSQL is not reachable at %s: %s' % (url, error))


@contextlib.contextmanager
def postgresql_schema(url=POSTGRESQL_URL):
    """A fresh schema; yields the store URL that works inside it."""
    import psycopg2

    schema = 'occi_test_%s' % uuid.uuid4().hex[:12]
    connection = psycopg2.connect(url, connect_timeout=3)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute('CREATE SCHEMA %s' % schema)
        separator = '&' if '?' in url else '?'
        yield '%s%soptions=-csearch_path=%s' % (url, separator, schema)
    finally:
        with connection.cursor() as cursor:
            cursor.execute('DROP SCHEMA IF EXISTS %s CASCADE' % schema)
        connection.close()


@contextlib.contextmanager
def store_url(kind, folder):
    """``kind`` ``sqlite`` or ``postgresql``: a store URL for one test
    module."""
    if kind == 'sqlite':
        yield 'sqlite:///%s' % os.path.join(str(folder), 'store.sqlite')
        return
    require_postgresql()
    with postgresql_schema() as url:
        yield url


def clear(store):
    """Delete every row of the store (between tests)."""
    from occi_pyramid.store.models import Association, PendingLink, UserMixin

    with store.engine.begin() as connection:
        connection.execute(Association.__table__.delete())
        connection.execute(UserMixin.__table__.delete())
        connection.execute(PendingLink.__table__.delete())


def mixin_store(registry):
    """The user-mixin store an application registered (its database is
    the pending links' too)."""
    from occi_pyramid.interfaces import IUserMixinStore

    return registry.getUtility(IUserMixinStore)
