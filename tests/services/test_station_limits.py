"""Scan limits belong to an account at a station (site and service type), not to
the free-text point; a delivery is voided only by the station that recorded it,
or by a station lead."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from arrival.extensions import db
from arrival.services.models import Delivery
from tests.factories import PASSWORD
from tests.services.test_scanning import card_tokens, household  # noqa: F401 (fixtures)


@pytest.fixture
def three_per_minute(app):
    app.config["SCAN_RATE_LIMIT"] = "3 per minute"
    yield
    app.config["SCAN_RATE_LIMIT"] = "120 per minute"


def station_client(app, make_user, role="service_point"):
    client = app.test_client()
    assert client.login(make_user(role), PASSWORD).status_code == 302
    return client


def scan(client, **fields):
    body = {"code": "garbage", "service_type": "clothing", "point": "Kleiderkammer", **fields}
    return client.post_json("/api/v1/scan", body).status_code


@pytest.mark.usefixtures("three_per_minute")
class TestLimits:
    def test_varying_the_point_opens_no_new_budget(self, app, make_user):
        station = station_client(app, make_user)
        assert [scan(station, point=f"Tisch {n}") for n in range(4)] == [200, 200, 200, 429]

    def test_made_up_service_types_open_no_new_budget(self, app, make_user):
        station = station_client(app, make_user)
        statuses = [scan(station, service_type=f"x{n}") for n in range(4)]
        assert statuses == [200, 200, 200, 429]

    def test_the_station_page_shares_the_budget_of_the_api(self, app, make_user):
        station = station_client(app, make_user)
        assert [scan(station, point=f"Tisch {n}") for n in range(3)] == [200] * 3
        page = station.submit("/services/station", {"code": "garbage", "service": "clothing",
                                                    "point": "anders"},
                              form_page="/services/station")
        assert page.status_code == 429

    def test_each_account_has_its_own_budget(self, app, make_user):
        first, second = station_client(app, make_user), station_client(app, make_user)
        assert [scan(first) for _ in range(4)] == [200, 200, 200, 429]
        assert scan(second) == 200

    def test_another_real_station_has_its_own_budget(self, app, make_user):
        station = station_client(app, make_user)
        assert [scan(station) for _ in range(4)] == [200, 200, 200, 429]
        assert scan(station, service_type="meal") == 200


class TestVoid:
    @pytest.fixture
    def delivered(self, app, make_user, card_tokens):  # noqa: F811
        station = station_client(app, make_user)
        body = station.post_json("/api/v1/scan", {"code": card_tokens["Mila"],
                                                  "service_type": "clothing",
                                                  "point": "Kleiderkammer"}).json
        assert body["delivery_id"]
        return station, body["delivery_id"]

    def voided_at(self, app, delivery_id):
        with app.app_context():
            return db.session.get(Delivery, delivery_id).voided_at

    def test_the_recording_station_voids_its_delivery(self, app, delivered):
        station, delivery_id = delivered
        response = station.post_json(f"/api/v1/deliveries/{delivery_id}/void",
                                     {"reason": "doppelt gescannt"})
        assert response.status_code == 200 and self.voided_at(app, delivery_id)

    @pytest.mark.parametrize("role", ["service_point", "intake"])
    def test_another_scanning_account_cannot_void_it(self, app, make_user, delivered, role):
        _, delivery_id = delivered
        other = station_client(app, make_user, role)
        response = other.post_json(f"/api/v1/deliveries/{delivery_id}/void",
                                   {"reason": "doppelt gescannt"})
        assert response.status_code == 403
        assert "andere Station" in response.json["message"]
        page = other.submit(f"/services/deliveries/{delivery_id}/void",
                            {"reason": "doppelt gescannt"}, form_page="/services/station")
        assert page.status_code == 403
        assert self.voided_at(app, delivery_id) is None

    def test_the_station_lead_voids_any_delivery(self, app, make_user, delivered):
        _, delivery_id = delivered
        lead = station_client(app, make_user, "admin")
        response = lead.post_json(f"/api/v1/deliveries/{delivery_id}/void",
                                  {"reason": "falsche Person"})
        assert response.status_code == 200 and self.voided_at(app, delivery_id)
