"""Who is really still there: "last seen" is the latest of check-in, card scan and
service delivery. Other domains add their sightings with add_seen_source() in
their wiring; the sources are kept per application."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import selectinload

from arrival.database import UTCDateTime, now_utc
from arrival.extensions import db
from arrival.housing.models import Bed, Stay, StayState, Unit
from arrival.registry.models import Person

# Each source returns a SELECT of (person_id, at) rows.
SeenSource = Callable[[], sa.Select]
_EXTENSION_KEY = "arrival.seen_sources"


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION_KEY] = []


def add_seen_source(app: Flask, source: SeenSource) -> None:
    sources = app.extensions[_EXTENSION_KEY]
    if source not in sources:
        sources.append(source)


def sighting_sources() -> list[sa.Select]:
    """Every kind of sighting as SELECTs of (person_id, at)."""
    return [check_ins(), *(source() for source in current_app.extensions[_EXTENSION_KEY])]


def check_ins() -> sa.Select:
    return sa.select(Stay.person_id.label("person_id"), Stay.checked_in_at.label("at")).where(
        Stay.checked_in_at.is_not(None))


def last_seen_subquery(persons=None):
    """(person_id, last_seen); of the given persons only when a subquery of ids is
    given — each source is filtered first, so only their sightings are read."""
    sources = sighting_sources()
    if persons is not None:
        sources = [source.where(source.selected_columns[0].in_(persons)) for source in sources]
    sightings = sa.union_all(*sources).subquery()
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
    residents = sa.select(Stay.person_id).where(Stay.state == StayState.CHECKED_IN.value)
    if site_id is not None:
        residents = residents.join(Bed, Bed.id == Stay.bed_id).join(
            Unit, Unit.id == Bed.unit_id).where(Unit.site_id == site_id)
    seen = last_seen_subquery(residents)
    query = (
        sa.select(Stay, Person, seen.c.last_seen)
        .join(Person, Person.id == Stay.person_id)
        .join(seen, seen.c.person_id == Stay.person_id)
        .where(Stay.state == StayState.CHECKED_IN.value, seen.c.last_seen < cutoff)
        .order_by(seen.c.last_seen)
        .options(selectinload(Stay.bed).selectinload(Bed.unit).selectinload(Unit.site))
    )
    if site_id is not None:
        query = query.join(Bed, Bed.id == Stay.bed_id).join(Unit, Unit.id == Bed.unit_id).where(
            Unit.site_id == site_id)
    rows = db.session.execute(query).all()
    return [AbsentResident(stay, person, last_seen) for stay, person, last_seen in rows]
