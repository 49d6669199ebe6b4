"""Find a person by any spelling or script of the name, a date of birth, a
document number, a phone number, a card number or a household reference — through
indexes only. A reference with a wrong check character is said to be wrong, with the
existing references it was probably meant to be (one character mistyped, or two
neighbours exchanged: the slips the check character catches)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from collections.abc import Callable

import phonenumbers
import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import selectinload

from arrival.extensions import db
from arrival.registry.checkchar import ALPHABET, normalise_ref, verify
from arrival.registry.models import Document, Household, MatchKey, Person
from arrival.registry.names import match_keys, name_similarity

RESULT_LIMIT = 50
DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y")
YEAR = re.compile(r"^(19|20)\d\d$")
DOCUMENT_NUMBER = re.compile(r"^(?=.*\d)[A-Z0-9]{5,20}$")
PHONE = re.compile(r"^\+?[\d\s\-/().]{6,30}$")
REFERENCE_LENGTH = 10  # prefix, eight characters, check character
_REFERENCES_KEY = "arrival.search_references"


@dataclass(frozen=True)
class ReferenceKind:
    """A kind of printed reference the search understands (household references here;
    card numbers added by the cards domain, which the registry does not import)."""

    kind: str  # "household", "card"
    existing: Callable[[list[str]], set[str]]  # which of these (formatted) references exist
    person_ids: Callable[[str], list[int]]  # the persons a valid reference stands for


def add_reference_kind(app: Flask, prefix: str, kind: ReferenceKind) -> None:
    app.extensions.setdefault(_REFERENCES_KEY, {})[prefix] = kind


def _reference_kinds() -> dict[str, ReferenceKind]:
    return current_app.extensions.get(_REFERENCES_KEY, {})


def _existing_households(refs: list[str]) -> set[str]:
    return set(db.session.scalars(sa.select(Household.ref).where(Household.ref.in_(refs))))


def _household_members(ref: str) -> list[int]:
    return list(db.session.scalars(sa.select(Person.id).join(Household).where(
        Household.ref == ref)))


HOUSEHOLD_REFERENCES = ReferenceKind("household", _existing_households, _household_members)


@dataclass
class SearchResults:
    persons: list[Person] = field(default_factory=list)
    household: Household | None = None
    truncated: bool = False
    # A household or card reference whose check character is wrong: what it was
    # probably meant to be (existing references only), as (kind, reference).
    wrong_check_character: bool = False
    suggestions: list[tuple[str, str]] = field(default_factory=list)


def _parse_day(token: str) -> date | None:
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(token, pattern).date()
        except ValueError:
            continue
    return None


def search(query: str, *, by_document: bool = True) -> SearchResults:
    """by_document: whether a document number finds its holder — only for readers
    who see documents (otherwise the number is ignored, it must not reveal who
    holds a passport)."""
    from arrival.registry.operations import household_by_ref

    query = query.strip()
    household = household_by_ref(query)
    if household is not None:
        return SearchResults(persons=list(household.persons), household=household)
    reference = _reference_search(query)
    if reference is not None:
        return reference
    phones = phone_forms(query)
    if phones:
        return _phone_search(query, phones)
    tokens = query.split()
    days = [d for d in map(_parse_day, tokens) if d]
    years = [int(t) for t in tokens if YEAR.match(t)]
    numbers = [t.upper() for t in tokens if DOCUMENT_NUMBER.match(t.upper()) and
               not _parse_day(t) and not YEAR.match(t)]
    words = [t for t in tokens if t not in numbers and not _parse_day(t) and not YEAR.match(t)]

    # Each word narrows the persons by its match keys; the key lookups intersect on
    # the index alone (part first: the index is on part, key, birth_year), and the
    # person table is read only for the dates and numbers typed.
    lookups = [sa.select(MatchKey.person_id).where(MatchKey.part.in_(("family", "given")),
                                                   MatchKey.key.in_(keys))
               for keys in (match_keys(word) for word in words) if keys]
    if numbers and by_document:
        lookups.append(sa.select(Document.person_id).where(Document.number.in_(numbers)))
    conditions = []
    if days:
        conditions.append(Person.date_of_birth.in_(days))
    if years:
        conditions.append(Person.birth_year.in_(years))
    if not lookups and not conditions:
        return SearchResults()
    if lookups:
        found = (sa.intersect(*lookups) if len(lookups) > 1 else lookups[0]).subquery()
        statement = sa.select(found.c[0])
        if conditions:
            statement = sa.select(Person.id).where(Person.id.in_(sa.select(found.c[0])),
                                                   *conditions)
    else:
        statement = sa.select(Person.id).where(*conditions)
    ids = list(db.session.scalars(statement.limit(RESULT_LIMIT + 1)))
    persons = db.session.scalars(
        sa.select(Person).where(Person.id.in_(ids[:RESULT_LIMIT]))
        .options(selectinload(Person.household))
    ).all()
    if words:
        text = " ".join(words)
        persons = sorted(persons, key=lambda p: -max(
            name_similarity(text, f"{p.given_names} {p.family_name}"),
            name_similarity(text, f"{p.family_name} {p.given_names}")))
    return SearchResults(persons=list(persons), truncated=len(ids) > RESULT_LIMIT)


# --- references, cards and phones --------------------------------------------------------


def _as_reference(text: str) -> str | None:
    """The normalised characters of a household or card reference, or None."""
    if not re.fullmatch(r"[\sA-Za-z0-9\-\u2010-\u2013]+", text) or \
            not re.search(r"[A-Za-z]", text) or not re.search(r"\d", text):
        return None
    try:
        normalised = normalise_ref(text)
    except ValueError:
        return None
    if len(normalised) != REFERENCE_LENGTH or normalised[0] not in _reference_kinds():
        return None
    return normalised


def _formatted(normalised: str) -> str:
    return f"{normalised[0]}-{normalised[1:5]}-{normalised[5:9]}-{normalised[9]}"


def likely_intended(normalised: str) -> list[str]:
    """References with a valid check character one slip away: one character other,
    or two neighbours exchanged (the prefix stays)."""
    found = []
    for index in range(1, len(normalised)):
        for char in ALPHABET:
            if char != normalised[index]:
                variant = normalised[:index] + char + normalised[index + 1:]
                if verify(variant):
                    found.append(variant)
    for index in range(1, len(normalised) - 1):
        a, b = normalised[index], normalised[index + 1]
        if a != b:
            variant = normalised[:index] + b + a + normalised[index + 2:]
            if verify(variant):
                found.append(variant)
    return list(dict.fromkeys(found))


def _persons(ids: list[int]) -> list[Person]:
    if not ids:
        return []
    return list(db.session.scalars(
        sa.select(Person).where(Person.id.in_(ids)).order_by(Person.household_id,
                                                             Person.position)
        .options(selectinload(Person.household))))


def _reference_search(query: str) -> SearchResults | None:
    """A card number finds its holder; a reference with a wrong check character
    finds nothing but the existing references it was probably meant to be."""
    normalised = _as_reference(query)
    if normalised is None:
        return None
    kind = _reference_kinds()[normalised[0]]
    if verify(normalised):
        return SearchResults(persons=_persons(kind.person_ids(_formatted(normalised))))
    typed = re.sub(r"[\s\-\u2010-\u2013]", "", query).upper()
    if db.session.scalar(sa.select(Document.id).where(Document.number == typed).limit(1)):
        return None  # a document number that only looks like a reference
    candidates = [_formatted(v) for v in likely_intended(normalised)]
    existing = kind.existing(candidates) if candidates else set()
    return SearchResults(wrong_check_character=True,
                         suggestions=[(kind.kind, ref) for ref in candidates if ref in existing])


def phone_forms(query: str) -> list[str]:
    """The E.164 forms a typed phone number may stand for (German numbers by
    default, Ukrainian ones as well: 067 …, 380 …)."""
    if not PHONE.match(query) or sum(c.isdigit() for c in query) < 7 or \
            _parse_day(query) or YEAR.match(query):
        return []
    digits = re.sub(r"\D", "", query)
    attempts = [(query, "DE"), (query, "UA")]
    if not query.startswith("+"):
        attempts.append(("+" + digits, None))
    forms = []
    for text, region in attempts:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            forms.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    return list(dict.fromkeys(forms))


def _phone_search(query: str, phones: list[str]) -> SearchResults:
    """Members of the households with this phone number, and — digits only could be
    an ID-card number — holders of such a document."""
    household_ids = sa.select(Household.id).where(Household.phone.in_(phones))
    conditions = [Person.household_id.in_(household_ids)]
    number = re.sub(r"[\s\-/().]", "", query).upper()
    if DOCUMENT_NUMBER.match(number):
        conditions.append(Person.id.in_(
            sa.select(Document.person_id).where(Document.number == number)))
    persons = list(db.session.scalars(
        sa.select(Person).where(sa.or_(*conditions)).order_by(Person.household_id,
                                                              Person.position)
        .limit(RESULT_LIMIT + 1).options(selectinload(Person.household))))
    return SearchResults(persons=persons[:RESULT_LIMIT], truncated=len(persons) > RESULT_LIMIT)
