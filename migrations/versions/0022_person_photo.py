"""person photo: the optional small photo per person (issue 17, PERSON_PHOTOS)

Revision ID: 0022_person_photo
Revises: 0019_transfers
Create Date: 2026-12-02 04:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0022_person_photo'
down_revision = '0019_transfers'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('person_photo',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('jpeg', sa.LargeBinary(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('taken_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_photo_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['taken_by_id'], ['user_account.id'], name=op.f('fk_person_photo_taken_by_id_user_account')),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_person_photo'))
    )


def downgrade():
    op.drop_table('person_photo')
