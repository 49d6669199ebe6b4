"""Deny by default: the global check that runs before every request."""

from __future__ import annotations

from flask import Flask, abort, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from arrival.audit.models import AuditAction
from arrival.audit.operations import record
from arrival.auth.permissions import Permission, required_permission, user_has
from arrival.core.errors import json_error, wants_json


def init_app(app: Flask) -> None:
    app.before_request(enforce_permission_table)


def enforce_permission_table():
    endpoint = request.endpoint
    if endpoint is None:
        return None  # routing failed: the 404/405 handler answers
    permission = required_permission(endpoint)
    if permission is None:
        current_app.logger.error("endpoint %s is not in the permission table", endpoint)
        abort(403)
    if permission is Permission.PUBLIC:
        return None
    if not current_user.is_authenticated:
        return _ask_to_sign_in()
    if not user_has(current_user, permission):
        record(
            AuditAction.PERMISSION_DENIED, entity_type="endpoint", entity_id=endpoint,
            detail=f"{request.method} {request.path}"[:300], durable=True,
        )
        abort(403)
    return None


def _ask_to_sign_in():
    expired = g.get("session_expired", False)
    message = _("Your session has expired. Please sign in again.") if expired else None
    if wants_json():
        code = "session_expired" if expired else "unauthenticated"
        return json_error(401, message, code=code)
    if expired:
        flash(message, "warning")
    target = request.full_path if request.method == "GET" else None
    if target and target.endswith("?"):
        target = target[:-1]
    return redirect(url_for("auth.login", next=target))
