"""User mixins and their associations.

Revision ID: 0001
Revises:
Create Date: 2024-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'occi_user_mixins',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('owner', sa.String(64), nullable=False),
        sa.Column('scheme', sa.String(512), nullable=False),
        sa.Column('term', sa.String(255), nullable=False),
        sa.Column('title', sa.Text(), nullable=True),
        sa.Column('location', sa.String(1024), nullable=False),
        sa.Column('depends', sa.JSON(), nullable=False),
        sa.Column('applies', sa.JSON(), nullable=False),
        sa.Column('created', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('owner', 'scheme', 'term',
                            name='uq_occi_user_mixins_owner_type_id'),
        sa.UniqueConstraint('owner', 'location',
                            name='uq_occi_user_mixins_owner_location'),
    )
    op.create_table(
        'occi_mixin_associations',
        sa.Column('mixin_id', sa.Integer(),
                  sa.ForeignKey('occi_user_mixins.id', ondelete='CASCADE'),
                  primary_key=True),
        sa.Column('entity', sa.String(1024), primary_key=True),
    )
    op.create_index('ix_occi_mixin_associations_entity',
                    'occi_mixin_associations', ['entity'])


def downgrade():
    op.drop_index('ix_occi_mixin_associations_entity',
                  'occi_mixin_associations')
    op.drop_table('occi_mixin_associations')
    op.drop_table('occi_user_mixins')
