"""Labels for scan answers and card codes; the cards section of the household
page; the scans as a source of 'last seen'."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask_babel import lazy_gettext as _l

from arrival.auth.permissions import FieldGroup
from arrival.cards.models import Card, CardStatus
from arrival.core.sections import HouseholdSection, register_household_section
from arrival.extensions import db
from arrival.housing.absence import register_seen_source
from arrival.registry.templating import catalog_title
from arrival.services.models import Delivery, Scan

SCAN_RESULT_LABELS = {"green": _l("Hand out"), "amber": _l("Hand out – mind the note"),
                      "red": _l("Do not hand out")}
SCAN_REASON_LABELS = {
    "ok": "", "unknown_card": _l("Unknown card"), "card_revoked": _l("Card revoked"),
    "card_expired": _l("Card expired"), "invalid_code": _l("Invalid code"),
    "limit_reached": _l("Already received"), "outside_window": _l("Outside the serving times"),
    "not_eligible": _l("Not eligible"), "no_open_stay": _l("No accommodation"),
    "unknown_service_type": _l("Unknown service"), "too_many_requests": _l("Too many scans"),
    "offline": _l("No connection"),
}
CARD_STATUS_LABELS = {"active": _l("active"), "revoked": _l("revoked"),
                      "expired": _l("expired")}
REVOCATION_LABELS = {"lost": _l("lost"), "damaged": _l("damaged"), "replaced": _l("replaced"),
                     "data_corrected": _l("data corrected")}


def _cards(household) -> dict:
    ids = [p.id for p in household.persons]
    active = db.session.scalars(sa.select(Card).where(
        Card.person_id.in_(ids), Card.status == CardStatus.ACTIVE.value)).all()
    return {"household": household, "active": {card.person_id: card for card in active}}


def _scans() -> sa.Select:
    return sa.select(Scan.person_id.label("person_id"), Scan.scanned_at.label("at")).where(
        Scan.person_id.is_not(None))


def _deliveries() -> sa.Select:
    return sa.select(Delivery.person_id.label("person_id"),
                     Delivery.delivered_at.label("at"))


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        scan_result_label=lambda code: str(SCAN_RESULT_LABELS.get(code, code)),
        scan_reason_label=lambda code: str(SCAN_REASON_LABELS.get(code, code)),
        card_status_label=lambda code: str(CARD_STATUS_LABELS.get(code, code)),
        revocation_label=lambda code: str(REVOCATION_LABELS.get(code, code)),
        service_title=lambda code: catalog_title("service_type", code),
    )
    register_household_section(HouseholdSection(
        order=20, field_group=FieldGroup.SERVICES, template="cards/_household_section.html",
        context=_cards))
    register_seen_source(_scans)
    register_seen_source(_deliveries)
