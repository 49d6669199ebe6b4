"""Duplicate detection: candidates from indexed match keys, then a score.

Candidates come from index lookups, never a scan over all persons: family-name keys
with given-name keys within ±2 birth years; the same with family and given names
exchanged (typed into each other's fields — Ukrainian documents print the surname
first); family- or given-name keys with an equal or day/month-swapped date of birth
(a mistyped or changed family name); an equal document number.

Each candidate is scored from name similarity across scripts, the birth date
(swapped day and month, year-only estimates) and sex, as entered and with the name
fields exchanged (the better counts). Evidence beyond that:

* a family name that is clearly different (below 0.8 similarity, or the same common
  ending on a different stem: Kovalenko / Klymenko) counts as no agreement at all, so
  a namesake born the same day stays below the threshold;
* the patronymic (its own Cyrillic field, or typed into the given names): agreeing
  raises the score, clearly different lowers it; agreeing together with the given
  name, sex and full date of birth outweighs another family name (a maiden name, a
  child under the other parent's family name);
* the same document number is nearly decisive; two different numbers of the same
  kind of document weigh (a little) against a match — passports are renewed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from datetime import date

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, lazyload

from arrival.extensions import db
from arrival.registry.models import Document, Household, MatchKey, Person
from rapidfuzz.distance import OSA

from arrival.registry.names import (
    fold_name,
    given_name_keys,
    given_name_tokens,
    is_patronymic,
    match_keys,
    name_similarity,
    split_name_parts,
)

CANDIDATE_LIMIT = 300
WEIGHTS = {"family": 0.35, "given": 0.30, "birth": 0.35}
SEX_MISMATCH_PENALTY = 0.25
SAME_DOCUMENT_SCORE = 0.97
# Family-name similarity below FAMILY_SAME fades to no evidence at FAMILY_DIFFERENT.
FAMILY_SAME, FAMILY_DIFFERENT = 0.8, 0.7
# Patronymics (the field, or typed into the given names) as evidence.
PATRONYMIC_AGREES, PATRONYMIC_DIFFERS = 0.8, 0.6
PATRONYMIC_BONUS = 0.04
PATRONYMIC_DIFFERS_PENALTY = 0.2
OTHER_FAMILY_NAME_SCORE = 0.9
# Two different numbers of the same kind of document (a new passport is possible).
OTHER_DOCUMENT_PENALTY = 0.03
# Twins and siblings share family name and often birth date: a given name that is
# neither a known variant (shared match key) nor a typo (an edit or two) caps the
# score below the decision threshold.
DIFFERENT_GIVEN_NAME_CAP = 0.75


@dataclass
class Probe:
    """What is known of the arriving person — any subset of the fields."""

    family_names: list[str] = field(default_factory=list)  # Latin and Cyrillic spellings
    given_names: list[str] = field(default_factory=list)
    patronymic: str | None = None  # Cyrillic, from its own field
    date_of_birth: date | None = None
    birth_year: int | None = None
    sex: str | None = None
    document_number: str | None = None
    document_type: str | None = None

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
        doc_type = data.get("document_type") or document.get("type")
        patronymic = data.get("patronymic")
        return cls(
            family_names=names("family_name", "family_name_cyrillic"),
            given_names=names("given_names", "given_names_cyrillic"),
            date_of_birth=born if isinstance(born, date) else None,
            birth_year=born.year if isinstance(born, date) else year,
            sex=data.get("sex") if data.get("sex") in ("female", "male") else None,
            document_number=str(number).replace(" ", "").upper() if number else None,
            document_type=doc_type if isinstance(doc_type, str) and number else None,
            patronymic=patronymic.strip() or None if isinstance(patronymic, str) else None,
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


# The candidate lookup is one statement per shape of probe (which names, a year,
# a date, a document), built once with expanding parameters: built afresh for each
# person, its construction and the coercion of every key cost more than running it.


def _keyed(part: str | tuple[str, ...], keys: str, *, with_years: bool):
    parts = (part,) if isinstance(part, str) else part
    query = sa.select(MatchKey.person_id).where(
        MatchKey.part == parts[0] if len(parts) == 1 else MatchKey.part.in_(parts),
        MatchKey.key.in_(sa.bindparam(keys, expanding=True)))
    if with_years:
        query = query.where(MatchKey.birth_year.between(sa.bindparam("year_from"),
                                                        sa.bindparam("year_to")))
    return query


@functools.lru_cache(maxsize=64)
def _candidate_statement(names: str | None, with_year: bool, dated: tuple[str, ...],
                         with_document: bool):
    """names: "both", "family" or "given" (a hint while one name is typed so far);
    dated: the key kinds looked up with an equal or swapped date of birth."""
    queries = []
    if names == "both":
        queries.append(sa.intersect(_keyed("family", "family", with_years=with_year),
                                    _keyed("given", "given", with_years=with_year)))
        # family and given names typed into each other's fields
        queries.append(sa.intersect(
            _keyed("family", "swapped_family", with_years=with_year),
            _keyed("given", "swapped_given", with_years=with_year)))
    elif names is not None:
        queries.append(_keyed(names, names, with_years=with_year))
    for keys in dated:
        queries.append(_keyed(("family", "given"), keys, with_years=False).where(
            MatchKey.birth_year == sa.bindparam("birth_year")).join(
            Person, Person.id == MatchKey.person_id).where(
                Person.date_of_birth.in_(sa.bindparam("dates", expanding=True))))
    lookups = [sa.select(sa.literal_column("person_id")).select_from(
        sa.select(query.subquery()).limit(CANDIDATE_LIMIT).subquery()) for query in queries]
    if with_document:
        lookups.append(sa.select(Document.person_id).where(
            Document.number == sa.bindparam("document")))
    return sa.union(*lookups) if len(lookups) > 1 else lookups[0]


def candidate_ids(probe: Probe, exclude: set[int] = frozenset()) -> set[int]:
    """Persons worth scoring, from index lookups only, in one statement: a family-name
    key together with a given-name key (birth year ±2), also with the two exchanged
    (names typed into each other's fields); a key of either name in either field with
    an equal or day/month-swapped date of birth (a mistyped or changed family name, or
    exchanged fields); an equal document. Each lookup is limited on its own."""
    family_keys, given_keys = _family_keys(probe), _given_keys(probe)
    dates = [d for d in (probe.date_of_birth, swapped(probe.date_of_birth)) if d]
    values = {"family": family_keys, "given": given_keys, "dates": dates,
              "birth_year": probe.birth_year, "document": probe.document_number}
    if family_keys and given_keys:
        names = "both"
        swapped_names = swapped_probe(probe)
        values["swapped_family"] = _family_keys(swapped_names)
        values["swapped_given"] = _given_keys(swapped_names)
    else:
        names = "family" if family_keys else "given" if given_keys else None
    with_year = names is not None and probe.birth_year is not None
    if with_year:
        values["year_from"], values["year_to"] = probe.birth_year - 2, probe.birth_year + 2
    dated = tuple(kind for kind in ("family", "given") if values[kind] and dates)
    if names is None and not dated and not probe.document_number:
        return set()
    statement = _candidate_statement(names, with_year, dated, bool(probe.document_number))
    parameters = {name: sorted(value) if isinstance(value, set) else value
                  for name, value in values.items() if value is not None}
    return set(db.session.scalars(statement, parameters)) - set(exclude)


@dataclass(frozen=True, slots=True)
class DocumentFacts:
    type: str
    number: str | None


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """What a candidate is scored on: plain columns, not an ORM object (a common name
    brings dozens of candidates; loading each as a Person with its documents, flags
    and household was most of a registration's time). `score` takes a Person too."""

    id: int
    family_name: str
    given_names: str
    family_name_cyrillic: str | None
    given_names_cyrillic: str | None
    patronymic: str | None
    date_of_birth: date | None
    birth_year: int
    sex: str
    documents: tuple[DocumentFacts, ...] = ()


Comparable = Person | PersonFacts  # what the scoring functions read


def person_facts(ids: set[int], *, with_documents: bool) -> list[PersonFacts]:
    """The facts of the persons (those the request may see: restricted ones are left
    out like in every query that reads persons); their numbered documents only when
    the probe has a number to compare."""
    documents: dict[int, list[DocumentFacts]] = {}
    if with_documents:
        for person_id, kind, number in db.session.execute(
                sa.select(Document.person_id, Document.type, Document.number)
                .where(Document.person_id.in_(ids), Document.number.is_not(None))
                .order_by(Document.id)):
            documents.setdefault(person_id, []).append(DocumentFacts(kind, number))
    rows = db.session.execute(sa.select(
        Person.id, Person.family_name, Person.given_names, Person.family_name_cyrillic,
        Person.given_names_cyrillic, Person.patronymic, Person.date_of_birth,
        Person.birth_year, Person.sex).where(Person.id.in_(ids)))
    return [PersonFacts(*row, documents=tuple(documents.get(row.id, ()))) for row in rows]


def find_candidates(probe: Probe, *, exclude: set[int] = frozenset(), limit: int = 10,
                    likely_only: bool = False) -> list[Candidate]:
    """The best candidates from the hint threshold up (from the likely threshold
    with likely_only: what blocks a registration)."""
    ids = candidate_ids(probe, exclude)
    if not ids:
        return []
    threshold = current_app.config[
        "DUPLICATE_THRESHOLD" if likely_only else "DUPLICATE_HINT_THRESHOLD"]
    scored = []
    for facts in person_facts(ids, with_documents=bool(probe.document_number)):
        total, reasons = score(probe, facts)
        if total >= threshold:
            scored.append((-total, facts.id, reasons))
    shown = sorted(scored)[:limit]
    if not shown:
        return []
    # Only the few shown become Person objects, with the household's reference but
    # not its members (the hint names the household, it does not list it).
    persons = {person.id: person for person in db.session.scalars(
        sa.select(Person).where(Person.id.in_([person_id for _s, person_id, _r in shown]))
        .options(lazyload(Person.flag_rows),
                 joinedload(Person.household).lazyload(Household.persons)))}
    return [Candidate(persons[person_id], -negative, reasons)
            for negative, person_id, reasons in shown if person_id in persons]


def _best_similarity(probe_names: list[str], names: list[str | None]) -> float:
    names = [n for n in names if n]
    if not probe_names or not names:
        return 0.0
    return max(name_similarity(a, b) for a in probe_names for b in names)


def _given_similarity(probe: Probe, person: Comparable) -> float:
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


def given_names_compatible(probe: Probe, person: Comparable) -> bool:
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


def birth_similarity(probe: Probe, person: Comparable) -> tuple[float, str | None]:
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
    return {0: (0.8, "birth_year_equal"), 1: (0.7, "birth_year_close"),
            2: (0.5, "birth_year_close")}.get(distance, (0.0, None))


# Common endings of Ukrainian and Russian family names, as folded (names.fold_name).
_FAMILY_ENDINGS = ("ENKO", "IUK", "XUK", "ZKAIA", "ZKA", "ZKI", "OVA", "EVA", "INA", "UK",
                   "IK", "AK", "OV", "EV", "IN", "KO")


def _stem(folded: str) -> tuple[str, str]:
    for ending in _FAMILY_ENDINGS:
        if folded.endswith(ending) and len(folded) > len(ending):
            return folded[: -len(ending)], ending
    return folded, ""


def _typed_similarity(a: str, b: str) -> float:
    """The Latin text as typed: one slip (Ddienko / Didenko) is one edit here, while
    folding may turn it into more."""
    if not (a.isascii() and b.isascii()):
        return 0.0
    a, b = a.casefold(), b.casefold()
    if min(len(a), len(b)) < 6:
        return 0.0
    return OSA.normalized_similarity(a, b) if OSA.distance(a, b) <= 1 else 0.0


def _feminine_russian(folded: str) -> str:
    # Russian -ская for Ukrainian -ська (Залесская / Заліська), -ая for -а.
    return folded[:-2] if folded.endswith(("ZKAIA", "ZKAA")) else folded


def _double_name_similarity(a: str, b: str) -> float:
    """Each part of a double family name on its own (Nazarenko-Makovetska / Makovetskaia),
    with the Russian feminine ending read as the Ukrainian one."""
    parts_a = [_feminine_russian(f) for f in fold_name(a).split()]
    parts_b = [_feminine_russian(f) for f in fold_name(b).split()]
    if not parts_a or not parts_b:
        return 0.0
    best = max(OSA.normalized_similarity(x, y) for x in parts_a for y in parts_b)
    # Only a part that is (nearly) the same counts; otherwise leave it to name_similarity.
    return best if best >= 0.85 else 0.0


def family_similarity(probe_names: list[str], names: list[str | None]) -> float:
    """Name similarity, except that two names with the same common ending and clearly
    different stems (Tkachuk / Kravchuk, Kovalenko / Klymenko) count as different: the
    shared ending makes them look closer than they are."""
    names = [n for n in names if n]
    best = 0.0
    for a in probe_names:
        for b in names:
            similarity = max(name_similarity(a, b), _typed_similarity(a, b),
                             _double_name_similarity(a, b))
            folded_a, folded_b = fold_name(a), fold_name(b)
            if similarity < 1.0 and " " not in folded_a and " " not in folded_b:
                (stem_a, end_a), (stem_b, end_b) = _stem(folded_a), _stem(folded_b)
                if end_a and end_a == end_b and \
                        OSA.normalized_similarity(stem_a, stem_b) < 0.5:
                    similarity = min(similarity, FAMILY_DIFFERENT)
            best = max(best, similarity)
    return best


def _family_evidence(similarity: float) -> float:
    """Family-name similarity as evidence: a typo or another table (≥ 0.8) counts as
    it is; below that it fades fast, so that two different family names with the same
    ending (Kovalenko / Klymenko, 0.6–0.7) are not half a match."""
    if similarity >= FAMILY_SAME:
        return similarity
    return max(0.0, (similarity - FAMILY_DIFFERENT) / (FAMILY_SAME - FAMILY_DIFFERENT)) * \
        FAMILY_SAME


def _patronymics(names: list[str | None], field_value: str | None) -> list[str]:
    """The patronymic field, and patronymics typed into the given names (Olena Petrivna)."""
    found = [field_value] if field_value else []
    for name in names:
        if name:
            found.extend(part for part in split_name_parts(name) if is_patronymic(part))
    return found


def patronymic_agreement(probe: Probe, person: Comparable) -> str | None:
    """"agree", "differ" or None (unknown on one side, or in between)."""
    mine = _patronymics(probe.given_names, probe.patronymic)
    theirs = _patronymics([person.given_names, person.given_names_cyrillic], person.patronymic)
    if not mine or not theirs:
        return None
    similarity = max(name_similarity(a, b) for a in mine for b in theirs)
    if similarity >= PATRONYMIC_AGREES:
        return "agree"
    return "differ" if similarity < PATRONYMIC_DIFFERS else None


def _document_kind(document_type: str | None) -> str | None:
    if document_type in ("biometric_passport", "passport"):
        return "passport"  # the same kind of document, whether biometric or not
    return document_type if document_type not in (None, "none", "other") else None


def different_document_of_same_type(probe: Probe, person: Comparable) -> bool:
    """Both have a numbered document of the same kind and the numbers differ."""
    kind = _document_kind(probe.document_type)
    if not probe.document_number or kind is None:
        return False
    same_kind = [d for d in person.documents if d.number and _document_kind(d.type) == kind]
    return bool(same_kind) and all(d.number != probe.document_number for d in same_kind)


def swapped_probe(probe: Probe) -> Probe | None:
    """The probe with family and given names exchanged (a frequent clerk error:
    Ukrainian documents print the surname first)."""
    if not probe.family_names or not probe.given_names:
        return None
    return replace(probe, family_names=list(probe.given_names),
                   given_names=list(probe.family_names))


def score(probe: Probe, person: Comparable) -> tuple[float, list[str]]:
    total, reasons = _score(probe, person)
    swapped_names = swapped_probe(probe)
    if swapped_names is not None and total < 1.0:
        other, other_reasons = _score(swapped_names, person)
        if other > total + 0.01:
            total, reasons = other, ["names_swapped", *other_reasons]
    return total, reasons


def _score(probe: Probe, person: Comparable) -> tuple[float, list[str]]:
    reasons: list[str] = []
    parts: dict[str, float] = {}
    family_sim = None
    if probe.family_names:
        family_sim = family_similarity(
            probe.family_names, [person.family_name, person.family_name_cyrillic])
        parts["family"] = _family_evidence(family_sim)
        if family_sim >= 0.85:
            reasons.append("family_name")
    given_compatible = True
    if probe.given_names:
        parts["given"] = _given_similarity(probe, person)
        given_compatible = given_names_compatible(probe, person)
        if given_compatible:
            parts["given"] = max(parts["given"], 0.9)
            reasons.append("given_names")
    birth_reason = None
    if probe.birth_year is not None:
        parts["birth"], birth_reason = birth_similarity(probe, person)
        if birth_reason:
            reasons.append(birth_reason)
    weight = sum(WEIGHTS[k] for k in parts)
    total = sum(WEIGHTS[k] * v for k, v in parts.items()) / weight if weight else 0.0
    if not given_compatible:
        total = min(total, DIFFERENT_GIVEN_NAME_CAP)
    patronymic = patronymic_agreement(probe, person)
    sex_differs = bool(probe.sex and person.sex in ("female", "male") and probe.sex != person.sex)
    if patronymic == "agree":
        reasons.append("patronymic")
        total += PATRONYMIC_BONUS
        if (family_sim is not None and family_sim < FAMILY_SAME and
                given_compatible and birth_reason == "date_of_birth_equal" and
                not sex_differs):
            # Another family name, but the same given name, patronymic and date of
            # birth: a maiden name, or a child under the other parent's family name.
            total = max(total, OTHER_FAMILY_NAME_SCORE)
            reasons.append("family_name_differs")
    elif patronymic == "differ":
        total -= PATRONYMIC_DIFFERS_PENALTY
        reasons.append("patronymic_differs")
    if sex_differs:
        total -= SEX_MISMATCH_PENALTY
        reasons.append("sex_differs")
    if probe.document_number and any(d.number == probe.document_number
                                     for d in person.documents):
        total = max(total, SAME_DOCUMENT_SCORE)
        reasons.insert(0, "same_document")
    elif different_document_of_same_type(probe, person):
        total -= OTHER_DOCUMENT_PENALTY
        reasons.append("other_document")
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
