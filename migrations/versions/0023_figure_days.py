"""figure days: the dashboard's figures of each closed day, written once (issue 21)

Revision ID: 0023_figure_days
Revises: 0022_person_photo
Create Date: 2026-12-02 05:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0023_figure_days'
down_revision = '0022_person_photo'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('figure_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('stocks', sa.JSON(), nullable=False),
    sa.Column('flows', sa.JSON(), nullable=False),
    sa.Column('stale', sa.Boolean(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_figure_day'))
    )
    clock = op.create_table('figure_clock',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('corrections', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_figure_clock'))
    )
    op.bulk_insert(clock, [{"id": 1, "corrections": 0}])
    # the day book looks for beds and blocks that changed during a day
    op.create_index(op.f('ix_bed_created_at'), 'bed', ['created_at'])
    op.create_index(op.f('ix_bed_removed_at'), 'bed', ['removed_at'])
    op.create_index(op.f('ix_bed_block_blocked_at'), 'bed_block', ['blocked_at'])
    op.create_index(op.f('ix_bed_block_unblocked_at'), 'bed_block', ['unblocked_at'])
    # who is present, and who was seen, read from the indexes alone
    op.drop_index('ix_stay_period', table_name='stay')
    op.create_index('ix_stay_period', 'stay', ['checked_in_at', 'ended_at', 'person_id'])
    op.drop_index('ix_delivery_delivered_at', table_name='delivery')
    op.create_index('ix_delivery_delivered_at', 'delivery', ['delivered_at', 'person_id'])


def downgrade():
    op.drop_index('ix_delivery_delivered_at', table_name='delivery')
    op.create_index('ix_delivery_delivered_at', 'delivery', ['delivered_at'])
    op.drop_index('ix_stay_period', table_name='stay')
    op.create_index('ix_stay_period', 'stay', ['checked_in_at', 'ended_at'])
    op.drop_index(op.f('ix_bed_block_unblocked_at'), table_name='bed_block')
    op.drop_index(op.f('ix_bed_block_blocked_at'), table_name='bed_block')
    op.drop_index(op.f('ix_bed_removed_at'), table_name='bed')
    op.drop_index(op.f('ix_bed_created_at'), table_name='bed')
    op.drop_table('figure_clock')
    op.drop_table('figure_day')
