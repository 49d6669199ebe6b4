"""The appointment pages: one tap books from the household page, the slip shows
there in German and the family's language, bad input is shown at its field,
the desk scans and calls, the screen shows card numbers and desks only."""

from __future__ import annotations

import sqlalchemy as sa

from arrival.appointments.models import Appointment, Slot
from arrival.extensions import db
from tests.appointments.test_appointments import calendar, family, items, on_monday  # noqa: F401
from tests.support import form_errors


def test_intake_books_the_first_appointment_from_the_household_page_in_one_tap(
        app, client, signed_in, family):  # noqa: F811
    signed_in("caseworker", authority="auslaenderbehoerde")
    calendar(client)
    client.logout()
    signed_in("intake")
    page = client.get(f"/households/{family}").get_data(as_text=True)
    assert "Termin nötig, noch keiner gebucht" in page
    item = items(app, family, "residence_permit")[0]
    response = client.submit(f"/appointments/book/{item}", {"together": "y"},
                             form_page=f"/households/{family}")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = client.get(f"/households/{family}").get_data(as_text=True)
    for expected in ("Ihr Termin", "Ваш запис на прийом", "Montag, 04.04.2022",
                     "понеділок, 04.04.2022", "08:00", "Візьміть із собою", "Bitte mitbringen"):
        assert expected in page, expected
    assert "Terminzettel A6 (PDF)" in page and "Terminzettel A4 (PDF)" in page


def test_a_time_outside_the_opening_hours_is_shown_at_its_field(app, client, signed_in,
                                                                  family):  # noqa: F811
    signed_in("caseworker", authority="auslaenderbehoerde")
    abh = calendar(client)
    item = items(app, family, "residence_permit")[0]
    response = client.submit(f"/appointments/book/{item}", {
        "calendar": str(abh), "starts_at": "2022-04-04T17:00", "together": "y"},
        form_page=f"/appointments/book/{item}")
    assert response.status_code == 422
    assert form_errors(response.get_data(as_text=True)) == ["starts_at"]
    assert "Öffnungszeiten" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Appointment.id))) == 0


def test_slots_made_on_the_calendar_page_and_bad_hours_refused_there(app, client, signed_in):
    signed_in("caseworker", authority="rp")
    created = client.submit("/appointments/calendars/new", {
        "authority": "rp", "location": "PIK-Station Halle 2"},
        form_page="/appointments/calendars/new")
    assert created.status_code == 302
    page = created.headers["Location"]
    bad = client.submit(f"{page}/slots", {
        "first_day": "2022-04-04", "last_day": "2022-04-08", "weekdays": "12345",
        "opens": "16:00", "closes": "08:00", "every": "15", "desks": "3"}, form_page=page)
    assert bad.status_code == 422
    assert form_errors(bad.get_data(as_text=True)) == ["closes"]
    good = client.submit(f"{page}/slots", {
        "first_day": "2022-04-04", "last_day": "2022-04-08", "weekdays": "12345",
        "opens": "08:00", "closes": "16:00", "every": "15", "desks": "3"}, form_page=page)
    assert good.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Slot.id))) == 160


def test_the_desk_scans_the_card_calls_the_family_and_the_screen_shows_only_the_number(
        app, client, signed_in, family):  # noqa: F811
    from arrival.cards import operations as cards
    from arrival.registry.operations import household_by_ref

    client.username = signed_in("caseworker", authority="auslaenderbehoerde")
    abh = calendar(client)
    item = items(app, family, "residence_permit")[0]
    assert client.post_json(f"/api/v1/cases/items/{item}/appointments",
                            {"calendar": abh, "starts_at": "2022-04-04T09:00"}).status_code == 201
    with app.app_context():
        numbers = [cards.issue_card(p).card.number
                   for p in household_by_ref(family).persons]
        db.session.commit()
    with on_monday(client, 8, 45):
        day = f"/appointments/calendars/{abh}/day"
        assert "Bondarenko, Iryna" in client.get(day).get_data(as_text=True)
        scanned = client.submit(f"/appointments/calendars/{abh}/arrivals",
                                {"code": numbers[0]}, form_page=day)
        assert scanned.status_code == 302
        unknown = client.submit(f"/appointments/calendars/{abh}/arrivals",
                                {"code": "nonsense"}, form_page=day)
        assert form_errors(unknown.get_data(as_text=True)) == ["code"]
        desk = f"/appointments/calendars/{abh}/desk?desk=4"
        called = client.submit(f"/appointments/calendars/{abh}/call", {"desk": "4"},
                               form_page=desk)
        assert called.status_code == 302
        screen = client.get(f"/appointments/calendars/{abh}/screen").get_data(as_text=True)
        appointment_id = next(iter(app_ids(app)))
        attended = client.submit(f"/appointments/calendars/{abh}/attended?day=2022-04-04",
                                 {"appointment": str(appointment_id)}, form_page=day)
        assert attended.status_code == 302
    with app.app_context():
        assert db.session.get(Appointment, appointment_id).state == "attended"
    assert numbers[0] in screen and ">4<" in screen
    assert "Bondarenko" not in screen and "Iryna" not in screen and "Ірина" not in screen


def app_ids(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Appointment.id)))


def test_missed_from_the_day_list_reopens_the_item(app, client, signed_in,
                                                   family):  # noqa: F811
    client.username = signed_in("caseworker", authority="auslaenderbehoerde")
    abh = calendar(client)
    item = items(app, family, "residence_permit")[0]
    client.post_json(f"/api/v1/cases/items/{item}/appointments",
                     {"calendar": abh, "starts_at": "2022-04-04T09:00"})
    (appointment_id,) = app_ids(app)
    with on_monday(client, 10):
        day = f"/appointments/calendars/{abh}/day"
        assert "Nicht erschienen" in client.get(day).get_data(as_text=True)
        missed = client.submit(f"/appointments/{appointment_id}/transition",
                               {"to": "missed", "back": day}, form_page=day)
        assert missed.status_code == 302 and missed.headers["Location"] == day
    with app.app_context():
        from arrival.cases.models import ClarificationItem

        assert db.session.get(Appointment, appointment_id).state == "missed"
        assert db.session.get(ClarificationItem, item).state == "open"


def test_the_cli_makes_slots_in_bulk(app, cli):
    result = cli.invoke(args=["appointments", "slots", "--authority", "gesundheitsamt",
                              "--location", "Sanitätsraum", "--from", "2022-04-04",
                              "--to", "2022-04-08", "--hours", "08:00-16:00", "--every", "15",
                              "--desks", "3"])
    assert result.exit_code == 0, result.output
    assert "160 slots" in result.output
    bad = cli.invoke(args=["appointments", "slots", "--authority", "gesundheitsamt",
                           "--location", "Sanitätsraum", "--from", "2022-03-01",
                           "--to", "2022-03-02"])
    assert bad.exit_code != 0 and "first_day" in bad.output
