"""How transfers join the application: pages, API, CLI, labels and the transfer
section of the household page (the decision, also of a part of the household, and
the bus list it is on)."""

from __future__ import annotations

from flask import Flask

from arrival.auth.permissions import FieldGroup
from arrival.core.sections import HouseholdSection, add_household_section
from arrival.transfers import api, cli, templating  # noqa: F401  (api: attaches the routes)
from arrival.transfers.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    cli.init_app(app)
    templating.init_app(app)
    add_household_section(app, HouseholdSection(
        order=37, field_group=FieldGroup.CLARIFICATION,
        template="transfers/_household_section.html", context=templating.household_section))
