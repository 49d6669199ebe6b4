"""Sites, units and beds, and the stays that put persons in beds.

Occupancy is never stored as a number: it is counted from stays, bed blocks and
site opening/closing times, so any past moment can be reconstructed exactly.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from arrival.database import UTCDateTime, now_utc
from arrival.extensions import db


class SiteKind(StrEnum):
    EMERGENCY_HALL = "emergency_hall"
    HOTEL = "hotel"
    HOSTEL = "hostel"
    COMMUNITY_SHELTER = "community_shelter"
    PRIVATE_HOST = "private_host"
    RESERVE = "reserve"


class StayState(StrEnum):
    PLANNED = "planned"
    CHECKED_IN = "checked_in"
    CHECKED_OUT = "checked_out"
    CANCELLED = "cancelled"


OPEN_STATES = (StayState.PLANNED.value, StayState.CHECKED_IN.value)
OPEN_STAY_INDEX_SQL = "state IN ('planned', 'checked_in')"
# The same condition for queries: written out, not bound, so that the database can
# see it matches the partial indexes.
OPEN_STAY_SQL = "stay.state IN ('planned', 'checked_in')"


def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


class Site(db.Model):
    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    operator: Mapped[str] = mapped_column(sa.String(200), default="")
    contact: Mapped[str] = mapped_column(sa.String(200), default="")
    warning_percent: Mapped[int] = mapped_column(default=85)
    critical_percent: Mapped[int] = mapped_column(default=95)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    units: Mapped[list[Unit]] = relationship(back_populates="site", order_by="Unit.name")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint(f"kind IN {_in(SiteKind)}", name="kind"),
        sa.CheckConstraint("warning_percent BETWEEN 1 AND 100 AND critical_percent BETWEEN 1 "
                           "AND 100 AND warning_percent <= critical_percent", name="thresholds"),
    )

    @property
    def active(self) -> bool:
        return self.closed_at is None


class Unit(db.Model):
    """A room or an area of a site."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    barrier_free: Mapped[bool] = mapped_column(default=False)
    family_room: Mapped[bool] = mapped_column(default=False)
    women_only: Mapped[bool] = mapped_column(default=False)
    quarantine: Mapped[bool] = mapped_column(default=False)

    site: Mapped[Site] = relationship(back_populates="units")
    beds: Mapped[list[Bed]] = relationship(back_populates="unit", order_by="Bed.position")

    __table_args__ = (sa.UniqueConstraint("site_id", "name"),)


class Bed(db.Model):
    __tablename__ = "bed"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    label: Mapped[str] = mapped_column(sa.String(40))
    position: Mapped[int] = mapped_column(default=0)
    # indexed: the day book looks for beds added or removed during a day
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    unit: Mapped[Unit] = relationship(back_populates="beds")
    blocks: Mapped[list[BedBlock]] = relationship(back_populates="bed",
                                                   order_by="BedBlock.blocked_at")

    __table_args__ = (sa.UniqueConstraint("unit_id", "label"),)

    @property
    def current_block(self) -> BedBlock | None:
        return next((b for b in self.blocks if b.unblocked_at is None), None)


class BedBlock(db.Model):
    """A period in which a bed cannot be used (maintenance, damage …)."""

    __tablename__ = "bed_block"

    id: Mapped[int] = mapped_column(primary_key=True)
    bed_id: Mapped[int] = mapped_column(sa.ForeignKey("bed.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(200))
    blocked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    unblocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    bed: Mapped[Bed] = relationship(back_populates="blocks")

    __table_args__ = (
        sa.Index("uq_bed_block_open", "bed_id", unique=True,
                 sqlite_where=sa.text("unblocked_at IS NULL"),
                 postgresql_where=sa.text("unblocked_at IS NULL")),
    )


class Stay(db.Model):
    """A person in a bed: planned → checked in → checked out (or cancelled)."""

    __tablename__ = "stay"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    household_id: Mapped[int] = mapped_column(sa.ForeignKey("household.id"), index=True)
    bed_id: Mapped[int] = mapped_column(sa.ForeignKey("bed.id"), index=True)
    state: Mapped[str] = mapped_column(sa.String(20), default=StayState.PLANNED.value)
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(sa.String(60))
    destination: Mapped[str | None] = mapped_column(sa.String(200))
    moved_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stay.id"))
    version: Mapped[int] = mapped_column(default=1)

    bed: Mapped[Bed] = relationship()
    person = relationship("Person")
    events: Mapped[list[StayEvent]] = relationship(back_populates="stay",
                                                   order_by="StayEvent.id")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint(f"state IN {_in(StayState)}", name="state"),
        sa.CheckConstraint("checked_in_at IS NULL OR checked_in_at >= planned_at",
                           name="check_in_after_plan"),
        sa.CheckConstraint("ended_at IS NULL OR ended_at >= COALESCE(checked_in_at, planned_at)",
                           name="end_after_start"),
        # The invariants the whole module relies on, held by the database itself.
        sa.Index("uq_stay_open_person", "person_id", unique=True,
                 sqlite_where=sa.text(OPEN_STAY_INDEX_SQL),
                 postgresql_where=sa.text(OPEN_STAY_INDEX_SQL)),
        sa.Index("uq_stay_open_bed", "bed_id", unique=True,
                 sqlite_where=sa.text(OPEN_STAY_INDEX_SQL),
                 postgresql_where=sa.text(OPEN_STAY_INDEX_SQL)),
        # who is present at a moment, without reading the rows
        sa.Index("ix_stay_period", "checked_in_at", "ended_at", "person_id"),
        sa.Index("ix_stay_ended_at", "ended_at"),
        sa.Index("ix_stay_planned_at", "planned_at"),
    )

    @property
    def open(self) -> bool:
        return self.state in OPEN_STATES


class StayEvent(db.Model):
    """One transition of a stay: who moved it from which state to which, when."""

    __tablename__ = "stay_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    stay_id: Mapped[int] = mapped_column(sa.ForeignKey("stay.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(sa.String(20))
    to_state: Mapped[str] = mapped_column(sa.String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    note: Mapped[str | None] = mapped_column(sa.String(300))

    stay: Mapped[Stay] = relationship(back_populates="events")
