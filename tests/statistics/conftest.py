"""A hand-built scenario around 27 March 2022, the day the clocks went forward in
Germany (02:00 CET → 03:00 CEST: a local day of 23 hours)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from arrival.cases.models import ClarificationItem, ItemTransition
from arrival.extensions import db
from arrival.housing import inventory, operations as housing
from arrival.registry.operations import household_by_ref
from arrival.services.models import Delivery, Scan
from tests.factories import person_payload

BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2022, 3, 27)


def local(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2022, month, day, hour, minute, tzinfo=BERLIN)


def person(given: str, **fields) -> dict:
    return person_payload(family_name=f"Scenario{given}", family_name_cyrillic="",
                          given_names=given, given_names_cyrillic="", document={"type": "none"},
                          **fields)


@pytest.fixture
def scenario(app, make_household):
    """
    - A (2 persons) arrives 26.03. 23:59, checks in 23:59; one leaves 27.03. 12:00
      (private accommodation).
    - B (1 person, 70 years, Ukrainian, reduced mobility) arrives 27.03. 00:01,
      checks in 00:30.
    - C (3 persons: third-country mother 1990, children 2019 and 2008) arrives
      27.03. 23:59, planned at 23:59.
    - D (1 person) arrives 28.03. 00:01.
    - One bed blocked from 27.03. 10:00.
    - Deliveries: a meal 27.03. 23:59 and one 28.03. 00:01; one refused scan on 27.03.
    - Clarification: an RP item opened 27.03. 09:00 and resolved 27.03. 23:59; a
      Jugendamt item opened 20.03. (overdue, 7 days old on the 27th).
    """
    refs = {
        "A": make_household(person("Anna"), person("Artem", relation="child", sex="male",
                                                   date_of_birth="2015-01-01")),
        "B": make_household(person("Borys", sex="male", date_of_birth="1951-06-01",
                                   flags=["reduced_mobility"])),
        "C": make_household(person("Chioma", nationality="NGA", date_of_birth="1990-02-02"),
                            person("Chidi", relation="child", sex="male", nationality="NGA",
                                   date_of_birth="2019-04-04"),
                            person("Ada", relation="child", nationality="NGA",
                                   date_of_birth="2008-08-08")),
        "D": make_household(person("Dmytro", sex="male")),
    }
    arrivals = {"A": local(26, 23, 59), "B": local(27, 0, 1), "C": local(27, 23, 59),
                "D": local(28, 0, 1)}
    with app.app_context():
        households = {key: household_by_ref(ref) for key, ref in refs.items()}
        for key, household in households.items():
            household.arrived_at = arrivals[key]
        # Forget the items the rules opened at "now"; the scenario sets its own.
        db.session.execute(sa.delete(ItemTransition))
        db.session.execute(sa.delete(ClarificationItem))
        site = inventory.create_site({"name": "Halle Nord", "kind": "emergency_hall"})
        site.opened_at = local(1, 8)
        unit = inventory.create_unit(site, {"name": "Halle"})
        beds = inventory.add_beds(unit, 10)
        for bed in beds:
            bed.created_at = local(1, 8)
        db.session.flush()
        a_stays = housing.assign(list(households["A"].persons), beds[:2], at=local(26, 23, 59))
        for stay in a_stays:
            housing.transition(stay, housing.StayState.CHECKED_IN, at=local(26, 23, 59))
        housing.check_out(a_stays[1], reason="private_accommodation", at=local(27, 12))
        b_stay = housing.assign(list(households["B"].persons), beds[2:3], at=local(27, 0, 1))[0]
        housing.transition(b_stay, housing.StayState.CHECKED_IN, at=local(27, 0, 30))
        housing.assign(list(households["C"].persons), beds[3:6], at=local(27, 23, 59))
        inventory.block_bed(beds[9], "Reparatur")
        beds[9].blocks[0].blocked_at = local(27, 10)
        anna = households["A"].persons[0]
        for moment in (local(27, 23, 59), local(28, 0, 1)):
            db.session.add(Delivery(service_type="meal", person_id=anna.id,
                                    household_id=anna.household_id, scope="person",
                                    point="Kantine", delivered_at=moment))
        db.session.add(Scan(scanned_at=local(27, 13), service_type="meal", point="Kantine",
                            result="red", reason="limit_reached", person_id=anna.id))
        from arrival.catalog.operations import authority_by_code

        rp_item = ClarificationItem(
            household_id=households["B"].id, person_id=households["B"].persons[0].id,
            topic="fingerprints", authority_id=authority_by_code("rp").id, priority=3,
            due_on=date(2022, 4, 10), state="resolved", resolution="registered",
            created_at=local(27, 9), closed_at=local(27, 23, 59))
        youth_item = ClarificationItem(
            household_id=households["C"].id, person_id=households["C"].persons[2].id,
            topic="unaccompanied_minor", authority_id=authority_by_code("jugendamt").id,
            priority=1, due_on=date(2022, 3, 21), state="open", created_at=local(20, 9))
        db.session.add_all([rp_item, youth_item])
        db.session.flush()
        db.session.add_all([
            ItemTransition(item_id=rp_item.id, from_state=None, to_state="open",
                           at=local(27, 9)),
            ItemTransition(item_id=rp_item.id, from_state="open", to_state="resolved",
                           resolution="registered", at=local(27, 23, 59)),
            ItemTransition(item_id=youth_item.id, from_state=None, to_state="open",
                           at=local(20, 9)),
        ])
        db.session.commit()
    return refs
