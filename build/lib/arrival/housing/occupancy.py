"""Occupancy at any moment, counted from history: beds that existed and were not
blocked, in sites open at that moment; stays checked in (occupied) or planned.
The dashboard and the nightly report use these same queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from arrival.database import now_utc
from arrival.extensions import db
from arrival.housing.models import Bed, BedBlock, Site, Stay, Unit


@dataclass
class SiteOccupancy:
    site_id: int
    name: str
    kind: str
    capacity: int
    occupied: int
    planned: int
    blocked: int
    warning_percent: int
    critical_percent: int

    @property
    def free(self) -> int:
        return max(self.capacity - self.occupied - self.planned, 0)

    @property
    def percent(self) -> int:
        if not self.capacity:
            return 100 if (self.occupied or self.planned) else 0
        return round(100 * (self.occupied + self.planned) / self.capacity)

    @property
    def level(self) -> str:
        if self.percent >= self.critical_percent:
            return "critical"
        if self.percent >= self.warning_percent:
            return "warning"
        return "ok"


def site_open_at(moment):
    return sa.and_(Site.opened_at <= moment,
                   sa.or_(Site.closed_at.is_(None), Site.closed_at > moment))


def bed_exists_at(moment):
    return sa.and_(Bed.created_at <= moment,
                   sa.or_(Bed.removed_at.is_(None), Bed.removed_at > moment))


def bed_blocked_at(moment):
    return sa.exists().where(
        BedBlock.bed_id == Bed.id, BedBlock.blocked_at <= moment,
        sa.or_(BedBlock.unblocked_at.is_(None), BedBlock.unblocked_at > moment))


def occupied_at(moment):
    return sa.and_(Stay.checked_in_at.is_not(None), Stay.checked_in_at <= moment,
                   sa.or_(Stay.ended_at.is_(None), Stay.ended_at > moment))


def planned_at(moment):
    return sa.and_(Stay.planned_at <= moment,
                   sa.or_(Stay.checked_in_at.is_(None), Stay.checked_in_at > moment),
                   sa.or_(Stay.ended_at.is_(None), Stay.ended_at > moment))


def site_occupancy(as_of: datetime | None = None, *, site_ids=None,
                   include_closed: bool = False) -> list[SiteOccupancy]:
    """One row per site (open at the moment, unless include_closed), four grouped queries."""
    moment = as_of or now_utc()
    site_filter = [] if include_closed else [site_open_at(moment)]
    if site_ids is not None:
        site_filter.append(Site.id.in_(list(site_ids)))
    sites = db.session.execute(
        sa.select(Site.id, Site.name, Site.kind, Site.warning_percent, Site.critical_percent)
        .where(Site.opened_at <= moment, *site_filter).order_by(Site.name)).all()
    if not sites:
        return []
    ids = [row.id for row in sites]
    bed_base = (sa.select(Unit.site_id, sa.func.count(Bed.id))
                .join(Unit, Unit.id == Bed.unit_id)
                .where(Unit.site_id.in_(ids), bed_exists_at(moment))
                .group_by(Unit.site_id))
    capacity = dict(db.session.execute(bed_base.where(~bed_blocked_at(moment))).all())
    blocked = dict(db.session.execute(bed_base.where(bed_blocked_at(moment))).all())
    stay_base = (sa.select(Unit.site_id, sa.func.count(Stay.id))
                 .join(Bed, Bed.id == Stay.bed_id).join(Unit, Unit.id == Bed.unit_id)
                 .where(Unit.site_id.in_(ids)).group_by(Unit.site_id))
    occupied = dict(db.session.execute(stay_base.where(occupied_at(moment))).all())
    planned = dict(db.session.execute(stay_base.where(planned_at(moment))).all())
    return [
        SiteOccupancy(row.id, row.name, row.kind, capacity.get(row.id, 0),
                      occupied.get(row.id, 0), planned.get(row.id, 0), blocked.get(row.id, 0),
                      row.warning_percent, row.critical_percent)
        for row in sites
    ]


def totals(rows: list[SiteOccupancy], *, exclude_kinds=("reserve",)) -> dict:
    counted = [r for r in rows if r.kind not in exclude_kinds]
    return {
        "capacity": sum(r.capacity for r in counted),
        "occupied": sum(r.occupied for r in counted),
        "planned": sum(r.planned for r in counted),
        "free": sum(r.free for r in counted),
        "blocked": sum(r.blocked for r in counted),
        "reserve": sum(r.capacity for r in rows if r.kind in exclude_kinds),
    }
