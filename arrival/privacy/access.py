"""The Art. 15 access report: everything held about a person (and their household
where they are its head) — every column of every row that refers to them, so a
field added later is in the report without anyone remembering it — and who read
or changed the record when, from the audit log. Secrets that are no personal data
of theirs (the hash of a card token) are left out and said so."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from arrival.appointments.models import Appointment, AppointmentPerson, AppointmentTransition
from arrival.audit.models import AuditEvent
from arrival.cards.models import Card
from arrival.cases.models import ClarificationItem, ItemTransition
from arrival.catalog.models import Authority, CatalogEntry
from arrival.core.clock import now
from arrival.extensions import db
from arrival.gate.models import GateEvent
from arrival.housing.models import Bed, Site, Stay, StayEvent, Unit
from arrival.privacy.models import PrivacyRequest
from arrival.registry.models import Document, DuplicateDecision, Household, Person
from arrival.services.models import Delivery, Scan

SCHEMA_VERSION = "1.0"
# Columns never shown: a card token's hash is a key, not information about anyone.
WITHHELD = {"card": {"token_hash"}}


def _value(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def row(obj) -> dict:
    table = obj.__table__
    hidden = WITHHELD.get(table.name, set())
    return {column.key: _value(getattr(obj, column.key)) for column in table.columns
            if column.key not in hidden}


def _rows(model, *conditions, order=None) -> list[dict]:
    query = sa.select(model).where(*conditions)
    if order is not None:
        query = query.order_by(order)
    return [row(obj) for obj in db.session.scalars(query)]


def _labels(kind: str) -> dict[str, str]:
    return {entry.code: entry.title_de for entry in db.session.scalars(
        sa.select(CatalogEntry).where(CatalogEntry.kind == kind))}


def person_section(person: Person) -> dict:
    flags = _labels("vulnerability_flag")
    stays = db.session.execute(
        sa.select(Stay, Bed.label, Unit.name, Site.name).join(Bed, Bed.id == Stay.bed_id)
        .join(Unit, Unit.id == Bed.unit_id).join(Site, Site.id == Unit.site_id)
        .where(Stay.person_id == person.id).order_by(Stay.id)).all()
    stay_ids = [stay.id for stay, *_ in stays]
    events = {}
    for event in db.session.scalars(sa.select(StayEvent).where(StayEvent.stay_id.in_(stay_ids))
                                    .order_by(StayEvent.id)):
        events.setdefault(event.stay_id, []).append(row(event))
    appointment_ids = list(db.session.scalars(sa.select(AppointmentPerson.appointment_id).where(
        AppointmentPerson.person_id == person.id)))
    return {
        "person": row(person),
        "documents": _rows(Document, Document.person_id == person.id, order=Document.id),
        "flags": [{"code": code, "label": flags.get(code, code)} for code in person.flags],
        "stays": [{**row(stay), "site": site, "unit": unit, "bed": bed,
                   "history": events.get(stay.id, [])} for stay, bed, unit, site in stays],
        "cards": _rows(Card, Card.person_id == person.id, order=Card.id),
        "services_received": _rows(Delivery, Delivery.person_id == person.id,
                                   order=Delivery.delivered_at),
        "scans": _rows(Scan, Scan.person_id == person.id, order=Scan.scanned_at),
        "gate_events": _rows(GateEvent, GateEvent.person_id == person.id, order=GateEvent.at),
        "clarification_items": _items(ClarificationItem.person_id == person.id),
        "appointments": _appointments(appointment_ids),
        "duplicate_decisions": _rows(DuplicateDecision, sa.or_(
            DuplicateDecision.person_id == person.id,
            DuplicateDecision.candidate_id == person.id), order=DuplicateDecision.id),
    }


def _items(condition) -> list[dict]:
    authorities = dict(db.session.execute(sa.select(Authority.id, Authority.name_de)).all())
    topics = _labels("clarification_topic")
    items = db.session.scalars(sa.select(ClarificationItem).where(condition)
                               .order_by(ClarificationItem.id)).all()
    history: dict[int, list] = {}
    for transition in db.session.scalars(sa.select(ItemTransition).where(
            ItemTransition.item_id.in_([i.id for i in items])).order_by(ItemTransition.id)):
        history.setdefault(transition.item_id, []).append(row(transition))
    return [{**row(item), "authority": authorities.get(item.authority_id),
             "topic_label": topics.get(item.topic, item.topic),
             "history": history.get(item.id, [])} for item in items]


def _appointments(ids: list[int]) -> list[dict]:
    history: dict[int, list] = {}
    for transition in db.session.scalars(sa.select(AppointmentTransition).where(
            AppointmentTransition.appointment_id.in_(ids)).order_by(AppointmentTransition.id)):
        history.setdefault(transition.appointment_id, []).append(row(transition))
    return [{**row(appointment), "history": history.get(appointment.id, [])}
            for appointment in db.session.scalars(sa.select(Appointment).where(
                Appointment.id.in_(ids)).order_by(Appointment.starts_at))]


def audit_trail(public_ids: list[str]) -> list[dict]:
    """Who read or changed these records when: events about them (their public id)
    and reads that showed them (person_ids)."""
    if not public_ids:
        return []
    as_text = sa.cast(AuditEvent.person_ids, sa.Text)
    condition = sa.or_(AuditEvent.entity_id.in_(public_ids),
                       *[as_text.like(f'%"{public_id}"%') for public_id in public_ids])
    return [{"at": _value(event.occurred_at), "username": event.username,
             "action": event.action, "entity_type": event.entity_type,
             "entity_id": event.entity_id, "fields": event.fields, "detail": event.detail,
             "client_addr": event.client_addr}
            for event in db.session.scalars(sa.select(AuditEvent).where(condition)
                                            .order_by(AuditEvent.id))]


def access_report(person: Person, *, household: bool) -> dict:
    """The report as one JSON-ready dict (see README "Data protection")."""
    home: Household = person.household
    members = list(home.persons) if household else [person]
    public_ids = [p.public_id for p in members] + ([home.public_id] if household else [])
    report = {
        "schema_version": SCHEMA_VERSION,
        "generated_at": _value(now()),
        "subject": {"public_id": person.public_id, "name": person.display_name,
                    "household_ref": home.ref},
        "whole_household": household,
        "household": row(home),
        "persons": [person_section(member) for member in members],
        "privacy_requests": _rows(PrivacyRequest, PrivacyRequest.household_id == home.id,
                                  order=PrivacyRequest.id),
        "audit": audit_trail(public_ids),
        "withheld": {"card.token_hash": "the hash of the card's random token (a key, no "
                                        "information about the person)"},
    }
    if household:
        report["household_clarification_items"] = _items(sa.and_(
            ClarificationItem.household_id == home.id, ClarificationItem.person_id.is_(None)))
    else:
        report["household"] = {key: report["household"][key] for key in
                               ("ref", "arrived_at", "arrival_point", "phone",
                                "contact_language") if key in report["household"]}
    return report
