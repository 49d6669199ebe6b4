"""What the registry announces (see arrival.core.events). Handlers run inside
the transaction of the change."""

from __future__ import annotations

from dataclasses import dataclass

from arrival.registry.models import Household, Person


@dataclass(frozen=True)
class HouseholdRegistered:
    """A new household with its persons was registered."""
    household: Household


@dataclass(frozen=True)
class HouseholdChanged:
    """A person of the household was added or changed."""
    household: Household
    person: Person | None = None
