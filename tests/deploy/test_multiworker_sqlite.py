"""SQLite under real gunicorn workers: 20 concurrent readers and 10 registering
tablets across 4 worker processes on a loopback port get no server error, and
every read answered keeps its audit row.

Bounded: about 30 s on a loaded 2-core machine. Skipped on the PostgreSQL run (the
SQLite file is its own; PostgreSQL has no database-wide write lock)."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.deploy.conftest import FIGURES

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 4
READERS = 20
WRITERS = 10
READS_EACH = 6
WRITES_EACH = 3
CSRF = re.compile(rb'name="csrf-token" content="([^"]+)"')

pytestmark = pytest.mark.skipif(
    os.environ.get("ARRIVAL_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="SQLite's locking under several processes; once per CI run is enough")


class Tablet:
    """A browser on loopback: a cookie jar, the CSRF token, JSON requests."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.csrf = ""

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(self.base + path, data=body, method=method,
                                         headers=headers or {})
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def login(self, username: str, password: str) -> None:
        _status, page = self.request("GET", "/login")
        token = CSRF.search(page).group(1).decode()
        body = urllib.parse.urlencode(
            {"username": username, "password": password, "csrf_token": token}).encode()
        status, page = self.request("POST", "/login", body,
                                    {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 200 and CSRF.search(page), f"login failed: {status}"
        self.csrf = CSRF.search(page).group(1).decode()

    def post_json(self, path: str, payload: dict, headers: dict | None = None):
        return self.request("POST", path, json.dumps(payload).encode(), {
            "Content-Type": "application/json", "X-CSRFToken": self.csrf, **(headers or {})})


def _family(index: int) -> dict:
    def person(relation, given, sex, born):
        return {"relation": relation, "family_name": f"Multiworker{index}", "given_names": given,
                "sex": sex, "date_of_birth": born, "nationality": "UKR",
                "document": {"type": "none"}}

    return {"arrival_point": "main_station", "duplicate_reason": "load test: similar names",
            "persons": [person("head", "Olena", "female", f"19{60 + index % 30}-05-0{1 + index % 9}"),
                        person("child", "Taras", "male", "2012-02-02")]}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def database(tmp_path):
    """A migrated SQLite file with the catalogue and the demo accounts."""
    from flask_migrate import upgrade

    from arrival import create_app
    from arrival.catalog.operations import load_catalog
    from arrival.demo.operations import ensure_demo_accounts
    from arrival.extensions import db

    url = f"sqlite:///{tmp_path / 'workers.sqlite3'}"
    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        load_catalog(app.config["CATALOG_DIR"])
        ensure_demo_accounts()
        db.session.commit()
        db.engine.dispose()
    return url


@pytest.fixture
def server(database, tmp_path):
    yield from _gunicorn(database, tmp_path)


def _gunicorn(database, tmp_path, **settings):
    port = _free_port()
    env = {**os.environ, "ARRIVAL_ENV": "production", "DATABASE_URL": database,
           "SECRET_KEY": "multiworker-test-" + "x" * 40, "SESSION_COOKIE_SECURE": "0",
           "RATELIMIT_ALLOW_MEMORY": "1", "LOG_LEVEL": "WARNING",
           "SITREP_DIR": str(tmp_path / "reports"), **settings}
    env.pop("ARRIVAL_TEST_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--bind",
         f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "60", "app:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 90  # four workers importing pandas on a busy machine
    while time.monotonic() < deadline:
        try:
            if Tablet(port).request("GET", "/healthz")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("gunicorn did not start: " + process.stderr.read().decode()[-2000:])
    yield port
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _view_rows(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        count = connection.scalar(sa.text(
            "SELECT count(*) FROM audit_event WHERE action = 'view' "
            "AND entity_type = 'household' AND username = 'intake'"))
    engine.dispose()
    return count


def test_readers_and_writers_over_four_workers_get_no_error_and_lose_no_audit_row(
        database, server):
    first = Tablet(server)
    first.login("intake", "demo-intake-2022")
    refs = []
    for index in range(4):
        status, body = first.post_json("/api/v1/households", _family(index),
                                       {"Idempotency-Key": f"seed-{index}"})
        assert status == 201, body[:300]
        refs.append(json.loads(body)["ref"])
    views_before = _view_rows(database)

    tablets = []
    for _ in range(READERS + WRITERS):
        tablet = Tablet(server)
        tablet.login("intake", "demo-intake-2022")
        tablets.append(tablet)
    counts = {"reads": 0, "writes": 0, "errors": 0}
    failures: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(READERS + WRITERS)

    def note(kind: str, status: int, body: bytes, ok: tuple[int, ...]):
        with lock:
            if status in ok:
                counts[kind] += 1
            else:
                counts["errors"] += 1
                failures.append(f"{kind} {status}: {body[:200]!r}")

    def reader(index: int):
        tablet = tablets[index]
        start.wait()
        for n in range(READS_EACH):
            status, body = tablet.request("GET", f"/api/v1/households/{refs[(index + n) % 4]}")
            note("reads", status, body, (200,))

    def writer(index: int):
        tablet = tablets[READERS + index]
        start.wait()
        for n in range(WRITES_EACH):
            number = 100 + index * 10 + n
            status, body = tablet.post_json("/api/v1/households", _family(number),
                                            {"Idempotency-Key": f"load-{number}"})
            note("writes", status, body, (201,))

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(READERS)]
    threads += [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.monotonic() - started
    audit_rows = _view_rows(database) - views_before
    requests = READERS * READS_EACH + WRITERS * WRITES_EACH
    FIGURES.append(
        f"SQLite, {WORKERS} gunicorn workers, {READERS} readers + {WRITERS} writers: "
        f"{requests} requests in {elapsed:.1f} s, {counts['errors']} errors, "
        f"read-audit rows {audit_rows} of {counts['reads']} reads answered")
    assert counts["errors"] == 0, failures[:5]
    assert counts["reads"] == READERS * READS_EACH
    assert counts["writes"] == WRITERS * WRITES_EACH
    assert audit_rows == counts["reads"]


SIGN_INS = 16


@pytest.fixture
def impatient_server(database, tmp_path):
    """Writers wait at most 1 s for the write lock: enough for any short write,
    not for sixteen password checks in a row."""
    yield from _gunicorn(database, tmp_path, SQLITE_BUSY_TIMEOUT_MS="1000")


def test_sixteen_tablets_signing_in_at_once_all_get_in(impatient_server):
    """A sign-in checks a password hash (CPU, a good part of a second on a busy
    server) before it writes its session row: it must not hold SQLite's write lock
    meanwhile, or the sign-ins of a morning shift queue past the busy timeout and
    fail with "database is locked" (seen in the benchmark's load phase)."""
    start = threading.Barrier(SIGN_INS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def sign_in(index: int):
        tablet = Tablet(impatient_server)
        _status, page = tablet.request("GET", "/login")
        token = CSRF.search(page).group(1).decode()
        body = urllib.parse.urlencode({"username": ("intake", "service")[index % 2],
                                       "password": ("demo-intake-2022",
                                                    "demo-service-2022")[index % 2],
                                       "csrf_token": token}).encode()
        start.wait()
        status, page = tablet.request("POST", "/login", body, {
            "Content-Type": "application/x-www-form-urlencoded"})  # follows the redirect
        with lock:
            outcomes.append("in" if status == 200 and b'action="/logout"' in page
                            else str(status))

    threads = [threading.Thread(target=sign_in, args=(i,)) for i in range(SIGN_INS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    FIGURES.append(f"{SIGN_INS} simultaneous sign-ins over {WORKERS} SQLite workers, "
                   f"1 s busy timeout: {outcomes.count('in')} signed in")
    assert outcomes == ["in"] * SIGN_INS, outcomes
