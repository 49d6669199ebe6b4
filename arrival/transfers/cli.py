"""flask transfers …: destinations, bus lists and the hand-over package."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from arrival.catalog.operations import CatalogError
from arrival.core.timezone import assume_local, format_local
from arrival.core.validation import Conflict, ValidationFailed
from arrival.extensions import db
from arrival.registry.operations import household_by_ref
from arrival.transfers import export, operations
from arrival.transfers.models import TransferBatch

transfers_cli = AppGroup("transfers", help="Transfers: destinations, bus lists, hand-over.")


def _fail(error: Exception):
    db.session.rollback()
    if isinstance(error, ValidationFailed):
        message = "; ".join(f"{field}: {' '.join(messages)}"
                            for field, messages in error.errors.items())
    else:
        message = getattr(error, "message", str(error))
    raise click.ClickException(message)


def _batch(batch_id: int) -> TransferBatch:
    batch = db.session.get(TransferBatch, batch_id)
    if batch is None:
        raise click.ClickException(f"no bus list {batch_id}")
    return batch


@transfers_cli.command("load")
def load_command():
    """Load config/catalog/transfer_destinations.toml and distribution_key.toml."""
    try:
        report = operations.load_destinations(Path(current_app.config["CATALOG_DIR"]))
    except CatalogError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"destinations loaded: {report.created} created, {report.updated} updated, "
               f"{report.deactivated} deactivated")


@transfers_cli.command("batches")
@click.option("--state", type=click.Choice(["planned", "departed", "cancelled"]))
def batches_command(state):
    """List bus lists: id, state, departure, destination, persons/seats."""
    for batch in operations.batches(states=(state,) if state else None):
        click.echo(f"{batch.id}\t{batch.state}\t{format_local(batch.departs_at)}\t"
                   f"{batch.destination.key} {batch.destination.label}\t"
                   f"{batch.taken}/{batch.seats}")


@transfers_cli.command("create")
@click.option("--destination", required=True, help="Official key, e.g. 08115")
@click.option("--departs", required=True, type=click.DateTime(["%Y-%m-%dT%H:%M"]),
              help="Local time, e.g. 2022-04-05T14:00")
@click.option("--seats", required=True, type=int)
@click.option("--note", default="")
def create_command(destination, departs, seats, note):
    """Create a bus list."""
    try:
        batch = operations.create_batch(operations.destination_by_key(destination),
                                        departs_at=assume_local(departs), seats=seats,
                                        note=note)
    except (ValidationFailed, Conflict) as error:
        _fail(error)
    db.session.commit()
    click.echo(f"bus list {batch.id}: {batch.destination.label}, "
               f"{format_local(batch.departs_at)}, {batch.seats} seats")


@transfers_cli.command("add")
@click.option("--batch", "batch_id", required=True, type=int)
@click.argument("refs", nargs=-1, required=True)
def add_command(batch_id, refs):
    """Add households (references) with a transfer decision to a bus list."""
    batch = _batch(batch_id)
    for ref in refs:
        household = household_by_ref(ref)
        if household is None:
            _fail(click.ClickException(f"no household {ref}"))
        try:
            operations.add_household(batch, household)
        except (ValidationFailed, Conflict) as error:
            _fail(error)
    db.session.commit()
    click.echo(f"bus list {batch.id}: {batch.taken}/{batch.seats} seats taken")


@transfers_cli.command("depart")
@click.option("--batch", "batch_id", required=True, type=int)
def depart_command(batch_id):
    """The bus leaves: boarded persons are checked out, missing ones listed."""
    try:
        done = operations.depart(_batch(batch_id))
    except (ValidationFailed, Conflict) as error:
        _fail(error)
    db.session.commit()
    click.echo(f"departed: {len(done.transferred)} transferred, {len(done.missing)} missing")
    for entry, person in done.missing:
        click.echo(f"missing\t{entry.household.ref}\t{person.public_id}")


@transfers_cli.command("cancel")
@click.option("--batch", "batch_id", required=True, type=int)
@click.option("--reason", required=True, help="Why the bus does not go (kept in its history)")
def cancel_command(batch_id, reason):
    """Cancel a bus list: its households can go on another one."""
    try:
        released = operations.cancel_batch(_batch(batch_id), reason)
    except (ValidationFailed, Conflict) as error:
        _fail(error)
    db.session.commit()
    click.echo(f"bus list {batch_id} cancelled: {released} households free for another list")


@transfers_cli.command("handover")
@click.option("--batch", "batch_id", required=True, type=int)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def handover_command(batch_id, out):
    """Write the encrypted hand-over package; prints its password once."""
    package = export.build(_batch(batch_id))
    out.write_bytes(package.record.archive)
    out.chmod(0o600)
    db.session.commit()
    click.echo(f"{out}: {package.record.persons_count} persons, sha256 {package.record.sha256}")
    click.echo(f"password (shown once, send it apart from the file): {package.password}")


def init_app(app: Flask) -> None:
    app.cli.add_command(transfers_cli)
