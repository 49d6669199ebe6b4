from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from arrival.database import UTCDateTime, now_utc
from arrival.extensions import db


class ReportRun(db.Model):
    """One generation of the report of one day: running, done or failed."""

    __tablename__ = "report_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_date: Mapped[date] = mapped_column(sa.Date, index=True)
    status: Mapped[str] = mapped_column(sa.String(10))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    folder: Mapped[str | None] = mapped_column(sa.String(300))
    files: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON)
    figures_hash: Mapped[str | None] = mapped_column(sa.String(64))
    regenerated: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (
        sa.CheckConstraint("status IN ('running', 'done', 'failed')", name="status"),
    )


class ReportRemark(db.Model):
    """The free-text remark coordination staff add before the night run."""

    __tablename__ = "report_remark"

    report_date: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    text: Mapped[str] = mapped_column(sa.String(2000))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)
