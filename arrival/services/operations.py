"""Scanning a card at a station and voiding a delivery.

A scan never raises for bad input: garbage, forged or revoked codes get a red
answer, which is recorded like every other scan. Two stations scanning the same
card at once are serialised on the person's (or household's) row, so a limit
cannot be passed twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from arrival.core.actor import acting_user, acting_user_id
from arrival.audit.models import AuditAction
from arrival.audit.operations import record
from arrival.auth.permissions import may_void_delivery
from arrival.cards.operations import resolve
from arrival.catalog.models import CatalogEntry
from arrival.core.inputs import INT32_MAX
from arrival.core.validation import ValidationFailed
from arrival.database import now_utc
from arrival.extensions import db
from arrival.housing.models import Site
from arrival.registry import photos
from arrival.registry.models import Household, Person
from arrival.services.models import Delivery, Scan
from arrival.services.rules import Decision, ServiceType, decide

VOID_WINDOW = timedelta(minutes=2)
MAX_POINT_LENGTH = 80


@dataclass
class ScanAnswer:
    result: str  # green | amber | red
    reason: str
    service_type: str | None
    person: dict | None = None
    delivery_id: int | None = None
    last_delivery_at: datetime | None = None
    instructions: list[str] = field(default_factory=list)
    scan_id: int | None = None
    hint: str | None = None  # what to do now: a newer card exists, when service opens
    # The public id of the card holder when their photo may be shown (PERSON_PHOTOS on,
    # a photo taken, and the station's account sees identity); the page loads it.
    photo_of: str | None = None
    repeated: bool = False  # the same key was answered before: nothing new recorded


def service_type(code: str | None) -> ServiceType | None:
    entry = db.session.scalar(sa.select(CatalogEntry).where(
        CatalogEntry.kind == "service_type", CatalogEntry.code == (code or ""),
        CatalogEntry.active.is_(True)))
    return ServiceType.of(entry) if entry else None


def _lock(person: Person, household_scope: bool) -> None:
    """Serialise concurrent scans of one person (or household) on PostgreSQL; SQLite
    already runs writing requests one at a time (BEGIN IMMEDIATE)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    if household_scope:
        db.session.execute(sa.select(Household.id).where(Household.id == person.household_id)
                           .with_for_update())
    else:
        db.session.execute(sa.select(Person.id).where(Person.id == person.id).with_for_update())


def minimal_person(person: Person, *, household_scope: bool) -> dict:
    """What a service point may see: first name, household size, and for household
    services the members' first names — no birth date, documents or health data."""
    household = person.household
    data = {"first_name": person.first_given_name, "household_size": len(household.persons)}
    if household_scope:
        data["members"] = [p.first_given_name for p in household.persons]
    return data


def flag_instructions(person: Person, locale: str) -> list[str]:
    entries = db.session.scalars(sa.select(CatalogEntry).where(
        CatalogEntry.kind == "vulnerability_flag", CatalogEntry.code.in_(person.flags))).all()
    key = "instruction_en" if locale == "en" else "instruction_de"
    return [e.attributes[key] for e in entries if e.attributes.get(key)]


def scan(code, *, service_code: str | None, point: str, site_id: int | None = None,
         locale: str = "de", now: datetime | None = None, show_identity: bool = False,
         key: str | None = None) -> ScanAnswer:
    """Decide and record one scan. With the station's `key`, a scan already recorded
    under it is answered as it was (with repeated) and not recorded again."""
    now = now or now_utc()
    if key is not None:
        earlier = db.session.scalar(sa.select(Scan).where(Scan.idempotency_key == key))
        if earlier is not None:
            return ScanAnswer(earlier.result, earlier.reason, earlier.service_type,
                              delivery_id=earlier.delivery_id, scan_id=earlier.id,
                              repeated=True)
    if site_id is not None and (not 0 <= site_id <= INT32_MAX
                                or db.session.get(Site, site_id) is None):
        raise ValidationFailed(site_id=_("Unknown site."))
    point = " ".join(str(point or "").split())[:MAX_POINT_LENGTH] or "-"
    service = service_type(service_code)
    code = code if isinstance(code, str) else ""
    card, status = resolve(code)
    if service is None:
        answer = ScanAnswer("red", "unknown_service_type", service_code)
    elif status != "ok":
        answer = ScanAnswer("red", status, service.code, hint=_refusal_hint(card, status))
    else:
        person = card.person
        _lock(person, service.household_scope)
        decision = decide(service, person, now=now, zone=current_app.config["TIMEZONE"],
                          site_id=site_id)
        answer = _answer(service, person, decision, locale)
        if show_identity and photos.has_photo(person.id):
            answer.photo_of = person.public_id
        if decision.reason == "outside_window":
            answer.hint = _opens_next(service, now, locale)
        if decision.allowed:
            answer.delivery_id = _deliver(service, person, card, decision, point, site_id, now)
    _record_scan(answer, card, point, site_id, now, key)
    return answer


def _refusal_hint(card, status: str) -> str | None:
    """A revoked card whose holder has a newer one: say so (never who it is)."""
    from arrival.cards.models import Card, CardStatus
    from arrival.core.timezone import format_local

    if status != "card_revoked" or card is None:
        return None
    newer = db.session.scalar(sa.select(Card).where(
        Card.person_id == card.person_id, Card.status == CardStatus.ACTIVE.value,
        Card.issued_at >= card.issued_at).order_by(Card.issued_at.desc()).limit(1))
    if newer is None:
        return _("This card was revoked and no newer card is active: send the person to "
                 "the information desk.")
    return _("A newer card was issued on %(day)s: this one is no longer valid. Ask for the "
             "new card.", day=format_local(newer.issued_at, "%d.%m.%Y"))


def _opens_next(service: ServiceType, now: datetime, locale: str) -> str | None:
    from arrival.services.rules import next_window

    found = next_window(service, now, current_app.config["TIMEZONE"])
    if found is None:
        return None
    window, tomorrow = found
    title = window.get("title_en" if locale == "en" else "title_de") or window["code"]
    if tomorrow:
        return _("Opens next tomorrow at %(start)s (%(title)s).", start=window["start"],
                 title=title)
    return _("Opens next today at %(start)s (%(title)s).", start=window["start"], title=title)


def _answer(service: ServiceType, person: Person, decision: Decision, locale: str) -> ScanAnswer:
    minimal = minimal_person(person, household_scope=service.household_scope)
    if not decision.allowed:
        return ScanAnswer("red", decision.reason, service.code, minimal,
                          last_delivery_at=decision.last_delivery_at)
    instructions = flag_instructions(person, locale)
    return ScanAnswer("amber" if instructions else "green", decision.reason, service.code,
                      minimal, instructions=instructions)


def _deliver(service, person, card, decision, point, site_id, now) -> int:
    delivery = Delivery(
        service_type=service.code, person_id=person.id, household_id=person.household_id,
        scope="household" if service.household_scope else "person",
        time_window=decision.time_window, point=point, site_id=site_id, card_id=card.id,
        delivered_at=now, recorded_by_id=acting_user_id())
    db.session.add(delivery)
    db.session.flush()
    return delivery.id


def _record_scan(answer: ScanAnswer, card, point, site_id, now, key=None) -> None:
    row = Scan(scanned_at=now, service_type=answer.service_type, point=point, site_id=site_id,
               result=answer.result, reason=answer.reason, card_id=card.id if card else None,
               person_id=card.person_id if card else None, delivery_id=answer.delivery_id,
               user_id=acting_user_id(), idempotency_key=key)
    db.session.add(row)
    db.session.flush()
    answer.scan_id = row.id
    record(AuditAction.SCAN, entity_type="card", entity_id=card.number if card else None,
           detail=f"{answer.service_type}: {answer.result} ({answer.reason})"[:300],
           persons=[card.person] if answer.person else None)


class NotOwnDelivery(Exception):
    """A station tried to void a delivery another station recorded."""


def void_delivery(delivery: Delivery, reason: str, *, now: datetime | None = None) -> None:
    """Within two minutes, with a reason; a signed-in account voids only what it
    recorded itself, unless it may void any delivery (station lead)."""
    now = now or now_utc()
    actor = acting_user()
    if actor is not None and not may_void_delivery(actor, delivery.recorded_by_id):
        raise NotOwnDelivery(delivery.id)
    reason = " ".join((reason or "").split())[:200]
    if not reason:
        raise ValidationFailed(reason=_("Give a reason."))
    if delivery.voided_at is not None:
        raise ValidationFailed(delivery=_("This delivery was already voided."))
    if now - delivery.delivered_at > VOID_WINDOW:
        raise ValidationFailed(delivery=_("A delivery can only be voided within two minutes."))
    delivery.voided_at = now
    delivery.void_reason = reason
    delivery.voided_by_id = acting_user_id()
    db.session.flush()
    record(AuditAction.UPDATE, entity_type="delivery", entity_id=delivery.id,
           fields=["voided_at"], detail=reason)


def service_types() -> list[CatalogEntry]:
    from arrival.catalog.operations import entries

    return entries("service_type")
