from __future__ import annotations

from flask import abort, jsonify, request, url_for
from flask_babel import gettext as _

from arrival.api.blueprint import bp
from arrival.audit.operations import record_read
from arrival.api.openapi import documented, json_response, query_parameter
from arrival.cards import links, operations, tokens
from arrival.cards.render import render_cards
from arrival.core.downloads import pdf_response
from arrival.core import inputs
from arrival.core.errors import json_error
from arrival.registry.lookup import person_or_404


@bp.post("/persons/<person_id>/cards")
@documented(
    "Issue a card for a person (revoking the previous one).", tags=["cards"],
    responses={"201": json_response("The card", {"type": "object", "properties": {
        "number": {"type": "string"},
        "pdf": {"type": "string", "description": "Download link, valid for 15 minutes"}}}),
        "404": {"description": "Unknown person"}},
)
def issue_card(person_id: str):
    person = person_or_404(person_id)
    issued = operations.issue_card(person)
    link = url_for("api.card_pdf", number=issued.card.number, link=links.seal(issued.token))
    return jsonify(number=issued.card.number, status=issued.card.status, pdf=link), 201


@bp.get("/cards/<number>.pdf")
@documented(
    "The PDF (ID-1) of a card just issued. Only the link from issuing opens it: the "
    "database keeps no token, so a lost PDF means a new card.", tags=["cards"],
    parameters=[query_parameter("link", description="From the issuing response")],
    responses={"200": {"description": "application/pdf"},
               "404": {"description": "Unknown card, or the link has expired"}},
)
def card_pdf(number: str):
    card = operations.card_by_number(number)
    token = links.unseal(request.args.get("link", ""))
    if card is None or token is None or tokens.token_hash(token) != card.token_hash:
        return json_error(404, _("This card link is unknown or has expired."), code="not_found")
    data = render_cards([operations.face_for(operations.IssuedCard(card, token))])
    record_read([card.person], entity_type="card", entity_id=card.number,
                detail="card PDF downloaded")
    return pdf_response(data, f"ankunftskarte_{card.number}.pdf")


@bp.post("/cards/<number>/revoke")
@documented(
    "Revoke a card: {reason: lost | damaged | replaced | data_corrected}.", tags=["cards"],
    request_body={"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["reason"], "properties": {"reason": {
            "type": "string", "enum": ["lost", "damaged", "replaced", "data_corrected"]}}}}}},
    responses={"200": json_response("The card", {"type": "object"}),
               "404": {"description": "Unknown card"}},
)
def revoke_card(number: str):
    card = operations.card_by_number(number)
    if card is None:
        abort(404)
    operations.revoke(card, inputs.text(inputs.json_object(), "reason", max_length=40))
    return jsonify(number=card.number, status=card.status, revoked_reason=card.revoked_reason)
