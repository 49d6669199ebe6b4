"""Housing through the API and the pages, including two tablets racing for one
bed (on SQLite and PostgreSQL) and the documented 'done when' journey."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from arrival.extensions import db
from arrival.housing.models import Stay
from tests.factories import household_payload, person_payload


@pytest.fixture
def housing_client(client, signed_in):
    signed_in("housing")
    return client


def bed_ids(client, site_id: int) -> list[int]:
    site = next(s for s in client.get("/api/v1/sites?include=beds").json["sites"]
                if s["id"] == site_id)
    return [bed["id"] for unit in site["units"] for bed in unit["beds"]]


class TestApi:
    def test_sites_report_capacity_occupied_planned_and_free(self, housing_client, make_site,
                                                             make_household):
        site = make_site(3, 2)
        ref = make_household()
        beds = bed_ids(housing_client, site["site"])
        response = housing_client.post_json("/api/v1/stays", {"household_ref": ref,
                                                              "bed_ids": beds[:1]})
        assert response.status_code == 201 and response.json["stays"][0]["state"] == "planned"
        row = next(s for s in housing_client.get("/api/v1/sites").json["sites"]
                   if s["id"] == site["site"])
        assert (row["capacity"], row["occupied"], row["planned"], row["free"]) == (5, 0, 1, 4)

    def test_a_taken_bed_gives_409_with_a_fresh_proposal(self, housing_client, make_site,
                                                         make_household):
        site = make_site(2, 3)
        beds = bed_ids(housing_client, site["site"])
        housing_client.post_json("/api/v1/stays", {"household_ref": make_household(),
                                                   "bed_ids": beds[:1]})
        response = housing_client.post_json("/api/v1/stays", {"household_ref": make_household(),
                                                              "bed_ids": beds[:1]})
        assert response.status_code == 409 and response.json["code"] == "bed_taken"
        assert response.json["proposals"] and beds[0] not in response.json["proposals"][0][
            "bed_ids"]

    def test_check_out_with_reason_destination_and_time(self, housing_client, make_site,
                                                        make_household):
        site = make_site(2)
        stay = housing_client.post_json("/api/v1/stays", {
            "household_ref": make_household(), "bed_ids": bed_ids(housing_client, site["site"])[:1],
            "check_in": True, "at": "2022-03-20T09:00:00+01:00"}).json["stays"][0]
        response = housing_client.post_json(f"/api/v1/stays/{stay['id']}/check-out", {
            "reason": "transfer_district", "destination": "Landkreis Esslingen",
            "at": "2022-03-22T10:00:00+01:00"})
        assert response.status_code == 200 and response.json["state"] == "checked_out"

    def test_check_out_before_check_in_is_refused_and_changes_nothing(
            self, app, housing_client, make_site, make_household):
        site = make_site(2)
        stay = housing_client.post_json("/api/v1/stays", {
            "household_ref": make_household(), "bed_ids": bed_ids(housing_client, site["site"])[:1],
            "check_in": True, "at": "2022-03-20T09:00:00+01:00"}).json["stays"][0]
        response = housing_client.post_json(f"/api/v1/stays/{stay['id']}/check-out", {
            "reason": "absent", "at": "2022-03-19T09:00:00+01:00"})
        assert response.status_code == 422 and "at" in response.json["fields"]
        with app.app_context():
            assert db.session.get(Stay, stay["id"]).state == "checked_in"

    def test_the_past_occupancy_is_available_with_as_of(self, housing_client, make_site,
                                                        make_household):
        site = make_site(2)
        housing_client.post_json("/api/v1/stays", {
            "household_ref": make_household(), "bed_ids": bed_ids(housing_client, site["site"])[:1],
            "check_in": True})
        past = housing_client.get("/api/v1/sites", query_string={
            "as_of": "2000-01-01T00:00:00+00:00"}).json["sites"]
        assert past == []

    def test_proposals_for_a_household(self, housing_client, make_site, make_household):
        make_site(1, 4)
        body = housing_client.get(f"/api/v1/households/{make_household()}/bed-proposals").json
        assert body["needs"]["size"] == 1 and body["proposals"][0]["leftover"] == 0

    def test_service_points_cannot_assign_beds(self, client, signed_in):
        signed_in("service_point")
        assert client.post_json("/api/v1/stays", {}).status_code == 403


def test_two_tablets_assigning_the_same_bed_one_wins(committing_app, freeze_registration_clock):
    clients = []
    for _ in range(2):
        client = committing_app.test_client()
        client.login("housing", "demo-housing-2022")
        clients.append((client, client.csrf_token()))
    intake = committing_app.test_client()
    intake.login("intake", "demo-intake-2022")
    refs = []
    for name in ("Race", "Rush"):
        response = intake.post_json("/api/v1/households", household_payload(person_payload(
            family_name=name, family_name_cyrillic="", document={"type": "none"})))
        assert response.status_code == 201, response.json
        refs.append(response.json["ref"])
    client = clients[0][0]
    site = client.post("/housing/sites/new", data={
        "csrf_token": clients[0][1], "name": "Race Hall", "kind": "emergency_hall",
        "warning_percent": 85, "critical_percent": 95})
    site_id = int(site.headers["Location"].rsplit("/", 1)[1])
    client.post(f"/housing/sites/{site_id}/units", data={"csrf_token": clients[0][1],
                                                        "name": "R1"})
    html = client.get(f"/housing/sites/{site_id}").get_data(as_text=True)
    unit_id = re.search(r'id="unit-(\d+)"', html).group(1)
    client.post(f"/housing/units/{unit_id}/beds", data={"csrf_token": clients[0][1], "count": 2})
    target = bed_ids(client, site_id)[:1]
    start = threading.Barrier(2)

    def assign(index):
        tablet, token = clients[index]
        start.wait()
        return tablet.post("/api/v1/stays", json={"household_ref": refs[index],
                                                   "bed_ids": target},
                           headers={"X-CSRFToken": token})

    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(assign, range(2)))
    assert sorted(r.status_code for r in responses) == [201, 409]
    loser = next(r for r in responses if r.status_code == 409).get_json()
    assert loser["code"] == "bed_taken" and loser["proposals"]
    with committing_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Stay.id)).where(
            Stay.bed_id == target[0])) == 1


class TestPages:
    def test_the_done_when_journey(self, app, housing_client, make_household):
        """A hall with 120 beds; a family of five with a wheelchair user placed in one
        barrier-free room, moved, checked out; the occupancy of a past day."""
        client = housing_client
        token = client.csrf_token()
        hall = client.post("/housing/sites/new", data={
            "csrf_token": token, "name": "Sporthalle Nord", "kind": "emergency_hall",
            "warning_percent": 85, "critical_percent": 95}).headers["Location"]
        client.post(f"{hall}/units", data={"csrf_token": token, "name": "Halle"})
        client.post(f"{hall}/units", data={"csrf_token": token, "name": "Raum A",
                                           "barrier_free": "y", "family_room": "y"})
        client.post(f"{hall}/units", data={"csrf_token": token, "name": "Raum B",
                                           "barrier_free": "y"})
        units = dict((name, uid) for uid, name in re.findall(
            r'id="unit-(\d+)">\s*<div class="page-head">\s*<h2>(\w+(?: \w)?)',
            client.get(hall).get_data(as_text=True)))
        for name, count in (("Halle", 120), ("Raum A", 6), ("Raum B", 5)):
            client.post(f"/housing/units/{units[name]}/beds",
                        data={"csrf_token": token, "count": count})
        assert "131" in client.get(hall).get_data(as_text=True)

        family = make_household(
            person_payload(family_name="Lysenko", document={"type": "none"}),
            *[person_payload(family_name="Lysenko", relation="child", given_names=name,
                             date_of_birth=f"201{i}-01-01", document={"type": "none"})
              for i, name in enumerate(("Anna", "Maria", "Oleh"))],
            person_payload(family_name="Lysenko", relation="grandparent", given_names="Vira",
                           date_of_birth="1945-05-05", flags=["reduced_mobility"],
                           document={"type": "none"}))
        page = client.get(f"/housing/households/{family}/place").get_data(as_text=True)
        offered = re.findall(r'<strong>Sporthalle Nord · ([\w ]+)</strong>', page)
        assert offered == ["Raum B", "Raum A"]  # barrier-free only, best fit first
        persons = re.findall(r'name="person" value="([^"]+)"', page)
        response = client.post(f"/housing/households/{family}/place", data={
            "csrf_token": token, "person": persons, "unit": units["Raum B"], "check_in": "1"})
        assert response.status_code == 302
        household_page = client.get(f"/households/{family}").get_data(as_text=True)
        assert household_page.count("<td>Raum B · ") == 5

        move_page = client.get(f"/housing/households/{family}/move").get_data(as_text=True)
        assert "Raum A" in move_page
        client.post(f"/housing/households/{family}/move", data={
            "csrf_token": token, "person": persons, "unit": units["Raum A"]})
        checkout = client.get(f"/housing/households/{family}/check-out").get_data(as_text=True)
        stay_ids = re.findall(r'name="stay" value="(\d+)"', checkout)
        assert len(stay_ids) == 5
        answer = {"csrf_token": token, "stay": stay_ids, "reason": "private_accommodation",
                  "destination": "Gastfamilie Böblingen"}
        asked = client.post(f"/housing/households/{family}/check-out", data=answer)
        assert asked.status_code == 200 and "Vira Lysenko" in asked.get_data(as_text=True)
        done = client.post(f"/housing/households/{family}/check-out",
                           data={**answer, "confirmed": "1"})
        assert done.status_code == 302
        overview = client.get("/housing/").get_data(as_text=True)
        assert "Sporthalle Nord" in overview
        with app.app_context():
            states = db.session.scalars(sa.select(Stay.state).order_by(Stay.id)).all()
        assert states == ["checked_out"] * 10

    def test_names_in_the_bed_map_only_for_roles_that_may_see_them(
            self, app, client, signed_in, make_site, make_household, persons_of):
        from arrival.housing import operations

        site = make_site(2)
        ref = make_household(person_payload(family_name="Visible", document={"type": "none"}))
        with app.app_context():
            from arrival.housing.models import Bed

            bed = db.session.scalars(sa.select(Bed).where(Bed.unit_id == site["units"][0])).first()
            operations.assign(persons_of(ref), [bed], check_in=True)
            db.session.commit()
        signed_in("housing")
        assert "Visible" in client.get(f"/housing/sites/{site['site']}").get_data(as_text=True)
        client.logout()
        signed_in("admin")
        page = client.get(f"/housing/sites/{site['site']}").get_data(as_text=True)
        assert "Visible" not in page and "belegt" in page

    def test_over_capacity_is_refused_with_a_message(self, client, signed_in, make_site,
                                                     make_household):
        signed_in("housing")
        site = make_site(1)
        ref = make_household(person_payload(document={"type": "none"}),
                             person_payload(relation="child", given_names="Kid",
                                            date_of_birth="2015-01-01",
                                            document={"type": "none"}))
        page = client.get(f"/housing/households/{ref}/place").get_data(as_text=True)
        persons = re.findall(r'name="person" value="([^"]+)"', page)
        response = client.submit(f"/housing/households/{ref}/place", {
            "person": persons, "unit": site["units"][0]})
        assert response.status_code == 422

    def test_the_absence_list_checks_out_the_selected(self, app, client, signed_in, make_site,
                                                      make_household, persons_of):
        from datetime import timedelta

        from arrival.database import now_utc
        from arrival.housing import operations
        from arrival.housing.models import Bed

        site = make_site(2)
        ref = make_household()
        with app.app_context():
            bed = db.session.scalars(sa.select(Bed).where(Bed.unit_id == site["units"][0])).first()
            operations.assign(persons_of(ref), [bed], check_in=True,
                              at=now_utc() - timedelta(days=5))
            db.session.commit()
        signed_in("housing")
        page = client.get("/housing/absent?days=3").get_data(as_text=True)
        stay_ids = re.findall(r'name="stay" value="(\d+)"', page)
        assert len(stay_ids) == 1
        client.submit("/housing/absent", {"stay": stay_ids, "days": 3})
        with app.app_context():
            stay = db.session.get(Stay, int(stay_ids[0]))
            assert (stay.state, stay.end_reason) == ("checked_out", "absent")
