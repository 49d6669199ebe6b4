"""The public JSON endpoint: submit a pre-registration (no account). The answer
holds the token and the short code once; there is no endpoint that reads a
pre-registration back."""

from __future__ import annotations

from flask import current_app, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from arrival.api.blueprint import bp
from arrival.api.openapi import documented, json_response
from arrival.core import inputs
from arrival.core.clock import now
from arrival.core.errors import json_error
from arrival.core.validation import ValidationFailed
from arrival.extensions import limiter
from arrival.prereg import forms, operations
from arrival.prereg.templating import chosen_language, use_public_language

_CYRILLIC = {"type": "string", "maxLength": 100, "pattern": "^[А-ЯІЇЄҐ][а-яіїєґ'’-]{1,30}$"}
_LATIN = {"type": "string", "maxLength": 100, "pattern": "^[A-Z][A-Za-z'-]{1,30}$"}
PERSON_SCHEMA = {
    "type": "object", "required": ["relation", "sex"],
    "description": "Family and given name in Cyrillic or in Latin letters (or both); a date "
                   "of birth or a year. The relation of the first person is ignored (head).",
    "anyOf": [{"required": ["family_name_cyrillic", "given_names_cyrillic"]},
              {"required": ["family_name", "given_names"]}],
    "properties": {
        "relation": {"type": "string", "enum": list(operations.MEMBER_RELATIONS)},
        "family_name_cyrillic": _CYRILLIC, "given_names_cyrillic": _CYRILLIC,
        "patronymic": _CYRILLIC, "family_name": _LATIN, "given_names": _LATIN,
        "sex": {"type": "string", "enum": list(operations.SEXES)},
        "date_of_birth": {"type": "string", "format": "date"},
        "birth_year": {"type": "integer", "minimum": 1910, "maximum": 2020},
        "needs": {"type": "array", "maxItems": 6,
                  "items": {"type": "string", "enum": list(operations.NEEDS)}}}}


def _submit_rate_limit() -> str:
    return current_app.config["PREREG_RATE_LIMIT"]


@bp.post("/pre")
@limiter.limit(_submit_rate_limit, scope="prereg-submit")
@documented(
    "Submit a pre-registration (no account). The first person is the head of the household. "
    "Messages are in the language given (uk, ru, en, de; else the browser's). The token (for "
    "the QR code) and the short code are answered once and cannot be read back.",
    tags=["pre-registration"], public=True,
    request_body={"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["persons"], "properties": {
            "language": {"type": "string", "enum": ["uk", "ru", "en", "de"]},
            "persons": {"type": "array", "minItems": 1, "maxItems": operations.MAX_PERSONS,
                        "items": PERSON_SCHEMA},
            "phone": {"type": "string", "maxLength": 40},
            "languages": {"type": "array", "maxItems": 9, "items": {
                "type": "string", "enum": ["uk", "ru", "en", "de", "pl", "ro", "hu", "be",
                                           "other"]}},
            "arrived_from": {"type": "string", "maxLength": 100},
            "notes": {"type": "string", "maxLength": 500}}}}}},
    responses={"201": json_response("Received", {"type": "object", "properties": {
        "token": {"type": "string"}, "code": {"type": "string"},
        "expires_at": {"type": "string", "format": "date-time"}}}),
        "400": {"description": "Refused (the honeypot field was filled)"},
        "429": {"description": "Too many submits from this address"}},
)
def submit_pre_registration():
    body = inputs.json_object()
    language = body.get("language") if isinstance(body.get("language"), str) else None
    use_public_language(chosen_language(language))
    if body.get(forms.HONEYPOT_FIELD):
        raise ValidationFailed(body="refused")
    receipt = operations.submit(body, language=chosen_language(language))
    return jsonify(token=receipt.token, code=receipt.code,
                   expires_at=receipt.expires_at.isoformat()), 201


def _desk_key() -> str:
    return f"desk:{getattr(current_user, 'id', '-')}"


@bp.post("/prereg/open")
@limiter.limit("30 per minute", key_func=_desk_key, scope="prereg-desk")
@documented(
    "Open a pre-registration at the desk by its scanned token or typed short code (staff). "
    "Answers the household in the shape of POST /api/v1/households and the Idempotency-Key to "
    "register it with: the registration deletes the pre-registration.",
    tags=["pre-registration"],
    request_body={"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["code"], "properties": {
            "code": {"type": "string", "maxLength": 64}}}}}},
    responses={"200": json_response("Opened", {"type": "object", "properties": {
        "idempotency_key": {"type": "string"}, "household": {"type": "object"}}}),
        "404": {"description": "No valid pre-registration has this code (not_found)"},
        "429": {"description": "Too many lookups from this account"}},
)
def open_pre_registration():
    body = inputs.json_object()
    code = body.get("code")
    if not isinstance(code, str):
        raise ValidationFailed(code=_("Text expected."))
    prereg = operations.find(code)
    if prereg is None:
        return json_error(404, _("No valid pre-registration has this code: check the check "
                                 "character, or it has expired (after %(days)d days) or was "
                                 "registered already.", days=operations.valid_days()))
    key = operations.open_at_desk(prereg, current_user)
    return jsonify(idempotency_key=key, household=operations.household_payload(
        prereg, arrived_at=now().isoformat()))
