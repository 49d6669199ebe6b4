"""The benchmark registers households that are new: a family the duplicate check
refused would measure the refusal, not the registration."""

from __future__ import annotations

import pytest

from arrival.devtools.benchmark import bench_family_name, family
from arrival.registry import matching


@pytest.mark.parametrize("start", [0, 1_764_690_000_000, 1_764_693_333_000])
def test_neighbouring_benchmark_families_are_not_alike(start):
    """Not a typo of each other (family-name similarity below what counts as the same
    name), for every index and its next 40 (the tablets count up from a stamp)."""
    names = [bench_family_name(index) for index in range(start, start + 400)]
    for offset, name in enumerate(names):
        for other in names[offset + 1: offset + 41]:
            assert matching.family_similarity([name], [other]) < matching.FAMILY_SAME, \
                (name, other)


def test_a_benchmark_family_is_four_persons_of_one_family_name():
    persons = family(12345)["persons"]
    assert len(persons) == 4
    assert {p["family_name"] for p in persons} == {bench_family_name(12345)}
    assert len({bench_family_name(index) for index in range(10_000)}) == 10_000
