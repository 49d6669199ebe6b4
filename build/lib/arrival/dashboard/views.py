from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from arrival.core.clock import now
from arrival.core.inputs import query_int
from arrival.core.timezone import format_local
from arrival.core.validation import ValidationFailed
from arrival.dashboard.moment import own_authority_code, parse_as_of
from arrival.gate.operations import present_counts
from arrival.housing.inventory import sites
from arrival.statistics.figures import dashboard

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
KIOSK_REFRESH_SECONDS = 120


def vulnerable_group_label(code: str) -> str:
    """The group, in the plural ("Unbegleitete Minderjährige: 6"), not the flag's
    own title, which may end in a colon-like gender mark ("Minderjährige:r: 6")."""
    labels = {"unaccompanied_minor": _("Unaccompanied minors"),
              "disability": _("Persons with a disability"),
              "reduced_mobility": _("Persons with reduced mobility"),
              "pregnant": _("Pregnant women"), "needs_care": _("Persons in need of care")}
    return labels.get(code, code)


def age_band_label(band: str) -> str:
    """'6-17' → '6–17' (a range takes an en dash), 'unknown' → a word."""
    if band == "unknown":
        return _("unknown age")
    return band.replace("-", "–")


@bp.get("/")
def index():
    as_of_error = None
    try:
        as_of = parse_as_of(request.args.get("as_of"))
    except ValidationFailed as error:
        # Said at the field; the figures shown are those of now, and say so.
        as_of, as_of_error = None, error.errors["as_of"][0]
    site_id = query_int(request.args, "site")
    figures = dashboard(as_of, site_id)
    kiosk = request.args.get("kiosk") == "1"
    return render_template(
        "dashboard/index.html", figures=figures, as_of=as_of, site_id=site_id, sites=sites(),
        highlight=request.args.get("authority") or own_authority_code(), kiosk=kiosk,
        refresh_seconds=KIOSK_REFRESH_SECONDS if kiosk and as_of is None else None,
        as_of_value=request.args.get("as_of", ""), as_of_error=as_of_error,
        now_local_value=format_local(now(), "%Y-%m-%dT%H:%M"),
        age_band_label=age_band_label, vulnerable_group_label=vulnerable_group_label,
        gate_present=_gate_present(site_id) if as_of is None else []), \
        422 if as_of_error else 200


def _gate_present(site_id: int | None) -> list[tuple[str, int]]:
    """Persons inside each site with gate control, now (gate data has no past)."""
    counts = present_counts()
    return [(site.name, counts.get(site.id, 0)) for site in sites()
            if site.id in counts and (site_id is None or site.id == site_id)]
