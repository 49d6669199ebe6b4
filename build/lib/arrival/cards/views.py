"""Printing and revoking cards from the household and person pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from arrival.cards import operations
from arrival.cards.render import render_cards
from arrival.core.downloads import pdf_response
from arrival.core.forms_support import ActionForm, flash_errors
from arrival.core.validation import ValidationFailed
from arrival.registry.lookup import household_or_404, person_or_404

bp = Blueprint("cards", __name__, url_prefix="/cards")


@bp.post("/households/<ref>/print")
def print_household(ref: str):
    """New cards for every member, on one A4 sheet (or ID-1 pages with ?format=id1)."""
    household = household_or_404(ref)
    if not ActionForm().validate_on_submit():
        abort(400)
    issued = operations.issue_household_cards(household)
    sheet = request.form.get("format", "a4") != "id1"
    data = render_cards([operations.face_for(i) for i in issued], sheet=sheet)
    return pdf_response(data, f"ankunftskarten_{household.ref}.pdf")


@bp.post("/persons/<public_id>/print")
def print_person(public_id: str):
    person = person_or_404(public_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    issued = operations.issue_card(person)
    data = render_cards([operations.face_for(issued)])
    return pdf_response(data, f"ankunftskarte_{issued.card.number}.pdf")


@bp.post("/<number>/revoke")
def revoke(number: str):
    card = operations.card_by_number(number)
    if card is None:
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            operations.revoke(card, request.form.get("reason", ""))
        except ValidationFailed as error:
            flash_errors(error)
        else:
            flash(_("Card %(number)s revoked.", number=card.number), "success")
    person = card.person
    return redirect(url_for("registry.household", ref=person.household.ref) + "#cards")


