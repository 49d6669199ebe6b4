"""Finding a household or person named in a URL, or answering 404 — one helper for
the pages and the API of every domain."""

from __future__ import annotations

from flask import abort

from arrival.registry.models import Household, Person
from arrival.registry.operations import household_by_ref, person_by_public_id


def household_or_404(ref: str) -> Household:
    household = household_by_ref(ref)
    if household is None:
        abort(404)
    return household


def person_or_404(public_id: str) -> Person:
    person = person_by_public_id(public_id)
    if person is None:
        abort(404)
    return person
