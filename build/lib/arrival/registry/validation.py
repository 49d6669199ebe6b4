"""Parsing and checking registration input — the one path for forms and the API.

Input is the JSON shape of the API (`persons` a list of person dicts). Errors are
collected for every field at once and keyed by path ("persons.1.date_of_birth"),
so the page shows each message at its field and nothing is saved partially.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import phonenumbers
from flask_babel import gettext as _

from arrival.core.glyphs import unprintable
from arrival.catalog.operations import entries
from arrival.core.inputs import strip_invisible
from arrival.core.validation import ValidationFailed
from arrival.database import now_utc
from arrival.registry.countries import is_country
from arrival.registry.models import DocumentType, Relation, Sex

MAX_PERSONS = 30
MAX_AGE_YEARS = 120
LENGTHS = {
    "family_name": 100, "given_names": 150, "family_name_cyrillic": 100,
    "given_names_cyrillic": 150, "patronymic": 100, "notes": 2000, "document_number": 40,
    "mrz": 300, "reason": 300,
}
LANGUAGE_CODES = ("uk", "ru", "de", "en", "pl", "ro", "hu", "be", "ka", "ar", "fa", "tr", "other")


@dataclass
class DocumentInput:
    type: str
    number: str | None = None
    issuing_country: str | None = None
    expiry: date | None = None


@dataclass
class PersonInput:
    relation: str
    family_name: str
    given_names: str
    sex: str
    nationality: str
    birth_year: int
    date_of_birth: date | None = None
    family_name_cyrillic: str | None = None
    given_names_cyrillic: str | None = None
    patronymic: str | None = None
    document: DocumentInput | None = None
    languages: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    notes: str | None = None

    @property
    def birth_date_estimated(self) -> bool:
        return self.date_of_birth is None


@dataclass
class HouseholdInput:
    arrived_at: datetime
    persons: list[PersonInput]
    arrival_point: str | None = None
    phone: str | None = None
    contact_language: str | None = None


class Errors:
    def __init__(self):
        self.messages: dict[str, list[str]] = {}

    def add(self, path: str, message: str) -> None:
        self.messages.setdefault(path, []).append(message)

    def raise_if_any(self) -> None:
        if self.messages:
            raise ValidationFailed(self.messages)


def clean_text(value, path: str, errors: Errors, *, limit: int, required: bool = False):
    """NFC, no invisible format characters (zero-width, text direction), no control
    characters, inner whitespace collapsed."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(path, _("Text expected."))
        return None
    text = unicodedata.normalize("NFC", strip_invisible(value))
    if any(unicodedata.category(c) in ("Cc", "Cs") and c not in "\n\r\t" for c in text):
        errors.add(path, _("Contains control characters."))
        return None
    text = " ".join(text.split()) if path.split(".")[-1] != "notes" else text.strip()
    if len(text) > limit:
        errors.add(path, _("At most %(count)d characters.", count=limit))
        return None
    if required and not text:
        errors.add(path, _("Required."))
        return None
    return text or None


_NAME_PUNCTUATION = frozenset(" -'\u2019\u02bc")


def is_cyrillic_name(text: str) -> bool:
    """Cyrillic letters (with apostrophes, hyphens and spaces), nothing Latin."""
    return any(c.isalpha() for c in text) and all(
        ("\u0400" <= c <= "\u04ff" and c.isalpha()) or c in _NAME_PUNCTUATION for c in text)


def parse_date(value, path: str, errors: Errors) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:  # as German users type it: 14.3.2022 or 14.03.2022
        return datetime.strptime(text, "%d.%m.%Y").date()
    except ValueError:
        errors.add(path, _("Not a valid date: use DD.MM.YYYY, e.g. 14.03.2022."))
        return None


def parse_datetime(value, path: str, errors: Errors) -> datetime | None:
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            errors.add(path, _("Not a valid date and time."))
            return None
    if parsed.tzinfo is None:
        errors.add(path, _("The time needs a UTC offset, e.g. 2022-03-14T10:30:00+01:00."))
        return None
    try:
        return parsed.astimezone(timezone.utc)
    except OverflowError:
        errors.add(path, _("Not a valid date and time."))
        return None


def _choice(value, allowed, path: str, errors: Errors, *, default=None, missing=None):
    if value in (None, "") and default is not None:
        return default
    if value in (None, ""):
        # Nothing chosen is not a "wrong" choice: say what to choose.
        errors.add(path, missing or _("Please choose one from the list."))
        return None
    if not isinstance(value, str) or value not in allowed:
        errors.add(path, _("Not a valid choice."))
        return None
    return value


def parse_birth(raw: dict, prefix: str, errors: Errors, today: date):
    """A full date of birth, or an estimated year — never both, never neither."""
    born = parse_date(raw.get("date_of_birth"), f"{prefix}.date_of_birth", errors)
    year = raw.get("birth_year")
    if year in (None, ""):
        year = None
    elif isinstance(year, str) and year.strip().isdigit():
        year = int(year)
    elif not isinstance(year, int) or isinstance(year, bool):
        errors.add(f"{prefix}.birth_year", _("A year is a number such as 1984."))
        return None, None
    oldest = today.year - MAX_AGE_YEARS
    if born is not None:
        if born > today:
            errors.add(f"{prefix}.date_of_birth", _("The date of birth is in the future."))
        elif born.year < oldest:
            errors.add(f"{prefix}.date_of_birth",
                       _("More than %(years)d years ago.", years=MAX_AGE_YEARS))
        return born, born.year
    if year is None:
        errors.add(f"{prefix}.date_of_birth",
                   _("Enter the date of birth, or an estimated year of birth."))
        return None, None
    if year > today.year:
        errors.add(f"{prefix}.birth_year", _("The year of birth is in the future."))
    elif year < oldest:
        errors.add(f"{prefix}.birth_year", _("More than %(years)d years ago.", years=MAX_AGE_YEARS))
    return None, year


def parse_document(raw, prefix: str, errors: Errors) -> DocumentInput | None:
    if raw in (None, {}):
        return None
    if not isinstance(raw, dict):
        errors.add(prefix, _("A document is an object with type and number."))
        return None
    doc_type = _choice(raw.get("type"), set(DocumentType), f"{prefix}.type", errors,
                       default=DocumentType.NONE.value)
    number = clean_text(raw.get("number"), f"{prefix}.number", errors,
                        limit=LENGTHS["document_number"])
    number = number.replace(" ", "").upper() if number else None
    if number and not number.replace("-", "").replace("/", "").isalnum():
        errors.add(f"{prefix}.number", _("Letters and digits only."))
    country = _code_text(raw.get("issuing_country"), f"{prefix}.issuing_country", errors)
    if country and not is_country(country):
        errors.add(f"{prefix}.issuing_country", _("Unknown country code (ISO 3166 alpha-3)."))
    expiry = parse_date(raw.get("expiry"), f"{prefix}.expiry", errors)
    if doc_type == DocumentType.NONE.value and number:
        errors.add(f"{prefix}.type", _("Choose the type of the document with this number."))
    # A child's birth certificate often shows no number the clerk can use: not forced.
    if doc_type not in (None, DocumentType.NONE.value, DocumentType.BIRTH_CERTIFICATE.value) \
            and not number:
        errors.add(f"{prefix}.number", _("The document number is missing."))
    if doc_type == DocumentType.NONE.value and not number:
        return DocumentInput(type=DocumentType.NONE.value)
    return DocumentInput(type=doc_type, number=number, issuing_country=country, expiry=expiry)


def _code_text(value, path: str, errors: Errors) -> str | None:
    """A country code as sent: text, upper-cased; a list or a number is an error at
    its field."""
    if value is None:
        return None
    if not isinstance(value, str):
        errors.add(path, _("Text expected."))
        return None
    return value.strip().upper() or None


def _codes(value, allowed: set[str], path: str, errors: Errors) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.add(path, _("A list of codes expected."))
        return []
    unknown = sorted(set(value) - allowed)
    if unknown:
        errors.add(path, _("Unknown: %(codes)s", codes=", ".join(unknown)[:100]))
    return sorted(set(value) & allowed)


def parse_person(raw, index: int, errors: Errors, today: date, flag_codes: set[str],
                 default_relation: str | None = None):
    prefix = f"persons.{index}"
    if not isinstance(raw, dict):
        errors.add(prefix, _("A person is an object."))
        return None
    text = {
        name: clean_text(raw.get(name), f"{prefix}.{name}", errors, limit=LENGTHS[name],
                         required=name in ("family_name", "given_names"))
        for name in ("family_name", "given_names", "family_name_cyrillic",
                     "given_names_cyrillic", "patronymic", "notes")
    }
    for name in ("family_name", "given_names", "family_name_cyrillic", "given_names_cyrillic"):
        refused = unprintable(text[name])
        if refused:
            errors.add(f"{prefix}.{name}", _(
                "The card cannot print %(chars)s: type the name as in the document.",
                chars=" ".join(f"„{char}“" for char in refused)))
    if text["patronymic"] and not is_cyrillic_name(text["patronymic"]):
        errors.add(f"{prefix}.patronymic",
                   _("The patronymic in Cyrillic letters, as in the Ukrainian document "
                     "(e.g. Петрівна)."))
        text["patronymic"] = None
    relation = _choice(raw.get("relation"), set(Relation), f"{prefix}.relation", errors,
                       default=default_relation)
    sex = _choice(raw.get("sex"), set(Sex), f"{prefix}.sex", errors,
                  missing=_("Choose the sex as in the document (or “unknown”)."))
    nationality = _code_text(raw.get("nationality"), f"{prefix}.nationality", errors) or ""
    if not is_country(nationality) and f"{prefix}.nationality" not in errors.messages:
        errors.add(f"{prefix}.nationality", _("Unknown country code (ISO 3166 alpha-3)."))
    born, year = parse_birth(raw, prefix, errors, today)
    person = PersonInput(
        relation=relation, sex=sex, nationality=nationality, date_of_birth=born,
        birth_year=year, document=parse_document(raw.get("document"), f"{prefix}.document",
                                                 errors),
        languages=_codes(raw.get("languages"), set(LANGUAGE_CODES), f"{prefix}.languages",
                         errors),
        flags=_codes(raw.get("flags"), flag_codes, f"{prefix}.flags", errors),
        **text,
    )
    return person


def parse_phone(value, errors: Errors) -> str | None:
    text = clean_text(value, "phone", errors, limit=40)
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, "DE")
    except phonenumbers.NumberParseException:
        errors.add("phone", _("Not a phone number."))
        return None
    if not phonenumbers.is_valid_number(number):
        errors.add("phone", _("Not a valid phone number (German numbers, or with +380 …)."))
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_household(payload, *, now: datetime | None = None) -> HouseholdInput:
    """Check everything; raise ValidationFailed with every problem, or return clean input."""
    errors = Errors()
    if not isinstance(payload, dict):
        raise ValidationFailed(body=_("A JSON object expected."))
    now = now or now_utc()
    today = now.date()
    arrived_at = parse_datetime(payload.get("arrived_at") or now, "arrived_at", errors)
    if arrived_at and arrived_at > now + timedelta(minutes=5):
        errors.add("arrived_at", _("The arrival is in the future."))
    if arrived_at and arrived_at < now - timedelta(days=365):
        errors.add("arrived_at", _("The arrival is more than a year ago."))
    arrival_points = {e.code for e in entries("arrival_point")}
    arrival_point = payload.get("arrival_point") or None
    if arrival_point is not None and (not isinstance(arrival_point, str)
                                      or arrival_point not in arrival_points):
        errors.add("arrival_point", _("Not a valid choice."))
    contact_language = payload.get("contact_language") or None
    if contact_language is not None and (not isinstance(contact_language, str)
                                         or contact_language not in LANGUAGE_CODES):
        errors.add("contact_language", _("Not a valid choice."))
    phone = parse_phone(payload.get("phone"), errors)
    raw_persons = payload.get("persons")
    if not isinstance(raw_persons, list) or not raw_persons:
        errors.add("persons", _("A household needs at least one person."))
        raw_persons = []
    elif len(raw_persons) > MAX_PERSONS:
        errors.add("persons", _("At most %(count)d persons.", count=MAX_PERSONS))
        raw_persons = []
    flag_codes = {e.code for e in entries("vulnerability_flag")}
    persons = [parse_person(raw, i, errors, today, flag_codes,
                            default_relation=Relation.HEAD.value if i == 0 else None)
               for i, raw in enumerate(raw_persons)]
    heads = [p for p in persons if p and p.relation == Relation.HEAD.value]
    if persons and len(heads) != 1:
        errors.add("persons.0.relation", _("Exactly one person is the head of the household."))
    errors.raise_if_any()
    return HouseholdInput(arrived_at=arrived_at, persons=persons, arrival_point=arrival_point,
                          phone=phone, contact_language=contact_language)


def plausibility_warnings(household: HouseholdInput) -> dict[str, list[str]]:
    """Things that are possible but usually a typo; the clerk confirms them."""
    warnings: dict[str, list[str]] = {}
    for path in safeguarding_proposals(household):
        warnings.setdefault(path, []).append(
            _("Under 18 and no adult in the household: mark as unaccompanied minor? Tick the "
              "flag to confirm, or confirm the entries to register without it."))
    head = next((p for p in household.persons if p.relation == Relation.HEAD.value), None)
    if head is None:
        return warnings
    for index, person in enumerate(household.persons):
        if person.relation == Relation.CHILD.value and _generation_gap(head, person) < 12:
            warnings.setdefault(f"persons.{index}.date_of_birth", []).append(
                _("This child is not at least 12 years younger than the head of the household."))
        if person.relation in (Relation.PARENT.value, Relation.GRANDPARENT.value) and \
                _generation_gap(person, head) < 12:
            warnings.setdefault(f"persons.{index}.date_of_birth", []).append(
                _("This parent is not at least 12 years older than the head of the household."))
    return warnings


ADULT_AGE = 18
UNACCOMPANIED_FLAG = "unaccompanied_minor"


def age_on(person: PersonInput, day: date) -> int:
    if person.date_of_birth is None:
        return day.year - person.birth_year
    born = person.date_of_birth
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def safeguarding_proposals(household: HouseholdInput) -> dict[str, list[str]]:
    """Flags to propose: the unaccompanied-minor flag for a person under 18 in a
    household without an adult (on the arrival date). A proposal, not a decision: the
    clerk ticks the flag (confirms) or confirms the entries without it (declines)."""
    day = household.arrived_at.date()
    if any(age_on(p, day) >= ADULT_AGE for p in household.persons):
        return {}
    return {f"persons.{index}.flags": [UNACCOMPANIED_FLAG]
            for index, person in enumerate(household.persons)
            if age_on(person, day) < ADULT_AGE and UNACCOMPANIED_FLAG not in person.flags}


def _generation_gap(elder: PersonInput, younger: PersonInput) -> int:
    return younger.birth_year - elder.birth_year


def parse_person_payload(raw, *, now: datetime | None = None) -> PersonInput:
    """One person on its own (a member added later, an edit); paths as persons.0.*."""
    errors = Errors()
    flag_codes = {e.code for e in entries("vulnerability_flag")}
    person = parse_person(raw, 0, errors, (now or now_utc()).date(), flag_codes)
    errors.raise_if_any()
    return person
