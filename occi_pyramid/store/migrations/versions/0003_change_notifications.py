"""PostgreSQL tells every server process when the store changes.

Each process keeps the store's hot reads in memory until the store
changes (store/cache.py).  On PostgreSQL, a trigger on every table of the
store sends ``NOTIFY occi_store`` for each changed row (and on TRUNCATE),
whoever changes it: a server process, a script, SQL typed by hand.  The
processes LISTEN.  SQLite needs nothing: its ``PRAGMA data_version``
tells the same.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

TABLES = ('occi_user_mixins', 'occi_mixin_associations',
          'occi_pending_links')
FUNCTION = 'occi_store_notify'


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    # NB: the payload is the table: PostgreSQL sends one notification per
    # transaction for equal payloads on one channel
    op.execute("""
        CREATE OR REPLACE FUNCTION %s() RETURNS trigger AS $$
        BEGIN
            PERFORM pg_notify('occi_store', TG_TABLE_NAME);
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql""" % FUNCTION)
    for table in TABLES:
        op.execute(
            'CREATE TRIGGER %s_rows AFTER INSERT OR UPDATE OR DELETE ON %s '
            'FOR EACH ROW EXECUTE PROCEDURE %s()' % (table, table, FUNCTION))
        op.execute(
            'CREATE TRIGGER %s_truncate AFTER TRUNCATE ON %s '
            'FOR EACH STATEMENT EXECUTE PROCEDURE %s()'
            % (table, table, FUNCTION))


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table in TABLES:
        op.execute('DROP TRIGGER IF EXISTS %s_truncate ON %s'
                   % (table, table))
        op.execute('DROP TRIGGER IF EXISTS %s_rows ON %s' % (table, table))
    op.execute('DROP FUNCTION IF EXISTS %s()' % FUNCTION)
