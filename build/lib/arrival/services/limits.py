"""The scan rate limit and its key (shared by the scan station page and the API)."""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user

from arrival.extensions import db
from arrival.services import operations


def scan_rate_limit() -> str:
    return current_app.config["SCAN_RATE_LIMIT"]


def station_key() -> str:
    """One budget per signed-in account and station (site and service type). Only a
    site that exists and a service type of the catalogue make a station of their
    own: the free-text point, or made-up values, cannot open new budgets."""
    from arrival.housing.models import Site

    if request.is_json:
        values = request.get_json(silent=True)
        values = values if isinstance(values, dict) else {}
        site, service = values.get("site_id"), values.get("service_type")
    else:
        site, service = request.form.get("site", type=int), request.form.get("service")
    if not (type(site) is int and 0 < site < 2**31 and db.session.get(Site, site)):
        site = "-"
    if not (isinstance(service, str) and operations.service_type(service[:60])):
        service = "-"
    user = current_user.id if current_user.is_authenticated else request.remote_addr
    return f"scan:{user}:{site}:{service}"
