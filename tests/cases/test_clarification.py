"""Clarification: the rules open (and close) the right items, each authority
works only its own queue, states change only by allowed transitions with
history, stale versions lose, bulk actions respect the boundary."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from arrival.cases import operations
from arrival.cases.models import ClarificationItem, ItemTransition
from arrival.extensions import db
from arrival.registry.operations import household_by_ref
from tests.factories import PASSWORD, person_payload


def needs_of(app, ref) -> set[tuple[str, str | None]]:
    """(topic, given name of the person or None) of the household's active items."""
    with app.app_context():
        household = household_by_ref(ref)
        return {(i.topic, i.person.given_names if i.person else None)
                for i in operations.items_of_household(household) if i.active}


def adult(**fields):
    fields = {"given_names": "Adult", "date_of_birth": "1985-01-01", **fields}
    return person_payload(family_name="Rule", family_name_cyrillic="",
                          given_names_cyrillic="", **fields)


def child(name, born, **fields):
    fields.setdefault("relation", "child")
    return person_payload(family_name="Rule", family_name_cyrillic="", given_names=name,
                          given_names_cyrillic="", date_of_birth=born,
                          document={"type": "none"}, **fields)


class TestRules:
    def test_a_ukrainian_family_gets_the_standard_items(self, app, make_household):
        ref = make_household(adult(), child("Small", "2021-01-01"), child("School", "2014-01-01"))
        # Every person needs a § 24 residence title, children included; the treatment
        # voucher is collected by the household, so it is one item (issue 23).
        assert needs_of(app, ref) == {
            ("residence_permit", "Adult"), ("residence_permit", "Small"),
            ("residence_permit", "School"), ("address_registration", None), ("benefits", None),
            ("health_insurance", None), ("fingerprints", "Adult"),
            ("fingerprints", "School"), ("distribution", None), ("medical_screening", "Adult"),
            ("medical_screening", "Small"), ("medical_screening", "School")}

    @pytest.mark.parametrize("person, expected", [
        (child("Alone", "2010-01-01", flags=["unaccompanied_minor"], relation="head"),
         ("unaccompanied_minor", "Alone")),
        (adult(nationality="NGA"), ("temporary_protection_eligibility", "Adult")),
        (adult(document={"type": "none"}), ("identity", "Adult")),
        (adult(flags=["needs_care"]), ("care_assessment", "Adult")),
        (adult(flags=["reduced_mobility"]), ("care_assessment", "Adult")),
        (adult(flags=["pet"]), ("veterinary", None)),
    ], ids=["unaccompanied-minor", "third-country", "no-document", "care", "mobility", "pet"])
    def test_each_special_rule_opens_its_item(self, app, make_household, person, expected):
        assert expected in needs_of(app, make_household(person))

    def test_no_fingerprint_item_under_six_but_a_residence_item_for_every_child(
            self, app, make_household):
        items = needs_of(app, make_household(adult(), child("Tiny", "2021-06-01")))
        assert ("fingerprints", "Tiny") not in items
        assert ("residence_permit", "Tiny") in items

    def test_an_unaccompanied_minor_is_urgent_for_the_jugendamt(self, app, make_household):
        ref = make_household(child("Alone", "2010-01-01", flags=["unaccompanied_minor"],
                                   relation="head"))
        with app.app_context():
            item = next(i for i in operations.items_of_household(household_by_ref(ref))
                        if i.topic == "unaccompanied_minor")
            assert (item.priority, item.authority.code) == (1, "jugendamt")
            assert item.transitions[0].to_state == "open"

    def test_a_changed_person_closes_items_that_no_longer_apply(self, app, client, signed_in,
                                                               make_household):
        ref = make_household(adult(nationality="NGA"))
        signed_in("intake")
        with app.app_context():
            person = household_by_ref(ref).persons[0]
            public_id, version = person.public_id, person.version
        page = client.get(f"/persons/{public_id}/edit").get_data(as_text=True)
        assert page
        response = client.submit(f"/persons/{public_id}/edit", {
            "person-relation": "head", "person-family_name": "Rule",
            "person-given_names": "Adult", "person-sex": "female",
            "person-date_of_birth": "1985-01-01", "person-nationality": "UKR",
            "person-document-type": "biometric_passport", "person-document-number": "FB123456",
            "version": str(version)}, form_page=f"/persons/{public_id}/edit")
        assert response.status_code == 302
        with app.app_context():
            item = db.session.scalars(sa.select(ClarificationItem).where(
                ClarificationItem.topic == "temporary_protection_eligibility")).one()
            assert item.state == "not_applicable"
            assert item.transitions[-1].note == operations.RULE_NO_LONGER_APPLIES

    def test_rules_open_nothing_twice(self, app, make_household):
        ref = make_household(adult())
        with app.app_context():
            household = household_by_ref(ref)
            before = len(operations.items_of_household(household))
            created, closed = operations.apply_rules(household)
            assert (created, closed) == ([], []) and before == len(
                operations.items_of_household(household))


@pytest.fixture
def mother_and_nephew(make_household):
    """The 'done when' scenario: a third-country national mother with an
    unaccompanied nephew."""
    return make_household(
        person_payload(family_name="Okafor", family_name_cyrillic="", given_names="Grace",
                       given_names_cyrillic="", nationality="NGA", date_of_birth="1990-05-05",
                       document={"type": "passport", "number": "A1234567"}),
        person_payload(family_name="Okafor", family_name_cyrillic="", given_names="David",
                       given_names_cyrillic="", relation="other_relative", sex="male",
                       nationality="NGA", date_of_birth="2010-05-05",
                       flags=["unaccompanied_minor"], document={"type": "none"}))


def item_id(app, ref, topic):
    with app.app_context():
        return next(i.id for i in operations.items_of_household(household_by_ref(ref))
                    if i.topic == topic)


def item_version(app, identifier):
    with app.app_context():
        return db.session.get(ClarificationItem, identifier).version


class TestQueuesAndBoundary:
    def test_items_for_three_authorities_are_created(self, app, mother_and_nephew):
        with app.app_context():
            authorities = {i.authority.code for i in operations.items_of_household(
                household_by_ref(mother_and_nephew))}
        assert {"jugendamt", "auslaenderbehoerde", "rp"} <= authorities

    def test_the_jugendamt_sees_the_minor_on_top_and_resolves_it(self, app, client, signed_in,
                                                                 mother_and_nephew):
        signed_in("caseworker", authority="jugendamt")
        items = client.get("/api/v1/cases/items").json["items"]
        assert items[0]["topic"] == "unaccompanied_minor"
        assert {i["topic"] for i in items} == {"unaccompanied_minor"}
        response = client.post_json(f"/api/v1/cases/items/{items[0]['id']}/transition", {
            "to": "resolved", "resolution": "taken_into_care", "note": "Inobhutnahme",
            "version": items[0]["version"]})
        assert response.status_code == 200 and response.json["state"] == "resolved"
        summary = client.get(f"/api/v1/households/{mother_and_nephew}/clarification").json
        assert summary["summary"]["open"] == len([
            i for i in summary["items"] if i["state"] in ("open", "in_progress", "waiting")])

    def test_the_auslaenderbehoerde_cannot_touch_the_jugendamt_item(self, app, client,
                                                                    signed_in,
                                                                    mother_and_nephew):
        target = item_id(app, mother_and_nephew, "unaccompanied_minor")
        signed_in("caseworker", authority="auslaenderbehoerde")
        response = client.post_json(f"/api/v1/cases/items/{target}/transition", {
            "to": "resolved", "resolution": "taken_into_care",
            "version": item_version(app, target)})
        assert response.status_code == 403
        assert client.get(f"/cases/items/{target}").status_code == 403
        with app.app_context():
            assert db.session.get(ClarificationItem, target).state == "open"

    def test_bulk_with_a_foreign_item_changes_nothing(self, app, client, signed_in,
                                                      mother_and_nephew):
        own = item_id(app, mother_and_nephew, "temporary_protection_eligibility")
        foreign = item_id(app, mother_and_nephew, "unaccompanied_minor")
        signed_in("caseworker", authority="auslaenderbehoerde")
        response = client.submit("/cases/bulk", {"item": [own, foreign], "to": "in_progress",
                                                  "note": "heute"})
        assert response.status_code == 403
        with app.app_context():
            states = {db.session.get(ClarificationItem, i).state for i in (own, foreign)}
        assert states == {"open"}

    def test_thirty_fingerprints_done_in_one_bulk_action(self, app, client, signed_in,
                                                         make_household):
        refs = [make_household(adult(given_names=f"Person{n}",
                                     date_of_birth=f"19{60 + n}-01-01")) for n in range(30)]
        signed_in("caseworker", authority="rp")
        with app.app_context():
            ids = [i.id for ref in refs for i in operations.items_of_household(
                household_by_ref(ref)) if i.topic == "fingerprints"]
        assert len(ids) == 30
        client.submit("/cases/bulk", {"item": ids, "to": "resolved", "resolution": "registered",
                                      "note": "PIK-Station Vormittag"})
        with app.app_context():
            done = db.session.scalars(sa.select(ItemTransition).where(
                ItemTransition.note == "PIK-Station Vormittag")).all()
        assert len(done) == 30

    def test_a_stale_version_loses_and_sees_the_new_state(self, app, client, signed_in,
                                                          mother_and_nephew):
        target = item_id(app, mother_and_nephew, "unaccompanied_minor")
        version = item_version(app, target)
        signed_in("caseworker", authority="jugendamt")
        first = client.post_json(f"/api/v1/cases/items/{target}/transition",
                                 {"to": "in_progress", "version": version})
        second = client.post_json(f"/api/v1/cases/items/{target}/transition", {
            "to": "resolved", "resolution": "guardian_found", "version": version})
        assert first.status_code == 200
        assert second.status_code == 409 and second.json["details"]["state"] == "in_progress"

    def test_the_case_view_shows_other_authorities_as_topic_and_state(
            self, app, client, signed_in, mother_and_nephew):
        target = item_id(app, mother_and_nephew, "unaccompanied_minor")
        signed_in("caseworker", authority="jugendamt")
        page = client.get(f"/cases/items/{target}").get_data(as_text=True)
        assert "Fingerabdr" not in page or "Registrierung (PIK)" in page
        assert "A1234567" not in page  # the Jugendamt sees no documents
        assert "Unbegleitete" in page

    def test_coordinators_read_every_queue_but_change_nothing(self, app, client, signed_in,
                                                              mother_and_nephew):
        target = item_id(app, mother_and_nephew, "unaccompanied_minor")
        signed_in("coordinator")
        assert client.get("/api/v1/cases/items?authority=jugendamt").json["total"] == 1
        response = client.post_json(f"/api/v1/cases/items/{target}/transition", {
            "to": "in_progress", "version": item_version(app, target)})
        assert response.status_code == 403

    def test_intake_cannot_open_the_queue(self, client, signed_in):
        signed_in("intake")
        assert client.get("/cases/").status_code == 403


class TestTransitions:
    @pytest.fixture
    def item(self, app, make_household, make_user, client):
        ref = make_household(adult())
        identifier = item_id(app, ref, "residence_permit")
        username = make_user("caseworker", authority="auslaenderbehoerde")
        client.login(username, PASSWORD)
        return identifier

    def move(self, client, app, identifier, **body):
        return client.post_json(f"/api/v1/cases/items/{identifier}/transition",
                                {"version": item_version(app, identifier), **body})

    @pytest.mark.parametrize("path", [
        ["in_progress", "waiting", "in_progress", "resolved", "open"],
        ["waiting", "resolved"], ["not_applicable", "open"], ["resolved", "open", "resolved"],
    ])
    def test_allowed_paths(self, app, client, item, path):
        details = {"resolved": {"resolution": "permit_issued"},
                   "waiting": {"waiting_on": "person", "note": "Passfoto fehlt"}}
        for state in path:
            response = self.move(client, app, item, to=state, **details.get(state, {}))
            assert response.status_code == 200, (state, response.json)

    @pytest.mark.parametrize("first, second", [
        ("resolved", "in_progress"), ("resolved", "waiting"), ("not_applicable", "resolved"),
    ])
    def test_refused_paths(self, app, client, item, first, second):
        self.move(client, app, item, to=first, resolution="permit_issued")
        response = self.move(client, app, item, to=second, resolution="permit_issued",
                             waiting_on="person", note="x")
        assert response.status_code == 422

    def test_resolving_needs_a_resolution_of_the_topic(self, app, client, item):
        assert self.move(client, app, item, to="resolved").status_code == 422
        assert self.move(client, app, item, to="resolved",
                         resolution="taken_into_care").status_code == 422

    def test_waiting_needs_on_whom_and_a_note(self, app, client, item):
        assert self.move(client, app, item, to="waiting").status_code == 422
        unnamed = self.move(client, app, item, to="waiting", waiting_on="authority",
                            note="Rückfrage beim RP")
        assert unnamed.status_code == 422 and "waiting_for" in unnamed.json["fields"]
        named = self.move(client, app, item, to="waiting", waiting_on="authority",
                          waiting_for="rp", note="Rückfrage beim RP")
        assert named.status_code == 200 and named.json["waiting_for"] == "rp"

    def test_every_transition_records_who_when_from_to_and_note(self, app, client, item):
        self.move(client, app, item, to="in_progress", note="Termin vereinbart")
        with app.app_context():
            step = db.session.get(ClarificationItem, item).transitions[-1]
            assert (step.from_state, step.to_state, step.note) == (
                "open", "in_progress", "Termin vereinbart")
            assert step.user is not None and step.at is not None


class TestSummary:
    def test_summary_states(self, app, make_household):
        ref = make_household(adult())
        with app.app_context():
            household = household_by_ref(ref)
            items = operations.items_of_household(household)
            summary = operations.summary_for([household.id])[household.id]
            assert summary.status == "open" and summary.open == len(items)
            items[0].due_on = operations.today_local() - timedelta(days=1)
            db.session.flush()
            assert operations.summary_for([household.id])[household.id].status == "overdue"
            operations.transition(items[1], "waiting", waiting_on="person", note="x",
                                  system=True)
            assert operations.summary_for([household.id])[household.id].status == "blocked"
            for item in items:
                if item.active:
                    operations.transition(item, "not_applicable", system=True)
            assert operations.summary_for([household.id])[household.id].status == "clarified"

    def test_search_results_show_the_summary(self, client, signed_in, make_household):
        ref = make_household(adult())
        signed_in("intake")
        html = client.get("/search", query_string={"q": ref}).get_data(as_text=True)
        assert "badge-open" in html
