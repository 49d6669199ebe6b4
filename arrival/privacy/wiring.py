"""How data protection joins the application: its pages, API and CLI; its
retention classes and the legal hold of an open Ausländerbehörde procedure; the
hiding of restricted records."""

from __future__ import annotations

from flask import Flask

from arrival.core.retention import add_legal_hold, add_retention_class
from arrival.privacy import api, cli, operations, retention, visibility  # noqa: F401 (api: routes)
from arrival.privacy.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    cli.init_app(app)
    visibility.init_app(app)
    for retention_class in retention.CLASSES:
        add_retention_class(app, retention_class)
    add_legal_hold(app, operations.open_procedure_hold)
