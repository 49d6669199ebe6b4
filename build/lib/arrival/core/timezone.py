"""Local time (Europe/Berlin by default) for display and for day boundaries.

The database holds UTC. A local calendar day is not always 24 hours long (the
clocks change twice a year), so day boundaries are computed here, never by
adding 24 hours to a UTC time.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from arrival.core.clock import local_zone, today_local  # noqa: F401  (one place for both)


def local_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=local_zone()).astimezone(timezone.utc)


def to_local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.astimezone(local_zone())


def format_local(value: datetime | None, pattern: str = "%d.%m.%Y %H:%M") -> str:
    local = to_local(value)
    return local.strftime(pattern) if local else ""


def local_date(moment: datetime) -> date:
    """The local calendar day of a moment."""
    return moment.astimezone(local_zone()).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """A local calendar day as UTC instants: 23 or 25 hours long when clocks change."""
    return local_midnight_utc(day), local_midnight_utc(day + timedelta(days=1))


def assume_local(moment: datetime) -> datetime:
    """A naive time typed by a person means local time; an aware one stays as it is."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=local_zone())
