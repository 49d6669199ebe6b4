"""JSON API of appointments: calendars and slots, booking from an item,
states, rebooking, the day list, arrival by card, the call-up and its screen,
the slip and the figures of the day."""

from __future__ import annotations

from datetime import date, datetime

from flask import Response, abort, jsonify, request
from flask_babel import gettext as _

from arrival.api.blueprint import bp
from arrival.api.openapi import documented, json_response, query_parameter, register_schema
from arrival.appointments import operations, slip
from arrival.appointments.models import Appointment, Slot, SlotCalendar
from arrival.cases.models import ClarificationItem
from arrival.catalog.operations import authority_by_code
from arrival.core.clock import today_local
from arrival.core.errors import json_error
from arrival.core.validation import ValidationFailed
from arrival.extensions import db
from arrival.registry.lookup import household_or_404
from arrival.registry.operations import record_view

register_schema("Appointment", {"type": "object", "properties": {
    "id": {"type": "integer"}, "type": {"type": "string"}, "authority": {"type": "string"},
    "calendar": {"type": "integer"}, "location": {"type": "string"},
    "starts_at": {"type": "string", "format": "date-time"},
    "ends_at": {"type": "string", "format": "date-time"}, "state": {"type": "string"},
    "household_ref": {"type": "string"}, "item_id": {"type": "integer", "nullable": True},
    "persons": {"type": "array", "items": {"type": "string"}},
    "reason": {"type": "string", "nullable": True}, "desk": {"type": "string", "nullable": True},
    "version": {"type": "integer"}}})
register_schema("SlotCalendar", {"type": "object", "properties": {
    "id": {"type": "integer"}, "authority": {"type": "string"}, "location": {"type": "string"},
    "weekdays": {"type": "string"}, "opens": {"type": "string"}, "closes": {"type": "string"},
    "slot_minutes": {"type": "integer"}, "desks": {"type": "integer"},
    "blocked_days": {"type": "array", "items": {"type": "string", "format": "date"}}}})

ERRORS = {"403": {"description": "Another authority's appointment or calendar"},
          "422": {"description": "Bad input, messages per field (code validation_failed)"}}


def appointment_json(appointment: Appointment) -> dict:
    return {
        "id": appointment.id, "type": appointment.type_code,
        "authority": appointment.authority.code, "calendar": appointment.calendar_id,
        "location": appointment.calendar.location,
        "starts_at": appointment.starts_at.isoformat(),
        "ends_at": appointment.ends_at.isoformat(), "state": appointment.state,
        "household_ref": appointment.household.ref, "item_id": appointment.item_id,
        "persons": [a.person.public_id for a in appointment.attendees],
        "reason": appointment.reason, "desk": appointment.desk,
        "version": appointment.version}


def calendar_json(calendar: SlotCalendar) -> dict:
    return {"id": calendar.id, "authority": calendar.authority.code,
            "location": calendar.location, "weekdays": calendar.weekdays,
            "opens": calendar.opens, "closes": calendar.closes,
            "slot_minutes": calendar.slot_minutes, "desks": calendar.desks,
            "blocked_days": [b.day.isoformat() for b in calendar.blocked_days]}


def _body() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _day(value, field: str, default: date | None = None) -> date:
    if value in (None, "") and default is not None:
        return default
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed(**{field: _("Give a date as YYYY-MM-DD.")}) from None


def _moment(value, field: str = "starts_at") -> datetime:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed(**{field: _("Give a date and time, e.g. "
                                           "2022-04-04T09:15.")}) from None


def _calendar(calendar_id: int, *, manage: bool = False) -> SlotCalendar:
    calendar = db.get_or_404(SlotCalendar, calendar_id)
    if manage and not operations.may_manage(calendar):
        abort(403)
    return calendar


def _choice(body: dict) -> dict:
    """Where to book: a slot id, a calendar and a time, or (nothing) the next free."""
    choice = {}
    if body.get("slot") is not None:
        slot = db.session.get(Slot, body["slot"]) if isinstance(body["slot"], int) else None
        if slot is None:
            raise ValidationFailed(slot=_("Unknown slot."))
        choice["slot"] = slot
    if body.get("calendar") is not None:
        calendar = db.session.get(SlotCalendar, body["calendar"]) \
            if isinstance(body["calendar"], int) else None
        if calendar is None:
            raise ValidationFailed(calendar=_("Unknown calendar."))
        choice["calendar"] = calendar
    if body.get("starts_at"):
        choice["starts_at"] = _moment(body["starts_at"])
    return choice


def _forbidden():
    return json_error(403, _("This belongs to another authority."), code="forbidden")


@bp.get("/appointments/calendars")
@documented("The appointment calendars (optionally of one authority).", tags=["appointments"],
            parameters=[query_parameter("authority", description="Authority code")],
            responses={"200": json_response("Calendars", {"type": "object"})})
def appointment_calendars():
    authority = authority_by_code(request.args.get("authority", "")) \
        if request.args.get("authority") else None
    found = operations.calendars(authority.id if authority else None)
    return jsonify(calendars=[calendar_json(c) for c in found])


@bp.post("/appointments/calendars")
@documented(
    "Create a calendar: {authority, location, weekdays (\"12345\" or \"1-5\"), opens, "
    "closes (HH:MM), slot_minutes, desks}.", tags=["appointments"],
    request_body={"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["authority", "location"]}}}},
    responses={"201": json_response("The calendar", {"$ref": "#/components/schemas/SlotCalendar"}),
               **ERRORS})
def create_appointment_calendar():
    body = _body()
    authority = authority_by_code(str(body.get("authority", "")))
    if authority is None:
        raise ValidationFailed(authority=_("Unknown authority."))
    probe = SlotCalendar(authority_id=authority.id)
    if not operations.may_manage(probe):
        return _forbidden()
    calendar = operations.create_calendar(
        authority, body.get("location", ""), weekdays=str(body.get("weekdays", "12345")),
        opens=str(body.get("opens", "08:00")), closes=str(body.get("closes", "16:00")),
        slot_minutes=body.get("slot_minutes", 15), desks=body.get("desks", 1))
    return jsonify(calendar_json(calendar)), 201


@bp.post("/appointments/calendars/<int:calendar_id>/slots")
@documented(
    "Make slots in bulk: {first_day, last_day, weekdays, opens, closes, every, desks}; "
    "blocked days and existing slots are left out.", tags=["appointments"],
    request_body={"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["first_day", "last_day"]}}}},
    responses={"201": json_response("How many slots were made", {"type": "object"}),
               **ERRORS})
def generate_appointment_slots(calendar_id: int):
    calendar = _calendar(calendar_id, manage=True)
    body = _body()
    made = operations.generate_slots(
        calendar, _day(body.get("first_day"), "first_day"),
        _day(body.get("last_day"), "last_day"), weekdays=body.get("weekdays"),
        opens=body.get("opens"), closes=body.get("closes"), every=body.get("every"),
        desks=body.get("desks"))
    return jsonify(created=made, calendar=calendar_json(calendar)), 201


@bp.post("/appointments/calendars/<int:calendar_id>/blocked-days")
@documented("Block a day: {day, reason}; its empty slots are removed.", tags=["appointments"],
            request_body={"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["day", "reason"]}}}},
            responses={"200": json_response("The calendar", {"type": "object"}), **ERRORS})
def block_appointment_day(calendar_id: int):
    calendar = _calendar(calendar_id, manage=True)
    body = _body()
    removed = operations.block_day(calendar, _day(body.get("day"), "day"),
                                   str(body.get("reason", "")))
    return jsonify(removed_slots=removed, calendar=calendar_json(calendar))


@bp.post("/cases/items/<int:item_id>/appointments")
@documented(
    "Book from an item in one step: {slot} or {calendar, starts_at} as the clerk picks, or "
    "nothing for the next free slot that takes the household's persons who need it "
    "together; {together: false} books the item's own person only.", tags=["appointments"],
    request_body={"required": False, "content": {"application/json": {"schema": {
        "type": "object", "properties": {
            "slot": {"type": "integer"}, "calendar": {"type": "integer"},
            "starts_at": {"type": "string", "format": "date-time"},
            "together": {"type": "boolean"}}}}}},
    responses={"201": json_response("The appointments made", {"type": "object"}), **ERRORS})
def book_appointment(item_id: int):
    item = db.get_or_404(ClarificationItem, item_id)
    body = _body()
    try:
        made = operations.book(item, together=body.get("together", True) is not False,
                               **_choice(body))
    except operations.AuthorityBoundary:
        return _forbidden()
    return jsonify(appointments=[appointment_json(a) for a in made]), 201


@bp.get("/appointments/required")
@documented("Who needs an appointment and has none yet: open items whose topic an "
            "appointment type serves (caseworkers: their authority), oldest due first.",
            tags=["appointments"],
            parameters=[query_parameter("authority", description="Others: authority code")],
            responses={"200": json_response("Items and total", {"type": "object"})})
def appointments_required():
    from flask_login import current_user

    from arrival.auth.permissions import own_authority_only

    authority_id = own_authority_only(current_user)
    if authority_id is None and request.args.get("authority"):
        authority = authority_by_code(request.args["authority"])
        authority_id = authority.id if authority else -1
    found, total = operations.required_items(authority_id)
    return jsonify(total=total, items=[
        {"id": i.id, "topic": i.topic, "authority": i.authority.code,
         "household_ref": i.household.ref, "due_on": i.due_on.isoformat(),
         "person_id": i.person.public_id if i.person else None} for i in found])


@bp.get("/households/<ref>/appointments")
@documented("A household's appointments, newest first.", tags=["appointments"],
            responses={"200": json_response("Appointments", {"type": "object"}),
                       "404": {"description": "Unknown household"}})
def household_appointments(ref: str):
    household = household_or_404(ref)
    found = operations.appointments_of_household(household)
    record_view("household", household.public_id, detail="appointments",
                persons=operations.persons_of(found))
    return jsonify(appointments=[appointment_json(a) for a in found])


@bp.post("/appointments/<int:appointment_id>/transition")
@documented(
    "Change the state: {to: arrived|attended|missed|cancelled, note (the reason for a "
    "cancellation), version}.", tags=["appointments"],
    request_body={"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["to", "version"], "properties": {
            "to": {"type": "string", "enum": ["arrived", "attended", "missed", "cancelled"]},
            "note": {"type": "string"}, "version": {"type": "integer"}}}}}},
    responses={"200": json_response("The appointment", {"$ref": "#/components/schemas/Appointment"}),
               "409": {"description": "Stale version (code stale_version)"}, **ERRORS})
def transition_appointment(appointment_id: int):
    appointment = db.get_or_404(Appointment, appointment_id)
    body = _body()
    if not isinstance(body.get("version"), int):
        raise ValidationFailed(version=_("The version you worked on is required."))
    try:
        operations.transition(appointment, str(body.get("to", "")), note=body.get("note"),
                              expected_version=body["version"])
    except operations.AuthorityBoundary:
        return _forbidden()
    return jsonify(appointment_json(appointment))


@bp.post("/appointments/<int:appointment_id>/rebook")
@documented(
    "Rebook: {reason} and {slot} or {calendar, starts_at}, or neither for the next free "
    "slot; the old appointment is cancelled with the reason.", tags=["appointments"],
    request_body={"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["reason"]}}}},
    responses={"201": json_response("The new appointment", {"$ref": "#/components/schemas/Appointment"}),
               **ERRORS})
def rebook_appointment(appointment_id: int):
    appointment = db.get_or_404(Appointment, appointment_id)
    body = _body()
    try:
        new = operations.rebook(appointment, reason=str(body.get("reason") or ""),
                                **_choice(body))
    except operations.AuthorityBoundary:
        return _forbidden()
    return jsonify(appointment_json(new)), 201


@bp.get("/appointments/calendars/<int:calendar_id>/day")
@documented("The day list of a calendar (default today).", tags=["appointments"],
            parameters=[query_parameter("day", {"type": "string", "format": "date"})],
            responses={"200": json_response("Appointments of the day", {"type": "object"})})
def appointment_day(calendar_id: int):
    calendar = _calendar(calendar_id)
    day = _day(request.args.get("day"), "day", today_local())
    rows = operations.day_rows(calendar, day)
    numbers = operations.card_numbers([a.person_id for row in rows for a in row.attendees])
    return jsonify(day=day.isoformat(), calendar=calendar_json(calendar), appointments=[
        day_row_json(row, calendar, numbers) for row in rows])


def day_row_json(row: operations.DayRow, calendar: SlotCalendar, cards: dict) -> dict:
    """A day-list row in the fields of appointment_json, and the attendees' cards."""
    return {
        "id": row.id, "type": row.type_code, "authority": calendar.authority.code,
        "calendar": calendar.id, "location": calendar.location,
        "starts_at": row.starts_at.isoformat(), "ends_at": row.ends_at.isoformat(),
        "state": row.state, "household_ref": row.household_ref, "item_id": row.item_id,
        "persons": [a.public_id for a in row.attendees], "reason": row.reason,
        "desk": row.desk, "version": row.version,
        "cards": [cards.get(a.person_id) for a in row.attendees]}


@bp.post("/appointments/calendars/<int:calendar_id>/arrivals")
@documented("Mark arrived by card scan at the desk: {code} (QR token or card number).",
            tags=["appointments"],
            request_body={"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["code"]}}}},
            responses={"200": json_response("The appointments marked", {"type": "object"}),
                       **ERRORS})
def appointment_arrival(calendar_id: int):
    calendar = _calendar(calendar_id)
    try:
        found = operations.arrive_by_card(calendar, str(_body().get("code", "")))
    except operations.AuthorityBoundary:
        return _forbidden()
    return jsonify(appointments=[appointment_json(a) for a in found])


@bp.post("/appointments/calendars/<int:calendar_id>/call-next")
@documented("The desk calls the next who has arrived: {desk}.", tags=["appointments"],
            request_body={"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["desk"]}}}},
            responses={"200": json_response("Who was called (null: nobody waits)",
                                            {"type": "object"}), **ERRORS})
def appointment_call_next(calendar_id: int):
    calendar = _calendar(calendar_id)
    try:
        called = operations.call_next(calendar, str(_body().get("desk", "")))
    except operations.AuthorityBoundary:
        return _forbidden()
    if called is None:
        return jsonify(called=None, message=_("Nobody is waiting."))
    return jsonify(called={"number": called.call_number, "desk": called.desk,
                           "appointment": called.id})


@bp.get("/appointments/calendars/<int:calendar_id>/screen")
@documented("The call-up screen's latest calls: card number and desk, never a name.",
            tags=["appointments"],
            responses={"200": json_response("Calls, newest first", {"type": "object"})})
def appointment_screen(calendar_id: int):
    return jsonify(calls=operations.screen_calls(calendar_id))


@bp.get("/appointments/<int:appointment_id>/slip.pdf")
@documented("The family's slip as PDF (German and the household's contact language).",
            tags=["appointments"],
            parameters=[query_parameter("size", {"type": "string", "enum": ["a6", "a4"]}),
                        query_parameter("language", {"type": "string",
                                                     "enum": ["uk", "ru", "en", "de"]})],
            responses={"200": {"description": "PDF",
                               "content": {"application/pdf": {}}}})
def appointment_slip(appointment_id: int):
    appointment = db.get_or_404(Appointment, appointment_id)
    data = slip.render_for(appointment, size=request.args.get("size", "a6"),
                           language=request.args.get("language"))
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="termin-{appointment.id}.pdf"'})


@bp.get("/appointments/figures")
@documented("Appointments of a day per authority: attended, missed, no-show rate, the mean "
            "wait from arrival to call-up.", tags=["appointments"],
            parameters=[query_parameter("day", {"type": "string", "format": "date"})],
            responses={"200": json_response("Figures", {"type": "object"})})
def appointment_figures():
    day = _day(request.args.get("day"), "day", today_local())
    return jsonify(day=day.isoformat(), authorities=[
        {"authority": f.authority, "total": f.total, "attended": f.attended,
         "missed": f.missed, "cancelled": f.cancelled, "no_show_rate": f.no_show_rate,
         "waiting_minutes": f.waiting_minutes} for f in operations.figures_of_day(day)])

