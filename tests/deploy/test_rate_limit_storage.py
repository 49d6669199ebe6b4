"""The limit counters live in Redis, shared by every worker. Production does not
start with per-process counters unless told that exactly one process runs; with
Redis away, sign-in answers 503 with a clear message and /healthz says so."""

from __future__ import annotations

import socket
import uuid

import pytest

from arrival import create_app
from arrival.extensions import db, limiter
from config.settings import ConfigurationError
from tests import support

REDIS = "redis://127.0.0.1:6379/0"
CLOSED_PORT = "redis://127.0.0.1:1/0"


def _redis_runs() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def production_env(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    monkeypatch.setenv("SECRET_KEY", "s" * 64)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.delenv("RATELIMIT_ALLOW_MEMORY", raising=False)
    return monkeypatch


def test_production_refuses_per_process_limit_counters(production_env):
    with pytest.raises(ConfigurationError, match="RATELIMIT_STORAGE_URI"):
        create_app("production")
    production_env.setenv("RATELIMIT_STORAGE_URI", "memory://")
    with pytest.raises(ConfigurationError, match="RATELIMIT_ALLOW_MEMORY"):
        create_app("production")


def test_production_starts_with_redis_or_with_memory_explicitly_allowed(production_env):
    production_env.setenv("RATELIMIT_STORAGE_URI", REDIS)
    assert create_app("production").config["RATELIMIT_STORAGE_URI"] == REDIS
    production_env.setenv("RATELIMIT_STORAGE_URI", "memory://")
    production_env.setenv("RATELIMIT_ALLOW_MEMORY", "1")
    assert create_app("production").config["RATELIMIT_STORAGE_URI"] == "memory://"


@pytest.fixture(scope="module")
def worker_database(tmp_path_factory):
    """A database of its own: these applications are not inside the test transaction."""
    from flask_migrate import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('limits') / 'limits.sqlite3'}"
    application = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": url})
    with application.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture(autouse=True)
def _restore_the_limiter():
    """The limiter is one object: binding it to another application here must not
    leave the suite's application counting in that storage."""
    saved = dict(limiter.__dict__)
    yield
    limiter.__dict__.clear()
    limiter.__dict__.update(saved)


def _start_worker(database: str, storage: str, prefix: str = ""):
    """A worker process starting: a new application with fresh process memory."""
    application = create_app("testing", overrides={
        "SQLALCHEMY_DATABASE_URI": database, "RATELIMIT_STORAGE_URI": storage,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        "RATELIMIT_KEY_PREFIX": prefix, "PROPAGATE_EXCEPTIONS": False})
    application.test_client_class = support.TestClient
    return application


@pytest.mark.skipif(not _redis_runs(), reason="needs Redis on 127.0.0.1:6379 (CI has it)")
def test_failed_logins_counted_by_one_worker_hold_in_the_next_through_redis(worker_database):
    prefix = f"arrival-test-{uuid.uuid4().hex}"
    first = _start_worker(worker_database, REDIS, prefix)
    statuses = [first.test_client().login("shared-victim", f"wrong-{i}").status_code
                for i in range(5)]
    second = _start_worker(worker_database, REDIS, prefix)
    statuses.append(second.test_client().login("shared-victim", "wrong-5").status_code)
    assert statuses == [401] * 5 + [429]


def test_with_per_process_counters_the_next_worker_starts_from_zero(worker_database):
    """Why production refuses memory://: every worker allows its own five."""
    first = _start_worker(worker_database, "memory://")
    for i in range(5):
        first.test_client().login("victim-in-memory", f"wrong-{i}")
    second = _start_worker(worker_database, "memory://")
    assert second.test_client().login("victim-in-memory", "wrong-5").status_code == 401


def test_with_redis_down_sign_in_answers_503_with_a_clear_message(worker_database):
    worker = _start_worker(worker_database, CLOSED_PORT)
    response = worker.test_client().login("someone", "whatever")
    assert response.status_code == 503
    text = response.get_data(as_text=True)
    assert "Redis" in text and "nicht erreichbar" in text


def test_with_redis_down_the_health_check_says_so(worker_database):
    worker = _start_worker(worker_database, CLOSED_PORT)
    response = worker.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "database": "ok",
                             "rate_limit_storage": "unreachable"}


@pytest.mark.skipif(not _redis_runs(), reason="needs Redis on 127.0.0.1:6379 (CI has it)")
def test_deployments_sharing_one_redis_count_apart_by_their_key_prefix(
        worker_database, monkeypatch):
    """RATELIMIT_KEY_PREFIX from the environment: the servers of one deployment share
    their counts, another deployment (or a test run) on the same Redis does not."""
    fresh = dict(limiter.__dict__)

    def server(prefix: str):
        """A server process starting: the limiter as on import (it keeps the first
        application's prefix otherwise — one application per process in production)."""
        limiter.__dict__.clear()
        limiter.__dict__.update(fresh)
        monkeypatch.setenv("RATELIMIT_KEY_PREFIX", prefix)
        application = create_app("testing", overrides={
            "SQLALCHEMY_DATABASE_URI": worker_database, "RATELIMIT_STORAGE_URI": REDIS})
        application.test_client_class = support.TestClient
        return application

    ours, theirs = f"arrival-ours-{uuid.uuid4().hex}", f"arrival-theirs-{uuid.uuid4().hex}"
    for i in range(5):
        server(ours).test_client().login("shared-name", f"wrong-{i}")
    assert server(theirs).test_client().login("shared-name", "wrong-5").status_code == 401
    assert server(ours).test_client().login("shared-name", "wrong-6").status_code == 429
