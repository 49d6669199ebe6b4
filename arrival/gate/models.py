"""Gate events and the presence they lead to; visitors and staff on site; roll calls.

Presence is not recounted from all events: each accepted gate event moves the
person's presence row at the site (a transition, in the same transaction), so
the evacuation list is one indexed read. The events stay as the history.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from arrival.database import UTCDateTime, now_utc
from arrival.extensions import db


class Direction(StrEnum):
    IN = "in"
    OUT = "out"
    SEEN = "seen"


class VisitKind(StrEnum):
    VISITOR = "visitor"
    STAFF = "staff"


class RollCallState(StrEnum):
    OPEN = "open"
    ENDED = "ended"


def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


class GateSite(db.Model):
    """The gate settings of a site. A site without a row (or with gate_control
    off) has no gate: its presence is the checked-in stays with 'last seen'."""

    __tablename__ = "gate_site"

    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"), primary_key=True)
    gate_control: Mapped[bool] = mapped_column(default=False)
    assembly_point: Mapped[str] = mapped_column(sa.String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)


class GateEvent(db.Model):
    """One scan at a gate, accepted or refused (nothing is lost)."""

    __tablename__ = "gate_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"))
    station: Mapped[str] = mapped_column(sa.String(80))
    direction: Mapped[str] = mapped_column(sa.String(4))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    card_id: Mapped[int | None] = mapped_column(sa.ForeignKey("card.id"))
    accepted: Mapped[bool] = mapped_column(default=True)
    # ok | double_in | double_out | seen_while_out | blocked_by_flag | other_site |
    # not_resident | checked_out | site_closed | unknown_card | card_revoked | …
    reason: Mapped[str] = mapped_column(sa.String(30))
    flagged: Mapped[bool] = mapped_column(default=False)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    __table_args__ = (
        sa.CheckConstraint(f"direction IN {_in(Direction)}", name="direction"),
        sa.Index("ix_gate_event_person_at", "person_id", "at"),
        sa.Index("ix_gate_event_site_at", "site_id", "at"),
    )


class GatePresence(db.Model):
    """Where a person is by the gate: inside or outside a site since when."""

    __tablename__ = "gate_presence"

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"), primary_key=True)
    inside: Mapped[bool] = mapped_column(default=False)
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    last_event_id: Mapped[int] = mapped_column(sa.ForeignKey("gate_event.id"))

    # Set with a new event before its id exists: the flush writes the event first.
    last_event: Mapped[GateEvent] = relationship()

    __table_args__ = (sa.Index("ix_gate_presence_site_inside", "site_id", "inside"),)


class Visit(db.Model):
    """A visitor or a member of staff signed in at a site (and out again)."""

    __tablename__ = "gate_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"))
    kind: Mapped[str] = mapped_column(sa.String(10))
    name: Mapped[str] = mapped_column(sa.String(120))
    organisation: Mapped[str] = mapped_column(sa.String(120), default="")
    signed_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    signed_in_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    signed_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_out_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    __table_args__ = (
        sa.CheckConstraint(f"kind IN {_in(VisitKind)}", name="kind"),
        sa.CheckConstraint("signed_out_at IS NULL OR signed_out_at >= signed_in_at",
                           name="out_after_in"),
        sa.Index("ix_gate_visit_site_open", "site_id", "signed_out_at"),
    )

    @property
    def on_site(self) -> bool:
        return self.signed_out_at is None


class RollCall(db.Model):
    """A roll call at the assembly point: who was inside when it started
    (RollCallExpected), who has been accounted for (RollCallTick), and at its end
    the counts."""

    __tablename__ = "roll_call"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"), index=True)
    state: Mapped[str] = mapped_column(sa.String(10), default=RollCallState.OPEN.value)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    started_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    expected_count: Mapped[int] = mapped_column(default=0)
    accounted_count: Mapped[int | None] = mapped_column()
    missing_count: Mapped[int | None] = mapped_column()

    expected: Mapped[list[RollCallExpected]] = relationship(back_populates="roll_call")

    __table_args__ = (
        sa.CheckConstraint(f"state IN {_in(RollCallState)}", name="state"),
        # One open roll call per site at a time.
        sa.Index("uq_roll_call_open_site", "site_id", unique=True,
                 sqlite_where=sa.text("state = 'open'"),
                 postgresql_where=sa.text("state = 'open'")),
    )


class RollCallExpected(db.Model):
    """Someone inside when the roll call started: a resident or a visit."""

    __tablename__ = "roll_call_expected"

    id: Mapped[int] = mapped_column(primary_key=True)
    roll_call_id: Mapped[int] = mapped_column(sa.ForeignKey("roll_call.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("gate_visit.id"))
    unit_name: Mapped[str] = mapped_column(sa.String(80), default="")

    roll_call: Mapped[RollCall] = relationship(back_populates="expected")

    __table_args__ = (
        sa.CheckConstraint("(person_id IS NULL) <> (visit_id IS NULL)", name="one_subject"),
        sa.UniqueConstraint("roll_call_id", "person_id"),
        sa.UniqueConstraint("roll_call_id", "visit_id"),
    )


class RollCallTick(db.Model):
    """Someone accounted for at the assembly point. The unique constraints make
    two tablets ticking the same person at once one tick, never two."""

    __tablename__ = "roll_call_tick"

    id: Mapped[int] = mapped_column(primary_key=True)
    roll_call_id: Mapped[int] = mapped_column(sa.ForeignKey("roll_call.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("gate_visit.id"))
    method: Mapped[str] = mapped_column(sa.String(6))  # scan | tap
    expected: Mapped[bool] = mapped_column(default=True)
    ticked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    ticked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    __table_args__ = (
        sa.CheckConstraint("(person_id IS NULL) <> (visit_id IS NULL)", name="one_subject"),
        sa.CheckConstraint("method IN ('scan', 'tap')", name="method"),
        sa.UniqueConstraint("roll_call_id", "person_id"),
        sa.UniqueConstraint("roll_call_id", "visit_id"),
    )


class GateReplay(db.Model):
    """A gate scan made while the tablet was offline, received later: its
    idempotency key makes a second send answer the first result again."""

    __tablename__ = "gate_replay"

    idempotency_key: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("gate_event.id"))
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    result: Mapped[str] = mapped_column(sa.String(6))
    reason: Mapped[str] = mapped_column(sa.String(40))
    direction: Mapped[str] = mapped_column(sa.String(4))
