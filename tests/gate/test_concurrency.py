"""Two tablets at the assembly point tick the same person at the same moment: one
tick, never two, and neither is lost (the database's unique constraint decides)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from arrival.extensions import db
from arrival.gate import operations as gate
from arrival.gate.models import RollCallTick
from arrival.housing import inventory
from arrival.housing import operations as housing
from arrival.registry import operations as registry
from arrival.registry.validation import parse_household
from tests.factories import household_payload, person_payload

TABLETS = 2


def test_two_tablets_ticking_the_same_persons_at_once_tick_each_once(committing_app):
    from datetime import datetime, timezone

    app = committing_app
    with app.app_context():
        payload = household_payload(*[person_payload(
            family_name="Gleichzeitig", given_names=name, family_name_cyrillic="",
            given_names_cyrillic="", document={"type": "none"},
            relation="head" if i == 0 else "child", date_of_birth="1990-01-01" if i == 0
            else "2012-01-01") for i, name in enumerate(("Anna", "Boris", "Daria"))])
        data = parse_household(payload, now=datetime(2022, 3, 15, 12, tzinfo=timezone.utc))
        household = registry.register_household(
            data, idempotency_key=None, fingerprint=registry.request_fingerprint(payload),
            duplicate_reason="test").household
        site = inventory.create_site({"name": "Halle Gleichzeitig", "kind": "emergency_hall"})
        unit = inventory.create_unit(site, {"name": "Halle A"})
        housing.assign(household.persons, inventory.add_beds(unit, 3), check_in=True)
        roll_call = gate.start_roll_call(site)
        db.session.commit()
        call_id, person_ids = roll_call.id, [p.id for p in household.persons]
    assert len(person_ids) == 3

    tablets = []
    for _ in range(TABLETS):
        client = app.test_client()
        assert client.login("coordinator", "demo-coordinator-2022").status_code == 302
        tablets.append((client, client.csrf_token()))

    def tick_all(index):
        client, csrf = tablets[index]
        answers = []
        for person_id in person_ids:
            start.wait()
            answers.append(client.post(f"/api/v1/gate/roll-calls/{call_id}/ticks",
                                       json={"person_id": person_id},
                                       headers={"X-CSRFToken": csrf}).get_json()["status"])
        return answers

    start = threading.Barrier(TABLETS)
    with ThreadPoolExecutor(max_workers=TABLETS) as pool:
        answers = list(pool.map(tick_all, range(TABLETS)))
    per_person = list(zip(*answers))
    assert all(sorted(pair) == ["already", "ticked"] for pair in per_person), answers
    with app.app_context():
        ticks = db.session.scalars(sa.select(RollCallTick.person_id).where(
            RollCallTick.roll_call_id == call_id)).all()
        assert sorted(ticks) == sorted(person_ids)
