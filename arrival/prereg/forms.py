"""The public form: field names, labels, and the request's fields turned into
the JSON shape the operations check (the API takes the same shape).

The page is plain HTML (no JavaScript needed): person blocks are named
``persons-<i>-<field>``; "add a person" and "remove" are submit buttons that
send everything typed and get the page back with one block more or less —
nothing is stored until "send".
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from arrival.prereg.operations import MAX_PERSONS, NEEDS

HONEYPOT_FIELD = "website"

NEED_LABELS = {
    "mobility": _l("Walking is difficult, or a wheelchair"),
    "care": _l("Needs care"),
    "pregnancy": _l("Pregnant"),
    "medication": _l("Needs medication regularly"),
    "pet": _l("Travels with a pet"),
    "without_parents": _l("A child travelling without parents"),
}
assert set(NEED_LABELS) == set(NEEDS)

RELATION_LABELS = {
    "spouse": _l("Spouse / partner"), "child": _l("Child"), "parent": _l("Parent"),
    "grandparent": _l("Grandparent"), "sibling": _l("Sibling"),
    "other_relative": _l("Other relative"), "companion": _l("Unrelated companion"),
}
SEX_LABELS = {"female": _l("female"), "male": _l("male"), "diverse": _l("diverse"),
              "unknown": _l("not stated")}
LANGUAGE_LABELS = {"uk": _l("Ukrainian"), "ru": _l("Russian"), "en": _l("English"),
                   "de": _l("German"), "pl": _l("Polish"), "ro": _l("Romanian"),
                   "hu": _l("Hungarian"), "be": _l("Belarusian"), "other": _l("Other")}
# The names of the page languages, each in its own language (the switch).
OWN_LANGUAGE_NAMES = {"uk": "Українська", "ru": "Русский", "en": "English", "de": "Deutsch"}

# Messages of the intake rules (arrival.registry.validation) that the public page
# can show: listed here so that tests/prereg/test_public_translations.py asks for
# their Ukrainian, Russian and German translations.
SHARED_MESSAGES = (
    _l("Text expected."), _l("Contains control characters."),
    _l("At most %(count)d characters."), _l("Required."),
    _l("Not a valid date: use DD.MM.YYYY, e.g. 14.03.2022."),
    _l("A year is a number such as 1984."), _l("The date of birth is in the future."),
    _l("More than %(years)d years ago."),
    _l("Enter the date of birth, or an estimated year of birth."),
    _l("The year of birth is in the future."), _l("Not a phone number."),
    _l("Not a valid phone number (German numbers, or with +380 …)."),
    _l("The card cannot print %(chars)s: type the name as in the document."),
    _l("Not a valid choice."), _l("At most %(count)d persons."),
    _l("The request is too large."),
)

# The label of each field, for the error summary at the top of the page.
FIELD_LABELS = {
    "relation": _l("Relation to person 1"), "family_name_cyrillic": _l("Family name"),
    "given_names_cyrillic": _l("Given name"), "patronymic": _l("Patronymic (if any)"),
    "family_name": _l("Family name in Latin letters"),
    "given_names": _l("Given name in Latin letters"), "sex": _l("Sex"),
    "date_of_birth": _l("Date of birth"), "birth_year": _l("or year of birth"),
    "needs": _l("Needs (tick what applies)"), "phone": _l("Phone number"),
    "languages": _l("Languages you speak"),
    "arrived_from": _l("Where did you arrive from (town, country)?"),
    "notes": _l("Anything else the staff should know (optional)"),
}


def error_summary(errors: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(anchor, text) per problem: "Person 2 · Date of birth: …", in the page's order."""
    items = []
    for path, messages in errors.items():
        parts = path.split(".")
        if parts[0] == "persons" and len(parts) == 3 and parts[1].isdigit():
            where = _("Person %(number)d", number=int(parts[1]) + 1) + " · "
            label = FIELD_LABELS.get(parts[2], parts[2])
            anchor = "-".join(parts)
        elif parts[0] in FIELD_LABELS:
            where, label, anchor = "", FIELD_LABELS[parts[0]], parts[0]
        else:
            where, label, anchor = "", "", "persons-0-family_name_cyrillic"
        text = " ".join(messages)
        items.append((anchor, f"{where}{label}: {text}" if label else text))
    return items


PERSON_FIELDS = ("relation", "family_name_cyrillic", "given_names_cyrillic", "patronymic",
                 "family_name", "given_names", "sex", "date_of_birth", "birth_year")


def person_count(form: MultiDict) -> int:
    raw = form.get("count", "1")
    count = int(raw) if raw.isdigit() and len(raw) < 3 else 1
    return max(1, min(count, MAX_PERSONS))


def submission(form: MultiDict) -> dict:
    """The request's fields in the API's shape (bounded: at most MAX_PERSONS)."""
    persons = []
    for index in range(person_count(form)):
        prefix = f"persons-{index}-"
        person = {name: form.get(prefix + name, "") for name in PERSON_FIELDS}
        person["needs"] = form.getlist(prefix + "needs")[:len(NEEDS) + 1]
        persons.append(person)
    return {"persons": persons, "phone": form.get("phone", ""),
            "languages": form.getlist("languages")[:20],
            "arrived_from": form.get("arrived_from", ""), "notes": form.get("notes", "")}


def add_person(raw: dict) -> dict:
    if len(raw["persons"]) < MAX_PERSONS:
        head = raw["persons"][0] if raw["persons"] else {}
        raw["persons"].append({"relation": "child", "family_name_cyrillic":
                               head.get("family_name_cyrillic", ""),
                               "family_name": head.get("family_name", ""), "needs": []})
    return raw


def remove_person(raw: dict, index_text: str) -> dict:
    if index_text.isdigit() and 0 < int(index_text) < len(raw["persons"]):
        del raw["persons"][int(index_text)]
    return raw
