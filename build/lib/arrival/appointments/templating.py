"""Labels for appointment states and the appointments section of the household page."""

from __future__ import annotations

from flask import Flask
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from arrival.appointments import operations, slip

STATE_LABELS = {"planned": _l("planned"), "arrived": _l("arrived"), "attended": _l("attended"),
                "missed": _l("missed (no-show)"), "cancelled": _l("cancelled")}


def household_section(household) -> dict:
    appointments = operations.appointments_of_household(household)
    needing = operations.items_needing_appointment(household)
    return {"household": household, "appointments": appointments,
            "needing": needing,
            # intake may book first appointments of any authority, caseworkers their own
            "bookable": {i.id for i in needing if operations.may_book(i.authority_id,
                                                                      first=True)},
            "types": operations.appointment_types(),
            "may_change": operations.may_change, "slip": slip.slip_for}


def appointment_type_title(code: str) -> str:
    kind = operations.appointment_types().get(code)
    return operations.type_title(kind, str(get_locale())) if kind else code


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        appointment_state_label=lambda code: str(STATE_LABELS.get(code, code)),
        appointment_type_title=appointment_type_title,
        local_time=lambda value, pattern="%d.%m.%Y %H:%M": (
            operations.to_local(value).strftime(pattern) if value else ""),
    )
