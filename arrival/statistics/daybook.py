"""The day book: closing days (the night job) and reading them back.

`close_day` counts one local day with the same exact queries as a live count and
writes the row; `close_days` closes every day that has no row or a stale one. The
dashboard asks `usable_days` for the rows it can trust and counts live whatever is
missing, so a day book that lags behind (before the first night, after a
correction) makes the dashboard slower, never wrong.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError

from arrival.cases.models import ClarificationItem
from arrival.database import now_utc
from arrival.extensions import db
from arrival.housing import occupancy
from arrival.housing.models import Site, Stay
from arrival.registry.models import Household
from arrival.statistics import changes
from arrival.statistics import queries as q
from arrival.statistics.models import FigureClock, FigureDay

# How many days the dashboard's longest trend looks back: the night job keeps at
# least these closed, even before the first arrival (capacity may exist already).
TREND_DAYS = 60
# A day is closed this long after it ended, so that a request that began before
# midnight and writes into the old day has committed by then.
CLOSING_GRACE = timedelta(minutes=15)


def end_of_day(day: date) -> datetime:
    """The last instant of a local day: what was true at 23:59:59.999999."""
    return q.day_bounds(day)[1] - timedelta(microseconds=1)


def recount_day(day: date) -> dict:
    """The figures of one closed day counted from all history (slow on a large
    registry): what the kept row must equal (tests/statistics/test_day_book.py)."""
    start, end = q.day_bounds(day)
    moment, next_day = end_of_day(day), day + timedelta(days=1)
    sites = occupancy.site_occupancy(moment, include_closed=True)
    stocks = {
        "present": q.present(moment),
        "planned": q.planned_count(moment),
        "capacity": q.capacity_at(moment),
        "sites": {str(r.site_id): [r.capacity, r.occupied, r.planned, r.blocked] for r in sites},
        "demographics": q.demographics(moment),
        "vulnerable": q.vulnerable(moment),
        "open_items": _open_items_list(_recount_open_items(moment, next_day)),
        "households_with_items": q.households_with_items(moment),
        "households_unclarified": q.households_unclarified(moment),
        "without_full_date_of_birth": q.without_full_date_of_birth(moment),
        "impossible_age": q.impossible_ages(moment, next_day),
        "open_duplicate_decisions": q.open_duplicate_decisions(moment),
    }
    return {"stocks": stocks, "flows": _flows(day, stocks)}


def _recount_open_items(moment: datetime, on: date) -> dict[tuple[int, str], list[int]]:
    counts: dict[tuple[int, str], list[int]] = {}
    for items in q.items_as_of(moment):
        for authority_id, topic, count, overdue, *_aging in q._open_item_counts(
                items, moment, on, items.c.state_at.in_(q.ACTIVE)):
            entry = counts.setdefault((authority_id, topic), [0, 0])
            entry[0] += count
            entry[1] += overdue
    return counts


def _open_items_list(counts: dict[tuple[int, str], list[int]]) -> list[list]:
    """[authority_id, topic, open, overdue] rows, sorted, without empty ones."""
    return [[authority_id, topic, open_, overdue]
            for (authority_id, topic), (open_, overdue) in sorted(counts.items()) if open_]


def _flows(day: date, stocks: dict) -> dict:
    start, end = q.day_bounds(day)
    arrivals, departures = q.arrivals(start, end), q.departures(start, end)
    return {"arrivals": arrivals, "departures": departures, "trend": {
        "date": day.isoformat(), "arrivals": arrivals["persons"],
        "departures": departures["total"], "present": stocks["present"],
        "free_beds": max(stocks["capacity"] - stocks["present"] - stocks["planned"], 0)}}


def empty_stocks() -> dict:
    """The stocks before anything happened."""
    return {
        "present": 0, "planned": 0, "capacity": 0, "sites": {},
        "demographics": {"total": 0,
                         "age_bands": {**{name: 0 for name, _l, _h in q.AGE_BANDS},
                                       q.UNKNOWN_AGE: 0},
                         "sex": {sex: 0 for sex in ("female", "male", "diverse", "unknown")},
                         "nationality": {"ukrainian": 0, "third_country": 0}},
        "vulnerable": {code: 0 for code in q.VULNERABLE_FLAGS},
        "open_items": [], "households_with_items": 0, "households_unclarified": 0,
        "without_full_date_of_birth": 0, "impossible_age": 0, "open_duplicate_decisions": 0,
    }


def advance(stocks: dict, t0: datetime, t: datetime, *,
            sites_changed: changes.SiteChanges | None = None) -> dict:
    """The stocks at t from those at t0 (the end of a day) and the changes since.
    Calendar-bound counts (overdue items, impossible ages) are as of t's day at both
    ends: `stocks` must hold them as of that day. `sites_changed`: those of (t0, t]
    when the caller has them already."""
    on = q.local_date(t)
    stays, bed_changes = sites_changed or changes.site_changes(t0, t)
    sites, capacity = advance_sites(stocks["sites"], stays, bed_changes, t)
    items = {(a, topic): [count, overdue] for a, topic, count, overdue in stocks["open_items"]}
    for (authority_id, topic, kind), change in changes.open_items_change(t0, t).items():
        items.setdefault((authority_id, topic), [0, 0])[kind == "overdue"] += change
    flags = changes.flags_change(t0, t)
    return {
        "present": stocks["present"] + sum(occupied for occupied, _ in stays.values()),
        "planned": stocks["planned"] + sum(planned for _, planned in stays.values()),
        "capacity": capacity,
        "sites": sites,
        "demographics": changes.apply_demographics(stocks["demographics"],
                                                   changes.demographics_change(t0, t)),
        "vulnerable": {code: count + flags.get(code, 0)
                       for code, count in stocks["vulnerable"].items()},
        "open_items": _open_items_list(items),
        "households_with_items": stocks["households_with_items"]
        + changes.households_with_items_change(t0, t),
        "households_unclarified": stocks["households_unclarified"]
        + changes.households_unclarified_change(t0, t),
        "without_full_date_of_birth": stocks["without_full_date_of_birth"]
        + q.without_full_date_of_birth(t, after=t0),
        "impossible_age": stocks["impossible_age"] + q.impossible_ages(t, on, after=t0),
        "open_duplicate_decisions": stocks["open_duplicate_decisions"]
        + changes.duplicate_decisions_change(t0, t),
    }


def advance_sites(kept: dict, stays: dict, bed_changes: set[int], t: datetime
                   ) -> tuple[dict, int]:
    """Sites opened by t: [capacity, occupied, planned, blocked], and the capacity of
    those open at t (reserves not counted, as in queries.capacity_at). A site whose
    beds changed (or that is new) is counted again; the others move by their stays."""
    opened = db.session.execute(
        sa.select(Site.id, Site.kind, Site.closed_at).where(Site.opened_at <= t)).all()
    recount = [site.id for site in opened
               if str(site.id) not in kept] + sorted(bed_changes)
    sites = {key: list(values) for key, values in kept.items()}
    for site, (occupied, planned) in stays.items():
        if str(site) in sites:
            sites[str(site)][1] += occupied
            sites[str(site)][2] += planned
    if recount:
        for row in occupancy.site_occupancy(t, site_ids=recount, include_closed=True):
            sites[str(row.site_id)] = [row.capacity, row.occupied, row.planned, row.blocked]
    # Summed from the sites' rows: a bed added today must not recount every bed.
    capacity = sum(sites[str(site.id)][0] for site in opened if site.kind != "reserve"
                   and (site.closed_at is None or site.closed_at > t))
    return sites, capacity


def to_next_day(stocks: dict, day: date) -> dict:
    """Stocks at the end of the day, with the calendar-bound counts as seen from the
    next day: items due on the day become overdue, birthdays move ages."""
    moment, next_day = end_of_day(day), day + timedelta(days=1)
    items = {(a, topic): [count, overdue] for a, topic, count, overdue in stocks["open_items"]}
    for (authority_id, topic, kind), count in changes.open_items_due_on(day, moment).items():
        if kind == "open":
            items.setdefault((authority_id, topic), [0, 0])[1] += count
    return {**stocks, "open_items": _open_items_list(items),
            "impossible_age": stocks["impossible_age"]
            + changes.impossible_ages_change(moment, day, next_day)}


def count_day(day: date, before: dict | None) -> dict:
    """The row of the day from the row of the day before (or from nothing)."""
    previous = end_of_day(day - timedelta(days=1))
    stocks = advance(before if before is not None else empty_stocks(), previous,
                     end_of_day(day))
    stocks = to_next_day(stocks, day)
    return {"stocks": stocks, "flows": _flows(day, stocks)}


def _corrections(*, lock: bool = False) -> int:
    query = sa.select(FigureClock.corrections).where(FigureClock.id == 1)
    if lock:
        query = query.with_for_update()
    return db.session.scalar(query) or 0


def close_day(day: date) -> FigureDay:
    """Count the day from the row of the day before and write its row; before the
    first day anything happened, the day before counts as empty. A correction
    committed while the day was counted bumps the clock: the row is then written
    stale, to be counted again."""
    seen = _corrections()
    before = db.session.get(FigureDay, day - timedelta(days=1))
    if before is not None and before.stale:
        raise ValueError(f"the day before {day} is stale: close the days in order")
    begun = first_day()
    if before is None and begun is not None and day > begun:
        raise ValueError(f"the day before {day} has no row: close the days in order")
    figures = count_day(day, before.stocks if before is not None else None)
    raced = _corrections(lock=True) != seen
    row = db.session.get(FigureDay, day)
    if row is None:
        row = FigureDay(day=day)
        db.session.add(row)
    row.stocks, row.flows = figures["stocks"], figures["flows"]
    row.stale, row.computed_at = raced, now_utc()
    db.session.flush()
    return row


def closable_until(moment: datetime) -> date:
    """The last day the night job may close at the moment."""
    return q.local_date(moment - CLOSING_GRACE) - timedelta(days=1)


def first_day() -> date | None:
    """The first day anything happened that the figures count."""
    earliest = [db.session.scalar(sa.select(sa.func.min(column))) for column in (
        Household.arrived_at, Stay.planned_at, Site.opened_at, ClarificationItem.created_at)]
    earliest = [moment for moment in earliest if moment is not None]
    return q.local_date(min(earliest)) if earliest else None


def days_to_close(moment: datetime) -> list[date]:
    last = closable_until(moment)
    start = last - timedelta(days=TREND_DAYS - 1)
    begun = first_day()
    if begun is not None:
        start = min(start, begun)
    kept = dict(db.session.execute(
        sa.select(FigureDay.day, FigureDay.stale).where(FigureDay.day.between(start, last))).all())
    days, day = [], start
    while day <= last:
        if kept.get(day, True):  # missing or stale
            days.append(day)
        day += timedelta(days=1)
    return days


def close_days(moment: datetime | None = None, *, commit=None, attempts: int = 3) -> list[date]:
    """Close every day that has no row or a stale one, in order (each row builds on
    the one before); each day in its own commit, so a long catch-up keeps what it has
    done. `commit` is called after each day (the CLI commits; tests keep one
    transaction). A day that raced a correction is counted again in the next pass."""
    moment = moment or now_utc()
    closed = []
    for _attempt in range(attempts):
        pending = days_to_close(moment)
        if not pending:
            break
        for day in pending:
            try:
                row = close_day(day)
                if commit:
                    commit()
            except (OperationalError, IntegrityError):
                # another server closed the day first (or, on SQLite, a writer came
                # between reading and writing): look again in the next pass
                db.session.rollback()
                break
            closed.append(day)
            if row.stale:
                break
    return closed


def usable_flows(first: date, last: date) -> dict[date, dict]:
    """The flows of the days first..last that can be trusted (present and not stale)."""
    return dict(db.session.execute(
        sa.select(FigureDay.day, FigureDay.flows)
        .where(FigureDay.day.between(first, last), FigureDay.stale.is_(False))).all())


def usable_stocks(day: date) -> dict | None:
    return db.session.scalar(sa.select(FigureDay.stocks).where(
        FigureDay.day == day, FigureDay.stale.is_(False)))


def status(moment: datetime | None = None) -> dict:
    moment = moment or now_utc()
    rows = db.session.execute(sa.select(FigureDay.day, FigureDay.stale)).all()
    return {"closed": sum(1 for _day, stale in rows if not stale),
            "stale": sorted(day.isoformat() for day, stale in rows if stale),
            "to_close": [day.isoformat() for day in days_to_close(moment)],
            "corrections": _corrections()}
