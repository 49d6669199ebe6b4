"""The retention classes this package registers (arrival.core.retention): each
counts what is due and removes one batch of it."""

from __future__ import annotations

import re
import shutil
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from arrival.audit.models import AuditEvent
from arrival.auth.models import LoginSession
from arrival.cards.models import Card, CardStatus
from arrival.core.clock import now
from arrival.core.retention import RetentionClass, legal_holds
from arrival.core.timezone import local_date
from arrival.extensions import db
from arrival.privacy import anonymise
from arrival.registry.models import Household, IdempotencyRecord, Person

CHUNK = 1000


# --- households departed -------------------------------------------------------------------


def _departed_ids(cutoff: datetime) -> list[int]:
    return list(db.session.scalars(anonymise.departed_before(cutoff).order_by(sa.text("1"))))


def _held_households(household_ids: list[int]) -> set[int]:
    held: set[int] = set()
    for start in range(0, len(household_ids), CHUNK):
        chunk = household_ids[start:start + CHUNK]
        members = dict(db.session.execute(sa.select(Person.id, Person.household_id).where(
            Person.household_id.in_(chunk))).all())
        held |= {members[person_id] for person_id in legal_holds(members)}
    return held


def _due_households(cutoff: datetime) -> list[int]:
    candidates = _departed_ids(cutoff)
    held = _held_households(candidates)
    return [hid for hid in candidates if hid not in held]


def count_households(cutoff: datetime) -> int:
    return len(_due_households(cutoff))


def held_households(cutoff: datetime) -> int:
    """Departed long enough ago, but under a legal hold: kept."""
    return len(_held_households(_departed_ids(cutoff)))


def anonymise_households(cutoff: datetime, limit: int) -> int:
    """One batch: the first `limit` due households by id (held ones passed over)."""
    chosen: list[int] = []
    after = 0
    while len(chosen) < limit:
        chunk = list(db.session.scalars(anonymise.departed_before(cutoff)
                                        .where(Household.id > after)
                                        .order_by(Household.id).limit(CHUNK)))
        if not chunk:
            break
        held = _held_households(chunk)
        chosen += [hid for hid in chunk if hid not in held][:limit - len(chosen)]
        after = chunk[-1]
    return anonymise.anonymise_households(chosen, now())


# --- idempotency keys and login sessions -------------------------------------------------


def count_idempotency(cutoff: datetime) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(IdempotencyRecord).where(
        IdempotencyRecord.created_at < cutoff)) or 0


def delete_idempotency(cutoff: datetime, limit: int) -> int:
    keys = list(db.session.scalars(sa.select(IdempotencyRecord.key).where(
        IdempotencyRecord.created_at < cutoff).order_by(IdempotencyRecord.key).limit(limit)))
    if keys:
        db.session.execute(sa.delete(IdempotencyRecord).where(IdempotencyRecord.key.in_(keys)))
        db.session.flush()
    return len(keys)


def _ended_before(cutoff: datetime):
    """Sessions ended before the cutoff (a session never ended has outlived its
    absolute lifetime long before: it counts from its start)."""
    return sa.func.coalesce(LoginSession.ended_at, LoginSession.created_at) < cutoff


def count_sessions(cutoff: datetime) -> int:
    return db.session.scalar(sa.select(sa.func.count(LoginSession.id)).where(
        _ended_before(cutoff))) or 0


def delete_sessions(cutoff: datetime, limit: int) -> int:
    ids = list(db.session.scalars(sa.select(LoginSession.id).where(_ended_before(cutoff))
                                  .order_by(LoginSession.id).limit(limit)))
    if ids:
        db.session.execute(sa.delete(LoginSession).where(LoginSession.id.in_(ids)))
        db.session.flush()
    return len(ids)


# --- report files ------------------------------------------------------------------------

DAY_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _report_folders(cutoff: datetime) -> list[Path]:
    root = Path(current_app.config["SITREP_DIR"])
    if not root.is_dir():
        return []
    last_day = local_date(cutoff)
    found = []
    for folder in sorted(root.iterdir()):
        if folder.is_dir() and DAY_FOLDER.match(folder.name):
            try:
                day = date.fromisoformat(folder.name)
            except ValueError:
                continue
            if day < last_day:
                found.append(folder)
    return found


def count_reports(cutoff: datetime) -> int:
    return len(_report_folders(cutoff))


def delete_reports(cutoff: datetime, limit: int) -> int:
    folders = _report_folders(cutoff)[:limit]
    for folder in folders:
        shutil.rmtree(folder)
    return len(folders)


# --- card tokens -------------------------------------------------------------------------


def _token_due(cutoff: datetime):
    ended = sa.func.coalesce(Card.expires_at, Card.revoked_at)
    return sa.and_(Card.status.in_((CardStatus.EXPIRED.value, CardStatus.REVOKED.value)),
                   ended < cutoff, ~Card.token_hash.startswith("-"))


def count_card_tokens(cutoff: datetime) -> int:
    return db.session.scalar(sa.select(sa.func.count(Card.id)).where(_token_due(cutoff))) or 0


def delete_card_tokens(cutoff: datetime, limit: int) -> int:
    ids = list(db.session.scalars(sa.select(Card.id).where(_token_due(cutoff))
                                  .order_by(Card.id).limit(limit)))
    card = Card.__table__
    if ids:
        db.session.execute(
            sa.update(card).where(card.c.id == sa.bindparam("cid"))
            .values(token_hash=sa.bindparam("dead")),
            [{"cid": cid, "dead": anonymise._dead_token()} for cid in ids],
            execution_options={"synchronize_session": False})
        db.session.flush()
    return len(ids)


# --- audit events ------------------------------------------------------------------------


def count_audit(cutoff: datetime) -> int:
    return db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.occurred_at < cutoff)) or 0


def keep_audit(_cutoff: datetime, _limit: int) -> int:
    """The application may not delete audit events (append-only in the ORM and by
    database triggers, hash-chained): they are counted and reported; pruning the
    sealed head of the log is the database owner's decision."""
    return 0


CLASSES = (
    RetentionClass("households", "RETENTION_HOUSEHOLD_DAYS",
                   "households whose members all left (anonymised; the figures stay exact)",
                   count_households, anonymise_households, action="anonymised"),
    RetentionClass("idempotency_keys", "RETENTION_IDEMPOTENCY_DAYS",
                   "keys that make a repeated submit return the first result",
                   count_idempotency, delete_idempotency),
    RetentionClass("sessions", "RETENTION_SESSION_DAYS",
                   "ended login sessions (who signed in from which address)",
                   count_sessions, delete_sessions),
    RetentionClass("report_files", "RETENTION_REPORT_DAYS",
                   "situation report folders (with the RP's person-level annex)",
                   count_reports, delete_reports),
    RetentionClass("card_tokens", "RETENTION_CARD_TOKEN_DAYS",
                   "token hashes of expired (checked out) and revoked cards",
                   count_card_tokens, delete_card_tokens, action="erased"),
    RetentionClass("audit_events", "RETENTION_AUDIT_DAYS",
                   "the audit log (kept longest; counted, pruned only by the database owner)",
                   count_audit, keep_audit, action="due", removes=False),
)
