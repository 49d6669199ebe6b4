"""Gate scans without network (issues 14 and 17): the gate tablet goes offline, a scan
goes into the tablet's queue and is shown as queued (amber, "offline — wird später
geprüft"); back online it is replayed once with its idempotency key — also when the
first replay's answer is lost and it is sent a second time — and presence is right
afterwards: who went out is out, who came in is in, one event per scan."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.test_offline import (
    expect_waiting,
    send_now,
    tablet,
    wait_for_queue,
    wait_for_worker,
    wait_until_kept,
)

pytestmark = pytest.mark.browser

QUEUED = "offline — wird später geprüft"


@pytest.fixture
def hall(live_server, unique_name):
    """A hall with gate control and two checked-in residents with cards."""
    from datetime import datetime, timezone

    from arrival.cards import operations as cards
    from arrival.extensions import db
    from arrival.gate import operations as gate
    from arrival.housing import inventory
    from arrival.housing import operations as housing
    from arrival.registry import operations as registry
    from arrival.registry.validation import parse_household
    from tests.factories import household_payload, person_payload

    family = unique_name("Offlinetor")
    with live_server.app.app_context():
        payload = household_payload(*[person_payload(
            family_name=family, given_names=name, family_name_cyrillic="",
            given_names_cyrillic="", document={"type": "none"},
            relation="head" if name == "Alla" else "spouse") for name in ("Alla", "Bohdan")])
        data = parse_household(payload, now=datetime(2022, 3, 15, 12, tzinfo=timezone.utc))
        household = registry.register_household(
            data, idempotency_key=None, fingerprint=registry.request_fingerprint(payload),
            duplicate_reason="browser test").household
        site = inventory.create_site({"name": unique_name("Offlinehalle "),
                                      "kind": "emergency_hall"})
        housing.assign(household.persons, inventory.add_beds(
            inventory.create_unit(site, {"name": "Halle 1"}), 2), check_in=True)
        gate.set_gate_settings(site, gate_control=True, assembly_point="Hof")
        found = {"site": site.id, "station": unique_name("Offline-Tor "),
                 "ids": {p.given_names: p.id for p in household.persons},
                 "tokens": {p.given_names: cards.issue_card(p).token for p in household.persons}}
        db.session.commit()
        db.session.remove()
    return found


def presence(app, hall) -> dict[str, bool | None]:
    """Inside (True), outside (False) or never seen (None) per given name, by the server."""
    from arrival.extensions import db
    from arrival.gate.models import GatePresence

    with app.app_context():
        rows = dict(db.session.execute(sa.select(GatePresence.person_id, GatePresence.inside)
                                       .where(GatePresence.site_id == hall["site"])).all())
        db.session.remove()
    return {name: rows.get(person_id) for name, person_id in hall["ids"].items()}


def events(app, hall) -> list[tuple[str, str, bool]]:
    """The gate events of the station: (given name, direction, accepted), oldest first."""
    from arrival.extensions import db
    from arrival.gate.models import GateEvent

    names = {person_id: name for name, person_id in hall["ids"].items()}
    with app.app_context():
        rows = db.session.execute(sa.select(GateEvent.person_id, GateEvent.direction,
                                            GateEvent.accepted)
                                  .where(GateEvent.station == hall["station"])
                                  .order_by(GateEvent.id)).all()
        db.session.remove()
    return [(names[person_id], direction, accepted) for person_id, direction, accepted in rows]


def gate_scan(page, code: str) -> str:
    # The last answer is still shown for a few seconds: clear it as its timer would, so
    # what is read below is the answer to this scan (class and text set together).
    page.evaluate("() => { const box = document.querySelector('.answer');"
                  " if (box) { box.className = 'answer'; box.textContent = ''; } }")
    page.fill("#code", code)
    page.locator("#code").press("Enter")
    answer = page.locator(".answer")
    expect(answer.locator(".answer-title")).to_be_visible()
    return (answer.get_attribute("class") or "") + "|" + answer.inner_text()


def test_gate_scans_offline_are_queued_replayed_once_and_presence_follows(
        browser, live_server, signed_in_state, hall):
    app = live_server.app
    context, visitor = tablet(browser, live_server,
                              storage_state=signed_in_state(live_server, "security"))
    page = visitor.page
    try:
        page.goto(f"/gate/station?site={hall['site']}&station={hall['station']}")
        wait_for_worker(page)
        wait_until_kept(page)
        page.wait_for_function("() => window.arrivalOutbox !== undefined")
        # Online: Alla comes in.
        answer = gate_scan(page, hall["tokens"]["Alla"])
        assert "answer-green" in answer and "Herein" in answer
        assert presence(app, hall) == {"Alla": True, "Bohdan": None}

        # The Wi-Fi goes: Alla goes out, Bohdan comes in — both kept on the tablet.
        context.set_offline(True)
        page.get_by_label("Hinaus").check()
        answer = gate_scan(page, hall["tokens"]["Alla"])
        assert re.search(r"\banswer-amber\b", answer) and QUEUED in answer and "Hinaus" in answer
        page.get_by_label("Herein").check()
        answer = gate_scan(page, hall["tokens"]["Bohdan"])
        assert re.search(r"\banswer-amber\b", answer) and QUEUED in answer
        expect_waiting(page, 2)
        expect(page.locator("#outbox-badge")).to_be_visible()
        # The server has heard nothing yet: for the fire brigade Alla is still inside.
        assert presence(app, hall) == {"Alla": True, "Bohdan": None}
        # The gate page itself opens offline (the worker kept it).
        page.reload()
        expect(page.locator(".gate-station")).to_be_visible()
        expect_waiting(page, 2)

        # Back online. The first replay reaches the server, but its answer is lost on
        # the way back (a proxy's 503): the entry stays and is sent again, same key.
        lost = []

        def answer_lost_once(route):
            if not lost:
                route.fetch()  # the server did the work
                lost.append(route.request.headers.get("idempotency-key"))
                route.fulfill(status=503, body="Service Unavailable")
            else:
                route.continue_()

        page.route("**/api/v1/gate/scan/offline", answer_lost_once)
        context.set_offline(False)
        send_now(page)
        found = wait_for_queue(
            page, "list => list.length === 2 && list.every(r => r.state === 'done')")
        assert lost and lost[0], "the first replay lost its answer"
        assert max(entry["attempts"] for entry in found) >= 2, "and was sent again"
        expect_waiting(page, 0)

        # Once each, in the order they happened; presence follows the gate.
        assert events(app, hall) == [("Alla", "in", True), ("Alla", "out", True),
                                     ("Bohdan", "in", True)]
        assert presence(app, hall) == {"Alla": False, "Bohdan": True}

        # The evacuation list says the same: Bohdan inside, Alla not.
        page.goto(f"/gate/sites/{hall['site']}/evacuation")
        expect(page.locator('[data-count="residents"]')).to_have_text("1")
        listed = page.locator("main").inner_text()
        assert "Bohdan" in listed and "Alla" not in listed
    finally:
        context.close()
