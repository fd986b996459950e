"""The store's change notifications name the schema of the changed table.

Several stores may share one PostgreSQL database, each in a schema of
its own (``options=-csearch_path=...`` in the URL): two deployments, or
a staging copy.  The notification of migration 0003 named the table
only, so a change in one schema emptied the read cache of every process
of every other schema too.  The payload is now ``schema.table``; a
process drops its cache for its own schema's changes, and for a payload
without a schema (a NOTIFY sent by hand) as before.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

FUNCTION = 'occi_store_notify'
BODY = """
    CREATE OR REPLACE FUNCTION %s() RETURNS trigger AS $$
    BEGIN
        PERFORM pg_notify('occi_store', %s);
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql"""


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    # NB: replaced in place (in the schema the search path gives, where
    # migration 0003 made it), so the triggers that call it stay
    op.execute(BODY % (FUNCTION, "TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME"))


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(BODY % (FUNCTION, 'TG_TABLE_NAME'))
