"""Who is acting: the signed-in account of the current request, or nobody (a CLI
command, the nightly job, a test calling an operation directly)."""

from __future__ import annotations

from flask import has_request_context
from flask_login import current_user


def acting_user():
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user
    return None


def acting_user_id() -> int | None:
    user = acting_user()
    return user.id if user is not None else None
