"""scan key: an online scan remembers the station's Idempotency-Key

Revision ID: 0026_scan_key
Revises: 0025_scale_indexes
Create Date: 2026-12-02 06:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0026_scan_key'
down_revision = '0025_scale_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('scan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_scan_idempotency_key'),
                                          ['idempotency_key'])


def downgrade():
    with op.batch_alter_table('scan', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_scan_idempotency_key'), type_='unique')
        batch_op.drop_column('idempotency_key')
