"""How the dashboard joins the application."""

from flask import Flask

from arrival.dashboard import api  # noqa: F401  (attaches the API route)
from arrival.dashboard.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
