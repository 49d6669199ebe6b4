"""Appointments (issue 16): calendars with slots made in bulk, booking from an
item (the family together, or a slot the clerk picks), bad input refused at its
field with nothing saved, no person booked twice at once, states with history and
their effect on the items, rebooking and cancelling, the desk and the screen."""

from __future__ import annotations

import io
import re
from contextlib import contextmanager
from datetime import date, datetime, timezone

import pypdfium2
import pytest
import sqlalchemy as sa

from arrival.appointments.models import Appointment, AppointmentTransition, Slot
from arrival.cases.models import ClarificationItem
from arrival.core import clock
from arrival.extensions import db
from arrival.registry.operations import household_by_ref
from tests.factories import PASSWORD, person_payload

# The suite starts on Friday 1 April 2022, 11:00 in Stuttgart; Monday is the 4th.
MONDAY = "2022-04-04"


def member(given, born, relation, sex="female", cyrillic="", **fields):
    return person_payload(family_name="Bondarenko", family_name_cyrillic="Бондаренко",
                          given_names=given, given_names_cyrillic=cyrillic, sex=sex,
                          date_of_birth=born, relation=relation, **fields)


@pytest.fixture
def family(make_household):
    """A family of four: two adults, a child of 9 and one of 3."""
    return make_household(
        member("Iryna", "1986-05-02", "head", cyrillic="Ірина"),
        member("Andrii", "1984-11-20", "spouse", sex="male", cyrillic="Андрій",
               document={"type": "biometric_passport", "number": "FX998877",
                         "issuing_country": "UKR", "expiry": "2031-01-01"}),
        member("Maksym", "2012-08-08", "child", sex="male", document={"type": "none"}),
        member("Sofiia", "2018-12-24", "child", document={"type": "none"}))


def items(app, ref, topic) -> list[int]:
    with app.app_context():
        household = household_by_ref(ref)
        return list(db.session.scalars(sa.select(ClarificationItem.id).where(
            ClarificationItem.household_id == household.id, ClarificationItem.topic == topic)
            .order_by(ClarificationItem.id)))


def item_state(app, item_id) -> str:
    with app.app_context():
        return db.session.get(ClarificationItem, item_id).state


def calendar(client, authority="auslaenderbehoerde", location="Ankunftszentrum, Raum 1",
             desks=3, first=MONDAY, last="2022-04-08", **slots) -> int:
    created = client.post_json("/api/v1/appointments/calendars", {
        "authority": authority, "location": location})
    assert created.status_code == 201, created.get_json()
    calendar_id = created.get_json()["id"]
    made = client.post_json(f"/api/v1/appointments/calendars/{calendar_id}/slots", {
        "first_day": first, "last_day": last, "weekdays": "1-5", "opens": "08:00",
        "closes": "16:00", "every": 15, "desks": desks, **slots})
    assert made.status_code == 201, made.get_json()
    return calendar_id


def book(client, item_id, **body):
    return client.post_json(f"/api/v1/cases/items/{item_id}/appointments", body)


def field_errors(response) -> dict:
    assert response.status_code == 422, response.get_json()
    return response.get_json()["fields"]


def appointment_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Appointment.id)))


@pytest.fixture
def abh(client, signed_in):
    """Signed in as a caseworker of the Ausländerbehörde with a calendar of one week."""
    client.username = signed_in("caseworker", authority="auslaenderbehoerde")
    return calendar(client)


@contextmanager
def on_monday(client, hour=9, minute=10):
    """Monday 4 April at the given local time, signed in again (sessions expire)."""
    with clock.frozen_at(datetime(2022, 4, 4, hour - 2, minute, tzinfo=timezone.utc)):
        assert client.login(client.username, PASSWORD).status_code == 302
        yield


class TestCalendars:
    def test_mon_to_fri_8_to_16_every_15_minutes_with_3_desks(self, app, abh):
        with app.app_context():
            slots = db.session.scalars(sa.select(Slot).where(Slot.calendar_id == abh)
                                       .order_by(Slot.starts_at)).all()
        assert len(slots) == 5 * 32
        assert {s.capacity for s in slots} == {3}
        first, last = clock.local_zone(), None
        assert slots[0].starts_at.astimezone(first).strftime("%a %H:%M") == "Mon 08:00"
        assert slots[-1].starts_at.astimezone(first).strftime("%a %H:%M") == "Fri 15:45"

    def test_making_the_same_slots_again_adds_none(self, client, abh):
        again = client.post_json(f"/api/v1/appointments/calendars/{abh}/slots", {
            "first_day": MONDAY, "last_day": "2022-04-08"})
        assert again.get_json()["created"] == 0

    def test_a_blocked_day_loses_its_slots_and_gets_none_in_bulk(self, app, client, abh):
        blocked = client.post_json(f"/api/v1/appointments/calendars/{abh}/blocked-days",
                                   {"day": "2022-04-06", "reason": "Personalversammlung"})
        assert blocked.get_json()["removed_slots"] == 32
        again = client.post_json(f"/api/v1/appointments/calendars/{abh}/slots", {
            "first_day": MONDAY, "last_day": "2022-04-08"})
        assert again.get_json()["created"] == 0

    @pytest.mark.parametrize("body, field", [
        ({"first_day": "2022-03-31", "last_day": "2022-04-08"}, "first_day"),
        ({"first_day": "2022-04-08", "last_day": "2022-04-04"}, "last_day"),
        ({"first_day": MONDAY, "last_day": "2022-04-08", "opens": "16:00", "closes": "08:00"},
         "closes"),
        ({"first_day": MONDAY, "last_day": "2022-04-08", "desks": 0}, "desks"),
        ({"first_day": MONDAY, "last_day": "2022-04-08", "opens": "8 Uhr"}, "opens"),
        ({"first_day": MONDAY, "last_day": "2022-12-31"}, "last_day"),
    ], ids=["past", "reversed", "hours", "desks", "clock", "too-long"])
    def test_bad_slot_generation_is_refused_at_its_field(self, client, signed_in, body, field):
        signed_in("caseworker", authority="auslaenderbehoerde")
        created = client.post_json("/api/v1/appointments/calendars", {
            "authority": "auslaenderbehoerde", "location": "Raum 9"})
        response = client.post_json(
            f"/api/v1/appointments/calendars/{created.get_json()['id']}/slots", body)
        assert field in field_errors(response)

    def test_an_authority_keeps_only_its_own_calendars(self, client, signed_in):
        signed_in("caseworker", authority="sozialamt")
        response = client.post_json("/api/v1/appointments/calendars", {
            "authority": "auslaenderbehoerde", "location": "Raum 1"})
        assert response.status_code == 403


class TestBooking:
    def test_the_next_free_slot_takes_the_whole_family_together(self, app, client, family,
                                                                abh):
        first, *others = items(app, family, "residence_permit")  # every person needs § 24
        response = book(client, first)
        assert response.status_code == 201, response.get_json()
        made = response.get_json()["appointments"]
        assert len(made) == 1  # one household appointment at one desk
        assert len(made[0]["persons"]) == 4
        assert made[0]["starts_at"] == "2022-04-04T06:00:00+00:00"  # Monday 08:00 local
        assert {item_state(app, i) for i in [first, *others]} == {"in_progress"}
        again = book(client, others[0])
        assert "item" in field_errors(again)

    def test_per_person_types_take_a_seat_each_in_the_same_slot(self, app, client, signed_in,
                                                                 family):
        signed_in("caseworker", authority="rp")
        calendar(client, authority="rp", location="PIK-Station", desks=3)
        prints = items(app, family, "fingerprints")
        assert len(prints) == 3  # everyone from 6 years
        made = book(client, prints[0]).get_json()["appointments"]
        assert len(made) == 3 and len({a["starts_at"] for a in made}) == 1
        with app.app_context():
            assert db.session.get(Slot, db.session.get(Appointment, made[0]["id"]).slot_id
                                  ).booked == 3

    def test_two_desks_cannot_take_three_together(self, app, client, signed_in, family):
        signed_in("caseworker", authority="rp")
        calendar(client, authority="rp", location="PIK-Station", desks=2)
        response = book(client, items(app, family, "fingerprints")[0])
        assert "calendar" in field_errors(response)
        alone = book(client, items(app, family, "fingerprints")[0], together=False)
        assert alone.status_code == 201
        assert len(alone.get_json()["appointments"]) == 1

    def test_a_partly_taken_slot_is_skipped_when_the_family_does_not_fit(
            self, app, client, signed_in, family, make_household):
        signed_in("caseworker", authority="rp")
        rp = calendar(client, authority="rp", location="PIK-Station", desks=3)
        other = make_household(member("Olha", "1970-01-01", "head"))
        assert book(client, items(app, other, "fingerprints")[0]).status_code == 201
        made = book(client, items(app, family, "fingerprints")[0]).get_json()["appointments"]
        assert {a["starts_at"] for a in made} == {"2022-04-04T06:15:00+00:00"}
        assert rp

    def test_the_clerk_picks_a_time(self, app, client, family, abh):
        response = book(client, items(app, family, "residence_permit")[0], calendar=abh,
                        starts_at="2022-04-05T10:30")
        assert response.get_json()["appointments"][0]["starts_at"] == \
            "2022-04-05T08:30:00+00:00"

    @pytest.mark.parametrize("starts_at, message", [
        ("2022-03-31T10:00", "Vergangenheit"),
        ("2022-04-04T07:45", "Öffnungszeiten"),
        ("2022-04-04T16:00", "Öffnungszeiten"),
        ("2022-04-09T10:00", "Öffnungszeiten"),  # a Saturday
        ("2022-04-04T10:05", "beginnt kein Zeitslot"),
    ], ids=["past", "before-opening", "at-closing", "saturday", "between-slots"])
    def test_a_bad_time_is_refused_at_the_field_and_nothing_is_saved(
            self, app, client, family, abh, starts_at, message):
        item = items(app, family, "residence_permit")[0]
        response = book(client, item, calendar=abh, starts_at=starts_at)
        assert message in " ".join(field_errors(response)["starts_at"])
        assert appointment_count(app) == 0
        assert item_state(app, item) == "open"

    def test_a_blocked_day_is_refused_with_its_reason(self, app, client, family, abh):
        client.post_json(f"/api/v1/appointments/calendars/{abh}/blocked-days",
                         {"day": "2022-04-05", "reason": "Betriebsausflug"})
        response = book(client, items(app, family, "residence_permit")[0], calendar=abh,
                        starts_at="2022-04-05T10:00")
        assert "Betriebsausflug" in field_errors(response)["starts_at"][0]
        assert appointment_count(app) == 0

    def test_a_duration_that_does_not_fit_the_slots_is_refused(self, app, client, signed_in,
                                                               family, monkeypatch):
        signed_in("caseworker", authority="auslaenderbehoerde")
        abh = calendar(client, every=10)
        response = book(client, items(app, family, "residence_permit")[0], calendar=abh,
                        starts_at="2022-04-04T10:00")
        assert "15 Minuten" in field_errors(response)["type"][0]
        assert "type" in field_errors(book(client, items(app, family, "residence_permit")[0]))
        assert appointment_count(app) == 0

    def test_a_checked_out_person_cannot_be_booked(self, app, client, family, abh, make_site):
        from arrival.housing import operations as housing

        site = make_site(4)
        with app.app_context():
            household = household_by_ref(family)
            from arrival.housing.models import Bed

            beds = db.session.scalars(sa.select(Bed).where(Bed.unit_id == site["units"][0])
                                      ).all()
            stays = housing.assign(household.persons[:1], beds[:1], check_in=True)
            housing.check_out(stays[0], reason="private_accommodation", destination="Freunde")
            db.session.commit()
        response = book(client, items(app, family, "residence_permit")[0], together=False)
        assert "ausgezogen" in field_errors(response)["persons"][0]
        assert appointment_count(app) == 0

    def test_intake_books_the_first_appointment_but_not_another_authority_rebooking(
            self, app, client, signed_in, family, abh):
        client.logout()
        signed_in("intake")
        made = book(client, items(app, family, "residence_permit")[0])
        assert made.status_code == 201
        again = client.post_json(
            f"/api/v1/appointments/{made.get_json()['appointments'][0]['id']}/rebook",
            {"reason": "später"})
        assert again.status_code == 403

    def test_another_authority_cannot_book_the_item(self, app, client, signed_in, family, abh):
        client.logout()
        signed_in("caseworker", authority="sozialamt")
        assert book(client, items(app, family, "residence_permit")[0]).status_code == 403

    def test_coordinators_read_but_do_not_book(self, app, client, signed_in, family, abh):
        client.logout()
        signed_in("coordinator")
        assert book(client, items(app, family, "residence_permit")[0]).status_code == 403
        assert client.get(f"/api/v1/households/{family}/appointments").status_code == 200


class TestOverlap:
    def test_a_person_is_never_booked_at_overlapping_times(self, app, client, signed_in,
                                                           family):
        signed_in("caseworker", authority="rp")
        rp = calendar(client, authority="rp", location="PIK-Station", desks=3)
        prints = items(app, family, "fingerprints")
        assert book(client, prints[0], calendar=rp, starts_at="2022-04-04T09:00",
                    together=False).status_code == 201
        client.logout()
        signed_in("caseworker", authority="auslaenderbehoerde")
        abh = calendar(client)
        response = book(client, items(app, family, "residence_permit")[0], calendar=abh,
                        starts_at="2022-04-04T09:00")
        assert "bereits einen Termin" in field_errors(response)["persons"][0]
        # the next free slot steps around the other appointment
        made = book(client, items(app, family, "residence_permit")[0]).get_json()
        assert made["appointments"][0]["starts_at"] == "2022-04-04T06:00:00+00:00"
        with app.app_context():
            busy = db.session.scalars(sa.select(Appointment.starts_at)).all()
        assert len(busy) == 2


class TestStates:
    @pytest.fixture
    def booked(self, app, client, family, abh):
        made = book(client, items(app, family, "residence_permit")[0], calendar=abh,
                    starts_at="2022-04-04T09:00").get_json()["appointments"][0]
        return made

    def move(self, client, appointment, to, note=None):
        current = client.get(f"/api/v1/households/{appointment['household_ref']}/appointments")
        version = next(a["version"] for a in current.get_json()["appointments"]
                       if a["id"] == appointment["id"])
        return client.post_json(f"/api/v1/appointments/{appointment['id']}/transition",
                                {"to": to, "note": note, "version": version})

    def test_planned_arrived_attended_resolves_the_items(self, app, client, family, booked):
        with on_monday(client):
            assert self.move(client, booked, "arrived").get_json()["state"] == "arrived"
            assert self.move(client, booked, "attended").get_json()["state"] == "attended"
        for item in items(app, family, "residence_permit"):
            with app.app_context():
                found = db.session.get(ClarificationItem, item)
                assert (found.state, found.resolution) == ("resolved", "fiktion_issued")
        with app.app_context():
            history = db.session.scalars(sa.select(AppointmentTransition.to_state).where(
                AppointmentTransition.appointment_id == booked["id"])
                .order_by(AppointmentTransition.id)).all()
        assert history == ["planned", "arrived", "attended"]

    def test_the_dashboard_and_the_report_count_the_days_appointments(
            self, app, client, signed_in, family, booked):
        """Issue 16: appointments of the day per authority, attended, missed, the
        no-show rate — on the dashboard and in the situation report of that day."""
        from arrival.reports.tables import build
        from arrival.statistics.figures import day_report

        with on_monday(client, 10):
            self.move(client, booked, "missed")
            client.username = signed_in("coordinator")
            html = client.get("/dashboard/").get_data(as_text=True)
        row = html.split('data-appointments="auslaenderbehoerde"')[1].split("</tr>")[0]
        cells = re.findall(r"<td>([^<]*)</td>", row)
        # authority, booked, attended, missed, cancelled, no-show rate, mean wait
        assert cells[1:] == ["1", "0", "1", "0", "100 %", "—"]
        with app.app_context():
            figures = day_report(date(2022, 4, 4))
            assert figures["appointments"] == [{
                "authority": "auslaenderbehoerde", "total": 1, "attended": 0, "missed": 1,
                "cancelled": 0, "no_show_rate": 1.0, "waiting_minutes": None}]
            table = build(figures)["termine"]
            assert table.iloc[0]["Nicht erschienen"] == 1
            assert table.iloc[0]["Nichterscheinen %"] == 100.0
            assert day_report(date(2022, 4, 5))["appointments"] == []

    def test_a_no_show_reopens_the_items(self, app, client, family, booked):
        with on_monday(client, 10):
            assert self.move(client, booked, "missed").get_json()["state"] == "missed"
        assert {item_state(app, i) for i in items(app, family, "residence_permit")} == {"open"}
        with app.app_context():
            household = household_by_ref(family)
            from arrival.appointments.operations import items_needing_appointment

            assert any(i.topic == "residence_permit"
                       for i in items_needing_appointment(household))

    def test_no_show_before_the_appointment_is_refused(self, client, booked):
        assert "to" in field_errors(self.move(client, booked, "missed"))

    def test_arrival_is_not_marked_before_the_day(self, client, booked):
        assert "to" in field_errors(self.move(client, booked, "arrived"))

    def test_an_attended_appointment_stays_attended(self, client, booked):
        with on_monday(client):
            self.move(client, booked, "attended")
            assert "to" in field_errors(self.move(client, booked, "cancelled", "x"))

    def test_cancelling_needs_a_reason_and_frees_the_seat(self, app, client, family, booked):
        assert "reason" in field_errors(self.move(client, booked, "cancelled"))
        response = self.move(client, booked, "cancelled", "Familie ist weitergereist")
        assert response.get_json()["reason"] == "Familie ist weitergereist"
        with app.app_context():
            slot = db.session.get(Slot, db.session.get(Appointment, booked["id"]).slot_id)
            assert slot.booked == 0
        assert {item_state(app, i) for i in items(app, family, "residence_permit")} == {"open"}

    def test_rebooking_moves_the_persons_and_keeps_the_items_in_progress(
            self, app, client, family, abh, booked):
        response = client.post_json(f"/api/v1/appointments/{booked['id']}/rebook", {
            "reason": "Kind krank", "calendar": abh, "starts_at": "2022-04-06T11:00"})
        assert response.status_code == 201, response.get_json()
        new = response.get_json()
        assert new["starts_at"] == "2022-04-06T09:00:00+00:00"
        assert len(new["persons"]) == 4
        with app.app_context():
            old = db.session.get(Appointment, booked["id"])
            assert (old.state, old.reason) == ("cancelled", "Kind krank")
            assert db.session.get(Appointment, new["id"]).rebooked_from_id == old.id
        assert {item_state(app, i) for i in items(app, family, "residence_permit")} == \
            {"in_progress"}

    def test_a_rebooking_without_reason_changes_nothing(self, app, client, booked):
        response = client.post_json(f"/api/v1/appointments/{booked['id']}/rebook", {})
        assert "reason" in field_errors(response)
        with app.app_context():
            assert db.session.get(Appointment, booked["id"]).state == "planned"
            assert db.session.scalar(sa.select(sa.func.count(Appointment.id))) == 1


class TestDesk:
    @pytest.fixture
    def monday_morning(self, app, client, family, abh):
        from arrival.cards import operations as cards

        made = book(client, items(app, family, "residence_permit")[0], calendar=abh,
                    starts_at="2022-04-04T09:00").get_json()["appointments"][0]
        with app.app_context():
            household = household_by_ref(family)
            numbers = [cards.issue_card(p).card.number for p in household.persons]
            db.session.commit()
        with on_monday(client, 8, 50):
            yield made, numbers

    def test_a_card_scan_marks_the_family_arrived_and_the_desk_calls_it(
            self, client, abh, monday_morning):
        made, numbers = monday_morning
        scan = client.post_json(f"/api/v1/appointments/calendars/{abh}/arrivals",
                                {"code": numbers[1]})
        assert [a["state"] for a in scan.get_json()["appointments"]] == ["arrived"]
        called = client.post_json(f"/api/v1/appointments/calendars/{abh}/call-next",
                                  {"desk": "3"}).get_json()["called"]
        assert called == {"number": numbers[0], "desk": "3", "appointment": made["id"]}
        screen = client.get(f"/api/v1/appointments/calendars/{abh}/screen").get_json()
        assert [(c["number"], c["desk"]) for c in screen["calls"]] == [(numbers[0], "3")]
        assert "Bondarenko" not in str(screen) and "Iryna" not in str(screen)
        nobody = client.post_json(f"/api/v1/appointments/calendars/{abh}/call-next",
                                  {"desk": "2"}).get_json()
        assert nobody["called"] is None

    def test_an_unknown_card_or_a_card_without_appointment_is_named(
            self, client, abh, monday_morning, make_household):
        assert "code" in field_errors(client.post_json(
            f"/api/v1/appointments/calendars/{abh}/arrivals", {"code": "K-ZZZZ-ZZZZ"}))

    def test_the_day_list_shows_who_is_expected_when_with_card_numbers(
            self, client, abh, monday_morning):
        made, numbers = monday_morning
        day = client.get(f"/api/v1/appointments/calendars/{abh}/day").get_json()
        assert day["day"] == MONDAY
        assert [a["id"] for a in day["appointments"]] == [made["id"]]
        assert sorted(day["appointments"][0]["cards"]) == sorted(numbers)  # all four booked

    def test_figures_of_the_day(self, client, signed_in, abh, monday_morning):
        made, numbers = monday_morning
        client.post_json(f"/api/v1/appointments/calendars/{abh}/arrivals", {"code": numbers[0]})
        figures = client.get("/api/v1/appointments/figures").get_json()
        assert figures["authorities"][0]["authority"] == "auslaenderbehoerde"
        assert figures["authorities"][0]["total"] == 1


class TestSlip:
    def test_the_slip_is_in_german_and_ukrainian_and_says_what_to_bring(
            self, app, client, family, abh):
        made = book(client, items(app, family, "residence_permit")[0], calendar=abh,
                    starts_at="2022-04-04T09:00").get_json()["appointments"][0]
        for size, width_mm in (("a6", 105), ("a4", 210)):
            response = client.get(f"/api/v1/appointments/{made['id']}/slip.pdf?size={size}")
            assert response.mimetype == "application/pdf"
            page = pypdfium2.PdfDocument(io.BytesIO(response.data))[0]
            assert round(page.get_width() / 72 * 25.4) == width_mm
            text = page.get_textpage().get_text_range()
            for expected in ("Ihr Termin", "Ваш запис на прийом", "Montag, 04.04.2022",
                             "понеділок, 04.04.2022", "09:00", "Ankunftszentrum, Raum 1",
                             "Bitte mitbringen", "Візьміть із собою", "біометричне фото",
                             "Ірина"):
                assert expected in text, expected

    def test_russian_when_the_family_speaks_russian(self, app, client, family, abh):
        with app.app_context():
            household_by_ref(family).contact_language = "ru"
            db.session.commit()
        made = book(client, items(app, family, "residence_permit")[0]).get_json()
        response = client.get(f"/api/v1/appointments/{made['appointments'][0]['id']}/slip.pdf")
        text = pypdfium2.PdfDocument(io.BytesIO(response.data))[0].get_textpage() \
            .get_text_range()
        assert "Ваша запись на приём" in text and "Возьмите с собой" in text


class TestRequired:
    def test_the_queue_shows_who_has_no_appointment_yet(self, app, client, signed_in, family):
        signed_in("caseworker", authority="rp")
        calendar(client, authority="rp", location="PIK-Station", desks=3)
        required = client.get("/api/v1/appointments/required").get_json()
        assert required["total"] == 3  # fingerprints: everyone from 6 years
        assert {i["topic"] for i in required["items"]} == {"fingerprints"}
        book(client, items(app, family, "fingerprints")[0], together=False)
        assert client.get("/api/v1/appointments/required").get_json()["total"] == 2
        page = client.get("/appointments/required").get_data(as_text=True)
        assert "2 ohne Termin" in page
