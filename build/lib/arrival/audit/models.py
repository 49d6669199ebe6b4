from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column

from arrival.database import UTCDateTime, now_utc
from arrival.extensions import db


class AuditAction(StrEnum):
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGIN_THROTTLED = "login_throttled"
    LOGOUT = "logout"
    SESSION_EXPIRED = "session_expired"
    VIEW = "view"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    EXPORT = "export"
    PRINT = "print"
    SCAN = "scan"
    PERMISSION_DENIED = "permission_denied"


class AuditEvent(db.Model):
    """Who did what to which record, when and from where. Field names, never values.

    Append-only: the ORM refuses updates and deletes (below), and the migration
    adds database triggers that refuse them for any other client of the database.
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    # The name as typed or as it was then; failed logins may name no account.
    username: Mapped[str | None] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(30), index=True)
    entity_type: Mapped[str | None] = mapped_column(sa.String(40))
    entity_id: Mapped[str | None] = mapped_column(sa.String(64))
    fields: Mapped[list[str] | None] = mapped_column(sa.JSON)
    detail: Mapped[str | None] = mapped_column(sa.String(300))
    # A read of persons: the public ids of every person it showed.
    person_ids: Mapped[list[str] | None] = mapped_column(sa.JSON)
    request_id: Mapped[str | None] = mapped_column(sa.String(64))
    client_addr: Mapped[str | None] = mapped_column(sa.String(64))

    __table_args__ = (sa.Index("ix_audit_event_entity", "entity_type", "entity_id"),)


class AuditLogIsAppendOnly(RuntimeError):
    pass


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(_mapper, _connection, _target):
    raise AuditLogIsAppendOnly("audit events cannot be changed")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(_mapper, _connection, _target):
    raise AuditLogIsAppendOnly("audit events cannot be deleted")


class AuditSeal(db.Model):
    """The hash chain over the audit log (arrival.audit.chain): one row per sealed
    event, its hash covering the event and the previous event's hash. Kept in a
    table of its own, append-only like the log, so the application never has to
    change an audit row."""

    __tablename__ = "audit_seal"

    event_id: Mapped[int] = mapped_column(sa.ForeignKey("audit_event.id"), primary_key=True,
                                          autoincrement=False)
    hash: Mapped[str] = mapped_column(sa.String(64))
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


@event.listens_for(AuditSeal, "before_update")
def _refuse_seal_update(_mapper, _connection, _target):
    raise AuditLogIsAppendOnly("audit seals cannot be changed")


@event.listens_for(AuditSeal, "before_delete")
def _refuse_seal_delete(_mapper, _connection, _target):
    raise AuditLogIsAppendOnly("audit seals cannot be deleted")
