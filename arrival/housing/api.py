from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import jsonify, request
from flask_babel import gettext as _

from arrival.api.blueprint import bp
from arrival.audit.operations import record_read
from arrival.api.openapi import documented, json_response, query_parameter, ref, register_schema
from arrival.core import inputs
from arrival.core.errors import json_error
from arrival.core.validation import Conflict, ValidationFailed
from arrival.extensions import db
from arrival.housing import allocation, occupancy, operations
from arrival.housing.models import OPEN_STATES, Bed, BedBlock, Stay, Unit
from arrival.registry.models import Person
from arrival.registry.lookup import household_or_404
from arrival.registry.operations import household_by_ref

register_schema("SiteOccupancy", {"type": "object", "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}, "kind": {"type": "string"},
    "capacity": {"type": "integer"}, "occupied": {"type": "integer"},
    "planned": {"type": "integer"}, "free": {"type": "integer"},
    "blocked": {"type": "integer"}, "percent": {"type": "integer"},
    "level": {"type": "string", "enum": ["ok", "warning", "critical"]},
    "units": {"type": "array", "items": {"type": "object"},
              "description": "with ?include=beds: units with their beds (id, label, status, "
                             "occupied)"}}})
register_schema("Stay", {"type": "object", "properties": {
    "id": {"type": "integer"}, "person_id": {"type": "string", "format": "uuid"},
    "bed_id": {"type": "integer"}, "state": {"type": "string"},
    "planned_at": {"type": "string", "format": "date-time"},
    "checked_in_at": {"type": "string", "format": "date-time", "nullable": True},
    "ended_at": {"type": "string", "format": "date-time", "nullable": True},
    "end_reason": {"type": "string", "nullable": True}}})


def _iso(value: datetime | None):
    return value.isoformat() if value else None


def stay_json(stay: Stay) -> dict:
    return {"id": stay.id, "person_id": stay.person.public_id, "bed_id": stay.bed_id,
            "state": stay.state, "planned_at": _iso(stay.planned_at),
            "checked_in_at": _iso(stay.checked_in_at), "ended_at": _iso(stay.ended_at),
            "end_reason": stay.end_reason, "destination": stay.destination}


def _parse_time(value, field: str) -> datetime | None:
    return inputs.moment(value, field)


def _units_with_beds(site_id: int) -> list[dict]:
    units = db.session.scalars(sa.select(Unit).where(Unit.site_id == site_id)
                               .order_by(Unit.name)).all()
    occupied = set(db.session.scalars(sa.select(Stay.bed_id).where(Stay.state.in_(OPEN_STATES))
                                      .join(Bed, Bed.id == Stay.bed_id)
                                      .join(Unit, Unit.id == Bed.unit_id)
                                      .where(Unit.site_id == site_id)))
    blocked = set(db.session.scalars(sa.select(BedBlock.bed_id).where(
        BedBlock.unblocked_at.is_(None))))
    return [{
        "id": unit.id, "name": unit.name, "barrier_free": unit.barrier_free,
        "family_room": unit.family_room, "women_only": unit.women_only,
        "quarantine": unit.quarantine,
        "beds": [{"id": bed.id, "label": bed.label,
                  "status": "blocked" if bed.id in blocked else "available",
                  "occupied": bed.id in occupied}
                 for bed in unit.beds if bed.removed_at is None],
    } for unit in units]


@bp.get("/sites")
@documented(
    "Sites with capacity, occupied, planned and free beds — now or at any past moment.",
    tags=["housing"],
    parameters=[query_parameter("as_of", {"type": "string", "format": "date-time"},
                                "A past moment (ISO 8601 with offset)"),
                query_parameter("include", {"type": "string", "enum": ["beds"]})],
    responses={"200": json_response("Sites", {"type": "object", "properties": {
        "sites": {"type": "array", "items": ref("SiteOccupancy")},
        "totals": {"type": "object"}}})},
)
def sites():
    as_of = _parse_time(request.args.get("as_of"), "as_of")
    rows = occupancy.site_occupancy(as_of)
    with_beds = request.args.get("include") == "beds"
    body = []
    for row in rows:
        item = {"id": row.site_id, "name": row.name, "kind": row.kind,
                "capacity": row.capacity, "occupied": row.occupied, "planned": row.planned,
                "free": row.free, "blocked": row.blocked, "percent": row.percent,
                "level": row.level}
        if with_beds:
            item["units"] = _units_with_beds(row.site_id)
        body.append(item)
    return jsonify(sites=body, totals=occupancy.totals(rows),
                   as_of=(as_of.isoformat() if as_of else None))


def _persons_from(body: dict) -> list[Person]:
    if body.get("household_ref"):
        household = household_by_ref(inputs.text(body, "household_ref", max_length=40))
        if household is None:
            raise ValidationFailed(household_ref=_("Unknown household reference."))
        placed = {s.person_id for s in operations.open_stays_of_household(household.id)}
        return [p for p in household.persons if p.id not in placed]
    ids = body.get("person_ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise ValidationFailed(person_ids=_("Give household_ref or a list of person_ids."))
    persons = db.session.scalars(sa.select(Person).where(Person.public_id.in_(ids))).all()
    if len(persons) != len(set(ids)):
        raise ValidationFailed(person_ids=_("Unknown person id."))
    order = {public_id: index for index, public_id in enumerate(ids)}
    return sorted(persons, key=lambda p: order[p.public_id])


def _beds_from(body: dict) -> list[Bed]:
    ids = inputs.integer_list(body, "bed_ids")
    if ids is None:
        raise ValidationFailed(bed_ids=_("A list of bed ids."))
    beds = {b.id: b for b in db.session.scalars(sa.select(Bed).where(Bed.id.in_(ids)))}
    if len(beds) != len(set(ids)):
        raise ValidationFailed(bed_ids=_("Unknown bed id."))
    return [beds[i] for i in ids]


def _override(body: dict) -> str | None:
    """The reason for placing someone in a women-and-children-only unit anyway."""
    value = body.get(operations.WOMEN_ONLY_OVERRIDE)
    return value if isinstance(value, str) else None


def _conflict_with_proposal(error, persons):
    proposals = allocation.propose(allocation.Needs.of(persons)) if persons else []
    return json_error(409, error.message, code=error.code, proposals=[
        {"unit_id": p.unit.id, "unit": p.unit.name, "site": p.unit.site.name,
         "free_beds": p.free_beds,
         "bed_ids": [b.id for b in allocation.free_beds_in(p.unit, p.needed)]}
        for p in proposals[:3]])


@bp.post("/stays")
@documented(
    "Assign beds: {household_ref | person_ids, bed_ids, check_in?, at?} → stays.",
    tags=["housing"],
    request_body={"required": True, "content": {"application/json": {"schema": {
        "type": "object", "properties": {
            "household_ref": {"type": "string"},
            "person_ids": {"type": "array", "items": {"type": "string"}},
            "bed_ids": {"type": "array", "items": {"type": "integer"}},
            "check_in": {"type": "boolean"},
            "at": {"type": "string", "format": "date-time"},
            "women_only_override": {"type": "string", "description":
                                    "Reason for placing a man in a women-and-children-only "
                                    "unit (refused with 422 without it); audited"}}}}}},
    responses={"201": json_response("Stays", {"type": "object", "properties": {
        "stays": {"type": "array", "items": ref("Stay")}}}),
        "409": {"description": "A bed or a person is taken (bed_taken, person_has_stay), "
                               "with a fresh proposal"},
        "422": {"description": "Invalid fields, e.g. an adult man for a women-and-children-"
                               "only unit without women_only_override"}},
)
def create_stays():
    body = inputs.json_object()
    persons = _persons_from(body)
    beds = _beds_from(body)
    try:
        stays = operations.assign(persons, beds, check_in=body.get("check_in") is True,
                                  at=_parse_time(body.get("at"), "at"),
                                  override_reason=_override(body))
    except Conflict as error:
        return _conflict_with_proposal(error, persons)
    return jsonify(stays=[stay_json(s) for s in stays]), 201


@bp.post("/stays/move")
@documented(
    "Move persons to other beds in one step: {person_ids, bed_ids, at?}.", tags=["housing"],
    request_body={"required": True, "content": {"application/json": {"schema": {
        "type": "object", "properties": {
            "person_ids": {"type": "array", "items": {"type": "string"}},
            "bed_ids": {"type": "array", "items": {"type": "integer"}},
            "at": {"type": "string", "format": "date-time"},
            "women_only_override": {"type": "string"}}}}}},
    responses={"201": json_response("The new stays", {"type": "object"}),
               "409": {"description": "A bed is taken"},
               "422": {"description": "Invalid fields, e.g. an adult man for a women-and-"
                                      "children-only unit without women_only_override"}},
)
def move_stays():
    body = inputs.json_object()
    persons = _persons_from({"person_ids": body.get("person_ids")})
    try:
        stays = operations.move(persons, _beds_from(body), at=_parse_time(body.get("at"), "at"),
                                override_reason=_override(body))
    except Conflict as error:
        return _conflict_with_proposal(error, persons)
    return jsonify(stays=[stay_json(s) for s in stays]), 201


@bp.post("/stays/<int:stay_id>/check-in")
@documented("Check a planned stay in.", tags=["housing"],
            responses={"200": json_response("The stay", ref("Stay"))})
def check_in_stay(stay_id: int):
    stay = db.get_or_404(Stay, stay_id)
    body = inputs.json_object(optional=True)
    operations.check_in(stay, _parse_time(body.get("at"), "at"))
    return jsonify(stay_json(stay))


@bp.post("/stays/<int:stay_id>/check-out")
@documented(
    "End a stay: {reason, destination, at}. reason from the catalogue (checkout_reason).",
    tags=["housing"],
    request_body={"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["reason"], "properties": {
            "reason": {"type": "string"}, "destination": {"type": "string"},
            "at": {"type": "string", "format": "date-time"}}}}}},
    responses={"200": json_response("The stay", ref("Stay"))},
)
def check_out_stay(stay_id: int):
    stay = db.get_or_404(Stay, stay_id)
    body = inputs.json_object()
    operations.check_out(stay, reason=inputs.text(body, "reason", max_length=80),
                         destination=inputs.text(body, "destination", max_length=200,
                                                 default=""),
                         at=_parse_time(body.get("at"), "at"))
    return jsonify(stay_json(stay))


@bp.get("/households/<ref>/bed-proposals")
@documented(
    "Units that can take the household's unplaced members together, best fit first.",
    tags=["housing"],
    responses={"200": json_response("Proposals", {"type": "object"}),
               "404": {"description": "Unknown household"}},
)
def bed_proposals(ref: str):
    household = household_or_404(ref)
    placed = {s.person_id for s in operations.open_stays_of_household(household.id)}
    persons = [p for p in household.persons if p.id not in placed]
    needs = allocation.Needs.of(persons)
    proposals = allocation.propose(
        needs, family_units=allocation.family_unit_ids(household.id)) if persons else []
    # The needs are read from the persons' sex, age and flags.
    record_read(persons, entity_type="household", entity_id=household.public_id,
                detail="bed proposals")
    return jsonify(
        needs={"size": needs.size, "barrier_free": needs.barrier_free,
               "admits_women_only": needs.admits_women_only},
        proposals=[{"unit_id": p.unit.id, "unit": p.unit.name, "site_id": p.unit.site_id,
                    "site": p.unit.site.name, "free_beds": p.free_beds,
                    "leftover": p.leftover} for p in proposals])

