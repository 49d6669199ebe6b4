"""The optional person photo (issue 17) in the browser: a deployment with photos on,
Chromium's fake camera. Intake opens the camera on the person page, takes and saves
a photo (downscaled on the tablet); the security service sees it with the gate's
answer, a service point at the same gate does not."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import (
    ACTION_TIMEOUT_MS,
    CHROMIUM,
    CHROMIUM_ARGS,
    CHROMIUM_MISSING,
    _start_live_server,
)
from tests.browser.pages import TABLET_LANDSCAPE, TABLET_SIZES, Visitor

pytestmark = pytest.mark.browser

# A camera that shows Chromium's test pattern, allowed without asking.
FAKE_CAMERA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@pytest.fixture(scope="module")
def photo_server(tmp_path_factory):
    server = _start_live_server(tmp_path_factory.mktemp("live-photos"), PERSON_PHOTOS=True)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def camera_browser(browser):
    """A browser of its own with a fake camera, launched through the session's
    Playwright (a second sync_playwright() in the same run is refused)."""
    if not CHROMIUM.exists():
        pytest.skip(CHROMIUM_MISSING)
    chromium = browser.browser_type.launch(executable_path=str(CHROMIUM), headless=True,
                                           args=CHROMIUM_ARGS + FAKE_CAMERA)
    yield chromium
    chromium.close()


@pytest.fixture
def device(camera_browser, photo_server):
    contexts = []

    def open_device(account: str, size=TABLET_LANDSCAPE) -> Visitor:
        context = camera_browser.new_context(
            base_url=photo_server.url, viewport={"width": size.width, "height": size.height},
            has_touch=size.touch, locale="de-DE", timezone_id="Europe/Berlin",
            # page.route (the refused-photo test) sees only requests no worker serves
            service_workers="block")
        context.grant_permissions(["camera"])
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        contexts.append(context)
        visitor = Visitor(context.new_page(), size, {})
        visitor.sign_in(account)
        return visitor

    yield open_device
    for context in contexts:
        context.close()


@pytest.fixture
def resident(photo_server, unique_name):
    """A checked-in resident of a hall with gate control, with a card."""
    from datetime import datetime, timezone

    from arrival.cards import operations as cards
    from arrival.extensions import db
    from arrival.gate import operations as gate
    from arrival.housing import inventory
    from arrival.housing import operations as housing
    from arrival.registry import operations as registry
    from arrival.registry.validation import parse_household
    from tests.factories import household_payload, person_payload

    with photo_server.app.app_context():
        payload = household_payload(person_payload(
            family_name="Fotografowa", given_names="Larysa", family_name_cyrillic="",
            given_names_cyrillic="", document={"type": "none"}))
        data = parse_household(payload, now=datetime(2022, 3, 15, 12, tzinfo=timezone.utc))
        person = registry.register_household(
            data, idempotency_key=None, fingerprint=registry.request_fingerprint(payload),
            duplicate_reason="browser test").household.persons[0]
        site = inventory.create_site({"name": unique_name("Fotohalle "),
                                      "kind": "emergency_hall"})
        housing.assign([person], inventory.add_beds(inventory.create_unit(
            site, {"name": "Halle F"}), 1), check_in=True)
        gate.set_gate_settings(site, gate_control=True, assembly_point="Hof")
        found = {"person": person.public_id, "id": person.id, "site": site.id,
                 "token": cards.issue_card(person).token}
        db.session.commit()
        db.session.remove()
    return found


def stored_photo(server, person_id: int):
    from arrival.extensions import db
    from arrival.registry.models import PersonPhoto

    with server.app.app_context():
        row = db.session.execute(sa.select(PersonPhoto.width, PersonPhoto.height,
                                           sa.func.length(PersonPhoto.jpeg))
                                 .where(PersonPhoto.person_id == person_id)).first()
        db.session.remove()
    return tuple(row) if row else None


def test_intake_takes_a_photo_and_the_gate_shows_it_to_security_only(
        device, photo_server, resident):
    intake = device("intake")
    intake.open(f"/persons/{resident['person']}/edit")
    section = intake.page.locator(".photo-section")
    expect(section).to_contain_text("Noch kein Foto.")
    for size in TABLET_SIZES:
        intake.page.set_viewport_size({"width": size.width, "height": size.height})
        intake.size = size
        intake.screenshot("person-photo-empty")
    intake.page.set_viewport_size({"width": 1024, "height": 768})
    intake.page.get_by_role("button", name="Kamera öffnen").click()
    expect(section.locator("video.photo-video")).to_be_visible()
    intake.page.get_by_role("button", name="Foto aufnehmen").click()
    expect(section.locator("img.photo-preview")).to_be_visible()
    with intake.page.expect_navigation():
        intake.page.get_by_role("button", name="Foto speichern").click()
    width, height, size = stored_photo(photo_server, resident["id"])
    assert (width, height) == (240, 320) and size <= 40 * 1024  # 3:4, downscaled, small
    expect(section.locator("img.photo-stored")).to_be_visible()
    assert section.locator("img.photo-stored").evaluate("img => img.naturalWidth") == 240
    for size in TABLET_SIZES:
        intake.page.set_viewport_size({"width": size.width, "height": size.height})
        intake.size = size
        problems = intake.check_page("person-photo-stored")
        assert not problems, problems

    guard = device("security")
    guard.open(f"/gate/station?site={resident['site']}&station=Tor")
    guard.page.locator("#code").fill(resident["token"])
    guard.page.keyboard.press("Enter")
    photo = guard.page.locator(".answer img.answer-photo")
    expect(photo).to_be_visible()
    guard.page.wait_for_function(
        "() => { const i = document.querySelector('.answer img.answer-photo');"
        " return i && i.complete && i.naturalWidth === 240; }")
    for size in TABLET_SIZES:
        guard.page.set_viewport_size({"width": size.width, "height": size.height})
        guard.size = size
        guard.screenshot("gate-answer-photo")

    service = device("service")
    service.open(f"/gate/station?site={resident['site']}&station=Tor")
    service.page.get_by_label("Hinaus").check()
    service.page.locator("#code").fill(resident["token"])
    service.page.keyboard.press("Enter")
    expect(service.page.locator(".answer")).to_contain_text("Larysa")
    expect(service.page.locator(".answer img")).to_have_count(0)


def test_a_refused_photo_is_named_at_the_field(device, resident):
    intake = device("intake")
    intake.open(f"/persons/{resident['person']}/edit")
    # What the server says about a photo the tablet did not make small enough.
    intake.page.route(f"**/api/v1/persons/{resident['person']}/photo", lambda route: route.fulfill(
        status=422, content_type="application/json",
        body='{"code": "validation_failed", "fields": {"photo": '
             '["Das Foto ist zu groß (höchstens 40 KB)."]}}'))
    intake.page.get_by_role("button", name="Kamera öffnen").click()
    intake.page.get_by_role("button", name="Foto aufnehmen").click()
    intake.page.get_by_role("button", name="Foto speichern").click()
    expect(intake.page.locator("#photo-error")).to_have_text("Das Foto ist zu groß (höchstens 40 KB).")
    expect(intake.page.locator(".photo-field")).to_have_class("field photo-field has-error")
