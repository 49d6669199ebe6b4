"""Destinations, distribution decisions, transfer batches (bus lists), boarding
marks and hand-over packages.

Two invariants are held by the database: a household is in one open batch only
(partial unique index on ``transfer_batch_household`` where ``open``), and a
batch never holds more persons than seats (CHECK ``taken <= seats``; seats are
taken with one conditional UPDATE, so two clerks adding the last seat cannot
both get it)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from arrival.database import UTCDateTime, now_utc
from arrival.extensions import db


class DecisionKind(StrEnum):
    STAY = "stay"
    TRANSFER = "transfer"


class BatchState(StrEnum):
    PLANNED = "planned"  # households are added, boarding may start
    DEPARTED = "departed"
    CANCELLED = "cancelled"


class EntryState(StrEnum):
    LISTED = "listed"  # on the bus list
    REMOVED = "removed"  # taken off the list before departure
    TRANSFERRED = "transferred"  # boarded and checked out at departure
    PARTLY = "partly"  # some members boarded, the others missing
    MISSING = "missing"  # not at the bus at departure: stays


class TransferDestination(db.Model):
    """A Stadt- or Landkreis of the Land, or another Land (config/catalog/
    transfer_destinations.toml); administrators complete the reception contact."""

    __tablename__ = "transfer_destination"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(5), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20))
    region: Mapped[str | None] = mapped_column(sa.String(200))
    reception: Mapped[str] = mapped_column(sa.String(200))
    contact_email: Mapped[str | None] = mapped_column(sa.String(200))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(60))
    weight: Mapped[int | None] = mapped_column()  # distribution key (share = weight / sum)
    active: Mapped[bool] = mapped_column(default=True)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # by an administrator
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    __table_args__ = (
        sa.CheckConstraint("kind IN ('stadtkreis', 'landkreis', 'land')", name="kind"),
    )

    @property
    def label(self) -> str:
        suffix = {"stadtkreis": " (SK)", "landkreis": " (LK)"}.get(self.kind, "")
        return f"{self.name}{suffix}"


class DistributionDecision(db.Model):
    """The RP's decision for a household, or for part of it (then with a reason,
    shown on the household page of every member). A newer decision replaces the
    current one (``current`` false, kept as history)."""

    __tablename__ = "distribution_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(sa.ForeignKey("household.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    destination_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfer_destination.id"))
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    decided_on: Mapped[date] = mapped_column(sa.Date)
    partial: Mapped[bool] = mapped_column(default=False)
    current: Mapped[bool] = mapped_column(default=True)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    destination: Mapped[TransferDestination | None] = relationship(lazy="joined")
    household = relationship("Household")
    persons: Mapped[list[DecisionPerson]] = relationship(
        back_populates="decision", cascade="all, delete-orphan", lazy="selectin")

    __table_args__ = (
        sa.CheckConstraint("kind IN ('stay', 'transfer')", name="kind"),
        sa.CheckConstraint("kind = 'stay' OR destination_id IS NOT NULL", name="destination"),
        sa.CheckConstraint("NOT partial OR reason IS NOT NULL", name="partial_reason"),
        sa.Index("ix_distribution_decision_current", "household_id",
                 sqlite_where=sa.text("current"), postgresql_where=sa.text("current")),
    )


class DecisionPerson(db.Model):
    __tablename__ = "distribution_decision_person"

    decision_id: Mapped[int] = mapped_column(sa.ForeignKey("distribution_decision.id"),
                                             primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), primary_key=True,
                                           index=True)

    decision: Mapped[DistributionDecision] = relationship(back_populates="persons")
    person = relationship("Person", lazy="joined")


class TransferBatch(db.Model):
    """A bus list: one destination, one departure, a number of seats."""

    __tablename__ = "transfer_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    destination_id: Mapped[int] = mapped_column(sa.ForeignKey("transfer_destination.id"),
                                                index=True)
    departs_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    seats: Mapped[int] = mapped_column()
    taken: Mapped[int] = mapped_column(default=0)  # persons on the list
    state: Mapped[str] = mapped_column(sa.String(20), default=BatchState.PLANNED.value)
    note: Mapped[str | None] = mapped_column(sa.String(300))
    departed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)

    destination: Mapped[TransferDestination] = relationship(lazy="joined")
    entries: Mapped[list[BatchHousehold]] = relationship(
        back_populates="batch", order_by="BatchHousehold.id")
    transitions: Mapped[list[BatchTransition]] = relationship(
        back_populates="batch", order_by="BatchTransition.id")

    __table_args__ = (
        sa.CheckConstraint("state IN ('planned', 'departed', 'cancelled')", name="state"),
        sa.CheckConstraint("seats >= 1 AND seats <= 500", name="seats"),
        sa.CheckConstraint("taken >= 0 AND taken <= seats", name="within_seats"),
    )

    @property
    def free(self) -> int:
        return self.seats - self.taken


class BatchTransition(db.Model):
    __tablename__ = "transfer_batch_transition"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("transfer_batch.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(sa.String(20))
    to_state: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str | None] = mapped_column(sa.String(300))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    batch: Mapped[TransferBatch] = relationship(back_populates="transitions")


class BatchHousehold(db.Model):
    """A household (the persons its decision covers) on a bus list."""

    __tablename__ = "transfer_batch_household"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("transfer_batch.id"), index=True)
    household_id: Mapped[int] = mapped_column(sa.ForeignKey("household.id"), index=True)
    decision_id: Mapped[int] = mapped_column(sa.ForeignKey("distribution_decision.id"))
    persons_count: Mapped[int] = mapped_column()
    state: Mapped[str] = mapped_column(sa.String(20), default=EntryState.LISTED.value)
    open: Mapped[bool] = mapped_column(default=True)
    # A person needing care goes only with a confirmed receiving place.
    care_place_confirmed: Mapped[bool] = mapped_column(default=False)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    batch: Mapped[TransferBatch] = relationship(back_populates="entries")
    household = relationship("Household")
    decision: Mapped[DistributionDecision] = relationship()

    __table_args__ = (
        sa.CheckConstraint(
            "state IN ('listed', 'removed', 'transferred', 'partly', 'missing')", name="state"),
        # One open batch per household.
        sa.Index("ux_transfer_batch_household_open", "household_id", unique=True,
                 sqlite_where=sa.text('"open"'), postgresql_where=sa.text('"open"')),
    )


class Boarding(db.Model):
    """A person who boarded a batch's bus (card scan or tap); one row per person."""

    __tablename__ = "transfer_boarding"

    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("transfer_batch.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), primary_key=True,
                                           index=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("transfer_batch_household.id"))
    boarded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    via: Mapped[str] = mapped_column(sa.String(10), default="card")  # card | tap


class UndoneBoarding(db.Model):
    """A boarding taken back before departure (a wrong card, a wrong tap): the
    boarding row goes, this history of it stays — who boarded the person when, who
    undid it when and why."""

    __tablename__ = "transfer_boarding_undone"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("transfer_batch.id"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("transfer_batch_household.id"))
    boarded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    boarded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    via: Mapped[str] = mapped_column(sa.String(10))
    undone_at: Mapped[datetime] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(sa.String(300))

    person = relationship("Person", lazy="joined")


class BoardingKey(db.Model):
    """The answer given to a boarding request with an Idempotency-Key: a replay
    (the scan station's offline queue) gets the same answer."""

    __tablename__ = "transfer_boarding_key"

    key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("transfer_batch.id"))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    answer: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class HandoverPackage(db.Model):
    """A hand-over package generated for a batch: what it held, never the password."""

    __tablename__ = "transfer_handover"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("transfer_batch.id"), index=True)
    persons_count: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(sa.String(64))  # of the archive
    archive: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)  # AES-encrypted ZIP
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
