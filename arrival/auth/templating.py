"""What the templates need from accounts and permissions: the main menu and
permission-aware links (each shows only to roles that may open it), the logout
form, role labels."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from arrival.auth.drafts import draft_owner
from arrival.auth.forms import LogoutForm, role_label
from arrival.auth.permissions import can_open

# The main menu: (endpoint, label).
MENU = [
    ("core.index", _l("Start")),
    ("registry.search", _l("Search")),
    ("registry.new_household", _l("Register")),
    ("housing.overview", _l("Accommodation")),
    ("services.station", _l("Scan station")),
    ("gate.index", _l("Gate")),
    ("cases.index", _l("Clarification")),
    ("appointments.index", _l("Appointments")),
    ("transfers.index", _l("Transfers")),
    ("dashboard.index", _l("Dashboard")),
    ("reports.index", _l("Reports")),
    ("users.index", _l("Accounts")),
    ("audit.index", _l("Audit log")),
    ("privacy.index", _l("Data protection")),
]


def init_app(app: Flask) -> None:
    app.jinja_env.globals["role_label"] = role_label
    app.jinja_env.globals["can_open"] = lambda endpoint: can_open(current_user, endpoint)
    app.context_processor(_menu_context)


def _menu_context() -> dict:
    return {
        "menu": [(e, label) for e, label in MENU if can_open(current_user, e)],
        "logout_form": LogoutForm() if current_user.is_authenticated else None,
        # Which drafts on the tablet are this account's (arrival/auth/drafts.py).
        "draft_owner": draft_owner(current_user) if current_user.is_authenticated else None,
    }
