"""Labels for scan answers and services."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from arrival.registry.templating import catalog_title

SCAN_RESULT_LABELS = {"green": _l("Hand out"), "amber": _l("Hand out – mind the note"),
                      "red": _l("Do not hand out")}
SCAN_REASON_LABELS = {
    "ok": "", "unknown_card": _l("Unknown card"), "card_revoked": _l("Card revoked"),
    "card_expired": _l("Card expired"), "invalid_code": _l("Invalid code"),
    "limit_reached": _l("Already received"), "outside_window": _l("Outside the serving times"),
    "not_eligible": _l("Not eligible"), "no_open_stay": _l("No accommodation"),
    "unknown_service_type": _l("Unknown service"), "too_many_requests": _l("Too many scans"),
    "offline": _l("No connection"),
}
def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        scan_result_label=lambda code: str(SCAN_RESULT_LABELS.get(code, code)),
        scan_reason_label=lambda code: str(SCAN_REASON_LABELS.get(code, code)),
        service_title=lambda code: catalog_title("service_type", code),
    )
