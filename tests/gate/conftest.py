"""A hall with a gate (Messe: Halle 1, Halle 2), a hotel without one, and their
residents with cards."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from arrival.cards import operations as cards
from arrival.extensions import db
from arrival.gate import operations as gate
from arrival.housing import inventory
from arrival.housing import operations as housing
from arrival.registry.operations import household_by_ref
from tests.factories import person_payload


def resident(family, given, born, **fields):
    return person_payload(family_name=family, given_names=given, date_of_birth=born,
                          family_name_cyrillic="", given_names_cyrillic="",
                          document={"type": "none"}, **fields)


@dataclass
class Place:
    hall: int  # Messe, with gate control
    hotel: int  # Hotel Nord, without
    tokens: dict[str, str]  # given name → card token
    ids: dict[str, int]  # given name → person id


@pytest.fixture
def place(app, make_household):
    family = make_household(
        resident("Tkachenko", "Iryna", "1990-01-01", flags=["needs_care"]),
        resident("Tkachenko", "Bohdan", "2015-05-05", relation="child", sex="male"),
        resident("Tkachenko", "Mila", "2010-01-01", relation="child"),
    )
    minor = make_household(resident("Bondar", "Petro", "2008-02-02", sex="male",
                                     flags=["unaccompanied_minor"]))
    hotel_guest = make_household(resident("Melnyk", "Oksana", "1975-07-07"))
    stranger = make_household(resident("Koval", "Ivan", "1980-08-08", sex="male"))
    with app.app_context():
        hall = inventory.create_site({"name": "Messe", "kind": "emergency_hall"})
        hall_1 = inventory.create_unit(hall, {"name": "Halle 1"})
        hall_2 = inventory.create_unit(hall, {"name": "Halle 2"})
        hotel = inventory.create_site({"name": "Hotel Nord", "kind": "hotel"})
        hotel_room = inventory.create_unit(hotel, {"name": "Zimmer 12"})
        members = household_by_ref(family).persons
        housing.assign(members, inventory.add_beds(hall_1, 3), check_in=True)
        petro = household_by_ref(minor).persons
        housing.assign(petro, inventory.add_beds(hall_2, 1), check_in=True)
        oksana = household_by_ref(hotel_guest).persons
        housing.assign(oksana, inventory.add_beds(hotel_room, 1), check_in=True)
        everyone = members + petro + oksana + household_by_ref(stranger).persons
        gate.set_gate_settings(hall, gate_control=True, assembly_point="Parkplatz P3")
        tokens = {p.given_names: cards.issue_card(p).token for p in everyone}
        ids = {p.given_names: p.id for p in everyone}
        db.session.commit()
        return Place(hall.id, hotel.id, tokens, ids)


@pytest.fixture
def at_gate(app, place):
    """scan(name, direction, site=hall) through the operation, committed."""

    def scan(name: str, direction: str, *, site: int | None = None, identity: bool = True,
             station: str = "Haupttor"):
        with app.app_context():
            answer = gate.scan(place.tokens.get(name, name), site_id=site or place.hall,
                               station=station, direction=direction, show_identity=identity)
            db.session.commit()
            return answer

    return scan
