"""prereg: pre-registrations from phones and their day counts (issue 15)

Revision ID: 0018_prereg
Revises: 0017_offline
Create Date: 2026-12-02 01:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_prereg'
down_revision = '0017_offline'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pre_registration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('persons', sa.Integer(), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('desk_key', sa.String(length=80), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("state in ('received', 'opened')", name=op.f('ck_pre_registration_state')),
    sa.CheckConstraint('persons >= 1', name=op.f('ck_pre_registration_persons')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user_account.id'], name=op.f('fk_pre_registration_opened_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pre_registration')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_pre_registration_code_hash')),
    sa.UniqueConstraint('desk_key', name=op.f('uq_pre_registration_desk_key')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_pre_registration_token_hash'))
    )
    with op.batch_alter_table('pre_registration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pre_registration_expires_at'), ['expires_at'], unique=False)

    op.create_table('pre_registration_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('received', sa.Integer(), nullable=False),
    sa.Column('converted', sa.Integer(), nullable=False),
    sa.Column('expired', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_pre_registration_day'))
    )


def downgrade():
    op.drop_table('pre_registration_day')
    with op.batch_alter_table('pre_registration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pre_registration_expires_at'))
    op.drop_table('pre_registration')
