"""How the audit domain joins the application."""

from flask import Flask

from arrival.audit import api  # noqa: F401  (attaches the API routes)
from arrival.audit import labels
from arrival.audit.cli import audit_cli
from arrival.audit.operations import rewrite_durable_events
from arrival.audit.views import bp
from arrival.core import transactions


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    labels.init_app(app)  # German words for the log's codes
    # Refused logins and denied pages are kept even when their request rolls back.
    transactions.after_rollback(app, rewrite_durable_events)
    app.cli.add_command(audit_cli)
