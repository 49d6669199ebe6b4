"""The evacuation list, the assembly kiosk, the roll call, the presence export and
who may see what."""

from __future__ import annotations

from io import BytesIO

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from arrival.audit.models import AuditEvent
from arrival.core.validation import ValidationFailed
from arrival.extensions import db
from arrival.gate import operations as gate
from arrival.gate.models import RollCall, RollCallTick
from arrival.housing.models import Site


@pytest.fixture
def everyone_in(place, at_gate):
    for name in ("Iryna", "Bohdan", "Mila", "Petro"):
        at_gate(name, "in")
    return place


class TestTheEvacuationList:
    def test_grouped_by_room_with_those_who_need_help_first(self, app, everyone_in):
        with app.app_context():
            listing = gate.evacuation_list(db.session.get(Site, everyone_in.hall))
            groups = [(unit, [r.name for r in rows]) for unit, rows in listing.groups]
            assert groups == [
                ("Halle 1", ["Tkachenko, Iryna", "Tkachenko, Bohdan", "Tkachenko, Mila"]),
                ("Halle 2", ["Bondar, Petro"])]
            iryna = listing.groups[0][1][0]
            assert iryna.assistance == ["Pflegebedürftig"]

    def test_children_without_an_adult_inside_are_marked(self, app, everyone_in, at_gate):
        at_gate("Iryna", "out")
        with app.app_context():
            listing = gate.evacuation_list(db.session.get(Site, everyone_in.hall))
            alone = {r.name for r in listing.persons if r.child_alone}
            assert alone == {"Tkachenko, Bohdan", "Tkachenko, Mila", "Bondar, Petro"}
            assert listing.counts["children_alone"] == 3

    def test_a_child_with_the_mother_inside_is_not_marked(self, app, everyone_in):
        with app.app_context():
            listing = gate.evacuation_list(db.session.get(Site, everyone_in.hall))
            assert {r.name for r in listing.persons if r.child_alone} == {"Bondar, Petro"}

    def test_counts_of_residents_staff_and_visitors(self, app, everyone_in):
        with app.app_context():
            hall = db.session.get(Site, everyone_in.hall)
            gate.sign_in_visit(hall, kind="staff", name="Jonas Keller", organisation="DRK")
            counts = gate.evacuation_list(hall).counts
            assert (counts["residents"], counts["staff"], counts["visitors"],
                    counts["total"], counts["assistance"]) == (4, 1, 0, 5, 1)

    def test_without_gate_control_everyone_checked_in_is_on_the_list(self, app, place):
        with app.app_context():
            listing = gate.evacuation_list(db.session.get(Site, place.hotel))
            assert [r.name for r in listing.persons] == ["Melnyk, Oksana"]
            assert listing.persons[0].last_seen is not None and not listing.gate_control

    def test_the_page_prints_and_its_read_is_audited(self, app, client, signed_in,
                                                     everyone_in):
        username = signed_in("security")
        html = client.get(f"/gate/sites/{everyone_in.hall}/evacuation").get_data(as_text=True)
        assert "Tkachenko, Iryna" in html and "Braucht Hilfe" in html
        assert "Parkplatz P3" in html and "css/gate.css" in html and "data-print" in html
        with app.app_context():
            event = db.session.scalars(sa.select(AuditEvent).where(
                AuditEvent.username == username).order_by(AuditEvent.id.desc())).first()
            assert (event.action, event.entity_type, event.entity_id, event.detail) == (
                "view", "evacuation_list", str(everyone_in.hall), "4 persons")

    def test_the_kiosk_data_is_the_list_as_json(self, client, signed_in, everyone_in):
        signed_in("security")
        data = client.get(f"/api/v1/gate/sites/{everyone_in.hall}/evacuation").json
        assert data["counts"]["residents"] == 4
        assert data["groups"][0]["unit"] == "Halle 1"
        assert data["groups"][0]["persons"][0]["name"] == "Tkachenko, Iryna"
        assert data["generated_at"]


class TestWhoMaySeeIt:
    @pytest.mark.parametrize("role", ["security", "coordinator", "housing"])
    def test_security_coordination_and_housing_open_the_evacuation_list(
            self, client, signed_in, place, role):
        signed_in(role)
        assert client.get(f"/gate/sites/{place.hall}/evacuation").status_code == 200

    @pytest.mark.parametrize("role", ["service_point", "intake", "caseworker", "admin"])
    def test_other_roles_do_not(self, client, signed_in, place, role):
        signed_in(role)
        assert client.get(f"/gate/sites/{place.hall}/evacuation").status_code == 403
        assert client.get(f"/api/v1/gate/sites/{place.hall}/evacuation").status_code == 403

    @pytest.mark.parametrize("role, allowed", [("security", True), ("service_point", True),
                                               ("coordinator", True), ("intake", False),
                                               ("housing", False)])
    def test_gate_mode(self, client, signed_in, place, role, allowed):
        signed_in(role)
        status = client.get(f"/gate/station?site={place.hall}&station=Tor").status_code
        assert (status == 200) is allowed

    def test_a_role_with_the_list_but_without_identity_sees_counts_only(
            self, app, client, signed_in, everyone_in, monkeypatch):
        from arrival.auth import permissions
        from arrival.auth.permissions import FieldGroup, Role

        monkeypatch.setitem(permissions.ROLE_FIELD_GROUPS, Role.SECURITY,
                            frozenset({FieldGroup.ACCOMMODATION}))
        signed_in("security")
        data = client.get(f"/api/v1/gate/sites/{everyone_in.hall}/evacuation").json
        assert data["counts"]["residents"] == 4
        assert {p["name"] for g in data["groups"] for p in g["persons"]} == {None}
        html = client.get(f"/gate/sites/{everyone_in.hall}/evacuation").get_data(as_text=True)
        assert "Tkachenko" not in html


class TestTheKiosk:
    def test_the_kiosk_page_holds_no_names_and_registers_its_worker(self, client, signed_in,
                                                                   everyone_in):
        signed_in("security")
        html = client.get(f"/gate/sites/{everyone_in.hall}/kiosk").get_data(as_text=True)
        assert "Tkachenko" not in html
        assert "/gate/kiosk-worker.js" in html and "js/kiosk.js" in html

    def test_the_worker_is_javascript_served_under_gate(self, client, signed_in):
        signed_in("security")
        response = client.get("/gate/kiosk-worker.js")
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
        assert "caches.open" in response.get_data(as_text=True)


class TestTheRollCall:
    def start(self, app, site_id) -> int:
        with app.app_context():
            roll_call = gate.start_roll_call(db.session.get(Site, site_id))
            db.session.commit()
            return roll_call.id

    def test_those_inside_at_the_start_are_expected_and_ticks_account_for_them(
            self, app, everyone_in):
        call_id = self.start(app, everyone_in.hall)
        with app.app_context():
            call = db.session.get(RollCall, call_id)
            assert call.expected_count == 4
            assert gate.tick_code(call, everyone_in.tokens["Mila"]).status == "ticked"
            assert gate.tick(call, person_id=everyone_in.ids["Iryna"]).status == "ticked"
            status = gate.roll_call_status(call)
            assert sorted(m["name"] for m in status.missing) == [
                "Bondar, Petro", "Tkachenko, Bohdan"]
            db.session.commit()

    def test_a_second_tick_of_the_same_person_is_already_not_a_second_row(
            self, app, everyone_in):
        call_id = self.start(app, everyone_in.hall)
        with app.app_context():
            call = db.session.get(RollCall, call_id)
            assert gate.tick(call, person_id=everyone_in.ids["Mila"]).status == "ticked"
            assert gate.tick_code(call, everyone_in.tokens["Mila"]).status == "already"
            assert db.session.scalar(sa.select(sa.func.count()).select_from(RollCallTick)) == 1

    def test_someone_not_on_the_list_is_ticked_and_counted_apart(self, app, everyone_in):
        call_id = self.start(app, everyone_in.hall)
        with app.app_context():
            call = db.session.get(RollCall, call_id)
            assert gate.tick(call, person_id=everyone_in.ids["Oksana"]).status == "not_expected"
            status = gate.roll_call_status(call)
            assert (status.accounted, status.not_expected, len(status.missing)) == (0, 1, 4)

    def test_it_ends_with_a_record_of_who_when_and_the_counts(self, app, everyone_in):
        call_id = self.start(app, everyone_in.hall)
        with app.app_context():
            call = db.session.get(RollCall, call_id)
            gate.tick(call, person_id=everyone_in.ids["Iryna"])
            gate.tick(call, person_id=everyone_in.ids["Mila"])
            status = gate.end_roll_call(call)
            assert (call.state, call.expected_count, call.accounted_count,
                    call.missing_count) == ("ended", 4, 2, 2)
            assert call.ended_at is not None and len(status.missing) == 2
            with pytest.raises(ValidationFailed):
                gate.tick(call, person_id=everyone_in.ids["Petro"])
            event = db.session.scalars(sa.select(AuditEvent).where(
                AuditEvent.entity_type == "roll_call").order_by(AuditEvent.id.desc())).first()
            assert "2 missing" in event.detail

    def test_one_roll_call_per_site_at_a_time(self, app, everyone_in):
        from arrival.core.validation import Conflict

        self.start(app, everyone_in.hall)
        with app.app_context(), pytest.raises(Conflict):
            gate.start_roll_call(db.session.get(Site, everyone_in.hall))

    def test_ticking_through_the_api(self, app, client, signed_in, everyone_in):
        signed_in("security")
        page = client.submit(f"/gate/sites/{everyone_in.hall}/roll-calls", {},
                             form_page=f"/gate/sites/{everyone_in.hall}/roll-calls")
        assert page.status_code == 302
        call_id = int(page.headers["Location"].rstrip("/").split("/")[-1])
        url = f"/api/v1/gate/roll-calls/{call_id}/ticks"
        first = client.post_json(url, {"code": everyone_in.tokens["Petro"]}).json
        assert first["status"] == "ticked" and first["roll_call"]["missing_count"] == 3
        assert first["name"] == "Bondar, Petro"
        # The answer of a tick carries counts, not the list (that comes from the poll).
        assert "missing" not in first["roll_call"]
        assert len(client.get(f"/api/v1/gate/roll-calls/{call_id}").json["missing"]) == 3
        assert client.post_json(url, {"code": everyone_in.tokens["Petro"]}).json["status"] \
            == "already"
        bad = client.post_json(url, {"code": "nonsense"})
        assert bad.status_code == 422 and "code" in bad.json["fields"]
        assert client.post_json(url, {"person_id": "x"}).status_code == 422


class TestThePresenceExport:
    def test_the_workbook_lists_those_inside_with_cells_neutralised(
            self, app, client, signed_in, everyone_in):
        with app.app_context():
            gate.sign_in_visit(db.session.get(Site, everyone_in.hall), kind="visitor",
                               name="=HYPERLINK(\"x\")", organisation="+49 711 123")
            db.session.commit()
        username = signed_in("security")
        response = client.get(f"/gate/sites/{everyone_in.hall}/presence.xlsx")
        assert response.status_code == 200
        book = load_workbook(BytesIO(response.data))
        names = [row[1] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)]
        assert "Tkachenko, Iryna" in names and len(names) == 4
        visit = list(book.worksheets[1].iter_rows(min_row=2, values_only=True))[0]
        assert visit[1] == "'=HYPERLINK(\"x\")" and visit[2] == "'+49 711 123"
        with app.app_context():
            assert db.session.scalar(sa.select(AuditEvent.action).where(
                AuditEvent.username == username, AuditEvent.entity_type == "presence")) \
                == "export"


class TestTheDashboard:
    def test_persons_present_per_site_from_gate_data(self, client, signed_in, everyone_in,
                                                     at_gate):
        at_gate("Mila", "out")
        signed_in("coordinator")
        html = client.get("/dashboard/").get_data(as_text=True)
        assert "Jetzt anwesend (Einlass)" in html
        assert "<td>Messe</td><td data-gate-present>3</td>" in html
        assert "Hotel Nord</td><td data-gate-present>" not in html  # no gate control


class TestTheHouseholdPage:
    def test_shows_presence_by_the_gate_to_roles_with_accommodation(
            self, app, client, signed_in, everyone_in, at_gate):
        from arrival.registry.models import Person

        at_gate("Mila", "out")
        with app.app_context():
            ref = db.session.get(Person, everyone_in.ids["Mila"]).household.ref
        signed_in("housing")
        html = client.get(f"/households/{ref}").get_data(as_text=True)
        assert "Anwesenheit" in html
        assert "Mila: draußen" in " ".join(html.split())
        assert "Iryna: drinnen" in " ".join(html.split())

    def test_the_gate_start_page_lists_the_sites_and_their_lists(self, client, signed_in,
                                                                place):
        signed_in("security")
        html = client.get("/gate/").get_data(as_text=True)
        assert "Messe" in html and "Hotel Nord" in html
        assert f"/gate/sites/{place.hall}/evacuation" in html
        assert f"/gate/sites/{place.hall}/settings" not in html  # settings: housing managers


class TestDepartureEndsPresence:
    """Issue 17 with 18: a household whose bus has left (checked out as transferred)
    is off the evacuation list even if nobody scanned them out at the gate; an
    ordinary check-out leaves presence to the gate (they may still be packing)."""

    def check_out_family(self, app, place, reason):
        from arrival.housing import operations as housing
        from arrival.registry.models import Person

        with app.app_context():
            iryna = db.session.get(Person, place.ids["Iryna"])
            for member in iryna.household.persons:
                housing.check_out(housing.open_stay_of(member), reason=reason,
                                  destination="Böblingen (LK)")
            db.session.commit()
            return iryna.id

    def test_a_transferred_family_leaves_the_list_with_an_out_event_of_the_desk(
            self, app, everyone_in):
        from arrival.gate.models import GateEvent

        iryna = self.check_out_family(app, everyone_in, "transferred")
        with app.app_context():
            listing = gate.evacuation_list(db.session.get(Site, everyone_in.hall))
            assert [r.name for r in listing.persons] == ["Bondar, Petro"]
            last = db.session.query(GateEvent).filter_by(person_id=iryna).order_by(
                GateEvent.id.desc()).first()
            assert (last.direction, last.station, last.reason) == ("out", "check-out",
                                                                  "checked_out_desk")

    def test_an_ordinary_check_out_keeps_them_on_the_list_until_the_gate(
            self, app, everyone_in):
        self.check_out_family(app, everyone_in, "private_accommodation")
        with app.app_context():
            listing = gate.evacuation_list(db.session.get(Site, everyone_in.hall))
            assert len(listing.persons) == 4

    def test_someone_already_outside_gets_no_extra_event(self, app, everyone_in, at_gate):
        from arrival.gate.models import GateEvent

        for name in ("Iryna", "Bohdan", "Mila"):
            at_gate(name, "out")
        with app.app_context():
            before = db.session.query(GateEvent).count()
        self.check_out_family(app, everyone_in, "transferred")
        with app.app_context():
            assert db.session.query(GateEvent).count() == before
