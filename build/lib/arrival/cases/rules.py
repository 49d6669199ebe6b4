"""Which clarification items a household needs, from the rules in the catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from arrival.catalog.operations import entries
from arrival.registry.models import Household, Person

IDENTITY_DOCUMENTS = {"biometric_passport", "passport", "national_id", "internal_passport"}


@dataclass(frozen=True)
class Need:
    rule_code: str
    topic: str
    person_id: int | None
    priority: int | None


def _has_identity_document(person: Person) -> bool:
    return any(d.type in IDENTITY_DOCUMENTS and d.number for d in person.documents)


ADULT_AGE = 18
UNACCOMPANIED_FLAG = "unaccompanied_minor"


def _adults(household: Household, today: date) -> list[Person]:
    return [p for p in household.persons if p.age_on(today) >= ADULT_AGE]


def _parents_in_household(person: Person, household: Household) -> list[Person]:
    """Members who are this person's parents, as far as the relations to the head
    tell: a child's parents are the head and the spouse; the head's (or a sibling's)
    parents are the members registered as parent. Other relations tell nothing."""
    relation = getattr(person, "relation", None)
    if relation == "child":
        wanted = {"head", "spouse"}
    elif relation in ("head", "sibling"):
        wanted = {"parent"}
    else:
        wanted = set()
    return [p for p in household.persons
            if p is not person and getattr(p, "relation", None) in wanted]


def is_unaccompanied(person: Person, household: Household, today: date) -> bool:
    """Flagged as unaccompanied, or no adult in the household at all."""
    return UNACCOMPANIED_FLAG in person.flags or not _adults(household, today)


def is_separated(person: Person, household: Household, today: date) -> bool:
    """With adults, but none of them a parent (grandparent, aunt, companion), and
    not already flagged unaccompanied."""
    if is_unaccompanied(person, household, today):
        return False
    adults = _adults(household, today)
    return not any(p in adults for p in _parents_in_household(person, household))


def person_matches(when: dict, person: Person, household: Household, today: date) -> bool:
    age = person.age_on(today)
    flags = set(person.flags)
    checks = {
        "min_age": lambda v: age >= v,
        "max_age": lambda v: age <= v,
        "flags_any": lambda v: bool(flags & set(v)),
        "household_flags_any": lambda v: any(set(p.flags) & set(v) for p in household.persons),
        "nationality_in": lambda v: person.nationality in v,
        "nationality_not_in": lambda v: person.nationality not in v,
        "without_identity_document": lambda v: (not _has_identity_document(person)) == bool(v),
        "unaccompanied": lambda v: is_unaccompanied(person, household, today) == bool(v),
        "separated": lambda v: is_separated(person, household, today) == bool(v),
    }
    return all(checks[name](value) for name, value in when.items())


def household_matches(when: dict, household: Household, today: date) -> bool:
    """A household-scoped rule holds when its conditions hold for some member
    (or it has none)."""
    if not when:
        return True
    return any(person_matches(when, p, household, today) for p in household.persons)


def needs(household: Household, today: date, rules=None) -> set[Need]:
    """rules: the catalogue entries, when the caller already holds them (bulk work)."""
    found: set[Need] = set()
    for rule in rules if rules is not None else entries("clarification_rule"):
        spec = rule.attributes
        when = spec.get("when", {})
        priority = spec.get("priority")
        if spec["scope"] == "household":
            if household_matches(when, household, today):
                found.add(Need(rule.code, spec["topic"], None, priority))
            continue
        for person in household.persons:
            if person_matches(when, person, household, today):
                found.add(Need(rule.code, spec["topic"], person.id, priority))
    return found
