from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from arrival.database import UTCDateTime, now_utc
from arrival.extensions import db


class ItemState(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"
    RESOLVED = "resolved"
    NOT_APPLICABLE = "not_applicable"


ACTIVE_STATES = (ItemState.OPEN.value, ItemState.IN_PROGRESS.value, ItemState.WAITING.value)
# Written out (not bound parameters) so that the database can prove a query matches
# the partial index of the queue.
ACTIVE_STATE_SQL = "clarification_item.state IN ('open', 'in_progress', 'waiting')"


class ClarificationItem(db.Model):
    """One open question of a household (or one of its persons), owned by one
    authority. States change only through arrival.cases.operations.transition."""

    __tablename__ = "clarification_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(sa.ForeignKey("household.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)
    topic: Mapped[str] = mapped_column(sa.String(60))
    authority_id: Mapped[int] = mapped_column(sa.ForeignKey("authority.id"))
    priority: Mapped[int] = mapped_column(default=3)
    due_on: Mapped[date] = mapped_column(sa.Date)
    state: Mapped[str] = mapped_column(sa.String(20), default=ItemState.OPEN.value)
    waiting_on: Mapped[str | None] = mapped_column(sa.String(20))  # person | authority
    # When waiting on another authority: which one.
    waiting_on_authority_id: Mapped[int | None] = mapped_column(sa.ForeignKey("authority.id"))
    resolution: Mapped[str | None] = mapped_column(sa.String(60))
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    rule_code: Mapped[str | None] = mapped_column(sa.String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    household = relationship("Household")
    person = relationship("Person")
    authority = relationship("Authority", lazy="joined", foreign_keys=[authority_id])
    waiting_on_authority = relationship("Authority", foreign_keys=[waiting_on_authority_id])
    assignee = relationship("User")
    transitions: Mapped[list[ItemTransition]] = relationship(
        back_populates="item", order_by="ItemTransition.id")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint(
            "state IN ('open', 'in_progress', 'waiting', 'resolved', 'not_applicable')",
            name="state"),
        sa.Index("ix_clarification_item_queue", "authority_id", "state", "priority", "due_on"),
        # Covers the dashboard's counts of open items (no table rows read).
        sa.Index("ix_clarification_item_created_at", "created_at"),
        # The queue of unfinished items of one authority, already in queue order.
        sa.Index("ix_clarification_item_open_queue", "authority_id", "priority", "due_on", "id",
                 sqlite_where=sa.text("state IN ('open', 'in_progress', 'waiting')"),
                 postgresql_where=sa.text("state IN ('open', 'in_progress', 'waiting')")),
        sa.Index("ix_clarification_item_state_counts", "state", "authority_id", "topic",
                 "created_at", "due_on", "household_id"),
    )

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES


class ItemTransition(db.Model):
    __tablename__ = "clarification_transition"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("clarification_item.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(sa.String(20))
    to_state: Mapped[str] = mapped_column(sa.String(20))
    resolution: Mapped[str | None] = mapped_column(sa.String(60))
    note: Mapped[str | None] = mapped_column(sa.String(1000))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    item: Mapped[ClarificationItem] = relationship(back_populates="transitions")
    user = relationship("User")
