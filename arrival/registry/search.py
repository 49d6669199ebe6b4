"""Find a person by any spelling or script of the name, a date of birth, a
document number or a household reference — through indexes only."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from arrival.extensions import db
from arrival.registry.models import Document, Household, MatchKey, Person
from arrival.registry.names import match_keys, name_similarity

RESULT_LIMIT = 50
DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y")
YEAR = re.compile(r"^(19|20)\d\d$")
DOCUMENT_NUMBER = re.compile(r"^(?=.*\d)[A-Z0-9]{5,20}$")


@dataclass
class SearchResults:
    persons: list[Person] = field(default_factory=list)
    household: Household | None = None
    truncated: bool = False


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
