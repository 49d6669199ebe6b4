"""Shared fixtures: one application per test session on a freshly migrated
database (SQLite by default, PostgreSQL when ARRIVAL_TEST_DATABASE_URL names
one), every test inside a transaction that is rolled back afterwards."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

_tmp = tempfile.mkdtemp(prefix="arrival-tests-")
if not os.environ.get("ARRIVAL_TEST_DATABASE_URL"):
    os.environ["ARRIVAL_TEST_DATABASE_URL"] = f"sqlite:///{Path(_tmp) / 'test.sqlite3'}"
os.environ.setdefault("ARRIVAL_ENV", "testing")

from arrival import create_app  # noqa: E402
from arrival.core import clock  # noqa: E402
from arrival.catalog.operations import load_catalog  # noqa: E402
from arrival.extensions import db, limiter  # noqa: E402
from tests.support import TestClient  # noqa: E402

pytest_plugins = ["tests.factories"]


def reset_database(url: str) -> None:
    """Start from an empty database so that migrations run from nothing."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)


@pytest.fixture(scope="session")
def database_url() -> str:
    return os.environ["ARRIVAL_TEST_DATABASE_URL"]


@pytest.fixture(scope="session")
def app(database_url):
    from flask_migrate import upgrade

    reset_database(database_url)
    application = create_app("testing")
    application.test_client_class = TestClient
    with application.app_context():
        upgrade()
        load_catalog(application.config["CATALOG_DIR"])
        db.session.commit()
        db.session.remove()
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _isolated_database(app):
    """Every test runs in one outer transaction that is rolled back: requests and
    operations commit as usual, but only into savepoints inside it.

    No application context stays pushed during the test: a request reuses an
    active one, and with it `g` — the signed-in user and the CSRF token would leak
    from one request into the next. Tests open `app.app_context()` where they
    read the database themselves.
    """
    engines = db._app_engines[app]
    engine = engines[None]
    connection = engine.connect()
    outer = connection.begin()
    engines[None] = connection
    db.session.session_factory.configure(join_transaction_mode="create_savepoint")
    limiter.reset()
    try:
        yield connection
    finally:
        engines[None] = engine
        if outer.is_active:
            outer.rollback()
        connection.close()


# The suite's "now": a Friday in the spring of 2022, after the data
# the tests build. The clock runs on from there, so order and durations stay real,
# but no test depends on the machine's date.
SUITE_START = datetime(2022, 4, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def suite_clock(request):
    """Every test runs on the one clock (arrival.core.clock), set to SUITE_START.
    Browser tests keep the real clock: their browser has one too."""
    if request.node.get_closest_marker("browser"):
        yield None
        return
    previous = clock.set_clock(clock.ticking_from(SUITE_START))
    try:
        yield SUITE_START
    finally:
        clock.set_clock(previous)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def cli(app):
    return app.test_cli_runner()


@pytest.fixture
def app_context(app):
    """For tests of operations that make no requests (see _isolated_database)."""
    with app.app_context():
        yield


@pytest.fixture
def extra_route_app(monkeypatch):
    """A separate application with one more public route, for behaviour that no
    real endpoint shows yet (a crash, an API write). Its endpoint is added to the
    permission table for the test only."""
    from flask import Blueprint, jsonify

    from arrival.auth.permissions import ENDPOINT_PERMISSIONS, Permission

    def build(path: str, endpoint: str, *, view=None, methods=("GET",)):
        blueprint_name, function_name = endpoint.split(".")
        application = create_app("testing")
        application.config["PROPAGATE_EXCEPTIONS"] = False
        blueprint = Blueprint(blueprint_name, __name__)
        blueprint.add_url_rule(path, function_name, view or (lambda: jsonify(ok=True)),
                               methods=list(methods))
        application.register_blueprint(blueprint)
        monkeypatch.setitem(ENDPOINT_PERMISSIONS, endpoint, Permission.PUBLIC)
        return application

    return build


@contextmanager
def scratch_database(database_url: str, directory: Path, prefix: str):
    """The URL of a database of its own, on the server the suite runs against: a
    throw-away SQLite file in `directory`, or a throw-away PostgreSQL database
    (dropped afterwards)."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{directory / (prefix + '.sqlite3')}"
        return
    name = f"{prefix}_{os.getpid()}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def committing_app(database_url, tmp_path_factory):
    """An application on a database of its own where requests really commit —
    for concurrency tests, where several connections must see each other's work.
    A throw-away SQLite file, or a throw-away database on the PostgreSQL server."""
    from flask_migrate import upgrade

    from arrival.demo.operations import ensure_demo_accounts

    with scratch_database(database_url, tmp_path_factory.mktemp("concurrency"),
                          "arrival_concurrency") as own_url:
        application = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": own_url})
        application.test_client_class = TestClient
        with application.app_context():
            upgrade()
            load_catalog(application.config["CATALOG_DIR"])
            ensure_demo_accounts()
            db.session.commit()
        yield application
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
