"""What every template can use: permission-aware links, local time, the menu."""

from __future__ import annotations

from flask import Flask, current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from arrival import __version__
from arrival.auth.forms import LogoutForm, role_label
from arrival.auth.permissions import can_open
from arrival.core.timezone import format_local

# The main menu: (endpoint, label). Each entry shows only to roles that may open it.
MENU = [
    ("core.index", _l("Start")),
    ("registry.search", _l("Search")),
    ("registry.new_household", _l("Register")),
    ("housing.overview", _l("Accommodation")),
    ("services.station", _l("Scan station")),
    ("cases.index", _l("Clarification")),
    ("dashboard.index", _l("Dashboard")),
    ("reports.index", _l("Reports")),
    ("users.index", _l("Accounts")),
    ("audit.index", _l("Audit log")),
]


def init_app(app: Flask) -> None:
    app.jinja_env.filters["local"] = format_local
    app.jinja_env.globals["role_label"] = role_label
    app.jinja_env.globals["can_open"] = lambda endpoint: can_open(current_user, endpoint)
    app.context_processor(_layout_context)


def _layout_context() -> dict:
    return {
        "app_version": __version__,
        "centre_name": current_app.config["CENTRE_NAME"],
        "current_locale": str(get_locale()),
        "languages": current_app.config["LANGUAGES"],
        "menu": [(e, label) for e, label in MENU if can_open(current_user, e)],
        "logout_form": LogoutForm() if current_user.is_authenticated else None,
    }
