"""Registering a household, and a person joining one: idempotent per key,
serialised against a twin registration on another tablet, refusing likely
duplicates unless the clerk gives a reason (which is recorded and audited)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from arrival.audit.models import AuditAction
from arrival.audit.operations import record
from arrival.core.actor import acting_user_id
from arrival.core.events import publish
from arrival.core.validation import ValidationFailed
from arrival.database import now_utc
from arrival.extensions import db
from arrival.registry import matching
from arrival.registry.checkchar import new_reference
from arrival.registry.events import HouseholdChanged, HouseholdRegistered
from arrival.registry.models import DuplicateDecision, Household, IdempotencyRecord, Person
from arrival.registry.operations.persons import add_person, add_persons
from arrival.registry.validation import (
    HouseholdInput,
    PersonInput,
    parse_person_payload,
    plausibility_warnings,
)


REGISTRATION_SCOPE = "household.create"


class PossibleDuplicates(Exception):
    """Likely duplicates were found and the clerk has not given a reason yet."""

    def __init__(self, candidates: dict[int, list[matching.Candidate]]):
        self.candidates = candidates
        super().__init__(f"possible duplicates for persons {sorted(candidates)}")


class IdempotencyKeyReused(Exception):
    """The same key came with a different request body."""


class NeedsConfirmation(Exception):
    """Plausibility warnings (e.g. a child older than its parent) await confirmation."""

    def __init__(self, warnings: dict[str, list[str]]):
        self.warnings = warnings
        super().__init__("; ".join(warnings))


@dataclass
class Registration:
    household: Household
    created: bool
    overridden: list[DuplicateDecision] = field(default_factory=list)


def request_fingerprint(payload: dict) -> str:
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _claim_key(key: str, fingerprint: str) -> IdempotencyRecord | None:
    """Insert the key, or return the record of whoever claimed it first.

    The insert waits on the unique index while another transaction holds the same
    key (PostgreSQL) or on the write lock (SQLite), so concurrent repeats see the
    first one's committed result rather than racing it.
    """
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(IdempotencyRecord)
    statement = (
        insert.values(key=key, scope=REGISTRATION_SCOPE, request_hash=fingerprint,
                      user_id=acting_user_id(), created_at=now_utc())
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(IdempotencyRecord.key)
    )
    if db.session.execute(statement).scalar() is not None:
        return None
    return db.session.get(IdempotencyRecord, key)


def register_household(
    data: HouseholdInput,
    *,
    idempotency_key: str | None,
    fingerprint: str,
    duplicate_reason: str | None = None,
) -> Registration:
    if idempotency_key:
        earlier = _claim_key(idempotency_key, fingerprint)
        if earlier is not None:
            if earlier.request_hash != fingerprint:
                raise IdempotencyKeyReused(idempotency_key)
            household = db.session.get(Household, earlier.household_id)
            return Registration(household=household, created=False)
    _serialise_similar_registrations(data.persons)
    likely = likely_duplicates(data.persons)
    if likely and not duplicate_reason:
        raise PossibleDuplicates(likely)
    household = _create_household(data)
    decisions = _record_decisions(
        [(household.persons[index], candidates) for index, candidates in likely.items()],
        duplicate_reason)
    if idempotency_key:
        db.session.get(IdempotencyRecord, idempotency_key).household_id = household.id
    db.session.flush()
    publish(HouseholdRegistered(household))
    return Registration(household=household, created=True, overridden=decisions)


def _serialise_similar_registrations(persons: list[PersonInput]) -> None:
    """Two tablets registering the same family at the same second: on PostgreSQL the
    second waits (a transaction lock per family-name key and birth year) until the
    first commits, and then its duplicate check sees the first. SQLite already runs
    writing requests one after the other."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    locks = set()
    for person in persons:
        for name in (person.family_name, person.family_name_cyrillic):
            for key in matching.match_keys(name or ""):
                digest = hashlib.sha256(f"{key}|{person.birth_year}".encode()).digest()
                locks.add(int.from_bytes(digest[:8], "big", signed=True))
    if locks:
        # One statement; taken in one order for everyone (the sorted subquery feeds the
        # calls row by row), so two registrations never deadlock.
        db.session.execute(sa.text(
            "SELECT count(pg_advisory_xact_lock(key)) FROM "
            "(SELECT unnest(CAST(:keys AS bigint[])) AS key ORDER BY key) AS ordered"),
            {"keys": sorted(locks)})


def likely_duplicates(persons: list[PersonInput], *, exclude: set[int] = frozenset()
                      ) -> dict[int, list[matching.Candidate]]:
    found = {}
    for index, person in enumerate(persons):
        candidates = matching.find_candidates(probe_for(person), exclude=exclude,
                                              likely_only=True)
        if candidates:
            found[index] = candidates
    return found


def probe_for(person: PersonInput) -> matching.Probe:
    return matching.Probe(
        family_names=[n for n in (person.family_name, person.family_name_cyrillic) if n],
        given_names=[n for n in (person.given_names, person.given_names_cyrillic) if n],
        patronymic=person.patronymic, date_of_birth=person.date_of_birth,
        birth_year=person.birth_year,
        sex=person.sex if person.sex in ("female", "male") else None,
        document_number=person.document.number if person.document else None,
        document_type=person.document.type if person.document and person.document.number
        else None,
    )


def _new_household_ref() -> str:
    while True:
        ref = new_reference("H")
        if not db.session.scalar(sa.select(Household.id).where(Household.ref == ref)):
            return ref


def _create_household(data: HouseholdInput) -> Household:
    household = Household(
        ref=_new_household_ref(), arrived_at=data.arrived_at, arrival_point=data.arrival_point,
        phone=data.phone, contact_language=data.contact_language,
        created_by_id=acting_user_id(),
    )
    db.session.add(household)
    db.session.flush()
    record(AuditAction.CREATE, entity_type="household", entity_id=household.public_id,
           fields=[f for f in ("arrived_at", "arrival_point", "phone", "contact_language")
                   if getattr(data, f) is not None])
    add_persons(household, data.persons, first_position=0)
    return household


def _record_decisions(decided: list[tuple[Person, list[matching.Candidate]]],
                      reason: str | None) -> list[DuplicateDecision]:
    """The clerk's "not the same person" for each likely candidate, recorded and audited."""
    decisions = []
    user_id = acting_user_id()
    for person, candidates in decided:
        for candidate in candidates:
            decision = DuplicateDecision(person_id=person.id, candidate_id=candidate.person.id,
                                         score=candidate.score, reason=reason[:300],
                                         decided_by_id=user_id)
            db.session.add(decision)
            decisions.append(decision)
            record(AuditAction.CREATE, entity_type="duplicate_decision",
                   entity_id=person.public_id, fields=["reason"],
                   detail=f"registered despite likely duplicate {candidate.person.public_id}")
    return decisions


def add_member(household: Household, payload: dict, *, duplicate_reason: str | None,
               confirmed: bool) -> Person:
    """A person joining a registered household (arrived later, or found as a duplicate)."""
    data = parse_person_payload(payload)
    if data.relation == "head":
        raise ValidationFailed({"persons.0.relation": [
            _("The household already has a head.")]})
    if not confirmed:
        warnings = _member_warnings(household, data)
        if warnings:
            raise NeedsConfirmation(warnings)
    likely = likely_duplicates([data])
    if likely and not duplicate_reason:
        raise PossibleDuplicates(likely)
    person = add_person(household, data)
    if likely:
        _record_decisions([(person, likely[0])], duplicate_reason)
    household.updated_at = now_utc()
    db.session.flush()
    publish(HouseholdChanged(household, person))
    return person


def _member_warnings(household: Household, data: PersonInput) -> dict[str, list[str]]:
    head = household.head
    if head is None:
        return {}
    head_input = PersonInput(relation="head", family_name=head.family_name,
                             given_names=head.given_names, sex=head.sex,
                             nationality=head.nationality, birth_year=head.birth_year)
    probe = HouseholdInput(arrived_at=household.arrived_at, persons=[head_input, data])
    return {k.replace("persons.1", "persons.0"): v
            for k, v in plausibility_warnings(probe).items()}


def open_decisions(household: Household) -> list[DuplicateDecision]:
    ids = [p.id for p in household.persons]
    if not ids:
        return []
    return list(db.session.scalars(
        sa.select(DuplicateDecision).where(DuplicateDecision.person_id.in_(ids),
                                           DuplicateDecision.resolved_at.is_(None))))
