from __future__ import annotations

from flask import jsonify, request, url_for
from flask_login import current_user
from flask_babel import get_locale
from flask_babel import gettext as _

from arrival.api.blueprint import bp
from arrival.api.openapi import documented, json_response
from arrival.auth.permissions import FieldGroup, user_field_groups
from arrival.core import inputs
from arrival.core.errors import json_error
from arrival.extensions import db, limiter
from arrival.audit.models import AuditAction
from arrival.audit.operations import record
from arrival.core.inputs import query_int
from arrival.services import offline, operations
from arrival.services.limits import scan_rate_limit, station_key
from arrival.services.models import Delivery


def _identity() -> bool:
    return FieldGroup.IDENTITY in user_field_groups(current_user)


def answer_json(answer: operations.ScanAnswer) -> dict:
    person = answer.person
    if person is not None and answer.photo_of:
        person = {**person, "photo_url": url_for("api.person_photo", public_id=answer.photo_of)}
    return {
        "result": answer.result, "reason": answer.reason, "service_type": answer.service_type,
        "person": person, "delivery_id": answer.delivery_id,
        "last_delivery_at": answer.last_delivery_at.isoformat()
        if answer.last_delivery_at else None,
        "instructions": answer.instructions, "hint": answer.hint,
        "repeated": answer.repeated,
    }


@bp.post("/scan")
@limiter.shared_limit(scan_rate_limit, scope="scan", key_func=station_key)
@documented(
    "Scan a card at a station: {service_type, point, code, site_id?} where code is the QR "
    "payload or the printed card number. With an Idempotency-Key (the station's key of "
    "this scan, the same it queues offline when the answer is lost) a repeat is answered "
    "as before and recorded once.", tags=["services"],
    parameters=[{"name": "Idempotency-Key", "in": "header", "required": False,
                 "schema": {"type": "string", "maxLength": 100}}],
    request_body={"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["service_type", "point", "code"], "properties": {
            "service_type": {"type": "string"}, "point": {"type": "string"},
            "code": {"type": "string"}, "site_id": {"type": "integer"}}}}}},
    responses={"200": json_response("The answer; refusals are 200 with result red", {
        "type": "object", "properties": {
            "result": {"type": "string", "enum": ["green", "amber", "red"]},
            "reason": {"type": "string", "description":
                       "ok, unknown_card, card_revoked, card_expired, invalid_code, "
                       "limit_reached, outside_window, not_eligible, no_open_stay, "
                       "unknown_service_type"},
            "person": {"type": "object", "nullable": True, "description":
                       "first_name, household_size (and members for household services); "
                       "photo_url when photos are on and the account sees identity"},
            "delivery_id": {"type": "integer", "nullable": True},
            "last_delivery_at": {"type": "string", "format": "date-time", "nullable": True},
            "instructions": {"type": "array", "items": {"type": "string"}},
            "hint": {"type": "string", "nullable": True, "description":
                     "what to do now: a newer card exists, when the service opens next"},
            "repeated": {"type": "boolean", "description":
                         "this key was answered before; nothing new was recorded"}}}),
        "422": {"description": "Unknown site, or an Idempotency-Key that is not valid"},
        "429": {"description": "Too many scans from this station"}},
)
def scan():
    body = inputs.json_object()
    key = request.headers.get("Idempotency-Key")
    answer = operations.scan(inputs.text(body, "code", max_length=500),
                             service_code=inputs.text(body, "service_type", max_length=80),
                             point=inputs.text(body, "point", max_length=200, default=""),
                             site_id=inputs.integer(body, "site_id"),
                             locale=str(get_locale()), show_identity=_identity(),
                             key=offline.check_key(key) if key is not None else None)
    return jsonify(answer_json(answer))


@bp.post("/deliveries/<int:delivery_id>/void")
@documented(
    "Void a delivery within two minutes: {reason}.", tags=["services"],
    request_body={"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["reason"],
        "properties": {"reason": {"type": "string"}}}}}},
    responses={"200": json_response("Voided", {"type": "object"}),
               "403": {"description": "Recorded by another station (code forbidden)"},
               "404": {"description": "Unknown delivery"},
               "422": {"description": "Too late, already voided, or no reason"}},
)
def void_delivery(delivery_id: int):
    delivery = db.get_or_404(Delivery, delivery_id)
    reason = inputs.text(inputs.json_object(), "reason", max_length=300, default="")
    try:
        operations.void_delivery(delivery, reason)
    except operations.NotOwnDelivery:
        return json_error(403, _("Another station recorded this delivery; only it or a "
                                 "station lead can void it."), code="forbidden")
    return jsonify(id=delivery.id, voided_at=delivery.voided_at.isoformat())


@bp.post("/scan/offline")
@documented(
    "Send a scan a station handed out while offline: {service_type, point, code, site_id?, "
    "scanned_at} with an Idempotency-Key. The rules are applied as at scanned_at; a scan "
    "that broke one is recorded all the same, with the rule, for the station lead.",
    tags=["services"],
    parameters=[{"name": "Idempotency-Key", "in": "header", "required": True,
                 "schema": {"type": "string", "maxLength": 100}}],
    request_body={"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["service_type", "code", "scanned_at"], "properties": {
            "service_type": {"type": "string"}, "point": {"type": "string"},
            "code": {"type": "string"}, "site_id": {"type": "integer"},
            "scanned_at": {"type": "string", "format": "date-time"}}}}}},
    responses={"200": json_response("Recorded (result recorded, violation or refused)", {
        "type": "object", "properties": {
            "result": {"type": "string", "enum": ["recorded", "violation", "refused"]},
            "reason": {"type": "string"}, "delivery_id": {"type": "integer", "nullable": True},
            "repeated": {"type": "boolean"}}}),
        "422": {"description": "No Idempotency-Key, unknown service type or site, "
                               "implausible time"}},
)
def offline_scan():
    body = inputs.json_object()
    key = offline.check_key(request.headers.get("Idempotency-Key"))
    received = offline.receive_offline_scan(
        inputs.text(body, "code", max_length=500), service_code=inputs.text(
            body, "service_type", max_length=80), point=inputs.text(
            body, "point", max_length=200, default=""),
        site_id=inputs.integer(body, "site_id"), scanned_at=offline.scanned_at_of(body), key=key)
    return jsonify(result=received.result, reason=received.reason,
                   delivery_id=received.delivery_id, repeated=received.repeated)


@bp.get("/offline/station-list")
@documented(
    "The small list a scan station keeps for deciding offline: per card the SHA-256 of "
    "its token (h) and of its number (n), status (s), first name (f), household size (k) "
    "and an opaque household tag (g). Query: service_type, site_id (optional).",
    tags=["services"],
    parameters=[{"name": "service_type", "in": "query", "required": True,
                 "schema": {"type": "string"}},
                {"name": "site_id", "in": "query", "required": False,
                 "schema": {"type": "integer"}}],
    responses={"200": json_response("The list", {"type": "object"}),
               "422": {"description": "Unknown service type or site"}},
)
def offline_station_list():
    service_code = (request.args.get("service_type") or "")[:80]
    site_id = query_int(request.args, "site_id")
    listing = offline.station_list(service_code, site_id)
    record(AuditAction.EXPORT, entity_type="offline_station_list", entity_id=service_code,
           detail=f"site {site_id}: {len(listing['entries'])} cards",
           persons=listing.pop("persons"))
    response = jsonify(listing)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/offline/violations")
@documented(
    "Deliveries handed out offline that broke a rule (newest first), for the station "
    "lead. Query: site_id (optional).", tags=["services"],
    parameters=[{"name": "site_id", "in": "query", "required": False,
                 "schema": {"type": "integer"}}],
    responses={"200": json_response("The violations", {"type": "object", "properties": {
        "items": {"type": "array", "items": {"type": "object"}}}})},
)
def offline_violations():
    rows = offline.violations(site_id=query_int(request.args, "site_id"))
    return jsonify(items=[offline.violation_json(row) for row in rows])


@bp.get("/offline/key")
@documented(
    "The signed-in account's key for its offline queue on the tablet (AES-GCM, base64), "
    "its id and the account's owner tag. Never cached.", tags=["services"],
    responses={"200": json_response("The key", {"type": "object", "properties": {
        "key": {"type": "string"}, "kid": {"type": "string"}, "owner": {"type": "string"}}})},
)
def offline_key():
    from arrival.auth.drafts import draft_owner

    response = jsonify(owner=draft_owner(current_user), **offline.outbox_key(current_user))
    response.headers["Cache-Control"] = "no-store, private"
    return response
