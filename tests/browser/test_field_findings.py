"""Issue 23: what staff found on a day at the centre, seen as they see it — on a
tablet in landscape and in portrait. The pages are photographed into
tests/artifacts/screenshots/ (field-*) and checked like every page (axe-core,
touch targets, no sideways scrolling)."""

from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import expect

from tests.browser.journeys import api
from tests.factories import household_payload, person_payload

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A live server of this module's own: what it proposes depends on every free
    bed, so no other test's rooms may be in it."""
    from tests.browser.conftest import _start_live_server

    server = _start_live_server(tmp_path_factory.mktemp("live-field"))
    yield server
    server.stop()


@pytest.fixture
def visit_here(visit, server):
    return lambda size, account: visit(size, account=account, server=server)

_letters = itertools.count(1)


def unique_family_name(stem: str) -> str:
    """Names take letters only: a counter written in letters (Melnyk → Melnykb …)."""
    return stem + "".join(chr(ord("a") + int(d)) for d in str(next(_letters)))


def register_family_of_four(visitor, family_name: str) -> str:
    """Mother, two children and a grandmother who needs a barrier-free room, through
    the JSON API as the intake page sends it; the household's reference."""
    payload = household_payload(
        person_payload(family_name=family_name, given_names="Olha",
                       family_name_cyrillic="", given_names_cyrillic="",
                       document={"type": "none"}),
        person_payload(family_name=family_name, given_names="Ivan", relation="child",
                       sex="male", date_of_birth="2014-02-01", family_name_cyrillic="",
                       given_names_cyrillic="", document={"type": "none"}),
        person_payload(family_name=family_name, given_names="Daria", relation="child",
                       date_of_birth="2017-06-01", family_name_cyrillic="",
                       given_names_cyrillic="", document={"type": "none"}),
        person_payload(family_name=family_name, given_names="Halyna", relation="grandparent",
                       date_of_birth="1948-09-09", flags=["reduced_mobility"],
                       family_name_cyrillic="", given_names_cyrillic="",
                       document={"type": "biometric_passport", "number": "FB7654321",
                                 "issuing_country": "UKR", "expiry": "2030-01-01"}),
    )
    del payload["arrived_at"]  # now: the live server runs on the real clock
    payload["duplicate_reason"] = "Registered by the test set-up"
    response = api(visitor, "POST", "/api/v1/households", payload)
    assert response.status == 201, response.text()
    return response.json()["ref"]


def build_site(server, name: str, rooms: dict) -> None:
    """A site with rooms {name: (beds, barrier_free)} in the live database."""
    from arrival.extensions import db
    from arrival.housing import inventory

    with server.app.app_context():
        site = inventory.create_site({"name": name, "kind": "emergency_hall"})
        for room, (beds, barrier_free) in rooms.items():
            unit = inventory.create_unit(site, {"name": room, "barrier_free": barrier_free})
            inventory.add_beds(unit, beds)
        db.session.commit()
        db.session.remove()


def submit(visitor, button: str):
    with visitor.page.expect_navigation():
        visitor.page.get_by_role("button", name=button, exact=True).click()


# -- housing --------------------------------------------------------------------------


def test_bed_proposal_offers_only_what_takes_the_whole_household(
        visit_here, tablet_size, server):
    family = unique_family_name("Melnyk")
    site = f"Notunterkunft {family}"
    # One barrier-free bed and a hall: no unit takes all four, the site does.
    build_site(server, site, {"Raum EG": (1, True), "Halle": (10, False)})
    ref = register_family_of_four(visit_here(tablet_size, "intake"), family)

    officer = visit_here(tablet_size, "housing")
    page = officer.page
    officer.open(f"/housing/households/{ref}/place")
    expect(page.locator("#needs")).to_contain_text("Vorschläge für 4 Personen")
    expect(page.locator("#split-warning")).to_contain_text(
        "Keine Einheit hat Platz für alle 4 Personen zusammen")
    for offer in page.locator("ul.proposals li").all_inner_texts():
        assert "für 4 Personen" in offer, f"figures for the household: {offer}"
        assert not re.search(r"(?<!\d)1 frei · für 4", offer)
    assert page.locator("input[name=unit]:checked").count() == 0, "a split is never preselected"
    ours = page.locator("ul.proposals li").filter(has_text=site)
    expect(ours).to_contain_text("Raum EG: 1 Person · Bett 1")
    expect(ours).to_contain_text("Halle: 3 Personen · Betten 1, 2, 3")
    assert officer.check_page("field-place-split") == []

    ours.locator("input").check()
    submit(officer, "Betten zuweisen")
    expect(page.locator("#split_reason-error")).to_contain_text("Geben Sie den Grund an")
    assert officer.check_page("field-place-split-no-reason") == []

    page.get_by_label(site).check()
    page.get_by_label("Grund für die Aufteilung des Haushalts").fill(
        "Spätankunft, Familienraum erst morgen frei")
    submit(officer, "Betten zuweisen")
    assert officer.path == f"/households/{ref}"
    assert f"4 Personen in Raum EG, Halle ({site}) untergebracht." in officer.flashes


def test_check_out_asks_for_a_reason_and_confirms_the_names(visit_here, tablet_size, server):
    family = unique_family_name("Tkachenko")
    site = f"Familienhaus {family}"
    build_site(server, site, {"Familienraum": (4, True)})
    ref = register_family_of_four(visit_here(tablet_size, "intake"), family)
    officer = visit_here(tablet_size, "housing")
    page = officer.page
    officer.open(f"/housing/households/{ref}/place")
    submit(officer, "Betten zuweisen")

    officer.open(f"/housing/households/{ref}/check-out")
    expect(page.get_by_label("Grund")).to_have_value("")
    page.get_by_label(f"{family}, Daria").uncheck()
    page.get_by_label(f"{family}, Halyna").uncheck()
    submit(officer, "Auschecken")
    expect(page.locator("#reason-error")).to_contain_text("Wählen Sie einen Grund aus der Liste")

    page.get_by_label("Grund").select_option(label="Private Unterkunft")
    submit(officer, "Auschecken")
    confirmation = page.locator("#confirm-check-out")
    expect(confirmation).to_contain_text("Diese 2 Personen auschecken?")
    expect(confirmation).to_contain_text(f"Olha {family}")
    expect(confirmation).to_contain_text(f"Ivan {family}")
    expect(confirmation).not_to_contain_text("Daria")
    assert officer.check_page("field-check-out-confirm") == []
    submit(officer, "Ja, auschecken")
    assert f"2 Personen ausgecheckt: Olha {family}, Ivan {family}." in officer.flashes


def test_household_page_shows_documents_and_needs_without_sideways_scrolling(
        visit_here, tablet_size):
    clerk = visit_here(tablet_size, "intake")
    ref = register_family_of_four(clerk, unique_family_name("Savchenko"))
    clerk.open(f"/households/{ref}")
    clerk.screenshot("field-household")
    members = clerk.page.locator(".table-wrap").first
    expect(members).to_contain_text("FB7654321")
    expect(members).to_contain_text("Eingeschränkte Mobilität")
    assert members.evaluate("el => el.scrollWidth <= el.clientWidth"), \
        "the members table scrolls sideways"
    history = clerk.page.locator("ul.history")
    expect(history).to_contain_text("Person angelegt: Geburtsjahr, Geburtsdatum")
    expect(history).not_to_contain_text("create person")
    assert clerk.check_page("field-household") == []


def test_audit_log_and_dashboard_speak_german(visit_here, tablet_size):
    admin = visit_here(tablet_size, "admin")
    admin.open("/admin/audit/")
    actions = admin.page.locator("tbody td:nth-child(3)").all_inner_texts()
    assert "angemeldet" in actions and "login" not in actions
    assert admin.check_page("field-audit-log") == []

    coordinator = visit_here(tablet_size, "coordinator")
    coordinator.open("/dashboard/")
    groups = coordinator.page.locator("#h-demo ~ ul.inline-list")
    expect(groups).to_contain_text("Unbegleitete Minderjährige: 0")
    expect(groups).not_to_contain_text(":r:")
    assert coordinator.check_page("field-dashboard-now") == []


# -- dashboard and situation report ------------------------------------------------------


def test_dashboard_says_stand_for_a_past_moment_and_refuses_the_future_and_garbage(
        visit_here, tablet_size):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    coordinator = visit_here(tablet_size, "coordinator")
    page = coordinator.page
    earlier = (datetime.now(ZoneInfo("Europe/Berlin")) - timedelta(days=1)).replace(
        hour=18, minute=0)
    coordinator.open(f"/dashboard/?as_of={earlier:%Y-%m-%dT%H:%M}")
    assert coordinator.heading == f"Lage · Stand {earlier:%d.%m.%Y} 18:00"
    kpis = page.locator(".kpis")
    expect(kpis).to_contain_text(f"Anwesend, Stand {earlier:%d.%m.%Y} 18:00")
    expect(kpis).to_contain_text(f"Ankünfte am {earlier:%d.%m.%Y}")
    expect(kpis).not_to_contain_text("Jetzt anwesend")
    expect(page.locator("#h-demo ~ .table-wrap thead")).to_contain_text("6–17")
    assert coordinator.check_page("field-dashboard-past") == []

    coordinator.open("/dashboard/?as_of=2999-01-15T10:00")
    expect(page.locator("#as_of-error")).to_contain_text(
        "15.01.2999 10:00 liegt in der Zukunft")
    assert coordinator.heading == "Lage · jetzt"
    assert coordinator.check_page("field-dashboard-future") == []

    coordinator.open("/dashboard/?as_of=garbage")
    expect(page.locator("#as_of-error")).to_contain_text(
        "„garbage“ wird nicht als Datum und Uhrzeit verstanden")
    assert coordinator.heading == "Lage · jetzt"


def test_report_of_a_future_day_is_refused_and_todays_is_provisional(visit_here, tablet_size):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    today = datetime.now(ZoneInfo("Europe/Berlin")).date()
    coordinator = visit_here(tablet_size, "coordinator")
    page = coordinator.page
    coordinator.open("/reports/")
    field = page.get_by_label("Tag").first
    expect(field).to_have_attribute("max", today.isoformat())
    # The browser's date field holds the limit; a request past it is refused too.
    coordinator.open(f"/reports/?date={today + timedelta(days=30)}")
    page.evaluate("() => document.getElementById('gen-date').removeAttribute('max')")
    submit(coordinator, "Erstellen")
    later = today + timedelta(days=30)
    assert any(f"Der {later:%d.%m.%Y} hat noch nicht begonnen" in text
               for text in coordinator.flashes), coordinator.flashes

    page.get_by_label("Tag").first.fill(today.isoformat())
    submit(coordinator, "Erstellen")
    assert any(f"Vorläufiger Bericht für den {today:%d.%m.%Y} erstellt" in text
               for text in coordinator.flashes), coordinator.flashes
    expect(page.locator("tbody tr").first).to_contain_text("vorläufig (vor Tagesende erstellt)")
    assert coordinator.check_page("field-reports-provisional") == []


# -- caseworkers ---------------------------------------------------------------------------


def test_caseworker_sees_only_fitting_results_and_what_the_item_needs(
        visit_here, tablet_size, server):
    family = unique_family_name("Okafor")
    intake = visit_here(tablet_size, "intake")
    payload = household_payload(person_payload(
        family_name=family, given_names="Chidi", family_name_cyrillic="",
        given_names_cyrillic="", nationality="NGA", sex="male", date_of_birth="1990-02-02",
        document={"type": "none"}, languages=["en"]))
    del payload["arrived_at"]
    payload["duplicate_reason"] = "Registered by the test set-up"
    response = api(intake, "POST", "/api/v1/households", payload)
    assert response.status == 201, response.text()
    ref = response.json()["ref"]

    officer = visit_here(tablet_size, "abh")
    page = officer.page
    officer.open("/cases/")
    row = page.locator("table.queue tbody tr").filter(has_text=family).filter(
        has_text="Identitätsklärung").first
    row.locator("input[name=item]").check()
    labels = [text.strip() for text in page.locator("#bulk-resolution option").all_inner_texts()]
    assert len(labels) == len(set(labels)), f"each label once: {labels}"
    assert "Quarantäne angeordnet" not in labels
    visible = page.locator("#bulk-resolution option:not([hidden])").all_inner_texts()
    assert "Identität geklärt" in visible and "Anspruchsberechtigt" not in visible
    assert officer.check_page("field-cases-bulk") == []

    with page.expect_navigation():
        row.get_by_role("link").click()
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text(f"{family}, Chidi · ")
    expect(facts).to_contain_text("Jahre")
    expect(facts).to_contain_text("Englisch")
    expect(facts.get_by_role("link", name=ref)).to_have_attribute("href", f"/households/{ref}")
    page.get_by_label("Neuer Status").select_option(label="wartend")
    page.get_by_label("Wartet (bei wartend)").select_option(label="auf eine andere Behörde")
    page.get_by_label("Welche Behörde (wenn auf eine gewartet wird)").select_option(
        label="Regierungspräsidium")
    page.get_by_label("Notiz").fill("Rückfrage zur Verteilung")
    submit(officer, "Speichern")
    expect(facts).to_contain_text("auf eine andere Behörde: Regierungspräsidium")
    assert officer.check_page("field-case-item") == []


def test_items_per_household_and_a_contradiction_are_shown(visit_here, tablet_size):
    """A mother with three children gets one treatment-voucher item and a § 24 item
    each; a lone 15-year-old's open Jugendamt item beside an RP distribution already
    decided is shown as a contradiction on the item and on the household page."""
    family = unique_family_name("Shevchuk")
    intake = visit_here(tablet_size, "intake")
    children = [person_payload(family_name=family, given_names=name, relation="child",
                               date_of_birth=born, family_name_cyrillic="",
                               given_names_cyrillic="", document={"type": "none"})
                for name, born in (("Ivan", "2014-02-01"), ("Daria", "2017-06-01"),
                                   ("Lev", "2021-09-01"))]
    mother = person_payload(family_name=family, given_names="Olha", family_name_cyrillic="",
                            given_names_cyrillic="")
    lone = unique_family_name("Kovalenko")
    refs = {}
    for name, persons in ((family, [mother, *children]), (lone, [person_payload(
            family_name=lone, given_names="Taras", family_name_cyrillic="",
            given_names_cyrillic="", sex="male", date_of_birth="2011-03-03",
            flags=["unaccompanied_minor"], document={"type": "none"})])):
        payload = household_payload(*persons)
        del payload["arrived_at"]  # now (the real clock of the browser tests)
        payload["duplicate_reason"] = "Registered by the test set-up"
        response = api(intake, "POST", "/api/v1/households", payload)
        assert response.status == 201, response.text()
        refs[name] = response.json()["ref"]

    coordinator = visit_here(tablet_size, "coordinator")
    coordinator.open(f"/households/{refs[family]}")
    section = coordinator.page.locator("section[aria-labelledby=clarification-title]")
    expect(section.locator("tr").filter(has_text="Behandlungsschein")).to_have_count(1)
    expect(section.locator("tr").filter(has_text="§ 24")).to_have_count(4)

    rp = visit_here(tablet_size, "rp")
    rp.open("/cases/")
    rp.open(f"/households/{refs[lone]}")
    rp.page.locator("section[aria-labelledby=clarification-title]").get_by_role(
        "link", name=re.compile("Verteilentscheidung")).click()
    rp.page.get_by_label("Neuer Status").select_option(label="erledigt")
    rp.page.get_by_label("Ergebnis").select_option(label="Verbleib in der Stadt")
    submit(rp, "Speichern")

    jugendamt = visit_here(tablet_size, "jugendamt")
    jugendamt.open("/cases/")
    jugendamt.page.locator("table.queue tbody tr").filter(has_text=lone).first.get_by_role(
        "link").click()
    box = jugendamt.page.locator(".contradictions")
    expect(box).to_contain_text("Widerspruch")
    expect(box).to_contain_text("Verteilentscheidung")
    assert jugendamt.check_page("field-case-contradiction") == []
    coordinator.open(f"/households/{refs[lone]}")
    expect(coordinator.page.locator(".contradictions")).to_contain_text("Verteilentscheidung")
    assert coordinator.check_page("field-household-contradiction") == []


# -- cards and intake ------------------------------------------------------------------------


def test_intake_refuses_an_emoji_in_a_name_at_the_field(visit_here, tablet_size):
    clerk = visit_here(tablet_size, "intake")
    page = clerk.page
    clerk.open("/households/new")
    page.get_by_label("Ankunftsort").select_option(label="Hauptbahnhof")
    person = page.locator("#person-0")
    person.get_by_label("Familienname (wie im Dokument)").fill(unique_family_name("Bondar"))
    person.get_by_label("Vornamen (wie im Dokument)").fill("Olena 😀")
    person.get_by_label("Geschlecht").select_option("female")
    person.get_by_label("Geburtsdatum").fill("1984-03-12")
    person.get_by_label("Dokument", exact=True).select_option("none")
    # The counter answers in place (no page load): the error appears at the field.
    page.get_by_role("button", name="Registrieren", exact=True).click()
    given = page.locator("#person-0 .field").filter(
        has=page.get_by_label("Vornamen (wie im Dokument)"))
    expect(given).to_contain_text("Die Karte kann „😀“ nicht drucken")
    assert clerk.check_page("field-intake-emoji") == []
