"""How the gate joins the application: pages, API, labels, the presence section
of the household page, and gate events as sightings for 'last seen'."""

from flask import Flask

from arrival.auth.permissions import FieldGroup
from arrival.core.sections import HouseholdSection, add_household_section
from arrival.gate import api, templating  # noqa: F401  (api: attaches the API routes)
from arrival.gate.operations import gate_sightings
from arrival.gate.views import bp
from arrival.housing.absence import add_seen_source


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    templating.init_app(app)
    add_seen_source(app, gate_sightings)
    add_household_section(app, HouseholdSection(
        order=15, field_group=FieldGroup.ACCOMMODATION, template="gate/_household_section.html",
        context=templating.presence_section))
