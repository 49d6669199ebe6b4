from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, jsonify, render_template, request
from flask_login import current_user

from arrival.api.blueprint import bp as api
from arrival.api.openapi import documented, json_response, query_parameter
from arrival.core.validation import ValidationFailed
from arrival.housing.inventory import sites
from arrival.statistics.figures import dashboard

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
KIOSK_REFRESH_SECONDS = 120


def parse_as_of(value: str | None) -> datetime | None:
    """An ISO time (with offset), or a local datetime-local value, or nothing (now)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(as_of=_invalid()) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(current_app.config["TIMEZONE"]))
    return moment


def _invalid() -> str:
    from flask_babel import gettext as _

    return _("Not a valid date and time.")


def own_authority_code() -> str | None:
    return current_user.authority.code if current_user.authority else None


@bp.get("/")
def index():
    try:
        as_of = parse_as_of(request.args.get("as_of"))
    except ValidationFailed:
        as_of = None
    site_id = request.args.get("site", type=int)
    figures = dashboard(as_of, site_id)
    kiosk = request.args.get("kiosk") == "1"
    return render_template(
        "dashboard/index.html", figures=figures, as_of=as_of, site_id=site_id, sites=sites(),
        highlight=request.args.get("authority") or own_authority_code(), kiosk=kiosk,
        refresh_seconds=KIOSK_REFRESH_SECONDS if kiosk and as_of is None else None,
        as_of_value=request.args.get("as_of", ""))


@api.get("/dashboard")
@documented(
    "The dashboard figures as JSON — now, or as of any past moment; optionally one site.",
    tags=["dashboard"],
    parameters=[query_parameter("as_of", {"type": "string", "format": "date-time"}),
                query_parameter("site", {"type": "integer"})],
    responses={"200": json_response("Figures", {"type": "object"})},
)
def dashboard_api():
    as_of = parse_as_of(request.args.get("as_of"))
    return jsonify(dashboard(as_of, request.args.get("site", type=int)))
