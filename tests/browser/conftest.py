"""Browser tests: the real application served on a loopback port, driven by
Debian's Chromium through Playwright.

Each live server is its own application object on its own SQLite file, migrated
and seeded with the catalogue and the demo accounts; the transaction-per-test
isolation of the other tests (tests/conftest.py) does not apply here, so tests
create what they need under names no other test uses. One browser serves the
whole session; every test gets fresh browser contexts (no shared cookies).

Nothing here is instantiated unless a browser test runs.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.browser.pages import ALL_SIZES, IDLE_TIMEOUT, TABLET_LANDSCAPE, TABLET_SIZES, Visitor

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_MISSING = f"Chromium not found at {CHROMIUM}: apt-get install chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
# Short enough that a broken page fails fast, long enough for a busy machine.
ACTION_TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=CHROMIUM_MISSING)
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _isolated_database():
    """Replaces the suite's per-test transaction: the live servers own their
    databases, and the shared test application is not needed at all."""
    yield


class LiveServer:
    """The application served by werkzeug from a background thread."""

    def __init__(self, app):
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True,
                                   request_handler=_QuietRequestHandler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name=f"live-server-{self._server.server_port}")
        self._user_ids: dict[str, int] | None = None

    def start(self) -> LiveServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        from arrival.extensions import db

        self._server.shutdown()
        self._thread.join(timeout=10)
        self._server.server_close()
        with self.app.app_context():
            db.engine.dispose()

    @property
    def user_ids(self) -> dict[str, int]:
        """Account ids by username, for pages addressed by id (read when first needed)."""
        if self._user_ids is None:
            from arrival.auth.models import User
            from arrival.extensions import db

            with self.app.app_context():
                rows = db.session.execute(sa.select(User.username, User.id)).all()
                db.session.remove()
            self._user_ids = dict(rows)
        return self._user_ids


class _QuietRequestHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # one line per request is noise here
        pass


def _start_live_server(directory: Path, **overrides) -> LiveServer:
    from flask_migrate import upgrade

    from arrival import create_app
    from arrival.catalog.operations import load_catalog
    from arrival.demo.operations import ensure_demo_accounts
    from arrival.extensions import db

    database = directory / "live.sqlite3"
    # Situation reports made in the browser go next to the database, not to instance/.
    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
                                           "SITREP_DIR": directory / "reports",
                                           "SITREP_DROP_DIR": None, **overrides})
    with app.app_context():
        upgrade()
        load_catalog(app.config["CATALOG_DIR"])
        ensure_demo_accounts()
        db.session.commit()
        db.session.remove()
    return LiveServer(app).start()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    server = _start_live_server(tmp_path_factory.mktemp("live"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def idle_timeout_server(tmp_path_factory):
    """A second live server whose sessions end after two idle seconds."""
    server = _start_live_server(tmp_path_factory.mktemp("live-idle"),
                                SESSION_IDLE_TIMEOUT=IDLE_TIMEOUT)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(CHROMIUM_MISSING)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def signed_in_state(browser):
    """The cookies of a demo account signed in through the login form, one sign-in
    per account and server for the whole session (a new context starts with them).

    Sessions age: a state is renewed well before the idle timeout could end it.
    Tests that end a session (sign out, deactivate) sign in through the form
    themselves (Visitor.sign_in) and never use these.
    """
    states: dict[tuple[str, str], tuple[float, dict]] = {}

    def state_for(server: LiveServer, username: str) -> dict:
        key = (server.url, username)
        renew_after = server.app.config["SESSION_IDLE_TIMEOUT"].total_seconds() / 3
        if key not in states or time.monotonic() - states[key][0] > renew_after:
            context = browser.new_context(base_url=server.url)
            context.set_default_timeout(ACTION_TIMEOUT_MS)
            Visitor(context.new_page(), TABLET_LANDSCAPE, {}).sign_in(username)
            states[key] = (time.monotonic(), context.storage_state())
            context.close()
        return states[key][1]

    return state_for


@pytest.fixture
def visit(browser, live_server, signed_in_state):
    """Opens a fresh browser context — a device of the given size — and returns a
    Visitor on it: visit(size, account="admin", server=..., axe=True).

    account: a demo account already signed in (see signed_in_state).
    axe=True opens the context with Playwright's bypass_csp: the app's policy is
    script-src 'self', which rightly refuses the injected axe-core script. Only
    the accessibility scans use it; every other test sees the real policy.
    """
    contexts = []

    def open_device(size=TABLET_LANDSCAPE, *, account: str | None = None,
                    server: LiveServer | None = None, axe: bool = False) -> Visitor:
        server = server or live_server
        context = browser.new_context(
            base_url=server.url,
            viewport={"width": size.width, "height": size.height},
            has_touch=size.touch, is_mobile=False, locale="de-DE",
            timezone_id="Europe/Berlin",  # the tablets are in Stuttgart, whatever the CI says
            bypass_csp=axe,
            storage_state=signed_in_state(server, account) if account else None,
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        contexts.append(context)
        return Visitor(context.new_page(), size, server.user_ids)

    yield open_device
    for context in contexts:
        context.close()


@pytest.fixture(params=ALL_SIZES, ids=str)
def size(request):
    """Tablet landscape, tablet portrait, desktop."""
    return request.param


@pytest.fixture(params=TABLET_SIZES, ids=str)
def tablet_size(request):
    return request.param


_unique = itertools.count(1)


@pytest.fixture
def unique_name():
    """A name no other test in this session uses (the live database persists)."""
    return lambda prefix: f"{prefix}{next(_unique)}"


@dataclass(frozen=True)
class Account:
    username: str
    password: str
    display_name: str


@pytest.fixture
def new_account(live_server, unique_name):
    """An account of its own for a test that changes or ends it — the demo accounts
    stay as they are for every other test: new_account("housing")."""

    def make(role: str = "intake", *, authority: str | None = None) -> Account:
        from arrival.auth import operations
        from arrival.extensions import db

        username = unique_name(role.replace("_", ""))
        account = Account(username, f"{username}-passwort-2022", f"Test {username.title()}")
        with live_server.app.app_context():
            operations.create_user(account.username, role, account.password,
                                   authority_code=authority, display_name=account.display_name)
            db.session.commit()
            db.session.remove()
        return account

    return make
