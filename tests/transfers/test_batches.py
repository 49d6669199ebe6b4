"""Bus lists: seats and one open batch per household, conflicts before departure,
boarding by card through the API (Idempotency-Key), departure checking out the
boarded with reason "transferred", and the figures of the day."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from arrival.appointments import operations as appointments
from arrival.cases import operations as cases
from arrival.catalog.operations import authority_by_code
from arrival.core.clock import now, today_local
from arrival.core.events import bus, subscribe
from arrival.core.validation import Conflict, ValidationFailed
from arrival.extensions import db
from arrival.housing.events import StayEnded
from arrival.housing.models import Stay
from arrival.housing import operations as housing
from arrival.registry.operations import household_by_ref
from arrival.statistics.figures import day_report
from arrival.transfers import operations as transfers
from arrival.transfers.models import BatchHousehold, TransferBatch
from tests.factories import PASSWORD
from tests.transfers.conftest import BOEBLINGEN, ESSLINGEN, decide_all, new_batch


def batch_of(batch_id):
    return db.session.get(TransferBatch, batch_id)


def add(app, batch_id, ref):
    with app.app_context():
        entry = transfers.add_household(batch_of(batch_id), household_by_ref(ref))
        db.session.commit()
        return entry.id


def test_a_departure_in_the_past_is_refused_at_the_field(app, rp, destinations):
    answer = rp.post_json("/api/v1/transfers/batches", {
        "destination": BOEBLINGEN, "departs_at": "2022-03-31T14:00:00+02:00", "seats": 50})
    assert answer.status_code == 422
    assert "Vergangenheit" in answer.json["fields"]["departs_at"][0]  # "in the past"
    answer = rp.post_json("/api/v1/transfers/batches", {
        "destination": BOEBLINGEN, "departs_at": "2022-04-01T18:00:00+02:00", "seats": 0})
    assert answer.status_code == 422 and "seats" in answer.json["fields"]
    answer = rp.post_json("/api/v1/transfers/batches", {
        "destination": "99999", "departs_at": "2022-04-01T18:00:00+02:00", "seats": 5})
    assert answer.status_code == 422 and "destination" in answer.json["fields"]


def test_a_bus_list_is_made_and_filled_through_the_api(app, centre, rp):
    decide_all(app, centre, ["Kovalenko", "Savchuk"])
    made = rp.post_json("/api/v1/transfers/batches", {
        "destination": BOEBLINGEN, "departs_at": "2022-04-01T18:00:00+02:00", "seats": 4})
    assert made.status_code == 201, made.json
    batch_id = made.json["id"]
    added = rp.post_json(f"/api/v1/transfers/batches/{batch_id}/households",
                         {"household_ref": centre.refs["Kovalenko"]})
    assert added.status_code == 201 and added.json["taken"] == 3
    listing = rp.get(f"/api/v1/transfers/batches/{batch_id}").json
    assert [h["household_ref"] for h in listing["households"]] == [centre.refs["Kovalenko"]]
    assert listing["counts"] == {"expected": 3, "boarded": 0, "missing": 3}


def test_seats_exceeded_is_refused_and_nothing_is_saved(app, centre, rp):
    decide_all(app, centre, ["Kovalenko", "Hrytsenko"])
    batch_id = new_batch(app, seats=4)
    add(app, batch_id, centre.refs["Kovalenko"])
    answer = rp.post_json(f"/api/v1/transfers/batches/{batch_id}/households",
                          {"household_ref": centre.refs["Hrytsenko"]})
    assert answer.status_code == 422
    assert "1 seat is free" in answer.json["fields"]["household"][0] or \
        "1 Platz" in answer.json["fields"]["household"][0]
    with app.app_context():
        batch = batch_of(batch_id)
        assert batch.taken == 3
        assert transfers.open_entry_of(household_by_ref(centre.refs["Hrytsenko"]).id) is None


def test_a_household_is_in_one_open_batch_only(app, centre, rp):
    decide_all(app, centre, ["Savchuk"])
    first, second = new_batch(app), new_batch(app, hours=5)
    add(app, first, centre.refs["Savchuk"])
    answer = rp.post_json(f"/api/v1/transfers/batches/{second}/households",
                          {"household_ref": centre.refs["Savchuk"]})
    assert answer.status_code == 409 and answer.json["code"] == "already_listed"


def test_the_database_itself_refuses_a_second_open_entry_of_a_household(app, centre):
    decide_all(app, centre, ["Savchuk"])
    first, second = new_batch(app), new_batch(app, hours=5)
    entry_id = add(app, first, centre.refs["Savchuk"])
    with app.app_context():
        entry = db.session.get(BatchHousehold, entry_id)
        db.session.add(BatchHousehold(batch_id=second, household_id=entry.household_id,
                                      decision_id=entry.decision_id, persons_count=1))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_the_database_refuses_more_persons_than_seats(app, destinations):
    batch_id = new_batch(app, seats=2)
    with app.app_context():
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.update(TransferBatch).where(TransferBatch.id == batch_id)
                               .values(taken=3))
        db.session.rollback()


def test_a_household_for_another_destination_or_without_decision_is_not_added(app, centre):
    decide_all(app, centre, ["Savchuk"], destination=ESSLINGEN)
    batch_id = new_batch(app)
    with app.app_context():
        with pytest.raises(ValidationFailed) as refused:
            transfers.add_household(batch_of(batch_id), household_by_ref(centre.refs["Savchuk"]))
        assert "Esslingen" in refused.value.errors["household"][0]
        with pytest.raises(ValidationFailed) as refused:
            transfers.add_household(batch_of(batch_id),
                                    household_by_ref(centre.refs["Kovalenko"]))
        assert "keine Verteilentscheidung" in refused.value.errors["household"][0]


def test_a_bus_list_changed_on_another_tablet_is_refused_as_stale(app, centre, rp):
    decide_all(app, centre, ["Savchuk", "Kovalenko"])
    batch_id = new_batch(app)
    with app.app_context():
        version = batch_of(batch_id).version
    add(app, batch_id, centre.refs["Savchuk"])  # another tablet
    answer = rp.post_json(f"/api/v1/transfers/batches/{batch_id}/households",
                          {"household_ref": centre.refs["Kovalenko"], "version": version})
    assert answer.status_code == 409 and answer.json["code"] == "stale_version"


def test_conflicts_before_departure(app, centre, make_household, make_user):
    from tests.transfers.conftest import resident

    minor = make_household(resident("Bondar", "Petro", "2008-02-02", sex="male",
                                     flags=["unaccompanied_minor"]))
    with app.app_context():
        for ref in (centre.refs["Kovalenko"], centre.refs["Hrytsenko"], centre.refs["Savchuk"],
                    minor):
            transfers.decide(household_by_ref(ref), kind="transfer",
                             destination=transfers.destination_by_key(BOEBLINGEN))
        db.session.commit()
    batch_id = new_batch(app, hours=2)
    for ref in (centre.refs["Kovalenko"], centre.refs["Hrytsenko"], centre.refs["Savchuk"],
                minor):
        add(app, batch_id, ref)
    with app.app_context():
        # Natalia has an appointment after the departure; Oksana is marked absent
        calendar = appointments.create_calendar(authority_by_code("auslaenderbehoerde"), "ABH",
                                                opens="08:00", closes="18:00", desks=2)
        appointments.generate_slots(calendar, today_local() + timedelta(days=3),
                                    today_local() + timedelta(days=3))
        kovalenko = household_by_ref(centre.refs["Kovalenko"])
        item = next(i for i in cases.items_of_household(kovalenko)
                    if i.topic == "residence_permit" and i.active)
        item_id = item.id
        db.session.commit()
    abh = app.test_client()
    assert abh.login(make_user("caseworker", authority="auslaenderbehoerde"),
                     PASSWORD).status_code == 302
    assert abh.post_json(f"/api/v1/cases/items/{item_id}/appointments", {}).status_code == 201
    with app.app_context():
        stay = db.session.scalar(sa.select(Stay).where(Stay.person_id == centre.ids["Oksana"]))
        housing.check_out(stay, reason="absent")
        db.session.commit()
        found = {(f.code, f.person.given_names, f.blocks)
                 for f in transfers.conflicts(batch_of(batch_id))}
    assert ("unaccompanied_minor", "Petro", True) in found
    assert ("appointment_after", "Natalia", False) in found
    assert ("absent", "Oksana", False) in found
    assert ("care_unconfirmed", "Andrii", False) in found
    with app.app_context():
        entry = transfers.open_entry_of(household_by_ref(centre.refs["Hrytsenko"]).id)
        transfers.confirm_care_place(entry)
        assert "care_unconfirmed" not in {f.code for f in transfers.conflicts(batch_of(batch_id))}


def board(rp, batch_id, code, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return rp.post_json(f"/api/v1/transfers/batches/{batch_id}/boarding", {"code": code},
                        headers=headers)


def test_boarding_by_card_with_an_idempotency_key(app, centre, rp):
    decide_all(app, centre, ["Kovalenko", "Savchuk"])
    batch_id = new_batch(app)
    add(app, batch_id, centre.refs["Kovalenko"])
    first = board(rp, batch_id, centre.tokens["Natalia"], key="scan-1")
    assert (first.json["result"], first.json["reason"]) == ("green", "boarded")
    assert first.json["counts"] == {"expected": 3, "boarded": 1, "missing": 2}
    replay = board(rp, batch_id, centre.tokens["Natalia"], key="scan-1")
    assert replay.status_code == 200 and replay.json["replayed"] is True
    assert replay.json["reason"] == "boarded"  # the first answer, not "already"
    again = board(rp, batch_id, centre.tokens["Natalia"], key="scan-2")
    assert (again.json["result"], again.json["reason"]) == ("amber", "already")
    stranger = board(rp, batch_id, centre.tokens["Oksana"])
    assert (stranger.json["result"], stranger.json["reason"]) == ("red", "not_on_list")
    unknown = board(rp, batch_id, "K-0000-0000-0")
    assert unknown.json["result"] == "red"
    reused = board(rp, batch_id, centre.tokens["Dmytro"], key="scan-1")
    assert reused.status_code == 422 and "Idempotency-Key" in reused.json["fields"]


def test_departure_checks_out_the_boarded_and_lists_the_missing(app, centre, rp):
    decide_all(app, centre, ["Kovalenko", "Savchuk"])
    batch_id = new_batch(app)
    add(app, batch_id, centre.refs["Kovalenko"])
    add(app, batch_id, centre.refs["Savchuk"])
    for name in ("Natalia", "Dmytro", "Sofiia"):
        assert board(rp, batch_id, centre.tokens[name]).json["result"] == "green"
    ended = []

    def listen(event):
        ended.append((event.stay.person_id, event.reason))

    subscribe(app, StayEnded, listen)  # the app is shared: taken off again below
    try:
        answer = rp.post_json(f"/api/v1/transfers/batches/{batch_id}/depart", {})
    finally:
        bus(app).unsubscribe(StayEnded, listen)
    assert answer.status_code == 200, answer.json
    assert len(answer.json["transferred"]) == 3
    assert [m["household_ref"] for m in answer.json["missing"]] == [centre.refs["Savchuk"]]
    with app.app_context():
        stays = {s.person_id: s for s in db.session.scalars(sa.select(Stay))}
        for name in ("Natalia", "Dmytro", "Sofiia"):
            stay = stays[centre.ids[name]]
            assert (stay.state, stay.end_reason) == ("checked_out", "transferred")
            assert stay.destination == "Böblingen (LK) (08115)"
        assert stays[centre.ids["Oksana"]].state == "checked_in"  # missing: stays
        states = {e.household.ref: e.state for e in batch_of(batch_id).entries}
        assert states == {centre.refs["Kovalenko"]: "transferred",
                          centre.refs["Savchuk"]: "missing"}
        # beds freed: the household page of the centre shows no open stay for them
        assert {pid for pid, reason in ended} == {centre.ids[n] for n in
                                                    ("Natalia", "Dmytro", "Sofiia")}
        assert {reason for _, reason in ended} == {"transferred"}
        # the missing household can go with a later bus
        assert [c.household.ref for c in transfers.candidates()] == [centre.refs["Savchuk"]]
    late = board(rp, batch_id, centre.tokens["Oksana"])
    assert (late.json["result"], late.json["reason"]) == ("red", "departed")
    twice = rp.post_json(f"/api/v1/transfers/batches/{batch_id}/depart", {})
    assert twice.status_code == 409 and twice.json["code"] == "batch_closed"


def test_a_household_already_transferred_is_not_decided_or_listed_again(app, centre, rp):
    decide_all(app, centre, ["Savchuk"])
    batch_id = new_batch(app)
    add(app, batch_id, centre.refs["Savchuk"])
    board(rp, batch_id, centre.tokens["Oksana"])
    assert rp.post_json(f"/api/v1/transfers/batches/{batch_id}/depart", {}).status_code == 200
    answer = rp.post_json(f"/api/v1/households/{centre.refs['Savchuk']}/distribution-decision",
                          {"kind": "transfer", "destination": ESSLINGEN})
    assert answer.status_code == 409 and answer.json["code"] == "already_transferred"


def test_an_unaccompanied_minor_with_an_open_item_blocks_the_departure(
        app, centre, rp, make_household):
    from arrival.cards import operations as cards
    from tests.transfers.conftest import resident

    minor = make_household(resident("Bondar", "Petro", "2008-02-02", sex="male",
                                     flags=["unaccompanied_minor"]))
    with app.app_context():
        petro = household_by_ref(minor)
        transfers.decide(petro, kind="transfer",
                         destination=transfers.destination_by_key(BOEBLINGEN))
        token = cards.issue_card(petro.persons[0]).token
        db.session.commit()
    batch_id = new_batch(app)
    add(app, batch_id, minor)
    assert board(rp, batch_id, token).json["result"] == "green"
    answer = rp.post_json(f"/api/v1/transfers/batches/{batch_id}/depart", {})
    assert answer.status_code == 422 and "Jugendamt" in answer.json["fields"]["batch"][0]
    with app.app_context():
        assert batch_of(batch_id).state == "planned"  # nothing half saved


def test_the_situation_report_counts_exactly_the_boarded_persons_per_destination(
        app, centre, rp):
    decide_all(app, centre, ["Kovalenko", "Savchuk"])
    with app.app_context():
        transfers.decide(household_by_ref(centre.refs["Hrytsenko"]), kind="stay")
        db.session.commit()
    batch_id = new_batch(app)
    add(app, batch_id, centre.refs["Kovalenko"])
    add(app, batch_id, centre.refs["Savchuk"])
    board(rp, batch_id, centre.tokens["Natalia"])
    board(rp, batch_id, centre.tokens["Sofiia"])  # Dmytro and Oksana missing
    rp.post_json(f"/api/v1/transfers/batches/{batch_id}/depart", {})
    with app.app_context():
        figures = day_report(today_local())["transfers"]
    assert figures["by_destination"] == [{"key": BOEBLINGEN, "name": "Böblingen",
                                          "kind": "landkreis", "persons": 2, "households": 1}]
    assert figures["decisions"] == {"stay": 1, "transfer": 2}
    assert figures["buses"] == {"planned": 1, "departed": 1}
    dashboard = rp.get("/api/v1/dashboard").json
    assert dashboard["transfers"]["persons"] == 2


def test_the_handover_of_a_departed_bus_lists_only_the_boarded(app, centre, rp):
    decide_all(app, centre, ["Kovalenko"])
    batch_id = new_batch(app)
    add(app, batch_id, centre.refs["Kovalenko"])
    board(rp, batch_id, centre.tokens["Natalia"])
    rp.post_json(f"/api/v1/transfers/batches/{batch_id}/depart", {})
    with app.app_context():
        from arrival.transfers.export import rows_of

        rows, persons = rows_of(batch_of(batch_id))
    assert [r["given_names"] for r in rows] == ["Natalia"]


def test_removing_a_household_frees_its_seats_unless_someone_boarded(app, centre, rp):
    decide_all(app, centre, ["Kovalenko", "Savchuk"])
    batch_id = new_batch(app)
    kovalenko = add(app, batch_id, centre.refs["Kovalenko"])
    savchuk = add(app, batch_id, centre.refs["Savchuk"])
    board(rp, batch_id, centre.tokens["Oksana"])
    refused = rp.post_json(f"/api/v1/transfers/batches/{batch_id}/households/{savchuk}/remove",
                           {})
    assert refused.status_code == 409 and refused.json["code"] == "boarded"
    removed = rp.post_json(
        f"/api/v1/transfers/batches/{batch_id}/households/{kovalenko}/remove", {})
    assert removed.status_code == 200 and removed.json["taken"] == 1
    # a tablet still boarding from the old list: the card is no longer on it
    assert board(rp, batch_id, centre.tokens["Dmytro"]).json["reason"] == "not_on_list"


def test_the_seats_cannot_go_below_the_persons_on_the_list(app, centre):
    decide_all(app, centre, ["Kovalenko"])
    batch_id = new_batch(app)
    add(app, batch_id, centre.refs["Kovalenko"])
    with app.app_context():
        batch = batch_of(batch_id)
        with pytest.raises(ValidationFailed) as refused:
            transfers.edit_batch(batch, departs_at=batch.departs_at, seats=2)
        assert "seats" in refused.value.errors
        with pytest.raises(Conflict):
            transfers.edit_batch(batch, departs_at=batch.departs_at, seats=10,
                                 expected_version=batch.version - 1)
