"""Labels for housing codes, and the accommodation section of the household page."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from arrival.housing.forms import SITE_KIND_LABELS, UNIT_FLAG_LABELS
from arrival.housing.operations import stay_history
from arrival.registry.templating import catalog_title

STAY_STATE_LABELS = {"planned": _l("planned"), "checked_in": _l("checked in"),
                     "checked_out": _l("checked out"), "cancelled": _l("cancelled")}
LEVEL_LABELS = {"ok": _l("ok"), "warning": _l("warning"), "critical": _l("critical")}


def accommodation_section(household) -> dict:
    stays = stay_history(household.id)
    return {"household": household, "stays": stays, "open_stays": [s for s in stays if s.open]}


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        site_kind_label=lambda code: str(SITE_KIND_LABELS.get(code, code)),
        unit_flag_label=lambda code: str(UNIT_FLAG_LABELS.get(code, code)),
        stay_state_label=lambda code: str(STAY_STATE_LABELS.get(code, code)),
        level_label=lambda code: str(LEVEL_LABELS.get(code, code)),
        checkout_reason_title=lambda code: catalog_title("checkout_reason", code)
        if code != "moved" else str(_l("moved")),
    )
