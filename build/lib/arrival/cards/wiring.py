"""How arrival cards join the application."""

from flask import Flask

from arrival.auth.permissions import FieldGroup
from arrival.cards import api, templating  # noqa: F401  (api: attaches the API routes)
from arrival.cards.cli import cards_cli
from arrival.cards import operations
from arrival.cards.views import bp
from arrival.core.sections import HouseholdSection, add_household_section
from arrival.registry.search import add_reference_kind


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    templating.init_app(app)
    app.cli.add_command(cards_cli)
    add_household_section(app, HouseholdSection(
        order=20, field_group=FieldGroup.SERVICES, template="cards/_household_section.html",
        context=templating.cards_section))
    add_reference_kind(app, "K", operations.CARD_REFERENCES)
