"""Arrival: the operations system of a municipal arrival centre."""

from __future__ import annotations

from flask import Flask

__version__ = "0.1.0"


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    """Build the application: settings, extensions, domains, CLI — in that order."""
    from config.settings import config_class

    app = Flask(__name__, instance_relative_config=False)
    config = config_class(config_name)
    app.config.from_object(config)
    app.config.update(config.prepare())
    app.config.update(overrides or {})

    _init_extensions(app)
    _init_web(app)
    _register_domains(app)
    _register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from arrival import database, models  # noqa: F401  (models: every table registered)
    from arrival.auth import sessions
    from arrival.core import i18n
    from arrival.extensions import csrf, db, limiter, migrate

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            database.configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    migrate.init_app(app, db, directory=str(app.config["MIGRATIONS_DIR"]), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    sessions.init_app(app)


def _init_web(app: Flask) -> None:
    # Order matters: request id first, then the transaction, then the permission check.
    from arrival.auth import guard
    from arrival.core import errors, logging, security, templating, transactions

    logging.init_app(app)
    transactions.init_app(app)
    guard.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    templating.init_app(app)


def _register_domains(app: Flask) -> None:
    from arrival import api
    from arrival.audit.views import bp as audit_bp
    from arrival.auth import drafts
    from arrival.auth.admin_views import bp as users_bp
    from arrival.auth.views import bp as auth_bp
    from arrival.core.views import bp as core_bp
    from arrival.dashboard.views import bp as dashboard_bp
    from arrival.cards.views import bp as cards_bp
    from arrival.cases import templating as cases_templating
    from arrival.cases.views import bp as cases_bp
    from arrival.housing import templating as housing_templating
    from arrival.housing.views import bp as housing_bp
    from arrival.registry import templating as registry_templating
    from arrival.reports import templating as reports_templating
    from arrival.reports.views import bp as reports_bp
    from arrival.registry.views import bp as registry_bp
    from arrival.services import templating as services_templating
    from arrival.services.views import bp as services_bp

    for blueprint in (core_bp, auth_bp, users_bp, audit_bp, registry_bp, housing_bp, cards_bp,
                      services_bp, cases_bp, dashboard_bp, reports_bp):
        app.register_blueprint(blueprint)
    api.init_app(app)
    drafts.init_app(app)
    for domain in (registry_templating, housing_templating, services_templating,
                   cases_templating, reports_templating):
        domain.init_app(app)


def _register_cli(app: Flask) -> None:
    from arrival.auth.cli import users_cli
    from arrival.cards.cli import cards_cli
    from arrival.catalog.cli import catalog_cli
    from arrival.demo.cli import demo_cli
    from arrival.reports.cli import sitrep_cli

    for group in (users_cli, catalog_cli, demo_cli, cards_cli, sitrep_cli):
        app.cli.add_command(group)
