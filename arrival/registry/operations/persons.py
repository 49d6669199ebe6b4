"""Adding and editing persons: their fields, documents, flags and match keys;
edits refuse a stale version. Operations flush and audit; the request commits."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from arrival.audit.models import AuditAction, AuditEvent
from arrival.audit.operations import record
from arrival.core.events import publish
from arrival.core.validation import Conflict, ValidationFailed
from arrival.extensions import db
from arrival.registry import matching
from arrival.registry.events import HouseholdChanged
from arrival.registry.models import Document, Household, MatchKey, Person, PersonFlag
from arrival.registry.validation import PersonInput, parse_person_payload


PERSON_FIELDS = ("relation", "family_name", "given_names", "family_name_cyrillic",
                 "given_names_cyrillic", "patronymic", "sex", "date_of_birth", "birth_year",
                 "nationality", "languages", "notes")


def add_person(household: Household, data: PersonInput, *, position: int | None = None
               ) -> Person:
    return add_persons(household, [data], first_position=position)[0]


def add_persons(household: Household, inputs: list[PersonInput], *,
                first_position: int | None = None) -> list[Person]:
    """New persons with their documents, flags and match keys, in one flush: new
    objects have nothing to load or replace (a household of four took 4 flushes and
    12 lookups of documents, flags and keys that could not exist)."""
    start = len(household.persons) if first_position is None else first_position
    persons = [Person(household=household, position=start + offset,
                      birth_date_estimated=data.birth_date_estimated,
                      documents=_new_documents(data),
                      flag_rows=[PersonFlag(code=code) for code in sorted(set(data.flags))],
                      **{name: getattr(data, name) for name in PERSON_FIELDS})
               for offset, data in enumerate(inputs)]
    db.session.add_all(persons)
    db.session.flush()
    for person, data in zip(persons, inputs):
        db.session.add_all(matching.keys_for_person(person))
        record(AuditAction.CREATE, entity_type="person", entity_id=person.public_id,
               fields=_provided_fields(data))
    return persons


def _new_documents(data: PersonInput) -> list[Document]:
    if data.document and data.document.number:
        return [Document(type=data.document.type, number=data.document.number,
                         issuing_country=data.document.issuing_country,
                         expiry=data.document.expiry)]
    return [Document(type=data.document.type)] if data.document else []


def _provided_fields(data: PersonInput) -> list[str]:
    provided = [name for name in PERSON_FIELDS if getattr(data, name) not in (None, [], "")]
    if data.document and data.document.number:
        provided.append("document")
    if data.flags:
        provided.append("flags")
    return provided


def _replace_document(person: Person, data: PersonInput) -> None:
    person.documents.clear()
    person.documents.extend(_new_documents(data))


def _replace_flags(person: Person, codes: list[str]) -> None:
    current = {row.code: row for row in person.flag_rows}
    for code in set(current) - set(codes):
        person.flag_rows.remove(current[code])
    for code in sorted(set(codes) - set(current)):
        person.flag_rows.append(PersonFlag(code=code))


def _replace_match_keys(person: Person) -> None:
    db.session.execute(sa.delete(MatchKey).where(MatchKey.person_id == person.id))
    db.session.add_all(matching.keys_for_person(person))


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
