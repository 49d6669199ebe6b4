"""The data-protection JSON API: the access report, restriction, erasure, the
record of processing."""

from __future__ import annotations

from flask import abort, jsonify, request

from arrival.api.blueprint import bp
from arrival.api.openapi import documented, json_response, query_parameter
from arrival.core import inputs
from arrival.core.validation import ValidationFailed
from arrival.extensions import db
from arrival.privacy import access, operations, record

REQUEST_BODY = {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["reason"], "properties": {
        "reason": {"type": "string", "maxLength": 300,
                   "description": "The request and how it came in"},
        "household": {"type": "boolean",
                      "description": "The whole household (only the head may ask)"}}}}}}
DONE = json_response("Done", {"type": "object", "properties": {
    "request_id": {"type": "integer"}, "public_id": {"type": "string"},
    "restricted": {"type": "boolean"}, "anonymised": {"type": "boolean"}}})


def _person(public_id: str):
    person = operations.person_by_public_id(public_id)
    if person is None:
        abort(404)
    return person


def _arguments() -> tuple[str, bool]:
    body = inputs.json_object()
    reason = body.get("reason")
    household = body.get("household", False)
    errors = {}
    if not isinstance(reason, str):
        errors["reason"] = ["Give the reason as text."]
    if not isinstance(household, bool):
        errors["household"] = ["true or false"]
    if errors:
        raise ValidationFailed(errors)
    return reason, household


def _answer(person, entry) -> dict:
    db.session.refresh(person)
    return {"request_id": entry.id, "public_id": person.public_id,
            "restricted": person.restricted_at is not None,
            "anonymised": person.anonymised_at is not None}


@bp.get("/privacy/persons/<public_id>/access-report")
@documented("The Art. 15 access report of a person (household=1: the head's whole "
            "household) as JSON; producing it is audited.", tags=["privacy"],
            parameters=[query_parameter("household", {"type": "string", "enum": ["0", "1"]})],
            responses={"200": json_response("The report", {"type": "object"})})
def privacy_access_report(public_id: str):
    person = _person(public_id)
    whole = request.args.get("household") == "1"
    people = operations.subjects(person, household=whole)
    report = access.access_report(person, household=whole)
    operations.log_access_report(person, people, whole, "json")
    response = jsonify(report)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/privacy/persons/<public_id>/restriction")
@documented("Restrict processing (Art. 18): hidden from every role but data protection "
            "and the administrator.", tags=["privacy"], request_body=REQUEST_BODY,
            responses={"200": DONE})
def privacy_restrict(public_id: str):
    person = _person(public_id)
    reason, household = _arguments()
    return jsonify(_answer(person, operations.restrict(person, reason=reason,
                                                       household=household)))


@bp.post("/privacy/persons/<public_id>/restriction/lift")
@documented("Lift a restriction.", tags=["privacy"], request_body=REQUEST_BODY,
            responses={"200": DONE})
def privacy_lift_restriction(public_id: str):
    person = _person(public_id)
    reason, household = _arguments()
    return jsonify(_answer(person, operations.lift_restriction(person, reason=reason,
                                                               household=household)))


@bp.post("/privacy/persons/<public_id>/erasure")
@documented("Erase (Art. 17): anonymise now, the figures kept. A legal hold (an open "
            "procedure of the Ausländerbehörde) refuses it: 422 with the reason at the "
            "field reason (the refusal is recorded).", tags=["privacy"],
            request_body=REQUEST_BODY, responses={"200": DONE})
def privacy_erase(public_id: str):
    person = _person(public_id)
    reason, household = _arguments()
    try:
        entry = operations.erase(person, reason=reason, household=household)
    except operations.ErasureRefused:
        db.session.commit()  # the refusal stays on record
        raise
    return jsonify(_answer(person, entry))


@bp.get("/privacy/record")
@documented("The record of processing (Art. 30), generated from the code's tables.",
            tags=["privacy"], responses={"200": json_response("The record", {"type": "object"})})
def privacy_record():
    return jsonify(record.document())
