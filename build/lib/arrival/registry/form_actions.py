"""What the registration page does between submits, without JavaScript: add and
remove members, add a child (with the family name copied), read an MRZ into a
person's fields, take over the suggested Latin spelling."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from arrival.core.timezone import assume_local, to_local
from arrival.registry.mrz import MRZError, MRZResult, parse_mrz
from arrival.registry.names import kmu_2010

MRZ_FIELD_LABELS = {
    "format": lambda: _("The MRZ has an unknown layout (2 lines of 44 or 36, or 3 lines of 30 "
                        "characters)."),
    "document_number": lambda: _("Check digit of the document number is wrong."),
    "date_of_birth": lambda: _("Check digit of the date of birth is wrong."),
    "expiry": lambda: _("Check digit of the expiry date is wrong."),
    "personal_number": lambda: _("Check digit of the personal number is wrong."),
    "composite": lambda: _("The overall check digit is wrong."),
    "sex": lambda: _("The sex field of the MRZ is not valid."),
}
MRZ_DOCUMENT_TYPES = {"P": "biometric_passport", "I": "national_id", "A": "national_id",
                      "C": "national_id"}


def blank_person(**values) -> dict:
    person = {"relation": "", "family_name": "", "given_names": "", "family_name_cyrillic": "",
              "given_names_cyrillic": "", "patronymic": "", "sex": "", "date_of_birth": "",
              "birth_year": "",
              "nationality": "UKR", "languages": [], "flags": [], "notes": "", "mrz": "",
              "document": {"type": "biometric_passport", "number": "", "issuing_country": "",
                           "expiry": ""}}
    person.update(values)
    return person


def apply_action(persons: list[dict], action: str) -> dict[str, list[str]]:
    """Change the list of person dicts in place; return messages per field path."""
    kind, _sep, argument = action.partition(":")
    index = int(argument) if argument.isdigit() else None
    if index is not None and index >= len(persons):
        return {}
    if kind == "add_member":
        persons.append(blank_person(relation="spouse" if len(persons) == 1 else "other_relative"))
    elif kind == "add_child":
        head = persons[0] if persons else {}
        # Most children come without papers of their own: no document by default,
        # so that no number is asked for (a birth certificate is chosen when shown).
        persons.append(blank_person(
            relation="child", family_name=head.get("family_name", ""),
            family_name_cyrillic=head.get("family_name_cyrillic", ""),
            nationality=head.get("nationality", "UKR"),
            document={"type": "none", "number": "", "issuing_country": "", "expiry": ""}))
    elif kind == "remove" and index is not None and len(persons) > 1:
        del persons[index]
    elif kind == "read_mrz" and index is not None:
        return read_mrz_into(persons[index], index)
    elif kind == "accept_latin" and index is not None:
        for latin, cyrillic in (("family_name", "family_name_cyrillic"),
                                ("given_names", "given_names_cyrillic")):
            if not persons[index].get(latin) and persons[index].get(cyrillic):
                persons[index][latin] = kmu_2010(persons[index][cyrillic])
    return {}


def read_mrz_into(person: dict, index: int) -> dict[str, list[str]]:
    path = f"persons.{index}.mrz"
    text = person.get("mrz") or ""
    if len(text) > 300:
        return {path: [_("At most %(count)d characters.", count=300)]}
    try:
        result = parse_mrz(text)
    except MRZError as error:
        messages = [MRZ_FIELD_LABELS.get(field, lambda: message)() for field, message in
                    error.errors]
        return {path: messages}
    fill_from_mrz(person, result)
    return {}


def fill_from_mrz(person: dict, result: MRZResult) -> None:
    person.update({
        "family_name": result.family_name, "given_names": result.given_names,
        "sex": result.sex if result.sex in ("female", "male") else "unknown",
        "date_of_birth": result.date_of_birth.isoformat() if result.date_of_birth else "",
        "nationality": result.nationality,
    })
    person["document"] = {
        "type": MRZ_DOCUMENT_TYPES.get(result.document_type[:1], "other"),
        "number": result.document_number, "issuing_country": result.issuing_country,
        "expiry": result.expiry.isoformat() if result.expiry else "",
    }


def latin_suggestions(person: dict) -> dict[str, str]:
    """KMU 2010 spellings for Latin fields that are empty while Cyrillic is typed."""
    suggestions = {}
    for latin, cyrillic in (("family_name", "family_name_cyrillic"),
                            ("given_names", "given_names_cyrillic")):
        if not (person.get(latin) or "").strip() and (person.get(cyrillic) or "").strip():
            suggestions[latin] = kmu_2010(person[cyrillic])
    return suggestions


def local_to_iso(value: str) -> str:
    """A datetime-local input (Berlin wall time) as ISO 8601 with its offset."""
    if not value:
        return ""
    try:
        naive = datetime.fromisoformat(value)
    except ValueError:
        return value  # the rules report it at the field
    if naive.tzinfo is not None:
        return naive.isoformat()
    return assume_local(naive).isoformat()


def iso_to_local_input(moment: datetime) -> str:
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")

