"""Local time (Europe/Berlin by default) for display and for day boundaries.

The database holds UTC. A local calendar day is not always 24 hours long (the
clocks change twice a year), so day boundaries are computed here, never by
adding 24 hours to a UTC time.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from flask import current_app


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=local_zone()).astimezone(timezone.utc)


def to_local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.astimezone(local_zone())


def format_local(value: datetime | None, pattern: str = "%d.%m.%Y %H:%M") -> str:
    local = to_local(value)
    return local.strftime(pattern) if local else ""
