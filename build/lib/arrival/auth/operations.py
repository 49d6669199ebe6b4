"""Accounts: create, authenticate, change role, deactivate, reset password.

Operations flush and write the audit log; the request or CLI command commits.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from arrival.audit.models import AuditAction
from arrival.audit.operations import record
from arrival.auth.models import User
from arrival.auth.permissions import Role, role_needs_authority
from arrival.auth.sessions import end_all_sessions
from arrival.catalog.operations import authority_by_code
from arrival.audit.changes import update_audited
from arrival.core.inputs import has_control_characters, visible_controls
from arrival.core.validation import ValidationFailed
from arrival.database import now_utc
from arrival.extensions import db

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MAX_PASSWORD_LENGTH = 200

# Checked against when the username is unknown, so that a wrong name costs as
# much time as a wrong password and the timing reveals nothing.
_dummy_hash: dict[str, str] = {}


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def get_user_by_username(username: str) -> User | None:
    if has_control_characters(username or ""):
        return None  # no account has such a name (and PostgreSQL cannot compare NUL)
    return db.session.scalar(sa.select(User).where(User.username == normalise_username(username)))


def authenticate(username: str, password: str) -> User | None:
    """The enabled user with these credentials, or None — never which part was wrong."""
    user = get_user_by_username(username)
    password = (password or "")[:MAX_PASSWORD_LENGTH]
    if user is None:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        if method not in _dummy_hash:
            _dummy_hash[method] = hash_password("not-a-real-password")
        check_password_hash(_dummy_hash[method], password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.is_enabled:
        return None
    return user


def record_login(user: User) -> None:
    # A plain UPDATE, outside the optimistic lock of the account: one person signing
    # in on two tablets at once is not a conflicting edit of the account.
    db.session.execute(sa.update(User).where(User.id == user.id).values(
        last_login_at=now_utc()).execution_options(synchronize_session=False))
    record(AuditAction.LOGIN, entity_type="user", entity_id=user.id, user=user)


def record_failed_login(username: str) -> None:
    record(
        AuditAction.LOGIN_FAILED, entity_type="user",
        username=visible_controls(normalise_username(username)),
        durable=True,
    )


def validate_password(password: str, field: str = "password") -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password or "") < minimum:
        raise ValidationFailed(**{field: _("At least %(count)d characters.", count=minimum)})
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(
            **{field: _("At most %(count)d characters.", count=MAX_PASSWORD_LENGTH)}
        )


def _resolve_role(role: str, authority_code: str | None):
    try:
        role = Role(role)
    except ValueError:
        raise ValidationFailed(role=_("Unknown role.")) from None
    if role_needs_authority(role):
        if not authority_code:
            raise ValidationFailed(authority=_("A caseworker needs an authority."))
        authority = authority_by_code(authority_code)
        if authority is None or not authority.active:
            raise ValidationFailed(authority=_("Unknown authority."))
        return role, authority
    if authority_code:
        raise ValidationFailed(authority=_("Only caseworkers belong to an authority."))
    return role, None


def create_user(
    username: str,
    role: str,
    password: str,
    *,
    authority_code: str | None = None,
    display_name: str = "",
) -> User:
    username = normalise_username(username)
    if not USERNAME_PATTERN.match(username):
        raise ValidationFailed(
            username=_("2–64 characters: lower-case letters, digits, dot, hyphen, underscore.")
        )
    if get_user_by_username(username) is not None:
        raise ValidationFailed(username=_("This username is already taken."))
    role, authority = _resolve_role(role, authority_code)
    validate_password(password)
    user = User(
        username=username,
        display_name=(display_name or "").strip()[:120],
        password_hash=hash_password(password),
        role=role.value,
        authority=authority,
    )
    db.session.add(user)
    db.session.flush()
    record(
        AuditAction.CREATE, entity_type="user", entity_id=user.id,
        fields=["username", "display_name", "role", "authority", "password"],
    )
    _record_role_change(user, None, None)
    return user


ROLE_CHANGE = "user_role"  # the audit entity of role and authority changes


def update_user(
    user: User, *, role: str, authority_code: str | None, display_name: str,
    actor: User | None = None,
) -> list[str]:
    """Change role, authority and name; effective on the user's very next request,
    because every request loads the user afresh. Nobody changes their own role or
    authority (an administrator would give itself a data role)."""
    role, authority = _resolve_role(role, authority_code)
    authority_id = authority.id if authority else None
    if actor is not None and actor.id == user.id:
        if role.value != user.role:
            raise ValidationFailed(role=_("You cannot change your own role; another "
                                          "administrator can."))
        if authority_id != user.authority_id:
            raise ValidationFailed(authority=_("You cannot change your own authority; "
                                               "another administrator can."))
    before = (user.role, user.authority.code if user.authority else None)
    changes = {"role": role.value, "authority_id": authority_id,
               "display_name": (display_name or "").strip()[:120]}
    changed = update_audited(user, changes, "user")
    if "role" in changed or "authority_id" in changed:
        db.session.refresh(user, ["authority"])
        _record_role_change(user, *before)
    return changed


def _record_role_change(user: User, old_role: str | None, old_authority: str | None) -> None:
    """One audit row per change of what an account may do, old → new (roles and
    authority codes are no personal data)."""
    def describe(role, authority):
        return "—" if role is None else role + (f" ({authority})" if authority else "")

    new = describe(user.role, user.authority.code if user.authority else None)
    record(AuditAction.UPDATE, entity_type=ROLE_CHANGE, entity_id=user.id,
           fields=["role", "authority"],
           detail=f"{user.username}: {describe(old_role, old_authority)} → {new}")


def recent_role_changes(limit: int = 20) -> list:
    from arrival.audit.models import AuditEvent

    return list(db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.entity_type == ROLE_CHANGE)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(limit)))


def set_enabled(user: User, enabled: bool, *, actor: User | None = None) -> None:
    if actor is not None and actor.id == user.id and not enabled:
        raise ValidationFailed(enabled=_("You cannot deactivate your own account."))
    if user.is_enabled == enabled:
        return
    user.is_enabled = enabled
    if not enabled:
        end_all_sessions(user, "deactivated")
    db.session.flush()
    record(AuditAction.UPDATE, entity_type="user", entity_id=user.id, fields=["is_enabled"])


def set_password(user: User, password: str, *, reason: str) -> None:
    """Set a new password and end every session of the user (a reset means the
    old password may be known to someone else)."""
    validate_password(password)
    user.password_hash = hash_password(password)
    user.password_changed_at = now_utc()
    end_all_sessions(user, reason)
    db.session.flush()
    record(AuditAction.UPDATE, entity_type="user", entity_id=user.id, fields=["password"],
           detail=reason)


def list_users() -> list[User]:
    return list(db.session.scalars(sa.select(User).order_by(User.username)))
