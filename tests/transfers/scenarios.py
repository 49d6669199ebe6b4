"""The audit scenarios of the transfer endpoints that read persons (used by
tests/audit/test_person_reads.py): as the RP, with the world's placed person
decided for Böblingen, on a bus list, boarded or departed as the read needs."""

from __future__ import annotations

from pathlib import Path

from arrival.extensions import db

RP = ("caseworker", "rp")


def _decided(c, w):
    from arrival.transfers import operations as transfers

    with c.application.app_context():
        transfers.load_destinations(Path(c.application.config["CATALOG_DIR"]))
        db.session.commit()
    answer = c.post_json(f"/api/v1/households/{w['ref']}/distribution-decision",
                         {"kind": "transfer", "destination": "08115"})
    assert answer.status_code == 201, answer.get_json()
    made = c.post_json("/api/v1/transfers/batches", {
        "destination": "08115", "departs_at": "2022-04-01T18:00:00+02:00", "seats": 10})
    w["batch"] = made.get_json()["id"]


def _listed(c, w):
    _decided(c, w)
    c.post_json(f"/api/v1/transfers/batches/{w['batch']}/households", {"household_ref": w["ref"]})


def _boarded(c, w):
    _listed(c, w)
    c.post_json(f"/api/v1/transfers/batches/{w['batch']}/boarding", {"code": w["card"]})


def _packaged(c, w):
    _listed(c, w)
    w["package"] = c.post_json(f"/api/v1/transfers/batches/{w['batch']}/handover",
                               {}).get_json()["id"]


def _submit_boarding(c, w):
    page = f"/transfers/batches/{w['batch']}/boarding"
    return c.submit(page, {"code": w["card"]}, form_page=page)


def _submit_undo(c, w):
    page = f"/transfers/batches/{w['batch']}/boarding"
    return c.submit(f"{page}/{w['person']}/undo", {"reason": "falsche Karte"}, form_page=page)


def _submit_handover(c, w):
    page = f"/transfers/batches/{w['batch']}"
    return c.submit(f"/transfers/batches/{w['batch']}/handover", {}, form_page=page)


SCENARIOS = {
    "transfers.decide": (*RP, lambda c, w: c.get(f"/transfers/households/{w['ref']}/decision"),
                         "person"),
    "api.distribution_decision": (*RP, lambda c, w: c.post_json(
        f"/api/v1/households/{w['ref']}/distribution-decision",
        {"kind": "stay", "reason": "Familie in Stuttgart"}), "person"),
    "transfers.batch": (*RP, lambda c, w: c.get(f"/transfers/batches/{w['batch']}"), "person",
                        _listed),
    "api.transfer_batch": (*RP, lambda c, w: c.get(f"/api/v1/transfers/batches/{w['batch']}"),
                           "person", _listed),
    "api.add_transfer_household": (*RP, lambda c, w: c.post_json(
        f"/api/v1/transfers/batches/{w['batch']}/households", {"household_ref": w["ref"]}),
        "person", _decided),
    "transfers.boarding": (*RP, lambda c, w: c.get(
        f"/transfers/batches/{w['batch']}/boarding"), "person", _listed),
    "transfers.board": (*RP, _submit_boarding, "person", _listed),
    "api.transfer_boarding": (*RP, lambda c, w: c.post_json(
        f"/api/v1/transfers/batches/{w['batch']}/boarding", {"code": w["card"]}), "person",
        _listed),
    "api.undo_transfer_boarding": (*RP, lambda c, w: c.post_json(
        f"/api/v1/transfers/batches/{w['batch']}/boarding/{w['person']}/undo",
        {"reason": "falsche Karte"}), "person", _boarded),
    "transfers.undo_boarding": (*RP, _submit_undo, "person", _boarded),
    "api.depart_transfer_batch": (*RP, lambda c, w: c.post_json(
        f"/api/v1/transfers/batches/{w['batch']}/depart", {}), "person", _boarded),
    "transfers.handover": (*RP, _submit_handover, "person", _listed),
    "api.transfer_handover": (*RP, lambda c, w: c.post_json(
        f"/api/v1/transfers/batches/{w['batch']}/handover", {}), "person", _listed),
    "transfers.download_handover": (*RP, lambda c, w: c.get(
        f"/transfers/handover/{w['package']}.zip"), "person", _packaged),
    "api.transfer_handover_archive": (*RP, lambda c, w: c.get(
        f"/api/v1/transfers/handover/{w['package']}.zip"), "person", _packaged),
}
