"""Registering and changing households and persons.

Operations flush and audit; the request commits. Registration is idempotent per
key and refuses likely duplicates unless the clerk gives a reason.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from flask_babel import gettext as _

from arrival.core.actor import acting_user_id
from arrival.audit.models import AuditAction
from arrival.audit.operations import record, record_read
from arrival.audit.models import AuditEvent
from arrival.core.events import publish
from arrival.core.validation import Conflict, ValidationFailed
from arrival.database import now_utc
from arrival.extensions import db
from arrival.registry import matching
from arrival.registry.events import HouseholdChanged, HouseholdRegistered
from arrival.registry.checkchar import new_reference, normalise_ref, verify
from arrival.registry.models import (
    Document,
    DuplicateDecision,
    Household,
    IdempotencyRecord,
    MatchKey,
    Person,
    PersonFlag,
)
from arrival.registry.validation import (
    HouseholdInput,
    PersonInput,
    parse_person_payload,
    plausibility_warnings,
)

REGISTRATION_SCOPE = "household.create"
PERSON_FIELDS = ("relation", "family_name", "given_names", "family_name_cyrillic",
                 "given_names_cyrillic", "patronymic", "sex", "date_of_birth", "birth_year",
                 "nationality", "languages", "notes")


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
    decisions = _record_decisions(household, likely, duplicate_reason)
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
    for lock in sorted(locks):  # one order for everyone: no deadlocks
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock})


def likely_duplicates(persons: list[PersonInput], *, exclude: set[int] = frozenset()
                      ) -> dict[int, list[matching.Candidate]]:
    found = {}
    for index, person in enumerate(persons):
        candidates = [c for c in matching.find_candidates(probe_for(person), exclude=exclude)
                      if c.likely]
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
    for position, person in enumerate(data.persons):
        add_person(household, person, position=position)
    return household


def add_person(household: Household, data: PersonInput, *, position: int | None = None
               ) -> Person:
    if position is None:
        position = len(household.persons)
    person = Person(household=household, position=position,
                    birth_date_estimated=data.birth_date_estimated,
                    **{name: getattr(data, name) for name in PERSON_FIELDS})
    db.session.add(person)
    db.session.flush()
    _replace_document(person, data)
    _replace_flags(person, data.flags)
    _replace_match_keys(person)
    record(AuditAction.CREATE, entity_type="person", entity_id=person.public_id,
           fields=_provided_fields(data))
    return person


def _provided_fields(data: PersonInput) -> list[str]:
    provided = [name for name in PERSON_FIELDS if getattr(data, name) not in (None, [], "")]
    if data.document and data.document.number:
        provided.append("document")
    if data.flags:
        provided.append("flags")
    return provided


def _replace_document(person: Person, data: PersonInput) -> None:
    person.documents.clear()
    if data.document and data.document.number:
        person.documents.append(Document(
            type=data.document.type, number=data.document.number,
            issuing_country=data.document.issuing_country, expiry=data.document.expiry))
    elif data.document:
        person.documents.append(Document(type=data.document.type))


def _replace_flags(person: Person, codes: list[str]) -> None:
    current = {row.code: row for row in person.flag_rows}
    for code in set(current) - set(codes):
        person.flag_rows.remove(current[code])
    for code in sorted(set(codes) - set(current)):
        person.flag_rows.append(PersonFlag(code=code))


def _replace_match_keys(person: Person) -> None:
    db.session.execute(sa.delete(MatchKey).where(MatchKey.person_id == person.id))
    db.session.add_all(matching.keys_for_person(person))


def _record_decisions(household: Household, likely: dict[int, list[matching.Candidate]],
                      reason: str | None) -> list[DuplicateDecision]:
    decisions = []
    user_id = acting_user_id()
    for index, candidates in likely.items():
        person = household.persons[index]
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


def update_person(person: Person, data: PersonInput, *, expected_version: int) -> list[str]:
    """Apply an edit made on version `expected_version`; refuse a stale one."""
    if person.version != expected_version:
        raise Conflict(_("This person was changed by someone else in the meantime."),
                       code="stale_version", details={"current_version": person.version})
    changed = [name for name in PERSON_FIELDS if getattr(person, name) != getattr(data, name)]
    for name in changed:
        setattr(person, name, getattr(data, name))
    person.birth_date_estimated = data.birth_date_estimated
    if _document_changed(person, data):
        _replace_document(person, data)
        changed.append("document")
    if sorted(person.flags) != sorted(data.flags):
        _replace_flags(person, data.flags)
        changed.append("flags")
    if changed:
        db.session.flush()
        if {"family_name", "given_names", "family_name_cyrillic", "given_names_cyrillic",
                "patronymic", "birth_year"} & set(changed):
            _replace_match_keys(person)
        db.session.flush()
        record(AuditAction.UPDATE, entity_type="person", entity_id=person.public_id,
               fields=changed, detail=f"version {person.version}")
        publish(HouseholdChanged(person.household, person))
    return changed


def _document_changed(person: Person, data: PersonInput) -> bool:
    current = person.document
    wanted = data.document
    as_tuple = (lambda d: (d.type, d.number, d.issuing_country, d.expiry) if d else None)
    if wanted is not None and wanted.number is None and current is None:
        return wanted.type != "none"
    return as_tuple(current) != as_tuple(wanted)


def canonical_household_ref(text: str) -> str | None:
    """The stored form ("H-7K3M-9QX2-C") of a typed reference, or None when the
    text is not a household reference or its check character is wrong."""
    try:
        ref = normalise_ref(text or "")
    except ValueError:
        return None
    if len(ref) != 10 or not ref.startswith("H") or not verify(ref):
        return None
    return f"{ref[0]}-{ref[1:5]}-{ref[5:9]}-{ref[9]}"


def household_by_ref(text: str) -> Household | None:
    ref = canonical_household_ref(text)
    if ref is None:
        return None
    return db.session.scalar(sa.select(Household).where(Household.ref == ref))


def person_by_public_id(public_id: str) -> Person | None:
    return db.session.scalar(sa.select(Person).where(Person.public_id == public_id))


def record_view(entity_type: str, entity_id: str, detail: str | None = None, *,
                persons=()) -> None:
    """A read of persons, naming each person shown (see audit.operations.record_read)."""
    record_read(persons, entity_type=entity_type, entity_id=entity_id, detail=detail)


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
        for candidate in likely[0]:
            db.session.add(DuplicateDecision(
                person_id=person.id, candidate_id=candidate.person.id, score=candidate.score,
                reason=duplicate_reason[:300], decided_by_id=acting_user_id()))
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


def edit_person(person: Person, payload: dict, *, expected_version: int) -> list[str]:
    data = parse_person_payload(payload)
    if data.relation == "head" and person.relation != "head":
        raise ValidationFailed({"persons.0.relation": [
            _("The household already has a head.")]})
    return update_person(person, data, expected_version=expected_version)


def person_form_data(person: Person) -> dict:
    document = person.document
    return {
        "relation": person.relation, "family_name": person.family_name,
        "given_names": person.given_names,
        "family_name_cyrillic": person.family_name_cyrillic or "",
        "given_names_cyrillic": person.given_names_cyrillic or "",
        "patronymic": person.patronymic or "", "sex": person.sex,
        "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else "",
        "birth_year": "" if person.date_of_birth else str(person.birth_year),
        "nationality": person.nationality, "languages": person.languages or [],
        "flags": person.flags, "notes": person.notes or "", "mrz": "",
        "document": {
            "type": document.type if document else "none",
            "number": (document.number or "") if document else "",
            "issuing_country": (document.issuing_country or "") if document else "",
            "expiry": document.expiry.isoformat() if document and document.expiry else "",
        },
    }


def changes_since(person: Person, version: int) -> list[AuditEvent]:
    """The recorded edits of a person after the given version (newest last)."""
    events = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.entity_type == "person", AuditEvent.entity_id == person.public_id,
            AuditEvent.action == AuditAction.UPDATE.value)
        .order_by(AuditEvent.id)
    ).all()
    return [e for e in events
            if e.detail and e.detail.startswith("version ")
            and int(e.detail.split()[1]) > version]


def open_decisions(household: Household) -> list[DuplicateDecision]:
    ids = [p.id for p in household.persons]
    if not ids:
        return []
    return list(db.session.scalars(
        sa.select(DuplicateDecision).where(DuplicateDecision.person_id.in_(ids),
                                           DuplicateDecision.resolved_at.is_(None))))
