"""Bad input to the transfer API as the RP: a message at the field (4xx), never a 500."""

from __future__ import annotations

import pytest

from tests.transfers.conftest import decide_all, new_batch

BODIES = [[], "text", 5, None, {"code": 5}, {"code": ["x"]}, {"household_ref": 7},
          {"household_ref": "H-0000-0000-0"}, {"version": "x"}, {"version": -1},
          {"version": 2 ** 40}, {"kind": "fly"}, {"kind": "transfer", "destination": 8115},
          {"kind": "transfer", "destination": "08115", "decided_on": "gestern"},
          {"kind": "transfer", "destination": "08115", "persons": "all"},
          {"kind": "transfer", "destination": "08115", "persons": ["nobody"]},
          {"destination": "08115", "departs_at": "morgen", "seats": 5},
          {"destination": "08115", "departs_at": "2022-04-02T10:00", "seats": 5},
          {"destination": "08115", "departs_at": "2022-04-02T10:00:00+02:00", "seats": True},
          {"destination": "08115", "departs_at": "2022-04-02T10:00:00+02:00", "seats": 10 ** 6},
          {"destination": "08115", "departs_at": "2122-04-02T10:00:00+02:00", "seats": 5}]


@pytest.mark.parametrize("body", BODIES, ids=range(len(BODIES)))
def test_bad_bodies_are_answered_at_the_field_not_with_a_server_error(app, centre, rp, body):
    decide_all(app, centre, ["Savchuk"])
    batch_id = new_batch(app)
    ref = centre.refs["Kovalenko"]
    paths = ["/api/v1/transfers/batches", f"/api/v1/transfers/batches/{batch_id}/households",
             f"/api/v1/transfers/batches/{batch_id}/households/1/remove",
             f"/api/v1/transfers/batches/{batch_id}/boarding",
             f"/api/v1/transfers/batches/{batch_id}/depart",
             f"/api/v1/transfers/batches/{batch_id}/handover",
             f"/api/v1/households/{ref}/distribution-decision"]
    for path in paths:
        answer = rp.post_json(path, body)
        assert answer.status_code < 500, (path, body, answer.get_data(as_text=True)[:300])
    long_key = rp.post_json(f"/api/v1/transfers/batches/{batch_id}/boarding", {"code": "x"},
                            headers={"Idempotency-Key": "k" * 200})
    assert long_key.status_code == 422
