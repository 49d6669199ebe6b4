"""Backups are known to restore: an encrypted backup of a database with real
rows is restored into a fresh database with the same rows in every table and
the same audit log; a wrong key, an altered or cut file, and a non-empty target
are refused."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from arrival.audit.models import AuditEvent
from arrival.backup.crypto import BackupError
from arrival.backup.operations import create_backup, restore_backup, row_counts
from arrival.extensions import db
from arrival.registry import operations as registry
from arrival.registry.validation import parse_household
from tests.conftest import scratch_database
from tests.factories import household_payload, person_payload

KEY = "correct horse battery staple"


@pytest.fixture(scope="module")
def source(committing_app):
    """The committing app's database with two registered households."""
    with committing_app.app_context():
        for name in ("Backupenko", "Restorenko"):
            payload = household_payload(person_payload(family_name=name))
            data = parse_household(payload, now=datetime(2022, 3, 15, tzinfo=timezone.utc))
            registry.register_household(data, idempotency_key=None, duplicate_reason="test",
                                        fingerprint=registry.request_fingerprint(payload))
        db.session.commit()
        url = db.engine.url.render_as_string(hide_password=False)
    return url


@pytest.fixture
def empty_target(source, tmp_path):
    with scratch_database(source, tmp_path, "arrival_restore") as url:
        yield url


def _audit_rows(url: str) -> list[tuple]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(sa.select(
            AuditEvent.id, AuditEvent.action, AuditEvent.entity_type, AuditEvent.entity_id)
            .order_by(AuditEvent.id)).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def test_a_backup_restores_every_row_and_the_audit_log(source, empty_target, tmp_path):
    backup = create_backup(source, tmp_path / "arrival.backup", KEY)
    assert backup.manifest["row_counts"]["household"] == 2
    assert b"Backupenko" not in backup.path.read_bytes()  # encrypted, not just packed
    assert oct(backup.path.stat().st_mode & 0o777) == "0o600"

    differences = restore_backup(backup.path, empty_target, KEY)

    assert differences == {}
    assert row_counts(empty_target) == row_counts(source)
    assert _audit_rows(empty_target) == _audit_rows(source) != []


def test_a_wrong_key_is_refused(source, empty_target, tmp_path):
    backup = create_backup(source, tmp_path / "arrival.backup", KEY)
    with pytest.raises(BackupError, match="wrong ARRIVAL_BACKUP_KEY"):
        restore_backup(backup.path, empty_target, "another key of some length")


@pytest.mark.parametrize("damage", ["flip a byte", "cut the tail"])
def test_an_altered_or_cut_file_is_refused(source, empty_target, tmp_path, damage):
    from arrival.backup.crypto import decrypt

    backup = create_backup(source, tmp_path / "arrival.backup", KEY)
    data = bytearray(backup.path.read_bytes())
    if damage == "flip a byte":
        data[len(data) // 2] ^= 0x01
    else:
        data = data[: len(data) - 100]
    damaged = tmp_path / "damaged.backup"
    damaged.write_bytes(bytes(data))
    with pytest.raises(BackupError), damaged.open("rb") as handle, \
            (tmp_path / "out").open("wb") as out:
        decrypt(handle, out, KEY)
    # And through restore: the manifest's checksum no longer matches.
    (tmp_path / "damaged.backup.manifest.json").write_bytes(
        (tmp_path / "arrival.backup.manifest.json").read_bytes())
    with pytest.raises(BackupError, match="manifest"):
        restore_backup(damaged, empty_target, KEY)


def test_a_database_that_is_not_empty_is_not_overwritten_without_replace(source, tmp_path):
    backup = create_backup(source, tmp_path / "arrival.backup", KEY)
    with pytest.raises(BackupError, match="not empty"):
        restore_backup(backup.path, source, KEY)


def test_the_commands_write_and_restore(committing_app, source, empty_target, tmp_path):
    runner = committing_app.test_cli_runner()
    committing_app.config["BACKUP_KEY"] = KEY
    try:
        written = runner.invoke(args=["backup", "create", str(tmp_path / "cli.backup")])
        assert written.exit_code == 0, written.output
        restored = runner.invoke(args=["backup", "restore", str(tmp_path / "cli.backup"),
                                       "--database-url", empty_target])
        assert restored.exit_code == 0, restored.output
        assert "every table has the row count" in restored.output
    finally:
        committing_app.config["BACKUP_KEY"] = None


def test_backups_need_a_key(committing_app, tmp_path):
    result = committing_app.test_cli_runner().invoke(
        args=["backup", "create", str(tmp_path / "x.backup")])
    assert result.exit_code != 0 and "ARRIVAL_BACKUP_KEY" in result.output
