"""Retention classes and legal holds, kept per application (like the household
sections in arrival.core.sections): each domain that keeps a kind of data adds
how long it is kept and how the expired rows are found and removed, in its
``wiring.init_app``; ``flask privacy sweep`` (arrival.privacy) runs them all.

A class is three things:

- ``setting``: the name of the configuration value holding the days (e.g.
  ``RETENTION_HOUSEHOLD_DAYS``), so that the record of processing can name it;
- ``count_expired(cutoff) -> int``: how many rows are due (older than the cutoff,
  not yet removed) — used for the dry run and the counts printed first;
- ``delete_expired(cutoff, limit) -> int``: remove (or anonymise) at most ``limit``
  of them and flush; returns how many. The sweep commits after each batch and
  calls again until it answers 0, so a run killed half-way is resumed by the
  next one: what is done is no longer due.

Registering one more class (for example the pre-registrations) is one call::

    add_retention_class(app, RetentionClass(
        "preregistrations", "RETENTION_PREREGISTRATION_DAYS",
        purpose="pre-registrations never converted at the desk",
        count_expired=operations.count_expired, delete_expired=operations.delete_expired))

A legal hold is a callback ``(person_ids) -> {person_id: reason}`` naming the
persons whose data must not be erased now (an open procedure of the
Ausländerbehörde); erasure is refused with the reason, the sweep leaves them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask, current_app

_EXTENSION_KEY = "arrival.retention"


@dataclass(frozen=True)
class RetentionClass:
    name: str
    setting: str
    purpose: str
    count_expired: Callable[[datetime], int]
    delete_expired: Callable[[datetime, int], int]
    # What happens to the expired rows, for the counts and the record of processing.
    action: str = "deleted"
    # False: the rows are counted and reported, never removed by the application
    # (the audit log is append-only; see arrival.privacy.retention).
    removes: bool = True


@dataclass
class RetentionRegistry:
    classes: dict[str, RetentionClass] = field(default_factory=dict)
    holds: list[Callable[[list[int]], dict[int, str]]] = field(default_factory=list)


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION_KEY] = RetentionRegistry()


def _registry(app: Flask | None = None) -> RetentionRegistry:
    return (app or current_app).extensions[_EXTENSION_KEY]


def add_retention_class(app: Flask, retention_class: RetentionClass) -> None:
    _registry(app).classes[retention_class.name] = retention_class


def retention_classes(app: Flask | None = None) -> list[RetentionClass]:
    return list(_registry(app).classes.values())


def add_legal_hold(app: Flask, callback: Callable[[list[int]], dict[int, str]]) -> None:
    holds = _registry(app).holds
    if callback not in holds:
        holds.append(callback)


def legal_holds(person_ids: Iterable[int]) -> dict[int, str]:
    """{person_id: reason} for the persons under a legal hold (first reason each)."""
    ids = list(person_ids)
    found: dict[int, str] = {}
    if not ids:
        return found
    for callback in _registry().holds:
        for person_id, reason in callback(ids).items():
            found.setdefault(person_id, reason)
    return found
