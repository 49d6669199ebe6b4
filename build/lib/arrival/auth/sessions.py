"""Server-side login sessions behind Flask-Login.

The signed cookie carries a random session token (never the user id) and the
time of the last request. Each request loads the session row by the token's
hash: an ended row (logout, deactivation, password reset) or an exceeded idle
timeout or absolute lifetime means "not signed in".
"""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from flask import current_app, g, request, session

from arrival.auth.models import LoginSession, User
from arrival.database import now_utc
from arrival.extensions import db, login_manager

LAST_SEEN_KEY = "seen"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def init_app(app) -> None:
    login_manager.init_app(app)
    # Our own session rows replace Flask-Login's IP/user-agent heuristics, which
    # would sign tablets out whenever they roam between access points.
    login_manager.session_protection = None
    login_manager.user_loader(load_user_for_token)


def start_session(user: User) -> str:
    """Create a session row for a fresh login and return its raw token."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        LoginSession(
            user_id=user.id,
            token_hash=hash_token(token),
            client_addr=request.remote_addr,
            user_agent=(request.user_agent.string or "")[:200],
        )
    )
    db.session.flush()
    user.session_token = token
    mark_seen()
    return token


def mark_seen() -> None:
    session[LAST_SEEN_KEY] = int(now_utc().timestamp())


def end_session(token: str | None, reason: str) -> None:
    if not token:
        return
    db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.token_hash == hash_token(token), LoginSession.ended_at.is_(None))
        .values(ended_at=now_utc(), end_reason=reason)
    )


def end_all_sessions(user: User, reason: str) -> int:
    result = db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=now_utc(), end_reason=reason)
    )
    return result.rowcount or 0


def load_user_for_token(token: str) -> User | None:
    row = db.session.scalar(
        sa.select(LoginSession).where(
            LoginSession.token_hash == hash_token(token), LoginSession.ended_at.is_(None)
        )
    )
    if row is None or not row.user.is_enabled:
        return None
    expiry = _expiry_reason(row)
    if expiry:
        _expire(row, expiry)
        return None
    mark_seen()
    row.user.session_token = token
    return row.user


def _expiry_reason(row: LoginSession) -> str | None:
    config = current_app.config
    last_seen = session.get(LAST_SEEN_KEY)
    now = now_utc()
    idle_seconds = config["SESSION_IDLE_TIMEOUT"].total_seconds()
    if last_seen is None or now.timestamp() - last_seen > idle_seconds:
        return "idle"
    if now - row.created_at > config["SESSION_ABSOLUTE_LIFETIME"]:
        return "lifetime"
    return None


def _expire(row: LoginSession, reason: str) -> None:
    from arrival.audit.models import AuditAction
    from arrival.audit.operations import record

    row.ended_at = now_utc()
    row.end_reason = reason
    record(
        AuditAction.SESSION_EXPIRED, entity_type="user", entity_id=row.user_id,
        user=row.user, detail=reason, durable=True,
    )
    session.clear()
    g.session_expired = True
