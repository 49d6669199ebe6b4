"""offline: deliveries handed out offline (with the rule they broke) and gate scans replayed (issue 14)

Revision ID: 0017_offline
Revises: 0020_privacy
Create Date: 2026-12-02 01:15:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0017_offline'
down_revision = '0020_privacy'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('offline_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=100), nullable=False),
    sa.Column('scanned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('service_type', sa.String(length=60), nullable=False),
    sa.Column('point', sa.String(length=80), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('card_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('delivery_id', sa.Integer(), nullable=True),
    sa.Column('violation', sa.String(length=40), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['card_id'], ['card.id'], name=op.f('fk_offline_delivery_card_id_card')),
    sa.ForeignKeyConstraint(['delivery_id'], ['delivery.id'], name=op.f('fk_offline_delivery_delivery_id_delivery')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_offline_delivery_person_id_person')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_offline_delivery_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_offline_delivery_site_id_site')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offline_delivery')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_offline_delivery_idempotency_key'))
    )
    with op.batch_alter_table('offline_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offline_delivery_scanned_at'), ['scanned_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_offline_delivery_violation'), ['violation'], unique=False)

    op.create_table('gate_replay',
    sa.Column('idempotency_key', sa.String(length=100), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('scanned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('result', sa.String(length=6), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('direction', sa.String(length=4), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['gate_event.id'], name=op.f('fk_gate_replay_event_id_gate_event')),
    sa.PrimaryKeyConstraint('idempotency_key', name=op.f('pk_gate_replay'))
    )


def downgrade():
    op.drop_table('gate_replay')
    with op.batch_alter_table('offline_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offline_delivery_violation'))
        batch_op.drop_index(batch_op.f('ix_offline_delivery_scanned_at'))
    op.drop_table('offline_delivery')
