"""The dashboard's picture at a moment, and the situation report's picture of a
day, both assembled from the same queries (arrival.statistics.queries)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from arrival.appointments.operations import figures_of_day
from arrival.database import now_utc
from arrival.housing import occupancy
from arrival.statistics import queries as q
from arrival.statistics.current import dashboard_from_day_book
from arrival.statistics.daybook import end_of_day
from arrival.transfers import operations as transfers


def site_rows(moment: datetime, site_id: int | None = None) -> list[dict]:
    return site_rows_of(occupancy.site_occupancy(moment, site_ids=[site_id] if site_id else None))


def site_rows_of(rows: list[occupancy.SiteOccupancy]) -> list[dict]:
    rows = sorted(rows, key=lambda r: (r.level == "ok", -r.percent, r.name))
    return [{"id": r.site_id, "name": r.name, "kind": r.kind, "capacity": r.capacity,
             "occupied": r.occupied, "planned": r.planned, "free": r.free, "percent": r.percent,
             "level": r.level, "blocked": r.blocked} for r in rows]


def appointments(day: date) -> list[dict]:
    """Appointments of the day per authority (issue 16): booked, attended, missed,
    cancelled, the no-show rate (missed of those that came due) and the mean wait
    from arriving at the desk to being called."""
    return [{"authority": f.authority, "total": f.total, "attended": f.attended,
             "missed": f.missed, "cancelled": f.cancelled,
             "no_show_rate": round(f.no_show_rate, 3) if f.no_show_rate is not None else None,
             "waiting_minutes": f.waiting_minutes} for f in figures_of_day(day)]


def dashboard(as_of: datetime | None = None, site_id: int | None = None) -> dict:
    """The figures now or as of a past moment: from the day book where the day before
    is closed (the whole centre), otherwise counted live — the same figures."""
    moment = as_of or now_utc()
    if site_id is None:
        booked = booked_dashboard(moment)
        if booked is not None:
            return booked
    return counted_dashboard(moment, site_id)


def booked_dashboard(moment: datetime) -> dict | None:
    """The whole centre's figures from the day book, with the parts both ways count
    alike (site rows, appointments, transfers); None while yesterday is not closed."""
    booked = dashboard_from_day_book(moment)
    if booked is None:
        return None
    figures, sites = booked
    today = q.local_date(moment)
    return {**figures, "sites": site_rows_of(sites), "appointments": appointments(today),
            "transfers": transfers.figures(q.day_bounds(today)[0], moment)}


def counted_dashboard(moment: datetime, site_id: int | None = None) -> dict:
    """Every figure counted from history at the moment."""
    scope = q.Scope(site_id)
    today = q.local_date(moment)
    today_start, _ = q.day_bounds(today)
    yesterday_start, yesterday_end = q.day_bounds(today - timedelta(days=1))
    fortnight_start, _ = q.day_bounds(today - timedelta(days=13))
    occupancies = occupancy.site_occupancy(moment, site_ids=[site_id] if site_id else None)
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
        "sites": site_rows_of(occupancies),
        "totals": occupancy.totals(occupancies),
        "demographics": q.demographics(moment, scope),
        "vulnerable": q.vulnerable(moment, scope),
        "clarification": q.clarification(moment, scope),
        "appointments": appointments(today),
        "services": q.services(today_start, moment, scope),
        "data_quality": q.data_quality(moment, scope),
        # transfers of the day so far (the whole centre: buses serve every site)
        "transfers": transfers.figures(today_start, moment),
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
        "appointments": appointments(day),
        "services": q.services(start, moment),
        "data_quality": q.data_quality(moment),
        "transfers": transfers.figures(start, end),
    }
