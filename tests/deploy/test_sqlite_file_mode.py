"""The SQLite database holds special-category data: its file, WAL and shared-memory
file are readable by their owner only (0600), whatever the umask."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from arrival import create_app
from arrival.extensions import db


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _write_something(app) -> None:
    with app.app_context():
        db.session.execute(sa.text("CREATE TABLE IF NOT EXISTS probe (n INTEGER)"))
        db.session.execute(sa.text("INSERT INTO probe VALUES (1)"))
        db.session.commit()
        # Open a second connection so the WAL and SHM stay while we look.
        with db.engine.connect() as other:
            other.execute(sa.text("SELECT count(*) FROM probe"))


def test_a_new_database_and_its_wal_are_created_private(tmp_path, permissive_umask):
    database = tmp_path / "new.sqlite3"
    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    _write_something(app)
    assert _mode(database) == 0o600
    for suffix in ("-wal", "-shm"):
        companion = Path(f"{database}{suffix}")
        assert companion.exists(), suffix
        assert _mode(companion) == 0o600, suffix
    with app.app_context():
        db.engine.dispose()


def test_an_existing_world_readable_database_is_made_private_on_connect(tmp_path,
                                                                         permissive_umask):
    database = tmp_path / "old.sqlite3"
    database.touch()
    database.chmod(0o644)
    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    _write_something(app)
    assert _mode(database) == 0o600
    assert _mode(Path(f"{database}-wal")) == 0o600
    with app.app_context():
        db.engine.dispose()
