"""SQLite with several writers: a read that writes its audit row waits for the
write lock (busy timeout) instead of failing with "database is locked".

A deferred transaction that has read and then wants to write cannot wait: SQLite
answers SQLITE_BUSY at once. Read requests therefore switch to an immediate
transaction at their first write."""

from __future__ import annotations

import sqlite3
import threading

import pytest
import sqlalchemy as sa

from arrival.audit.models import AuditAction, AuditEvent
from arrival.extensions import db
from tests.factories import household_payload, person_payload

pytestmark = pytest.mark.skipif(
    "postgresql" in __import__("os").environ.get("ARRIVAL_TEST_DATABASE_URL", ""),
    reason="about SQLite's locking; PostgreSQL has row locks")


def _database_file(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")


def _views_of(app, ref: str) -> int:
    with app.app_context():
        household_id = db.session.scalar(sa.text(
            "SELECT public_id FROM household WHERE ref = :ref"), {"ref": ref})
        return db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == str(AuditAction.VIEW),
            AuditEvent.entity_id == str(household_id)))


@pytest.fixture
def registered(committing_app, freeze_registration_clock):
    client = committing_app.test_client()
    assert client.login("intake", "demo-intake-2022").status_code == 302
    payload = household_payload(person_payload(family_name="Lockowa", given_names="Iryna",
                                               document={"type": "none"}))
    response = client.post_json("/api/v1/households", payload,
                                headers={"Idempotency-Key": "locking-1"})
    assert response.status_code in (200, 201), response.get_json()
    return client, response.get_json()["ref"]


def test_a_read_waits_for_another_writer_and_keeps_its_audit_row(committing_app, registered):
    client, ref = registered
    before = _views_of(committing_app, ref)
    # Another worker holds the write lock for half a second.
    other = sqlite3.connect(_database_file(committing_app), isolation_level=None,
                            check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("CREATE TABLE IF NOT EXISTS lock_probe (n INTEGER)")
    release = threading.Timer(0.5, other.execute, args=("COMMIT",))
    release.start()
    try:
        response = client.get(f"/api/v1/households/{ref}")
    finally:
        release.join()
        other.close()
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert _views_of(committing_app, ref) == before + 1


def test_a_read_after_another_commit_still_writes_its_audit_row(committing_app, registered):
    """The stale-snapshot case: another worker commits between this request's
    first read and its audit write."""
    client, ref = registered
    before = _views_of(committing_app, ref)
    other = sqlite3.connect(_database_file(committing_app), isolation_level=None,
                            check_same_thread=False)
    from arrival.auth import sessions

    original = sessions.load_user_for_token

    def load_then_let_another_write(token):
        user = original(token)
        other.execute("CREATE TABLE IF NOT EXISTS lock_probe (n INTEGER)")
        other.execute("INSERT INTO lock_probe VALUES (1)")
        return user

    committing_app.login_manager._user_callback = load_then_let_another_write
    try:
        response = client.get(f"/api/v1/households/{ref}")
    finally:
        committing_app.login_manager._user_callback = original
        other.close()
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert _views_of(committing_app, ref) == before + 1


@pytest.mark.parametrize("statement, is_read", [
    ("SELECT count(*) FROM person", True),
    ("  select 1", True),
    ("PRAGMA busy_timeout", True),
    ("WITH recent AS MATERIALIZED (SELECT id FROM clarification_transition) "
     "SELECT count(*) FROM recent", True),
    ("WITH gone AS (SELECT id FROM person) DELETE FROM person_flag WHERE 1", False),
    ("WITH new AS (SELECT 1 AS x) INSERT INTO t SELECT x FROM new", False),
    ("INSERT INTO audit_event (action) VALUES (?)", False),
    ("UPDATE person SET version = 2", False),
])
def test_only_statements_that_write_end_a_read_transaction(statement, is_read):
    """A read request that runs a common table expression (the dashboard) stays in
    its deferred read transaction: it must not take the write lock, nor begin a new
    snapshot in the middle of its figures."""
    from arrival.database import _is_read

    assert _is_read(statement) is is_read
