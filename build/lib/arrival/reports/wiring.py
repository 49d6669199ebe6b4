"""How the situation report joins the application."""

from flask import Flask

from arrival.reports import templating
from arrival.reports.cli import sitrep_cli
from arrival.reports.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    templating.init_app(app)
    app.cli.add_command(sitrep_cli)
