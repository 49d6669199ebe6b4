"""Helpers shared by the form views of all domains."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import flash
from flask_wtf import FlaskForm

from arrival.core.validation import Conflict, ValidationFailed
from arrival.extensions import db


class ActionForm(FlaskForm):
    """A button that posts: a form with only its CSRF token."""


def apply_errors(form, error: ValidationFailed) -> None:
    """Show an operation's validation errors at the fields they belong to."""
    for field_name, messages in error.errors.items():
        field = getattr(form, field_name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + list(messages)
        else:
            for message in messages:
                flash(message, "error")


def flash_errors(error: ValidationFailed) -> None:
    """Show an operation's messages as flashes (forms that redirect)."""
    for messages in error.errors.values():
        for message in messages:
            flash(message, "error")


def run_or_flash(action: Callable[[], object], success: str | None = None) -> bool:
    """Run an operation for a form that redirects: a refusal (bad input, a conflict)
    becomes error flashes and leaves nothing half saved (the operation runs in a
    savepoint: the redirect's 302 commits the request), else the success message.
    True when the operation went through."""
    try:
        with db.session.begin_nested():
            action()
    except ValidationFailed as error:
        flash_errors(error)
        return False
    except Conflict as error:
        flash(error.message, "error")
        return False
    if success:
        flash(success, "success")
    return True


def safe_local_path(target: str | None, fallback: str) -> str:
    """A redirect target only when it stays on this site (no scheme, no host,
    no protocol-relative '//' or backslash tricks)."""
    if not target:
        return fallback
    if "\\" in target or any(ord(c) < 32 for c in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target
