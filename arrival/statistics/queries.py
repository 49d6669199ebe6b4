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
from datetime import date, datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401  (sa.orm.aliased)

from arrival.cases.models import ClarificationItem, ItemTransition
from arrival.catalog.models import Authority
from arrival.core.timezone import day_bounds, local_date, local_zone as zone  # noqa: F401
from arrival.database import UTCDateTime
from arrival.extensions import db
from arrival.housing import occupancy
from arrival.housing.absence import sighting_sources
from arrival.housing.models import Bed, BedBlock, Site, Stay, Unit
from arrival.housing.operations import MOVED
from arrival.registry.models import DuplicateDecision, Household, Person, PersonFlag
from arrival.services.models import Delivery, Scan

AGE_BANDS = (("0-5", 0, 5), ("6-17", 6, 17), ("18-64", 18, 64), ("65+", 65, 120))
# Ages outside 0..120 (born after the day, or a mistyped year) are impossible: they
# are counted in this band and under data quality, so the bands add up to the total.
UNKNOWN_AGE = "unknown"
MAX_AGE = 120
VULNERABLE_FLAGS = ("unaccompanied_minor", "disability", "reduced_mobility", "pregnant",
                    "needs_care")
ACTIVE = ("open", "in_progress", "waiting")




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
    """Age bands, sex and nationality of those present, in one pass over them."""
    on = local_date(moment)
    present_ids = present_persons(moment, scope).subquery()
    people = (sa.select(_age_expression(on).label("age"), Person.sex, Person.nationality)
              .join(present_ids, present_ids.c.person_id == Person.id).subquery())

    def count_if(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    columns = [count_if(people.c.age.between(low, high)).label(name)
               for name, low, high in AGE_BANDS]
    columns.append(count_if(~people.c.age.between(0, MAX_AGE)).label(UNKNOWN_AGE))
    columns += [count_if(people.c.sex == sex).label(sex)
                for sex in ("female", "male", "diverse", "unknown")]
    columns += [count_if(people.c.nationality == "UKR").label("ukrainian"),
                sa.func.count().label("total")]
    row = db.session.execute(sa.select(*columns)).one()._mapping
    return {
        "total": row["total"],
        "age_bands": {**{name: row[name] for name, _low, _high in AGE_BANDS},
                      UNKNOWN_AGE: row[UNKNOWN_AGE]},
        "sex": {key: row[key] for key in ("female", "male", "diverse", "unknown")},
        "nationality": {"ukrainian": row["ukrainian"],
                        "third_country": row["total"] - row["ukrainian"]},
    }


def vulnerable(moment: datetime, scope: Scope = Scope()) -> dict:
    present_ids = present_persons(moment, scope).subquery()
    counts = dict(db.session.execute(
        sa.select(PersonFlag.code, sa.func.count(PersonFlag.person_id))
        .join(present_ids, present_ids.c.person_id == PersonFlag.person_id)
        .where(PersonFlag.code.in_(VULNERABLE_FLAGS))
        .group_by(PersonFlag.code)).all())
    return {code: counts.get(code, 0) for code in VULNERABLE_FLAGS}


# --- clarification -------------------------------------------------------------------------


def items_as_of(moment: datetime, scope: Scope = Scope()) -> list:
    """Items created by the moment, with their state then (column state_at), as two
    subqueries to aggregate separately: items unchanged since the moment (their
    current state, read straight from the item table) and the few changed since
    (state replayed from the transitions) — for "now" the second one is empty."""
    item = ClarificationItem
    changed_since = sa.select(ItemTransition.item_id).where(ItemTransition.at > moment)
    current = sa.select(item, item.state.label("state_at")).where(
        item.created_at <= moment, item.id.not_in(changed_since))
    ranked = (
        sa.select(ItemTransition.item_id, ItemTransition.to_state,
                  sa.func.row_number().over(
                      partition_by=ItemTransition.item_id,
                      order_by=(ItemTransition.at.desc(), ItemTransition.id.desc()),
                  ).label("rank"))
        .where(ItemTransition.at <= moment, ItemTransition.item_id.in_(changed_since))
        .subquery())
    replayed = (sa.select(item, ranked.c.to_state.label("state_at"))
                .join(ranked, ranked.c.item_id == item.id).where(ranked.c.rank == 1))
    if scope.site_id is not None:
        at_site = (sa.select(Stay.household_id).where(occupancy.occupied_at(moment))
                   .join(Bed, Bed.id == Stay.bed_id).join(Unit, Unit.id == Bed.unit_id)
                   .where(Unit.site_id == scope.site_id))
        current = current.where(item.household_id.in_(at_site))
        replayed = replayed.where(item.household_id.in_(at_site))
    return [current.subquery(), replayed.subquery()]


def _open_item_counts(items, moment: datetime, on: date, *conditions):
    """(authority_id, topic, open, overdue, 0-2 days, 3-7 days, 8+ days) of the rows."""
    def count_if(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    three_days, eight_days = moment - timedelta(days=3), moment - timedelta(days=8)
    return db.session.execute(
        sa.select(items.c.authority_id, items.c.topic, sa.func.count(),
                  count_if(items.c.due_on < on), count_if(items.c.created_at > three_days),
                  count_if(sa.and_(items.c.created_at <= three_days,
                                   items.c.created_at > eight_days)),
                  count_if(items.c.created_at <= eight_days))
        .where(*conditions).group_by(items.c.authority_id, items.c.topic)).all()


def clarification(moment: datetime, scope: Scope = Scope()) -> dict:
    on = local_date(moment)
    day_start, _ = day_bounds(on)
    item = ClarificationItem
    codes = dict(db.session.execute(sa.select(Authority.id, Authority.code)).all())
    current, replayed = items_as_of(moment, scope)
    # One query per state lets the database read the covering index in group order.
    rows = [row for state in ACTIVE
            for row in _open_item_counts(current, moment, on, current.c.state_at == state)]
    rows += _open_item_counts(replayed, moment, on, replayed.c.state_at.in_(ACTIVE))
    open_items: dict[str, dict] = {}
    for authority_id, topic, count, overdue, fresh, week, older in rows:
        entry = open_items.setdefault(codes[authority_id], {
            "open": 0, "overdue": 0, "by_topic": {}, "aging": {"0-2": 0, "3-7": 0, "8+": 0}})
        entry["open"] += count
        entry["overdue"] += overdue
        entry["by_topic"][topic] = entry["by_topic"].get(topic, 0) + count
        for bucket, value in (("0-2", fresh), ("3-7", week), ("8+", older)):
            entry["aging"][bucket] += value
    with_items = households_with_items(moment)
    unclarified = households_unclarified(moment, scope)
    return {"by_authority": open_items, **day_flows_of_items(day_start, moment),
            "households_clarified": with_items - unclarified,
            "open_total": sum(e["open"] for e in open_items.values()),
            "overdue_total": sum(e["overdue"] for e in open_items.values())}


def day_flows_of_items(day_start: datetime, moment: datetime) -> dict:
    """Items resolved and opened per authority from the start of the day to the moment."""
    item = ClarificationItem
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
    return {"resolved_today": resolved_today, "opened_today": opened_today}


def households_with_items(moment: datetime, among=None) -> int:
    """Households arrived by the moment with an item created by then (optionally only
    those whose ids the subquery `among` selects)."""
    item = ClarificationItem
    has_item = sa.exists().where(item.household_id == Household.id, item.created_at <= moment)
    query = sa.select(sa.func.count(Household.id)).where(Household.arrived_at <= moment, has_item)
    if among is not None:
        query = query.where(Household.id.in_(among))
    return db.session.scalar(query) or 0


def households_unclarified(moment: datetime, scope: Scope = Scope(), among=None) -> int:
    """Households with an unfinished item at the moment."""
    active = []
    for items in items_as_of(moment, scope):
        query = sa.select(items.c.household_id).where(items.c.state_at.in_(ACTIVE))
        if among is not None:
            query = query.where(items.c.household_id.in_(among))
        active.append(query)
    return db.session.scalar(sa.select(sa.func.count()).select_from(
        sa.union(*active).subquery())) or 0


def fingerprints(moment: datetime) -> dict:
    counts: dict[str, int] = {}
    for items in items_as_of(moment):
        for state, count in db.session.execute(
                sa.select(items.c.state_at, sa.func.count())
                .where(items.c.topic == "fingerprints").group_by(items.c.state_at)).all():
            counts[state] = counts.get(state, 0) + count
    return {"pending": sum(counts.get(s, 0) for s in ACTIVE), "done": counts.get("resolved", 0)}


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


def seen_between(start: datetime, end: datetime):
    """The ids of persons sighted (check-in, scan, delivery …) in (start, end]: whoever
    is present and not among them counts as absent — no maximum over all history."""
    sources = []
    for source in sighting_sources():
        at = source.selected_columns[1]
        sources.append(source.where(at > start, at <= end))  # each source uses its index
    sightings = sa.union_all(*sources).subquery()
    return sa.select(sightings.c.person_id)


def arrived_persons(after: datetime | None, until: datetime, *conditions) -> int:
    """Persons of households that arrived in (after, until] and meet the conditions."""
    period = [Household.arrived_at <= until]
    if after is not None:
        period.append(Household.arrived_at > after)
    return db.session.scalar(
        sa.select(sa.func.count(Person.id)).join(Household, Household.id == Person.household_id)
        .where(*period, *conditions)) or 0


def without_full_date_of_birth(moment: datetime, after: datetime | None = None) -> int:
    return arrived_persons(after, moment, Person.date_of_birth.is_(None))


def impossible_ages(moment: datetime, on: date, after: datetime | None = None) -> int:
    """Persons with an impossible age on the day (born after it, or more than MAX_AGE
    years before)."""
    return arrived_persons(after, moment, ~_age_expression(on).between(0, MAX_AGE))


def open_duplicate_decisions(moment: datetime) -> int:
    return db.session.scalar(sa.select(sa.func.count(DuplicateDecision.id)).where(
        DuplicateDecision.decided_at <= moment,
        sa.or_(DuplicateDecision.resolved_at.is_(None),
               DuplicateDecision.resolved_at > moment))) or 0


def absent(moment: datetime, scope: Scope = Scope(), absence_days: int = 3) -> int:
    """Persons present at the moment and not sighted in the days before it: the
    present persons joined with those sighted in the window, which reads only the
    window's sightings (an index range per kind), not every resident's history. A
    join, not NOT IN: PostgreSQL rescans a NOT IN subquery per person once it
    outgrows work_mem."""
    start = moment - timedelta(days=absence_days)
    sighted = []
    for source in sighting_sources():
        person, at = source.selected_columns[0], source.selected_columns[1]
        sighted.append(source.with_only_columns(person).where(at > start, at <= moment))
    seen = sa.union(*sighted).subquery("seen")  # UNION: each person once
    residents = present_persons(moment, scope).subquery("residents")
    present_count, seen_count = db.session.execute(
        sa.select(sa.func.count(), sa.func.count(seen.c.person_id))
        .select_from(residents.outerjoin(seen, seen.c.person_id == residents.c.person_id))
    ).one()
    return present_count - seen_count


def beds_blocked(moment: datetime, scope: Scope = Scope()) -> int:
    blocked = sa.select(sa.func.count(BedBlock.id)).where(
        BedBlock.blocked_at <= moment,
        sa.or_(BedBlock.unblocked_at.is_(None), BedBlock.unblocked_at > moment))
    if scope.site_id is not None:
        blocked = blocked.join(Bed, Bed.id == BedBlock.bed_id).join(
            Unit, Unit.id == Bed.unit_id).where(Unit.site_id == scope.site_id)
    return db.session.scalar(blocked) or 0


def data_quality(moment: datetime, scope: Scope = Scope(), absence_days: int = 3) -> dict:
    return {"without_full_date_of_birth": without_full_date_of_birth(moment),
            "impossible_age": impossible_ages(moment, local_date(moment)),
            "open_duplicate_decisions": open_duplicate_decisions(moment),
            "absent_3_days": absent(moment, scope, absence_days),
            "beds_blocked": beds_blocked(moment, scope)}


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
    day. Stocks are the stock at the start of the window plus the day-by-day changes,
    so every query touches each event once (index range joins), whatever the days."""
    day_list = [last_day - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    d = _day_table(day_list)
    before = day_bounds(day_list[0])[0] - timedelta(microseconds=1)

    def per_day(column, *conditions, join=None):
        query = sa.select(d.c.i, sa.func.count()).select_from(d).join(
            join if join is not None else column.table,
            sa.and_(column >= d.c.t_start, column < d.c.t_end))
        if column.table is Stay.__table__:
            query = scope.stays(query)
        return _per_day(query.where(*conditions).group_by(d.c.i))

    arrived = _per_day(
        sa.select(d.c.i, sa.func.count(Person.id)).select_from(d)
        .join(Household, sa.and_(Household.arrived_at >= d.c.t_start,
                                 Household.arrived_at < d.c.t_end))
        .join(Person, Person.household_id == Household.id).group_by(d.c.i))
    checked_in = per_day(Stay.checked_in_at)
    ended_after_check_in = per_day(Stay.ended_at, Stay.checked_in_at.is_not(None))
    left = per_day(Stay.ended_at, Stay.state == "checked_out", Stay.end_reason != MOVED)
    newly_planned = per_day(Stay.planned_at)
    cancelled = per_day(Stay.ended_at, Stay.checked_in_at.is_(None))
    capacities = _capacity_by_day(day_list, before, scope)
    in_bed = present(before, scope)
    waiting = planned_count(before, scope)
    rows = []
    for index, day in enumerate(day_list):
        in_bed += checked_in.get(index, 0) - ended_after_check_in.get(index, 0)
        waiting += newly_planned.get(index, 0) - checked_in.get(index, 0) \
            - cancelled.get(index, 0)
        rows.append({"date": day.isoformat(), "arrivals": arrived.get(index, 0),
                     "departures": left.get(index, 0), "present": in_bed,
                     "free_beds": max(capacities[index] - in_bed - waiting, 0)})
    return rows


def planned_count(moment: datetime, scope: Scope = Scope()) -> int:
    return db.session.scalar(scope.stays(sa.select(sa.func.count(Stay.id)).where(
        occupancy.planned_at(moment)))) or 0


def capacity_at(moment: datetime, scope: Scope = Scope()) -> int:
    query = (sa.select(sa.func.count(Bed.id)).join(Unit, Unit.id == Bed.unit_id)
             .join(Site, Site.id == Unit.site_id)
             .where(occupancy.site_open_at(moment), occupancy.bed_exists_at(moment),
                    ~occupancy.bed_blocked_at(moment), Site.kind != "reserve"))
    if scope.site_id is not None:
        query = query.where(Unit.site_id == scope.site_id)
    return db.session.scalar(query) or 0


def _capacity_by_day(day_list: list[date], before: datetime, scope: Scope) -> list[int]:
    """Capacity at the end of each day. It changes only when beds, blocks or sites
    change — rare events — so it is counted again only on the days that had one."""
    window_end = day_bounds(day_list[-1])[1]
    changes = []
    for column in (Bed.created_at, Bed.removed_at, BedBlock.blocked_at,
                   BedBlock.unblocked_at, Site.opened_at, Site.closed_at):
        changes += db.session.scalars(sa.select(column).where(
            column > before, column < window_end).distinct())
    change_days = {local_date(moment) for moment in changes}
    capacities, current = [], capacity_at(before, scope)
    for day in day_list:
        if day in change_days:
            current = capacity_at(day_bounds(day)[1] - timedelta(microseconds=1), scope)
        capacities.append(current)
    return capacities
