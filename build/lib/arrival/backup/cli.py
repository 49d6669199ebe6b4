"""flask backup create|restore — see arrival.backup.operations."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from arrival.backup.crypto import BackupError
from arrival.backup.operations import create_backup, restore_backup
from arrival.core import clock

backup_cli = AppGroup("backup", help="Encrypted backups of the database and their restore.")


def _passphrase() -> str:
    key = current_app.config["BACKUP_KEY"]
    if not key:
        raise click.ClickException("ARRIVAL_BACKUP_KEY is not set: backups are always encrypted")
    return key


@backup_cli.command("create")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def create_command(path: Path | None) -> None:
    """Write an encrypted backup (default: BACKUP_DIR/arrival-<time>.backup)."""
    if path is None:
        stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
        path = Path(current_app.config["BACKUP_DIR"]) / f"arrival-{stamp}.backup"
    try:
        result = create_backup(current_app.config["SQLALCHEMY_DATABASE_URI"], path,
                               _passphrase())
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    rows = sum(result.manifest["row_counts"].values())
    click.echo(f"backup written: {result.path} ({rows} rows in "
               f"{len(result.manifest['row_counts'])} tables)")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--database-url", default=None,
              help="Restore into this database instead of the app's own.")
@click.option("--replace", is_flag=True, help="Replace a database that is not empty.")
def restore_command(path: Path, database_url: str | None, replace: bool) -> None:
    """Restore a backup and check every table's row count against its manifest."""
    url = database_url or current_app.config["SQLALCHEMY_DATABASE_URI"]
    try:
        differences = restore_backup(path, url, _passphrase(), replace=replace)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    if differences:
        for table, counts in differences.items():
            click.echo(f"  {table}: expected {counts['expected']}, restored {counts['restored']}")
        raise click.ClickException("the restored database differs from the backup's manifest")
    click.echo("restored; every table has the row count of the manifest")
