"""Requests of data subjects and what was done about them (Art. 15, 17, 18)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from arrival.database import UTCDateTime, now_utc
from arrival.extensions import db


class RequestKind(StrEnum):
    ACCESS = "access"  # Art. 15
    ERASURE = "erasure"  # Art. 17
    RESTRICTION = "restriction"  # Art. 18
    LIFT_RESTRICTION = "lift_restriction"


class Outcome(StrEnum):
    DONE = "done"
    REFUSED = "refused"


class PrivacyRequest(db.Model):
    """One request of a person and its outcome, with the reason given and, when
    refused, why (a legal hold). Refers to the person by id only: an erased
    person's row is anonymised, this row keeps that it happened and why."""

    __tablename__ = "privacy_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    outcome: Mapped[str] = mapped_column(sa.String(10))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    household_id: Mapped[int] = mapped_column(sa.ForeignKey("household.id"), index=True)
    whole_household: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(sa.String(300))
    refusal: Mapped[str | None] = mapped_column(sa.String(300))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    __table_args__ = (
        sa.CheckConstraint("kind IN ('access', 'erasure', 'restriction', 'lift_restriction')",
                           name="kind"),
        sa.CheckConstraint("outcome IN ('done', 'refused')", name="outcome"),
    )
