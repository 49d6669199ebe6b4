"""Clerks booking at the same moment, on real concurrent connections (SQLite and
PostgreSQL): the last seat of a slot goes to one of them, the others are told at
the field; a person booked by two authorities at once gets one appointment."""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timezone

import sqlalchemy as sa

from arrival.appointments import operations
from arrival.appointments.models import Appointment, Slot, SlotCalendar
from arrival.cases.models import ClarificationItem
from arrival.catalog.operations import authority_by_code
from arrival.extensions import db
from arrival.registry import operations as registry
from arrival.registry.validation import parse_household
from tests.factories import household_payload, person_payload

PARALLEL = 4
_names = itertools.count(1)


def households(app, count: int) -> list[str]:
    refs = []
    with app.app_context():
        for _ in range(count):
            n = next(_names)
            payload = household_payload(person_payload(
                family_name=f"Gleichzeitig{n}", family_name_cyrillic="",
                given_names=f"Person{n}", given_names_cyrillic="",
                date_of_birth=f"19{50 + n % 40}-02-0{1 + n % 9}", document={"type": "none"}))
            data = parse_household(payload, now=datetime(2022, 3, 15, 12, tzinfo=timezone.utc))
            registration = registry.register_household(
                data, idempotency_key=None, fingerprint=registry.request_fingerprint(payload),
                duplicate_reason="test data")
            refs.append(registration.household.ref)
        db.session.commit()
    return refs


def item_of(app, ref: str, topic: str) -> int:
    with app.app_context():
        household = registry.household_by_ref(ref)
        return db.session.scalar(sa.select(ClarificationItem.id).where(
            ClarificationItem.household_id == household.id, ClarificationItem.topic == topic))


def calendar(app, authority: str, location: str, *, closes: str, desks: int) -> int:
    with app.app_context():
        made = operations.create_calendar(authority_by_code(authority), location,
                                          opens="08:00", closes=closes, desks=desks)
        operations.generate_slots(made, date(2022, 4, 4), date(2022, 4, 4))
        db.session.commit()
        return made.id


def clients(app, usernames):
    signed = []
    for username in usernames:
        client = app.test_client()
        assert client.login(username, f"demo-{username}-2022").status_code == 302
        signed.append((client, client.csrf_token()))
    return signed


def together(signed, requests):
    """Each client sends its (path, body) at the same moment."""
    start = threading.Barrier(len(signed))

    def send(index):
        client, token = signed[index]
        path, body = requests[index]
        start.wait()
        return client.post(path, json=body, headers={"X-CSRFToken": token})

    with ThreadPoolExecutor(max_workers=len(signed)) as pool:
        return list(pool.map(send, range(len(signed))))


def booked_seats(app, calendar_id: int) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Slot.booked).where(
            Slot.calendar_id == calendar_id).order_by(Slot.starts_at)))


def test_four_clerks_booking_the_last_seat_at_once_give_it_to_one(committing_app):
    app = committing_app
    rp = calendar(app, "rp", "PIK 1", closes="08:15", desks=1)  # one slot, one seat
    refs = households(app, PARALLEL)
    requests = [(f"/api/v1/cases/items/{item_of(app, ref, 'fingerprints')}/appointments",
                 {"calendar": rp, "starts_at": "2022-04-04T08:00"}) for ref in refs]
    responses = together(clients(app, ["rp"] * PARALLEL), requests)
    assert sorted(r.status_code for r in responses) == [201] + [422] * (PARALLEL - 1), \
        [r.get_json() for r in responses]
    refused = [r.get_json() for r in responses if r.status_code == 422]
    assert all("starts_at" in body["fields"] for body in refused)
    assert booked_seats(app, rp) == [1]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Appointment.id)).where(
            Appointment.calendar_id == rp)) == 1


def test_clerks_losing_a_seat_at_once_get_the_next_free_slot(committing_app):
    app = committing_app
    rp = calendar(app, "rp", "PIK 2", closes="08:30", desks=2)  # two slots of two seats
    refs = households(app, PARALLEL)
    requests = [(f"/api/v1/cases/items/{item_of(app, ref, 'fingerprints')}/appointments",
                 {"calendar": rp}) for ref in refs]
    responses = together(clients(app, ["rp"] * PARALLEL), requests)
    assert [r.status_code for r in responses] == [201] * PARALLEL, \
        [r.get_json() for r in responses]
    assert booked_seats(app, rp) == [2, 2]


def test_one_person_booked_by_two_authorities_at_once_gets_one_appointment(committing_app):
    app = committing_app
    rp = calendar(app, "rp", "PIK 3", closes="08:15", desks=3)
    abh = calendar(app, "auslaenderbehoerde", "ABH 3", closes="08:15", desks=3)
    (ref,) = households(app, 1)
    requests = [
        (f"/api/v1/cases/items/{item_of(app, ref, 'fingerprints')}/appointments",
         {"calendar": rp, "starts_at": "2022-04-04T08:00"}),
        (f"/api/v1/cases/items/{item_of(app, ref, 'residence_permit')}/appointments",
         {"calendar": abh, "starts_at": "2022-04-04T08:00"}),
    ]
    responses = together(clients(app, ["rp", "abh"]), requests)
    assert sorted(r.status_code for r in responses) == [201, 422], \
        [r.get_json() for r in responses]
    refused = next(r.get_json() for r in responses if r.status_code == 422)
    assert "persons" in refused["fields"]
    with app.app_context():
        calendars = [rp, abh]
        assert db.session.scalar(sa.select(sa.func.count(Appointment.id)).where(
            Appointment.calendar_id.in_(calendars))) == 1
        assert db.session.scalar(sa.select(sa.func.count(SlotCalendar.id))) >= 2
