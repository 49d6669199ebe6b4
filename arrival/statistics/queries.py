"""The figures of the dashboard and the nightly situation report, for any moment.

Everything is counted from history — households' arrival times, stays with
their check-in and end, clarification transitions, deliveries and scans — so
the figures for last Tuesday 08:00 are what was true then. Each figure is one
grouped SQL query; nothing loops over persons in Python.

Known limit: vulnerability flags and nationality are current values (the
registry keeps no history of them); corrections made later show in past figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from arrival.cases.models import ClarificationItem, ItemTransition
from arrival.catalog.models import Authority
from arrival.database import UTCDateTime
from arrival.extensions import db
from arrival.housing import occupancy
from arrival.housing.absence import _SEEN_SOURCES, _check_ins
from arrival.housing.models import Bed, BedBlock, Site, Stay, Unit
from arrival.housing.operations import MOVED
from arrival.registry.models import DuplicateDecision, Household, Person, PersonFlag
from arrival.services.models import Delivery, Scan

AGE_BANDS = (("0-5", 0, 5), ("6-17", 6, 17), ("18-64", 18, 64), ("65+", 65, 200))
VULNERABLE_FLAGS = ("unaccompanied_minor", "disability", "reduced_mobility", "pregnant",
                    "needs_care")
ACTIVE = ("open", "in_progress", "waiting")


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """A local calendar day as UTC instants: 23 or 25 hours long when clocks change."""
    start = datetime.combine(day, time.min, tzinfo=zone())
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone())
    return start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))


def local_date(moment: datetime) -> date:
    return moment.astimezone(zone()).date()


@dataclass(frozen=True)
class Scope:
    """Whose figures: everything, or one site (the shelter view)."""

    site_id: int | None = None

    def stays(self, query):
        if self.site_id is None:
            return query
        return query.join(Bed, Bed.id == Stay.bed_id).join(Unit, Unit.id == Bed.unit_id).where(
            Unit.site_id == self.site_id)


# --- arrivals and departures ---------------------------------------------------------------


def arrivals(start: datetime, end: datetime) -> dict:
    households = sa.select(Household.id).where(Household.arrived_at >= start,
                                               Household.arrived_at < end)
    persons = db.session.scalar(sa.select(sa.func.count(Person.id)).where(
        Person.household_id.in_(households)))
    point = sa.func.coalesce(Household.arrival_point, sa.literal_column("'unknown'"))
    by_point = dict(db.session.execute(
        sa.select(point, sa.func.count(Person.id))
        .join(Person, Person.household_id == Household.id)
        .where(Household.arrived_at >= start, Household.arrived_at < end)
        .group_by(point)).all())
    return {"persons": persons or 0,
            "households": db.session.scalar(sa.select(sa.func.count()).select_from(
                households.subquery())) or 0,
            "by_arrival_point": by_point}


def cumulative_arrivals(until: datetime) -> dict:
    return {
        "persons": db.session.scalar(sa.select(sa.func.count(Person.id)).join(
            Household, Household.id == Person.household_id).where(
            Household.arrived_at < until)) or 0,
        "households": db.session.scalar(sa.select(sa.func.count(Household.id)).where(
            Household.arrived_at < until)) or 0,
    }


def departures(start: datetime, end: datetime, scope: Scope = Scope()) -> dict:
    """Stays that ended in the period, other than moves within the centre."""
    query = scope.stays(sa.select(Stay.end_reason, sa.func.count(Stay.id)).where(
        Stay.state == "checked_out", Stay.ended_at >= start, Stay.ended_at < end,
        Stay.end_reason != MOVED)).group_by(Stay.end_reason)
    by_reason = dict(db.session.execute(query).all())
    return {"total": sum(by_reason.values()), "by_reason": by_reason}


def present_persons(moment: datetime, scope: Scope = Scope()):
    """A subquery of the ids of persons checked in somewhere at the moment."""
    return scope.stays(sa.select(Stay.person_id).where(occupancy.occupied_at(moment)))


def present(moment: datetime, scope: Scope = Scope()) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(
        present_persons(moment, scope).subquery())) or 0


# --- demographics --------------------------------------------------------------------------


def _age_expression(on: date):
    """Age in whole years on a date, in SQL, from the date of birth or the year."""
    born_later_in_year = sa.case(
        (Person.date_of_birth.is_(None), 0),
        (sa.func.coalesce(_month_day(Person.date_of_birth), 0) > on.month * 100 + on.day, 1),
        else_=0)
    return on.year - Person.birth_year - born_later_in_year


def _month_day(column):
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        return sa.cast(sa.func.to_char(column, "MMDD"), sa.Integer)
    return sa.cast(sa.func.strftime("%m%d", column), sa.Integer)


def demographics(moment: datetime, scope: Scope = Scope()) -> dict:
    on = local_date(moment)
    ids = present_persons(moment, scope)
    age = _age_expression(on)
    band = sa.case(*[(age.between(low, high), name) for name, low, high in AGE_BANDS],
                   else_="unknown")
    base = sa.select(Person).where(Person.id.in_(ids)).subquery()
    ages = dict(db.session.execute(
        sa.select(band.label("band"), sa.func.count(Person.id)).where(Person.id.in_(ids))
        .group_by(sa.literal_column("band"))).all())
    sexes = dict(db.session.execute(
        sa.select(Person.sex, sa.func.count(Person.id)).where(Person.id.in_(ids))
        .group_by(Person.sex)).all())
    ukrainian = db.session.scalar(sa.select(sa.func.count(Person.id)).where(
        Person.id.in_(ids), Person.nationality == "UKR")) or 0
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base)) or 0
    return {
        "total": total,
        "age_bands": {name: ages.get(name, 0) for name, _low, _high in AGE_BANDS},
        "sex": {key: sexes.get(key, 0) for key in ("female", "male", "diverse", "unknown")},
        "nationality": {"ukrainian": ukrainian, "third_country": total - ukrainian},
    }


def vulnerable(moment: datetime, scope: Scope = Scope()) -> dict:
    ids = present_persons(moment, scope)
    counts = dict(db.session.execute(
        sa.select(PersonFlag.code, sa.func.count(PersonFlag.person_id))
        .where(PersonFlag.person_id.in_(ids), PersonFlag.code.in_(VULNERABLE_FLAGS))
        .group_by(PersonFlag.code)).all())
    return {code: counts.get(code, 0) for code in VULNERABLE_FLAGS}


# --- clarification -------------------------------------------------------------------------


def item_states_at(moment: datetime):
    """A subquery (item_id, state) of every item as it stood at the moment."""
    ranked = (
        sa.select(ItemTransition.item_id, ItemTransition.to_state,
                  sa.func.row_number().over(
                      partition_by=ItemTransition.item_id,
                      order_by=(ItemTransition.at.desc(), ItemTransition.id.desc()),
                  ).label("rank"))
        .where(ItemTransition.at <= moment)
        .subquery())
    return sa.select(ranked.c.item_id, ranked.c.to_state.label("state")).where(
        ranked.c.rank == 1).subquery()


def clarification(moment: datetime, scope: Scope = Scope()) -> dict:
    states = item_states_at(moment)
    on = local_date(moment)
    day_start, _ = day_bounds(on)
    item = ClarificationItem
    days_open = _days_between(item.created_at, moment)
    bucket = sa.case((days_open <= 2, "0-2"), (days_open <= 7, "3-7"), else_="8+")
    active = (sa.select(item.id, item.authority_id, item.topic, item.due_on, item.household_id,
                        bucket.label("bucket"))
              .join(states, states.c.item_id == item.id)
              .where(states.c.state.in_(ACTIVE)))
    if scope.site_id is not None:
        active = active.where(item.household_id.in_(
            sa.select(Stay.household_id).where(occupancy.occupied_at(moment))
            .join(Bed, Bed.id == Stay.bed_id).join(Unit, Unit.id == Bed.unit_id)
            .where(Unit.site_id == scope.site_id)))
    active = active.subquery()
    codes = dict(db.session.execute(sa.select(Authority.id, Authority.code)).all())
    per_topic = db.session.execute(
        sa.select(active.c.authority_id, active.c.topic, active.c.bucket,
                  sa.func.count(active.c.id),
                  sa.func.sum(sa.case((active.c.due_on < on, 1), else_=0)))
        .group_by(active.c.authority_id, active.c.topic, active.c.bucket)).all()
    open_items: dict[str, dict] = {}
    for authority_id, topic, item_bucket, count, overdue in per_topic:
        entry = open_items.setdefault(codes[authority_id], {
            "open": 0, "overdue": 0, "by_topic": {}, "aging": {"0-2": 0, "3-7": 0, "8+": 0}})
        entry["open"] += count
        entry["overdue"] += overdue or 0
        entry["by_topic"][topic] = entry["by_topic"].get(topic, 0) + count
        entry["aging"][item_bucket] += count
    resolved_today = dict(db.session.execute(
        sa.select(Authority.code, sa.func.count(ItemTransition.id))
        .join(item, item.id == ItemTransition.item_id).join(Authority,
                                                            Authority.id == item.authority_id)
        .where(ItemTransition.to_state == "resolved", ItemTransition.at >= day_start,
               ItemTransition.at <= moment)
        .group_by(Authority.code)).all())
    opened_today = dict(db.session.execute(
        sa.select(Authority.code, sa.func.count(item.id))
        .join(Authority, Authority.id == item.authority_id)
        .where(item.created_at >= day_start, item.created_at <= moment)
        .group_by(Authority.code)).all())
    with_items = sa.select(item.household_id).where(item.created_at <= moment).distinct()
    unclarified = sa.select(active.c.household_id).distinct()
    households_clarified = db.session.scalar(sa.select(sa.func.count()).select_from(
        with_items.where(item.household_id.not_in(unclarified)).subquery())) or 0
    return {"by_authority": open_items, "resolved_today": resolved_today,
            "opened_today": opened_today, "households_clarified": households_clarified,
            "open_total": sum(e["open"] for e in open_items.values()),
            "overdue_total": sum(e["overdue"] for e in open_items.values())}


def _days_between(column, moment: datetime):
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        return sa.func.date_part("day", sa.literal(moment) - column)
    moment_text = moment.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M:%S")
    return sa.cast(sa.func.julianday(moment_text) - sa.func.julianday(column), sa.Integer)


def fingerprints(moment: datetime) -> dict:
    states = item_states_at(moment)
    rows = dict(db.session.execute(
        sa.select(states.c.state, sa.func.count(ClarificationItem.id))
        .join(states, states.c.item_id == ClarificationItem.id)
        .where(ClarificationItem.topic == "fingerprints").group_by(states.c.state)).all())
    return {"pending": sum(rows.get(s, 0) for s in ACTIVE), "done": rows.get("resolved", 0)}


# --- services ------------------------------------------------------------------------------


def services(start: datetime, moment: datetime, scope: Scope = Scope()) -> dict:
    not_voided = sa.or_(Delivery.voided_at.is_(None), Delivery.voided_at > moment)
    delivered = sa.select(Delivery.service_type, sa.func.count(Delivery.id)).where(
        Delivery.delivered_at >= start, Delivery.delivered_at <= moment, not_voided)
    refused = sa.select(Scan.reason, sa.func.count(Scan.id)).where(
        Scan.scanned_at >= start, Scan.scanned_at <= moment, Scan.result == "red")
    if scope.site_id is not None:
        delivered = delivered.where(Delivery.site_id == scope.site_id)
        refused = refused.where(Scan.site_id == scope.site_id)
    return {
        "delivered": dict(db.session.execute(delivered.group_by(Delivery.service_type)).all()),
        "refused": dict(db.session.execute(refused.group_by(Scan.reason)).all()),
    }


# --- data quality --------------------------------------------------------------------------


def last_seen_until(moment: datetime):
    sightings = sa.union_all(
        _check_ins(), *(source() for source in _SEEN_SOURCES)).subquery()
    last_seen = sa.type_coerce(sa.func.max(sightings.c.at), UTCDateTime).label("last_seen")
    return (sa.select(sightings.c.person_id, last_seen)
            .where(sightings.c.at <= moment).group_by(sightings.c.person_id).subquery())


def data_quality(moment: datetime, scope: Scope = Scope(), absence_days: int = 3) -> dict:
    registered = sa.select(Person.id).join(Household, Household.id == Person.household_id).where(
        Household.arrived_at <= moment)
    without_date = db.session.scalar(sa.select(sa.func.count(Person.id)).where(
        Person.id.in_(registered), Person.date_of_birth.is_(None))) or 0
    duplicates = db.session.scalar(sa.select(sa.func.count(DuplicateDecision.id)).where(
        DuplicateDecision.decided_at <= moment,
        sa.or_(DuplicateDecision.resolved_at.is_(None),
               DuplicateDecision.resolved_at > moment))) or 0
    seen = last_seen_until(moment)
    cutoff = moment - timedelta(days=absence_days)
    absent = db.session.scalar(sa.select(sa.func.count()).select_from(
        present_persons(moment, scope).join(seen, seen.c.person_id == Stay.person_id)
        .where(seen.c.last_seen < cutoff).subquery())) or 0
    blocked = sa.select(sa.func.count(BedBlock.id)).where(
        BedBlock.blocked_at <= moment,
        sa.or_(BedBlock.unblocked_at.is_(None), BedBlock.unblocked_at > moment))
    if scope.site_id is not None:
        blocked = blocked.join(Bed, Bed.id == BedBlock.bed_id).join(
            Unit, Unit.id == Bed.unit_id).where(Unit.site_id == scope.site_id)
    return {"without_full_date_of_birth": without_date, "open_duplicate_decisions": duplicates,
            "absent_3_days": absent, "beds_blocked": db.session.scalar(blocked) or 0}


# --- trends --------------------------------------------------------------------------------


def _day_table(days: list[date]):
    """The local days as rows (i, t_start, t_end) for range joins in one query."""
    selects = []
    for index, day in enumerate(days):
        start, end = day_bounds(day)
        selects.append(sa.select(sa.literal(index).label("i"),
                                 sa.literal(start, UTCDateTime).label("t_start"),
                                 sa.literal(end, UTCDateTime).label("t_end")))
    return sa.union_all(*selects).subquery("days")


def _per_day(query) -> dict[int, int]:
    return {index: count for index, count in db.session.execute(query).all()}


def trend(last_day: date, days: int, scope: Scope = Scope()) -> list[dict]:
    """Per local day: arrivals, departures, and present and free beds at the end of the
    day — five grouped queries over a table of days, whatever the number of days."""
    day_list = [last_day - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    d = _day_table(day_list)
    at_end = d.c.t_end
    arrived = _per_day(
        sa.select(d.c.i, sa.func.count(Person.id)).select_from(d)
        .join(Household, sa.and_(Household.arrived_at >= d.c.t_start,
                                 Household.arrived_at < d.c.t_end))
        .join(Person, Person.household_id == Household.id).group_by(d.c.i))
    left = _per_day(scope.stays(
        sa.select(d.c.i, sa.func.count(Stay.id)).select_from(d)
        .join(Stay, sa.and_(Stay.ended_at >= d.c.t_start, Stay.ended_at < d.c.t_end)))
        .where(Stay.state == "checked_out", Stay.end_reason != MOVED).group_by(d.c.i))
    in_bed = _per_day(scope.stays(
        sa.select(d.c.i, sa.func.count(Stay.id)).select_from(d)
        .join(Stay, sa.and_(Stay.checked_in_at < at_end,
                            sa.or_(Stay.ended_at.is_(None), Stay.ended_at >= at_end))))
        .group_by(d.c.i))
    planned = _per_day(scope.stays(
        sa.select(d.c.i, sa.func.count(Stay.id)).select_from(d)
        .join(Stay, sa.and_(Stay.planned_at < at_end,
                            sa.or_(Stay.checked_in_at.is_(None), Stay.checked_in_at >= at_end),
                            sa.or_(Stay.ended_at.is_(None), Stay.ended_at >= at_end))))
        .group_by(d.c.i))
    capacity = _per_day(_capacity_per_day(d, scope))
    rows = []
    for index, day in enumerate(day_list):
        free = capacity.get(index, 0) - in_bed.get(index, 0) - planned.get(index, 0)
        rows.append({"date": day.isoformat(), "arrivals": arrived.get(index, 0),
                     "departures": left.get(index, 0), "present": in_bed.get(index, 0),
                     "free_beds": max(free, 0)})
    return rows


def _capacity_per_day(d, scope: Scope):
    at_end = d.c.t_end
    blocked = sa.exists().where(
        BedBlock.bed_id == Bed.id, BedBlock.blocked_at < at_end,
        sa.or_(BedBlock.unblocked_at.is_(None), BedBlock.unblocked_at >= at_end))
    query = (sa.select(d.c.i, sa.func.count(Bed.id)).select_from(d)
             .join(Bed, sa.and_(Bed.created_at < at_end,
                                sa.or_(Bed.removed_at.is_(None), Bed.removed_at >= at_end)))
             .join(Unit, Unit.id == Bed.unit_id).join(Site, Site.id == Unit.site_id)
             .where(Site.opened_at < at_end,
                    sa.or_(Site.closed_at.is_(None), Site.closed_at >= at_end),
                    Site.kind != "reserve", ~blocked))
    if scope.site_id is not None:
        query = query.where(Unit.site_id == scope.site_id)
    return query.group_by(d.c.i)
