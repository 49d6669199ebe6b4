"""transfers: boardings undone before departure (issue 18, cancel and undo)

Revision ID: 0024_transfer_cancel
Revises: 0023_figure_days
Create Date: 2026-12-02 05:15:00

A cancelled bus list needs no new column (its reason is the note of its
transition); an undone boarding keeps its history in a table of its own.
"""
from alembic import op
import sqlalchemy as sa


revision = '0024_transfer_cancel'
down_revision = '0023_figure_days'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('transfer_boarding_undone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('boarded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('boarded_by_id', sa.Integer(), nullable=True),
    sa.Column('via', sa.String(length=10), nullable=False),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('undone_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['transfer_batch.id'], name=op.f('fk_transfer_boarding_undone_batch_id_transfer_batch')),
    sa.ForeignKeyConstraint(['boarded_by_id'], ['user_account.id'], name=op.f('fk_transfer_boarding_undone_boarded_by_id_user_account')),
    sa.ForeignKeyConstraint(['entry_id'], ['transfer_batch_household.id'], name=op.f('fk_transfer_boarding_undone_entry_id_transfer_batch_household')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_transfer_boarding_undone_person_id_person')),
    sa.ForeignKeyConstraint(['undone_by_id'], ['user_account.id'], name=op.f('fk_transfer_boarding_undone_undone_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer_boarding_undone'))
    )
    with op.batch_alter_table('transfer_boarding_undone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transfer_boarding_undone_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfer_boarding_undone_person_id'), ['person_id'], unique=False)


def downgrade():
    with op.batch_alter_table('transfer_boarding_undone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transfer_boarding_undone_person_id'))
        batch_op.drop_index(batch_op.f('ix_transfer_boarding_undone_batch_id'))
    op.drop_table('transfer_boarding_undone')
