"""Sections of the household page contributed by other domains.

The registry owns the household page; accommodation, cards and clarification
add their part here, each shown only to roles with its field group, so the
registry does not depend on them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from arrival.auth.permissions import FieldGroup


@dataclass(frozen=True)
class HouseholdSection:
    order: int
    field_group: FieldGroup
    template: str
    context: Callable  # (household) -> dict


_SECTIONS: list[HouseholdSection] = []


def register_household_section(section: HouseholdSection) -> None:
    if all(s.template != section.template for s in _SECTIONS):
        _SECTIONS.append(section)
        _SECTIONS.sort(key=lambda s: s.order)


def household_sections(household, groups) -> list[tuple[str, dict]]:
    return [(s.template, s.context(household)) for s in _SECTIONS if s.field_group in groups]


# Short status badges of households (e.g. the clarification summary) shown in
# lists such as the search results: callback(household_ids) -> {id: (text, css)}.
_SUMMARIES: list[Callable] = []


def register_household_summary(callback: Callable) -> None:
    if callback not in _SUMMARIES:
        _SUMMARIES.append(callback)


def household_summaries(household_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    badges: dict[int, list[tuple[str, str]]] = {hid: [] for hid in household_ids}
    for callback in _SUMMARIES:
        for household_id, badge in callback(household_ids).items():
            badges.setdefault(household_id, []).append(badge)
    return badges
