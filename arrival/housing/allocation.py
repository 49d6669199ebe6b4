"""Finding beds: units that take a whole household together, sorted by fit.

The counting happens in the database (one grouped query), so a proposal stays
fast with hundreds of sites and tens of thousands of beds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app

from arrival.catalog.operations import entries
from arrival.core.clock import today_local
from arrival.extensions import db
from arrival.housing.models import OPEN_STAY_SQL, Bed, BedBlock, Site, Stay, Unit
from arrival.registry.models import Person

PROPOSAL_LIMIT = 10


@dataclass
class Proposal:
    unit: Unit
    free_beds: int
    needed: int

    @property
    def leftover(self) -> int:
        return self.free_beds - self.needed


@dataclass
class Needs:
    size: int
    barrier_free: bool
    admits_women_only: bool

    @classmethod
    def of(cls, persons: list[Person], today: date | None = None) -> Needs:
        today = today or today_local()
        barrier_codes = {e.code for e in entries("vulnerability_flag")
                         if e.attributes.get("barrier_free")}
        return cls(
            size=len(persons),
            barrier_free=any(set(p.flags) & barrier_codes for p in persons),
            admits_women_only=not any(not admitted_to_women_only(p, today) for p in persons),
        )


def admitted_to_women_only(person: Person, today: date) -> bool:
    """Women and children: everyone but a man older than WOMEN_ONLY_MAX_BOY_AGE."""
    oldest_boy = current_app.config["WOMEN_ONLY_MAX_BOY_AGE"]
    return not (person.sex == "male" and person.age_on(today) > oldest_boy)


def free_bed_condition():
    """A bed that exists, is not blocked and has nobody planned or checked in."""
    return sa.and_(
        Bed.removed_at.is_(None),
        ~sa.exists().where(BedBlock.bed_id == Bed.id, BedBlock.unblocked_at.is_(None)),
        # Literal state list: lets the database use the partial unique index of open stays.
        ~sa.exists().where(Stay.bed_id == Bed.id, sa.text(OPEN_STAY_SQL)),
    )


def propose(needs: Needs, *, site_id: int | None = None, limit: int = PROPOSAL_LIMIT
            ) -> list[Proposal]:
    conditions = [Site.closed_at.is_(None), Site.kind != "reserve", Unit.quarantine.is_(False),
                  free_bed_condition()]
    if needs.barrier_free:
        conditions.append(Unit.barrier_free.is_(True))
    if not needs.admits_women_only:
        conditions.append(Unit.women_only.is_(False))
    if site_id is not None:
        conditions.append(Unit.site_id == site_id)
    free = sa.func.count(Bed.id).label("free")
    rows = db.session.execute(
        sa.select(Unit.id, free)
        .join(Bed, Bed.unit_id == Unit.id).join(Site, Site.id == Unit.site_id)
        .where(*conditions)
        .group_by(Unit.id)
        .having(free >= needs.size)
        .order_by(free - needs.size, Unit.family_room.desc() if needs.size > 1 else Unit.id,
                  Unit.id)
        .limit(limit)
    ).all()
    units = {u.id: u for u in db.session.scalars(
        sa.select(Unit).where(Unit.id.in_([r.id for r in rows])))}
    return [Proposal(units[r.id], r.free, needs.size) for r in rows]


def free_beds_in(unit: Unit, count: int) -> list[Bed]:
    return list(db.session.scalars(
        sa.select(Bed).where(Bed.unit_id == unit.id, free_bed_condition())
        .order_by(Bed.position, Bed.id).limit(count)))
