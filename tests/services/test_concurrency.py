"""Two stations scanning the same card at the same moment hand out once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from tests.factories import household_payload, person_payload

STATIONS = 3


def test_simultaneous_scans_of_one_card_deliver_once(committing_app, freeze_registration_clock):
    intake = committing_app.test_client()
    intake.login("intake", "demo-intake-2022")
    ref = intake.post_json("/api/v1/households", household_payload(person_payload(
        family_name="Simultan", family_name_cyrillic="", document={"type": "none"}))).json["ref"]
    person_id = intake.get(f"/api/v1/households/{ref}").json["persons"][0]["id"]
    issued = intake.post_json(f"/api/v1/persons/{person_id}/cards", {}).json
    pdf = intake.get(issued["pdf"]).data
    from tests.cards.test_cards import decode_pdf

    token = decode_pdf(pdf)[0]
    stations = []
    for _ in range(STATIONS):
        client = committing_app.test_client()
        client.login("service", "demo-service-2022")
        stations.append((client, client.csrf_token()))
    start = threading.Barrier(STATIONS)

    def scan(index):
        client, csrf = stations[index]
        start.wait()
        return client.post("/api/v1/scan", json={
            "code": token, "service_type": "medical_screening", "point": f"Station {index}"},
            headers={"X-CSRFToken": csrf}).get_json()

    with ThreadPoolExecutor(max_workers=STATIONS) as pool:
        answers = list(pool.map(scan, range(STATIONS)))
    assert sorted(a["result"] for a in answers) == ["green"] + ["red"] * (STATIONS - 1)
