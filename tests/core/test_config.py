"""Configuration from the environment; production has no insecure defaults."""

from __future__ import annotations

import pytest

from arrival import create_app
from config.settings import ConfigurationError, DevelopmentConfig

STRONG_SECRET = "x" * 64


@pytest.fixture
def production_env(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    monkeypatch.setenv("SECRET_KEY", STRONG_SECRET)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    return monkeypatch


def test_production_refuses_to_start_without_a_secret_key(production_env):
    production_env.delenv("SECRET_KEY")
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app("production")


def test_production_refuses_a_short_secret_key(production_env):
    production_env.setenv("SECRET_KEY", "dev")
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app("production")


def test_production_refuses_to_start_without_an_explicit_database(production_env):
    production_env.delenv("DATABASE_URL")
    with pytest.raises(ConfigurationError, match="DATABASE_URL"):
        create_app("production")


def test_production_starts_with_both_and_marks_cookies_secure(production_env):
    app = create_app("production")
    assert app.config["SECRET_KEY"] == STRONG_SECRET
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert not app.config["SEED_DEMO_ALLOWED"]


def test_production_refuses_demo_data(production_env):
    app = create_app("production")
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code != 0
    assert "refused" in result.output


def test_development_generates_a_secret_and_keeps_it(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first, second = DevelopmentConfig.secret_key(), DevelopmentConfig.secret_key()
    assert len(first) >= 32 and first == second


def test_an_unknown_environment_name_is_refused():
    with pytest.raises(ConfigurationError, match="ARRIVAL_ENV"):
        create_app("staging")


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(app, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite settings")
    import sqlalchemy as sa

    from arrival.extensions import db

    with app.app_context():
        connection = db.engines[None]
        assert connection.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(sa.text("PRAGMA busy_timeout")).scalar() == 5000


def test_postgresql_connections_price_index_lookups_for_ssd(app, database_url, monkeypatch):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL settings")
    import sqlalchemy as sa

    from arrival.extensions import db

    with app.app_context():
        db.session.rollback()  # a rolled-back transaction must not undo the setting
        assert db.session.execute(sa.text("SHOW random_page_cost")).scalar() == "1.1"
    monkeypatch.setenv("POSTGRES_RANDOM_PAGE_COST", "2")
    other = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": database_url})
    with other.app_context():
        assert db.session.execute(sa.text("SHOW random_page_cost")).scalar() == "2"
        db.session.remove()
        db.engine.dispose()


# Settings are read when the application is created, not when config.settings is
# imported, and a bad value names its variable.

def test_a_changed_environment_takes_effect_in_the_next_application(monkeypatch):
    monkeypatch.setenv("ABSENCE_DAYS", "5")
    monkeypatch.setenv("TIMEZONE", "Europe/Kyiv")
    first = create_app("testing")
    monkeypatch.setenv("ABSENCE_DAYS", "7")
    second = create_app("testing")
    assert (first.config["ABSENCE_DAYS"], second.config["ABSENCE_DAYS"]) == (5, 7)
    assert first.config["TIMEZONE"] == first.config["BABEL_DEFAULT_TIMEZONE"] == "Europe/Kyiv"


@pytest.mark.parametrize("variable, value", [
    ("DUPLICATE_THRESHOLD", "abc"),
    ("DUPLICATE_THRESHOLD", "85"),
    ("ABSENCE_DAYS", "three"),
    ("SESSION_IDLE_MINUTES", "0"),
    ("SQLITE_BUSY_TIMEOUT_MS", "-1"),
    ("POSTGRES_RANDOM_PAGE_COST", "0"),
    ("POSTGRES_RANDOM_PAGE_COST", "nan"),
    ("POSTGRES_RANDOM_PAGE_COST", "fast"),
    ("SESSION_COOKIE_SECURE", "maybe"),
    ("TIMEZONE", "Europe/Stutgart"),
    ("SITREP_SUPPRESS_BELOW", "few"),
])
def test_a_bad_value_stops_the_start_naming_the_variable(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as refused:
        create_app("testing")
    assert str(refused.value).startswith(f"{variable} must be")
    assert repr(value) in str(refused.value)


def test_unset_and_empty_variables_give_the_defaults(monkeypatch):
    monkeypatch.setenv("DUPLICATE_THRESHOLD", "")
    monkeypatch.delenv("ABSENCE_DAYS", raising=False)
    app = create_app("testing")
    assert app.config["DUPLICATE_THRESHOLD"] == 0.85
    assert app.config["ABSENCE_DAYS"] == 3
