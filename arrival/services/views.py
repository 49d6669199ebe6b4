"""The scan station: choose service type and point, then scan in a loop —
camera, handheld scanner (keyboard wedge) or the typed card number."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, render_template, request
from flask_login import current_user
from flask_babel import get_locale
from flask_babel import gettext as _

from arrival.auth.permissions import FieldGroup, sees
from arrival.core.forms_support import ActionForm, flash_errors
from arrival.core.inputs import query_int
from arrival.core.validation import ValidationFailed
from arrival.extensions import db
from arrival.services.models import Delivery

from arrival.extensions import limiter
from arrival.housing.inventory import sites
from arrival.services import operations
from arrival.services.limits import scan_rate_limit, station_key

bp = Blueprint("services", __name__, url_prefix="/services")


def _station_args(values) -> dict:
    return {
        "service": values.get("service", ""),
        "point": " ".join(values.get("point", "").split())[:operations.MAX_POINT_LENGTH],
        "site": query_int(values, "site"),
    }


def _render(station: dict, answer=None, status: int = 200):
    locale = str(get_locale())
    types = operations.service_types()
    return render_template(
        "services/station.html", station=station, answer=answer, form=ActionForm(formdata=None),
        service_types=[(e.code, e.title(locale)) for e in types],
        service_title=next((e.title(locale) for e in types if e.code == station["service"]), ""),
        sites=sites(), void_seconds=int(operations.VOID_WINDOW.total_seconds()),
        timezone=current_app.config["TIMEZONE"], station_texts=station_texts()), status


def station_texts() -> dict:
    from arrival.services.templating import SCAN_REASON_LABELS, SCAN_RESULT_LABELS

    return {
        **{result: str(label) for result, label in SCAN_RESULT_LABELS.items()},
        "reasons": {reason: str(label) for reason, label in SCAN_REASON_LABELS.items()},
        "last": _("last delivery"), "household": _("household of"), "photoOf": _("Photo of"),
        "voidLabel": _("Void this delivery (within 2 minutes) — reason"),
        "voidButton": _("Void"), "voided": _("The delivery was voided."),
    }


@bp.get("/station")
def station():
    return _render(_station_args(request.args))


@bp.post("/station")
@limiter.shared_limit(scan_rate_limit, scope="scan", key_func=station_key)
def station_scan():
    """Without JavaScript the station posts here and gets the answer as a page."""
    station = _station_args(request.form)
    answer = None
    if ActionForm().validate_on_submit():
        answer = operations.scan(request.form.get("code", ""), service_code=station["service"],
                                 point=station["point"], site_id=station["site"],
                                 locale=str(get_locale()), show_identity=sees(
                                     current_user, FieldGroup.IDENTITY))
    return _render(station, answer)


@bp.post("/deliveries/<int:delivery_id>/void")
def void(delivery_id: int):
    delivery = db.get_or_404(Delivery, delivery_id)
    station = _station_args(request.form)
    status = 200
    if ActionForm().validate_on_submit():
        try:
            operations.void_delivery(delivery, request.form.get("reason", ""))
        except ValidationFailed as error:
            flash_errors(error)
            status = 422
        except operations.NotOwnDelivery:
            flash(_("Another station recorded this delivery; only it or a station lead can "
                    "void it."), "error")
            status = 403
        else:
            flash(_("The delivery was voided."), "success")
    return _render(station, status=status)
