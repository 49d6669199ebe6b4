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
from arrival.housing.models import OPEN_STATES, OPEN_STAY_SQL, Bed, BedBlock, Site, Stay, Unit
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
        barrier_codes = _barrier_free_codes()
        return cls(
            size=len(persons),
            barrier_free=any(set(p.flags) & barrier_codes for p in persons),
            admits_women_only=not any(not admitted_to_women_only(p, today) for p in persons),
        )


def _barrier_free_codes() -> set[str]:
    return {e.code for e in entries("vulnerability_flag") if e.attributes.get("barrier_free")}


def barrier_free_first(persons: list[Person]) -> list[Person]:
    """The persons who need a barrier-free room first (they get those beds first)."""
    codes = _barrier_free_codes()
    return sorted(persons, key=lambda p: not (set(p.flags) & codes))


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


def family_unit_ids(household_id: int) -> list[int]:
    """The units where members of the household already have an open stay: a member
    placed later (a child registered afterwards) belongs beside them (issue 23)."""
    return list(db.session.scalars(
        sa.select(Bed.unit_id).join(Stay, Stay.bed_id == Bed.id)
        .join(Person, Person.id == Stay.person_id)
        .where(Person.household_id == household_id, Stay.state.in_(OPEN_STATES))
        .distinct()))


def propose(needs: Needs, *, site_id: int | None = None, limit: int = PROPOSAL_LIMIT,
            family_units: list[int] | None = None) -> list[Proposal]:
    """Units that take everyone asked about; the family's own units (family_units)
    first, then the best fit."""
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
        .order_by(sa.case((Unit.id.in_(family_units or []), 0), else_=1),
                  free - needs.size, Unit.family_room.desc() if needs.size > 1 else Unit.id,
                  Unit.id)
        .limit(limit)
    ).all()
    units = {u.id: u for u in db.session.scalars(
        sa.select(Unit).where(Unit.id.in_([r.id for r in rows])))}
    return [Proposal(units[r.id], r.free, needs.size) for r in rows]


def free_beds_in(unit: Unit, count: int) -> list[Bed]:
    """`count` free beds of the unit, neighbours first: of all runs of `count` free
    beds in bed order, the one spanning the fewest positions (beds 3, 4, 5 rather
    than 1, 8, 16). Fewer than `count` when the unit has fewer free beds."""
    free = list(db.session.scalars(
        sa.select(Bed).where(Bed.unit_id == unit.id, free_bed_condition())
        .order_by(Bed.position, Bed.id)))
    return neighbouring(free, count)


def neighbouring(beds: list[Bed], count: int) -> list[Bed]:
    """The `count` beds (given in bed order) that lie closest together."""
    if count <= 0:
        return []
    if len(beds) <= count:
        return beds
    start = min(range(len(beds) - count + 1),
                key=lambda i: (beds[i + count - 1].position - beds[i].position, i))
    return beds[start:start + count]


@dataclass
class SplitProposal:
    """Beds for the whole household in one site, in more than one unit: offered only
    when no unit takes everyone, with a warning, and assigned only with a reason."""

    site: Site
    parts: list[tuple[Unit, int]]  # unit, persons placed there (in that order)
    free_beds: int
    needed: int

    @property
    def leftover(self) -> int:
        return self.free_beds - self.needed

    @property
    def key(self) -> str:
        return f"site-{self.site.id}"


def propose_split(needs: Needs, needing_barrier_free: int = 0, *,
                  site_id: int | None = None, limit: int = 5) -> list[SplitProposal]:
    """Sites whose suitable free beds take the whole household together, over as
    few units as possible: the persons who need a barrier-free room in barrier-free
    units, everyone else in the units with the most free beds. Fewest units first,
    then least left over."""
    conditions = [Site.closed_at.is_(None), Site.kind != "reserve", Unit.quarantine.is_(False),
                  free_bed_condition()]
    if not needs.admits_women_only:
        conditions.append(Unit.women_only.is_(False))
    if site_id is not None:
        conditions.append(Unit.site_id == site_id)
    free = sa.func.count(Bed.id).label("free")
    rows = db.session.execute(
        sa.select(Unit.site_id, Unit.id, Unit.barrier_free, free)
        .join(Bed, Bed.unit_id == Unit.id).join(Site, Site.id == Unit.site_id)
        .where(*conditions).group_by(Unit.site_id, Unit.id, Unit.barrier_free)
    ).all()
    by_site: dict[int, list] = {}
    for row in rows:
        by_site.setdefault(row.site_id, []).append(row)
    plans = []
    for sid, units in by_site.items():
        total = sum(u.free for u in units)
        if total < needs.size:
            continue
        plan = _split_plan(units, needs.size, needing_barrier_free)
        if plan is not None:
            plans.append((len(plan), total - needs.size, sid, plan, total))
    plans.sort(key=lambda p: p[:3])
    plans = plans[:limit]
    unit_ids = [uid for *_, plan, _t in plans for uid, _n in plan]
    units_by_id = {u.id: u for u in db.session.scalars(
        sa.select(Unit).where(Unit.id.in_(unit_ids)))}
    sites = {s.id: s for s in db.session.scalars(
        sa.select(Site).where(Site.id.in_([p[2] for p in plans])))}
    return [SplitProposal(sites[sid], [(units_by_id[uid], n) for uid, n in plan], total,
                          needs.size)
            for _c, _l, sid, plan, total in plans]


def _split_plan(units, size: int, barrier: int) -> list[tuple[int, int]] | None:
    """Persons per unit (unit id, count), barrier-free persons first; None when the
    barrier-free beds do not suffice."""
    left = {u.id: u.free for u in units}
    plan: dict[int, int] = {}
    biggest_first = sorted(units, key=lambda u: (-u.free, u.id))
    for wanted, fits in ((barrier, lambda u: u.barrier_free), (size - barrier, lambda u: True)):
        # Units already used first (the household stays together), then the biggest.
        for unit in sorted(biggest_first, key=lambda u: u.id not in plan):
            if wanted == 0:
                break
            if not fits(unit) or not left[unit.id]:
                continue
            take = min(wanted, left[unit.id])
            left[unit.id] -= take
            plan[unit.id] = plan.get(unit.id, 0) + take
            wanted -= take
        if wanted:
            return None
    return list(plan.items())
