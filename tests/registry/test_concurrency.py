"""Two tablets, a double tap, a retried request: the same Idempotency-Key sent
concurrently creates exactly one household (on SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from arrival.extensions import db
from arrival.registry.models import Household
from tests.factories import household_payload, person_payload

PARALLEL = 4


def signed_in_clients(app, count: int):
    clients = []
    for _ in range(count):
        client = app.test_client()
        assert client.login("intake", "demo-intake-2022").status_code == 302
        clients.append((client, client.csrf_token()))
    return clients


def post_together(clients, payload, key):
    start = threading.Barrier(len(clients))

    def post(client_and_token):
        client, token = client_and_token
        start.wait()
        return client.post("/api/v1/households", json=payload,
                           headers={"Idempotency-Key": key, "X-CSRFToken": token})

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        return list(pool.map(post, clients))


def test_concurrent_requests_with_one_key_create_one_household(committing_app,
                                                               freeze_registration_clock):
    clients = signed_in_clients(committing_app, PARALLEL)
    payload = household_payload(person_payload(family_name="Parallel", given_names="Petro",
                                               sex="male", document={"type": "none"}))
    responses = post_together(clients, payload, key="double-tap-1")
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * (PARALLEL - 1) + [201], [r.get_json() for r in responses]
    assert len({r.get_json()["ref"] for r in responses}) == 1
    with committing_app.app_context():
        count = db.session.scalar(sa.select(sa.func.count(Household.id)).where(
            Household.ref == responses[0].get_json()["ref"]))
    assert count == 1


def test_concurrent_requests_with_different_keys_all_succeed(committing_app,
                                                             freeze_registration_clock):
    clients = signed_in_clients(committing_app, PARALLEL)
    start = threading.Barrier(PARALLEL)

    def post(index):
        client, token = clients[index]
        payload = household_payload(person_payload(
            family_name="Paralel", given_names=f"Person{index}", date_of_birth=f"19{60 + index}-01-01",
            document={"type": "none"}))
        start.wait()
        return client.post("/api/v1/households", json=payload,
                           headers={"Idempotency-Key": f"tablet-{index}", "X-CSRFToken": token})

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        responses = list(pool.map(post, range(PARALLEL)))
    assert [r.status_code for r in responses] == [201] * PARALLEL


def test_the_same_family_registered_on_two_tablets_at_once_is_caught(committing_app,
                                                                    freeze_registration_clock):
    clients = signed_in_clients(committing_app, 2)
    start = threading.Barrier(2)
    spellings = ("Simultanenko", "Simultanenko")

    def post(index):
        client, token = clients[index]
        payload = household_payload(person_payload(
            family_name=spellings[index], family_name_cyrillic="", given_names="Oksana",
            given_names_cyrillic="", date_of_birth="1979-07-07", document={"type": "none"}))
        start.wait()
        return client.post("/api/v1/households", json=payload,
                           headers={"Idempotency-Key": f"twin-tablet-{index}",
                                    "X-CSRFToken": token})

    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(post, range(2)))
    assert sorted(r.status_code for r in responses) == [201, 409]
