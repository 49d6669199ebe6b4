"""How clarification joins the application: pages, API, labels, its section and
badges on the household page — and its reaction to the registry: whenever a
household is registered or changed, the rules open and close its items."""

from flask import Flask

from arrival.auth.permissions import FieldGroup
from arrival.cases import api, operations, templating  # noqa: F401  (api: routes)
from arrival.cases.views import bp
from arrival.core.events import subscribe
from arrival.core.sections import HouseholdSection, add_household_section, add_household_summary
from arrival.registry.events import HouseholdChanged, HouseholdRegistered


def apply_rules_to(event: HouseholdRegistered | HouseholdChanged) -> None:
    operations.apply_rules(event.household)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    templating.init_app(app)
    add_household_section(app, HouseholdSection(
        order=30, field_group=FieldGroup.CLARIFICATION, template="cases/_household_section.html",
        context=templating.household_section))
    add_household_summary(app, templating.household_badges)
    subscribe(app, HouseholdRegistered, apply_rules_to)
    subscribe(app, HouseholdChanged, apply_rules_to)
