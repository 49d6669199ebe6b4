"""Cancelling a bus list and undoing a wrong boarding (issue 18, follow-up).

A cancelled list keeps its reason in its history and lets its households go on
another list; a departed one cannot be cancelled. A wrong boarding is taken back
before departure, with its history and an audit entry; after departure it is
refused. A cancellation and a scan on two tablets at once: one of them wins."""

from __future__ import annotations

import sqlalchemy as sa

from arrival.audit.models import AuditEvent
from arrival.extensions import db
from arrival.registry.operations import household_by_ref
from arrival.transfers import operations as transfers
from arrival.transfers.models import (BatchHousehold, BatchTransition, Boarding, TransferBatch,
                                      UndoneBoarding)
from tests.transfers.conftest import decide_all, new_batch
from tests.transfers.test_batches import add, board


def cancel(rp, batch_id, reason="Bus ausgefallen", **body):
    return rp.post_json(f"/api/v1/transfers/batches/{batch_id}/cancel",
                        {"reason": reason, **body})


def undo(rp, batch_id, public_id, reason="falsche Karte"):
    return rp.post_json(f"/api/v1/transfers/batches/{batch_id}/boarding/{public_id}/undo",
                        {"reason": reason})


def public_id(app, person_id):
    with app.app_context():
        from arrival.registry.models import Person

        return db.session.get(Person, person_id).public_id


# --- cancelling a bus list ------------------------------------------------------------


def test_a_cancelled_list_frees_its_households_for_another_list(app, centre, rp):
    decide_all(app, centre, ["Kovalenko", "Savchuk"])
    first = new_batch(app)
    add(app, first, centre.refs["Kovalenko"])
    add(app, first, centre.refs["Savchuk"])
    answer = cancel(rp, first, "Busunternehmen hat abgesagt")
    assert answer.status_code == 200, answer.json
    assert answer.json["state"] == "cancelled"
    assert answer.json["households_released"] == 2
    with app.app_context():
        batch = db.session.get(TransferBatch, first)
        assert batch.taken == 0
        assert [(t.from_state, t.to_state, t.note) for t in batch.transitions][-1] == \
            ("planned", "cancelled", "Busunternehmen hat abgesagt")
        assert {e.state for e in batch.entries} == {"removed"}
        assert db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.entity_type == "transfer_batch", AuditEvent.entity_id == str(first),
            AuditEvent.detail == "planned → cancelled")) is not None
    # the partial unique index holds open entries only: the family goes on the next bus
    second = new_batch(app, hours=5)
    again = rp.post_json(f"/api/v1/transfers/batches/{second}/households",
                         {"household_ref": centre.refs["Kovalenko"]})
    assert again.status_code == 201, again.json
    scan = board(rp, first, centre.tokens["Natalia"])
    assert (scan.json["result"], scan.json["reason"]) == ("red", "cancelled")


def test_a_cancellation_needs_a_reason_and_saves_nothing_without(app, centre, rp):
    decide_all(app, centre, ["Kovalenko"])
    batch_id = new_batch(app)
    add(app, batch_id, centre.refs["Kovalenko"])
    answer = cancel(rp, batch_id, "   ")
    assert answer.status_code == 422
    assert "reason" in answer.json["fields"]
    with app.app_context():
        batch = db.session.get(TransferBatch, batch_id)
        assert (batch.state, batch.taken) == ("planned", 3)


def test_a_departed_list_cannot_be_cancelled(app, centre, rp):
    decide_all(app, centre, ["Savchuk"])
    batch_id = new_batch(app)
    add(app, batch_id, centre.refs["Savchuk"])
    assert board(rp, batch_id, centre.tokens["Oksana"]).json["result"] == "green"
    assert rp.post_json(f"/api/v1/transfers/batches/{batch_id}/depart", {}).status_code == 200
    answer = cancel(rp, batch_id)
    assert answer.status_code == 409
    assert answer.json["code"] == "batch_closed"
    assert "abgefahren" in answer.json["message"]  # says why, in German first
    with app.app_context():
        assert db.session.get(TransferBatch, batch_id).state == "departed"


def test_a_list_with_persons_on_board_is_not_cancelled_until_they_are_undone(app, centre, rp):
    decide_all(app, centre, ["Kovalenko"])
    batch_id = new_batch(app)
    add(app, batch_id, centre.refs["Kovalenko"])
    assert board(rp, batch_id, centre.tokens["Natalia"]).json["result"] == "green"
    refused = cancel(rp, batch_id)
    assert refused.status_code == 409 and refused.json["code"] == "boarded"
    assert undo(rp, batch_id, public_id(app, centre.ids["Natalia"])).status_code == 200
    assert cancel(rp, batch_id).status_code == 200


def test_a_cancellation_with_a_stale_version_is_refused(app, centre, rp):
    decide_all(app, centre, ["Kovalenko", "Savchuk"])
    batch_id = new_batch(app)
    add(app, batch_id, centre.refs["Kovalenko"])
    seen = rp.get(f"/api/v1/transfers/batches/{batch_id}").json["version"]
    add(app, batch_id, centre.refs["Savchuk"])  # another tablet changed the list
    answer = cancel(rp, batch_id, version=seen)
    assert answer.status_code == 409 and answer.json["code"] == "stale_version"
    with app.app_context():
        assert db.session.get(TransferBatch, batch_id).state == "planned"


def test_the_bus_list_page_cancels_with_the_reason_at_its_field(app, centre, rp):
    decide_all(app, centre, ["Kovalenko"])
    batch_id = new_batch(app)
    add(app, batch_id, centre.refs["Kovalenko"])
    page = f"/transfers/batches/{batch_id}"
    assert "cancel-batch" in rp.get(page).get_data(as_text=True)
    empty = rp.submit(f"{page}/cancel", {"reason": ""}, form_page=page)
    assert empty.status_code == 422
    assert 'id="reason-error"' in empty.get_data(as_text=True)
    done = rp.submit(f"{page}/cancel", {"reason": "Straße gesperrt"}, form_page=page)
    assert done.status_code == 302
    shown = rp.get(page).get_data(as_text=True)
    assert "Straße gesperrt" in shown  # in the history
    assert "cancel-batch" not in shown


def test_the_cli_cancels_a_list(app, centre):
    decide_all(app, centre, ["Kovalenko"])
    batch_id = new_batch(app)
    add(app, batch_id, centre.refs["Kovalenko"])
    runner = app.test_cli_runner()
    missing = runner.invoke(args=["transfers", "cancel", "--batch", str(batch_id),
                                  "--reason", " "])
    assert missing.exit_code != 0
    done = runner.invoke(args=["transfers", "cancel", "--batch", str(batch_id),
                               "--reason", "Bus defekt"])
    assert done.exit_code == 0, done.output
    assert "1 households free" in done.output
    with app.app_context():
        assert db.session.get(TransferBatch, batch_id).state == "cancelled"
        assert transfers.open_entry_of(household_by_ref(centre.refs["Kovalenko"]).id) is None


# --- undoing a wrong boarding -----------------------------------------------------------


def test_a_wrong_boarding_is_undone_with_its_history(app, centre, rp):
    decide_all(app, centre, ["Kovalenko"])
    batch_id = new_batch(app)
    add(app, batch_id, centre.refs["Kovalenko"])
    assert board(rp, batch_id, centre.tokens["Dmytro"]).json["result"] == "green"
    dmytro = public_id(app, centre.ids["Dmytro"])
    answer = undo(rp, batch_id, dmytro, "Karte des Bruders gescannt")
    assert answer.status_code == 200, answer.json
    assert answer.json["counts"] == {"expected": 3, "boarded": 0, "missing": 3}
    with app.app_context():
        assert db.session.get(Boarding, (batch_id, centre.ids["Dmytro"])) is None
        (history,) = db.session.scalars(sa.select(UndoneBoarding)).all()
        assert (history.person_id, history.reason, history.via) == \
            (centre.ids["Dmytro"], "Karte des Bruders gescannt", "card")
        assert history.boarded_at is not None and history.undone_at >= history.boarded_at
        audited = db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.detail == "boarding undone: Karte des Bruders gescannt"))
        assert audited is not None and dmytro in audited.person_ids
    # he can board again, and the departure leaves him if he does not
    again = board(rp, batch_id, centre.tokens["Dmytro"])
    assert (again.json["result"], again.json["reason"]) == ("green", "boarded")


def test_undoing_a_boarding_that_did_not_happen_is_a_clear_refusal(app, centre, rp):
    decide_all(app, centre, ["Kovalenko"])
    batch_id = new_batch(app)
    add(app, batch_id, centre.refs["Kovalenko"])
    answer = undo(rp, batch_id, public_id(app, centre.ids["Sofiia"]))
    assert answer.status_code == 422 and "person" in answer.json["fields"]
    assert undo(rp, batch_id, "P-NOBODY").status_code == 404


def test_a_boarding_cannot_be_undone_after_the_departure(app, centre, rp):
    decide_all(app, centre, ["Savchuk"])
    batch_id = new_batch(app)
    add(app, batch_id, centre.refs["Savchuk"])
    assert board(rp, batch_id, centre.tokens["Oksana"]).json["result"] == "green"
    assert rp.post_json(f"/api/v1/transfers/batches/{batch_id}/depart", {}).status_code == 200
    answer = undo(rp, batch_id, public_id(app, centre.ids["Oksana"]))
    assert answer.status_code == 409 and answer.json["code"] == "batch_closed"
    assert "nicht mehr zurückgenommen" in answer.json["message"]
    with app.app_context():
        assert db.session.get(Boarding, (batch_id, centre.ids["Oksana"])) is not None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(UndoneBoarding)) == 0


def test_the_boarding_page_undoes_with_its_button(app, centre, rp):
    decide_all(app, centre, ["Kovalenko"])
    batch_id = new_batch(app)
    add(app, batch_id, centre.refs["Kovalenko"])
    assert board(rp, batch_id, centre.tokens["Natalia"]).json["result"] == "green"
    page = f"/transfers/batches/{batch_id}/boarding"
    natalia = public_id(app, centre.ids["Natalia"])
    html = rp.get(page).get_data(as_text=True)
    assert f"{natalia}/undo" in html
    assert html.count("undo-boarding\">") == 1  # only the one who boarded
    done = rp.submit(f"{page}/{natalia}/undo", {"reason": "falsch"}, form_page=page)
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(Boarding, (batch_id, centre.ids["Natalia"])) is None
    history = rp.get(f"/transfers/batches/{batch_id}").get_data(as_text=True)
    assert "falsch" in history


def test_the_entries_of_a_cancelled_list_stay_closed(app, centre, rp):
    decide_all(app, centre, ["Kovalenko"])
    batch_id = new_batch(app)
    add(app, batch_id, centre.refs["Kovalenko"])
    assert cancel(rp, batch_id).status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BatchHousehold).where(
            BatchHousehold.batch_id == batch_id, BatchHousehold.open.is_(True))) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BatchTransition).where(
            BatchTransition.batch_id == batch_id)) == 2  # planned, cancelled
