"""The gate: IN/OUT/SEEN answers, flags that advise or block, presence from gate
events and the fallback for sites without gate control, visitors and staff."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from arrival.audit.models import AuditEvent
from arrival.core import clock
from arrival.extensions import db
from arrival.gate import operations as gate
from arrival.gate.models import GateEvent
from arrival.housing.models import Site


def inside(app, site_id) -> set[str]:
    with app.app_context():
        return {p.person.given_names for p in gate.present_at(site_id)}


class TestPresenceFromGateEvents:
    def test_in_puts_a_resident_inside_and_out_outside(self, app, place, at_gate):
        assert inside(app, place.hall) == set()
        assert at_gate("Mila", "in").result == "green"
        assert inside(app, place.hall) == {"Mila"}
        assert at_gate("Mila", "out").result == "green"
        assert inside(app, place.hall) == set()

    def test_seen_inside_counts_as_inside(self, app, place, at_gate):
        assert at_gate("Bohdan", "seen").result == "green"
        assert inside(app, place.hall) == {"Bohdan"}

    def test_two_ins_in_a_row_are_recorded_and_flagged_not_refused(self, app, place, at_gate):
        at_gate("Mila", "in")
        second = at_gate("Mila", "in")
        assert (second.result, second.reason, second.flagged) == ("amber", "double_in", True)
        with app.app_context():
            events = db.session.scalars(sa.select(GateEvent).where(
                GateEvent.person_id == place.ids["Mila"]).order_by(GateEvent.id)).all()
            assert [(e.direction, e.accepted, e.flagged) for e in events] == [
                ("in", True, False), ("in", True, True)]
        assert inside(app, place.hall) == {"Mila"}

    def test_out_without_in_is_flagged_double_out_after_an_out(self, app, place, at_gate):
        at_gate("Mila", "in")
        at_gate("Mila", "out")
        again = at_gate("Mila", "out")
        assert (again.result, again.reason, again.flagged) == ("amber", "double_out", True)

    def test_gate_events_are_sightings_for_last_seen(self, app, place, at_gate):
        from arrival.housing.absence import absent_residents

        later = clock.now() + timedelta(days=5)
        with app.app_context():
            before = {r.person.given_names for r in absent_residents(3, now=later)}
        with clock.frozen_at(later - timedelta(hours=1)):
            at_gate("Mila", "in")
        with app.app_context():
            after = {r.person.given_names for r in absent_residents(3, now=later)}
        assert "Mila" in before and "Mila" not in after


class TestFallbackWithoutGateControl:
    def test_presence_is_the_checked_in_stay_with_last_seen(self, app, place):
        with app.app_context():
            rows = gate.present_at(place.hotel)
            assert [(r.person.given_names, r.source, r.unit) for r in rows] == [
                ("Oksana", "stay", "Zimmer 12")]
            assert rows[0].last_seen is not None  # the check-in at least

    def test_a_site_without_gate_control_refuses_in_and_out_but_records_seen(
            self, app, place, at_gate):
        refused = at_gate("Oksana", "in", site=place.hotel)
        assert (refused.result, refused.reason) == ("red", "no_gate_control")
        assert at_gate("Oksana", "seen", site=place.hotel).result == "green"
        assert inside(app, place.hotel) == {"Oksana"}

    def test_switching_gate_control_on_switches_the_source(self, app, place):
        with app.app_context():
            gate.set_gate_settings(db.session.get(Site, place.hotel), gate_control=True)
            db.session.commit()
        assert inside(app, place.hotel) == set()  # nobody has come through the gate yet


class TestAnswersAtTheGate:
    def test_flag_advice_is_shown_at_the_gate(self, app, place, at_gate):
        answer = at_gate("Iryna", "out")
        assert answer.result == "amber"
        assert answer.advice == ["Braucht Begleitung – nicht allein hinauslassen"]

    def test_a_flag_that_blocks_a_direction_refuses_it_with_the_advice(
            self, app, place, at_gate):
        assert at_gate("Petro", "in").result == "amber"  # advice, but in
        refused = at_gate("Petro", "out")
        assert (refused.result, refused.reason) == ("red", "blocked_by_flag")
        assert "Nicht allein hinauslassen" in refused.advice[0]
        assert inside(app, place.hall) == {"Petro"}  # a refused scan moves nobody

    def test_a_resident_of_another_site_is_told_where_they_live(self, app, place, at_gate):
        answer = at_gate("Oksana", "in")
        assert (answer.result, answer.reason) == ("red", "other_site")
        assert answer.lives_at == "Hotel Nord, Zimmer 12"
        assert inside(app, place.hall) == set()

    def test_where_they_live_without_the_room_for_roles_without_identity(
            self, app, place, at_gate):
        answer = at_gate("Oksana", "in", identity=False)
        assert answer.lives_at == "Hotel Nord"
        assert "name" not in answer.person and answer.person["first_name"] == "Oksana"

    def test_non_residents_are_refused(self, app, place, at_gate):
        answer = at_gate("Ivan", "in")
        assert (answer.result, answer.reason) == ("red", "not_resident")

    def test_the_card_of_a_checked_out_person_gets_a_clear_answer(self, app, place, at_gate):
        from arrival.housing import operations as housing
        from arrival.registry.models import Person

        at_gate("Mila", "in")
        with app.app_context():
            stay = housing.open_stay_of(db.session.get(Person, place.ids["Mila"]))
            housing.check_out(stay, reason="private_accommodation")
            db.session.commit()
        leaving = at_gate("Mila", "out")
        assert (leaving.result, leaving.reason, leaving.flagged) == ("amber", "checked_out", True)
        back = at_gate("Mila", "in")
        assert (back.result, back.reason) == ("red", "checked_out")
        assert inside(app, place.hall) == set()

    def test_garbage_and_unknown_cards_are_red_and_recorded(self, app, place, at_gate):
        assert at_gate("=cmd|' /C calc'!A0", "in").reason == "invalid_code"
        assert at_gate("K-0000-0000-0", "in").reason in ("unknown_card", "invalid_code")
        with app.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(GateEvent).where(
                GateEvent.accepted.is_(False))) == 2

    def test_a_scan_at_a_closed_site_is_refused(self, app, place, at_gate):
        with app.app_context():
            db.session.get(Site, place.hall).closed_at = clock.now() - timedelta(minutes=1)
            db.session.commit()
        assert at_gate("Mila", "in").reason == "site_closed"

    def test_every_scan_is_audited(self, app, place, at_gate):
        at_gate("Mila", "in")
        with app.app_context():
            event = db.session.scalars(sa.select(AuditEvent).order_by(
                AuditEvent.id.desc())).first()
            assert event.action == "scan" and "gate" in event.detail


class TestTheGatePage:
    @pytest.mark.parametrize("direction, expected", [("in", "Herein"), ("out", "Hinaus")])
    def test_the_answer_names_the_direction_never_ausgeben(
            self, client, signed_in, place, direction, expected):
        signed_in("security")
        if direction == "out":
            client.post_json("/api/v1/gate/scan", {"site_id": place.hall, "station": "Tor",
                                                   "direction": "in",
                                                   "code": place.tokens["Mila"]})
        answer = client.post_json("/api/v1/gate/scan", {
            "site_id": place.hall, "station": "Tor", "direction": direction,
            "code": place.tokens["Mila"]}).json
        assert answer["label"] == expected
        assert answer["person"]["name"] == "Tkachenko, Mila"
        page = client.get(f"/gate/station?site={place.hall}&station=Tor").get_data(as_text=True)
        assert "Herein" in page and "Hinaus" in page and "Ausgeben" not in page

    def test_the_page_works_without_javascript(self, client, signed_in, place):
        signed_in("security")
        response = client.submit("/gate/station", {
            "site": place.hall, "station": "Tor", "direction": "in",
            "code": place.tokens["Bohdan"]}, form_page=f"/gate/station?site={place.hall}&station=Tor")
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "answer-green" in html and "Herein" in html

    def test_service_point_staff_at_the_gate_see_first_names_only(self, client, signed_in,
                                                                 place):
        signed_in("service_point")
        answer = client.post_json("/api/v1/gate/scan", {
            "site_id": place.hall, "station": "Tor", "direction": "in",
            "code": place.tokens["Mila"]}).json
        assert answer["person"] == {"first_name": "Mila", "household_size": 3}

    def test_bad_bodies_get_a_red_answer_not_an_error(self, client, signed_in, place):
        signed_in("security")
        for body in ({}, {"site_id": "x", "direction": "in", "code": 5},
                     {"site_id": place.hall, "direction": "sideways", "code": "x"}):
            response = client.post_json("/api/v1/gate/scan", body)
            assert response.status_code == 200 and response.json["result"] == "red"


class TestVisitorsAndStaff:
    def test_signed_in_visitors_and_staff_count_until_they_sign_out(self, app, place):
        with app.app_context():
            hall = db.session.get(Site, place.hall)
            visitor = gate.sign_in_visit(hall, kind="visitor", name="Anna Weber",
                                         organisation="Caritas")
            gate.sign_in_visit(hall, kind="staff", name="Jonas Keller", organisation="DRK")
            counts = gate.evacuation_list(hall).counts
            assert (counts["staff"], counts["visitors"], counts["total"]) == (1, 1, 2)
            gate.sign_out_visit(visitor)
            assert gate.evacuation_list(hall).counts["visitors"] == 0

    def test_a_visit_needs_a_name_and_signing_out_twice_is_refused(self, app, place):
        from arrival.core.validation import ValidationFailed

        with app.app_context():
            hall = db.session.get(Site, place.hall)
            with pytest.raises(ValidationFailed) as error:
                gate.sign_in_visit(hall, kind="visitor", name="  ")
            assert "name" in error.value.errors
            visit = gate.sign_in_visit(hall, kind="staff", name="Jonas")
            gate.sign_out_visit(visit)
            with pytest.raises(ValidationFailed):
                gate.sign_out_visit(visit)

    def test_the_sign_in_form_shows_the_error_at_the_name(self, client, signed_in, place):
        signed_in("security")
        response = client.submit(f"/gate/sites/{place.hall}/visits",
                                 {"kind": "visitor", "name": "", "organisation": ""},
                                 form_page=f"/gate/sites/{place.hall}/visits")
        assert response.status_code == 422
        assert "Pflichtfeld" in response.get_data(as_text=True) or \
            "Required" in response.get_data(as_text=True)
