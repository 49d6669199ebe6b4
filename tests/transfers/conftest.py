"""Destinations loaded, a hall with beds, and households with cards and beds: the
Kovalenko family (mother and two children), the Hrytsenko couple and a woman
alone (Savchuk) — each with a card per person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from arrival.cards import operations as cards
from arrival.core.clock import now
from arrival.extensions import db
from arrival.housing import inventory
from arrival.housing import operations as housing
from arrival.registry.operations import household_by_ref
from arrival.transfers import operations as transfers
from tests.factories import PASSWORD, person_payload

BOEBLINGEN = "08115"
ESSLINGEN = "08116"


def resident(family, given, born, **fields):
    return person_payload(family_name=family, given_names=given, date_of_birth=born,
                          family_name_cyrillic=fields.pop("cyrillic", ""),
                          given_names_cyrillic="", document={"type": "none"}, **fields)


@pytest.fixture
def destinations(app):
    with app.app_context():
        transfers.load_destinations(Path(app.config["CATALOG_DIR"]))
        db.session.commit()


@dataclass
class Centre:
    refs: dict[str, str]  # family → household ref
    tokens: dict[str, str]  # given name → card token
    ids: dict[str, int]  # given name → person id
    site: int


@pytest.fixture
def centre(app, make_household, destinations):
    refs = {
        "Kovalenko": make_household(
            resident("Kovalenko", "Natalia", "1985-02-02", cyrillic="Коваленко"),
            resident("Kovalenko", "Dmytro", "2012-06-06", relation="child", sex="male"),
            resident("Kovalenko", "Sofiia", "2016-09-09", relation="child")),
        "Hrytsenko": make_household(
            resident("Hrytsenko", "Andrii", "1950-01-01", sex="male", flags=["needs_care"]),
            resident("Hrytsenko", "Halyna", "1952-03-03", relation="spouse")),
        "Savchuk": make_household(resident("Savchuk", "Oksana", "1990-04-04")),
    }
    with app.app_context():
        site = inventory.create_site({"name": "Messe", "kind": "emergency_hall"})
        hall = inventory.create_unit(site, {"name": "Halle 1"})
        beds = inventory.add_beds(hall, 10)
        tokens, ids, used = {}, {}, 0
        for ref in refs.values():
            persons = household_by_ref(ref).persons
            housing.assign(persons, beds[used:used + len(persons)], check_in=True)
            used += len(persons)
            for person in persons:
                tokens[person.given_names] = cards.issue_card(person).token
                ids[person.given_names] = person.id
        db.session.commit()
        return Centre(refs, tokens, ids, site.id)


@pytest.fixture
def rp(client, make_user):
    """The client signed in as a caseworker of the RP."""
    username = make_user("caseworker", authority="rp")
    assert client.login(username, PASSWORD).status_code == 302
    return client


def decide_all(app, centre, families, destination=BOEBLINGEN):
    with app.app_context():
        for family in families:
            transfers.decide(household_by_ref(centre.refs[family]), kind="transfer",
                             destination=transfers.destination_by_key(destination))
        db.session.commit()


def new_batch(app, destination=BOEBLINGEN, *, seats=50, hours=3) -> int:
    with app.app_context():
        batch = transfers.create_batch(transfers.destination_by_key(destination),
                                       departs_at=now() + timedelta(hours=hours), seats=seats)
        db.session.commit()
        return batch.id
