"""Journey 7, "Access": each role finds its own tools and nothing else, sessions
end when they should, and the administrator runs the accounts — in a real
browser at tablet size."""

from __future__ import annotations

import re

import pytest

from tests.browser.pages import IDLE_TIMEOUT, TABLET_LANDSCAPE, TABLET_PORTRAIT

pytestmark = pytest.mark.browser

ADMIN_ONLY_ENTRIES = {"Konten", "Protokoll"}
SESSION_EXPIRED = "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an."


def test_administrator_menu_offers_accounts_and_audit_log(visit):
    visitor = visit(TABLET_LANDSCAPE, account="admin")
    visitor.open("/")

    assert visitor.menu[0] == "Start"
    assert ADMIN_ONLY_ENTRIES <= set(visitor.menu)


@pytest.mark.parametrize("account", ["intake", "housing", "service", "coordinator", "jugendamt"])
def test_other_roles_see_no_administration_in_menu_or_tiles(visit, account):
    visitor = visit(TABLET_LANDSCAPE, account=account)
    visitor.open("/")

    assert "Start" in visitor.menu
    assert not ADMIN_ONLY_ENTRIES & set(visitor.menu)
    tiles = visitor.page.locator("main .tile").all_inner_texts()
    assert not ADMIN_ONLY_ENTRIES & set(tiles)


@pytest.mark.parametrize(("account", "path"), [
    ("intake", "/admin/users/"),
    ("intake", "/admin/audit/"),
    ("coordinator", "/admin/users/new"),
    ("jugendamt", "/admin/users/{id[intake]}"),
])
def test_direct_address_of_another_roles_page_is_refused(visit, account, path):
    visitor = visit(TABLET_PORTRAIT, account=account)

    response = visitor.open(path)

    assert response.status == 403
    assert visitor.heading == "Zugriff verweigert"
    assert visitor.page.get_by_role("link", name="Zurück zur Startseite").is_visible()
    assert visitor.page.locator("table").count() == 0


def test_refused_access_is_listed_in_the_audit_log(visit, new_account):
    person = new_account("intake")
    intruder = visit(TABLET_LANDSCAPE)
    intruder.sign_in(person.username, person.password)
    intruder.open("/admin/audit/")

    admin = visit(TABLET_LANDSCAPE, account="admin")
    admin.open("/admin/audit/")
    admin.page.get_by_label("Aktion").select_option("permission_denied")
    admin.page.get_by_label("Benutzername").fill(person.username)
    with admin.page.expect_navigation():
        admin.page.get_by_role("button", name="Filtern").click()

    rows = admin.page.locator("tbody tr").all_inner_texts()
    assert len(rows) == 1
    assert "GET /admin/audit/" in rows[0]


def test_signed_out_visitor_is_asked_to_sign_in_and_then_sees_the_page_asked_for(visit):
    visitor = visit(TABLET_PORTRAIT)

    visitor.open("/admin/audit/")
    assert visitor.path == "/login"
    visitor.fill_sign_in_form("admin", "demo-admin-2022")
    with visitor.page.expect_navigation():
        visitor.page.get_by_role("button", name="Anmelden", exact=True).click()

    assert visitor.path == "/admin/audit/"
    assert visitor.heading == "Protokoll"


def test_session_ends_after_the_idle_timeout_and_the_login_page_says_so(
    visit, idle_timeout_server
):
    visitor = visit(TABLET_LANDSCAPE, server=idle_timeout_server)
    visitor.sign_in("intake")
    visitor.open("/account/password")

    visitor.page.wait_for_timeout((IDLE_TIMEOUT.total_seconds() + 1) * 1000)
    visitor.page.reload()

    assert visitor.path == "/login"
    assert SESSION_EXPIRED in visitor.flashes
    visitor.fill_sign_in_form("intake", "demo-intake-2022")
    with visitor.page.expect_navigation():
        visitor.page.get_by_role("button", name="Anmelden", exact=True).click()
    assert visitor.path == "/account/password", "signing in again returns to the same page"


def test_untouched_tablet_returns_to_the_login_page_by_itself(visit, idle_timeout_server):
    visitor = visit(TABLET_PORTRAIT, server=idle_timeout_server)
    visitor.sign_in("housing")
    assert visitor.heading == "Willkommen, Hans Housing"

    # app.js reloads five seconds after the server's idle timeout; nobody touches the screen.
    visitor.page.wait_for_url(re.compile(r"/login\b"),
                              timeout=(IDLE_TIMEOUT.total_seconds() + 10) * 1000)

    assert SESSION_EXPIRED in visitor.flashes
    assert "Hans Housing" not in visitor.page.content()


def test_sign_out_button_ends_the_session(visit, new_account):
    person = new_account("service_point")
    visitor = visit(TABLET_PORTRAIT)
    visitor.sign_in(person.username, person.password)

    visitor.sign_out()

    assert visitor.path == "/login"
    assert "Sie wurden abgemeldet." in visitor.flashes
    visitor.open("/")
    assert visitor.path == "/login"
    visitor.page.go_back()
    visitor.page.go_back()
    assert visitor.path == "/login", "the back button shows no page of the ended session"


def test_administrator_creates_an_account_on_a_portrait_tablet_and_the_person_signs_in(
    visit, unique_name
):
    username = unique_name("neu")
    admin = visit(TABLET_PORTRAIT, account="admin")
    admin.open("/admin/users/")

    with admin.page.expect_navigation():
        admin.page.get_by_role("link", name="Neues Konto").click()
    form = admin.page.locator("main form")
    form.get_by_label("Benutzername").fill(username)
    form.get_by_label("Vollständiger Name").fill("Nora Neumann")
    form.get_by_label("Rolle").select_option(label="Unterbringung")
    form.get_by_label("Erstes Passwort").fill("erstes-passwort-2022")
    with admin.page.expect_navigation():
        form.get_by_role("button", name="Konto anlegen").click()

    assert admin.path == "/admin/users/"
    assert f"Konto {username} angelegt." in admin.flashes
    row = admin.page.get_by_role("row").filter(has_text=username)
    assert "Nora Neumann" in row.inner_text() and "Unterbringung" in row.inner_text()

    person = visit(TABLET_PORTRAIT)
    person.sign_in(username, "erstes-passwort-2022")
    assert person.heading == "Willkommen, Nora Neumann"
    assert "Angemeldet als Unterbringung" in person.page.locator(".lead").inner_text()


def test_administrator_changes_the_role_of_an_account(visit, new_account):
    person = new_account("intake")
    admin = visit(TABLET_LANDSCAPE, account="admin")
    admin.open("/admin/users/")

    with admin.page.expect_navigation():
        admin.page.get_by_role("link", name=person.username, exact=True).click()
    assert admin.heading == f"Konto {person.username}"
    admin.page.get_by_label("Rolle").select_option(label="Koordinierungsstab")
    with admin.page.expect_navigation():
        admin.page.get_by_role("button", name="Speichern").click()

    assert f"Konto {person.username} gespeichert." in admin.flashes
    row = admin.page.get_by_role("row").filter(has_text=person.username)
    assert "Koordinierungsstab" in row.inner_text()


def test_deactivating_an_account_ends_its_open_session(visit, new_account):
    person = new_account("intake")
    tablet = visit(TABLET_PORTRAIT)
    tablet.sign_in(person.username, person.password)
    admin = visit(TABLET_LANDSCAPE, account="admin")
    admin.open("/admin/users/")

    with admin.page.expect_navigation():
        admin.page.get_by_role("button", name=f"{person.username} deaktivieren").click()

    assert any("deaktiviert" in flash for flash in admin.flashes)
    tablet.page.reload()
    assert tablet.path == "/login"
    tablet.fill_sign_in_form(person.username, person.password)
    with tablet.page.expect_navigation():
        tablet.page.get_by_role("button", name="Anmelden", exact=True).click()
    assert tablet.path == "/login", "a deactivated account cannot sign in"


def test_person_changes_their_own_password_and_signs_in_with_the_new_one(visit, new_account):
    person = new_account("coordinator")
    visitor = visit(TABLET_PORTRAIT)
    visitor.sign_in(person.username, person.password)
    visitor.page.get_by_role("link", name=person.display_name).click()

    visitor.page.get_by_label("Aktuelles Passwort").fill(person.password)
    visitor.page.get_by_label("Neues Passwort", exact=True).fill("ganz-neues-passwort")
    visitor.page.get_by_label("Neues Passwort wiederholen").fill("ganz-neues-passwort")
    with visitor.page.expect_navigation():
        visitor.page.get_by_role("button", name="Passwort ändern").click()
    assert "Ihr Passwort wurde geändert." in visitor.flashes

    visitor.sign_out()
    visitor.sign_in(person.username, "ganz-neues-passwort")
    assert visitor.heading == f"Willkommen, {person.display_name}"
