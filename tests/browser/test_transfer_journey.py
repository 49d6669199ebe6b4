"""Journey 8 (issue 18): the RP decides the transfer of two households to one
Landkreis, builds the bus list, boards one household by card and leaves the other
missing, the bus departs, and the encrypted hand-over package is downloaded; the
situation report of the day counts exactly the boarded persons for that district."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.pages import TABLET_PORTRAIT

pytestmark = pytest.mark.browser

BOEBLINGEN = "08115"


@pytest.fixture
def families(live_server, unique_name):
    """Two households in a hall, each person with a card; destinations loaded."""
    from datetime import datetime, timezone

    from arrival.cards import operations as cards
    from arrival.extensions import db
    from arrival.housing import inventory
    from arrival.housing import operations as housing
    from arrival.registry import operations as registry
    from arrival.registry.validation import parse_household
    from arrival.transfers import operations as transfers
    from tests.factories import household_payload, person_payload

    app = live_server.app
    made = {}
    with app.app_context():
        if transfers.destination_by_key(BOEBLINGEN) is None:
            transfers.load_destinations(Path(app.config["CATALOG_DIR"]))
        site = inventory.create_site({"name": unique_name("Bushalle "), "kind": "emergency_hall"})
        unit = inventory.create_unit(site, {"name": "Halle 1"})
        beds = inventory.add_beds(unit, 3)
        for family, members in ((unique_name("Busreise"), [("Olha", "head", "1988-01-01"),
                                                          ("Taras", "child", "2014-01-01")]),
                                (unique_name("Zurueck"), [("Vira", "head", "1970-05-05")])):
            payload = household_payload(*[person_payload(
                family_name=family, given_names=given, family_name_cyrillic="",
                given_names_cyrillic="", document={"type": "none"}, relation=relation,
                date_of_birth=born) for given, relation, born in members])
            data = parse_household(payload, now=datetime(2022, 3, 15, 12, tzinfo=timezone.utc))
            household = registry.register_household(
                data, idempotency_key=None, fingerprint=registry.request_fingerprint(payload),
                duplicate_reason="browser test").household
            housing.assign(household.persons, [beds.pop() for _ in household.persons],
                           check_in=True)
            made[family] = {"ref": household.ref,
                            "tokens": [cards.issue_card(p).token for p in household.persons]}
        db.session.commit()
        db.session.remove()
    return made


def test_journey_8_decide_bus_list_board_depart_and_hand_over(visit, families, live_server):
    from arrival.core.clock import now
    from arrival.core.timezone import to_local

    (boarding_family, boarding), (missing_family, missing) = families.items()
    rp = visit(account="rp")

    # Decide: both households to Böblingen (the destination is chosen, never automatic).
    for family in (boarding, missing):
        rp.open(f"/transfers/households/{family['ref']}/decision")
        rp.page.get_by_label("Entscheidung", exact=True).select_option("transfer")
        rp.page.get_by_label("Ziel").select_option(BOEBLINGEN)
        rp.page.get_by_role("button", name="Entscheidung erfassen").click()
        expect(rp.page.locator("#transfer-title")).to_be_visible()
        expect(rp.page.locator("main")).to_contain_text("Böblingen (LK)")

    # The bus list: tomorrow 10:00, 20 seats; both households from the list.
    rp.open("/transfers/batches/new")
    rp.page.get_by_label("Ziel").select_option(BOEBLINGEN)
    tomorrow = (to_local(now()) + timedelta(days=1)).date()
    rp.page.get_by_label("Abfahrtstag").fill(tomorrow.isoformat())
    rp.page.get_by_label("Abfahrtszeit (HH:MM)").fill("10:00")
    rp.page.get_by_label("Plätze").fill("20")
    rp.page.get_by_role("button", name="Anlegen").click()
    expect(rp.page.locator("h1")).to_contain_text("Busliste")
    batch_path = rp.path
    rp.page.locator(f"#add-{boarding['ref']}").check()
    rp.page.locator(f"#add-{missing['ref']}").check()
    rp.page.get_by_role("button", name="Zur Busliste hinzufügen").click()
    expect(rp.page.locator("#batch-seats")).to_have_text("3 / 20")
    assert not rp.check_page("transfers-batch")

    # Boarding by card at the bus: the first family boards, the other does not come.
    rp.page.get_by_role("link", name="Einstieg").click()
    for token in boarding["tokens"]:
        rp.page.locator("#code").fill(token)
        rp.page.keyboard.press("Enter")
        expect(rp.page.locator(".answer")).to_contain_text("Eingestiegen")
    expect(rp.page.locator("#count-boarded")).to_have_text("2")
    expect(rp.page.locator("#count-missing")).to_have_text("1")
    # A wrong boarding taken back with its button (with a reason), then scanned again.
    rp.page.reload()
    rp.page.get_by_label("Warum (z. B. falsche Karte)").fill("falsche Karte")
    rp.page.locator(".undo-boarding").first.click()
    expect(rp.page.locator("main")).to_contain_text("zurückgenommen")
    expect(rp.page.locator("#count-boarded")).to_have_text("1")
    assert not rp.check_page("transfers-boarding-undone")
    rp.open("/transfers/quota")
    assert not rp.check_page("transfers-quota")
    rp.page.go_back()
    rp.page.locator("#code").fill(boarding["tokens"][0])  # the first on the list was undone
    rp.page.keyboard.press("Enter")
    expect(rp.page.locator(".answer")).to_contain_text("Eingestiegen")
    expect(rp.page.locator("#count-boarded")).to_have_text("2")
    rp.page.locator("#code").fill(missing["tokens"][0][:-3] + "AAA")
    rp.page.keyboard.press("Enter")
    expect(rp.page.locator(".answer")).to_have_class(re.compile(r"\banswer-red\b"))
    assert not rp.check_page("transfers-boarding")
    # The same pages on a tablet held upright.
    upright = visit(TABLET_PORTRAIT, account="rp")
    for name, path in (("transfers-boarding", rp.path), ("transfers-batch", batch_path),
                       ("transfers-quota", "/transfers/quota")):
        upright.open(path)
        assert not upright.check_page(name), name

    # Departure: two checked out as transferred, one missing stays.
    rp.open(batch_path)
    rp.page.get_by_role("button", name="Bus abgefahren").click()
    expect(rp.page.locator("main")).to_contain_text("Abgefahren: 2 Personen als verlegt")
    expect(rp.page.locator("main")).to_contain_text("1 Person fehlte und bleibt")

    # The hand-over package: the password once, the encrypted archive downloaded.
    rp.page.get_by_role("button", name="Übergabepaket erzeugen").click()
    password = rp.page.locator("#handover-password").inner_text()
    with rp.page.expect_download() as download:
        rp.page.locator("#handover-download").click()
    data = Path(download.value.path()).read_bytes()
    import json

    import pyzipper

    with pyzipper.AESZipFile(io.BytesIO(data)) as archive:
        archive.setpassword(password.encode())
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["persons"] == 2 and manifest["destination"]["key"] == BOEBLINGEN

    # The situation report of the day counts exactly the boarded persons for Böblingen.
    from arrival.core.clock import today_local
    from arrival.statistics.figures import day_report

    with live_server.app.app_context():
        figures = day_report(today_local())["transfers"]
    row, = [r for r in figures["by_destination"] if r["key"] == BOEBLINGEN]
    assert (row["persons"], row["households"]) == (2, 1)
    assert boarding_family != missing_family


def test_boarding_goes_on_when_the_network_at_the_bus_drops(visit, families, live_server):
    """Issue 18 (offline-capable through the scan station's queue): the boarding page
    opens without the network, a card scanned offline is kept on the tablet (amber)
    and boards once the network is back — once, even when sent twice."""
    from arrival.core.clock import now
    from arrival.extensions import db
    from arrival.registry.operations import household_by_ref
    from arrival.transfers import operations as transfers
    from arrival.transfers.models import Boarding
    from tests.browser.test_offline import wait_for_worker, wait_until_kept

    (_family, boarding), (_other, missing) = families.items()
    app = live_server.app
    with app.app_context():
        destination = transfers.destination_by_key(BOEBLINGEN)
        batch = transfers.create_batch(destination, departs_at=now() + timedelta(days=1),
                                       seats=10)
        for family in (boarding, missing):
            household = household_by_ref(family["ref"])
            transfers.decide(household, kind="transfer", destination=destination)
            transfers.add_household(batch, household)
        db.session.commit()
        batch_id = batch.id
        db.session.remove()

    rp = visit(account="rp")
    rp.open(f"/transfers/batches/{batch_id}/boarding")
    wait_for_worker(rp.page)
    wait_until_kept(rp.page)
    context = rp.page.context
    context.set_offline(True)
    rp.page.reload()  # from the tablet's copy
    expect(rp.page.locator("h1")).to_contain_text("Einstieg")
    rp.page.locator("#code").fill(boarding["tokens"][0])
    rp.page.keyboard.press("Enter")
    expect(rp.page.locator(".answer")).to_have_class(re.compile(r"\banswer-amber\b"))
    expect(rp.page.locator(".answer")).to_contain_text("Tablet")
    with app.app_context():
        assert db.session.query(Boarding).filter_by(batch_id=batch_id).count() == 0
        db.session.remove()

    context.set_offline(False)
    rp.page.evaluate("() => window.arrivalOutbox.replay()")
    rp.page.wait_for_function(
        "() => window.arrivalOutbox.all().then(list => list.length > 0 && list.every("
        "r => r.kind !== 'boarding' || r.state === 'done'))", timeout=30_000)
    rp.page.evaluate("() => window.arrivalOutbox.replay()")  # a second round sends nothing
    with app.app_context():
        assert db.session.query(Boarding).filter_by(batch_id=batch_id).count() == 1
        db.session.remove()
