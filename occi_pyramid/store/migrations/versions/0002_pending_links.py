"""Links waiting for a busy compute.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'occi_pending_links',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('cloud', sa.String(512), nullable=False),
        sa.Column('owner', sa.String(64), nullable=False),
        sa.Column('kind', sa.String(512), nullable=False),
        sa.Column('source', sa.String(1024), nullable=False),
        sa.Column('target', sa.String(1024), nullable=False),
        sa.Column('attributes', sa.JSON(), nullable=False),
        sa.Column('mixins', sa.JSON(), nullable=False),
        sa.Column('state', sa.String(16), nullable=False),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('made', sa.String(255), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.Float(), nullable=False),
        sa.Column('deadline', sa.Float(), nullable=False),
        sa.Column('claimed_by', sa.String(128), nullable=True),
        sa.Column('claimed_until', sa.Float(), nullable=True),
        sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_occi_pending_links_due', 'occi_pending_links',
                    ['cloud', 'state', 'next_attempt_at'])
    op.create_index('ix_occi_pending_links_owner', 'occi_pending_links',
                    ['cloud', 'owner'])


def downgrade():
    op.drop_index('ix_occi_pending_links_owner', 'occi_pending_links')
    op.drop_index('ix_occi_pending_links_due', 'occi_pending_links')
    op.drop_table('occi_pending_links')
