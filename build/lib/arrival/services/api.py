from __future__ import annotations

from flask import jsonify
from flask_babel import get_locale
from flask_babel import gettext as _

from arrival.api.blueprint import bp
from arrival.api.openapi import documented, json_response
from arrival.core import inputs
from arrival.core.errors import json_error
from arrival.extensions import db, limiter
from arrival.services import operations
from arrival.services.limits import scan_rate_limit, station_key
from arrival.services.models import Delivery


def answer_json(answer: operations.ScanAnswer) -> dict:
    return {
        "result": answer.result, "reason": answer.reason, "service_type": answer.service_type,
        "person": answer.person, "delivery_id": answer.delivery_id,
        "last_delivery_at": answer.last_delivery_at.isoformat()
        if answer.last_delivery_at else None,
        "instructions": answer.instructions, "hint": answer.hint,
    }


@bp.post("/scan")
@limiter.shared_limit(scan_rate_limit, scope="scan", key_func=station_key)
@documented(
    "Scan a card at a station: {service_type, point, code, site_id?} where code is the QR "
    "payload or the printed card number.", tags=["services"],
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
                       "first_name, household_size (and members for household services)"},
            "delivery_id": {"type": "integer", "nullable": True},
            "last_delivery_at": {"type": "string", "format": "date-time", "nullable": True},
            "instructions": {"type": "array", "items": {"type": "string"}},
            "hint": {"type": "string", "nullable": True, "description":
                     "what to do now: a newer card exists, when the service opens next"}}}),
        "429": {"description": "Too many scans from this station"}},
)
def scan():
    body = inputs.json_object()
    answer = operations.scan(inputs.text(body, "code", max_length=500),
                             service_code=inputs.text(body, "service_type", max_length=80),
                             point=inputs.text(body, "point", max_length=200, default=""),
                             site_id=inputs.integer(body, "site_id"),
                             locale=str(get_locale()))
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
