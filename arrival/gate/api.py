"""The gate's JSON API: scans, the evacuation list (kept by the kiosk), roll calls."""

from __future__ import annotations

from flask import jsonify
from flask_babel import get_locale
from flask_login import current_user

from arrival.api.blueprint import bp
from arrival.api.openapi import documented, json_response
from arrival.auth.permissions import FieldGroup, user_field_groups
from arrival.core import inputs
from arrival.extensions import db, limiter
from arrival.gate import operations
from arrival.gate.limits import scan_rate_limit, station_key
from arrival.gate.models import RollCall
from arrival.gate.templating import (
    answer_json,
    evacuation_json,
    roll_call_counts_json,
    roll_call_json,
)
from arrival.housing.models import Site


def _identity() -> bool:
    return FieldGroup.IDENTITY in user_field_groups(current_user)


def _body() -> dict:
    """The JSON object of the request (anything else: 400, see core.inputs)."""
    return inputs.json_object()


@bp.post("/gate/scan")
@limiter.limit(scan_rate_limit, key_func=station_key)
@documented(
    "A scan at a site's gate: {site_id, station, direction (in|out|seen), code}. Refusals "
    "are 200 with result red; every scan is recorded.", tags=["gate"],
    request_body={"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["site_id", "direction", "code"], "properties": {
            "site_id": {"type": "integer"}, "station": {"type": "string"},
            "direction": {"type": "string", "enum": ["in", "out", "seen"]},
            "code": {"type": "string"}}}}}},
    responses={"200": json_response("The answer", {"type": "object", "properties": {
        "result": {"type": "string", "enum": ["green", "amber", "red"]},
        "reason": {"type": "string"}, "direction": {"type": "string"},
        "label": {"type": "string"}, "advice": {"type": "array", "items": {"type": "string"}},
        "lives_at": {"type": "string", "nullable": True}, "flagged": {"type": "boolean"}}}),
        "429": {"description": "Too many scans from this station"}},
)
def gate_scan():
    body = _body()
    site_id = body.get("site_id") if isinstance(body.get("site_id"), int) else None
    answer = operations.scan(body.get("code"), site_id=site_id,
                             station=str(body.get("station") or ""),
                             direction=str(body.get("direction") or ""),
                             show_identity=_identity(), locale=str(get_locale()))
    return jsonify(answer_json(answer))


@bp.get("/gate/sites/<int:site_id>/evacuation")
@documented("Everyone inside a site now, grouped by room, those who need help first; "
            "counts of residents, staff and visitors.", tags=["gate"],
            responses={"200": json_response("The evacuation list", {"type": "object"}),
                       "404": {"description": "Unknown site"}})
def gate_evacuation(site_id: int):
    site = db.get_or_404(Site, site_id)
    listing = operations.evacuation_list(site, locale=str(get_locale()))
    identity = _identity()
    if identity:
        operations.audit_list_read("evacuation_list", site,
                                   [p.public_id for p in listing.persons])
    return jsonify(evacuation_json(listing, show_identity=identity))


@bp.get("/gate/roll-calls/<int:roll_call_id>")
@documented("A roll call: counts and who is not yet accounted for.", tags=["gate"],
            responses={"200": json_response("The roll call", {"type": "object"}),
                       "404": {"description": "Unknown roll call"}})
def gate_roll_call(roll_call_id: int):
    roll_call = db.get_or_404(RollCall, roll_call_id)
    identity = _identity()
    status = operations.roll_call_status(roll_call, show_identity=identity)
    _audit_roll_call_read(roll_call, status, identity)
    return jsonify(roll_call_json(status))


def _audit_roll_call_read(roll_call: RollCall, status, identity: bool) -> None:
    """The answer names who is still missing."""
    if identity:
        shown = [m["public_id"] for m in status.missing if m["public_id"]]
        operations.audit_list_read("roll_call", db.session.get(Site, roll_call.site_id), shown)


@bp.post("/gate/roll-calls/<int:roll_call_id>/ticks")
@documented(
    "Account for someone at the assembly point: {code} (card scan or number), or "
    "{person_id} / {visit_id} (tap). A second tick of the same person answers 'already'. "
    "The answer carries the counts and who was ticked; the list of those still missing "
    "comes from GET /gate/roll-calls/{id} (the tablets poll it).",
    tags=["gate"],
    request_body={"required": True, "content": {"application/json": {"schema": {
        "type": "object", "properties": {"code": {"type": "string"},
                                         "person_id": {"type": "integer"},
                                         "visit_id": {"type": "integer"}}}}}},
    responses={"200": json_response("ticked, already or not_expected", {
        "type": "object", "properties": {
            "status": {"type": "string", "enum": ["ticked", "already", "not_expected"]},
            "person_id": {"type": "integer", "nullable": True},
            "visit_id": {"type": "integer", "nullable": True},
            "name": {"type": "string", "nullable": True,
                     "description": "who was ticked (roles that see identity)"},
            "roll_call": {"type": "object", "description":
                          "id, state, expected, accounted, not_expected, missing_count"}}}),
               "404": {"description": "Unknown roll call"},
               "422": {"description": "Ended roll call, unknown card or person"}})
def gate_tick(roll_call_id: int):
    roll_call = db.get_or_404(RollCall, roll_call_id)
    body = _body()
    if "code" in body:
        result = operations.tick_code(roll_call, body.get("code"))
    else:
        person_id = body.get("person_id") if isinstance(body.get("person_id"), int) else None
        visit_id = body.get("visit_id") if isinstance(body.get("visit_id"), int) else None
        result = operations.tick(roll_call, person_id=person_id, visit_id=visit_id)
    name = None
    if _identity() and result.person_id is not None:
        public_id, name = operations.public_id_and_name(result.person_id)
        operations.audit_list_read("roll_call", db.session.get(Site, roll_call.site_id),
                                   [public_id])
    return jsonify(status=result.status, person_id=result.person_id, visit_id=result.visit_id,
                   name=name, roll_call=roll_call_counts_json(operations.roll_call_counts(
                       roll_call)))


@bp.post("/gate/scan/offline")
@documented(
    "Send a gate scan made while the tablet was offline: {site_id, station, direction, "
    "code, scanned_at} with an Idempotency-Key. Decided and recorded as at scanned_at; a "
    "second send of the same key answers the first result (repeated: true).",
    tags=["gate"],
    parameters=[{"name": "Idempotency-Key", "in": "header", "required": True,
                 "schema": {"type": "string", "maxLength": 100}}],
    request_body={"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["site_id", "direction", "code", "scanned_at"],
        "properties": {
            "site_id": {"type": "integer"}, "station": {"type": "string"},
            "direction": {"type": "string", "enum": ["in", "out", "seen"]},
            "code": {"type": "string"},
            "scanned_at": {"type": "string", "format": "date-time"}}}}}},
    responses={"200": json_response("The answer", {"type": "object", "properties": {
        "result": {"type": "string", "enum": ["green", "amber", "red"]},
        "reason": {"type": "string"}, "direction": {"type": "string"},
        "repeated": {"type": "boolean"}}}),
        "422": {"description": "No Idempotency-Key, implausible time"}},
)
def gate_offline_scan():
    from flask import request

    from arrival.gate import offline
    from arrival.services.offline import check_key, scanned_at_of

    body = _body()
    key = check_key(request.headers.get("Idempotency-Key"))
    site_id = body.get("site_id") if isinstance(body.get("site_id"), int) else None
    answer, repeated = offline.receive_offline_scan(
        body.get("code"), site_id=site_id, station=str(body.get("station") or ""),
        direction=str(body.get("direction") or ""), scanned_at=scanned_at_of(body), key=key,
        show_identity=_identity(), locale=str(get_locale()))
    if repeated:
        return jsonify(repeated=True, **answer)
    return jsonify(repeated=False, **answer_json(answer))
