"""How the figures join the application: the day book's CLI, and its watch on
every flush for changes dated into closed days (arrival.statistics.corrections)."""

from flask import Flask

from arrival.extensions import db
from arrival.statistics import corrections
from arrival.statistics.cli import figures_cli


def init_app(app: Flask) -> None:
    corrections.watch(db.session.session_factory.class_)
    app.cli.add_command(figures_cli)
