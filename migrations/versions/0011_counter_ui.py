"""draft key salt per account

Revision ID: 0011_counter_ui
Revises: 0013_field_findings
Create Date: 2026-12-01

The tablets keep form drafts encrypted with a key derived from the server's secret
and this per-account salt; signing out sets a new salt, so drafts left on a device
can no longer be decrypted.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0011_counter_ui"
down_revision = "0013_field_findings"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("draft_key_salt", sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("draft_key_salt")
