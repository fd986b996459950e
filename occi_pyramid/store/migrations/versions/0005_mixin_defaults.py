"""A user mixin may carry attribute defaults: a user-defined resource
template (a mixin related to resource_tpl) with the sizes it asks for.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('occi_user_mixins') as table:
        table.add_column(sa.Column('defaults', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('occi_user_mixins') as table:
        table.drop_column('defaults')
