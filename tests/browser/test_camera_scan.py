"""The shared camera loop (js/camera-scan.js) reads a card held in front of the camera:
Chromium's fake camera plays a video of the card's QR code, and the gate station and
the scan station each take it as a scan — once, not once per frame."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import ACTION_TIMEOUT_MS, CHROMIUM, CHROMIUM_ARGS, CHROMIUM_MISSING
from tests.browser.pages import TABLET_LANDSCAPE, Visitor

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 640, 480


def qr_video(token: str, path) -> None:
    """A few seconds of Y4M (what Chromium's fake camera plays): the QR code of the
    token, black on white, in the middle of a grey frame."""
    import qrcode
    from PIL import Image

    code = qrcode.QRCode(border=4, box_size=8)
    code.add_data(token)
    code.make(fit=True)
    image = code.make_image(fill_color="black", back_color="white").get_image().convert("L")
    side = min(HEIGHT - 40, image.size[0])
    frame = Image.new("L", (WIDTH, HEIGHT), 200)
    frame.paste(image.resize((side, side), Image.NEAREST),
                ((WIDTH - side) // 2, (HEIGHT - side) // 2))
    luma = frame.tobytes()
    chroma = bytes([128]) * (WIDTH // 2 * HEIGHT // 2)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F5:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(10):
            out.write(b"FRAME\n" + luma + chroma + chroma)


@pytest.fixture
def resident(live_server, unique_name):
    """A resident of a hall with gate control, with a card; its token."""
    from datetime import datetime, timezone

    from arrival.cards import operations as cards
    from arrival.extensions import db
    from arrival.gate import operations as gate
    from arrival.housing import inventory
    from arrival.housing import operations as housing
    from arrival.registry import operations as registry
    from arrival.registry.validation import parse_household
    from tests.factories import household_payload, person_payload

    family = unique_name("Kamerafamilie")
    with live_server.app.app_context():
        payload = household_payload(person_payload(
            family_name=family, given_names="Iryna", family_name_cyrillic="",
            given_names_cyrillic="", document={"type": "none"}))
        data = parse_household(payload, now=datetime(2022, 3, 15, 12, tzinfo=timezone.utc))
        person = registry.register_household(
            data, idempotency_key=None, fingerprint=registry.request_fingerprint(payload),
            duplicate_reason="browser test").household.persons[0]
        site = inventory.create_site({"name": unique_name("Kamerahalle "),
                                      "kind": "emergency_hall"})
        housing.assign([person], inventory.add_beds(inventory.create_unit(
            site, {"name": "Halle K"}), 1), check_in=True)
        gate.set_gate_settings(site, gate_control=True, assembly_point="Hof")
        found = {"site": site.id, "id": person.id, "family": family,
                 "token": cards.issue_card(person).token}
        db.session.commit()
        db.session.remove()
    return found


@pytest.fixture
def camera_pointed_at(tmp_path, browser, live_server, signed_in_state):
    """A tablet whose camera sees the given card: camera_pointed_at(token, account).
    A browser of its own (the fake camera's video is chosen at launch)."""
    if not CHROMIUM.exists():
        pytest.skip(CHROMIUM_MISSING)
    browsers = []

    def open_tablet(token: str, account: str) -> Visitor:
        video = tmp_path / f"card-{len(browsers)}.y4m"
        qr_video(token, video)
        camera_browser = browser.browser_type.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS + [
                "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                f"--use-file-for-fake-video-capture={video}"])
        browsers.append(camera_browser)
        context = camera_browser.new_context(
            base_url=live_server.url, locale="de-DE", timezone_id="Europe/Berlin",
            viewport={"width": TABLET_LANDSCAPE.width, "height": TABLET_LANDSCAPE.height},
            storage_state=signed_in_state(live_server, account))
        context.grant_permissions(["camera"])
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        return Visitor(context.new_page(), TABLET_LANDSCAPE, {})

    yield open_tablet
    for camera_browser in browsers:
        camera_browser.close()


def gate_events(app, person_id: int) -> list[str]:
    from arrival.extensions import db
    from arrival.gate.models import GateEvent

    with app.app_context():
        rows = db.session.scalars(sa.select(GateEvent.direction).where(
            GateEvent.person_id == person_id).order_by(GateEvent.id)).all()
        db.session.remove()
    return list(rows)


def test_the_gate_reads_the_card_from_the_camera_once(camera_pointed_at, live_server,
                                                     resident):
    tablet = camera_pointed_at(resident["token"], "security")
    tablet.open(f"/gate/station?site={resident['site']}&station=Kamera")
    camera = tablet.page.get_by_role("button", name="Kamera verwenden")
    expect(camera).to_be_visible()
    camera.click()
    expect(tablet.page.locator(".answer")).to_contain_text(f"{resident['family']}, Iryna")
    expect(tablet.page.locator(".answer")).to_contain_text("Herein")
    tablet.page.wait_for_timeout(1500)  # the card stays in front of the camera
    assert gate_events(live_server.app, resident["id"]) == ["in"]
    camera.click()  # and off again
    expect(tablet.page.locator("video.camera")).to_be_hidden()


def test_the_scan_station_reads_the_card_from_the_camera(camera_pointed_at, resident):
    tablet = camera_pointed_at(resident["token"], "service")
    tablet.open("/services/station?service=meal&point=Kantine")
    tablet.page.get_by_role("button", name="Kamera verwenden").click()
    expect(tablet.page.locator(".answer")).to_contain_text("Iryna")
