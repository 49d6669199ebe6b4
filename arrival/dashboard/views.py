from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, jsonify, render_template, request
from flask_login import current_user

from arrival.api.blueprint import bp as api
from arrival.api.openapi import documented, json_response, query_parameter
from arrival.auth.permissions import Role
from arrival.core.timezone import format_local
from arrival.core.validation import ValidationFailed
from arrival.database import now_utc
from arrival.housing.inventory import sites
from arrival.statistics.figures import dashboard

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
KIOSK_REFRESH_SECONDS = 120


GERMAN_FORMATS = ("%d.%m.%Y %H:%M", "%d.%m.%Y, %H:%M", "%d.%m.%Y")
# A clock a little ahead on a tablet is not "the future".
FUTURE_SKEW = timedelta(minutes=5)


def parse_as_of(value: str | None) -> datetime | None:
    """An ISO time (with offset), a local datetime-local value, TT.MM.JJJJ [HH:MM]
    (Berlin time), or nothing (now). Not understood, or in the future: refused."""
    from flask_babel import gettext as _

    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
        for pattern in GERMAN_FORMATS:
            try:
                moment = datetime.strptime(value, pattern)
                break
            except ValueError:
                continue
        if moment is None:
            raise ValidationFailed(as_of=_(
                "“%(value)s” is not understood as a date and time: use DD.MM.YYYY HH:MM.",
                value=value[:40])) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(current_app.config["TIMEZONE"]))
    if moment > now_utc() + FUTURE_SKEW:
        raise ValidationFailed(as_of=_(
            "%(moment)s is in the future: figures exist only up to now.",
            moment=format_local(moment)))
    return moment


def vulnerable_group_label(code: str) -> str:
    """The group, in the plural ("Unbegleitete Minderjährige: 6"), not the flag's
    own title, which may end in a colon-like gender mark ("Minderjährige:r: 6")."""
    from flask_babel import gettext as _

    labels = {"unaccompanied_minor": _("Unaccompanied minors"),
              "disability": _("Persons with a disability"),
              "reduced_mobility": _("Persons with reduced mobility"),
              "pregnant": _("Pregnant women"), "needs_care": _("Persons in need of care")}
    return labels.get(code, code)


def age_band_label(band: str) -> str:
    """'6-17' → '6–17' (a range takes an en dash), 'unknown' → a word."""
    from flask_babel import gettext as _

    if band == "unknown":
        return _("unknown age")
    return band.replace("-", "–")


def own_authority_code() -> str | None:
    if current_user.role == Role.CASEWORKER.value and current_user.authority:
        return current_user.authority.code
    return None


@bp.get("/")
def index():
    as_of_error = None
    try:
        as_of = parse_as_of(request.args.get("as_of"))
    except ValidationFailed as error:
        # Said at the field; the figures shown are those of now, and say so.
        as_of, as_of_error = None, error.errors["as_of"][0]
    site_id = request.args.get("site", type=int)
    figures = dashboard(as_of, site_id)
    kiosk = request.args.get("kiosk") == "1"
    return render_template(
        "dashboard/index.html", figures=figures, as_of=as_of, site_id=site_id, sites=sites(),
        highlight=request.args.get("authority") or own_authority_code(), kiosk=kiosk,
        refresh_seconds=KIOSK_REFRESH_SECONDS if kiosk and as_of is None else None,
        as_of_value=request.args.get("as_of", ""), as_of_error=as_of_error,
        now_local_value=format_local(now_utc(), "%Y-%m-%dT%H:%M"),
        age_band_label=age_band_label, vulnerable_group_label=vulnerable_group_label), \
        422 if as_of_error else 200


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
