"""How accommodation joins the application: pages, API, labels, its section of
the household page, and the registry of 'last seen' sources others add to."""

from flask import Flask

from arrival.auth.permissions import FieldGroup
from arrival.core.sections import HouseholdSection, add_household_section
from arrival.housing import absence, api, templating  # noqa: F401  (api: routes)
from arrival.housing.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    templating.init_app(app)
    absence.init_app(app)
    add_household_section(app, HouseholdSection(
        order=10, field_group=FieldGroup.ACCOMMODATION,
        template="housing/_household_section.html", context=templating.accommodation_section))
