"""Scan stations offline (issue 14): the small card list a station keeps, and the
deliveries it handed out offline, checked by the rules when they arrive — recorded
as they happened, a broken rule listed for the station lead, never dropped, and a
second send of the same key harmless. Gate scans offline use the same way in."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from arrival.cards import operations as cards
from arrival.core.validation import ValidationFailed
from arrival.database import now_utc
from arrival.extensions import db
from arrival.gate.models import GateEvent
from arrival.housing import inventory
from arrival.housing import operations as housing
from arrival.registry.operations import household_by_ref
from arrival.services import offline
from arrival.services.models import Delivery, OfflineDelivery
from tests.factories import PASSWORD, person_payload


def resident(given, born, **fields):
    return person_payload(family_name="Hrytsenko", given_names=given, date_of_birth=born,
                          family_name_cyrillic="", given_names_cyrillic="",
                          document={"type": "none"}, **fields)


@pytest.fixture
def place(app, make_household):
    """A hall with a family of two checked in; {'site': id, 'tokens': {given name: token}}."""
    ref = make_household(resident("Daryna", "1991-02-02"),
                         resident("Ostap", "2012-06-06", relation="child", sex="male"))
    with app.app_context():
        site = inventory.create_site({"name": "Messe Offline", "kind": "emergency_hall"})
        unit = inventory.create_unit(site, {"name": "Halle 3"})
        members = household_by_ref(ref).persons
        housing.assign(members, inventory.add_beds(unit, 2), check_in=True)
        tokens = {p.given_names: cards.issue_card(p).token for p in members}
        db.session.commit()
        return {"site": site.id, "tokens": tokens}


def receive(app, token, *, key, service="hygiene_kit", point="Ausgabe 1", minutes_ago=10,
            site=None):
    with app.app_context():
        received = offline.receive_offline_scan(
            token, service_code=service, point=point, site_id=site,
            scanned_at=now_utc() - timedelta(minutes=minutes_ago), key=key)
        db.session.commit()
        return received


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


class TestTheStationList:
    def test_holds_token_hashes_status_first_name_and_household_size_only(self, app, place):
        with app.app_context():
            listing = offline.station_list("hygiene_kit", place["site"])
        daryna = hashlib.sha256(place["tokens"]["Daryna"].encode()).hexdigest()
        entry = next(e for e in listing["entries"] if e["h"] == daryna)
        assert (entry["s"], entry["f"], entry["k"]) == ("active", "Daryna", 2)
        assert set(entry) == {"h", "n", "s", "f", "k", "g"}
        assert "Hrytsenko" not in str(listing), "no family name on the tablet"
        assert listing["limited"] is True  # once in 7 days

    def test_a_revoked_card_is_on_it_as_revoked(self, app, place):
        with app.app_context():
            card = cards.resolve(place["tokens"]["Ostap"])[0]
            cards.revoke(card, "lost")
            listing = offline.station_list("clothing", place["site"])
        ostap = hashlib.sha256(place["tokens"]["Ostap"].encode()).hexdigest()
        assert next(e for e in listing["entries"] if e["h"] == ostap)["s"] == "revoked"
        assert listing["limited"] is False

    def test_unknown_service_type_is_refused_at_the_field(self, app):
        with app.app_context(), pytest.raises(ValidationFailed) as error:
            offline.station_list("nothing", None)
        assert "service_type" in error.value.errors


class TestDeliveriesReceivedLater:
    def test_two_stations_one_weekly_kit_both_recorded_one_a_violation(self, app, place):
        first = receive(app, place["tokens"]["Daryna"], key="station-a-1", point="A",
                        minutes_ago=20)
        second = receive(app, place["tokens"]["Daryna"], key="station-b-1", point="B")
        assert (first.result, first.reason) == ("recorded", "ok")
        assert (second.result, second.reason) == ("violation", "limit_reached")
        assert count(app, Delivery, Delivery.service_type == "hygiene_kit") == 2
        with app.app_context():
            listed = offline.violations()
            assert [(v.point, v.violation) for v in listed] == [("B", "limit_reached")]

    def test_the_same_key_twice_is_one_delivery(self, app, place):
        first = receive(app, place["tokens"]["Ostap"], key="k-twice")
        again = receive(app, place["tokens"]["Ostap"], key="k-twice")
        assert again.repeated and again.delivery_id == first.delivery_id
        assert count(app, OfflineDelivery) == 1

    def test_a_card_revoked_meanwhile_is_recorded_as_such(self, app, place):
        with app.app_context():
            cards.revoke(cards.resolve(place["tokens"]["Ostap"])[0], "lost")
            db.session.commit()
        received = receive(app, place["tokens"]["Ostap"], key="k-revoked", service="clothing")
        assert (received.result, received.reason) == ("violation", "card_revoked")
        assert received.delivery_id is not None, "it was handed out: recorded"

    def test_an_implausible_time_is_refused(self, app, place):
        with pytest.raises(ValidationFailed):
            receive(app, place["tokens"]["Ostap"], key="k-future", minutes_ago=-60)


class TestTheApi:
    def test_offline_scan_needs_its_key_and_a_time(self, client, signed_in, place):
        signed_in("service_point")
        body = {"service_type": "clothing", "point": "A", "code": place["tokens"]["Daryna"],
                "scanned_at": (now_utc() - timedelta(minutes=5)).isoformat()}
        assert client.post_json("/api/v1/scan/offline", body).status_code == 422
        bad = client.post_json("/api/v1/scan/offline", {**body, "scanned_at": "gestern"},
                               headers={"Idempotency-Key": "api-1"})
        assert bad.status_code == 422 and "scanned_at" in bad.get_data(as_text=True)
        for _ in range(2):
            sent = client.post_json("/api/v1/scan/offline", body,
                                    headers={"Idempotency-Key": "api-1"})
            assert sent.status_code == 200 and sent.get_json()["result"] == "recorded"
        assert sent.get_json()["repeated"] is True

    def test_a_scan_recorded_online_whose_answer_was_lost_is_not_recorded_again_offline(
            self, app, client, signed_in, place):
        # The station sends its key online; the answer never arrives, so it queues the
        # same scan with the same key and sends it again when it can.
        signed_in("service_point")
        body = {"service_type": "clothing", "point": "A", "code": place["tokens"]["Daryna"]}
        online = client.post_json("/api/v1/scan", body, headers={"Idempotency-Key": "lost-1"})
        assert online.status_code == 200 and online.get_json()["result"] == "green"
        replay = client.post_json(
            "/api/v1/scan/offline",
            {**body, "scanned_at": (now_utc() - timedelta(minutes=1)).isoformat()},
            headers={"Idempotency-Key": "lost-1"})
        assert replay.status_code == 200
        assert replay.get_json()["repeated"] is True
        assert replay.get_json()["delivery_id"] == online.get_json()["delivery_id"]
        again = client.post_json("/api/v1/scan", body, headers={"Idempotency-Key": "lost-1"})
        assert again.get_json()["repeated"] is True
        assert count(app, Delivery) == 1
        assert count(app, OfflineDelivery) == 0

    def test_an_online_scan_refuses_a_key_that_is_not_valid(self, client, signed_in, place):
        signed_in("service_point")
        body = {"service_type": "clothing", "point": "A", "code": place["tokens"]["Daryna"]}
        sent = client.post_json("/api/v1/scan", body, headers={"Idempotency-Key": "x" * 200})
        assert sent.status_code == 422 and "idempotency_key" in sent.get_data(as_text=True)

    def test_the_station_list_is_not_cached(self, client, signed_in, place):
        signed_in("service_point")
        response = client.get(f"/api/v1/offline/station-list?service_type=clothing"
                              f"&site_id={place['site']}")
        assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]

    def test_the_queue_key_is_the_accounts_own_and_stays_after_signing_out(
            self, app, client, make_user):
        username = make_user("intake")
        client.login(username, PASSWORD)
        first = client.get("/api/v1/offline/key").get_json()
        client.logout()
        client.login(username, PASSWORD)
        assert client.get("/api/v1/offline/key").get_json() == first
        client.logout()
        client.login(make_user("intake"), PASSWORD)
        other = client.get("/api/v1/offline/key").get_json()
        assert other["key"] != first["key"] and other["owner"] != first["owner"]

    def test_violations_are_for_the_station_lead(self, client, signed_in):
        signed_in("service_point")
        assert client.get("/api/v1/offline/violations").status_code == 403

    def test_a_gate_scan_sent_twice_is_one_event(self, app, client, signed_in, place):
        signed_in("security")
        body = {"site_id": place["site"], "station": "Tor", "direction": "in",
                "code": place["tokens"]["Daryna"],
                "scanned_at": (now_utc() - timedelta(minutes=3)).isoformat()}
        answers = [client.post_json("/api/v1/gate/scan/offline", body,
                                    headers={"Idempotency-Key": "gate-1"}) for _ in range(2)]
        assert [a.status_code for a in answers] == [200, 200]
        assert answers[0].get_json()["repeated"] is False
        assert answers[1].get_json()["repeated"] is True
        assert answers[1].get_json()["result"] == answers[0].get_json()["result"]
        assert count(app, GateEvent, GateEvent.site_id == place["site"]) == 1
