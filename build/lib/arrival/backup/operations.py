"""Backups of either database, encrypted, with a manifest of row counts that a
restore is checked against.

SQLite: the online backup API (a consistent copy while the app runs).
PostgreSQL: pg_dump in its custom format, restored with pg_restore.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from arrival.backup.crypto import BackupError, decrypt, encrypt
from arrival.core import clock


@dataclass
class BackupResult:
    path: Path
    manifest: dict


def row_counts(url: str) -> dict[str, int]:
    """Rows per table (the manifest: no personal data, enough to notice a loss)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            tables = sorted(sa.inspect(connection).get_table_names())
            return {table: connection.execute(sa.text(
                f'SELECT count(*) FROM "{table}"')).scalar_one() for table in tables}
    finally:
        engine.dispose()


def _libpq_url(url: str) -> str:
    """postgresql+psycopg://… as pg_dump understands it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".manifest.json")


def create_backup(url: str, target: Path, passphrase: str) -> BackupResult:
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    backend = make_url(url).get_backend_name()
    partial = target.with_name(target.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="arrival-backup-") as scratch:
        plain = Path(scratch) / "plain"
        if backend == "sqlite":
            source = sqlite3.connect(_sqlite_path(url))
            copy = sqlite3.connect(plain)
            try:
                source.backup(copy)
            finally:
                copy.close()
                source.close()
        elif backend == "postgresql":
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                  f"--file={plain}", f"--dbname={_libpq_url(url)}"], "pg_dump")
        else:
            raise BackupError(f"no backup for {backend} databases")
        counts = row_counts(f"sqlite:///{plain}") if backend == "sqlite" else row_counts(url)
        old_umask = os.umask(0o077)
        try:
            with plain.open("rb") as source, partial.open("wb") as sealed:
                size = encrypt(source, sealed, passphrase)
        finally:
            os.umask(old_umask)
    os.replace(partial, target)
    manifest = {"format": "arrival-backup-1", "database": backend,
                "created_at": clock.now().isoformat(), "plain_bytes": size,
                "sha256": _sha256(target), "row_counts": counts}
    manifest_path(target).write_text(json.dumps(manifest, indent=2) + "\n")
    return BackupResult(target, manifest)


def restore_backup(source: Path, url: str, passphrase: str, *, replace: bool = False) -> dict:
    """Restore into the database at `url` (empty, or replaced with replace=True) and
    return the differences of its row counts from the manifest (empty: all there)."""
    source = Path(source)
    manifest = json.loads(manifest_path(source).read_text())
    if manifest["sha256"] != _sha256(source):
        raise BackupError("the backup file does not match its manifest (sha256)")
    backend = make_url(url).get_backend_name()
    if backend != manifest["database"]:
        raise BackupError(f"this backup is of a {manifest['database']} database, "
                          f"not {backend}")
    if not replace and any(row_counts(url).values()):
        raise BackupError("the target database is not empty (restore with --replace)")
    with tempfile.TemporaryDirectory(prefix="arrival-restore-") as scratch:
        plain = Path(scratch) / "plain"
        with source.open("rb") as sealed, plain.open("wb") as target:
            decrypt(sealed, target, passphrase)
        if backend == "sqlite":
            _restore_sqlite(plain, _sqlite_path(url))
        else:
            _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                  "--clean", "--if-exists", f"--dbname={_libpq_url(url)}", str(plain)],
                 "pg_restore")
    restored = row_counts(url)
    expected = manifest["row_counts"]
    return {table: {"expected": expected.get(table), "restored": restored.get(table)}
            for table in sorted(set(expected) | set(restored))
            if expected.get(table) != restored.get(table)}


def _restore_sqlite(plain: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(target.name + ".restoring")
    shutil.copyfile(plain, staged)
    staged.chmod(0o600)
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    os.replace(staged, target)


def _run(command: list[str], tool: str) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{tool} is not installed (Debian: apt-get install postgresql-client)")
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip()[-500:]}")
