"""scale: a partial index of the restricted households (issue 21)

Every person-reading query of clarification items excludes the items of restricted
households through a subquery; without this index it scans the household table.

Revision ID: 0025_scale_indexes
Revises: 0024_transfer_cancel
Create Date: 2026-12-02 06:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0025_scale_indexes'
down_revision = '0024_transfer_cancel'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.create_index('ix_household_restricted', ['id'], unique=False,
                              sqlite_where=sa.text('restricted_at IS NOT NULL'),
                              postgresql_where=sa.text('restricted_at IS NOT NULL'))


def downgrade():
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.drop_index('ix_household_restricted',
                            sqlite_where=sa.text('restricted_at IS NOT NULL'),
                            postgresql_where=sa.text('restricted_at IS NOT NULL'))
