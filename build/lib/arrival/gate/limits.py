"""The scan budget of a gate station (shared by the page and the API)."""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user


def scan_rate_limit() -> str:
    return current_app.config["SCAN_RATE_LIMIT"]


def station_key() -> str:
    """One budget per signed-in account and site: a made-up station name opens no
    new budget (the same rule as the service scan stations)."""
    if request.is_json:
        body = request.get_json(silent=True)
        site = body.get("site_id") if isinstance(body, dict) else None
    else:
        site = request.form.get("site", type=int)
    if not (type(site) is int and 0 < site < 2**31):
        site = "-"
    user = current_user.id if current_user.is_authenticated else request.remote_addr
    return f"gate:{user}:{site}"
