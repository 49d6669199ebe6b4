"""Service points: the rules of each service type, household scope, minimal
disclosure, voiding, and a fast red answer for every kind of bad input."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from arrival.audit.models import AuditEvent
from arrival.cards import operations as cards
from arrival.core.validation import ValidationFailed
from arrival.extensions import db
from arrival.housing import operations as housing
from arrival.registry.operations import household_by_ref
from arrival.services import operations as services
from arrival.services.models import Delivery, Scan
from tests.factories import person_payload

# 12:00 local time in Stuttgart on 21 March 2022 (UTC+1): inside the lunch window.
LUNCH = datetime(2022, 3, 21, 11, 0, tzinfo=timezone.utc)


@pytest.fixture
def household(make_household):
    return make_household(
        person_payload(family_name="Tkachenko", given_names="Iryna", date_of_birth="1990-01-01",
                       document={"type": "none"}, flags=["special_diet"]),
        person_payload(family_name="Tkachenko", relation="child", given_names="Bohdan",
                       sex="male", date_of_birth="2021-05-05", document={"type": "none"}),
        person_payload(family_name="Tkachenko", relation="child", given_names="Mila",
                       date_of_birth="2010-01-01", document={"type": "none"}),
    )


@pytest.fixture
def card_tokens(app, household):
    """{given name: token} for every member; everyone checked in at a site."""
    from arrival.housing import inventory

    with app.app_context():
        members = household_by_ref(household).persons
        site = inventory.create_site({"name": "Messe", "kind": "emergency_hall"})
        unit = inventory.create_unit(site, {"name": "Halle 1"})
        beds = inventory.add_beds(unit, 3)
        housing.assign(members, beds, check_in=True, at=LUNCH - timedelta(days=1))
        tokens = {p.given_names: cards.issue_card(p).token for p in members}
        db.session.commit()
        return tokens


def scan(app, token, service, *, at=LUNCH, point="Kantine"):
    with app.app_context():
        answer = services.scan(token, service_code=service, point=point, now=at)
        db.session.commit()
        return answer


class TestRules:
    def test_lunch_green_then_red_with_the_time_of_the_last_delivery(self, app, card_tokens):
        first = scan(app, card_tokens["Mila"], "meal")
        second = scan(app, card_tokens["Mila"], "meal", at=LUNCH + timedelta(minutes=20))
        assert first.result == "green" and first.delivery_id
        assert (second.result, second.reason) == ("red", "limit_reached")
        assert second.last_delivery_at == LUNCH

    def test_dinner_is_a_new_window(self, app, card_tokens):
        scan(app, card_tokens["Mila"], "meal")
        assert scan(app, card_tokens["Mila"], "meal", at=LUNCH + timedelta(hours=6)).result \
            == "green"

    def test_no_meal_outside_the_serving_times(self, app, card_tokens):
        answer = scan(app, card_tokens["Mila"], "meal", at=LUNCH + timedelta(hours=4))
        assert (answer.result, answer.reason) == ("red", "outside_window")

    def test_a_meal_needs_an_open_stay(self, app, make_household):
        ref = make_household()
        with app.app_context():
            token = cards.issue_card(household_by_ref(ref).persons[0]).token
            db.session.commit()
        assert scan(app, token, "meal").reason == "no_open_stay"

    def test_a_flag_with_an_instruction_gives_amber(self, app, card_tokens):
        answer = scan(app, card_tokens["Iryna"], "meal")
        assert answer.result == "amber"
        assert answer.instructions == ["Besondere Ernährung beachten"]

    def test_sim_cards_only_from_14_and_once(self, app, card_tokens):
        assert scan(app, card_tokens["Mila"], "sim_card").reason == "not_eligible"
        assert scan(app, card_tokens["Iryna"], "sim_card").result == "amber"
        assert scan(app, card_tokens["Iryna"], "sim_card",
                    at=LUNCH + timedelta(days=30)).reason == "limit_reached"

    def test_hygiene_kits_once_per_seven_days(self, app, card_tokens):
        scan(app, card_tokens["Mila"], "hygiene_kit")
        assert scan(app, card_tokens["Mila"], "hygiene_kit",
                    at=LUNCH + timedelta(days=6)).result == "red"
        assert scan(app, card_tokens["Mila"], "hygiene_kit",
                    at=LUNCH + timedelta(days=7, minutes=1)).result == "green"

    def test_baby_supplies_are_for_the_household_once_it_has_a_child_under_three(
            self, app, card_tokens, make_household):
        first = scan(app, card_tokens["Mila"], "baby_supplies")
        assert first.result == "green"
        assert first.person["members"] == ["Iryna", "Bohdan", "Mila"]
        # the mother's card belongs to the same household: one delivery per day for both
        again = scan(app, card_tokens["Iryna"], "baby_supplies", at=LUNCH + timedelta(minutes=5))
        assert (again.result, again.reason) == ("red", "limit_reached")
        assert scan(app, card_tokens["Iryna"], "baby_supplies",
                    at=LUNCH + timedelta(days=1)).result != "red"

    def test_baby_supplies_need_a_small_child(self, app, make_household):
        ref = make_household()
        with app.app_context():
            token = cards.issue_card(household_by_ref(ref).persons[0]).token
            db.session.commit()
        assert scan(app, token, "baby_supplies").reason == "not_eligible"

    def test_medical_screening_once(self, app, card_tokens):
        assert scan(app, card_tokens["Mila"], "medical_screening").result == "green"
        assert scan(app, card_tokens["Mila"], "medical_screening",
                    at=LUNCH + timedelta(days=3)).result == "red"

    def test_presence_scans_are_always_green_and_count_as_seen(self, app, card_tokens):
        from arrival.housing.absence import absent_residents

        later = LUNCH + timedelta(days=5)
        with app.app_context():
            before = {r.person.given_names for r in absent_residents(3, now=later)}
        scan(app, card_tokens["Mila"], "seen", at=later - timedelta(hours=1))
        with app.app_context():
            after = {r.person.given_names for r in absent_residents(3, now=later)}
        assert "Mila" in before and "Mila" not in after


class TestCardsAtTheStation:
    def test_a_revoked_card_is_red(self, app, card_tokens, household):
        with app.app_context():
            card, _ = cards.resolve(card_tokens["Mila"])
            cards.revoke(card, "lost")
            db.session.commit()
        assert (scan(app, card_tokens["Mila"], "clothing").result,
                scan(app, card_tokens["Mila"], "clothing").reason) == ("red", "card_revoked")

    def test_the_printed_number_works_like_the_qr_code(self, app, card_tokens):
        with app.app_context():
            card, _ = cards.resolve(card_tokens["Mila"])
            number = card.number
        typed = number.lower().replace("-", " ")
        assert scan(app, typed, "clothing").result == "green"

    @pytest.mark.parametrize("code", [
        "ARV1-" + "B" * 32, "ARV1-ABC", "x" * 10_000, "K-0000-0000-0", "", None, 42,
        "\u202eARV1", "<script>alert(1)</script>",
    ])
    def test_forged_truncated_and_garbage_codes_get_a_red_answer(self, app, card_tokens, code):
        answer = scan(app, code, "clothing")
        assert answer.result == "red" and answer.person is None

    def test_every_scan_is_recorded_and_audited_refused_included(self, app, card_tokens):
        scan(app, card_tokens["Mila"], "medical_screening")
        scan(app, card_tokens["Mila"], "medical_screening")
        scan(app, "garbage", "medical_screening")
        with app.app_context():
            results = db.session.scalars(sa.select(Scan.result).order_by(Scan.id)).all()
            audited = db.session.scalars(sa.select(AuditEvent.detail).where(
                AuditEvent.action == "scan")).all()
        assert results == ["green", "red", "red"] and len(audited) == 3


class TestVoid:
    def test_a_delivery_is_voided_within_two_minutes_and_frees_the_limit(self, app,
                                                                         card_tokens):
        first = scan(app, card_tokens["Mila"], "medical_screening")
        with app.app_context():
            delivery = db.session.get(Delivery, first.delivery_id)
            services.void_delivery(delivery, "falsche Person", now=LUNCH + timedelta(seconds=90))
            db.session.commit()
        assert scan(app, card_tokens["Mila"], "medical_screening",
                    at=LUNCH + timedelta(minutes=3)).result == "green"

    def test_voiding_later_is_refused(self, app, card_tokens):
        first = scan(app, card_tokens["Mila"], "medical_screening")
        with app.app_context():
            delivery = db.session.get(Delivery, first.delivery_id)
            with pytest.raises(ValidationFailed):
                services.void_delivery(delivery, "zu spät", now=LUNCH + timedelta(minutes=3))
            assert delivery.voided_at is None

    def test_voiding_needs_a_reason(self, app, card_tokens):
        first = scan(app, card_tokens["Mila"], "medical_screening")
        with app.app_context():
            with pytest.raises(ValidationFailed):
                services.void_delivery(db.session.get(Delivery, first.delivery_id), " ",
                                       now=LUNCH)


class TestStationAndApi:
    @pytest.fixture
    def station(self, client, signed_in):
        signed_in("service_point")
        return client

    def test_the_api_answers_with_minimal_person_data_only(self, station, card_tokens):
        body = station.post_json("/api/v1/scan", {"code": card_tokens["Mila"],
                                                  "service_type": "clothing",
                                                  "point": "Kleiderkammer"}).json
        assert body["result"] == "green" and body["delivery_id"]
        assert body["person"] == {"first_name": "Mila", "household_size": 3}

    def test_the_service_point_cannot_open_the_household(self, station, household):
        assert station.get(f"/households/{household}").status_code == 403
        assert station.get(f"/api/v1/households/{household}").status_code == 403

    def test_the_station_page_works_without_javascript(self, station, card_tokens):
        page = station.get("/services/station?service=clothing&point=Kleiderkammer")
        assert 'id="code"' in page.get_data(as_text=True)
        answer = station.submit("/services/station", {
            "code": card_tokens["Mila"], "service": "clothing", "point": "Kleiderkammer"},
            form_page="/services/station?service=clothing&point=Kleiderkammer")
        html = answer.get_data(as_text=True)
        assert "answer-green" in html and "Mila" in html

    def test_void_through_the_api(self, station, card_tokens):
        delivery = station.post_json("/api/v1/scan", {
            "code": card_tokens["Mila"], "service_type": "clothing",
            "point": "Kleiderkammer"}).json["delivery_id"]
        response = station.post_json(f"/api/v1/deliveries/{delivery}/void",
                                     {"reason": "doppelt gescannt"})
        assert response.status_code == 200

    def test_scans_are_rate_limited_per_station(self, app, station, card_tokens):
        app.config["SCAN_RATE_LIMIT"] = "3 per minute"
        try:
            statuses = [station.post_json("/api/v1/scan", {
                "code": "garbage", "service_type": "clothing", "point": "Kleiderkammer"}
            ).status_code for _ in range(4)]
        finally:
            app.config["SCAN_RATE_LIMIT"] = "120 per minute"
        assert statuses == [200, 200, 200, 429]

    def test_an_unknown_service_type_is_red_not_an_error(self, station, card_tokens):
        body = station.post_json("/api/v1/scan", {"code": card_tokens["Mila"],
                                                  "service_type": "champagne",
                                                  "point": "Bar"}).json
        assert (body["result"], body["reason"]) == ("red", "unknown_service_type")
