"""JSON API of transfers: destinations, the quota, distribution decisions, bus lists,
boarding by card (Idempotency-Key: the scan station's offline queue replays it),
departure and the hand-over package."""

from __future__ import annotations

from flask import Response, abort, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from arrival.api.blueprint import bp
from arrival.api.openapi import documented, json_response, query_parameter, register_schema
from arrival.auth.permissions import FieldGroup, sees
from arrival.core import inputs
from arrival.core.inputs import has_control_characters
from arrival.core.validation import ValidationFailed
from arrival.extensions import db
from arrival.registry.lookup import household_or_404
from arrival.registry.operations import household_by_ref, record_view
from arrival.transfers import export, operations
from arrival.transfers.models import BatchHousehold, HandoverPackage, TransferBatch

register_schema("TransferBatch", {"type": "object", "properties": {
    "id": {"type": "integer"}, "destination": {"type": "object"},
    "departs_at": {"type": "string", "format": "date-time"}, "seats": {"type": "integer"},
    "taken": {"type": "integer"}, "state": {"type": "string"}, "version": {"type": "integer"},
    "departed_at": {"type": "string", "format": "date-time", "nullable": True},
    "households": {"type": "array", "items": {"type": "object"}}}})

ERRORS = {"404": {"description": "Unknown batch, household or package"},
          "409": {"description": "Changed in the meantime, already listed or transferred, "
                                 "the bus has left (codes stale_version, already_listed, "
                                 "already_transferred, batch_closed, on_bus_list)"},
          "422": {"description": "Bad input, messages per field (code validation_failed)"}}
VERSION = {"version": {"type": "integer",
                       "description": "The batch version read; a stale one is 409"}}


def destination_json(d) -> dict:
    return {"id": d.id, "key": d.key, "name": d.name, "label": d.label, "kind": d.kind,
            "region": d.region, "reception": d.reception, "contact_email": d.contact_email,
            "contact_phone": d.contact_phone, "weight": d.weight, "active": d.active}


def batch_json(batch: TransferBatch, *, with_households: bool = False) -> tuple[dict, list]:
    body = {"id": batch.id, "destination": {"key": batch.destination.key,
                                            "name": batch.destination.label},
            "departs_at": batch.departs_at.isoformat(), "seats": batch.seats,
            "taken": batch.taken, "state": batch.state, "version": batch.version,
            "departed_at": batch.departed_at.isoformat() if batch.departed_at else None,
            "note": batch.note}
    shown = []
    if with_households:
        identity = sees(current_user, FieldGroup.IDENTITY)
        boarded = operations.boarded_ids(batch)
        households = []
        for entry in operations.open_entries(batch):
            persons = operations.persons_of(entry)
            shown.extend(persons)
            households.append({
                "entry_id": entry.id, "household_ref": entry.household.ref,
                "state": entry.state, "persons_count": entry.persons_count,
                "care_place_confirmed": entry.care_place_confirmed,
                "persons": [{"public_id": p.public_id, "boarded": p.id in boarded,
                             **({"name": p.display_name} if identity else {})}
                            for p in persons]})
        body["households"] = households
        body["counts"] = operations.boarding_counts(batch)
        body["conflicts"] = [{"entry_id": f.entry_id, "code": f.code, "blocks": f.blocks,
                              "person": f.person.public_id if f.person else None,
                              "message": f.message} for f in operations.conflicts(batch)] \
            if batch.state == "planned" else []
    return body, shown


def _batch(batch_id: int) -> TransferBatch:
    return db.get_or_404(TransferBatch, batch_id)


def _idempotency_key() -> str | None:
    key = (request.headers.get("Idempotency-Key") or "").strip() or None
    if key is not None and len(key) > operations.KEY_LENGTH:
        raise ValidationFailed(**{"Idempotency-Key": _("The Idempotency-Key is too long.")})
    if key is not None and has_control_characters(key):
        raise ValidationFailed(**{"Idempotency-Key": _(
            "The Idempotency-Key holds characters that are not allowed.")})
    return key


IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False,
               "schema": {"type": "string", "maxLength": 80},
               "description": "A replay with the same key answers as the first time"}


@bp.get("/transfers/destinations")
@documented("The destinations (districts of the Land, other Länder) with the reception "
            "contact and the weight in the distribution key.", tags=["transfers"],
            responses={"200": json_response("Destinations", {"type": "object"})})
def transfer_destinations():
    return jsonify(destinations=[destination_json(d) for d in operations.destinations()])


@bp.get("/transfers/quota")
@documented("Persons transferred and planned per district against the distribution key, "
            "and the suggested next district (a suggestion, never a decision).",
            tags=["transfers"],
            responses={"200": json_response("The quota", {"type": "object"})})
def transfer_quota():
    rows, suggestion, total = operations.quota()
    return jsonify(total=total, suggestion=suggestion.destination.key if suggestion else None,
                   rows=[{"key": r.destination.key, "name": r.destination.label,
                          "share": round(r.share, 5), "transferred": r.transferred,
                          "planned": r.planned, "target": round(r.target, 2),
                          "gap": round(r.gap, 2)} for r in rows])


@bp.post("/households/<ref>/distribution-decision")
@documented(
    "The RP's distribution decision: {kind: stay|transfer, destination (key), reason, "
    "decided_on (YYYY-MM-DD), persons (public ids; all when left out — a part needs a "
    "reason)}. Closes the household's distribution item.", tags=["transfers"],
    request_body={"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["kind"], "properties": {
            "kind": {"type": "string", "enum": ["stay", "transfer"]},
            "destination": {"type": "string"}, "reason": {"type": "string"},
            "decided_on": {"type": "string", "format": "date"},
            "persons": {"type": "array", "items": {"type": "string"}}}}}}},
    responses={"201": json_response("The decision", {"type": "object"}), **ERRORS})
def distribution_decision(ref: str):
    household = household_or_404(ref)
    body = inputs.json_object()
    kind = inputs.text(body, "kind", max_length=20, required=True)
    key = inputs.text(body, "destination", max_length=10)
    destination = operations.destination_by_key(key) if key else None
    if key and destination is None:
        raise ValidationFailed(destination=_("Unknown destination."))
    decided_on = None
    day = inputs.text(body, "decided_on", max_length=10)
    if day:
        from datetime import date

        try:
            decided_on = date.fromisoformat(day)
        except ValueError:
            raise ValidationFailed(decided_on=_("Give a date as YYYY-MM-DD.")) from None
    person_ids = None
    if body.get("persons") is not None:
        wanted = body["persons"]
        if not isinstance(wanted, list) or not all(isinstance(p, str) for p in wanted):
            raise ValidationFailed(persons=_("A list of person ids expected."))
        by_public = {p.public_id: p.id for p in household.persons}
        if any(p not in by_public for p in wanted):
            raise ValidationFailed(persons=_("A chosen person is not in this household."))
        person_ids = [by_public[p] for p in wanted] or None
    decision = operations.decide(household, kind=kind, destination=destination,
                                 reason=inputs.text(body, "reason", max_length=500),
                                 decided_on=decided_on, person_ids=person_ids)
    persons = [p.person for p in decision.persons]
    record_view("household", household.ref, "distribution decision", persons=persons)
    return jsonify(id=decision.id, kind=decision.kind,
                   destination=decision.destination.key if decision.destination else None,
                   partial=decision.partial, decided_on=decision.decided_on.isoformat(),
                   persons=[p.public_id for p in persons]), 201


@bp.get("/transfers/batches")
@documented("Bus lists, latest departure first (optionally by state).", tags=["transfers"],
            parameters=[query_parameter("state", {"type": "string",
                                                  "enum": ["planned", "departed", "cancelled"]})],
            responses={"200": json_response("Batches", {"type": "object"})})
def transfer_batches():
    state = request.args.get("state")
    states = (state,) if state in ("planned", "departed", "cancelled") else None
    return jsonify(batches=[batch_json(b)[0] for b in operations.batches(states=states)])


@bp.post("/transfers/batches")
@documented(
    "A bus list: {destination (key), departs_at (ISO with offset, in the future), seats "
    "(1–500), note}.", tags=["transfers"],
    request_body={"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["destination", "departs_at", "seats"], "properties": {
            "destination": {"type": "string"},
            "departs_at": {"type": "string", "format": "date-time"},
            "seats": {"type": "integer"}, "note": {"type": "string"}}}}}},
    responses={"201": json_response("The batch", {"$ref": "#/components/schemas/TransferBatch"}),
               "422": ERRORS["422"]})
def create_transfer_batch():
    body = inputs.json_object()
    key = inputs.text(body, "destination", max_length=10, required=True)
    destination = operations.destination_by_key(key)
    if destination is None:
        raise ValidationFailed(destination=_("Unknown destination."))
    departs_at = inputs.moment(body.get("departs_at"), "departs_at")
    seats = inputs.integer(body, "seats", minimum=1, maximum=operations.MAX_SEATS, required=True)
    batch = operations.create_batch(destination, departs_at=departs_at, seats=seats,
                                    note=inputs.text(body, "note", max_length=300))
    return jsonify(batch_json(batch)[0]), 201


@bp.get("/transfers/batches/<int:batch_id>")
@documented("A bus list with its households, who boarded, the counts and the conflicts.",
            tags=["transfers"],
            responses={"200": json_response("The batch", {"$ref": "#/components/schemas/TransferBatch"}),
                       "404": ERRORS["404"]})
def transfer_batch(batch_id: int):
    body, shown = batch_json(_batch(batch_id), with_households=True)
    if shown:
        record_view("transfer_batch", batch_id, "bus list", persons=shown)
    return jsonify(body)


@bp.post("/transfers/batches/<int:batch_id>/households")
@documented("Add a household with a transfer decision to this destination: "
            "{household_ref, version}. Seats and one open batch per household are held by "
            "the database.", tags=["transfers"],
            request_body={"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["household_ref"], "properties": {
                    "household_ref": {"type": "string"}, **VERSION}}}}},
            responses={"201": json_response("The batch", {"type": "object"}), **ERRORS})
def add_transfer_household(batch_id: int):
    batch = _batch(batch_id)
    body = inputs.json_object()
    ref = inputs.text(body, "household_ref", max_length=20, required=True)
    household = household_by_ref(ref)
    if household is None:
        raise ValidationFailed(household_ref=_("Unknown household."))
    entry = operations.add_household(batch, household,
                                     expected_version=inputs.integer(body, "version"))
    persons = operations.persons_of(entry)
    record_view("transfer_batch", batch.id, "household added", persons=persons)
    return jsonify(entry_id=entry.id, household_ref=household.ref,
                   persons=[p.public_id for p in persons], taken=batch.taken,
                   seats=batch.seats, version=batch.version), 201


@bp.post("/transfers/batches/<int:batch_id>/households/<int:entry_id>/remove")
@documented("Take a household off the list (nobody of it boarded): {version}.",
            tags=["transfers"],
            request_body={"required": False, "content": {"application/json": {"schema": {
                "type": "object", "properties": VERSION}}}},
            responses={"200": json_response("Removed", {"type": "object"}), **ERRORS})
def remove_transfer_household(batch_id: int, entry_id: int):
    batch = _batch(batch_id)
    entry = db.get_or_404(BatchHousehold, entry_id)
    if entry.batch_id != batch.id:
        abort(404)
    body = inputs.json_object(optional=True)
    operations.remove_household(entry, expected_version=inputs.integer(body, "version"))
    return jsonify(taken=batch.taken, seats=batch.seats, version=batch.version)


@bp.post("/transfers/batches/<int:batch_id>/boarding")
@documented(
    "Boarding at the bus: {code} (card scan or typed number). Refusals are 200 with result "
    "red (not on this list, the bus has left, unknown card); a second scan is amber "
    "'already'. With an Idempotency-Key a replay gets the first answer.", tags=["transfers"],
    parameters=[IDEMPOTENCY],
    request_body={"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["code"], "properties": {"code": {"type": "string"}}}}}},
    responses={"200": json_response("The answer", {"type": "object", "properties": {
        "result": {"type": "string", "enum": ["green", "amber", "red"]},
        "reason": {"type": "string"}, "person": {"type": "object", "nullable": True},
        "counts": {"type": "object"}, "replayed": {"type": "boolean"}}}), **ERRORS})
def transfer_boarding(batch_id: int):
    body = inputs.json_object()
    code = inputs.text(body, "code", max_length=200, required=True)
    key = _idempotency_key()
    batch = operations.locked_batch(batch_id)
    if batch is None:
        abort(404)
    fingerprint = operations.request_hash(batch.id, {"code": code})
    if key:
        earlier = operations.earlier_answer(key, batch.id, fingerprint)
        if earlier is not None:
            return jsonify({**earlier, "replayed": True})
    answer = operations.board(batch, code=code, locked=True)
    result = answer.as_json(show_identity=sees(current_user, FieldGroup.IDENTITY))
    if answer.person is not None:
        record_view("transfer_batch", batch.id, "boarding", persons=[answer.person])
    if key:
        operations.keep_answer(key, batch.id, fingerprint, result)
    return jsonify({**result, "replayed": False})


@bp.post("/transfers/batches/<int:batch_id>/cancel")
@documented("Cancel the bus list: {reason (required), version}. Its households are free "
            "for another list. Refused (409) once the bus has left or while persons are "
            "boarded (undo their boardings first).", tags=["transfers"],
            request_body={"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["reason"], "properties": {
                    "reason": {"type": "string", "maxLength": 300}, **VERSION}}}}},
            responses={"200": json_response("Cancelled", {"type": "object", "properties": {
                "state": {"type": "string"}, "households_released": {"type": "integer"},
                "version": {"type": "integer"}}}), **ERRORS})
def cancel_transfer_batch(batch_id: int):
    batch = _batch(batch_id)
    body = inputs.json_object()
    reason = inputs.text(body, "reason", max_length=300)
    released = operations.cancel_batch(batch, reason, expected_version=inputs.integer(
        body, "version"))
    return jsonify(state=batch.state, households_released=released, version=batch.version)


@bp.post("/transfers/batches/<int:batch_id>/boarding/<public_id>/undo")
@documented("Undo a wrong boarding before departure: {reason}. Kept in the batch's "
            "history and audited; refused (409) once the bus has left.", tags=["transfers"],
            request_body={"required": False, "content": {"application/json": {"schema": {
                "type": "object", "properties": {
                    "reason": {"type": "string", "maxLength": 300}}}}}},
            responses={"200": json_response("Undone", {"type": "object", "properties": {
                "counts": {"type": "object"}}}), **ERRORS})
def undo_transfer_boarding(batch_id: int, public_id: str):
    batch = _batch(batch_id)
    person = operations.person_by_public_id(public_id)
    if person is None:
        abort(404)
    body = inputs.json_object(optional=True)
    operations.undo_boarding(batch, person, inputs.text(body, "reason", max_length=300))
    record_view("transfer_batch", batch.id, "boarding undone", persons=[person])
    return jsonify(person=person.public_id, counts=operations.boarding_counts(batch))


@bp.post("/transfers/batches/<int:batch_id>/depart")
@documented("The bus leaves: boarded persons are checked out (reason transferred, with "
            "the destination), missing ones stay and are listed: {version}.",
            tags=["transfers"],
            request_body={"required": False, "content": {"application/json": {"schema": {
                "type": "object", "properties": VERSION}}}},
            responses={"200": json_response("Departed", {"type": "object"}), **ERRORS})
def depart_transfer_batch(batch_id: int):
    batch = _batch(batch_id)
    body = inputs.json_object(optional=True)
    done = operations.depart(batch, expected_version=inputs.integer(body, "version"))
    record_view("transfer_batch", batch.id, "departure",
                persons=done.transferred + [p for _, p in done.missing])
    return jsonify(state=batch.state, departed_at=batch.departed_at.isoformat(),
                   transferred=[p.public_id for p in done.transferred],
                   missing=[{"household_ref": e.household.ref, "person": p.public_id}
                            for e, p in done.missing])


@bp.post("/transfers/batches/<int:batch_id>/handover")
@documented("Generate the hand-over package (PDF, XLSX, CSV, manifest in an AES-256 ZIP). "
            "The password is in this answer only, never stored.", tags=["transfers"],
            responses={"201": json_response("The package", {"type": "object", "properties": {
                "id": {"type": "integer"}, "password": {"type": "string"},
                "download": {"type": "string"}, "persons": {"type": "integer"},
                "sha256": {"type": "string"}}}), **ERRORS})
def transfer_handover(batch_id: int):
    batch = _batch(batch_id)
    if not sees(current_user, FieldGroup.HANDOVER):
        abort(403)
    package = export.build(batch)
    response = jsonify(id=package.record.id, password=package.password,
                       persons=package.record.persons_count, sha256=package.record.sha256,
                       download=f"/api/v1/transfers/handover/{package.record.id}.zip")
    response.status_code = 201
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/transfers/handover/<int:package_id>.zip")
@documented("The encrypted archive of a hand-over package.", tags=["transfers"],
            responses={"200": {"description": "The ZIP",
                               "content": {"application/zip": {"schema": {
                                   "type": "string", "format": "binary"}}}},
                       "404": ERRORS["404"]})
def transfer_handover_archive(package_id: int):
    package = db.get_or_404(HandoverPackage, package_id)
    if not sees(current_user, FieldGroup.HANDOVER):
        abort(403)
    data, filename, _persons = export.archive_of(package)
    return Response(data, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})
