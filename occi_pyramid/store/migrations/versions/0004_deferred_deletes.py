"""Deferred work beyond links: a row says which operation it defers.

The pending links' table holds every operation the cloud refused only
for now: ``link`` (a link to make, as before) and ``delete`` (an entity
to delete; ``resume`` is what the backend needs to carry the delete on
when it had begun it).  The table keeps its first name.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('occi_pending_links') as table:
        table.add_column(sa.Column('operation', sa.String(16),
                                   nullable=False, server_default='link'))
        table.add_column(sa.Column('resume', sa.JSON(), nullable=True))


def downgrade():
    op.execute("DELETE FROM occi_pending_links WHERE operation != 'link'")
    with op.batch_alter_table('occi_pending_links') as table:
        table.drop_column('resume')
        table.drop_column('operation')
