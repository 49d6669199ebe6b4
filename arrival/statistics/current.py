"""The dashboard's figures from the day book: the stocks of the day before the
moment advanced by the changes since (arrival.statistics.daybook.advance), and
the trends from the closed days' rows. Figures that depend on the moment itself
(the age of open items, absence, today's flows) are counted live; they read only
recent rows.

`dashboard_from_day_book` returns None when the day before has no trusted row; the
caller (arrival.statistics.figures.dashboard) then counts everything live, so the figures are the same either way (the
tests compare both for every day of a scenario with corrections).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from arrival.catalog.models import Authority
from arrival.extensions import db
from arrival.housing import occupancy
from arrival.housing.models import Site
from arrival.statistics import changes
from arrival.statistics import queries as q
from arrival.statistics.daybook import (advance, advance_sites, end_of_day, usable_flows,
                                        usable_stocks)


def dashboard_from_day_book(moment: datetime) -> tuple[dict, list] | None:
    """The figures that come from the day book, and the open sites' occupancy (the
    caller, arrival.statistics.figures, adds what both ways count alike)."""
    today = q.local_date(moment)
    yesterday = today - timedelta(days=1)
    base = usable_stocks(yesterday)
    if base is None:
        return None
    flows = usable_flows(today - timedelta(days=59), yesterday)
    t0 = end_of_day(yesterday)
    # The day's stays and bed changes so far: read once for the stocks and the trend.
    since_t0 = changes.site_changes(t0, moment)
    stocks = advance(base, t0, moment, sites_changed=since_t0)
    today_start, _ = q.day_bounds(today)
    sites = _open_sites(stocks["sites"], moment)
    arrivals_today = q.arrivals(today_start, moment)
    departures_today = q.departures(today_start, moment)
    return {
        "as_of": moment.isoformat(),
        "site_id": None,
        "arrivals": {"today": arrivals_today, "yesterday": flows[yesterday]["arrivals"],
                     "last_14_days": _fortnight(flows, today, "arrivals", arrivals_today)
                     or q.arrivals(q.day_bounds(today - timedelta(days=13))[0], moment)},
        "departures": {"today": departures_today,
                       "yesterday": flows[yesterday]["departures"],
                       "last_14_days": _fortnight(flows, today, "departures", departures_today)
                       or q.departures(q.day_bounds(today - timedelta(days=13))[0], moment)},
        "present": stocks["present"],
        "totals": occupancy.totals(sites),
        "demographics": stocks["demographics"],
        "vulnerable": stocks["vulnerable"],
        "clarification": _clarification(stocks, moment),
        "services": q.services(today_start, moment),
        "data_quality": {
            "without_full_date_of_birth": stocks["without_full_date_of_birth"],
            "impossible_age": stocks["impossible_age"],
            "open_duplicate_decisions": stocks["open_duplicate_decisions"],
            "absent_3_days": q.absent(moment),
            "beds_blocked": q.beds_blocked(moment)},
        **_trends(flows, base, today, moment, since_t0),
    }, sites


def _open_sites(kept: dict, moment: datetime) -> list[occupancy.SiteOccupancy]:
    open_sites = db.session.execute(
        sa.select(Site.id, Site.name, Site.kind, Site.warning_percent, Site.critical_percent)
        .where(occupancy.site_open_at(moment)).order_by(Site.name)).all()
    return [occupancy.SiteOccupancy(site.id, site.name, site.kind, *_counts(kept, site.id),
                                    site.warning_percent, site.critical_percent)
            for site in open_sites]


def _counts(kept: dict, site_id: int) -> tuple[int, int, int, int]:
    capacity, occupied, planned, blocked = kept.get(str(site_id), (0, 0, 0, 0))
    return capacity, occupied, planned, blocked


def _clarification(stocks: dict, moment: datetime) -> dict:
    on = q.local_date(moment)
    day_start, _ = q.day_bounds(on)
    codes = dict(db.session.execute(sa.select(Authority.id, Authority.code)).all())
    ages = changes.open_item_ages(moment, on)
    open_items: dict[str, dict] = {}
    for authority_id, topic, count, overdue in stocks["open_items"]:
        fresh, week = ages.get((authority_id, topic), (0, 0))
        entry = open_items.setdefault(codes[authority_id], {
            "open": 0, "overdue": 0, "by_topic": {}, "aging": {"0-2": 0, "3-7": 0, "8+": 0}})
        entry["open"] += count
        entry["overdue"] += overdue
        entry["by_topic"][topic] = entry["by_topic"].get(topic, 0) + count
        entry["aging"]["0-2"] += fresh
        entry["aging"]["3-7"] += week
        entry["aging"]["8+"] += count - fresh - week
    return {"by_authority": open_items, **q.day_flows_of_items(day_start, moment),
            "households_clarified": stocks["households_with_items"]
            - stocks["households_unclarified"],
            "open_total": sum(e["open"] for e in open_items.values()),
            "overdue_total": sum(e["overdue"] for e in open_items.values())}


def _fortnight(flows: dict, today: date, key: str, today_figures: dict) -> dict | None:
    """The last 14 days' sum of arrivals or departures: 13 closed days' rows and today
    (None when a day in between has no trusted row)."""
    days = [today - timedelta(days=offset) for offset in range(13, 0, -1)]
    if any(day not in flows for day in days):
        return None
    parts = [flows[day][key] for day in days] + [today_figures]
    if key == "arrivals":
        points: dict[str, int] = {}
        for part in parts:
            for point, count in part["by_arrival_point"].items():
                points[point] = points.get(point, 0) + count
        return {"persons": sum(p["persons"] for p in parts),
                "households": sum(p["households"] for p in parts), "by_arrival_point": points}
    reasons: dict[str, int] = {}
    for part in parts:
        for reason, count in part["by_reason"].items():
            reasons[reason] = reasons.get(reason, 0) + count
    return {"total": sum(reasons.values()), "by_reason": reasons}


def _trends(flows: dict, base: dict, today: date, moment: datetime,
            since_t0: changes.SiteChanges) -> dict[str, list[dict]]:
    """The 14- and 60-day trends: closed days from their rows, today as the live trend
    counts it (to the end of the day). A missing or stale day in a window: that trend
    counted live."""
    today_row = None
    trends = {}
    for days in (14, 60):
        closed = [today - timedelta(days=offset) for offset in range(days - 1, 0, -1)]
        if any(day not in flows for day in closed):
            trends[f"trend_{days}"] = q.trend(today, days)
            continue
        today_row = today_row or _trend_today(base, today, moment, since_t0)
        trends[f"trend_{days}"] = [flows[day]["trend"] for day in closed] + [today_row]
    return trends


def _trend_today(base: dict, today: date, moment: datetime,
                 since_t0: changes.SiteChanges) -> dict:
    """Today's trend row, to the end of the day: the changes since the day book's
    row up to the moment, which the stocks read already, and those dated after the
    moment (rarely any)."""
    start, end = q.day_bounds(today)
    until = end_of_day(today)
    stays, bed_changes = since_t0.then(changes.site_changes(moment, until))
    present = base["present"] + sum(occupied for occupied, _ in stays.values())
    planned = base["planned"] + sum(planned for _, planned in stays.values())
    capacity = base["capacity"]
    if bed_changes:
        _sites, capacity = advance_sites(base["sites"], stays, bed_changes, until)
    return {"date": today.isoformat(), "arrivals": q.arrivals(start, end)["persons"],
            "departures": q.departures(start, end)["total"], "present": present,
            "free_beds": max(capacity - present - planned, 0)}
