"""The dashboard's picture at a moment, and the situation report's picture of a
day, both assembled from the same queries (arrival.statistics.queries)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from arrival.database import now_utc
from arrival.housing import occupancy
from arrival.statistics import queries as q


def end_of_day(day: date) -> datetime:
    """The last instant of a local day: what was true at 23:59:59.999999."""
    return q.day_bounds(day)[1] - timedelta(microseconds=1)


def site_rows(moment: datetime, site_id: int | None = None) -> list[dict]:
    rows = occupancy.site_occupancy(moment, site_ids=[site_id] if site_id else None)
    rows.sort(key=lambda r: (r.level == "ok", -r.percent, r.name))
    return [{"id": r.site_id, "name": r.name, "kind": r.kind, "capacity": r.capacity,
             "occupied": r.occupied, "planned": r.planned, "free": r.free, "percent": r.percent,
             "level": r.level, "blocked": r.blocked} for r in rows]


def dashboard(as_of: datetime | None = None, site_id: int | None = None) -> dict:
    moment = as_of or now_utc()
    scope = q.Scope(site_id)
    today = q.local_date(moment)
    today_start, _ = q.day_bounds(today)
    yesterday_start, yesterday_end = q.day_bounds(today - timedelta(days=1))
    fortnight_start, _ = q.day_bounds(today - timedelta(days=13))
    sites = site_rows(moment, site_id)
    return {
        "as_of": moment.isoformat(),
        "site_id": site_id,
        "arrivals": {
            "today": q.arrivals(today_start, moment),
            "yesterday": q.arrivals(yesterday_start, yesterday_end),
            "last_14_days": q.arrivals(fortnight_start, moment),
        },
        "departures": {
            "today": q.departures(today_start, moment, scope),
            "yesterday": q.departures(yesterday_start, yesterday_end, scope),
            "last_14_days": q.departures(fortnight_start, moment, scope),
        },
        "present": q.present(moment, scope),
        "sites": sites,
        "totals": occupancy.totals(occupancy.site_occupancy(
            moment, site_ids=[site_id] if site_id else None)),
        "demographics": q.demographics(moment, scope),
        "vulnerable": q.vulnerable(moment, scope),
        "clarification": q.clarification(moment, scope),
        "services": q.services(today_start, moment, scope),
        "data_quality": q.data_quality(moment, scope),
        "trend_14": q.trend(today, 14, scope),
        "trend_60": q.trend(today, 60, scope),
    }


def day_report(day: date) -> dict:
    """The situation report of one local calendar day (00:00–24:00, 23 or 25 hours on
    the days the clocks change); stock figures as at the end of the day."""
    start, end = q.day_bounds(day)
    moment = end_of_day(day)
    return {
        "arrivals": q.arrivals(start, end),
        "cumulative_arrivals": q.cumulative_arrivals(end),
        "present": q.present(moment),
        "sites": site_rows(moment),
        "totals": occupancy.totals(occupancy.site_occupancy(moment)),
        "departures": q.departures(start, end),
        "demographics": q.demographics(moment),
        "vulnerable": q.vulnerable(moment),
        "clarification": q.clarification(moment),
        "fingerprints": q.fingerprints(moment),
        "services": q.services(start, moment),
        "data_quality": q.data_quality(moment),
    }
