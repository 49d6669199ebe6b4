"""audit_seal: the hash chain over the audit log, append-only

Revision ID: 0016_audit_chain
Revises: 0007_figure_indexes
"""

import sqlalchemy as sa
from alembic import op

from arrival.database import UTCDateTime

revision = "0016_audit_chain"
down_revision = "0007_figure_indexes"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = {"audit_seal_no_update": "BEFORE UPDATE", "audit_seal_no_delete": "BEFORE DELETE"}


def upgrade():
    op.create_table(
        "audit_seal",
        sa.Column("event_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("sealed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["audit_event.id"],
                                name=op.f("fk_audit_seal_event_id_audit_event")),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_audit_seal")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TRIGGER audit_seal_append_only BEFORE UPDATE OR DELETE ON audit_seal "
                   "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()")
        op.execute("CREATE TRIGGER audit_seal_no_truncate BEFORE TRUNCATE ON audit_seal "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()")
    else:
        for name, timing in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {timing} ON audit_seal "
                       "BEGIN SELECT RAISE(ABORT, 'audit_seal is append-only'); END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_seal_no_truncate ON audit_seal")
        op.execute("DROP TRIGGER IF EXISTS audit_seal_append_only ON audit_seal")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("audit_seal")
