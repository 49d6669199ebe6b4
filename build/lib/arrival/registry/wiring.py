"""How the registry joins the application. It announces HouseholdRegistered and
HouseholdChanged (arrival.registry.events) and reacts to nothing."""

from flask import Flask

from arrival.registry import api, templating  # noqa: F401  (api: attaches the API routes)
from arrival.registry.search import HOUSEHOLD_REFERENCES, add_reference_kind
from arrival.registry.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    templating.init_app(app)
    add_reference_kind(app, "H", HOUSEHOLD_REFERENCES)
