"""The storage behind the login and scan limits (Redis in production).

When it cannot be reached, a limited request (sign-in, scan) is refused with 503
and a message that says why — never let through uncounted, never a bare 500 —
and /healthz reports it.
"""

from __future__ import annotations

from flask import Flask, current_app
from flask_babel import gettext as _
from redis.exceptions import RedisError

from arrival.core.errors import error_response
from arrival.extensions import limiter

STORAGE_ERRORS = (RedisError,)


def init_app(app: Flask) -> None:
    for error in STORAGE_ERRORS:
        app.register_error_handler(error, _storage_unreachable)


def _storage_unreachable(error: Exception):
    current_app.logger.error("rate-limit storage unreachable: %s", error)
    return error_response(
        503,
        _("Sign-in and scanning are not possible at the moment: the store of the attempt "
          "counters (Redis) cannot be reached. Please tell the IT support."),
        code="rate_limit_storage_unavailable",
    )


def storage_reachable() -> bool:
    try:
        return bool(limiter.storage.check())
    except Exception:  # noqa: BLE001 — any failure of the check means "not reachable"
        current_app.logger.exception("health check: rate-limit storage unreachable")
        return False
