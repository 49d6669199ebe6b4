"""Finding households and persons by what people type or scan, and the read
audit of the registry's pages."""

from __future__ import annotations

import sqlalchemy as sa

from arrival.audit.operations import record_read
from arrival.extensions import db
from arrival.registry.checkchar import normalise_ref, verify
from arrival.registry.models import Household, Person


def canonical_household_ref(text: str) -> str | None:
    """The stored form ("H-7K3M-9QX2-C") of a typed reference, or None when the
    text is not a household reference or its check character is wrong."""
    try:
        ref = normalise_ref(text or "")
    except ValueError:
        return None
    if len(ref) != 10 or not ref.startswith("H") or not verify(ref):
        return None
    return f"{ref[0]}-{ref[1:5]}-{ref[5:9]}-{ref[9]}"


def household_by_ref(text: str) -> Household | None:
    ref = canonical_household_ref(text)
    if ref is None:
        return None
    return db.session.scalar(sa.select(Household).where(Household.ref == ref))


def person_by_public_id(public_id: str) -> Person | None:
    return db.session.scalar(sa.select(Person).where(Person.public_id == public_id))


def record_view(entity_type: str, entity_id: str, detail: str | None = None, *,
                persons=()) -> None:
    """A read of persons, naming each person shown (see audit.operations.record_read)."""
    record_read(persons, entity_type=entity_type, entity_id=entity_id, detail=detail)
