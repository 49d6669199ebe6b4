"""a person's patronymic, in Cyrillic as in Ukrainian documents

Revision ID: 0008_patronymic
Revises: 0011_counter_ui
Create Date: 2026-12-01

Kept apart from the Latin given names; duplicate detection uses it as evidence.
Also an index on the household phone, which the search now finds.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008_patronymic"
down_revision = "0011_counter_ui"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('patronymic', sa.String(length=100), nullable=True))
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_phone'), ['phone'], unique=False)


def downgrade():
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_phone'))
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('patronymic')
