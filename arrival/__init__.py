"""Arrival: the operations system of a municipal arrival centre."""

from __future__ import annotations

from flask import Flask

from arrival.version import __version__  # noqa: F401  (arrival.__version__)


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    """Build the application: settings, extensions, the web layer, then each domain."""
    from config.settings import config_class

    app = Flask(__name__, instance_relative_config=False)
    app.config.from_mapping(config_class(config_name).settings())
    app.config.update(overrides or {})
    app.config["APP_VERSION"] = __version__

    _init_extensions(app)
    _init_web(app)
    _wire_domains(app)
    return app


def _init_extensions(app: Flask) -> None:
    from arrival import database, models  # noqa: F401  (models: every table registered)
    from arrival.auth import sessions
    from arrival.core import events, i18n, retention, sections
    from arrival.extensions import csrf, db, limiter, migrate

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            database.configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
        elif db.engine.dialect.name == "postgresql":
            database.configure_postgresql(db.engine, app.config["POSTGRES_RANDOM_PAGE_COST"])
    migrate.init_app(app, db, directory=str(app.config["MIGRATIONS_DIR"]), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    sessions.init_app(app)
    events.init_app(app)
    sections.init_app(app)
    retention.init_app(app)


def _init_web(app: Flask) -> None:
    # Order matters: the proxy's headers, the request id, the transaction, the permission
    # check, then the input checks (a refused request is not even looked at).
    from arrival.auth import guard
    from arrival.core import (errors, inputs, logging, proxy, ratelimits, security, templating,
                              transactions)
    from arrival.core.dbroles import db_roles_cli
    from arrival.core.views import bp as core_bp

    proxy.init_app(app)
    logging.init_app(app)
    transactions.init_app(app)
    guard.init_app(app)
    inputs.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    ratelimits.init_app(app)
    templating.init_app(app)
    app.register_blueprint(core_bp)
    app.cli.add_command(db_roles_cli)


def _wire_domains(app: Flask) -> None:
    """Each domain adds its pages, API routes, labels, CLI commands, its parts of
    shared pages and its reactions to other domains' events in its wiring module.
    Lower domains first: a domain may add to what a lower one offers."""
    from arrival import api
    from arrival.appointments import wiring as appointments
    from arrival.audit import wiring as audit
    from arrival.backup import wiring as backup
    from arrival.auth import wiring as auth
    from arrival.cards import wiring as cards
    from arrival.cases import wiring as cases
    from arrival.catalog import wiring as catalog
    from arrival.dashboard import wiring as dashboard
    from arrival.demo import wiring as demo
    from arrival.gate import wiring as gate
    from arrival.housing import wiring as housing
    from arrival.privacy import wiring as privacy
    from arrival.prereg import wiring as prereg
    from arrival.registry import wiring as registry
    from arrival.reports import wiring as reports
    from arrival.services import wiring as services
    from arrival.statistics import wiring as statistics
    from arrival.transfers import wiring as transfers

    for domain in (audit, auth, catalog, registry, housing, cards, prereg, services, cases,
                   gate, appointments, transfers, statistics, dashboard, reports, demo, backup, privacy):
        domain.init_app(app)
    api.init_app(app)  # after the domains: their API routes are attached by then
