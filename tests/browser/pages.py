"""What the browser tests work with: screen sizes, the main pages, the demo
accounts, and a Visitor — one person at one device, who opens pages, signs in,
reads the menu, presses keys, and has the page checked by axe-core."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import Page, Response

from arrival.demo.operations import DEMO_ACCOUNTS

PROJECT_ROOT = Path(__file__).resolve().parents[2]
AXE_SCRIPT = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = PROJECT_ROOT / "tests" / "artifacts" / "screenshots"
# Where a page fetches axe-core from when it runs under the app's own policy.
AXE_PATH = "/__axe-core__/axe.min.js"

DEMO_PASSWORDS = {account.username: account.password for account in DEMO_ACCOUNTS}

# The idle timeout of the second live server (idle_timeout_server in conftest.py).
IDLE_TIMEOUT = timedelta(seconds=2)

# WCAG 2.5.5 (AAA) / the app's own rule (--touch in app.css): fingers need 44 CSS px.
MIN_TOUCH_TARGET = 44


@dataclass(frozen=True)
class Size:
    width: int
    height: int
    touch: bool

    @property
    def label(self) -> str:
        return f"{self.width}x{self.height}"

    def __str__(self) -> str:  # the test id
        return self.label


TABLET_LANDSCAPE = Size(1024, 768, touch=True)
TABLET_PORTRAIT = Size(768, 1024, touch=True)
DESKTOP = Size(1366, 900, touch=False)
TABLET_SIZES = (TABLET_LANDSCAPE, TABLET_PORTRAIT)
ALL_SIZES = (*TABLET_SIZES, DESKTOP)


@dataclass(frozen=True)
class MainPage:
    """A page every release must show well: where it is, who opens it, what it answers.

    `path` may name a demo account's id as {id[username]}.
    """

    name: str
    path: str
    account: str | None = None
    status: int = 200
    heading: str | None = None

    def __str__(self) -> str:  # the test id
        return self.name


MAIN_PAGES = (
    MainPage("login", "/login", heading="Anmelden"),
    MainPage("start-admin", "/", "admin", heading="Willkommen, Ada Admin"),
    MainPage("start-intake", "/", "intake", heading="Willkommen, Ines Intake"),
    MainPage("start-caseworker", "/", "jugendamt", heading="Willkommen, Julia Jugendamt"),
    MainPage("accounts", "/admin/users/", "admin", heading="Konten"),
    MainPage("account-new", "/admin/users/new", "admin", heading="Neues Konto"),
    MainPage("account-edit", "/admin/users/{id[intake]}", "admin", heading="Konto intake"),
    MainPage("audit-log", "/admin/audit/", "admin", heading="Protokoll"),
    MainPage("change-password", "/account/password", "intake", heading="Passwort ändern"),
    MainPage("error-403", "/admin/users/", "intake", status=403, heading="Zugriff verweigert"),
    MainPage("error-404", "/no-such-page", "intake", status=404, heading="Seite nicht gefunden"),
    # The pages of journeys 1–6 that open without data of their own (the journeys
    # check the others — household, beds, station answer, case — with their data).
    MainPage("household-new", "/households/new", "intake", heading="Haushalt registrieren"),
    MainPage("station", "/services/station?service=sim_card&point=Infotheke", "service",
             heading="SIM-Karte · Infotheke"),
    MainPage("queue", "/cases/", "jugendamt", heading="Klärungsliste · Jugendamt"),
    MainPage("dashboard", "/dashboard/", "coordinator", heading="Lage · jetzt"),
    MainPage("reports", "/reports/", "coordinator", heading="Lageberichte"),
    # data protection (issue 20)
    MainPage("privacy", "/privacy/?q=Shevchenko", "datenschutz", heading="Datenschutz"),
    MainPage("privacy-record", "/privacy/record", "datenschutz",
             heading="Verzeichnis von Verarbeitungstätigkeiten (Art. 30)"),
)


def main_pages(*names: str) -> list[MainPage]:
    """The main pages of these names (a typo fails at collection)."""
    found = [page for page in MAIN_PAGES if page.name in names]
    assert len(found) == len(names), f"unknown main page among {names}"
    return found


# Elements a finger must hit: everything in the top bar, form controls, buttons,
# start-page tiles and pager links. Links inside running text are exempt (WCAG 2.5.8).
TOUCH_TARGETS = ", ".join([
    ".topbar a", ".topbar button",
    "main input:not([type=hidden])", "main select", "main textarea", "main button",
    "main .button", "main .tile", "main .pager a",
])

_JS_VISIBLE = """
el => {
  const style = getComputedStyle(el);
  return el.getClientRects().length > 0 && style.visibility !== 'hidden'
    && style.display !== 'none';
}
"""

_JS_TARGET_BOXES = f"""
(selector) => {{
  const visible = {_JS_VISIBLE};
  // A checkbox or radio button is also hit through its labels: the target is the
  // box around both (a label elsewhere on the page does not count).
  const hitBox = el => {{
    const box = el.getBoundingClientRect();
    if (!['checkbox', 'radio'].includes(el.type)) return box;
    let [left, top, right, bottom] = [box.left, box.top, box.right, box.bottom];
    for (const label of Array.from(el.labels || []).filter(visible)) {{
      const near = label.getBoundingClientRect();
      if (near.left - right > 16 || left - near.right > 16) continue;
      [left, top] = [Math.min(left, near.left), Math.min(top, near.top)];
      [right, bottom] = [Math.max(right, near.right), Math.max(bottom, near.bottom)];
    }}
    return {{width: right - left, height: bottom - top}};
  }};
  return Array.from(document.querySelectorAll(selector)).filter(visible).map(el => {{
    const box = hitBox(el);
    const name = (el.getAttribute('aria-label') || el.value || el.textContent || '').trim();
    return {{element: `<${{el.tagName.toLowerCase()}}> ${{name.slice(0, 40)}}`,
             width: box.width, height: box.height}};
  }});
}}
"""

_JS_UNLABELLED_CONTROLS = f"""
() => {{
  const visible = {_JS_VISIBLE};
  const named = el => {{
    if (['submit', 'button', 'reset'].includes(el.type) && (el.value || '').trim()) return true;
    if ((el.getAttribute('aria-label') || '').trim()) return true;
    const ids = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
    if (ids.some(id => (document.getElementById(id)?.textContent || '').trim())) return true;
    return Array.from(el.labels || []).some(label => label.textContent.trim());
  }};
  return Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))
    .filter(visible).filter(el => !named(el)).map(el => el.outerHTML.slice(0, 160));
}}
"""

_JS_FOCUSED = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(), id: el.id, classes: el.className,
    text: (el.getAttribute('aria-label') || el.value || el.textContent || '').trim().slice(0, 40),
    outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) || 0,
    top: box.top, bottom: box.bottom, inMain: !!el.closest('main'),
  };
}
"""

_JS_AXE = """
async () => {
  const results = await axe.run(document, {resultTypes: ['violations']});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5),
  }));
}
"""


def _same_element(a: dict, b: dict) -> bool:
    return all(a[key] == b[key] for key in ("tag", "id", "classes", "text"))


@dataclass(frozen=True)
class Violation:
    id: str
    impact: str | None
    help: str
    nodes: list[str]

    @property
    def serious(self) -> bool:
        return self.impact in ("serious", "critical")

    def __str__(self) -> str:
        return f"[{self.impact}] {self.id}: {self.help} — {', '.join(self.nodes)}"


class Visitor:
    """One person at one device (a browser context) using the live application."""

    def __init__(self, page: Page, size: Size, user_ids: dict[str, int]):
        self.page = page
        self.size = size
        self._user_ids = user_ids
        self._axe_routed = False

    # -- navigation ---------------------------------------------------------
    def open(self, path: str) -> Response:
        response = self.page.goto(path.format(id=self._user_ids))
        assert response is not None, f"no response for {path}"
        return response

    @property
    def path(self) -> str:
        return urlparse(self.page.url).path

    def sign_in(self, username: str, password: str | None = None) -> None:
        self.open("/login")
        self.fill_sign_in_form(username, password or DEMO_PASSWORDS[username])
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Anmelden", exact=True).click()
        assert self.path != "/login", (
            f"signing in as {username} failed: {self.page.locator('main').inner_text()}"
        )

    def fill_sign_in_form(self, username: str, password: str) -> None:
        self.page.get_by_label("Benutzername", exact=True).fill(username)
        self.page.get_by_label("Passwort", exact=True).fill(password)

    def sign_out(self) -> None:
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Abmelden", exact=True).click()

    # -- reading ------------------------------------------------------------
    @property
    def heading(self) -> str:
        return self.page.get_by_role("heading", level=1).inner_text().strip()

    @property
    def flashes(self) -> list[str]:
        return [text.strip() for text in self.page.locator(".flash").all_inner_texts()]

    @property
    def menu(self) -> list[str]:
        menu = self.page.get_by_role("navigation", name=re.compile("Hauptmenü|Main menu"))
        if not menu.count():
            return []
        return [text.strip() for text in menu.get_by_role("link").all_inner_texts()]

    @property
    def html_lang(self) -> str | None:
        return self.page.locator("html").get_attribute("lang")

    def overflows_sideways(self) -> bool:
        return self.page.evaluate(
            "() => document.documentElement.scrollWidth > window.innerWidth"
        )

    def small_touch_targets(self) -> list[str]:
        boxes = self.page.evaluate(_JS_TARGET_BOXES, TOUCH_TARGETS)
        return [
            f"{box['element']} ({box['width']:.0f}×{box['height']:.0f})"
            for box in boxes
            if box["width"] < MIN_TOUCH_TARGET - 0.5 or box["height"] < MIN_TOUCH_TARGET - 0.5
        ]

    def unlabelled_controls(self) -> list[str]:
        return self.page.evaluate(_JS_UNLABELLED_CONTROLS)

    # -- keyboard -----------------------------------------------------------
    def press(self, key: str) -> dict | None:
        """Press a key; returns what has the focus afterwards (None: the page itself)."""
        self.page.keyboard.press(key)
        return self.focused()

    def focused(self) -> dict | None:
        return self.page.evaluate(_JS_FOCUSED)

    def tab_through(self, limit: int = 60) -> list[dict]:
        """Every element Tab reaches, once each, going round the page until the
        first one comes again (an autofocus field may be the starting point)."""
        reached: list[dict] = []
        for _ in range(limit):
            focused = self.press("Tab")
            if focused is None:  # past the end: the next Tab starts at the top
                continue
            if reached and _same_element(focused, reached[0]):
                break
            reached.append(focused)
        return reached

    # -- evidence -----------------------------------------------------------
    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}-{self.size.label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def axe_violations(self) -> list[Violation]:
        """Runs axe-core on the current page. Needs a context opened with bypass_csp
        (see the `visit` fixture), because the app allows only its own scripts."""
        self.page.add_script_tag(path=str(AXE_SCRIPT))
        return [Violation(**found) for found in self.page.evaluate(_JS_AXE)]

    def axe_violations_in_place(self) -> list[Violation]:
        """Runs axe-core on the page as it is now — a form between submits, a scan
        answer — under the app's real policy: the script is served from the app's
        own origin (a route of this page, never reaching the server), which
        script-src 'self' allows. No bypass_csp context is needed."""
        if not self._axe_routed:
            self.page.route(f"**{AXE_PATH}", lambda route: route.fulfill(
                path=str(AXE_SCRIPT), content_type="text/javascript"))
            self._axe_routed = True
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.add_script_tag(url=AXE_PATH)
        return [Violation(**found) for found in self.page.evaluate(_JS_AXE)]

    def check_page(self, name: str) -> list[str]:
        """A full-page screenshot, then what must hold for every page in the state it
        is in: no serious or critical axe violation (minor ones are printed), no
        touch target under 44 px, no sideways scrolling. Returns the problems."""
        self.screenshot(name)
        violations = self.axe_violations_in_place()
        for minor in (v for v in violations if not v.serious):
            print(f"{name} {self.size}: {minor}")
        problems = [str(v) for v in violations if v.serious]
        problems += [f"small touch target {target}" for target in self.small_touch_targets()]
        if self.overflows_sideways():
            problems.append("the page scrolls sideways")
        return problems
