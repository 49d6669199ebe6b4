from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from arrival.database import UTCDateTime, now_utc
from arrival.extensions import db


class Delivery(db.Model):
    """A service handed out against a card (voidable within two minutes)."""

    __tablename__ = "delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_type: Mapped[str] = mapped_column(sa.String(60))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"))
    household_id: Mapped[int] = mapped_column(sa.ForeignKey("household.id"))
    scope: Mapped[str] = mapped_column(sa.String(10))  # person | household
    time_window: Mapped[str | None] = mapped_column(sa.String(30))
    point: Mapped[str] = mapped_column(sa.String(80))
    site_id: Mapped[int | None] = mapped_column(sa.ForeignKey("site.id"))
    card_id: Mapped[int | None] = mapped_column(sa.ForeignKey("card.id"))
    delivered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    void_reason: Mapped[str | None] = mapped_column(sa.String(200))
    voided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    __table_args__ = (
        sa.Index("ix_delivery_person_type", "person_id", "service_type", "delivered_at"),
        sa.Index("ix_delivery_household_type", "household_id", "service_type", "delivered_at"),
        sa.Index("ix_delivery_person_at", "person_id", "delivered_at"),
        # a day's deliveries and who got them, without reading the rows (absence)
        sa.Index("ix_delivery_delivered_at", "delivered_at", "person_id"),
    )


class Scan(db.Model):
    """Every scan at a station, accepted or refused — the source of the refusal
    figures and of 'last seen'."""

    __tablename__ = "scan"

    id: Mapped[int] = mapped_column(primary_key=True)
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    service_type: Mapped[str | None] = mapped_column(sa.String(60))
    point: Mapped[str] = mapped_column(sa.String(80))
    site_id: Mapped[int | None] = mapped_column(sa.ForeignKey("site.id"))
    result: Mapped[str] = mapped_column(sa.String(6))  # green | amber | red
    reason: Mapped[str] = mapped_column(sa.String(40))
    card_id: Mapped[int | None] = mapped_column(sa.ForeignKey("card.id"))
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)
    delivery_id: Mapped[int | None] = mapped_column(sa.ForeignKey("delivery.id"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # The station's key of an online scan: the same scan sent again (its answer lost,
    # then queued offline) finds it and is not recorded twice.
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(100), unique=True)

    __table_args__ = (
        sa.CheckConstraint("result IN ('green', 'amber', 'red')", name="result"),
    )


class OfflineDelivery(db.Model):
    """A delivery a station handed out while offline (decided against its local
    list), received when the network came back. Its idempotency key makes a replay
    harmless; the rules are applied at receipt, and a delivery that broke one is
    kept as it happened, with the broken rule, for the station lead (never dropped)."""

    __tablename__ = "offline_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(sa.String(100), unique=True)
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    service_type: Mapped[str] = mapped_column(sa.String(60))
    point: Mapped[str] = mapped_column(sa.String(80))
    site_id: Mapped[int | None] = mapped_column(sa.ForeignKey("site.id"))
    card_id: Mapped[int | None] = mapped_column(sa.ForeignKey("card.id"))
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    delivery_id: Mapped[int | None] = mapped_column(sa.ForeignKey("delivery.id"))
    # None: within the rules; else the rule it broke (limit_reached, card_revoked, ...)
    violation: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
