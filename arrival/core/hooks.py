"""Domain events between packages, so that a domain can react to another
without the other importing it (the registry does not know about cases)."""

from __future__ import annotations

from collections.abc import Callable

_household_changed: list[Callable] = []


def on_household_changed(callback: Callable) -> None:
    """callback(household) runs inside the same transaction after a household or
    one of its persons was registered or changed."""
    if callback not in _household_changed:
        _household_changed.append(callback)


def household_changed(household) -> None:
    for callback in _household_changed:
        callback(household)
