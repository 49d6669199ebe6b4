import click
from flask import current_app
from flask.cli import AppGroup

from arrival.catalog.operations import CatalogError, load_catalog
from arrival.extensions import db

catalog_cli = AppGroup("catalog", help="Reference data (authorities, flags, topics, services).")


@catalog_cli.command("load")
def load_command():
    """Load config/catalog/*.toml into the database (idempotent)."""
    try:
        report = load_catalog(current_app.config["CATALOG_DIR"])
    except CatalogError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(
        f"catalogue loaded: {len(report.created)} created, {len(report.updated)} updated, "
        f"{len(report.deactivated)} deactivated"
    )
