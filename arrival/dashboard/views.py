from __future__ import annotations

from flask import Blueprint, render_template, request

from arrival.core.inputs import query_int
from arrival.core.validation import ValidationFailed
from arrival.dashboard.moment import own_authority_code, parse_as_of
from arrival.housing.inventory import sites
from arrival.statistics.figures import dashboard

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
KIOSK_REFRESH_SECONDS = 120


@bp.get("/")
def index():
    try:
        as_of = parse_as_of(request.args.get("as_of"))
    except ValidationFailed:
        as_of = None
    site_id = query_int(request.args, "site")
    figures = dashboard(as_of, site_id)
    kiosk = request.args.get("kiosk") == "1"
    return render_template(
        "dashboard/index.html", figures=figures, as_of=as_of, site_id=site_id, sites=sites(),
        highlight=request.args.get("authority") or own_authority_code(), kiosk=kiosk,
        refresh_seconds=KIOSK_REFRESH_SECONDS if kiosk and as_of is None else None,
        as_of_value=request.args.get("as_of", ""))
