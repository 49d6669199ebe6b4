"""Transfers to other districts: destinations and the distribution key, the RP's
distribution decisions, bus lists (batches) with their conflicts, boarding by card,
departure (check-out with reason "transferred") and the figures of a day.

Operations flush, never commit. The database holds the two invariants (one open
batch per household; never more persons than seats); the code checks first for a
clear message and turns a lost race into the same message."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import lazyload, selectinload

from arrival.appointments.models import ACTIVE_APPOINTMENT_STATES, Appointment, AppointmentPerson
from arrival.audit.models import AuditAction
from arrival.audit.operations import record
from arrival.cards.operations import resolve
from arrival.cases import operations as cases
from arrival.cases.models import ACTIVE_STATES, ClarificationItem, ItemState
from arrival.catalog.operations import CatalogError, read_data_file
from arrival.core.actor import acting_user_id
from arrival.core.clock import now, today_local
from arrival.core.events import publish
from arrival.core.timezone import day_bounds, format_local
from arrival.core.validation import Conflict, ValidationFailed
from arrival.extensions import db
from arrival.housing import operations as housing
from arrival.housing.models import OPEN_STATES, Bed, Stay
from arrival.registry.models import Household, Person, PersonFlag
from arrival.transfers.events import BatchDeparted, DistributionDecided
from arrival.transfers.models import (
    BatchHousehold,
    BatchState,
    BatchTransition,
    Boarding,
    BoardingKey,
    DecisionKind,
    DecisionPerson,
    DistributionDecision,
    EntryState,
    TransferBatch,
    TransferDestination,
    UndoneBoarding,
)

TRANSFERRED = "transferred"  # the check-out reason (config/catalog/checkout_reasons.toml)
DISTRIBUTION_TOPIC = "distribution"  # the RP's clarification item it closes
RESOLUTION = {DecisionKind.STAY: "stays", DecisionKind.TRANSFER: "transfer"}
UNACCOMPANIED_TOPIC = "unaccompanied_minor"  # an open Jugendamt item blocks the departure
CARE_FLAGS = ("needs_care",)  # needs a receiving place confirmed before departure
# Needs that matter for accommodation, as the receiving district gets them (derived
# marks, never the health notes): flag code → the mark in the package.
ACCOMMODATION_NEEDS = {
    "reduced_mobility": "barrierefrei",
    "disability": "barrierefrei",
    "needs_care": "Pflegeplatz",
    "pregnant": "schwanger",
    "elderly_alone": "allein, älter",
    "single_parent": "alleinerziehend",
    "pet": "Haustier",
    "special_diet": "Sonderkost",
}
MAX_SEATS = 500
MAX_REASON = 500
KEY_LENGTH = 80


def _text(value, limit: int) -> str:
    return " ".join(str(value or "").split())[:limit]


# --- destinations and the distribution key ------------------------------------------------


@dataclass
class DestinationLoad:
    created: int = 0
    updated: int = 0
    deactivated: int = 0


def load_destinations(directory: Path) -> DestinationLoad:
    """Bring the destinations in line with the data files, idempotently. Contact
    details an administrator edited are kept; a destination that left the file
    becomes inactive (batches keep referring to it)."""
    listed = read_data_file(directory / "transfer_destinations.toml")
    weights = {row["key"]: row["weight"] for row in read_data_file(
        directory / "distribution_key.toml")}
    keys = [row["key"] for row in listed]
    if len(keys) != len(set(keys)):
        raise CatalogError("transfer_destinations.toml: a key appears twice")
    unknown = sorted(set(weights) - set(keys))
    if unknown:
        raise CatalogError(f"distribution_key.toml: unknown destination key {unknown[0]!r}")
    existing = {d.key: d for d in db.session.scalars(sa.select(TransferDestination))}
    report = DestinationLoad()
    for row in listed:
        destination = existing.get(row["key"])
        values = {"name": row["name"], "kind": row["kind"], "region": row.get("region"),
                  "active": True}
        if destination is None or destination.edited_at is None:
            values |= {"reception": row["reception"], "contact_email": row.get("contact_email"),
                       "contact_phone": row.get("contact_phone"),
                       "weight": weights.get(row["key"])}
        if destination is None:
            db.session.add(TransferDestination(key=row["key"], **values))
            report.created += 1
            continue
        changed = False
        for name, value in values.items():
            if getattr(destination, name) != value:
                setattr(destination, name, value)
                changed = True
        report.updated += changed
    for key, destination in existing.items():
        if key not in keys and destination.active:
            destination.active = False
            report.deactivated += 1
    db.session.flush()
    if report.created or report.updated or report.deactivated:
        record(AuditAction.UPDATE, entity_type="transfer_destination",
               detail=f"created {report.created}, updated {report.updated}, "
                      f"deactivated {report.deactivated}")
    return report


def destinations(*, include_inactive: bool = False) -> list[TransferDestination]:
    query = sa.select(TransferDestination).order_by(TransferDestination.key)
    if not include_inactive:
        query = query.where(TransferDestination.active.is_(True))
    return list(db.session.scalars(query))


def destination_by_key(key: str) -> TransferDestination | None:
    return db.session.scalar(sa.select(TransferDestination).where(
        TransferDestination.key == str(key or "").strip()))


def edit_destination(destination: TransferDestination, *, reception: str, contact_email: str,
                     contact_phone: str, weight, active: bool) -> list[str]:
    """An administrator completes the reception contact or changes the key's weight."""
    reception = _text(reception, 200)
    if not reception:
        raise ValidationFailed(reception=_("Name the office that receives the households."))
    email = _text(contact_email, 200) or None
    if email and ("@" not in email or " " in email):
        raise ValidationFailed(contact_email=_("Give an e-mail address like name@example.org."))
    if weight in ("", None):
        weight = None
    else:
        try:
            weight = int(weight)
        except (TypeError, ValueError):
            raise ValidationFailed(weight=_("Give a whole number (0 or more).")) from None
        if not 0 <= weight <= 10_000_000:
            raise ValidationFailed(weight=_("Give a whole number (0 or more)."))
    values = {"reception": reception, "contact_email": email,
              "contact_phone": _text(contact_phone, 60) or None, "weight": weight,
              "active": bool(active)}
    changed = [name for name, value in values.items() if getattr(destination, name) != value]
    for name in changed:
        setattr(destination, name, values[name])
    if changed:
        destination.edited_at = now()
        record(AuditAction.UPDATE, entity_type="transfer_destination", entity_id=destination.id,
               fields=changed)
    db.session.flush()
    return changed


# --- distribution decisions ---------------------------------------------------------------


def current_decisions(household_id: int) -> list[DistributionDecision]:
    return list(db.session.scalars(
        sa.select(DistributionDecision).where(DistributionDecision.household_id == household_id,
                                              DistributionDecision.current.is_(True))
        .order_by(DistributionDecision.id)))


def decision_history(household_id: int) -> list[DistributionDecision]:
    return list(db.session.scalars(
        sa.select(DistributionDecision).where(DistributionDecision.household_id == household_id)
        .order_by(DistributionDecision.decided_at.desc(), DistributionDecision.id.desc())))


def _transferred_person_ids(person_ids: list[int]) -> set[int]:
    if not person_ids:
        return set()
    return set(db.session.scalars(
        sa.select(Boarding.person_id).join(TransferBatch, TransferBatch.id == Boarding.batch_id)
        .where(Boarding.person_id.in_(person_ids),
               TransferBatch.state == BatchState.DEPARTED.value)))


def open_entry_of(household_id: int) -> BatchHousehold | None:
    return db.session.scalar(sa.select(BatchHousehold).where(
        BatchHousehold.household_id == household_id, BatchHousehold.open.is_(True)))


def decide(household: Household, *, kind: str, destination: TransferDestination | None = None,
           reason: str | None = None, decided_on: date | None = None,
           person_ids: list[int] | None = None) -> DistributionDecision:
    """The RP's decision: stay, or transfer to a destination. Families stay together:
    a decision for part of the household needs a reason (it shows on the page of
    the whole household). It replaces the current decision of those persons and
    closes the household's open distribution item."""
    try:
        kind = DecisionKind(kind)
    except ValueError:
        raise ValidationFailed(kind=_("Choose stay or transfer.")) from None
    if kind is DecisionKind.TRANSFER:
        if destination is None:
            raise ValidationFailed(destination=_("Choose the destination."))
        if not destination.active:
            raise ValidationFailed(destination=_("This destination is no longer in use."))
    else:
        destination = None
    decided_on = decided_on or today_local()
    if decided_on > today_local():
        raise ValidationFailed(decided_on=_("The decision cannot be dated in the future."))
    if decided_on < today_local() - timedelta(days=365):
        raise ValidationFailed(decided_on=_("The date is more than a year ago."))
    members = {p.id: p for p in household.persons}
    chosen = list(members) if not person_ids else list(dict.fromkeys(person_ids))
    strangers = [pid for pid in chosen if pid not in members]
    if strangers:
        raise ValidationFailed(persons=_("A chosen person is not in this household."))
    reason = _text(reason, MAX_REASON) or None
    partial = set(chosen) != set(members)
    if partial and not reason:
        raise ValidationFailed(reason=_(
            "Families stay together: a decision for part of the household needs a reason."))
    gone = _transferred_person_ids(chosen)
    if gone:
        raise Conflict(_("%(name)s has already been transferred.",
                         name=members[next(iter(gone))].display_name), code="already_transferred")
    entry = open_entry_of(household.id)
    if entry is not None:
        raise Conflict(_("The household is on the bus list of %(when)s to %(where)s: take it "
                         "off the list first.", when=format_local(entry.batch.departs_at),
                         where=entry.batch.destination.label), code="on_bus_list")
    for earlier in current_decisions(household.id):
        covered = {p.person_id for p in earlier.persons}
        if covered & set(chosen):
            earlier.current = False
            if covered - set(chosen):
                # The rest of an earlier decision stays decided, now as a part.
                rest = DistributionDecision(
                    household_id=household.id, kind=earlier.kind,
                    destination_id=earlier.destination_id, decided_on=earlier.decided_on,
                    partial=True, reason=earlier.reason or reason,
                    decided_by_id=earlier.decided_by_id)
                rest.persons = [DecisionPerson(person_id=pid) for pid in covered - set(chosen)]
                db.session.add(rest)
    decision = DistributionDecision(
        household_id=household.id, kind=kind.value,
        destination_id=destination.id if destination else None, destination=destination,
        reason=reason, decided_on=decided_on, partial=partial, decided_by_id=acting_user_id())
    decision.persons = [DecisionPerson(person_id=pid) for pid in chosen]
    db.session.add(decision)
    db.session.flush()
    record(AuditAction.CREATE, entity_type="distribution_decision", entity_id=decision.id,
           fields=["kind", "destination", "reason", "decided_on", "persons"],
           persons=[members[pid] for pid in chosen])
    _close_item(household, decision, kind)
    publish(DistributionDecided(decision))
    return decision


def _close_item(household: Household, decision: DistributionDecision, kind: DecisionKind) -> None:
    items = db.session.scalars(sa.select(ClarificationItem).where(
        ClarificationItem.household_id == household.id,
        ClarificationItem.topic == DISTRIBUTION_TOPIC,
        ClarificationItem.state.in_(ACTIVE_STATES))).all()
    where = f" → {decision.destination.label}" if decision.destination else ""
    for item in items:
        cases.transition(item, ItemState.RESOLVED, resolution=RESOLUTION[kind], system=True,
                         note=f"distribution decision {decision.id}: {kind.value}{where}"
                              + (" (part of the household)" if decision.partial else ""))


# --- the quota view -----------------------------------------------------------------------


@dataclass
class QuotaRow:
    destination: TransferDestination
    share: float  # of the key, 0..1
    transferred: int  # persons departed to it
    planned: int  # persons on open bus lists
    target: float  # share × all transferred and planned
    gap: float  # target − (transferred + planned): positive = below its share


def quota() -> tuple[list[QuotaRow], QuotaRow | None, int]:
    """Persons transferred (and planned) per district against the distribution key;
    the district furthest below its share is the suggestion — never a decision."""
    dests = [d for d in destinations() if d.weight is not None]
    total_weight = sum(d.weight for d in dests) or 1
    transferred = dict(db.session.execute(
        sa.select(TransferBatch.destination_id, sa.func.count())
        .join(Boarding, Boarding.batch_id == TransferBatch.id)
        .where(TransferBatch.state == BatchState.DEPARTED.value)
        .group_by(TransferBatch.destination_id)).all())
    planned = dict(db.session.execute(
        sa.select(TransferBatch.destination_id, sa.func.sum(BatchHousehold.persons_count))
        .join(BatchHousehold, BatchHousehold.batch_id == TransferBatch.id)
        .where(BatchHousehold.open.is_(True))
        .group_by(TransferBatch.destination_id)).all())
    total = sum(transferred.get(d.id, 0) + (planned.get(d.id) or 0) for d in dests)
    rows = []
    for d in dests:
        share = d.weight / total_weight
        done, coming = transferred.get(d.id, 0), int(planned.get(d.id) or 0)
        target = share * total
        rows.append(QuotaRow(d, share, done, coming, target, target - done - coming))
    suggestion = max(rows, key=lambda r: (r.gap, r.share), default=None) \
        if any(r.share for r in rows) else None
    return rows, suggestion, total


# --- batches ------------------------------------------------------------------------------


def _departure(departs_at: datetime | None) -> datetime:
    if departs_at is None:
        raise ValidationFailed(departs_at=_("Give the departure time."))
    if departs_at.tzinfo is None:
        raise ValidationFailed(departs_at=_("The time needs a time zone."))
    if departs_at <= now():
        raise ValidationFailed(departs_at=_("The departure is in the past."))
    if departs_at > now() + timedelta(days=90):
        raise ValidationFailed(departs_at=_("The departure is more than 90 days ahead."))
    return departs_at


def _seats(seats) -> int:
    if isinstance(seats, bool) or not isinstance(seats, int) or not 1 <= seats <= MAX_SEATS:
        raise ValidationFailed(seats=_("Give the seats: a whole number from 1 to %(max)d.",
                                       max=MAX_SEATS))
    return seats


def _batch_transition(batch: TransferBatch, to: BatchState, note: str | None = None) -> None:
    current = batch.state
    batch.state = to.value
    db.session.add(BatchTransition(batch=batch, from_state=current, to_state=to.value,
                                   note=(note or "")[:300] or None, at=now(),
                                   user_id=acting_user_id()))
    record(AuditAction.UPDATE, entity_type="transfer_batch", entity_id=batch.id,
           fields=["state"], detail=f"{current} → {to.value}")


def create_batch(destination: TransferDestination | None, *, departs_at: datetime | None,
                 seats, note: str | None = None) -> TransferBatch:
    if destination is None or not destination.active:
        raise ValidationFailed(destination=_("Choose the destination."))
    batch = TransferBatch(destination=destination, destination_id=destination.id,
                          departs_at=_departure(departs_at), seats=_seats(seats),
                          note=_text(note, 300) or None, created_by_id=acting_user_id(),
                          state=BatchState.PLANNED.value, taken=0, created_at=now())
    db.session.add(batch)
    db.session.add(BatchTransition(batch=batch, from_state=None, to_state=batch.state, at=now(),
                                   user_id=acting_user_id()))
    db.session.flush()
    record(AuditAction.CREATE, entity_type="transfer_batch", entity_id=batch.id,
           fields=["destination", "departs_at", "seats"])
    return batch


def _check_version(batch: TransferBatch, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != batch.version:
        raise Conflict(_("This bus list was changed in the meantime (on another tablet): "
                         "reload it and check again."), code="stale_version",
                       details={"version": batch.version})


def _check_planned(batch: TransferBatch) -> None:
    if batch.state != BatchState.PLANNED.value:
        raise Conflict(_("This bus has already left.") if batch.state == BatchState.DEPARTED.value
                       else _("This bus list was cancelled."), code="batch_closed")


def _bump(batch: TransferBatch) -> None:
    db.session.execute(sa.update(TransferBatch).where(TransferBatch.id == batch.id)
                       .values(version=TransferBatch.version + 1))
    db.session.refresh(batch)


def edit_batch(batch: TransferBatch, *, departs_at: datetime | None, seats,
               expected_version: int | None = None) -> None:
    _check_planned(batch)
    _check_version(batch, expected_version)
    departs_at, seats = _departure(departs_at), _seats(seats)
    if seats < batch.taken:
        raise ValidationFailed(seats=ngettext(
            "%(num)d person is on the list: give at least that many seats.",
            "%(num)d persons are on the list: give at least that many seats.", batch.taken))
    changed = [n for n, v in (("departs_at", departs_at), ("seats", seats))
               if getattr(batch, n) != v]
    batch.departs_at, batch.seats = departs_at, seats
    db.session.flush()
    _bump(batch)
    if changed:
        record(AuditAction.UPDATE, entity_type="transfer_batch", entity_id=batch.id,
               fields=changed)


def cancel_batch(batch: TransferBatch, reason: str, *, expected_version: int | None = None
                 ) -> int:
    """The bus list is called off, with a reason (the note of its transition). Its
    households leave it and can go on another list (the partial unique index holds
    open entries only). A departed bus cannot be cancelled; nor one that persons
    have boarded: their boardings are undone first, each with its own reason. The
    batch is locked first: a scan on another tablet at the same moment either
    boards before (the cancellation is refused) or finds the list cancelled.
    Returns the number of households taken off."""
    reason = _text(reason, 300)
    if not reason:
        raise ValidationFailed(reason=_("Give a reason for the cancellation."))
    batch = _lock(batch)
    if batch.state == BatchState.DEPARTED.value:
        raise Conflict(_("This bus has already left: a departed bus list cannot be "
                         "cancelled."), code="batch_closed")
    _check_planned(batch)
    _check_version(batch, expected_version)
    aboard = boarding_counts(batch)["boarded"]
    if aboard:
        raise Conflict(ngettext(
            "%(num)d person has boarded this bus: undo the boarding first.",
            "%(num)d persons have boarded this bus: undo their boardings first.", aboard),
            code="boarded")
    released = db.session.execute(
        sa.update(BatchHousehold)
        .where(BatchHousehold.batch_id == batch.id, BatchHousehold.open.is_(True))
        .values(open=False, state=EntryState.REMOVED.value)
        .execution_options(synchronize_session="fetch")).rowcount
    batch.taken = 0
    _batch_transition(batch, BatchState.CANCELLED, reason)
    db.session.flush()
    _bump(batch)
    return released


def undo_boarding(batch: TransferBatch, person: Person, reason: str | None = None) -> None:
    """A wrong boarding (a card of the wrong family, a wrong tap) taken back before
    the departure; its history stays (UndoneBoarding) and it is audited. After the
    departure the person has been checked out: refused."""
    reason = _text(reason, 300) or _("wrong boarding")
    batch = _lock(batch)
    if batch.state == BatchState.DEPARTED.value:
        raise Conflict(_("This bus has already left: the boarding can no longer be undone. "
                         "Check the person in again if they did not travel."),
                       code="batch_closed")
    _check_planned(batch)
    boarding = db.session.get(Boarding, (batch.id, person.id))
    if boarding is None:
        raise ValidationFailed(person=_("%(name)s has not boarded this bus.",
                                        name=person.display_name))
    db.session.add(UndoneBoarding(
        batch_id=batch.id, person_id=person.id, entry_id=boarding.entry_id,
        boarded_at=boarding.boarded_at, boarded_by_id=boarding.by_id, via=boarding.via,
        undone_at=now(), undone_by_id=acting_user_id(), reason=reason))
    db.session.delete(boarding)
    db.session.flush()
    record(AuditAction.UPDATE, entity_type="transfer_batch", entity_id=batch.id,
           fields=["boarding"], detail=f"boarding undone: {reason}", persons=[person])


def person_by_public_id(public_id: str) -> Person | None:
    return db.session.scalar(sa.select(Person).where(Person.public_id == str(public_id or "")))


def undone_boardings(batch: TransferBatch) -> list[UndoneBoarding]:
    return list(db.session.scalars(sa.select(UndoneBoarding).where(
        UndoneBoarding.batch_id == batch.id).order_by(UndoneBoarding.id)))


def batches(*, states: tuple[str, ...] | None = None, limit: int = 200) -> list[TransferBatch]:
    query = sa.select(TransferBatch).order_by(TransferBatch.departs_at.desc()).limit(limit)
    if states:
        query = query.where(TransferBatch.state.in_(states))
    return list(db.session.scalars(query))


def open_entries(batch: TransferBatch) -> list[BatchHousehold]:
    return [e for e in batch.entries if e.open or batch.state != BatchState.PLANNED.value
            and e.state != EntryState.REMOVED.value]


def loaded_entries(batch: TransferBatch) -> list[BatchHousehold]:
    """The batch's entries with household, decision and persons in a few queries:
    the persons without their documents and flag rows, the household without its
    members (what the list, the conflicts and the package read is on the decision)."""
    return list(db.session.scalars(
        sa.select(BatchHousehold).where(BatchHousehold.batch_id == batch.id)
        .order_by(BatchHousehold.id)
        .options(selectinload(BatchHousehold.household).lazyload(Household.persons),
                 selectinload(BatchHousehold.decision).selectinload(DistributionDecision.persons)
                 .joinedload(DecisionPerson.person)
                 .options(lazyload(Person.documents), lazyload(Person.flag_rows)))))


def persons_of(entry: BatchHousehold) -> list[Person]:
    return sorted((p.person for p in entry.decision.persons),
                  key=lambda p: (p.position, p.id))


@dataclass
class Candidate:
    household: Household
    decision: DistributionDecision
    persons: list[Person]


def candidates(destination_id: int | None = None, limit: int = 300) -> list[Candidate]:
    """Households with a current transfer decision (to this destination) that are on
    no open bus list and not yet transferred: what a clerk adds from."""
    taken = sa.select(BatchHousehold.decision_id).where(sa.or_(
        BatchHousehold.open.is_(True),
        BatchHousehold.state.in_((EntryState.TRANSFERRED.value, EntryState.PARTLY.value))))
    query = (sa.select(DistributionDecision)
             .where(DistributionDecision.current.is_(True),
                    DistributionDecision.kind == DecisionKind.TRANSFER.value,
                    DistributionDecision.id.not_in(taken))
             .order_by(DistributionDecision.decided_at, DistributionDecision.id).limit(limit)
             .options(selectinload(DistributionDecision.household)))
    if destination_id is not None:
        query = query.where(DistributionDecision.destination_id == destination_id)
    found = []
    for decision in db.session.scalars(query):
        found.append(Candidate(decision.household, decision,
                               sorted((p.person for p in decision.persons),
                                      key=lambda p: (p.position, p.id))))
    return found


def _transfer_decision(household: Household, batch: TransferBatch) -> DistributionDecision:
    decisions = [d for d in current_decisions(household.id)
                 if d.kind == DecisionKind.TRANSFER.value]
    if not decisions:
        raise ValidationFailed(household=_("%(ref)s has no decision to transfer.",
                                           ref=household.ref))
    fitting = [d for d in decisions if d.destination_id == batch.destination_id]
    if not fitting:
        raise ValidationFailed(household=_(
            "%(ref)s is to go to %(where)s, not to %(here)s.", ref=household.ref,
            where=decisions[0].destination.label, here=batch.destination.label))
    return fitting[0]


def add_household(batch: TransferBatch, household: Household, *,
                  expected_version: int | None = None) -> BatchHousehold:
    """Put a household (the persons of its transfer decision) on the bus list. The
    seats are taken with one conditional UPDATE, the entry is held unique per
    household by a partial index: two clerks adding the last seat — one wins."""
    _check_planned(batch)
    _check_version(batch, expected_version)
    decision = _transfer_decision(household, batch)
    person_ids = [p.person_id for p in decision.persons]
    if _transferred_person_ids(person_ids):
        raise Conflict(_("%(ref)s has already been transferred.", ref=household.ref),
                       code="already_transferred")
    other = open_entry_of(household.id)
    if other is not None:
        raise Conflict(_("%(ref)s is already on the bus list of %(when)s.", ref=household.ref,
                         when=format_local(other.batch.departs_at)), code="already_listed")
    count = len(person_ids)
    try:
        with db.session.begin_nested():
            taken = db.session.execute(
                sa.update(TransferBatch)
                .where(TransferBatch.id == batch.id,
                       TransferBatch.state == BatchState.PLANNED.value,
                       TransferBatch.taken + count <= TransferBatch.seats)
                .values(taken=TransferBatch.taken + count, version=TransferBatch.version + 1)
                .execution_options(synchronize_session=False)).rowcount
            if taken != 1:
                raise _NoSeats()
            entry = BatchHousehold(batch_id=batch.id, household_id=household.id,
                                   decision_id=decision.id, persons_count=count,
                                   added_by_id=acting_user_id(), added_at=now())
            db.session.add(entry)
            db.session.flush()
    except _NoSeats:
        db.session.refresh(batch)
        _check_planned(batch)
        raise ValidationFailed(household=ngettext(
            "%(num)d seat is free; %(ref)s needs %(need)d.",
            "%(num)d seats are free; %(ref)s needs %(need)d.", max(batch.free, 0),
            ref=household.ref, need=count)) from None
    except sa.exc.IntegrityError:
        raise Conflict(_("%(ref)s was put on a bus list in the meantime.", ref=household.ref),
                       code="already_listed") from None
    db.session.refresh(batch)
    record(AuditAction.UPDATE, entity_type="transfer_batch", entity_id=batch.id,
           fields=["households"], detail=f"added {household.ref}")
    return entry


class _NoSeats(Exception):
    pass


def remove_household(entry: BatchHousehold, *, expected_version: int | None = None) -> None:
    batch = entry.batch
    _check_planned(batch)
    _check_version(batch, expected_version)
    if not entry.open:
        raise ValidationFailed(household=_("This household is no longer on the list."))
    if boarded_ids(batch, entry):
        raise Conflict(_("Someone of this household has boarded already."), code="boarded")
    entry.open, entry.state = False, EntryState.REMOVED.value
    db.session.flush()
    db.session.execute(sa.update(TransferBatch).where(TransferBatch.id == batch.id).values(
        taken=TransferBatch.taken - entry.persons_count, version=TransferBatch.version + 1))
    db.session.refresh(batch)
    record(AuditAction.UPDATE, entity_type="transfer_batch", entity_id=batch.id,
           fields=["households"], detail=f"removed {entry.household.ref}")


def confirm_care_place(entry: BatchHousehold, confirmed: bool = True) -> None:
    _check_planned(entry.batch)
    entry.care_place_confirmed = bool(confirmed)
    db.session.flush()
    record(AuditAction.UPDATE, entity_type="transfer_batch_household", entity_id=entry.id,
           fields=["care_place_confirmed"])


# --- conflicts before departure -----------------------------------------------------------


@dataclass
class Finding:
    entry_id: int
    person: Person | None
    code: str  # unaccompanied_minor | appointment_after | absent | care_unconfirmed | checked_out
    blocks: bool
    message: str


def conflicts(batch: TransferBatch, entries: list[BatchHousehold] | None = None
              ) -> list[Finding]:
    """What stands against the departure, per household on the list: an open
    Jugendamt item for an unaccompanied minor (blocks), an appointment after the
    departure, a person marked absent or checked out otherwise, a person needing
    care without a confirmed receiving place. Set-based: a few queries per batch."""
    entries = [e for e in (loaded_entries(batch) if entries is None else entries) if e.open]
    if not entries:
        return []
    by_person: dict[int, tuple[BatchHousehold, Person]] = {}
    for entry in entries:
        for person in persons_of(entry):
            by_person[person.id] = (entry, person)
    ids = list(by_person)
    found: list[Finding] = []
    for item in db.session.scalars(sa.select(ClarificationItem).where(
            ClarificationItem.person_id.in_(ids), ClarificationItem.topic == UNACCOMPANIED_TOPIC,
            ClarificationItem.state.in_(ACTIVE_STATES))):
        entry, person = by_person[item.person_id]
        found.append(Finding(entry.id, person, "unaccompanied_minor", True, _(
            "%(name)s: open Jugendamt item (unaccompanied minor) — may not leave before it "
            "is closed.", name=person.display_name)))
    rows = db.session.execute(
        sa.select(AppointmentPerson.person_id, Appointment.starts_at)
        .join(Appointment, Appointment.id == AppointmentPerson.appointment_id)
        .where(AppointmentPerson.person_id.in_(ids), AppointmentPerson.active.is_(True),
               Appointment.state.in_(ACTIVE_APPOINTMENT_STATES),
               Appointment.starts_at >= batch.departs_at)).all()
    for person_id, starts_at in rows:
        entry, person = by_person[person_id]
        found.append(Finding(entry.id, person, "appointment_after", False, _(
            "%(name)s has an appointment on %(when)s, after the departure.",
            name=person.display_name, when=format_local(starts_at))))
    open_stay = set(db.session.scalars(sa.select(Stay.person_id).where(
        Stay.person_id.in_(ids), Stay.state.in_(OPEN_STATES))))
    last_end = {}
    for person_id, reason in db.session.execute(
            sa.select(Stay.person_id, Stay.end_reason).where(
                Stay.person_id.in_(ids), Stay.state.not_in(OPEN_STATES))
            .order_by(Stay.ended_at)).all():
        last_end[person_id] = reason
    for person_id, reason in last_end.items():
        if person_id in open_stay:
            continue
        entry, person = by_person[person_id]
        if reason == "absent":
            found.append(Finding(entry.id, person, "absent", False, _(
                "%(name)s is marked absent.", name=person.display_name)))
        elif reason != "moved":
            found.append(Finding(entry.id, person, "checked_out", False, _(
                "%(name)s was checked out already (%(reason)s).", name=person.display_name,
                reason=reason)))
    cared = set(db.session.scalars(sa.select(PersonFlag.person_id).where(
        PersonFlag.person_id.in_(ids), PersonFlag.code.in_(CARE_FLAGS))))
    for person_id in cared:
        entry, person = by_person[person_id]
        if not entry.care_place_confirmed:
            found.append(Finding(entry.id, person, "care_unconfirmed", False, _(
                "%(name)s needs care: confirm the receiving place first.",
                name=person.display_name)))
    return sorted(found, key=lambda f: (not f.blocks, f.entry_id, f.code))


# --- boarding -----------------------------------------------------------------------------


def boarded_ids(batch: TransferBatch, entry: BatchHousehold | None = None) -> set[int]:
    query = sa.select(Boarding.person_id).where(Boarding.batch_id == batch.id)
    if entry is not None:
        query = query.where(Boarding.entry_id == entry.id)
    return set(db.session.scalars(query))


def _lock(batch: TransferBatch) -> TransferBatch:
    """Boarding and departure of one batch one after the other (PostgreSQL: row
    lock; SQLite writes one at a time anyway)."""
    return locked_batch(batch.id)


def locked_batch(batch_id: int) -> TransferBatch | None:
    """The batch, read afresh and locked for this transaction (None: no such batch).
    A boarding request starts with it, before its Idempotency-Key is looked up: two
    replays of one key, or a scan and a cancellation, run one after the other."""
    return db.session.scalar(sa.select(TransferBatch).where(TransferBatch.id == batch_id)
                             .with_for_update(of=TransferBatch)
                             .execution_options(populate_existing=True))


@dataclass
class BoardingAnswer:
    result: str  # green | amber | red
    reason: str  # boarded | already | not_on_list | departed | unknown_card | …
    person: Person | None = None
    entry: BatchHousehold | None = None
    counts: dict = field(default_factory=dict)
    household_ref: str | None = None

    def as_json(self, *, show_identity: bool) -> dict:
        person = None
        if self.person is not None:
            ref = self.household_ref or (self.entry.household.ref if self.entry else None)
            person = {"public_id": self.person.public_id,
                      "first_name": self.person.first_given_name, "household_ref": ref}
            if show_identity:
                person["name"] = self.person.display_name
        return {"result": self.result, "reason": self.reason, "person": person,
                "counts": self.counts}


def boarding_counts(batch: TransferBatch) -> dict:
    """Expected (persons on the list), boarded and missing, in one query."""
    expected = sa.select(sa.func.coalesce(sa.func.sum(BatchHousehold.persons_count), 0)).where(
        BatchHousehold.batch_id == batch.id, BatchHousehold.open.is_(True)).scalar_subquery()
    boarded = sa.select(sa.func.count()).select_from(Boarding).where(
        Boarding.batch_id == batch.id).scalar_subquery()
    expected, boarded = db.session.execute(sa.select(expected, boarded)).one()
    expected, boarded = int(expected or 0), int(boarded or 0)
    return {"expected": expected, "boarded": boarded, "missing": max(expected - boarded, 0)}


def _entry_for(batch: TransferBatch, person: Person
               ) -> tuple[BatchHousehold | None, str | None, bool]:
    """The open entry that lists the person, its household's reference and whether
    the person has boarded already: one query."""
    row = db.session.execute(
        sa.select(BatchHousehold, Household.ref, Boarding.person_id)
        .join(DecisionPerson, DecisionPerson.decision_id == BatchHousehold.decision_id)
        .join(Household, Household.id == BatchHousehold.household_id)
        .outerjoin(Boarding, sa.and_(Boarding.batch_id == BatchHousehold.batch_id,
                                     Boarding.person_id == DecisionPerson.person_id))
        .where(BatchHousehold.batch_id == batch.id, BatchHousehold.open.is_(True),
               DecisionPerson.person_id == person.id)).first()
    if row is None:
        return None, None, False
    return row[0], row[1], row[2] is not None


def board(batch: TransferBatch, *, code: str | None = None, person: Person | None = None,
          locked: bool = False) -> BoardingAnswer:
    """A card scanned (or a person tapped) at the bus. Refusals are answers, not
    errors: a card of someone not on this list, a bus that has left. `locked`: the
    caller read the batch with locked_batch in this transaction already.

    A handful of queries (the boarding station scans 200 cards in a few minutes):
    the batch lock, the card, the person (without documents and flags), the entry
    with the household reference and the earlier boarding, the counts."""
    batch = batch if locked else _lock(batch)
    via = "tap" if person is not None else "card"
    if person is None:
        card, status = resolve(code if isinstance(code, str) else "")
        if card is None or status != "ok":
            return _answer(batch, "red", status)
        person = db.session.get(Person, card.person_id, options=[
            lazyload(Person.documents), lazyload(Person.flag_rows)])
        if person is None:  # restricted (Art. 18): not shown here
            return _answer(batch, "red", "not_on_list")
    if batch.state != BatchState.PLANNED.value:
        return _answer(batch, "red", "departed" if batch.state == BatchState.DEPARTED.value
                       else "cancelled", person)
    entry, ref, already = _entry_for(batch, person)
    if entry is None:
        return _answer(batch, "red", "not_on_list", person)
    if already:
        return _answer(batch, "amber", "already", person, entry, ref)
    try:
        with db.session.begin_nested():
            db.session.add(Boarding(batch_id=batch.id, person_id=person.id, entry_id=entry.id,
                                    boarded_at=now(), by_id=acting_user_id(), via=via))
            db.session.flush()
    except sa.exc.IntegrityError:
        return _answer(batch, "amber", "already", person, entry, ref)
    record(AuditAction.SCAN, entity_type="transfer_batch", entity_id=batch.id,
           detail=f"boarded ({via})", persons=[person])
    return _answer(batch, "green", "boarded", person, entry, ref)


def _answer(batch, result, reason, person=None, entry=None, ref=None) -> BoardingAnswer:
    return BoardingAnswer(result, reason, person, entry, boarding_counts(batch), ref)


def request_hash(batch_id: int, body: dict) -> str:
    text = json.dumps({"batch": batch_id, **body}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def earlier_answer(key: str, batch_id: int, fingerprint: str) -> dict | None:
    """The answer already given for this Idempotency-Key (a replay from the queue),
    or None; the same key with another request is refused."""
    row = db.session.get(BoardingKey, key)
    if row is None:
        return None
    if row.request_hash != fingerprint or row.batch_id != batch_id:
        raise ValidationFailed(**{"Idempotency-Key": _(
            "This Idempotency-Key was used for a different request.")})
    return row.answer


def keep_answer(key: str, batch_id: int, fingerprint: str, answer: dict) -> None:
    try:
        with db.session.begin_nested():
            db.session.add(BoardingKey(key=key, batch_id=batch_id, request_hash=fingerprint,
                                       answer=answer, user_id=acting_user_id(), created_at=now()))
            db.session.flush()
    except sa.exc.IntegrityError:
        pass  # the same key answered by a parallel replay: its answer stands


# --- departure ----------------------------------------------------------------------------


@dataclass
class Departure:
    batch: TransferBatch
    transferred: list[Person]
    missing: list[tuple[BatchHousehold, Person]]


def depart(batch: TransferBatch, *, expected_version: int | None = None) -> Departure:
    """The bus leaves: boarded persons are checked out ('transferred', with the
    destination; their beds are free), missing ones stay and are listed. A
    blocking conflict of a boarded person stops the departure, nothing saved."""
    batch = _lock(batch)
    _check_planned(batch)
    _check_version(batch, expected_version)
    boarded = boarded_ids(batch)
    if not boarded:
        raise ValidationFailed(batch=_("Nobody has boarded yet."))
    entries = [e for e in loaded_entries(batch) if e.open]
    blocking = [f for f in conflicts(batch, entries)
                if f.blocks and f.person and f.person.id in boarded]
    if blocking:
        raise ValidationFailed(batch=blocking[0].message)
    at = now()
    # With bed and unit: the gate's StayEnded handler reads the site of each stay.
    stays = db.session.scalars(sa.select(Stay).where(
        Stay.person_id.in_(list(boarded)), Stay.state.in_(OPEN_STATES))
        .options(selectinload(Stay.bed).selectinload(Bed.unit))).all()
    where = f"{batch.destination.label} ({batch.destination.key})"
    housing.check_out_many(list(stays), reason=TRANSFERRED, destination=where, at=at)
    transferred, missing = [], []
    for entry in entries:
        members = persons_of(entry)
        on_board = [p for p in members if p.id in boarded]
        transferred.extend(on_board)
        missing.extend((entry, p) for p in members if p.id not in boarded)
        entry.state = (EntryState.TRANSFERRED if len(on_board) == len(members) else
                       EntryState.PARTLY if on_board else EntryState.MISSING).value
        entry.open = False
    batch.departed_at = at
    _batch_transition(batch, BatchState.DEPARTED, ngettext(
        "%(num)d person transferred", "%(num)d persons transferred", len(transferred)))
    db.session.flush()
    _bump(batch)
    publish(BatchDeparted(batch, tuple(p.id for p in transferred),
                          tuple(p.id for _, p in missing)))
    return Departure(batch, transferred, missing)


# --- figures (dashboard and situation report) ---------------------------------------------


def figures(start: datetime, end: datetime) -> dict:
    """Decisions of the period, transfers per destination (persons, households),
    buses planned for and departed in it — all as grouped counts."""
    decisions = dict(db.session.execute(
        sa.select(DistributionDecision.kind, sa.func.count())
        .where(DistributionDecision.decided_at >= start, DistributionDecision.decided_at < end)
        .group_by(DistributionDecision.kind)).all())
    rows = db.session.execute(
        sa.select(TransferDestination.key, TransferDestination.name, TransferDestination.kind,
                  sa.func.count(Boarding.person_id),
                  sa.func.count(sa.distinct(BatchHousehold.household_id)))
        .select_from(TransferBatch)
        .join(TransferDestination, TransferDestination.id == TransferBatch.destination_id)
        .join(Boarding, Boarding.batch_id == TransferBatch.id)
        .join(BatchHousehold, BatchHousehold.id == Boarding.entry_id)
        .where(TransferBatch.state == BatchState.DEPARTED.value,
               TransferBatch.departed_at >= start, TransferBatch.departed_at < end)
        .group_by(TransferDestination.key, TransferDestination.name, TransferDestination.kind)
        .order_by(TransferDestination.key)).all()
    planned = db.session.scalar(sa.select(sa.func.count()).select_from(TransferBatch).where(
        TransferBatch.departs_at >= start, TransferBatch.departs_at < end,
        TransferBatch.state != BatchState.CANCELLED.value)) or 0
    departed = db.session.scalar(sa.select(sa.func.count()).select_from(TransferBatch).where(
        TransferBatch.state == BatchState.DEPARTED.value,
        TransferBatch.departed_at >= start, TransferBatch.departed_at < end)) or 0
    by_destination = [{"key": key, "name": name, "kind": kind, "persons": persons,
                       "households": households}
                      for key, name, kind, persons, households in rows]
    return {
        "decisions": {"stay": decisions.get("stay", 0), "transfer": decisions.get("transfer", 0)},
        "by_destination": by_destination,
        "persons": sum(r["persons"] for r in by_destination),
        "households": sum(r["households"] for r in by_destination),
        "buses": {"planned": planned, "departed": departed},
    }


def day_figures(day: date) -> dict:
    return figures(*day_bounds(day))
