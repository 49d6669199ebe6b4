"""Accessibility and layout of the main pages at tablet size (issue 10).

Every run leaves full-page screenshots of every main page at each size in
tests/artifacts/screenshots/ for a person to look at.
"""

from __future__ import annotations

import pytest

from tests.browser.pages import MAIN_PAGES, TABLET_LANDSCAPE, TABLET_PORTRAIT, main_pages

pytestmark = pytest.mark.browser

FORM_PAGES = main_pages("login", "account-new", "account-edit", "audit-log", "change-password")
# One page of each kind of control: header only, tiles, table, form, filters.
KEYBOARD_PAGES = main_pages("login", "start-admin", "accounts", "account-edit", "audit-log")


@pytest.mark.parametrize("main_page", MAIN_PAGES, ids=str)
def test_main_page_shows_its_heading_and_fits_the_screen_without_sideways_scrolling(
    visit, size, main_page
):
    visitor = visit(size, account=main_page.account)

    response = visitor.open(main_page.path)
    visitor.screenshot(main_page.name)

    assert response.status == main_page.status
    assert visitor.heading == main_page.heading
    assert not visitor.overflows_sideways()


@pytest.mark.parametrize("main_page", MAIN_PAGES, ids=str)
def test_main_page_has_no_serious_or_critical_axe_violations(visit, tablet_size, main_page):
    visitor = visit(tablet_size, account=main_page.account, axe=True)
    visitor.open(main_page.path)

    violations = visitor.axe_violations()

    for minor in (v for v in violations if not v.serious):
        print(f"{main_page.name} {tablet_size}: {minor}")
    assert [str(v) for v in violations if v.serious] == []


@pytest.mark.parametrize("main_page", FORM_PAGES, ids=str)
def test_every_visible_form_control_has_an_accessible_label(visit, main_page):
    visitor = visit(TABLET_PORTRAIT, account=main_page.account)
    visitor.open(main_page.path)

    assert visitor.unlabelled_controls() == []


@pytest.mark.parametrize("main_page", MAIN_PAGES, ids=str)
def test_touch_targets_are_at_least_44_pixels_at_tablet_size(visit, tablet_size, main_page):
    visitor = visit(tablet_size, account=main_page.account)
    visitor.open(main_page.path)

    assert visitor.small_touch_targets() == []


@pytest.mark.parametrize("main_page", main_pages("start-admin", "accounts"), ids=str)
def test_first_tab_reaches_the_skip_link_which_moves_focus_to_the_main_content(
    visit, main_page
):
    visitor = visit(TABLET_LANDSCAPE, account=main_page.account)
    visitor.open(main_page.path)

    skip_link = visitor.press("Tab")
    assert skip_link["classes"] == "skip-link"
    assert skip_link["text"] == "Zum Inhalt springen"
    assert skip_link["top"] >= 0, "the focused skip link is on screen"

    assert visitor.press("Enter")["id"] == "main"
    assert visitor.press("Tab")["inMain"], "the next Tab continues inside the main content"


def test_sign_in_form_is_completed_and_sent_with_the_keyboard_alone(visit):
    visitor = visit(TABLET_PORTRAIT)
    visitor.open("/login")

    assert visitor.focused()["id"] == "username", "the username field has the focus at once"
    visitor.page.keyboard.type("intake")
    assert visitor.press("Tab")["id"] == "password"
    visitor.page.keyboard.type("demo-intake-2022")
    assert visitor.press("Tab")["text"] == "Anmelden"
    with visitor.page.expect_navigation():
        visitor.page.keyboard.press("Enter")

    assert visitor.path == "/"
    assert visitor.heading == "Willkommen, Ines Intake"


@pytest.mark.parametrize("main_page", KEYBOARD_PAGES, ids=str)
def test_keyboard_focus_is_always_visible(visit, main_page):
    visitor = visit(TABLET_LANDSCAPE, account=main_page.account)
    visitor.open(main_page.path)

    reached = visitor.tab_through()

    assert len(reached) >= 3
    invisible = [f"<{f['tag']}> {f['text']}" for f in reached
                 if f["outlineStyle"] == "none" or f["outlineWidth"] < 2]
    assert invisible == []


def test_page_language_is_german_by_default_and_english_after_switching(visit):
    visitor = visit(TABLET_PORTRAIT)
    visitor.open("/login")
    assert visitor.html_lang == "de"

    with visitor.page.expect_navigation():
        visitor.page.get_by_role("button", name="English").click()

    assert visitor.html_lang == "en"
    assert visitor.heading == "Sign in"
    english = visitor.page.get_by_role("button", name="English")
    assert english.get_attribute("aria-pressed") == "true"


def test_account_actions_are_in_view_on_a_landscape_tablet(visit):
    """With the demo accounts and those other tests created (long names, a
    deactivated one), the Deactivate buttons need no sideways scrolling."""
    visitor = visit(TABLET_LANDSCAPE, account="admin")
    visitor.open("/admin/users/")

    buttons = visitor.page.locator("tbody button")
    assert buttons.count() > 0
    rightmost = max(box["x"] + box["width"] for box in
                    (buttons.nth(i).bounding_box() for i in range(buttons.count())))
    assert rightmost <= TABLET_LANDSCAPE.width, "no sideways scrolling to reach Deactivate"
