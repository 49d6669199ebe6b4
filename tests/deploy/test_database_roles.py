"""PostgreSQL: migrations run as the owner role, the application as a role that can
add to the audit log and read it, but never change, delete or truncate it, nor
alter the table or switch its triggers off. The application still works."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from arrival import create_app
from arrival.core.dbroles import create_roles_sql
from arrival.extensions import db

TEST_URL = os.environ.get("ARRIVAL_TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not TEST_URL.startswith("postgresql"),
                                reason="roles exist on PostgreSQL only")

SUFFIX = os.getpid()
OWNER, APP, DATABASE = f"arr_hd_owner_{SUFFIX}", f"arr_hd_app_{SUFFIX}", f"arr_hd_roles_{SUFFIX}"


def _drop_everything(admin) -> None:
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        for role in (APP, OWNER):
            connection.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))


def _run_as_superuser(sql: str, server) -> None:
    """What the README says: the printed SQL through psql, as a superuser."""
    if shutil.which("psql"):
        subprocess.run(["psql", "-v", "ON_ERROR_STOP=1", "-q", "-h", server.host or "127.0.0.1",
                        "-p", str(server.port or 5432), "-U", server.username or "postgres",
                        "-d", server.database], input=sql, text=True, check=True,
                       capture_output=True)
        return
    first, _, second = sql.partition(f"\\connect {DATABASE}\n")
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for statement in filter(None, (s.strip() for s in first.split(";\n"))):
            if not statement.startswith("--"):
                connection.execute(sa.text(statement))
    engine.dispose()
    engine = sa.create_engine(server.set(database=DATABASE), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for statement in filter(None, (s.strip() for s in second.split(";\n"))):
            if not statement.startswith("--"):
                connection.execute(sa.text(statement))
    engine.dispose()


@pytest.fixture(scope="module")
def roles():
    server = make_url(TEST_URL)
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    _drop_everything(admin)
    _run_as_superuser(create_roles_sql(OWNER, APP, DATABASE), server)
    owner_url = server.set(username=OWNER, password=None, database=DATABASE)
    app_url = server.set(username=APP, password=None, database=DATABASE)
    yield (owner_url.render_as_string(hide_password=False),
           app_url.render_as_string(hide_password=False))
    _drop_everything(admin)
    admin.dispose()


@pytest.fixture(scope="module")
def role_app(roles):
    from flask_migrate import upgrade

    from arrival.catalog.operations import load_catalog
    from arrival.demo.operations import ensure_demo_accounts
    from tests.support import TestClient

    owner_url, app_url = roles
    application = create_app("testing", overrides={
        "SQLALCHEMY_DATABASE_URI": app_url, "MIGRATION_DATABASE_URL": owner_url})
    application.test_client_class = TestClient
    with application.app_context():
        upgrade()  # as the owner; ends by granting the app role its rights
        load_catalog(application.config["CATALOG_DIR"])  # as the app role
        ensure_demo_accounts()
        db.session.commit()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def as_app(roles, role_app):
    engine = sa.create_engine(roles[1])
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def _refused(connection, statement: str) -> str:
    with pytest.raises(sa.exc.ProgrammingError) as error:
        with connection.begin_nested():
            connection.execute(sa.text(statement))
    return str(error.value.orig)


def test_the_schema_belongs_to_the_owner_not_to_the_app(as_app):
    owners = as_app.execute(sa.text(
        "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")).scalars().all()
    assert owners == [OWNER]


def test_the_app_role_can_add_to_and_read_the_audit_log(as_app):
    as_app.execute(sa.text(
        "INSERT INTO audit_event (occurred_at, action, username) VALUES (now(), 'view', 'probe')"))
    assert as_app.scalar(sa.text(
        "SELECT count(*) FROM audit_event WHERE username = 'probe'")) >= 1
    as_app.commit()


@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET username = 'someone else'",
    "DELETE FROM audit_event",
    "TRUNCATE audit_event",
    "UPDATE audit_seal SET hash = 'forged'",
    "DELETE FROM audit_seal",
    "TRUNCATE audit_seal",
])
def test_the_app_role_cannot_change_delete_or_truncate_audit_rows(as_app, statement):
    message = _refused(as_app, statement)
    assert "permission denied" in message


@pytest.mark.parametrize("statement", [
    "ALTER TABLE audit_event DISABLE TRIGGER ALL",
    "ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only",
    "DROP TRIGGER audit_event_append_only ON audit_event",
    "ALTER TABLE audit_event ADD COLUMN forged text",
    "DROP TABLE audit_event",
    "CREATE TABLE shadow_audit (id int)",
])
def test_the_app_role_cannot_alter_the_table_or_switch_off_its_triggers(as_app, statement):
    message = _refused(as_app, statement)
    assert "must be owner" in message or "permission denied" in message


def test_the_app_role_cannot_touch_the_migration_version(as_app):
    assert "permission denied" in _refused(as_app, "UPDATE alembic_version SET version_num = 'x'")


def test_the_app_role_can_seal_the_audit_log(role_app, as_app):
    result = role_app.test_cli_runner().invoke(args=["audit", "seal"])
    assert result.exit_code == 0, result.output


def test_the_application_works_as_the_app_role_and_writes_audit(role_app, as_app):
    client = role_app.test_client()
    assert client.login("intake", "demo-intake-2022").status_code == 302
    response = client.post_json("/api/v1/households", {
        "arrival_point": "main_station", "persons": [{
            "relation": "head", "family_name": "Rollenova", "given_names": "Oksana",
            "sex": "female", "date_of_birth": "1980-01-01", "nationality": "UKR",
            "document": {"type": "none"}}]}, headers={"Idempotency-Key": "roles-1"})
    assert response.status_code == 201, response.get_json()
    assert client.get(f"/api/v1/households/{response.get_json()['ref']}").status_code == 200
    actions = as_app.execute(sa.text(
        "SELECT action FROM audit_event WHERE username = 'intake' ORDER BY id")).scalars().all()
    assert actions[:1] == ["login"] and "create" in actions and "view" in actions
