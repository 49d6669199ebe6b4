"""A tamper-evident audit log: a hash chain over its events.

``seal()`` (the nightly job, or cron every few minutes) gives each event not yet
sealed, in id order, the hash sha256(previous hash + the event's canonical
form); the hashes live in audit_seal, append-only like the log. ``verify()``
recomputes the chain and names the first broken link: an event changed, an
event deleted, or an event slipped in among sealed ones behind the
application's back.

Events are sealed only once they are a few minutes old: a transaction that took
an id earlier may commit a little later, and the chain must not pass it by.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from arrival.audit.models import AuditEvent, AuditSeal
from arrival.core import clock
from arrival.extensions import db

GENESIS = "0" * 64
SEAL_GRACE = timedelta(minutes=10)
BATCH = 2000


def canonical(row) -> bytes:
    """The event's columns as sorted JSON; empty columns are left out, so that a
    column added later does not change the hashes of older events."""
    values = {}
    for column in AuditEvent.__table__.columns:
        value = getattr(row, column.key)
        if value is None:
            continue
        if isinstance(value, datetime):
            value = value.isoformat()
        values[column.key] = value
    return json.dumps(values, sort_keys=True, ensure_ascii=False, default=str).encode()


def link(previous: str, row) -> str:
    return hashlib.sha256(previous.encode() + b"\n" + canonical(row)).hexdigest()


def _last_seal() -> tuple[int, str]:
    last = db.session.execute(sa.select(AuditSeal.event_id, AuditSeal.hash)
                              .order_by(AuditSeal.event_id.desc()).limit(1)).first()
    return (last.event_id, last.hash) if last else (0, GENESIS)


def seal(*, now: datetime | None = None, limit: int | None = None) -> int:
    """Seal the events older than the grace period; returns how many. Flushes;
    the caller commits (a CLI command, the nightly job)."""
    cutoff = (now or clock.now()) - SEAL_GRACE
    last_id, previous = _last_seal()
    sealed = 0
    while limit is None or sealed < limit:
        rows = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.id > last_id, AuditEvent.occurred_at < cutoff)
            .order_by(AuditEvent.id).limit(BATCH)).all()
        if not rows:
            break
        for row in rows:
            previous = link(previous, row)
            db.session.add(AuditSeal(event_id=row.id, hash=previous))
            last_id = row.id
        sealed += len(rows)
        db.session.flush()
        db.session.expunge_all()
    return sealed


@dataclass
class Verification:
    checked: int
    unsealed: int  # newer than the last seal: not yet protected
    broken_at: int | None = None
    problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify() -> Verification:
    """Walk the log and the seals side by side in id order, recomputing the chain."""
    previous, checked = GENESIS, 0
    seals = db.session.execute(sa.select(AuditSeal.event_id, AuditSeal.hash)
                               .order_by(AuditSeal.event_id)).yield_per(BATCH)
    events = iter(db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)
                                     .execution_options(yield_per=BATCH)))
    event = next(events, None)
    for seal_row in seals:
        if event is not None and event.id < seal_row.event_id:
            return Verification(checked, 0, event.id, "event has no seal although later "
                                "events have one (inserted behind the application's back?)")
        if event is None or event.id != seal_row.event_id:
            return Verification(checked, 0, seal_row.event_id,
                                "sealed event is missing (deleted?)")
        previous = link(previous, event)
        if previous != seal_row.hash:
            return Verification(checked, 0, event.id,
                                "event differs from what was sealed (changed after sealing?)")
        checked += 1
        event = next(events, None)
    unsealed = 0 if event is None else 1 + sum(1 for _ in events)
    return Verification(checked, unsealed)
