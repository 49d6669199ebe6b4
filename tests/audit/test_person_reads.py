"""Every endpoint that the permission table declares as reading persons writes an
audit row naming the persons it showed — requested here one by one, built from
app.url_map, with data that makes each of them show a person. And endpoints
declared as reading no persons show none."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from arrival.audit.models import AuditEvent
from arrival.auth.permissions import ENDPOINT_PERMISSIONS, reads_persons
from arrival.extensions import db
from tests.factories import PASSWORD, household_payload, person_payload

PLACED = person_payload(family_name="Bondarenko", given_names="Oksana",
                        family_name_cyrillic="Бондаренко", given_names_cyrillic="Оксана",
                        date_of_birth="1979-05-04",
                        document={"type": "biometric_passport", "number": "FB765432",
                                  "issuing_country": "UKR", "expiry": "2030-01-01"})
UNPLACED = person_payload(family_name="Tkachenko", given_names="Halyna",
                          family_name_cyrillic="Ткаченко", given_names_cyrillic="Галина",
                          date_of_birth="1990-07-21",
                          document={"type": "biometric_passport", "number": "FB111222",
                                    "issuing_country": "UKR", "expiry": "2030-01-01"})


@pytest.fixture
def world(app, make_household, make_site):
    """A placed, checked-in household with a card and clarification items, and a
    second household without a bed."""
    from arrival.cards import links
    from arrival.cards import operations as cards
    from arrival.cases.models import ClarificationItem
    from arrival.housing import operations as housing
    from arrival.housing.allocation import free_beds_in
    from arrival.housing.models import Unit
    from arrival.registry.operations import household_by_ref

    placed_ref = make_household(PLACED)
    unplaced_ref = make_household(UNPLACED)
    site = make_site(4)
    with app.app_context():
        household = household_by_ref(placed_ref)
        person = household.persons[0]
        unit = db.session.get(Unit, site["units"][0])
        housing.assign([person], free_beds_in(unit, 1), check_in=True,
                       at=datetime(2022, 3, 14, 12, tzinfo=timezone.utc))
        issued = cards.issue_card(person)
        item = db.session.scalars(sa.select(ClarificationItem).where(
            ClarificationItem.person_id == person.id).order_by(ClarificationItem.id)).first()
        assert item is not None, "the rules open person items for an adult"
        world = {
            "ref": placed_ref, "unplaced_ref": unplaced_ref, "person": person.public_id,
            "unplaced_person": household_by_ref(unplaced_ref).persons[0].public_id,
            "site": site["site"], "card": issued.card.number,
            "card_link": links.seal(issued.token), "item": item.id,
            "authority": item.authority.code,
        }
        db.session.commit()
    return world


def _as(app, role, authority=None):
    def client(make_user):
        username = make_user(role, authority=authority)
        c = app.test_client()
        assert c.login(username, PASSWORD).status_code == 302
        return c
    return client


def _household_form(c, w):
    from tests.registry.test_registration_pages import hidden_value, person_fields

    key = hidden_value(c.get("/households/new").get_data(as_text=True), "idempotency_key")
    return c.submit("/households/new", {
        "idempotency_key": key, "arrived_at": "2022-03-14T10:30", "action": "save",
        **person_fields(0, family_name="Bondarenko", given_names="Oksana",
                        date_of_birth="1979-05-04", **{"document-number": "FB999999"})},
        form_page="/households/new")


def _member_form(c, w):
    return c.submit(f"/households/{w['unplaced_ref']}/members/new", {
        "person-relation": "other_relative", "person-family_name": "Bondarenko",
        "person-given_names": "Oksana", "person-sex": "female",
        "person-date_of_birth": "1979-05-04", "person-nationality": "UKR",
        "person-document-type": "none", "action": "save", "confirm_warnings": "y"},
        form_page=f"/households/{w['unplaced_ref']}/members/new")


MEAL = {"service_type": "counselling", "point": "Halle 1"}


def _calendar_ready(c, w):
    """As the Ausländerbehörde: a calendar with slots from today (Friday 1 April)."""
    from arrival.cases.models import ClarificationItem
    from arrival.registry.operations import person_by_public_id

    made = c.post_json("/api/v1/appointments/calendars", {
        "authority": "auslaenderbehoerde", "location": "Raum A"}).get_json()
    c.post_json(f"/api/v1/appointments/calendars/{made['id']}/slots",
                {"first_day": "2022-04-01", "last_day": "2022-04-08"})
    with c.application.app_context():
        person = person_by_public_id(w["person"])
        w["residence_item"] = db.session.scalar(sa.select(ClarificationItem.id).where(
            ClarificationItem.person_id == person.id,
            ClarificationItem.topic == "residence_permit"))
    w["calendar"] = made["id"]


def _booked(c, w):
    """… and the person's residence permit booked for today, 15:00."""
    _calendar_ready(c, w)
    w["appointment"] = c.post_json(
        f"/api/v1/cases/items/{w['residence_item']}/appointments",
        {"calendar": w["calendar"], "starts_at": "2022-04-01T15:00"}).get_json()[
        "appointments"][0]["id"]


ABH = ("caseworker", "auslaenderbehoerde")

# endpoint -> (role, authority or "item" for the item's own authority, request, person key)
SCENARIOS = {
    "registry.search": ("intake", None, lambda c, w: c.get("/search?q=Bondarenko"), "person"),
    "registry.household": ("intake", None, lambda c, w: c.get(f"/households/{w['ref']}"),
                           "person"),
    "registry.new_household": ("intake", None, _household_form, "person"),
    "registry.add_member": ("intake", None, _member_form, "person"),
    "registry.edit_person": ("intake", None,
                             lambda c, w: c.get(f"/persons/{w['person']}/edit"), "person"),
    "api.search_persons": ("intake", None,
                           lambda c, w: c.get("/api/v1/persons/search?q=FB765432"), "person"),
    "api.get_household": ("housing", None,
                          lambda c, w: c.get(f"/api/v1/households/{w['ref']}"), "person"),
    "api.create_household": ("intake", None, lambda c, w: c.post_json(
        "/api/v1/households", household_payload(
            {**PLACED, "document": {"type": "none"}, "family_name": "Bondarenko"})), "person"),
    "api.duplicates": ("intake", None, lambda c, w: c.post_json(
        "/api/v1/registry/duplicates", {"family_name": "Bondarenko", "given_names": "Oksana",
                                        "date_of_birth": "1979-05-04"}), "person"),
    "housing.site": ("housing", None, lambda c, w: c.get(f"/housing/sites/{w['site']}"),
                     "person"),
    "housing.absent": ("housing", None, lambda c, w: c.get("/housing/absent?days=1"),
                       "person"),
    "housing.place": ("housing", None,
                      lambda c, w: c.get(f"/housing/households/{w['unplaced_ref']}/place"),
                      "unplaced_person"),
    "housing.move": ("housing", None,
                     lambda c, w: c.get(f"/housing/households/{w['ref']}/move"), "person"),
    "housing.check_out": ("housing", None,
                          lambda c, w: c.get(f"/housing/households/{w['ref']}/check-out"),
                          "person"),
    "api.bed_proposals": ("housing", None, lambda c, w: c.get(
        f"/api/v1/households/{w['unplaced_ref']}/bed-proposals"), "unplaced_person"),
    "cards.print_household": ("intake", None, lambda c, w: c.submit(
        f"/cards/households/{w['ref']}/print", {}), "person"),
    "cards.print_person": ("intake", None, lambda c, w: c.submit(
        f"/cards/persons/{w['person']}/print", {}), "person"),
    "api.card_pdf": ("intake", None, lambda c, w: c.get(
        f"/api/v1/cards/{w['card']}.pdf?link={w['card_link']}"), "person"),
    "services.station_scan": ("service_point", None, lambda c, w: c.submit(
        "/services/station", {"service": MEAL["service_type"], "point": MEAL["point"],
                              "code": w["card"]}, form_page="/services/station"), "person"),
    "api.scan": ("service_point", None, lambda c, w: c.post_json(
        "/api/v1/scan", {**MEAL, "code": w["card"]}), "person"),
    "cases.index": ("caseworker", "item", lambda c, w: c.get("/cases/"), "person"),
    "cases.item": ("coordinator", None, lambda c, w: c.get(f"/cases/items/{w['item']}"),
                   "person"),
    "api.case_items": ("caseworker", "item", lambda c, w: c.get("/api/v1/cases/items"),
                       "person"),
    "api.household_clarification": ("coordinator", None, lambda c, w: c.get(
        f"/api/v1/households/{w['ref']}/clarification"), "person"),
    # the gate: the placed person is inside their site (checked in; no gate control yet)
    "gate.station_scan": ("security", None, lambda c, w: c.submit("/gate/station", {
        "site": w["site"], "direction": "out", "code": w["card"], "station": "Tor 1"},
        form_page=f"/gate/station?site={w['site']}"), "person"),
    "api.gate_scan": ("security", None, lambda c, w: c.post_json("/api/v1/gate/scan", {
        "site_id": w["site"], "direction": "out", "code": w["card"], "station": "Tor 1"}),
        "person"),
    "gate.evacuation": ("security", None,
                        lambda c, w: c.get(f"/gate/sites/{w['site']}/evacuation"), "person"),
    "api.gate_evacuation": ("security", None, lambda c, w: c.get(
        f"/api/v1/gate/sites/{w['site']}/evacuation"), "person"),
    "gate.export": ("security", None,
                    lambda c, w: c.get(f"/gate/sites/{w['site']}/presence.xlsx"), "person"),
    "gate.roll_call": ("security", None, lambda c, w: c.get(_start_roll_call(c, w)), "person"),
    "api.gate_roll_call": ("security", None, lambda c, w: c.get(
        "/api/v1" + _start_roll_call(c, w)), "person"),
    "api.gate_tick": ("security", None, lambda c, w: c.post_json(
        "/api/v1" + _start_roll_call(c, w) + "/ticks", {"code": w["card"]}), "person"),
    # appointments (issue 16): set up first (the fifth element), then the read
    "appointments.day": (*ABH, lambda c, w: c.get(
        f"/appointments/calendars/{w['calendar']}/day"), "person", _booked),
    "api.appointment_day": (*ABH, lambda c, w: c.get(
        f"/api/v1/appointments/calendars/{w['calendar']}/day"), "person", _booked),
    "appointments.required": (*ABH, lambda c, w: c.get("/appointments/required"), "person",
                              _calendar_ready),
    "api.appointments_required": (*ABH, lambda c, w: c.get("/api/v1/appointments/required"),
                                  "person", _calendar_ready),
    "appointments.book": (*ABH, lambda c, w: c.get(
        f"/appointments/book/{w['residence_item']}"), "person", _calendar_ready),
    "api.book_appointment": (*ABH, lambda c, w: c.post_json(
        f"/api/v1/cases/items/{w['residence_item']}/appointments", {}), "person",
        _calendar_ready),
    "appointments.rebook": (*ABH, lambda c, w: c.get(
        f"/appointments/{w['appointment']}/rebook"), "person", _booked),
    "api.rebook_appointment": (*ABH, lambda c, w: c.post_json(
        f"/api/v1/appointments/{w['appointment']}/rebook", {"reason": "krank"}), "person",
        _booked),
    "api.transition_appointment": (*ABH, lambda c, w: c.post_json(
        f"/api/v1/appointments/{w['appointment']}/transition",
        {"to": "cancelled", "note": "abgereist", "version": 1}), "person", _booked),
    "api.appointment_arrival": (*ABH, lambda c, w: c.post_json(
        f"/api/v1/appointments/calendars/{w['calendar']}/arrivals", {"code": w["card"]}),
        "person", _booked),
    "appointments.slip": (*ABH, lambda c, w: c.get(
        f"/appointments/{w['appointment']}/slip"), "person", _booked),
    "api.appointment_slip": (*ABH, lambda c, w: c.get(
        f"/api/v1/appointments/{w['appointment']}/slip.pdf"), "person", _booked),
    "api.household_appointments": (*ABH, lambda c, w: c.get(
        f"/api/v1/households/{w['ref']}/appointments"), "person", _booked),
    # data protection (issue 20): finding a person, their page, the access report
    "privacy.index": ("data_protection", None, lambda c, w: c.get("/privacy/?q=Bondarenko"),
                      "person"),
    "privacy.subject": ("data_protection", None,
                        lambda c, w: c.get(f"/privacy/persons/{w['person']}"), "person"),
    "privacy.access_report": ("data_protection", None, lambda c, w: c.get(
        f"/privacy/persons/{w['person']}/access-report?format=json"), "person"),
    "api.privacy_access_report": ("data_protection", None, lambda c, w: c.get(
        f"/api/v1/privacy/persons/{w['person']}/access-report"), "person"),
}


# transfers (issue 18): their scenarios live with the domain's tests
from tests.transfers.scenarios import SCENARIOS as TRANSFER_SCENARIOS  # noqa: E402

SCENARIOS.update(TRANSFER_SCENARIOS)


def _minutes_ago(minutes: int) -> str:
    from datetime import timedelta

    from arrival.core.clock import now

    return (now() - timedelta(minutes=minutes)).isoformat()


# offline use (issue 14): the station's card list (first names) and a gate scan sent later
SCENARIOS.update({
    "api.offline_station_list": ("service_point", None, lambda c, w: c.get(
        "/api/v1/offline/station-list?service_type=meal"), "person"),
    "api.gate_offline_scan": ("security", None, lambda c, w: c.post_json(
        "/api/v1/gate/scan/offline", {"site_id": w["site"], "direction": "out",
                                      "code": w["card"], "station": "Tor 1",
                                      "scanned_at": _minutes_ago(5)},
        headers={"Idempotency-Key": "person-reads-offline-gate"}), "person"),
})


def _with_photos(c, w):
    """The optional photo (issue 17): switched on for this one request, a photo stored
    first; the read of the photo names its person."""
    import base64
    import io

    from PIL import Image

    from arrival.registry import photos
    from arrival.registry.operations import person_by_public_id

    config = c.application.config
    buffer = io.BytesIO()
    Image.new("RGB", (120, 160), (200, 150, 120)).save(buffer, "JPEG")
    config["PERSON_PHOTOS"] = True
    try:
        with c.application.app_context():
            photos.save_photo(person_by_public_id(w["person"]), buffer.getvalue())
            db.session.commit()
        return c.get(f"/api/v1/persons/{w['person']}/photo")
    finally:
        config["PERSON_PHOTOS"] = False


SCENARIOS["api.person_photo"] = ("security", None, _with_photos, "person")


def _start_roll_call(c, w) -> str:
    """Start a roll call at the placed person's site; its path (/gate/roll-calls/N)."""
    page = f"/gate/sites/{w['site']}/roll-calls"
    started = c.submit(page, {}, form_page=page)
    assert started.status_code == 302, started.status_code
    location = started.headers["Location"]
    return location[location.index("/gate/"):]


def person_reading_endpoints(app) -> list[str]:
    return sorted({r.endpoint for r in app.url_map.iter_rules() if reads_persons(r.endpoint)})


def test_every_person_reading_endpoint_has_a_scenario_here(app):
    assert set(person_reading_endpoints(app)) == SCENARIOS.keys()


def _last_audit_id(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0


@pytest.mark.parametrize("endpoint", sorted(SCENARIOS))
def test_a_person_reading_endpoint_names_the_persons_it_showed(
        app, make_user, world, freeze_registration_clock, endpoint):
    role, authority, send, person_key, *prepare = SCENARIOS[endpoint]
    c = _as(app, role, world["authority"] if authority == "item" else authority)(make_user)
    for step in prepare:
        step(c, world)
    before = _last_audit_id(app)
    response = send(c, world)
    assert response.status_code < 500
    assert response.status_code not in (401, 403, 404), response.status_code
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.id > before)).all()
        named = [e for e in events if world[person_key] in (e.person_ids or [])]
    assert named, (f"{endpoint} answered {response.status_code} and wrote "
                   f"{[(e.action, e.entity_type, e.person_ids) for e in events]}")


# --- the other way round: an endpoint declared as reading no persons shows none ----------

SHOWS = ("Bondarenko", "Бондаренко", "FB765432")
ROLES_TO_TRY = [("intake", None), ("housing", None), ("coordinator", None), ("admin", None),
                ("caseworker", "auslaenderbehoerde")]


def test_endpoints_declared_as_reading_no_persons_show_none(app, make_user, world):
    from flask import url_for

    arguments = {"ref": world["ref"], "public_id": world["person"], "person_id": world["person"],
                 "site_id": world["site"], "number": world["card"], "item_id": world["item"],
                 "kind": "service_type", "day": "2022-03-14", "filename": "css/app.css",
                 "name": "manifest.json"}
    clients = [_as(app, role, authority)(make_user) for role, authority in ROLES_TO_TRY]
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods
             and reads_persons(r.endpoint) is False and r.endpoint != "auth.logout"
             and set(r.arguments) <= arguments.keys()]
    assert len(rules) > 15, len(rules)
    leaks = []
    for rule in rules:
        with app.test_request_context():
            url = url_for(rule.endpoint, **{k: arguments[k] for k in rule.arguments})
        for c in clients:
            body = c.get(url).get_data(as_text=True)
            leaks += [f"{rule.endpoint}: {text}" for text in SHOWS if text in body]
    assert not leaks
    assert ENDPOINT_PERMISSIONS  # the table the declarations come from
