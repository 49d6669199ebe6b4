"""which authority an item waits on

Revision ID: 0013_field_findings
Revises: 0016_audit_chain
Create Date: 2026-12-01

"Wartet auf eine andere Behörde" says which one (issue 23).

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0013_field_findings"
down_revision = "0016_audit_chain"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("clarification_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("waiting_on_authority_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_clarification_item_waiting_on_authority_id_authority"),
            "authority", ["waiting_on_authority_id"], ["id"])


def downgrade():
    with op.batch_alter_table("clarification_item", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_clarification_item_waiting_on_authority_id_authority"),
            type_="foreignkey")
        batch_op.drop_column("waiting_on_authority_id")
