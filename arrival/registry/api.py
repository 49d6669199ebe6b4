from __future__ import annotations

from flask import Response, abort, jsonify, make_response, request
from flask_babel import gettext as _
from flask_login import current_user

from arrival.api.blueprint import bp
from arrival.api.openapi import documented, json_response, query_parameter, ref, register_schema
from arrival.auth.permissions import FieldGroup, user_field_groups
from arrival.core.errors import json_error
from arrival.core.inputs import json_object
from arrival.registry import matching, operations, photos, search as person_search
from arrival.registry.form_actions import MRZ_FIELD_LABELS
from arrival.registry.lookup import household_or_404, person_or_404
from arrival.registry.mrz import MRZError, parse_mrz
from arrival.registry.names import kmu_2010
from arrival.registry.serialise import household_json, person_json
from arrival.registry.validation import (
    parse_household,
    plausibility_warnings,
    safeguarding_proposals,
)

MAX_IDEMPOTENCY_KEY = 80

PERSON_SCHEMA = {
    "type": "object",
    "required": ["family_name", "given_names", "sex", "nationality"],
    "properties": {
        "relation": {"type": "string", "enum": ["head", "spouse", "child", "parent",
                                                "grandparent", "sibling", "other_relative",
                                                "companion"]},
        "family_name": {"type": "string", "maxLength": 100,
                        "description": "Latin, exactly as in the document"},
        "given_names": {"type": "string", "maxLength": 150},
        "family_name_cyrillic": {"type": "string", "maxLength": 100},
        "given_names_cyrillic": {"type": "string", "maxLength": 150},
        "patronymic": {"type": "string", "maxLength": 100,
                       "description": "Cyrillic, as in Ukrainian documents (Петрівна)"},
        "sex": {"type": "string", "enum": ["female", "male", "diverse", "unknown"]},
        "date_of_birth": {"type": "string", "format": "date"},
        "birth_year": {"type": "integer", "description": "Estimated year when no full date"},
        "nationality": {"type": "string", "description": "ISO 3166-1 alpha-3; XXA stateless, "
                                                          "XXX unknown"},
        "flags": {"type": "array", "items": {"type": "string"}},
        "languages": {"type": "array", "items": {"type": "string"}},
        "document": {"type": "object", "properties": {
            "type": {"type": "string", "enum": ["biometric_passport", "passport", "national_id",
                                                "internal_passport", "birth_certificate",
                                                "other", "none"]},
            "number": {"type": "string"}, "issuing_country": {"type": "string"},
            "expiry": {"type": "string", "format": "date"}}},
        "notes": {"type": "string", "maxLength": 2000},
    },
}
register_schema("PersonInput", PERSON_SCHEMA)
register_schema("HouseholdInput", {
    "type": "object",
    "required": ["persons"],
    "properties": {
        "arrived_at": {"type": "string", "format": "date-time",
                       "description": "ISO 8601 with offset; default now"},
        "arrival_point": {"type": "string"}, "phone": {"type": "string"},
        "contact_language": {"type": "string"},
        "persons": {"type": "array", "minItems": 1, "items": ref("PersonInput")},
        "duplicate_reason": {"type": "string", "description":
                             "Register despite likely duplicates, with this reason"},
        "confirm_warnings": {"type": "boolean"},
    },
})
register_schema("Household", {"type": "object", "properties": {
    "ref": {"type": "string"}, "id": {"type": "string", "format": "uuid"},
    "arrived_at": {"type": "string", "format": "date-time"},
    "persons": {"type": "array", "items": {"type": "object"}}}})
register_schema("Candidate", {"type": "object", "properties": {
    "person_id": {"type": "string", "format": "uuid"}, "household_ref": {"type": "string"},
    "score": {"type": "number", "minimum": 0, "maximum": 1}, "likely": {"type": "boolean"},
    "reasons": {"type": "array", "items": {"type": "string"}},
    "person": {"type": "object"}, "registered_at": {"type": "string", "format": "date-time"}}})


def candidate_json(candidate: matching.Candidate, groups) -> dict:
    person = candidate.person
    return {
        "person_id": person.public_id, "household_ref": person.household.ref,
        "score": candidate.score, "likely": candidate.likely, "reasons": candidate.reasons,
        "registered_at": person.created_at.isoformat(),
        "person": person_json(person, groups),
    }


def candidate_minimal(candidate: matching.Candidate, groups) -> dict:
    """What the desk needs to decide on a likely duplicate, and no more: the
    reference, names and date of birth (if the role sees identity) and why it
    matched — never documents, health flags or notes."""
    person = candidate.person
    data = {"person_id": person.public_id, "household_ref": person.household.ref,
            "score": candidate.score, "likely": candidate.likely, "reasons": candidate.reasons}
    if FieldGroup.IDENTITY in groups:
        data["person"] = {
            "family_name": person.family_name, "given_names": person.given_names,
            "family_name_cyrillic": person.family_name_cyrillic,
            "given_names_cyrillic": person.given_names_cyrillic,
            "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else None,
            "birth_year": person.birth_year}
    return data


def _json_body() -> dict:
    return json_object()


@bp.post("/households")
@documented(
    "Register a household with its persons (idempotent with Idempotency-Key).",
    tags=["registry"],
    parameters=[{"name": "Idempotency-Key", "in": "header", "required": False,
                 "schema": {"type": "string", "maxLength": MAX_IDEMPOTENCY_KEY},
                 "description": "The same key again returns the first result and creates "
                                "nothing; with a different body it is refused (422)."}],
    request_body={"required": True, "content": {"application/json": {
        "schema": ref("HouseholdInput")}}},
    responses={
        "201": json_response("Registered", ref("Household")),
        "200": json_response("Already registered with this key", ref("Household")),
        "409": {"description": "Likely duplicates (code possible_duplicate, candidates per "
                               "person index); send duplicate_reason to register anyway"},
        "422": {"description": "Invalid fields (validation_failed), warnings to confirm "
                               "(confirmation_required; `proposals` names flags to confirm "
                               "by sending them, e.g. the unaccompanied-minor flag for a "
                               "minor without an adult — or decline with confirm_warnings) "
                               "or a reused key (idempotency_key_reused)"},
    },
)
def create_household():
    body = _json_body()
    key = (request.headers.get("Idempotency-Key") or "").strip() or None
    if key and len(key) > MAX_IDEMPOTENCY_KEY:
        return json_error(422, _("The Idempotency-Key is too long."), code="validation_failed")
    if key and not key.isprintable():
        return json_error(422, _("The Idempotency-Key holds characters that are not allowed."),
                          code="validation_failed")
    payload = {k: v for k, v in body.items() if k not in ("duplicate_reason", "confirm_warnings")}
    data = parse_household(payload)
    warnings = plausibility_warnings(data)
    if warnings and body.get("confirm_warnings") is not True:
        return json_error(422, _("Please confirm these entries."), code="confirmation_required",
                          warnings=warnings, proposals=safeguarding_proposals(data))
    reason = body.get("duplicate_reason")
    reason = reason.strip()[:300] if isinstance(reason, str) and reason.strip() else None
    groups = user_field_groups(current_user)
    try:
        registration = operations.register_household(
            data, idempotency_key=key, fingerprint=operations.request_fingerprint(payload),
            duplicate_reason=reason)
    except operations.PossibleDuplicates as found:
        shown = [c.person for found_for in found.candidates.values() for c in found_for]
        operations.record_view("duplicate_check", "-", detail=f"{len(shown)} candidates",
                               persons=shown)
        return json_error(409, _("Likely duplicates found."), code="possible_duplicate",
                          candidates={str(index): [candidate_minimal(c, groups) for c in found]
                                      for index, found in found.candidates.items()})
    except operations.IdempotencyKeyReused:
        return json_error(422, _("This Idempotency-Key was used for a different request."),
                          code="idempotency_key_reused")
    status = 201 if registration.created else 200
    return jsonify(household_json(registration.household, groups)), status


@bp.get("/households/<ref>")
@documented("A household with its persons, cut to the caller's field groups.",
            tags=["registry"],
            responses={"200": json_response("The household", ref("Household")),
                       "404": {"description": "Unknown reference or wrong check character"}})
def get_household(ref: str):
    household = household_or_404(ref)
    operations.record_view("household", household.public_id, persons=household.persons)
    return jsonify(household_json(household, user_field_groups(current_user)))


@bp.post("/registry/duplicates")
@documented(
    "Duplicate candidates for a person's fields (any subset), best first.", tags=["registry"],
    request_body={"required": True, "content": {"application/json": {
        "schema": ref("PersonInput")}}},
    responses={"200": json_response("Candidates", {"type": "object", "properties": {
        "candidates": {"type": "array", "items": ref("Candidate")}}})},
)
def duplicates():
    probe = matching.Probe.from_fields(_json_body())
    candidates = matching.find_candidates(probe)
    if candidates:
        operations.record_view("duplicate_check", "-", detail=f"{len(candidates)} candidates",
                               persons=[c.person for c in candidates])
    groups = user_field_groups(current_user) & {FieldGroup.IDENTITY}
    return jsonify(candidates=[candidate_json(c, groups) for c in candidates])


@bp.get("/persons/search")
@documented(
    "Find persons by any spelling or script of the name, date of birth (DD.MM.YYYY or "
    "YYYY-MM-DD), birth year, document number, phone, card number or household reference. "
    "A reference with a wrong check character finds nobody; `reference` then says so and "
    "lists the existing references it was probably meant to be.", tags=["registry"],
    parameters=[query_parameter("q", description="Search text")],
    responses={"200": json_response("Up to 50 persons", {"type": "object", "properties": {
        "persons": {"type": "array", "items": {"type": "object"}},
        "truncated": {"type": "boolean"},
        "reference": {"type": "object", "properties": {
            "check_character": {"type": "string", "enum": ["wrong"]},
            "message": {"type": "string"},
            "suggestions": {"type": "array", "items": {"type": "object", "properties": {
                "kind": {"type": "string", "enum": ["household", "card"]},
                "ref": {"type": "string"}}}}}}}})},
)
def search_persons():
    query = (request.args.get("q") or "").strip()[:200]
    by_document = FieldGroup.DOCUMENTS in user_field_groups(current_user)
    results = person_search.search(query, by_document=by_document) if query \
        else person_search.SearchResults()
    operations.record_view("search", "-", detail=f"{len(results.persons)} results",
                           persons=results.persons)
    groups = user_field_groups(current_user) & {FieldGroup.IDENTITY}
    body = {"persons": [person_json(p, groups) | {"household_ref": p.household.ref}
                        for p in results.persons],
            "truncated": results.truncated}
    if results.wrong_check_character:
        body["reference"] = {
            "check_character": "wrong",
            "message": _("The check character of this reference is wrong."),
            "suggestions": [{"kind": kind, "ref": ref} for kind, ref in results.suggestions]}
    return jsonify(body)


@bp.post("/registry/mrz")
@documented(
    "Parse and verify a machine-readable zone (ICAO 9303 TD1, TD2, TD3).", tags=["registry"],
    request_body={"required": True, "content": {"application/json": {"schema": {
        "type": "object", "properties": {"mrz": {"type": "string", "maxLength": 300}}}}}},
    responses={"200": json_response("The fields read", {"type": "object"}),
               "422": {"description": "Layout or check digit errors, each naming its field"}},
)
def read_mrz():
    text = _json_body().get("mrz")
    if not isinstance(text, str) or len(text) > 300:
        return json_error(422, code="validation_failed", fields={"mrz": [_("Text expected.")]})
    try:
        result = parse_mrz(text)
    except MRZError as error:
        return json_error(422, code="mrz_invalid", errors=[
            {"field": field, "message": MRZ_FIELD_LABELS.get(field, lambda: message)()}
            for field, message in error.errors])
    return jsonify(
        family_name=result.family_name, given_names=result.given_names, sex=result.sex,
        date_of_birth=result.date_of_birth.isoformat() if result.date_of_birth else None,
        nationality=result.nationality, document={
            "number": result.document_number, "issuing_country": result.issuing_country,
            "expiry": result.expiry.isoformat() if result.expiry else None,
            "type": result.document_type},
        format=result.format)


@bp.get("/registry/transliterate")
@documented(
    "The Ukrainian passport spelling (KMU 55/2010) of a Cyrillic name — a suggestion.",
    tags=["registry"], parameters=[query_parameter("text")],
    responses={"200": json_response("Latin", {"type": "object", "properties": {
        "latin": {"type": "string"}}})},
)
def transliterate():
    text = (request.args.get("text") or "")[:150]
    return jsonify(latin=kmu_2010(text))


# --- the optional photo (issue 17; PERSON_PHOTOS, off by default) -----------------------

PHOTO_DISABLED = {"description": "Unknown person, or photos are switched off in this "
                                 "deployment (code photos_disabled)"}


def _photo_person_or_404():
    """The person of the URL when photos are on; 404 otherwise (off: no endpoint
    accepts or hands out a photo)."""
    if not photos.photos_enabled():
        abort(make_response(json_error(404, _("Photos are switched off in this deployment."),
                                       code="photos_disabled")))
    return person_or_404(request.view_args["public_id"])


@bp.put("/persons/<public_id>/photo")
@documented(
    "Store or replace a person's photo: {image} as base64 (or a data URL) of a JPEG of at "
    "most 320 × 320 pixels and 40 KB, taken with the tablet camera (downscaled there). "
    "Only when the deployment switched photos on (ARRIVAL_PERSON_PHOTOS).",
    tags=["registry"],
    request_body={"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["image"], "properties": {
            "image": {"type": "string", "description": "base64 JPEG or data:image/jpeg;base64,…"}
        }}}}},
    responses={"200": json_response("Stored", {"type": "object", "properties": {
        "width": {"type": "integer"}, "height": {"type": "integer"},
        "bytes": {"type": "integer"}}}),
        "404": PHOTO_DISABLED,
        "422": {"description": "Not a JPEG, too large (bytes or pixels), too small, "
                               "not base64 — errors.photo names why"}})
def put_person_photo(public_id: str):
    person = _photo_person_or_404()
    data = photos.decode_upload(json_object().get("image"))
    photo = photos.save_photo(person, data)
    return jsonify(width=photo.width, height=photo.height, bytes=len(photo.jpeg))


@bp.get("/persons/<public_id>/photo")
@documented("A person's photo (JPEG), for roles that see identity; audited as a read of "
            "the person.", tags=["registry"],
            responses={"200": {"description": "The photo",
                               "content": {"image/jpeg": {}}},
                       "404": {"description": "Unknown person, no photo, or photos are "
                                              "switched off"}})
def person_photo(public_id: str):
    person = _photo_person_or_404()
    data = photos.read_photo(person)
    if data is None:
        return json_error(404, _("No photo has been taken of this person."), code="no_photo")
    # Personal data: never kept by a shared cache or the browser's disk cache.
    return Response(data, mimetype="image/jpeg", headers={
        "Cache-Control": "no-store, private", "X-Content-Type-Options": "nosniff"})


@bp.delete("/persons/<public_id>/photo")
@documented("Delete a person's photo.", tags=["registry"],
            responses={"200": json_response("Deleted (deleted false: there was none)", {
                "type": "object", "properties": {"deleted": {"type": "boolean"}}}),
                "404": PHOTO_DISABLED})
def delete_person_photo(public_id: str):
    person = _photo_person_or_404()
    return jsonify(deleted=photos.delete_photo(person))
