"""`flask db upgrade` from an empty database gives exactly the models, on SQLite
and PostgreSQL; downgrade and upgrade again work; the audit log is append-only
in the database itself."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from arrival import create_app
from arrival.extensions import db


def schema_differences(connection) -> list:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, db.metadata)


def test_upgrade_from_empty_equals_the_models(app):
    # The session fixture built the test database with `upgrade()` from nothing.
    with app.app_context():
        assert schema_differences(db.engines[None]) == []


def test_downgrade_to_base_and_upgrade_again(tmp_path, monkeypatch):
    from flask_migrate import downgrade, upgrade

    monkeypatch.setenv("ARRIVAL_TEST_DATABASE_URL", f"sqlite:///{tmp_path / 'cycle.sqlite3'}")
    fresh = create_app("testing")
    with fresh.app_context():
        upgrade()
        downgrade(revision="base")
        assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
        upgrade()
        with db.engine.connect() as connection:
            assert schema_differences(connection) == []
        db.engine.dispose()


@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET action = 'view'",
    "DELETE FROM audit_event",
])
def test_the_database_refuses_to_change_audit_events(app, statement):
    from arrival.audit.operations import record

    with app.app_context():
        record("login", username="someone")
        db.session.flush()
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            with db.session.begin_nested():
                db.session.execute(sa.text(statement))
