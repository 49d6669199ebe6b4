from __future__ import annotations

from flask import Blueprint, render_template, request

from arrival.core.validation import ValidationFailed
from arrival.dashboard.moment import own_authority_code, parse_as_of
from arrival.gate.operations import present_counts
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
    site_id = request.args.get("site", type=int)
    figures = dashboard(as_of, site_id)
    kiosk = request.args.get("kiosk") == "1"
    return render_template(
        "dashboard/index.html", figures=figures, as_of=as_of, site_id=site_id, sites=sites(),
        highlight=request.args.get("authority") or own_authority_code(), kiosk=kiosk,
        refresh_seconds=KIOSK_REFRESH_SECONDS if kiosk and as_of is None else None,
        as_of_value=request.args.get("as_of", ""),
        gate_present=_gate_present(site_id) if as_of is None else [])


def _gate_present(site_id: int | None) -> list[tuple[str, int]]:
    """Persons inside each site with gate control, now (gate data has no past)."""
    counts = present_counts()
    return [(site.name, counts.get(site.id, 0)) for site in sites()
            if site.id in counts and (site_id is None or site.id == site_id)]
