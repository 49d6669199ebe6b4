"""How the reference data joins the application."""

from flask import Flask

from arrival.catalog import api  # noqa: F401  (attaches the API routes)
from arrival.catalog.cli import catalog_cli


def init_app(app: Flask) -> None:
    app.cli.add_command(catalog_cli)
