"""Data protection: the retention sweep and the persons' rights (Art. 15, 17, 18).

Operations flush and write their audit rows; the caller commits — except the
sweep, which commits after every batch itself (it is a job, not a request), so
that a run killed half-way keeps what it did and the next run goes on from there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from arrival.audit.models import AuditAction
from arrival.audit.operations import record
from arrival.cases.models import ClarificationItem
from arrival.catalog.models import Authority
from arrival.core.actor import acting_user_id
from arrival.core.clock import now
from arrival.core.retention import RetentionClass, legal_holds, retention_classes
from arrival.core.validation import ValidationFailed
from arrival.extensions import db
from arrival.privacy import anonymise
from arrival.privacy.models import Outcome, PrivacyRequest, RequestKind
from arrival.registry.models import Household, Person, Relation

SWEEP_LOCK_KEY = 0x41525250  # "ARRP": one sweep batch at a time on PostgreSQL
SWEEP_USER = "privacy-sweep"
# An open procedure of these authorities holds a person's data (erasure refused): an
# item someone works on (in progress, or waiting). An item the rules opened at
# registration that nobody ever took up is no procedure.
HOLDING_AUTHORITIES = ("auslaenderbehoerde",)
PROCEDURE_STATES = ("in_progress", "waiting")


# --- legal holds ---------------------------------------------------------------------------


def open_procedure_hold(person_ids: list[int]) -> dict[int, str]:
    """Persons with a procedure of the Ausländerbehörde under way (an item of theirs
    or their household's in progress or waiting): the procedure needs the record."""
    item = ClarificationItem
    rows = db.session.execute(
        sa.select(Person.id, Authority.name_de, item.topic)
        .join(item, sa.or_(item.person_id == Person.id,
                           sa.and_(item.person_id.is_(None),
                                   item.household_id == Person.household_id)))
        .join(Authority, Authority.id == item.authority_id)
        .where(Person.id.in_(person_ids), Authority.code.in_(HOLDING_AUTHORITIES),
               item.state.in_(PROCEDURE_STATES))).all()
    return {person_id: _("Open procedure of the %(authority)s (%(topic)s)",
                         authority=name, topic=topic)
            for person_id, name, topic in rows}


# --- the sweep -----------------------------------------------------------------------------


@dataclass
class ClassResult:
    name: str
    setting: str
    days: int
    cutoff: datetime
    due: int
    action: str
    removes: bool
    done: int = 0
    batches: int = 0


@dataclass
class SweepResult:
    dry_run: bool
    at: datetime
    classes: list[ClassResult] = field(default_factory=list)


def _days(retention_class: RetentionClass) -> int:
    return int(current_app.config[retention_class.setting])


def retention_overview(at: datetime | None = None) -> list[ClassResult]:
    """Every registered class with its setting, cutoff and what is due now."""
    at = at or now()
    results = []
    for retention_class in retention_classes():
        days = _days(retention_class)
        cutoff = anonymise.cutoff_of(days, at)
        results.append(ClassResult(retention_class.name, retention_class.setting, days, cutoff,
                                   retention_class.count_expired(cutoff), retention_class.action,
                                   retention_class.removes))
    return results


def _lock() -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"),
                           {"key": SWEEP_LOCK_KEY})


def sweep(*, dry_run: bool = False, only: str | None = None, at: datetime | None = None,
          batch_size: int | None = None, max_batches: int | None = None,
          progress=None) -> SweepResult:
    """Count every class first, then (unless a dry run) remove what is due in
    batches, each batch its own transaction with its audit row. Idempotent: what is
    done is no longer due. ``max_batches`` stops early (a test's crash)."""
    at = at or now()
    batch_size = batch_size or int(current_app.config["RETENTION_BATCH_SIZE"])
    overview = [r for r in retention_overview(at) if only in (None, r.name)]
    if only is not None and not overview:
        raise ValidationFailed(only=f"no retention class {only!r}")
    result = SweepResult(dry_run=dry_run, at=at, classes=overview)
    db.session.commit()  # the counts read nothing they hold on to
    if progress:
        for entry in overview:
            progress(f"{entry.name}: {entry.due} due ({entry.setting}={entry.days} days)")
    if dry_run:
        return result
    classes = {c.name: c for c in retention_classes()}
    batches = 0
    for entry in overview:
        retention_class = classes[entry.name]
        if not retention_class.removes or entry.due == 0:
            continue
        while max_batches is None or batches < max_batches:
            _lock()
            done = retention_class.delete_expired(entry.cutoff, batch_size)
            if done == 0:
                db.session.rollback()
                break
            record(AuditAction.DELETE if entry.action == "deleted" else AuditAction.UPDATE,
                   entity_type="retention", entity_id=entry.name, username=SWEEP_USER,
                   detail=f"{done} {entry.action}: older than {entry.days} days "
                          f"({entry.setting}), before {entry.cutoff.isoformat()}")
            db.session.commit()
            entry.done += done
            entry.batches += 1
            batches += 1
            if progress:
                progress(f"{entry.name}: {entry.done} of {entry.due} {entry.action}")
    return result


# --- the persons' rights -------------------------------------------------------------------


def person_by_public_id(public_id: str) -> Person | None:
    return db.session.scalar(sa.select(Person).where(Person.public_id == public_id))


def subjects(person: Person, *, household: bool) -> list[Person]:
    """The person, or with household=True their whole household — only where the
    person is its head (a member speaks for themselves)."""
    if not household:
        return [person]
    if person.relation != Relation.HEAD.value:
        raise ValidationFailed(household=_("Only the head of the household may ask for the "
                                           "whole household."))
    return list(person.household.persons)


def _reason(reason: str | None) -> str:
    text = " ".join((reason or "").split())
    if not text:
        raise ValidationFailed(reason=_("Give the reason (the request and how it came in)."))
    if len(text) > 300:
        raise ValidationFailed(reason=_("At most 300 characters."))
    return text


def _log_request(kind: RequestKind, person: Person, household: bool, reason: str,
                 outcome: Outcome, refusal: str | None = None) -> PrivacyRequest:
    entry = PrivacyRequest(kind=kind.value, outcome=outcome.value, person_id=person.id,
                           household_id=person.household_id, whole_household=household,
                           reason=reason, refusal=refusal, decided_at=now(),
                           decided_by_id=acting_user_id())
    db.session.add(entry)
    db.session.flush()
    return entry


class ErasureRefused(ValidationFailed):
    """Erasure is refused: a legal hold. The reasons are in errors['reason']."""


def erase(person: Person, *, reason: str, household: bool = False) -> PrivacyRequest:
    """Art. 17: anonymise the person (or the head's whole household) now, the
    figures kept. Refused — and the refusal recorded — under a legal hold."""
    reason = _reason(reason)
    people = subjects(person, household=household)
    if person.anonymised_at is not None:
        raise ValidationFailed(person=_("This record is already anonymised."))
    holds = legal_holds([p.id for p in people])
    if holds:
        refusal = "; ".join(sorted(set(holds.values())))
        entry = _log_request(RequestKind.ERASURE, person, household, reason, Outcome.REFUSED,
                             refusal[:300])
        record(AuditAction.UPDATE, entity_type="privacy_request", entity_id=entry.id,
               detail=f"erasure refused: {refusal}"[:300], fields=["erasure"])
        raise ErasureRefused(reason=_("Erasure refused: %(holds)s. Restriction is possible.",
                                      holds=refusal))
    entry = _log_request(RequestKind.ERASURE, person, household, reason, Outcome.DONE)
    record(AuditAction.DELETE, entity_type="privacy_request", entity_id=entry.id,
           detail=f"erasure of {len(people)} person(s)" + (" and the household" if household
                                                             else ""),
           persons=people)
    at = now()
    if household:
        anonymise.anonymise_households([person.household_id], at)
    else:
        anonymise.anonymise_persons([p.id for p in people], at)
    return entry


def restrict(person: Person, *, reason: str, household: bool = False) -> PrivacyRequest:
    """Art. 18: the record is kept but hidden from every role except data
    protection and the administrator (allowed under a legal hold too)."""
    reason = _reason(reason)
    people = subjects(person, household=household)
    at = now()
    for member in people:
        member.restricted_at = member.restricted_at or at
    if household:
        person.household.restricted_at = person.household.restricted_at or at
    entry = _log_request(RequestKind.RESTRICTION, person, household, reason, Outcome.DONE)
    record(AuditAction.UPDATE, entity_type="privacy_request", entity_id=entry.id,
           fields=["restricted_at"], detail="restriction", persons=people)
    db.session.flush()
    return entry


def lift_restriction(person: Person, *, reason: str, household: bool = False
                     ) -> PrivacyRequest:
    reason = _reason(reason)
    people = subjects(person, household=household)
    for member in people:
        member.restricted_at = None
    if household or all(m.restricted_at is None for m in person.household.persons):
        person.household.restricted_at = None
    entry = _log_request(RequestKind.LIFT_RESTRICTION, person, household, reason, Outcome.DONE)
    record(AuditAction.UPDATE, entity_type="privacy_request", entity_id=entry.id,
           fields=["restricted_at"], detail="restriction lifted", persons=people)
    db.session.flush()
    return entry


def requests_of(person: Person) -> list[PrivacyRequest]:
    return list(db.session.scalars(sa.select(PrivacyRequest).where(
        PrivacyRequest.household_id == person.household_id).order_by(PrivacyRequest.id)))


def log_access_report(person: Person, people: list[Person], household: bool,
                      file_format: str) -> None:
    """Producing an access report is itself audited (an export naming the persons)."""
    _log_request(RequestKind.ACCESS, person, household, f"access report ({file_format})",
                 Outcome.DONE)
    record(AuditAction.EXPORT, entity_type="person", entity_id=person.public_id,
           detail=f"Art. 15 access report ({file_format})", persons=people)


def find_household(ref: str) -> Household | None:
    text = (ref or "").strip().upper()
    if not text:
        return None
    return db.session.scalar(sa.select(Household).where(Household.ref == text))
