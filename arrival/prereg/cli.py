"""flask prereg …: the nightly deletion of expired pre-registrations."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from arrival.core.clock import now
from arrival.extensions import db
from arrival.prereg import operations

prereg_cli = AppGroup("prereg", help="Pre-registrations from phones.")


@prereg_cli.command("expire")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted.")
def expire_command(batch_size: int, dry_run: bool):
    """Delete the pre-registrations that expired unconverted (run nightly)."""
    at = now()
    if dry_run:
        click.echo(f"{operations.count_expired(at)} expired pre-registrations would be deleted")
        return
    deleted = operations.delete_expired(at, batch_size=batch_size)
    db.session.commit()
    current_app.logger.info("prereg expire: %d expired pre-registrations deleted", deleted,
                            extra={"deleted": deleted})
    click.echo(f"{deleted} expired pre-registrations deleted")


def init_app(app: Flask) -> None:
    app.cli.add_command(prereg_cli)
