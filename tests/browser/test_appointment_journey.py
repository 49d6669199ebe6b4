"""Journey 9 (issue 16): the Ausländerbehörde books the family of four from their
items, the slip is printed in Ukrainian, the family is marked arrived by a card
scan at the ABH desk and called up on the waiting-room screen (by card number,
never by name); a second household does not come and is recorded as a no-show."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pypdfium2
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def abh_day(live_server, unique_name):
    """An ABH calendar from today (every 15 minutes, all day, 3 desks), the family of
    four (contact language Ukrainian) and a single adult, each person with a card."""
    from datetime import datetime, timezone

    from arrival.appointments import operations as appointments
    from arrival.cards import operations as cards
    from arrival.catalog.operations import authority_by_code
    from arrival.core.clock import now, today_local
    from arrival.core.timezone import to_local
    from arrival.extensions import db
    from arrival.registry import operations as registry
    from arrival.registry.validation import parse_household
    from tests.factories import household_payload, person_payload

    if to_local(now()).hour == 23 and to_local(now()).minute >= 30:
        pytest.skip("the next free slot would be tomorrow: the desk scans today's")
    app = live_server.app
    families = {}
    with app.app_context():
        calendar = appointments.create_calendar(
            authority_by_code("auslaenderbehoerde"), unique_name("ABH Raum "), weekdays="1234567",
            opens="00:00", closes="23:45", slot_minutes=15, desks=3)
        appointments.generate_slots(calendar, today_local(), today_local() + timedelta(days=1))
        for name, members in (
                (unique_name("Termin"), [("Iryna", "head", "1986-05-02", "Ірина"),
                                         ("Andrii", "spouse", "1984-11-20", "Андрій"),
                                         ("Maksym", "child", "2012-08-08", "Максим"),
                                         ("Sofiia", "child", "2018-12-24", "Софія")]),
                (unique_name("Fern"), [("Vira", "head", "1970-05-05", "Віра")])):
            payload = household_payload(*[person_payload(
                family_name=name, given_names=given, family_name_cyrillic="",
                given_names_cyrillic=cyrillic, document={"type": "none"}, relation=relation,
                date_of_birth=born) for given, relation, born, cyrillic in members],
                contact_language="uk")
            data = parse_household(payload, now=datetime(2022, 3, 15, 12, tzinfo=timezone.utc))
            household = registry.register_household(
                data, idempotency_key=None, fingerprint=registry.request_fingerprint(payload),
                duplicate_reason="browser test").household
            families[name] = {"ref": household.ref,
                              "cards": [cards.issue_card(p).card.number for p in household.persons]}
        db.session.commit()
        calendar_id = calendar.id
        db.session.remove()
    return calendar_id, families


def book_residence_permit(visitor, ref: str) -> None:
    """From the household page: the § 24 item's "next free slot" (the family together)."""
    visitor.open(f"/households/{ref}")
    row = visitor.page.locator("ul.proposals li").filter(has_text="§ 24").first
    row.get_by_role("button", name="Nächsten freien Termin buchen").click()
    expect(visitor.page.locator(".slip-box").first).to_be_visible()


def test_journey_9_book_print_the_slip_arrive_call_up_and_a_no_show(visit, abh_day, live_server):
    from arrival.core import clock

    calendar_id, families = abh_day
    (family_name, family), (_absent_name, absent) = families.items()
    abh = visit(account="abh")

    # Booked from the items: one appointment for the four of them, the slip in Ukrainian.
    book_residence_permit(abh, family["ref"])
    slip = abh.page.locator(".slip-box").first
    expect(slip).to_contain_text("Ваш запис на прийом")
    assert not abh.check_page("appointments-household")
    href = abh.page.get_by_role("link", name="Terminzettel A6 (PDF)").first.get_attribute("href")
    response = abh.page.request.get(href)  # what the link opens (inline, for printing)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = pypdfium2.PdfDocument(io.BytesIO(response.body()))
    text = pdf[0].get_textpage().get_text_range()
    for expected in ("Ihr Termin", "Ваш запис на прийом", "Візьміть із собою", "Ірина"):
        assert expected in text, expected
    book_residence_permit(abh, absent["ref"])

    # The ABH desk: the family's card scanned, they are marked arrived.
    abh.open(f"/appointments/calendars/{calendar_id}/day")
    abh.page.get_by_label("Karte scannen oder Kartennummer eingeben").fill(
        family["cards"][1])
    abh.page.get_by_role("button", name="Angekommen", exact=True).click()
    family_row = abh.page.locator("tr").filter(has_text=family_name).first
    expect(family_row).to_contain_text(re.compile("angekommen", re.I))
    assert not abh.check_page("appointments-day")

    # Desk 2 calls the next: the screen shows a card number and the desk, no name.
    abh.open(f"/appointments/calendars/{calendar_id}/desk?desk=2")
    abh.page.get_by_role("button", name="Nächste aufrufen").click()
    screen = visit(account="abh")
    screen.open(f"/appointments/calendars/{calendar_id}/screen")
    latest = screen.page.locator(".kiosk-latest")
    expect(latest).to_contain_text(family["cards"][0])
    expect(latest).to_contain_text("2")
    assert family_name not in screen.page.locator("main").inner_text()

    # The other household does not come: once its time has passed, one tap records it.
    previous = clock.set_clock(clock.ticking_from(clock.now() + timedelta(minutes=16)))
    try:
        abh.sign_in("abh")  # sixteen idle minutes end a session
        abh.open(f"/appointments/calendars/{calendar_id}/day")
        absent_row = abh.page.locator("tr").filter(has_text=_absent_name)
        absent_row.get_by_role("button", name="Nicht erschienen").click()
        expect(abh.page.locator("tr").filter(has_text=_absent_name)).to_contain_text(
            re.compile("nicht erschienen", re.I))
    finally:
        clock.set_clock(previous)

    from arrival.appointments.operations import figures_of_day
    from arrival.core.clock import today_local

    with live_server.app.app_context():
        abh_figures, = [f for f in figures_of_day(today_local())
                        if f.authority == "auslaenderbehoerde" and f.missed]
        assert abh_figures.missed >= 1
