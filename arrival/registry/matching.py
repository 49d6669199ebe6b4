"""Duplicate detection: candidates from indexed match keys, then a score.

Candidates come from three index lookups, never a scan over all persons:
family-name keys within ±2 birth years; given-name keys with the same birth year
and an equal or day/month-swapped date (catches a mistyped family name); an
equal document number. Each candidate is scored from name similarity across
scripts, the birth date (swapped day and month, year-only estimates) and sex.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from arrival.extensions import db
from arrival.registry.models import Document, Household, MatchKey, Person
from rapidfuzz.distance import OSA

from arrival.registry.names import (
    fold_name,
    given_name_keys,
    given_name_tokens,
    match_keys,
    name_similarity,
)

CANDIDATE_LIMIT = 300
WEIGHTS = {"family": 0.35, "given": 0.30, "birth": 0.35}
SEX_MISMATCH_PENALTY = 0.25
SAME_DOCUMENT_SCORE = 0.97
# Twins and siblings share family name and often birth date: a given name that is
# neither a known variant (shared match key) nor a typo (an edit or two) caps the
# score below the decision threshold.
DIFFERENT_GIVEN_NAME_CAP = 0.75


@dataclass
class Probe:
    """What is known of the arriving person — any subset of the fields."""

    family_names: list[str] = field(default_factory=list)  # Latin and Cyrillic spellings
    given_names: list[str] = field(default_factory=list)
    date_of_birth: date | None = None
    birth_year: int | None = None
    sex: str | None = None
    document_number: str | None = None

    @classmethod
    def from_fields(cls, data: dict) -> Probe:
        def names(*keys):
            return [data[k].strip() for k in keys if isinstance(data.get(k), str) and
                    data[k].strip()]

        born = data.get("date_of_birth")
        if isinstance(born, str):
            try:
                born = date.fromisoformat(born)
            except ValueError:
                born = None
        year = data.get("birth_year")
        if isinstance(year, str):
            year = int(year) if year.strip().isdigit() else None
        if not isinstance(year, int) or isinstance(year, bool) or not 1800 <= year <= 2200:
            year = None
        document = data.get("document") if isinstance(data.get("document"), dict) else {}
        number = data.get("document_number") or document.get("number")
        return cls(
            family_names=names("family_name", "family_name_cyrillic"),
            given_names=names("given_names", "given_names_cyrillic"),
            date_of_birth=born if isinstance(born, date) else None,
            birth_year=born.year if isinstance(born, date) else year,
            sex=data.get("sex") if data.get("sex") in ("female", "male") else None,
            document_number=str(number).replace(" ", "").upper() if number else None,
        )


@dataclass
class Candidate:
    person: Person
    score: float
    reasons: list[str]

    @property
    def likely(self) -> bool:
        return self.score >= current_app.config["DUPLICATE_THRESHOLD"]


def swapped(day: date | None) -> date | None:
    if day is None or day.day > 12 or day.day == day.month:
        return None
    return date(day.year, day.day, day.month)


def _family_keys(probe: Probe) -> set[str]:
    return set().union(*(match_keys(n) for n in probe.family_names)) if probe.family_names \
        else set()


def _given_keys(probe: Probe) -> set[str]:
    return set().union(*(given_name_keys(n) for n in probe.given_names)) if probe.given_names \
        else set()


def _keyed(part: str, keys: set[str], probe: Probe, *, years: int | None):
    query = sa.select(MatchKey.person_id).where(MatchKey.part == part, MatchKey.key.in_(keys))
    if years is not None and probe.birth_year is not None:
        query = query.where(MatchKey.birth_year.between(probe.birth_year - years,
                                                        probe.birth_year + years))
    return query


def candidate_ids(probe: Probe, exclude: set[int] = frozenset()) -> set[int]:
    """Persons worth scoring, from index lookups only: a family-name key together with a
    given-name key (birth year ±2) or with an equal or swapped date of birth; a
    given-name key with such a date (a mistyped family name); an equal document."""
    ids: set[int] = set()
    family_keys, given_keys = _family_keys(probe), _given_keys(probe)
    dates = [d for d in (probe.date_of_birth, swapped(probe.date_of_birth)) if d]
    queries = []
    if family_keys and given_keys:
        queries.append(sa.intersect(_keyed("family", family_keys, probe, years=2),
                                    _keyed("given", given_keys, probe, years=2)))
    elif family_keys or given_keys:  # a hint while the clerk has typed one name so far
        part, keys = ("family", family_keys) if family_keys else ("given", given_keys)
        queries.append(_keyed(part, keys, probe, years=2))
    for part, keys in (("family", family_keys), ("given", given_keys)):
        if keys and dates:
            queries.append(_keyed(part, keys, probe, years=0).join(
                Person, Person.id == MatchKey.person_id).where(Person.date_of_birth.in_(dates)))
    for query in queries:
        ids.update(db.session.scalars(sa.select(query.subquery()).limit(CANDIDATE_LIMIT)))
    if probe.document_number:
        ids.update(db.session.scalars(
            sa.select(Document.person_id).where(Document.number == probe.document_number)))
    return ids - set(exclude)


def find_candidates(probe: Probe, *, exclude: set[int] = frozenset(), limit: int = 10
                    ) -> list[Candidate]:
    ids = candidate_ids(probe, exclude)
    if not ids:
        return []
    persons = db.session.scalars(
        sa.select(Person).where(Person.id.in_(ids))
        .options(selectinload(Person.household).selectinload(Household.persons))
    ).all()
    scored = [Candidate(person, *score(probe, person)) for person in persons]
    scored = [c for c in scored if c.score >= current_app.config["DUPLICATE_HINT_THRESHOLD"]]
    scored.sort(key=lambda c: (-c.score, c.person.id))
    return scored[:limit]


def _best_similarity(probe_names: list[str], names: list[str | None]) -> float:
    names = [n for n in names if n]
    if not probe_names or not names:
        return 0.0
    return max(name_similarity(a, b) for a in probe_names for b in names)


def _given_similarity(probe: Probe, person: Person) -> float:
    # Patronymics are written on some documents and not on others.
    probe_names = [" ".join(given_name_tokens(n)) or n for n in probe.given_names]
    names = [" ".join(given_name_tokens(n)) or n
             for n in (person.given_names, person.given_names_cyrillic) if n]
    return _best_similarity(probe_names, names)


def _first_given(names: list[str]) -> list[str]:
    firsts = []
    for name in names:
        tokens = given_name_tokens(name) or name.split()
        if tokens:
            firsts.append(tokens[0])
    return firsts


def given_names_compatible(probe: Probe, person: Person) -> bool:
    """The same given name written differently: a shared match key (transliteration,
    Russian form) or a typo (one edit in a short name, two in a long one)."""
    theirs = [n for n in (person.given_names, person.given_names_cyrillic) if n]
    mine_keys = set().union(*(given_name_keys(n) for n in probe.given_names))
    if mine_keys & set().union(*(given_name_keys(n) for n in theirs)):
        return True
    for a in _first_given(probe.given_names):
        for b in _first_given(theirs):
            folded_a, folded_b = fold_name(a), fold_name(b)
            allowed = 1 if min(len(folded_a), len(folded_b)) < 6 else 2
            if folded_a and folded_b and OSA.distance(folded_a, folded_b) <= allowed:
                return True
    return False


def birth_similarity(probe: Probe, person: Person) -> tuple[float, str | None]:
    if probe.birth_year is None:
        return 0.0, None
    if probe.date_of_birth is not None and person.date_of_birth is not None:
        mine, theirs = probe.date_of_birth, person.date_of_birth
        if mine == theirs:
            return 1.0, "date_of_birth_equal"
        if swapped(mine) == theirs:
            return 0.9, "date_of_birth_swapped"
        if mine.year == theirs.year and (mine.month == theirs.month or mine.day == theirs.day):
            return 0.6, "date_of_birth_similar"
        if mine.year == theirs.year:
            return 0.3, None
        return (0.15, None) if abs(mine.year - theirs.year) == 1 else (0.0, None)
    # At least one side knows only an (estimated) year.
    distance = abs(probe.birth_year - person.birth_year)
    return {0: (0.75, "birth_year_equal"), 1: (0.6, "birth_year_close"),
            2: (0.4, "birth_year_close")}.get(distance, (0.0, None))


def score(probe: Probe, person: Person) -> tuple[float, list[str]]:
    reasons: list[str] = []
    parts: dict[str, float] = {}
    if probe.family_names:
        parts["family"] = _best_similarity(
            probe.family_names, [person.family_name, person.family_name_cyrillic])
        if parts["family"] >= 0.85:
            reasons.append("family_name")
    given_compatible = True
    if probe.given_names:
        parts["given"] = _given_similarity(probe, person)
        given_compatible = given_names_compatible(probe, person)
        if given_compatible:
            parts["given"] = max(parts["given"], 0.9)
            reasons.append("given_names")
    if probe.birth_year is not None:
        parts["birth"], birth_reason = birth_similarity(probe, person)
        if birth_reason:
            reasons.append(birth_reason)
    weight = sum(WEIGHTS[k] for k in parts)
    total = sum(WEIGHTS[k] * v for k, v in parts.items()) / weight if weight else 0.0
    if not given_compatible:
        total = min(total, DIFFERENT_GIVEN_NAME_CAP)
    if probe.sex and person.sex in ("female", "male") and probe.sex != person.sex:
        total -= SEX_MISMATCH_PENALTY
        reasons.append("sex_differs")
    if probe.document_number and any(d.number == probe.document_number
                                     for d in person.documents):
        total = max(total, SAME_DOCUMENT_SCORE)
        reasons.insert(0, "same_document")
    return round(max(0.0, min(total, 1.0)), 3), reasons


def name_keys(family_name: str, given_names: str, family_name_cyrillic: str | None = None,
              given_names_cyrillic: str | None = None) -> list[tuple[str, str]]:
    """(part, key) pairs of a person's names, Latin and Cyrillic together."""
    family = set(match_keys(family_name))
    given = set(given_name_keys(given_names))
    if family_name_cyrillic:
        family |= match_keys(family_name_cyrillic)
    if given_names_cyrillic:
        given |= given_name_keys(given_names_cyrillic)
    return [(part, key[:80]) for part, keys in (("family", family), ("given", given))
            for key in sorted(keys)]


def keys_for_person(person: Person) -> list[MatchKey]:
    """The match-key rows of a person (replaced whenever the names change)."""
    return [MatchKey(person_id=person.id, part=part, key=key, birth_year=person.birth_year)
            for part, key in name_keys(person.family_name, person.given_names,
                                       person.family_name_cyrillic,
                                       person.given_names_cyrillic)]
