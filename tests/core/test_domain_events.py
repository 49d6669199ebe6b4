"""Domains react to each other through events kept per application: a second
application instance (a worker, a CLI app) behaves exactly like the first."""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from flask_migrate import upgrade

from arrival import create_app
from arrival.cases.models import ClarificationItem
from arrival.catalog.operations import load_catalog
from arrival.core.events import bus, publish
from arrival.extensions import db
from arrival.registry import operations as registry
from arrival.housing.events import StayEnded
from arrival.registry.events import HouseholdChanged, HouseholdRegistered
from arrival.registry.validation import parse_household
from tests.factories import household_payload, person_payload

# A 15-year-old with her grandmother: the rules ask for items of several authorities.
FAMILY = household_payload(
    person_payload(family_name="Bondar", given_names="Halyna", family_name_cyrillic="",
                   given_names_cyrillic="", date_of_birth="1950-02-02", document={"type": "none"}),
    person_payload(relation="other_relative", family_name="Bondar", given_names="Iryna",
                   family_name_cyrillic="", given_names_cyrillic="", date_of_birth="2007-01-01",
                   document={"type": "none"}),
)


def _items_opened_by_registration(app) -> list[tuple[str, int]]:
    with app.app_context():
        data = parse_household(FAMILY, now=datetime(2022, 3, 15, 12, tzinfo=timezone.utc))
        household = registry.register_household(
            data, idempotency_key=None, fingerprint=registry.request_fingerprint(FAMILY),
            duplicate_reason="test").household
        items = db.session.scalars(sa.select(ClarificationItem).where(
            ClarificationItem.household_id == household.id)).all()
        opened = sorted((item.topic, household.persons.index(item.person) if item.person else -1)
                        for item in items)
        db.session.rollback()
        return opened


def _fresh_app(tmp_path, name: str):
    application = create_app("testing", overrides={
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / name}.sqlite3"})
    with application.app_context():
        upgrade()
        load_catalog(application.config["CATALOG_DIR"])
        db.session.commit()
    return application


def test_a_second_application_opens_clarification_items_like_the_first(app, tmp_path):
    first = _items_opened_by_registration(app)
    second = _items_opened_by_registration(_fresh_app(tmp_path, "second"))
    assert first, "the rules open items for this household"
    assert second == first


def test_each_application_has_its_own_handlers(app, tmp_path):
    other = _fresh_app(tmp_path, "other")
    assert bus(app) is not bus(other)
    expected = {HouseholdRegistered: ["delete_pre_registration", "apply_rules_to"],
                HouseholdChanged: ["apply_rules_to"],
                # a check-out expires the card and ends the presence at the gate
                StayEnded: ["card_expires", "leave_at_check_out"]}
    for event in (HouseholdRegistered, HouseholdChanged, StayEnded):
        assert [h.__name__ for h in bus(other).handlers(event)] == \
            [h.__name__ for h in bus(app).handlers(event)] == expected[event]


def test_a_handler_runs_only_in_the_application_it_was_subscribed_to(app, tmp_path):
    other = _fresh_app(tmp_path, "isolated")
    seen = []
    bus(other).subscribe(str, seen.append)
    with app.app_context():
        publish("in the first app")
    with other.app_context():
        publish("in the other app")
    assert seen == ["in the other app"]
