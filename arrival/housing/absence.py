"""Who is really still there: "last seen" is the latest of check-in, card scan and
service delivery. Other domains add their sightings with register_seen_source()."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from arrival.database import UTCDateTime, now_utc
from arrival.extensions import db
from arrival.housing.models import Bed, Stay, StayState, Unit
from arrival.registry.models import Person

# Each source returns a SELECT of (person_id, at) rows.
_SEEN_SOURCES: list[Callable[[], sa.Select]] = []


def register_seen_source(source: Callable[[], sa.Select]) -> None:
    if source not in _SEEN_SOURCES:
        _SEEN_SOURCES.append(source)


def _check_ins() -> sa.Select:
    return sa.select(Stay.person_id.label("person_id"), Stay.checked_in_at.label("at")).where(
        Stay.checked_in_at.is_not(None))


def last_seen_subquery():
    sightings = sa.union_all(_check_ins(), *(source() for source in _SEEN_SOURCES)).subquery()
    last_seen = sa.type_coerce(sa.func.max(sightings.c.at), UTCDateTime).label("last_seen")
    return (sa.select(sightings.c.person_id, last_seen)
            .group_by(sightings.c.person_id).subquery())


@dataclass
class AbsentResident:
    stay: Stay
    person: Person
    last_seen: datetime


def absent_residents(days: int, *, site_id: int | None = None, now: datetime | None = None
                     ) -> list[AbsentResident]:
    cutoff = (now or now_utc()) - timedelta(days=days)
    seen = last_seen_subquery()
    query = (
        sa.select(Stay, Person, seen.c.last_seen)
        .join(Person, Person.id == Stay.person_id)
        .join(seen, seen.c.person_id == Stay.person_id)
        .where(Stay.state == StayState.CHECKED_IN.value, seen.c.last_seen < cutoff)
        .order_by(seen.c.last_seen)
    )
    if site_id is not None:
        query = query.join(Bed, Bed.id == Stay.bed_id).join(Unit, Unit.id == Bed.unit_id).where(
            Unit.site_id == site_id)
    rows = db.session.execute(query).all()
    return [AbsentResident(stay, person, last_seen) for stay, person, last_seen in rows]
