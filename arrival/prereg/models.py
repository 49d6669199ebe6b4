"""Pre-registrations and the day counts that outlive them.

A pre-registration holds what a family typed on its phone, as JSON in the shape
of the registration form, until a clerk turns it into a household (the row is
deleted in the same transaction) or it expires (deleted by ``flask prereg
expire``). The QR token and the short code are stored only as SHA-256 hashes:
the database cannot hand them out again, and the public side can never read a
pre-registration back. The day counts (received, converted, expired) hold no
personal data and feed the dashboard.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from arrival.database import UTCDateTime, now_utc
from arrival.extensions import db


class PreRegistrationState(StrEnum):
    RECEIVED = "received"  # submitted on the phone
    OPENED = "opened"  # a clerk opened it at the desk (the form is prefilled)


class PreRegistration(db.Model):
    __tablename__ = "pre_registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    state: Mapped[str] = mapped_column(sa.String(20), default=PreRegistrationState.RECEIVED.value)
    language: Mapped[str] = mapped_column(sa.String(8))
    persons: Mapped[int] = mapped_column()
    data: Mapped[str] = mapped_column(sa.Text)  # JSON, see operations.parse_submission
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # set when a clerk opens it: the idempotency key of the prefilled household form
    desk_key: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    __table_args__ = (
        sa.CheckConstraint("state in ('received', 'opened')", name="state"),
        sa.CheckConstraint("persons >= 1", name="persons"),
    )


class PreRegistrationDay(db.Model):
    """How many pre-registrations were received, converted and expired on a local day."""

    __tablename__ = "pre_registration_day"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    received: Mapped[int] = mapped_column(default=0)
    converted: Mapped[int] = mapped_column(default=0)
    expired: Mapped[int] = mapped_column(default=0)
