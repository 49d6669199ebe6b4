"""The transfer pages without JavaScript: forms post, the server answers the page."""

from __future__ import annotations

import re

from arrival.extensions import db
from arrival.registry.operations import household_by_ref
from arrival.transfers import operations as transfers
from arrival.transfers.models import TransferBatch
from tests.factories import PASSWORD
from tests.transfers.conftest import BOEBLINGEN, decide_all, new_batch


def test_the_rp_decides_on_the_household_page_and_the_item_closes(app, centre, rp):
    ref = centre.refs["Savchuk"]
    page = f"/transfers/households/{ref}/decision"
    form = rp.get(page).get_data(as_text=True)
    assert "Vorschlag nach Quote" in form  # the quota's suggestion is offered, not decided
    answer = rp.submit(page, {"kind": "transfer", "destination": BOEBLINGEN,
                              "decided_on": "2022-04-01",
                              "persons": str(centre.ids["Oksana"])}, form_page=page)
    assert answer.status_code == 302, answer.get_data(as_text=True)[:400]
    household = rp.get(f"/households/{ref}").get_data(as_text=True)
    assert "Böblingen (LK)" in household


def test_a_split_without_reason_is_shown_at_the_field(app, centre, rp):
    ref = centre.refs["Hrytsenko"]
    page = f"/transfers/households/{ref}/decision"
    answer = rp.submit(page, {"kind": "transfer", "destination": BOEBLINGEN,
                              "decided_on": "2022-04-01",
                              "persons": str(centre.ids["Halyna"])}, form_page=page)
    assert answer.status_code == 422
    assert 'id="reason-error"' in answer.get_data(as_text=True)


def test_a_bus_in_the_past_is_refused_at_the_time_field(app, rp, destinations):
    answer = rp.submit("/transfers/batches/new", {
        "destination": BOEBLINGEN, "departs_on": "2022-04-01", "departs_time": "08:00",
        "seats": "20"}, form_page="/transfers/batches/new")
    assert answer.status_code == 422
    assert 'id="departs_time-error"' in answer.get_data(as_text=True)


def test_list_board_without_javascript_and_depart(app, centre, rp):
    decide_all(app, centre, ["Savchuk", "Hrytsenko"])
    made = rp.submit("/transfers/batches/new", {
        "destination": BOEBLINGEN, "departs_on": "2022-04-01", "departs_time": "18:00",
        "seats": "20"}, form_page="/transfers/batches/new")
    assert made.status_code == 302
    path = made.headers["Location"]
    batch_id = int(re.search(r"/batches/(\d+)", path).group(1))
    page = rp.get(path).get_data(as_text=True)
    assert centre.refs["Savchuk"] in page
    added = rp.submit(f"/transfers/batches/{batch_id}/households",
                      {"households": [centre.refs["Savchuk"], centre.refs["Hrytsenko"]]},
                      form_page=path)
    assert added.status_code == 302
    page = rp.get(path).get_data(as_text=True)
    assert "3 / 20" in page
    assert "Aufnahmeplatz bestätigen" in page or "zuerst den Aufnahmeplatz" in page
    boarding = f"/transfers/batches/{batch_id}/boarding"
    answer = rp.submit(boarding, {"code": centre.tokens["Oksana"]}, form_page=boarding)
    assert answer.status_code == 200 and "Eingestiegen" in answer.get_data(as_text=True)
    departed = rp.submit(f"/transfers/batches/{batch_id}/depart", {}, form_page=path)
    assert departed.status_code == 302
    with app.app_context():
        assert db.session.get(TransferBatch, batch_id).state == "departed"
    page = rp.get(path).get_data(as_text=True)
    assert "Abgefahren: 1 Person als verlegt ausgecheckt." in page
    assert "2 Personen fehlten und bleiben." in page


def test_the_handover_page_shows_the_password_once_and_is_not_cached(app, centre, rp):
    decide_all(app, centre, ["Savchuk"])
    batch_id = new_batch(app)
    with app.app_context():
        transfers.add_household(db.session.get(TransferBatch, batch_id),
                                household_by_ref(centre.refs["Savchuk"]))
        db.session.commit()
    path = f"/transfers/batches/{batch_id}"
    answer = rp.submit(f"{path}/handover", {}, form_page=path)
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    password = re.search(r'id="handover-password">([A-Z0-9-]+)<', answer.get_data(as_text=True))
    assert password and len(password.group(1)) == 29
    assert password.group(1) not in rp.get(path).get_data(as_text=True)


def test_an_administrator_completes_a_reception_contact(app, client, make_user, destinations):
    assert client.login(make_user("admin"), PASSWORD).status_code == 302
    with app.app_context():
        destination_id = transfers.destination_by_key(BOEBLINGEN).id
    page = f"/transfers/destinations/{destination_id}"
    answer = client.submit(page, {"reception": "Landratsamt Böblingen, Amt für Migration",
                                  "contact_email": "aufnahme@example.org",
                                  "contact_phone": "07031 663-0", "weight": "393",
                                  "active": "y"}, form_page=page)
    assert answer.status_code == 302
    listing = client.get("/transfers/destinations").get_data(as_text=True)
    assert "aufnahme@example.org" in listing
    bad = client.submit(page, {"reception": "x", "contact_email": "kaputt", "weight": "-1",
                               "active": "y"}, form_page=page)
    assert bad.status_code == 422


def test_the_quota_and_overview_pages_show_no_names(app, centre, rp):
    decide_all(app, centre, ["Kovalenko"])
    for path in ("/transfers/", "/transfers/quota"):
        body = rp.get(path).get_data(as_text=True)
        assert "Kovalenko" not in body and "Natalia" not in body
    assert "Rhein-Neckar-Kreis" in rp.get("/transfers/quota").get_data(as_text=True)
