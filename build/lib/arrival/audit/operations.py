"""record(): the one helper every operation calls to write the audit log.

Events join the caller's transaction. Some events must survive even when the
request fails and its transaction is rolled back (a refused login, a denied
page); those are recorded with durable=True and written again after the rollback.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from flask import g, has_request_context, request

from arrival.audit.models import AuditAction, AuditEvent
from arrival.extensions import db

MAX_DETAIL = 300


def record(
    action: AuditAction | str,
    *,
    entity_type: str | None = None,
    entity_id: object | None = None,
    fields: Iterable[str] | None = None,
    detail: str | None = None,
    user=None,
    username: str | None = None,
    durable: bool = False,
    persons: Iterable | None = None,
) -> AuditEvent:
    values = {
        "action": str(AuditAction(action)),
        "entity_type": entity_type,
        "entity_id": None if entity_id is None else str(entity_id),
        "fields": sorted(set(fields)) if fields is not None else None,
        "detail": detail[:MAX_DETAIL] if detail else None,
        "person_ids": _person_ids(persons),
        **_actor(user, username),
        **_request_origin(),
    }
    event = AuditEvent(**values)
    db.session.add(event)
    if durable and has_request_context():
        g.setdefault("durable_audit", []).append(values)
    return event


def record_read(
    persons: Iterable,
    *,
    entity_type: str,
    entity_id: object | None = None,
    detail: str | None = None,
) -> AuditEvent:
    """A read of persons: one event naming every person shown (objects with a
    public_id, or public ids). Durable: a page that shows persons and answers 4xx
    (a duplicate found, a form with errors) rolls its changes back, not its read."""
    return record(AuditAction.VIEW, entity_type=entity_type, entity_id=entity_id,
                  detail=detail, persons=list(persons), durable=True)


def _person_ids(persons: Iterable | None) -> list[str] | None:
    if persons is None:
        return None
    ids = (p if isinstance(p, str) else p.public_id for p in persons)
    return sorted(set(ids))


def rewrite_durable_events() -> None:
    """After a rollback: write again the events that must not be lost with it."""
    pending = g.pop("durable_audit", []) if has_request_context() else []
    for values in pending:
        db.session.add(AuditEvent(**values))


def _actor(user, username: str | None) -> dict:
    if user is None and has_request_context():
        from flask_login import current_user

        if current_user and current_user.is_authenticated:
            user = current_user
    if user is not None:
        return {"user_id": user.id, "username": username or user.username}
    return {"user_id": None, "username": username[:64] if username else None}


def _request_origin() -> dict:
    if not has_request_context():
        return {"request_id": None, "client_addr": None}
    return {"request_id": g.get("request_id"), "client_addr": request.remote_addr}


def search(
    *,
    action: str | None = None,
    username: str | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page: int = 1,
    per_page: int = 50,
):
    query = sa.select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    if username:
        query = query.where(AuditEvent.username == username.strip().lower())
    if entity_type:
        query = query.where(AuditEvent.entity_type == entity_type)
    if entity_id:
        query = query.where(AuditEvent.entity_id == entity_id)
    if since:
        query = query.where(AuditEvent.occurred_at >= since)
    if until:
        query = query.where(AuditEvent.occurred_at < until)
    query = query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
