"""Duplicate detection measured on a generated, labelled set of pairs: variants of
the same person (other transliteration table, Russian name form, typos, swapped
day/month, year-only, same document) and different people who look alike
(siblings, twins, common names, same birth date, parent and child, cousins).

The second record of every pair is registered; the first is the probe. A pair
counts as "found" when its second record is among the probe's likely candidates —
through the real index lookup and scoring, not the score alone.
Required: precision and recall ≥ 0.95 each; the figures are printed.
"""

from __future__ import annotations

from collections import Counter

import pytest

from arrival.extensions import db
from arrival.registry import matching
from arrival.registry.models import Document, Household, Person
from tests.registry.matching_dataset import generate_pairs

pytestmark = pytest.mark.usefixtures("app_context")


def store(record: dict, index: int) -> Person:
    household = Household(ref=f"H-TEST-{index:04d}-0", arrived_at=matching_now())
    person = Person(
        household=household, relation="head", family_name=record["family_name"],
        given_names=record["given_names"],
        family_name_cyrillic=record["family_name_cyrillic"] or None,
        given_names_cyrillic=record["given_names_cyrillic"] or None, sex=record["sex"],
        date_of_birth=record["date_of_birth"], birth_year=record["birth_year"],
        birth_date_estimated=record["date_of_birth"] is None, nationality="UKR")
    if record["document_number"]:
        person.documents.append(Document(type="passport", number=record["document_number"]))
    db.session.add(person)
    return person


def matching_now():
    from arrival.database import now_utc

    return now_utc()


def probe(record: dict) -> matching.Probe:
    return matching.Probe(
        family_names=[n for n in (record["family_name"], record["family_name_cyrillic"]) if n],
        given_names=[n for n in (record["given_names"], record["given_names_cyrillic"]) if n],
        date_of_birth=record["date_of_birth"], birth_year=record["birth_year"],
        sex=record["sex"], document_number=record["document_number"] or None)


@pytest.mark.parametrize("seed", [7, 23])
def test_precision_and_recall_are_at_least_95_percent(seed):
    pairs = generate_pairs(n_positive=400, n_negative=400, seed=seed)
    stored = [store(b, index) for index, (_a, b, _same, _scenario) in enumerate(pairs)]
    db.session.flush()
    for person in stored:
        db.session.add_all(matching.keys_for_person(person))
    db.session.flush()

    outcome = Counter()
    missed_by_scenario = Counter()
    for (a, _b, same, scenario), target in zip(pairs, stored):
        found = any(c.person.id == target.id and c.likely
                    for c in matching.find_candidates(probe(a), limit=20))
        outcome[(same, found)] += 1
        if found != same:
            missed_by_scenario[scenario] += 1
    true_positive, false_positive = outcome[(True, True)], outcome[(False, True)]
    false_negative = outcome[(True, False)]
    precision = true_positive / (true_positive + false_positive)
    recall = true_positive / (true_positive + false_negative)
    print(f"\nduplicate detection, seed {seed}, {len(pairs)} labelled pairs: "
          f"precision {precision:.3f}, "
          f"recall {recall:.3f}; errors by scenario: {dict(missed_by_scenario)}")
    assert precision >= 0.95 and recall >= 0.95, dict(missed_by_scenario)
