"""The one clock. Every piece of code asks ``now()`` (UTC) or ``today_local()``
(the calendar day in the centre's time zone); nothing reads the system clock
directly, so that tests and replays can set the time (``set_clock``) and the
suite behaves the same on any real date.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Europe/Berlin"


def _system_now() -> datetime:
    return datetime.now(timezone.utc)


_source: Callable[[], datetime] = _system_now


def now() -> datetime:
    """The current moment, timezone-aware UTC."""
    return _source()


def local_zone() -> ZoneInfo:
    """The centre's zone (the TIMEZONE setting), or Europe/Berlin outside an app."""
    from flask import current_app, has_app_context

    return ZoneInfo(current_app.config["TIMEZONE"] if has_app_context() else DEFAULT_ZONE)


def today_local() -> date:
    """Today's date where the centre is (not in UTC: 00:30 in Stuttgart is still
    the previous day in UTC)."""
    return now().astimezone(local_zone()).date()


def set_clock(source: Callable[[], datetime]) -> Callable[[], datetime]:
    """Replace the clock; returns the previous one (to restore it)."""
    global _source
    previous, _source = _source, source
    return previous


def ticking_from(start: datetime) -> Callable[[], datetime]:
    """A clock that starts at `start` and runs on at the real pace (so that
    order and durations stay realistic while the date is fixed)."""
    if start.tzinfo is None:
        raise ValueError("the start of a clock must be timezone-aware")
    origin = _time.monotonic()
    return lambda: start + timedelta(seconds=_time.monotonic() - origin)


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Within the block, now() is `moment` and does not move."""
    previous = set_clock(lambda: moment)
    try:
        yield
    finally:
        set_clock(previous)
