"""How arrival cards join the application."""

from flask import Flask

from arrival.auth.permissions import FieldGroup
from arrival.cards import api, templating  # noqa: F401  (api: attaches the API routes)
from arrival.cards.cli import cards_cli
from arrival.cards import operations
from arrival.cards.views import bp
from arrival.core.events import subscribe
from arrival.core.sections import HouseholdSection, add_household_section
from arrival.housing.events import StayEnded
from arrival.registry.search import add_reference_kind


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    templating.init_app(app)
    app.cli.add_command(cards_cli)
    add_household_section(app, HouseholdSection(
        order=20, field_group=FieldGroup.SERVICES, template="cards/_household_section.html",
        context=templating.cards_section))
    add_reference_kind(app, "K", operations.CARD_REFERENCES)
    subscribe(app, StayEnded, card_expires, together=True)


def card_expires(events: list[StayEnded]) -> None:
    """Cards expire at check-out (issue 20): the token opens nothing any more. All
    the stays of one check-out at once (a bus of 200 persons: one query)."""
    operations.expire_at_departure({e.stay.person_id: e.stay.ended_at for e in events})
