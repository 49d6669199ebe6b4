"""Issuing, revoking and resolving cards. Issuing always makes a new token: a
reprint is a new card, and the previous card stops working at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from arrival.core.actor import acting_user_id
from arrival.audit.models import AuditAction
from arrival.audit.operations import record
from arrival.cards import tokens
from arrival.cards.models import Card, CardStatus, RevocationReason
from arrival.cards.render import CardFace
from arrival.core.validation import ValidationFailed
from arrival.database import now_utc
from arrival.extensions import db
from arrival.housing.models import OPEN_STATES, Stay
from arrival.registry.photos import photo_bytes
from arrival.registry.models import Household, Person
from arrival.registry.search import ReferenceKind


@dataclass
class IssuedCard:
    card: Card
    token: str  # only in memory, for printing; never stored


def active_card(person: Person) -> Card | None:
    return db.session.scalar(sa.select(Card).where(Card.person_id == person.id,
                                                  Card.status == CardStatus.ACTIVE.value))


def _new_number() -> str:
    while True:
        number = tokens.new_card_number()
        if not db.session.scalar(sa.select(Card.id).where(Card.number == number)):
            return number


def issue_card(person: Person, *, replaces_because: str = RevocationReason.REPLACED.value
               ) -> IssuedCard:
    previous = active_card(person)
    if previous is not None:
        revoke(previous, replaces_because)
        db.session.flush()  # the old card is inactive before the new one exists
    token = tokens.new_token()
    card = Card(person_id=person.id, number=_new_number(), token_hash=tokens.token_hash(token),
                issued_by_id=acting_user_id())
    db.session.add(card)
    db.session.flush()
    record(AuditAction.PRINT, entity_type="card", entity_id=card.number,
           detail=f"person {person.public_id}", persons=[person])
    return IssuedCard(card, token)


def issue_household_cards(household: Household) -> list[IssuedCard]:
    return [issue_card(person) for person in household.persons]


def revoke(card: Card, reason: str) -> None:
    if reason not in set(RevocationReason):
        raise ValidationFailed(reason=_("Choose a reason from the list."))
    if card.status != CardStatus.ACTIVE.value:
        raise ValidationFailed(reason=_("This card is no longer active."))
    card.status = CardStatus.REVOKED.value
    card.revoked_reason = reason
    card.revoked_at = now_utc()
    db.session.flush()
    record(AuditAction.UPDATE, entity_type="card", entity_id=card.number, fields=["status"],
           detail=f"revoked: {reason}")


def expire_at_departure(ended: dict[int, datetime]) -> int:
    """The active cards of persons whose stay ended (person id → when) expire, unless
    another stay of theirs is open (check-out, or leaving before check-in; a move
    keeps the card). One query for all of them; returns how many cards expired."""
    if not ended:
        return 0
    still_housed = sa.exists().where(Stay.person_id == Card.person_id,
                                     Stay.state.in_(OPEN_STATES))
    cards = db.session.scalars(sa.select(Card).where(
        Card.person_id.in_(list(ended)), Card.status == CardStatus.ACTIVE.value,
        ~still_housed)).all()
    for card in cards:
        card.status = CardStatus.EXPIRED.value
        card.expires_at = ended[card.person_id]
        record(AuditAction.UPDATE, entity_type="card", entity_id=card.number,
               fields=["status", "expires_at"], detail="expired: stay ended")
    return len(cards)  # flushed by housing after all StayEnded handlers


def card_by_number(text: str) -> Card | None:
    number = tokens.canonical_card_number(text or "")
    if number is None:
        return None
    return db.session.scalar(sa.select(Card).where(Card.number == number))


def resolve(code: str) -> tuple[Card | None, str]:
    """The card a scanned or typed code names, or None with the reason why not."""
    code = (code or "").strip()
    if not code or len(code) > tokens.MAX_CODE_LENGTH:
        return None, "invalid_code"
    if tokens.looks_like_token(code.upper()):
        card = db.session.scalar(sa.select(Card).where(
            Card.token_hash == tokens.token_hash(code.upper())))
    elif code.upper().startswith(tokens.TOKEN_PREFIX):
        return None, "invalid_code"  # a damaged or forged token
    else:
        if tokens.canonical_card_number(code) is None:
            return None, "invalid_code"
        card = card_by_number(code)
    if card is None:
        return None, "unknown_card"
    if card.status == CardStatus.REVOKED.value:
        return card, "card_revoked"
    if card.status == CardStatus.EXPIRED.value or (card.expires_at and card.expires_at < now_utc()):
        return card, "card_expired"
    return card, "ok"


def face_for(issued: IssuedCard) -> CardFace:
    person = issued.card.person or db.session.get(Person, issued.card.person_id)
    cyrillic = " ".join(filter(None, (person.family_name_cyrillic, person.given_names_cyrillic)))
    born = person.date_of_birth.strftime("%d.%m.%Y") if person.date_of_birth \
        else f"~{person.birth_year}"
    return CardFace(
        centre=current_app.config["CENTRE_NAME"], family_name=person.family_name,
        given_names=person.given_names, cyrillic_name=cyrillic, date_of_birth=born,
        household_ref=person.household.ref, number=issued.card.number,
        issued_on=issued.card.issued_at.date(), token=issued.token,
        photo=photo_bytes(person.id))


def _existing_card_numbers(numbers: list[str]) -> set[str]:
    return set(db.session.scalars(sa.select(Card.number).where(Card.number.in_(numbers))))


def _card_holders(number: str) -> list[int]:
    return list(db.session.scalars(sa.select(Card.person_id).where(Card.number == number)))


# The search finds a person by card number (arrival.registry.search).
CARD_REFERENCES = ReferenceKind("card", _existing_card_numbers, _card_holders)
