"""Backup commands."""

from flask import Flask

from arrival.backup.cli import backup_cli


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_cli)
