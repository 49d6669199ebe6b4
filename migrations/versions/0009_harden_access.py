"""the persons a read showed, on its audit event

Revision ID: 0009_harden_access
Revises: 0008_patronymic
Create Date: 2026-12-01

A read of persons (a household page, a search, a bed map, a card print, a duplicate
answer) names the persons it showed, as a list of their public ids, so that "who
saw this person's record" can be answered. A plain ADD COLUMN: on SQLite the
table is not rebuilt, so its append-only triggers stay in place.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0009_harden_access"
down_revision = "0008_patronymic"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("audit_event", sa.Column("person_ids", sa.JSON(), nullable=True))


def downgrade():
    # Not batch mode: rebuilding the table on SQLite would lose its triggers.
    op.execute("ALTER TABLE audit_event DROP COLUMN person_ids")
