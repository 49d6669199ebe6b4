"""Parts of the household page and its list badges contributed by other domains.

The registry owns the household page; accommodation, cards and clarification
add their part here, each shown only to roles with its field group, so the
registry does not depend on them. Contributions are kept per application (as
the event handlers are), added in each domain's ``wiring.init_app``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app

_EXTENSION_KEY = "arrival.household_contributions"


@dataclass(frozen=True)
class HouseholdSection:
    order: int
    field_group: Any  # the FieldGroup a role needs to see the section
    template: str
    context: Callable  # (household) -> dict


@dataclass
class HouseholdContributions:
    sections: list[HouseholdSection] = field(default_factory=list)
    # callback(household_ids) -> {household_id: (text, css class)}
    summaries: list[Callable] = field(default_factory=list)


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION_KEY] = HouseholdContributions()


def _contributions(app: Flask | None = None) -> HouseholdContributions:
    return (app or current_app).extensions[_EXTENSION_KEY]


def add_household_section(app: Flask, section: HouseholdSection) -> None:
    sections = _contributions(app).sections
    if all(s.template != section.template for s in sections):
        sections.append(section)
        sections.sort(key=lambda s: s.order)


def add_household_summary(app: Flask, callback: Callable) -> None:
    summaries = _contributions(app).summaries
    if callback not in summaries:
        summaries.append(callback)


def household_sections(household, groups: Collection) -> list[tuple[str, dict]]:
    return [(s.template, s.context(household))
            for s in _contributions().sections if s.field_group in groups]


def household_summaries(household_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    badges: dict[int, list[tuple[str, str]]] = {hid: [] for hid in household_ids}
    for callback in _contributions().summaries:
        for household_id, badge in callback(household_ids).items():
            badges.setdefault(household_id, []).append(badge)
    return badges
