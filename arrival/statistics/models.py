"""The day book: the dashboard's figures of each closed day, written once.

A row holds what was true at the end of one local day (stocks) and what happened
during it (flows), computed by the same exact queries as a live count. The
dashboard reads the row of the day before and adds only the changes since, so it
never recounts closed days. A change dated into a closed day (a check-out entered
late, an arrival time corrected) makes that day and every later one stale; stale
rows are not read until the night job has counted them again.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from arrival.database import UTCDateTime, now_utc
from arrival.extensions import db


class FigureDay(db.Model):
    __tablename__ = "figure_day"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    # what was true at the end of the day (large: every site, every topic)
    stocks: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    # what happened during it, and its row of the trend (small: read for 60 days)
    flows: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    stale: Mapped[bool] = mapped_column(default=False)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class FigureClock(db.Model):
    """One row counting the corrections of closed days. A correction bumps it in its
    own transaction before marking days stale; the night job locks and compares it
    after counting a day, so a correction that raced the count is never lost."""

    __tablename__ = "figure_clock"

    id: Mapped[int] = mapped_column(primary_key=True)
    corrections: Mapped[int] = mapped_column(sa.BigInteger, default=0)
