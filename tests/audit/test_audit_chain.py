"""The audit log is tamper-evident: sealed events form a hash chain, and
`flask audit verify` names the first broken link when a row was changed,
deleted or slipped in behind the application's back."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from arrival import create_app
from arrival.audit import chain
from arrival.audit.models import AuditAction, AuditEvent, AuditSeal
from arrival.audit.operations import record
from arrival.core import clock
from arrival.extensions import db
from tests.conftest import scratch_database


@pytest.fixture
def log_app(database_url, tmp_path):
    """An application on a fresh database of its own (tampering is for good)."""
    with scratch_database(database_url, tmp_path, "arrival_chain") as own:
        application = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": own})
        with application.app_context():
            upgrade()
            for n in range(1, 6):
                record(AuditAction.VIEW, entity_type="household", entity_id=f"H-{n}",
                       detail=f"event {n}")
            db.session.commit()
        yield application
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


def _event_ids() -> list[int]:
    return list(db.session.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)))


def _behind_the_apps_back(statement: str) -> None:
    """Change the log as a database superuser could: triggers and the seal's
    foreign key switched off. (The app's own role cannot do any of this.)"""
    db.session.commit()
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        for table in ("audit_event", "audit_seal"):
            connection.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
        connection.exec_driver_sql(statement)
        for table in ("audit_event", "audit_seal"):
            connection.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER ALL")
        db.session.commit()
        return
    db.session.close()
    raw = db.engine.raw_connection()
    try:
        raw.isolation_level = None  # PRAGMA foreign_keys works only outside a transaction
        raw.execute("PRAGMA foreign_keys = OFF")
        for name in ("audit_event_no_update", "audit_event_no_delete",
                     "audit_seal_no_update", "audit_seal_no_delete"):
            raw.execute(f"DROP TRIGGER IF EXISTS {name}")
        raw.execute(statement)
        raw.execute("PRAGMA foreign_keys = ON")
    finally:
        raw.close()


def _seal_all():
    chain.seal(now=clock.now() + timedelta(hours=1))
    db.session.commit()


def test_an_untouched_log_verifies(log_app):
    with log_app.app_context():
        _seal_all()
        result = chain.verify()
        assert result.intact and result.checked == 5 and result.unsealed == 0


def test_events_of_the_last_minutes_wait_to_be_sealed(log_app):
    with log_app.app_context():
        assert chain.seal() == 0  # all five were written just now
        assert chain.verify().unsealed == 5
        assert chain.seal(now=clock.now() + chain.SEAL_GRACE + timedelta(seconds=1)) == 5


def test_sealing_again_continues_the_chain(log_app):
    with log_app.app_context():
        _seal_all()
        record(AuditAction.VIEW, entity_type="household", entity_id="H-6")
        db.session.commit()
        assert chain.verify().unsealed == 1
        _seal_all()
        assert chain.verify().checked == 6
        assert db.session.scalar(sa.select(sa.func.count(AuditSeal.event_id))) == 6


def test_a_changed_event_is_the_first_broken_link(log_app):
    with log_app.app_context():
        _seal_all()
        third = _event_ids()[2]
        _behind_the_apps_back(f"UPDATE audit_event SET detail = 'nothing happened' "
                              f"WHERE id = {third}")
        result = chain.verify()
        assert (result.broken_at, result.checked) == (third, 2)
        assert "changed" in result.problem


def test_a_deleted_event_is_reported(log_app):
    with log_app.app_context():
        _seal_all()
        fourth = _event_ids()[3]
        _behind_the_apps_back(f"DELETE FROM audit_event WHERE id = {fourth}")
        result = chain.verify()
        assert result.broken_at == fourth and "missing" in result.problem


def test_an_event_slipped_in_among_sealed_ones_is_reported(log_app):
    with log_app.app_context():
        _seal_all()
        ids = _event_ids()
        # The third event and its seal removed, a forged one put in its place.
        third = ids[2]
        _behind_the_apps_back(f"DELETE FROM audit_seal WHERE event_id = {third}")
        _behind_the_apps_back(f"DELETE FROM audit_event WHERE id = {third}")
        _behind_the_apps_back(
            "INSERT INTO audit_event (id, occurred_at, action, entity_type, entity_id) "
            f"VALUES ({third}, '2022-03-01 10:00:00', 'view', 'household', 'H-X')")
        result = chain.verify()
        assert result.broken_at == third and "no seal" in result.problem


def test_the_commands_seal_and_verify(log_app):
    runner = log_app.test_cli_runner()
    with log_app.app_context():
        _seal_all()
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0 and "intact: 5 sealed events" in verified.output
    with log_app.app_context():
        first = _event_ids()[0]
        _behind_the_apps_back(f"UPDATE audit_event SET action = 'login' WHERE id = {first}")
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and f"BROKEN at audit event {first}" in broken.output
