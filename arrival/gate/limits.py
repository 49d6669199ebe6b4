"""The scan budget of a gate station (shared by the page and the API)."""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user


def scan_rate_limit() -> str:
    return current_app.config["SCAN_RATE_LIMIT"]


def station_key() -> str:
    """One budget per signed-in account and gate station."""
    values = request.get_json(silent=True) if request.is_json else request.form
    station = str((values or {}).get("station", ""))[:80]
    user = current_user.id if current_user.is_authenticated else request.remote_addr
    return f"gate:{user}:{station}"
