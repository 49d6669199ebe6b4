from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from arrival.database import UTCDateTime, now_utc
from arrival.extensions import db


class CardStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"


class RevocationReason(StrEnum):
    LOST = "lost"
    DAMAGED = "damaged"
    REPLACED = "replaced"
    DATA_CORRECTED = "data_corrected"


class Card(db.Model):
    """An arrival card. The QR code holds a random token; only its SHA-256 is kept."""

    __tablename__ = "card"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    status: Mapped[str] = mapped_column(sa.String(10), default=CardStatus.ACTIVE.value)
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(20))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person = relationship("Person")

    __table_args__ = (
        sa.CheckConstraint("status IN ('active', 'revoked', 'expired')", name="status"),
        sa.CheckConstraint(
            "revoked_reason IS NULL OR revoked_reason IN "
            "('lost', 'damaged', 'replaced', 'data_corrected')", name="revoked_reason"),
        # A person holds at most one active card: issuing revokes the previous one.
        sa.Index("uq_card_active_person", "person_id", unique=True,
                 sqlite_where=sa.text("status = 'active'"),
                 postgresql_where=sa.text("status = 'active'")),
    )
