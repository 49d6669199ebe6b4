"""Two app servers behind HAProxy, one PostgreSQL, one Redis: the deployment of
config/deploy/ on loopback ports, under load, with one server killed.

scripts/cluster-test [--database-server URL] [--redis URL] [--seconds S] [--json FILE]

1. creates a scratch database on the PostgreSQL server (dropped at the end),
   migrates it, loads the catalogue and creates the accounts it needs;
2. starts two gunicorn instances (config/deploy/gunicorn.conf.py, production
   settings, limits in Redis under a key prefix of this run) and HAProxy
   (config/deploy/haproxy-arrival.cfg) in front of them;
3. checks that the login limit is shared (5 wrong passwords on instance A directly,
   the 6th on instance B is refused) and that the proxy's X-Forwarded-For, not
   the client's, names the client;
4. runs registrations (households of four, each with its Idempotency-Key), online
   card scans and replayed offline scans through the proxy with several concurrent
   clients, SIGKILLs instance A (master and workers) mid-load, restarts it, and
   retries every request that failed with the same idempotency key;
5. counts in the database: households created against intended (0 lost, 0
   duplicated), one SIM card per card holder, every offline scan once;
6. starts the nightly report on both instances at the same moment: one runs, the
   other is refused by the PostgreSQL advisory lock.

Prints the figures and every check; exit status 1 when a check failed, 2 when the
cluster could not be set up. Only loopback addresses are used; everything started
is stopped, whatever happens.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path

import sqlalchemy as sa

from arrival.core import clock

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "config" / "deploy"
LOOPBACK = "127.0.0.1"
PASSWORD = "cluster-test-password-2022"
CSRF = re.compile(rb'name="csrf-token" content="([^"]+)"')
RETRYABLE = {502, 503, 504}  # the proxy lost the server, or no server was up
FAILED = 0  # the connection failed (refused, reset)
LOST = -1  # the tablet hung up before the answer (on purpose, see Load.register)
UNANSWERED = RETRYABLE | {FAILED, LOST}
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


class SetupFailed(RuntimeError):
    pass


# --- a client on loopback ---------------------------------------------------------------------


class Tablet:
    """A browser: cookies, the CSRF token, one connection per request."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, bytes]:
        """(status, body); status FAILED when the connection failed (reset, refused)."""
        connection = HTTPConnection(LOOPBACK, self.port, timeout=60)
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers={"Cookie": cookie,
                                                                 **(headers or {})})
            response = connection.getresponse()
            data = response.read()
        except OSError:
            return FAILED, b""
        finally:
            connection.close()
        for header in response.msg.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value
        return response.status, data

    def login_attempt(self, username: str, password: str, headers: dict | None = None) -> int:
        _status, page = self.request("GET", "/login")
        found = CSRF.search(page)
        if not found:
            return 0
        form = urllib.parse.urlencode({"username": username, "password": password,
                                       "csrf_token": found.group(1).decode()})
        status, _ = self.request("POST", "/login", form.encode(), {
            "Content-Type": "application/x-www-form-urlencoded", **(headers or {})})
        return status

    def login(self, username: str) -> None:
        status = self.login_attempt(username, PASSWORD)
        if status != 302:
            raise SetupFailed(f"sign-in of {username} through port {self.port}: {status}")
        _status, page = self.request("GET", "/")
        self.csrf = CSRF.search(page).group(1).decode()

    def post_json(self, path: str, payload: dict, headers: dict | None = None):
        return self.request("POST", path, json.dumps(payload).encode(), self._json(headers))

    def post_and_hang_up(self, path: str, payload: dict, headers: dict | None = None) -> int:
        """Send, and go away before the answer (Wi-Fi lost at the wrong moment): the
        server still does the work; only the tablet does not know. Returns LOST."""
        connection = HTTPConnection(LOOPBACK, self.port, timeout=60)
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        try:
            connection.request("POST", path, body=json.dumps(payload).encode(),
                               headers={"Cookie": cookie, **self._json(headers)})
        except OSError:
            pass
        finally:
            connection.close()
        return LOST

    def _json(self, headers: dict | None) -> dict:
        return {"Content-Type": "application/json", "X-CSRFToken": self.csrf, **(headers or {})}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


# --- the scratch database ---------------------------------------------------------------------


def server_url(explicit: str | None) -> str:
    """The PostgreSQL server (without a database name) from the argument,
    TEST_DATABASE_URL or ARRIVAL_TEST_DATABASE_URL, else the local default."""
    url = explicit or os.environ.get("TEST_DATABASE_URL") or os.environ.get(
        "ARRIVAL_TEST_DATABASE_URL") or DEFAULT_SERVER
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            url = "postgresql+psycopg://" + url[len(scheme):]
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise SetupFailed(f"the cluster test needs PostgreSQL, got {parsed.get_backend_name()}")
    if parsed.host not in (None, "localhost", LOOPBACK, "::1"):
        raise SetupFailed(f"the cluster test only talks to loopback, got host {parsed.host}")
    return parsed.set(database="postgres").render_as_string(hide_password=False)


def create_database(server: str, name: str) -> str:
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)


def drop_database(server: str, name: str) -> None:
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def prepare_database(url: str, accounts: dict[str, str]) -> None:
    """Migrate, load the catalogue, create the accounts — in a process of its own,
    so that this one holds no application (and no connection) while the servers run."""
    code = (
        "import sys, json\n"
        "from flask_migrate import upgrade\n"
        "from arrival import create_app\n"
        "from arrival.auth.operations import create_user\n"
        "from arrival.catalog.operations import load_catalog\n"
        "from arrival.extensions import db\n"
        "app = create_app('development', overrides={'SQLALCHEMY_DATABASE_URI': sys.argv[1],"
        " 'LOG_LEVEL': 'WARNING'})\n"
        "with app.app_context():\n"
        "    upgrade()\n"
        "    load_catalog(app.config['CATALOG_DIR'])\n"
        "    for username, role in json.loads(sys.argv[2]).items():\n"
        "        create_user(username, role, sys.argv[3])\n"
        "    db.session.commit()\n"
    )
    done = subprocess.run([sys.executable, "-c", code, url, json.dumps(accounts), PASSWORD],
                          cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "ARRIVAL_ENV": "development"})
    if done.returncode != 0:
        raise SetupFailed("preparing the database failed:\n" + done.stderr[-3000:])


# --- the processes ----------------------------------------------------------------------------


@dataclass
class Instance:
    """One app server: a gunicorn master with its workers, in a process group of
    its own so that a kill takes all of them, as a crashed machine would."""
    name: str
    port: int
    env: dict
    log: Path
    process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(DEPLOY / "gunicorn.conf.py"),
                 "app:app"], cwd=ROOT, env=self.env, stdout=log, stderr=log,
                start_new_session=True)

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=25)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=10)

    def healthy(self) -> bool:
        return Tablet(self.port).request("GET", "/healthz")[0] == 200


def wait_until(condition, timeout: float, what: str, interval: float = 0.2) -> float:
    """Seconds it took; SetupFailed after `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(interval)
    raise SetupFailed(f"{what} within {timeout:.0f} s")


def haproxy_binary() -> str:
    for candidate in ("haproxy", "/usr/sbin/haproxy"):
        try:
            subprocess.run([candidate, "-v"], capture_output=True, check=True)
            return candidate
        except (OSError, subprocess.CalledProcessError):
            continue
    raise SetupFailed("haproxy is not installed (scripts/cluster-test installs it with "
                      "apt-get install haproxy)")


class Proxy:
    """HAProxy with the repository's configuration, and a watcher that notes when it
    takes a server out and puts it back (from its status page)."""

    def __init__(self, port: int, stats_port: int, apps: list[Instance], log: Path):
        self.port, self.stats_port, self.log = port, stats_port, log
        self.env = {**os.environ, "ARRIVAL_PROXY_BIND": f"{LOOPBACK}:{port}",
                    "ARRIVAL_STATS": f"{LOOPBACK}:{stats_port}",
                    "ARRIVAL_APP1": f"{LOOPBACK}:{apps[0].port}",
                    "ARRIVAL_APP2": f"{LOOPBACK}:{apps[1].port}",
                    "ARRIVAL_APP_MAXCONN": str(2 * int(apps[0].env["WEB_CONCURRENCY"]))}
        self.process: subprocess.Popen | None = None
        self.transitions: list[tuple[float, str, str]] = []  # (monotonic, server, status)
        self._watching = threading.Event()

    def start(self) -> None:
        binary = haproxy_binary()
        config = str(DEPLOY / "haproxy-arrival.cfg")
        check = subprocess.run([binary, "-c", "-q", "-f", config], env=self.env,
                               capture_output=True, text=True)
        if check.returncode != 0:
            raise SetupFailed("haproxy refuses the configuration: " + check.stderr[-2000:])
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen([binary, "-db", "-f", config], env=self.env,
                                            stdout=log, stderr=log)
        self._watching.set()
        threading.Thread(target=self._watch, daemon=True).start()

    def stop(self) -> None:
        self._watching.clear()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def servers(self) -> dict[str, dict]:
        """app1/app2 → {status, served} from the status page (CSV)."""
        status, body = Tablet(self.stats_port).request("GET", "/stats;csv")
        if status != 200:
            return {}
        lines = body.decode().lstrip("# ").splitlines()
        header = lines[0].split(",")
        rows = [dict(zip(header, line.split(","))) for line in lines[1:] if line]
        return {row["svname"]: {"status": row["status"], "served": int(row["stot"] or 0)}
                for row in rows if row["pxname"] == "arrival_apps"
                and row["svname"] not in ("BACKEND", "FRONTEND")}

    def _watch(self) -> None:
        last: dict[str, str] = {}
        while self._watching.is_set():
            for server, row in self.servers().items():
                state = row["status"].split()[0]  # "UP", "DOWN", "UP 1/2", "DOWN 1/2"
                if last.get(server) != state:
                    self.transitions.append((time.monotonic(), server, state))
                    last[server] = state
            time.sleep(0.1)

    def first(self, server: str, state: str, after: float) -> float | None:
        for moment, name, seen in self.transitions:
            if name == server and seen == state and moment >= after:
                return moment
        return None


# --- the load ---------------------------------------------------------------------------------


SYLLABLES = ["bar", "dim", "gol", "kus", "lev", "mor", "nat", "pir", "sol", "tur", "vel", "zor"]


def family_name(number: int) -> str:
    """Distinct, pronounceable names (12**4 of them): no two households of a run
    look alike."""
    parts = []
    for _ in range(4):
        number, digit = divmod(number, len(SYLLABLES))
        parts.append(SYLLABLES[digit])
    return "".join(parts).capitalize() + "enko"


def household(number: int) -> dict:
    name = family_name(number)

    def person(relation, given, sex, born):
        return {"relation": relation, "family_name": name, "given_names": given, "sex": sex,
                "date_of_birth": born, "nationality": "UKR", "document": {"type": "none"}}

    year, month, day = 1970 + number % 20, 1 + number % 9, 10 + number % 10
    return {"arrival_point": "main_station",
            # Synthetic families: should two still look alike, register them anyway.
            "duplicate_reason": "cluster test: synthetic families",
            "persons": [person("head", "Olena", "female", f"{year}-0{month}-{day}"),
                        person("spouse", "Andrii", "male", f"{year - 1}-1{number % 3}-0{month}"),
                        person("child", "Taras", "male", f"{2008 + number % 8}-02-02"),
                        person("child", "Sofiia", "female", f"{2012 + number % 8}-03-03")]}


PERSONS_PER_HOUSEHOLD = 4
LOSE_EVERY = 4  # every 4th registration of a tablet loses its first answer


@dataclass
class Outcome:
    """One logical request a client wanted answered, with every attempt it took."""
    kind: str
    key: str
    started: float
    attempts: list[int] = field(default_factory=list)  # statuses, FAILED or LOST
    finished: float = 0.0

    @property
    def answered(self) -> bool:
        return bool(self.attempts) and self.attempts[-1] not in UNANSWERED


class Load:
    """Clients that keep sending until told to stop, each request retried with the
    same idempotency key (the offline queue, the outbox) until it is answered."""

    def __init__(self, proxy_port: int, run: str, retry_for: float = 45.0):
        self.port, self.run, self.retry_for = proxy_port, run, retry_for
        self.outcomes: list[Outcome] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.numbers = iter(range(10_000, 10**9))

    def _send(self, outcome: Outcome, attempt) -> Outcome:
        deadline = outcome.started + self.retry_for
        while True:
            status, body = attempt()
            outcome.attempts.append(status)
            if status not in UNANSWERED or time.monotonic() > deadline:
                break
            time.sleep(0.5 if status == LOST else 0.2)
        outcome.finished = time.monotonic()
        with self.lock:
            self.outcomes.append(outcome)
        return outcome

    def register(self, tablet: Tablet, lose_first_answer: bool = False
                 ) -> tuple[Outcome, dict | None]:
        """One household, sent until answered with the same key and body. With
        `lose_first_answer` the tablet hangs up after its first send: the server
        registers the household, and only the idempotency record can tell the
        repeat that it is already there."""
        with self.lock:
            number = next(self.numbers)
        key = f"cluster-{self.run}-{number}"
        payload = household(number)
        outcome = Outcome("registration", key, time.monotonic())
        answer: dict = {}

        def attempt():
            headers = {"Idempotency-Key": key}
            if lose_first_answer and not outcome.attempts:
                return tablet.post_and_hang_up("/api/v1/households", payload, headers), b""
            status, body = tablet.post_json("/api/v1/households", payload, headers)
            if status in (200, 201):
                answer.update(json.loads(body))
            return status, body

        self._send(outcome, attempt)
        return outcome, answer or None

    def scan_online(self, tablet: Tablet, card: str, point: str) -> Outcome:
        """The station page sends a scan again when the answer did not come; a SIM
        card is handed out once per person, so a repeat can only be refused."""
        outcome = Outcome("scan", card, time.monotonic())
        return self._send(outcome, lambda: tablet.post_json("/api/v1/scan", {
            "code": card, "service_type": "sim_card", "point": point}))

    def scan_offline(self, tablet: Tablet, card: str, point: str, number: int) -> Outcome:
        key = f"cluster-offline-{self.run}-{point}-{number}"
        scanned_at = clock.now().isoformat()  # the station's time of the scan
        outcome = Outcome("offline_scan", key, time.monotonic())
        return self._send(outcome, lambda: tablet.post_json("/api/v1/scan/offline", {
            "code": card, "service_type": "seen", "point": point, "scanned_at": scanned_at},
            {"Idempotency-Key": key}))

    def intake_client(self, tablet: Tablet) -> None:
        sent = 0
        while not self.stop.is_set():
            sent += 1
            self.register(tablet, lose_first_answer=sent % LOSE_EVERY == 0)

    def station_client(self, tablet: Tablet, cards: list[str], point: str) -> None:
        index = 0
        while not self.stop.is_set():
            self.scan_online(tablet, cards[index % len(cards)], point)
            index += 1

    def offline_client(self, tablet: Tablet, cards: list[str], point: str) -> None:
        number = 0
        while not self.stop.is_set():
            self.scan_offline(tablet, cards[number % len(cards)], point, number)
            number += 1


def issue_card(tablet: Tablet, person_id: str) -> str:
    for _ in range(50):
        status, body = tablet.post_json(f"/api/v1/persons/{person_id}/cards", {})
        if status == 201:
            return json.loads(body)["number"]
        time.sleep(0.2)
    raise SetupFailed(f"issuing a card: {status} {body[:200]!r}")


# --- the checks -------------------------------------------------------------------------------


@dataclass
class Check:
    name: str
    passed: bool
    detail: str


def check_login_limit_shared(a: Instance, b: Instance, run: str) -> Check:
    username = f"limit-{run}"
    statuses = [Tablet(a.port).login_attempt(username, f"wrong-{i}") for i in range(5)]
    statuses.append(Tablet(b.port).login_attempt(username, "wrong-5"))
    passed = statuses == [401] * 5 + [429]
    return Check("login limit shared across instances", passed,
                 f"5 wrong passwords on A, the 6th on B: {statuses} (expected 401×5, 429)")


def check_forwarded_for(proxy: Proxy, database: str, run: str) -> Check:
    """A client cannot pass itself off as another address: the proxy replaces its
    X-Forwarded-For, and the app (TRUSTED_PROXIES=1) records the proxy's word."""
    username = f"forwarded-{run}"
    Tablet(proxy.port).login_attempt(username, "wrong", {"X-Forwarded-For": "203.0.113.9"})
    engine = sa.create_engine(database)
    with engine.connect() as connection:
        addresses = list(connection.scalars(sa.text(
            "SELECT client_addr FROM audit_event WHERE action = 'login_failed' "
            "AND username = :name"), {"name": username}))
    engine.dispose()
    passed = addresses == [LOOPBACK]
    return Check("X-Forwarded-For set by the proxy", passed,
                 f"forged 203.0.113.9 through the proxy, audit log recorded {addresses}")


def count_in_database(database: str, load: Load, card_holders: dict[str, str]) -> dict:
    engine = sa.create_engine(database)
    registrations = [o for o in load.outcomes if o.kind == "registration"]
    keys = [o.key for o in registrations]
    offline_keys = [o.key for o in load.outcomes if o.kind == "offline_scan"]
    with engine.connect() as connection:
        claimed = dict(connection.execute(sa.text(
            "SELECT key, household_id FROM idempotency_record WHERE key LIKE :prefix"),
            {"prefix": f"cluster-{load.run}-%"}).all())
        sizes = dict(connection.execute(sa.text(
            "SELECT h.id, count(p.id) FROM household h JOIN person p ON p.household_id = h.id "
            "GROUP BY h.id")).all())
        # Each family name belongs to one intended household: a second household
        # with it would be a duplicate, whatever the idempotency records say.
        names = Counter(connection.scalars(sa.text(
            "SELECT DISTINCT p.family_name || '/' || p.household_id FROM person p")))
        sim_cards = Counter(connection.scalars(sa.text(
            "SELECT c.number FROM delivery d JOIN card c ON c.id = d.card_id "
            "WHERE d.service_type = 'sim_card'")))
        offline = Counter(connection.scalars(sa.text(
            "SELECT idempotency_key FROM offline_delivery WHERE idempotency_key LIKE :prefix"),
            {"prefix": f"cluster-offline-{load.run}-%"}))
    engine.dispose()
    households_by_name = Counter(entry.split("/")[0] for entry in names)
    intended_names = {family_name(int(key.rsplit("-", 1)[1])) for key in keys}
    lost = [key for key in keys if claimed.get(key) is None]
    duplicated = sum(count - 1 for name, count in households_by_name.items()
                     if name in intended_names and count > 1)
    incomplete = [key for key in keys if claimed.get(key) is not None
                  and sizes.get(claimed[key]) != PERSONS_PER_HOUSEHOLD]
    return {
        "households_intended": len(keys),
        "households_created": len({claimed[k] for k in keys if claimed.get(k) is not None}),
        "households_lost": len(lost), "households_duplicated": duplicated,
        "households_incomplete": len(incomplete),
        "sim_cards_per_holder": dict(Counter(sim_cards.get(card, 0) for card in card_holders)),
        "offline_scans_intended": len(offline_keys),
        "offline_scans_recorded": sum(1 for key in offline_keys if offline.get(key)),
        "offline_scans_duplicated": sum(count - 1 for count in offline.values() if count > 1),
    }


# --- the nightly job on both servers ----------------------------------------------------------

NIGHTLY = """
import sys, time
from pathlib import Path
from app import app  # built from this server's environment
ready, go = Path(sys.argv[1]), Path(sys.argv[2])
ready.touch()
while not go.exists():
    time.sleep(0.002)
with app.app_context():
    app.cli.main(args=["sitrep", "generate"], prog_name="flask")
"""


def nightly_report_on_both(instances: list[Instance], work: Path, database: str) -> Check:
    """What cron starts at the same minute on every server: `flask sitrep generate`.
    Both processes load the application first, then start together."""
    go = work / "nightly-go"
    runs = []
    for instance in instances:
        ready = work / f"nightly-ready-{instance.name}"
        runs.append((ready, subprocess.Popen(
            [sys.executable, "-c", NIGHTLY, str(ready), str(go)], cwd=ROOT, env=instance.env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)))
    wait_until(lambda: all(ready.exists() or process.poll() is not None
                           for ready, process in runs), 120, "the nightly jobs did not load")
    go.touch()
    results = []
    for _ready, process in runs:
        output, _ = process.communicate(timeout=180)
        results.append((process.returncode, output.strip().splitlines()[-1:] or [""]))
    engine = sa.create_engine(database)
    with engine.connect() as connection:
        done = connection.scalar(sa.text("SELECT count(*) FROM report_run WHERE status = 'done'"))
        # The start refused by the lock leaves no run behind: nothing may read "failed".
        failed = connection.scalar(sa.text(
            "SELECT count(*) FROM report_run WHERE status = 'failed'"))
    engine.dispose()
    folders = sum(1 for instance in instances
                  for path in Path(instance.env["SITREP_DIR"]).glob("*")
                  if path.is_dir() and not path.name.startswith("."))
    codes = sorted(code for code, _ in results)
    passed = codes == [0, 3] and done == 1 and failed == 0 and folders == 1
    return Check("nightly report started on both runs once", passed,
                 f"exit codes {codes} (expected 0 and 3: lock held by the other), "
                 f"runs done {done}, failed {failed} (expected 1 and 0), report folders {folders}; "
                 + " | ".join(f"{code}: {line[0][:100]}" for code, line in results))


# --- the run ----------------------------------------------------------------------------------


def figures_of(load: Load, killed_at: float, proxy: Proxy, load_started: float,
               load_ended: float) -> dict:
    outcomes = [o for o in load.outcomes if o.started >= load_started]
    attempts = sum(len(o.attempts) for o in outcomes)
    failed_first = [o for o in outcomes if o.attempts and o.attempts[0] in RETRYABLE | {FAILED}]
    registrations = [o for o in outcomes if o.kind == "registration"]
    unanswered = [o for o in outcomes if not o.answered]
    refused = Counter(o.attempts[-1] for o in outcomes
                      if o.answered and o.attempts[-1] >= 400 and o.attempts[-1] != 409)
    elapsed = load_ended - load_started
    last_failure = max((o.started for o in failed_first), default=killed_at)
    down = proxy.first("app1", "DOWN", killed_at)
    return {
        "load_seconds": round(elapsed, 1),
        "requests": attempts,
        "requests_per_s": round(attempts / elapsed, 1) if elapsed else 0,
        "logical_requests": len(outcomes),
        "before_the_load": len(load.outcomes) - len(outcomes),  # the card holders' households
        "by_kind": dict(Counter(o.kind for o in outcomes)),
        "failed_at_first_attempt": len(failed_first),
        "first_attempt_failures": dict(Counter(o.attempts[0] for o in failed_first)),
        "retried_and_answered": sum(1 for o in failed_first if o.answered),
        "answers_lost_on_purpose": sum(1 for o in registrations if o.attempts[0] == LOST),
        # 200, not 201: "already registered with this key" (the first send's household)
        "answered_by_idempotency_record": sum(1 for o in registrations if o.attempts[-1] == 200),
        "errors_after_retry": len(unanswered) + sum(refused.values()),
        "refused_answers": {str(k): v for k, v in refused.items()},
        "seconds_clients_saw_failures_after_kill": round(max(0.0, last_failure - killed_at), 2),
        # Recovered, as a client sees it: the last request that failed has its answer.
        "seconds_until_failed_requests_answered": round(max(
            (o.finished for o in failed_first), default=killed_at) - killed_at, 2),
        "seconds_until_proxy_took_a_out": round(down - killed_at, 2) if down else None,
    }


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 1)


def latencies(load: Load, load_started: float) -> dict:
    """Milliseconds of the requests answered at their first attempt, per kind."""
    samples: dict[str, list[float]] = {}
    for o in load.outcomes:
        if o.started >= load_started and len(o.attempts) == 1 and o.answered:
            samples.setdefault(o.kind, []).append((o.finished - o.started) * 1000)
    return {kind: {"n": len(values), "p50": percentile(values, 0.5),
                   "p95": percentile(values, 0.95)} for kind, values in samples.items()}


def floor_ms(port: int, tablet: Tablet, repeat: int = 20) -> float:
    """The empty authenticated route through the proxy, without load: the unit the
    figures are given in besides milliseconds (it moves with the machine)."""
    samples = []
    for _ in range(repeat):
        started = time.monotonic()
        tablet.request("GET", "/api/v1/me")
        samples.append((time.monotonic() - started) * 1000)
    return percentile(samples, 0.5)


def run(args) -> int:
    run_id = secrets.token_hex(4)
    server = server_url(args.database_server)
    name = f"arrival_cluster_{run_id}"
    work = Path(tempfile.mkdtemp(prefix=f"arrival-cluster-{run_id}-"))
    started = time.monotonic()
    redis_prefix = f"arrival-cluster-{run_id}"
    instances: list[Instance] = []
    proxy: Proxy | None = None
    checks: list[Check] = []
    result: dict = {"run": run_id, "work_dir": str(work)}
    print(f"cluster-test {run_id}: scratch database {name}, logs in {work}", flush=True)
    created = False
    try:
        database = create_database(server, name)
        created = True
        tablets, stations, offline_stations = args.tablets, args.stations, args.offline_stations
        accounts = {"intake": "intake",
                    **{f"station{i}": "service_point" for i in range(stations)},
                    **{f"offline{i}": "service_point" for i in range(offline_stations)},
                    f"limit-{run_id}": "intake"}
        prepare_database(database, accounts)
        secret = secrets.token_hex(32)  # one secret for all servers: cookies, CSRF tokens
        for label in ("a", "b"):
            port = free_port()
            env = {**os.environ, "ARRIVAL_ENV": "production", "DATABASE_URL": database,
                   "SECRET_KEY": secret, "RATELIMIT_STORAGE_URI": args.redis,
                   "RATELIMIT_KEY_PREFIX": redis_prefix, "TRUSTED_PROXIES": "1",
                   # Plain HTTP on loopback: the cookies cannot be marked Secure.
                   "SESSION_COOKIE_SECURE": "0", "HSTS_MAX_AGE": "0",
                   # The load measures the cluster; the per-station scan limit would
                   # only turn throughput into 429s (the login limit shows the sharing).
                   "SCAN_RATE_LIMIT": "100000 per minute",
                   "SITREP_DIR": str(work / f"reports-{label}"), "LOG_LEVEL": "WARNING",
                   "ARRIVAL_BIND": f"{LOOPBACK}:{port}", "WEB_CONCURRENCY": str(args.workers),
                   "ARRIVAL_ACCESS_LOG": "", "ARRIVAL_GUNICORN_LOG_LEVEL": "warning"}
            for variable in ("ARRIVAL_TEST_DATABASE_URL", "MIGRATION_DATABASE_URL",
                             "SITREP_DROP_DIR"):
                env.pop(variable, None)
            instances.append(Instance(label, port, env, work / f"gunicorn-{label}.log"))
        a, b = instances
        for instance in instances:
            instance.start()
        proxy = Proxy(free_port(), free_port(), instances, work / "haproxy.log")
        proxy.start()
        boot = wait_until(lambda: a.healthy() and b.healthy(), 120,
                          "the app servers did not start")
        wait_until(lambda: all(s["status"] == "UP" for s in proxy.servers().values())
                   and len(proxy.servers()) == 2, 30, "haproxy did not see both servers up")
        result["boot_seconds"] = round(boot, 1)
        print(f"  both servers up after {boot:.1f} s, proxy on {LOOPBACK}:{proxy.port}", flush=True)

        checks.append(check_login_limit_shared(a, b, run_id))
        checks.append(check_forwarded_for(proxy, database, run_id))

        # Card holders: the adults of a few households registered through the proxy.
        load = Load(proxy.port, run_id)
        intake = Tablet(proxy.port)
        intake.login("intake")
        holders: dict[str, str] = {}
        for _ in range(args.card_households):
            outcome, answer = load.register(intake)
            if answer is None:
                raise SetupFailed(f"registering a card household: {outcome.attempts}")
            for person in answer["persons"][:2]:
                holders[issue_card(intake, person["id"])] = person["id"]
        cards = sorted(holders)

        clients = []
        for _ in range(tablets):
            tablet = Tablet(proxy.port)
            tablet.login("intake")
            clients.append(threading.Thread(target=load.intake_client, args=(tablet,)))
        for i in range(stations):
            tablet = Tablet(proxy.port)
            tablet.login(f"station{i}")
            share = cards[i::stations]
            clients.append(threading.Thread(target=load.station_client,
                                            args=(tablet, share, f"Ausgabe {i}")))
        for i in range(offline_stations):
            tablet = Tablet(proxy.port)
            tablet.login(f"offline{i}")
            clients.append(threading.Thread(target=load.offline_client,
                                            args=(tablet, cards, f"Offline {i}")))
        load_started = time.monotonic()
        for client in clients:
            client.start()
        print(f"  load: {tablets} intake tablets, {stations} scan stations, "
              f"{offline_stations} offline stations; killing A after {args.kill_after:.0f} s",
              flush=True)
        time.sleep(args.kill_after)
        killed_at = time.monotonic()
        a.kill()
        print("  A killed (SIGKILL to master and workers)", flush=True)
        # Restarted once the proxy has taken it out (arrival-web.service: RestartSec=5):
        # a master that is listening again before its workers have loaded the app
        # would be sent requests that wait for the boot.
        wait_until(lambda: proxy.first("app1", "DOWN", killed_at) is not None, 30,
                   "the proxy did not take the killed server A out")
        time.sleep(args.restart_after)
        restarted_at = time.monotonic()
        a.start()
        wait_until(lambda: proxy.first("app1", "UP", restarted_at) is not None, 120,
                   "the restarted server A did not come back into the proxy")
        back_at = proxy.first("app1", "UP", restarted_at)
        served_before = proxy.servers()["app1"]["served"]
        remaining = args.seconds - (time.monotonic() - load_started)
        time.sleep(max(remaining, 3.0))  # A serves again under load
        load.stop.set()
        for client in clients:
            client.join(timeout=120)
        load_ended = time.monotonic()
        servers = proxy.servers()

        figures = figures_of(load, killed_at, proxy, load_started, load_ended)
        figures["seconds_until_a_back_after_restart"] = round(back_at - restarted_at, 1)
        figures["latency_ms"] = latencies(load, load_started)
        floor = figures["floor_ms"] = floor_ms(proxy.port, intake)
        figures["latency_multiple_of_floor"] = {
            kind: round(row["p50"] / floor, 1) for kind, row in figures["latency_ms"].items()}
        figures["served_by"] = {name: row["served"] for name, row in servers.items()}
        figures["a_served_after_restart"] = servers["app1"]["served"] - served_before
        counts = count_in_database(database, load, holders)
        figures.update(counts)
        figures["card_holders"] = len(holders)
        result["figures"] = figures
        checks.append(Check("errors seen by clients after retry",
                            figures["errors_after_retry"] == 0,
                            f"{figures['errors_after_retry']} of {figures['logical_requests']} "
                            f"(failed at first attempt: {figures['failed_at_first_attempt']}, "
                            f"{figures['first_attempt_failures']}; refused: "
                            f"{figures['refused_answers']})"))
        checks.append(Check("the kill really hit requests in flight",
                            figures["failed_at_first_attempt"] > 0 or figures[
                                "seconds_until_proxy_took_a_out"] is not None,
                            f"{figures['failed_at_first_attempt']} failed at first attempt, "
                            "proxy took A out after "
                            f"{figures['seconds_until_proxy_took_a_out']} s"))
        checks.append(Check(
            "households: 0 lost, 0 duplicated",
            counts["households_lost"] == 0 and counts["households_duplicated"] == 0
            and counts["households_incomplete"] == 0
            and counts["households_created"] == counts["households_intended"],
            f"intended {counts['households_intended']}, created {counts['households_created']}, "
            f"lost {counts['households_lost']}, duplicated {counts['households_duplicated']}, "
            f"not {PERSONS_PER_HOUSEHOLD} persons {counts['households_incomplete']}"))
        checks.append(Check(
            "repeats answered from the idempotency record",
            figures["answered_by_idempotency_record"] > 0,
            f"{figures['answered_by_idempotency_record']} registrations answered 200 (already "
            f"registered with this key) after {figures['answers_lost_on_purpose']} answers "
            "were lost on purpose"))
        checks.append(Check("one SIM card per card holder",
                            counts["sim_cards_per_holder"] == {1: len(holders)},
                            f"SIM cards per holder → holders: {counts['sim_cards_per_holder']} "
                            f"({len(holders)} holders, each scanned again and again)"))
        checks.append(Check(
            "offline scans: each recorded once",
            counts["offline_scans_recorded"] == counts["offline_scans_intended"]
            and counts["offline_scans_duplicated"] == 0,
            f"sent {counts['offline_scans_intended']}, recorded "
            f"{counts['offline_scans_recorded']}, duplicated {counts['offline_scans_duplicated']}"))
        checks.append(Check("A back in service after the restart",
                            figures["a_served_after_restart"] > 0,
                            f"back in the proxy {figures['seconds_until_a_back_after_restart']} s "
                            f"after its restart, then served {figures['a_served_after_restart']}"))
        checks.append(nightly_report_on_both(instances, work, database))
    except SetupFailed as error:
        checks.append(Check("cluster set up", False, str(error)))
        result["setup_failed"] = True
    finally:
        if proxy is not None:
            proxy.stop()
        for instance in instances:
            instance.stop()
        if created:
            try:
                drop_database(server, name)
            except sa.exc.SQLAlchemyError as error:
                print(f"  could not drop {name}: {error}", file=sys.stderr)
        forget_limit_counters(args.redis, redis_prefix)
    result["checks"] = [{"name": c.name, "passed": c.passed, "detail": c.detail} for c in checks]
    result["total_seconds"] = round(time.monotonic() - started, 1)
    report(result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    if result.get("setup_failed"):
        return 2
    return 0 if checks and all(c.passed for c in checks) else 1


def forget_limit_counters(redis_url: str, prefix: str) -> None:
    try:
        import redis

        client = redis.Redis.from_url(redis_url, socket_timeout=2)
        for key in client.scan_iter(f"*{prefix}*"):
            client.delete(key)
    except Exception as error:  # noqa: BLE001 — they expire within 10 minutes anyway
        print(f"  limit counters left in Redis: {error}", file=sys.stderr)


def report(result: dict) -> None:
    figures = result.get("figures")
    if figures:
        print(f"requests: {figures['requests']} in {figures['load_seconds']} s "
              f"({figures['requests_per_s']} req/s), {figures['logical_requests']} to answer "
              f"({figures['by_kind']}), served by {figures['served_by']}")
        print(f"failed at first attempt: {figures['failed_at_first_attempt']} "
              f"{figures['first_attempt_failures']}, retried and answered: "
              f"{figures['retried_and_answered']}; registration answers lost on purpose: "
              f"{figures['answers_lost_on_purpose']}, repeats answered from the idempotency "
              f"record: {figures['answered_by_idempotency_record']}")
        print(f"errors seen by clients after retry: {figures['errors_after_retry']}")
        print("p50 / p95 ms under load (first attempts): " + ", ".join(
            f"{kind} {row['p50']} / {row['p95']} ({figures['latency_multiple_of_floor'][kind]}"
            "× floor)" for kind, row in figures["latency_ms"].items())
            + f"; floor (GET /api/v1/me through the proxy, idle) {figures['floor_ms']} ms")
        print(f"households created vs intended: {figures['households_created']} / "
              f"{figures['households_intended']} (lost {figures['households_lost']}, "
              f"duplicated {figures['households_duplicated']})")
        print("recovery: clients saw failures for "
              f"{figures['seconds_clients_saw_failures_after_kill']} s "
              f"after the kill, every failed request answered after "
              f"{figures['seconds_until_failed_requests_answered']} s; the proxy took A out after "
              f"{figures['seconds_until_proxy_took_a_out']} s; A back "
              f"{figures['seconds_until_a_back_after_restart']} s after its restart")
    for check in result["checks"]:
        print(f"[{'ok' if check['passed'] else 'FAILED'}] {check['name']}: {check['detail']}")
    print(f"cluster-test: {'passed' if all(c['passed'] for c in result['checks']) else 'FAILED'}"
          f" in {result['total_seconds']} s")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-server", default=None,
                        help="PostgreSQL server URL (default TEST_DATABASE_URL, else "
                             f"{DEFAULT_SERVER}); a scratch database is created on it")
    parser.add_argument("--redis", default=os.environ.get("CLUSTER_REDIS_URL",
                                                          "redis://127.0.0.1:6379/0"))
    parser.add_argument("--seconds", type=float, default=25, help="length of the load")
    parser.add_argument("--kill-after", type=float, default=7)
    parser.add_argument("--restart-after", type=float, default=1,
                        help="seconds from the proxy taking A out to A's restart")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--tablets", type=int, default=4)
    parser.add_argument("--stations", type=int, default=2)
    parser.add_argument("--offline-stations", type=int, default=2)
    parser.add_argument("--card-households", type=int, default=6)
    parser.add_argument("--json", default=None, help="also write the result to this file")
    args = parser.parse_args(argv)
    if urllib.parse.urlsplit(args.redis).hostname not in ("localhost", LOOPBACK):
        parser.error("--redis must be on loopback")
    try:
        return run(args)
    except SetupFailed as error:
        print(f"cluster-test: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
