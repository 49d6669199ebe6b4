"""Labels for card codes, and the cards section of the household page."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask_babel import lazy_gettext as _l

from arrival.cards.models import Card, CardStatus
from arrival.extensions import db

CARD_STATUS_LABELS = {"active": _l("active"), "revoked": _l("revoked"),
                      "expired": _l("expired")}
REVOCATION_LABELS = {"lost": _l("lost"), "damaged": _l("damaged"), "replaced": _l("replaced"),
                     "data_corrected": _l("data corrected")}


def cards_section(household) -> dict:
    ids = [p.id for p in household.persons]
    active = db.session.scalars(sa.select(Card).where(
        Card.person_id.in_(ids), Card.status == CardStatus.ACTIVE.value)).all()
    return {"household": household, "active": {card.person_id: card for card in active}}


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        card_status_label=lambda code: str(CARD_STATUS_LABELS.get(code, code)),
        revocation_label=lambda code: str(REVOCATION_LABELS.get(code, code)),
    )
