"""Journey 7: the security service checks residents in and out at the gate, opens
and prints the evacuation list, the assembly tablet goes offline and still opens
the list, and a roll call ends with two persons unaccounted for."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NAMES = ("Anna", "Boris", "Daria", "Ewa", "Fedir")


@pytest.fixture
def hall(live_server, unique_name):
    """A hall with gate control and five checked-in residents with cards."""
    from datetime import datetime, timezone

    from arrival.cards import operations as cards
    from arrival.extensions import db
    from arrival.gate import operations as gate
    from arrival.housing import inventory
    from arrival.housing import operations as housing
    from arrival.registry import operations as registry
    from arrival.registry.validation import parse_household
    from tests.factories import household_payload, person_payload

    family = unique_name("Torwache")
    with live_server.app.app_context():
        payload = household_payload(*[person_payload(
            family_name=family, given_names=name, family_name_cyrillic="",
            given_names_cyrillic="", document={"type": "none"},
            relation="head" if index == 0 else "child", date_of_birth="1985-01-01"
            if index == 0 else "2012-01-01", flags=["reduced_mobility"] if index == 1 else [])
            for index, name in enumerate(NAMES)])
        data = parse_household(payload, now=datetime(2022, 3, 15, 12, tzinfo=timezone.utc))
        household = registry.register_household(
            data, idempotency_key=None, fingerprint=registry.request_fingerprint(payload),
            duplicate_reason="browser test").household
        site = inventory.create_site({"name": unique_name("Messehalle "),
                                      "kind": "emergency_hall"})
        unit = inventory.create_unit(site, {"name": "Halle 1"})
        housing.assign(household.persons, inventory.add_beds(unit, 5), check_in=True)
        gate.set_gate_settings(site, gate_control=True, assembly_point="Parkplatz P3")
        tokens = {p.given_names: cards.issue_card(p).token for p in household.persons}
        db.session.commit()
        site_id = site.id
        db.session.remove()
    return {"site": site_id, "family": family, "tokens": tokens}


def gate_scan(station, code: str, text: str):
    station.page.locator("#code").fill(code)
    station.page.keyboard.press("Enter")
    answer = station.page.locator(".answer")
    expect(answer).to_contain_text(text)
    text_now = answer.inner_text()
    assert "Ausgeben" not in text_now
    return answer


def test_journey_7_gate_evacuation_list_offline_kiosk_and_roll_call(visit, hall):
    family, tokens, site = hall["family"], hall["tokens"], hall["site"]

    # The gate: everyone comes in, Ewa goes out again.
    station = visit(account="security")
    station.open(f"/gate/station?site={site}&station=Haupttor")
    for name in NAMES:
        answer = gate_scan(station, tokens[name], "Herein")
        expect(answer).to_contain_text(f"{family}, {name}")
    answer = gate_scan(station, tokens["Anna"], "Bereits drinnen – doppelt erfasst")
    expect(answer).to_have_class(re.compile(r"\banswer-amber\b"))
    station.page.get_by_label("Hinaus").check()
    gate_scan(station, tokens["Ewa"], "Hinaus")

    # The evacuation list: four inside, Boris (reduced mobility) first; it prints on A4.
    station.open(f"/gate/sites/{site}/evacuation")
    expect(station.page.locator('[data-count="residents"]')).to_have_text("4")
    first = station.page.locator(".evac-table tbody tr").first
    expect(first).to_contain_text(f"{family}, Boris")
    expect(first).to_contain_text("Braucht Hilfe")
    assert f"{family}, Ewa" not in station.page.locator("main").inner_text()
    station.page.emulate_media(media="print")
    expect(station.page.locator(".topbar")).to_be_hidden()
    assert station.page.pdf(format="A4").startswith(b"%PDF")
    station.page.emulate_media(media="screen")

    # The assembly tablet keeps its copy: offline, the page and the list still open.
    kiosk = visit(account="security")
    kiosk.open(f"/gate/sites/{site}/kiosk")
    expect(kiosk.page.locator(".kiosk-status")).to_have_class(re.compile(r"\bkiosk-fresh\b"))
    expect(kiosk.page.locator(".kiosk-list")).to_contain_text(f"{family}, Boris")
    kiosk.page.wait_for_function(
        "navigator.serviceWorker.ready.then(r => !!r.active)", timeout=10_000)
    kiosk.page.wait_for_function("""async () => {
        const keys = await caches.keys();
        for (const key of keys) {
          const cache = await caches.open(key);
          if (await cache.match(location.pathname)) { return true; }
        }
        return false;
    }""", timeout=10_000)
    kiosk.page.context.set_offline(True)
    kiosk.page.reload()
    expect(kiosk.page.locator(".kiosk-status")).to_contain_text("KEINE VERBINDUNG")
    expect(kiosk.page.locator(".kiosk-list")).to_contain_text(f"{family}, Boris")
    expect(kiosk.page.locator('[data-count="residents"]')).to_have_text("4")
    kiosk.page.context.set_offline(False)

    # The roll call on two tablets: Anna by card, Boris by tap; Daria and Fedir missing.
    lead = visit(account="security")
    lead.open(f"/gate/sites/{site}/roll-calls")
    with lead.page.expect_navigation():
        lead.page.get_by_role("button", name="Appell beginnen").click()
    expect(lead.page.locator('[data-count="expected"]')).to_have_text("4")
    second = visit(account="coordinator")
    second.open(lead.path)
    second.page.locator("#code").fill(tokens["Anna"])
    second.page.keyboard.press("Enter")
    expect(second.page.locator(".tick-answer")).to_have_text("abgehakt")
    lead.page.locator(".missing-list li").filter(has_text=f"{family}, Boris").get_by_role(
        "button", name="Da").click()
    expect(lead.page.locator('[data-count="missing"]')).to_have_text("2")
    # The other tablet sees Boris gone from its list without reloading (polling).
    expect(second.page.locator(".missing-list li")).to_have_count(2, timeout=8_000)
    expect(second.page.locator(".missing-list")).not_to_contain_text(f"{family}, Boris")
    with lead.page.expect_navigation():
        lead.page.get_by_role("button", name="Appell beenden").click()
    assert any("2 erfasst, 2 fehlen" in flash for flash in lead.flashes), lead.flashes
    missing = lead.page.locator(".missing-list").inner_text()
    assert f"{family}, Daria" in missing and f"{family}, Fedir" in missing
