"""Clerks at the same moment, on real concurrent connections (SQLite and
PostgreSQL): the last seat of a bus goes to one of them, a household put on two
buses at once lands on one, one card scanned on two tablets boards once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from arrival.cards import operations as cards
from arrival.core.clock import now
from arrival.extensions import db
from arrival.registry.operations import household_by_ref
from arrival.transfers import operations as transfers
from arrival.transfers.models import BatchHousehold, Boarding, TransferBatch
from tests.appointments.test_concurrency import PARALLEL, clients, households, together

BOEBLINGEN = "08115"


def ready(app, count: int) -> list[str]:
    with app.app_context():
        if transfers.destination_by_key(BOEBLINGEN) is None:
            transfers.load_destinations(Path(app.config["CATALOG_DIR"]))
            db.session.commit()
    refs = households(app, count)
    with app.app_context():
        for ref in refs:
            transfers.decide(household_by_ref(ref), kind="transfer",
                             destination=transfers.destination_by_key(BOEBLINGEN))
        db.session.commit()
    return refs


def bus(app, seats: int, hours: int = 3) -> int:
    with app.app_context():
        batch = transfers.create_batch(transfers.destination_by_key(BOEBLINGEN),
                                       departs_at=now() + timedelta(hours=hours), seats=seats)
        db.session.commit()
        return batch.id


def test_clerks_adding_the_last_seat_at_once_give_it_to_one(committing_app):
    app = committing_app
    refs = ready(app, PARALLEL)  # one person each
    batch_id = bus(app, seats=1)
    requests = [(f"/api/v1/transfers/batches/{batch_id}/households", {"household_ref": ref})
                for ref in refs]
    responses = together(clients(app, ["rp"] * PARALLEL), requests)
    assert sorted(r.status_code for r in responses) == [201] + [422] * (PARALLEL - 1), \
        [r.get_json() for r in responses]
    assert all("household" in r.get_json()["fields"] for r in responses
               if r.status_code == 422)
    with app.app_context():
        assert db.session.get(TransferBatch, batch_id).taken == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BatchHousehold).where(
            BatchHousehold.batch_id == batch_id)) == 1


def test_one_household_put_on_two_buses_at_once_lands_on_one(committing_app):
    app = committing_app
    (ref,) = ready(app, 1)
    first, second = bus(app, seats=10), bus(app, seats=10, hours=5)
    requests = [(f"/api/v1/transfers/batches/{first}/households", {"household_ref": ref}),
                (f"/api/v1/transfers/batches/{second}/households", {"household_ref": ref})]
    responses = together(clients(app, ["rp", "rp"]), requests)
    assert sorted(r.status_code for r in responses) == [201, 409], \
        [r.get_json() for r in responses]
    assert next(r for r in responses if r.status_code == 409).get_json()["code"] == \
        "already_listed"
    with app.app_context():
        household = household_by_ref(ref)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BatchHousehold).where(
            BatchHousehold.household_id == household.id, BatchHousehold.open.is_(True))) == 1
        taken = db.session.scalars(sa.select(TransferBatch.taken).where(
            TransferBatch.id.in_([first, second]))).all()
        assert sorted(taken) == [0, 1]  # the loser's seat was not kept


def test_one_card_scanned_on_two_tablets_at_once_boards_once(committing_app):
    app = committing_app
    (ref,) = ready(app, 1)
    batch_id = bus(app, seats=10)
    with app.app_context():
        household = household_by_ref(ref)
        transfers.add_household(db.session.get(TransferBatch, batch_id), household)
        token = cards.issue_card(household.persons[0]).token
        db.session.commit()
    path = f"/api/v1/transfers/batches/{batch_id}/boarding"
    responses = together(clients(app, ["rp", "rp"]), [(path, {"code": token})] * 2)
    assert [r.status_code for r in responses] == [200, 200]
    assert sorted(r.get_json()["reason"] for r in responses) == ["already", "boarded"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Boarding).where(
            Boarding.batch_id == batch_id)) == 1


def test_a_cancellation_and_a_scan_at_once_have_one_clear_winner(committing_app):
    """One tablet cancels the bus list while another scans a card at the bus: either
    the scan comes first (boarded; the cancellation is refused: someone is on board)
    or the cancellation does (cancelled; the scan answers red 'cancelled'). Never
    both saved, never a boarding on a cancelled list."""
    app = committing_app
    outcomes = set()
    for _round in range(3):
        (ref,) = ready(app, 1)
        batch_id = bus(app, seats=10)
        with app.app_context():
            household = household_by_ref(ref)
            transfers.add_household(db.session.get(TransferBatch, batch_id), household)
            token = cards.issue_card(household.persons[0]).token
            db.session.commit()
        requests = [(f"/api/v1/transfers/batches/{batch_id}/cancel", {"reason": "Bus defekt"}),
                    (f"/api/v1/transfers/batches/{batch_id}/boarding", {"code": token})]
        cancelled, scanned = together(clients(app, ["rp", "rp"]), requests)
        assert cancelled.status_code in (200, 409), cancelled.get_json()
        assert scanned.status_code == 200, scanned.get_json()
        with app.app_context():
            batch = db.session.get(TransferBatch, batch_id)
            boardings = db.session.scalar(sa.select(sa.func.count()).select_from(Boarding).where(
                Boarding.batch_id == batch_id))
            still_listed = db.session.scalar(sa.select(sa.func.count()).select_from(
                BatchHousehold).where(BatchHousehold.batch_id == batch_id,
                                      BatchHousehold.open.is_(True)))
        if cancelled.status_code == 200:
            assert scanned.get_json()["reason"] == "cancelled"
            assert (batch.state, boardings, still_listed, batch.taken) == ("cancelled", 0, 0, 0)
            outcomes.add("cancel first")
        else:
            assert cancelled.get_json()["code"] == "boarded"
            assert scanned.get_json()["reason"] == "boarded"
            assert (batch.state, boardings, still_listed) == ("planned", 1, 1)
            outcomes.add("scan first")
    assert outcomes  # which one wins is the scheduler's; each round has exactly one
