"""JSON views of households and persons, cut to the reader's field groups."""

from __future__ import annotations

from arrival.auth.permissions import FieldGroup
from arrival.registry.models import Household, Person

G = FieldGroup


def person_json(person: Person, groups: frozenset[FieldGroup]) -> dict:
    data = {"id": person.public_id, "relation": person.relation}
    if G.IDENTITY in groups:
        data.update(
            family_name=person.family_name, given_names=person.given_names,
            family_name_cyrillic=person.family_name_cyrillic,
            given_names_cyrillic=person.given_names_cyrillic, patronymic=person.patronymic,
            sex=person.sex,
            date_of_birth=person.date_of_birth.isoformat() if person.date_of_birth else None,
            birth_year=person.birth_year, birth_date_estimated=person.birth_date_estimated,
            nationality=person.nationality, languages=person.languages or [],
        )
    if G.DOCUMENTS in groups:
        document = person.document
        data["document"] = None if document is None else {
            "type": document.type, "number": document.number,
            "issuing_country": document.issuing_country,
            "expiry": document.expiry.isoformat() if document.expiry else None,
        }
    if G.HEALTH in groups:
        data.update(flags=person.flags, notes=person.notes)
    return data


def household_json(household: Household, groups: frozenset[FieldGroup]) -> dict:
    data = {
        "ref": household.ref, "id": household.public_id,
        "arrived_at": household.arrived_at.isoformat(),
        "arrival_point": household.arrival_point, "size": len(household.persons),
        "version": household.version,
        "persons": [person_json(p, groups) for p in household.persons],
    }
    if G.CONTACT in groups:
        data.update(phone=household.phone, contact_language=household.contact_language)
    return data
