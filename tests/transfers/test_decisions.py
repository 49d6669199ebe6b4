"""Destinations from the data files, the RP's distribution decision (it closes the
distribution item; families stay together) and the quota view."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from arrival.cases.models import ClarificationItem
from arrival.catalog.operations import CatalogError
from arrival.core.clock import today_local
from arrival.core.validation import Conflict, ValidationFailed
from arrival.extensions import db
from arrival.registry.operations import household_by_ref
from arrival.transfers import operations as transfers
from arrival.transfers.models import TransferDestination
from tests.transfers.conftest import BOEBLINGEN, ESSLINGEN, decide_all


def test_the_44_districts_of_baden_wuerttemberg_and_the_other_laender_are_loaded(
        app, destinations):
    with app.app_context():
        found = transfers.destinations()
        districts = [d for d in found if d.kind in ("stadtkreis", "landkreis")]
        assert len(districts) == 44
        assert sum(d.kind == "stadtkreis" for d in districts) == 9
        assert all(d.key.startswith("08") and len(d.key) == 5 for d in districts)
        assert {d.key for d in found if d.kind == "land"} == {
            "01", "02", "03", "04", "05", "06", "07", "09", "10", "11", "12", "13", "14", "15",
            "16"}
        stuttgart = transfers.destination_by_key("08111")
        assert (stuttgart.name, stuttgart.kind, stuttgart.label) == (
            "Stuttgart", "stadtkreis", "Stuttgart (SK)")
        assert transfers.destination_by_key("08125").label == "Heilbronn (LK)"
        # every district is in the key but the centre's own city (its part stays)
        assert [d.key for d in districts if d.weight is None] == ["08111"]
        assert all(d.reception for d in found)


def test_loading_again_changes_nothing_and_keeps_what_an_administrator_edited(
        app, destinations):
    with app.app_context():
        boeblingen = transfers.destination_by_key(BOEBLINGEN)
        transfers.edit_destination(boeblingen, reception="Landratsamt Böblingen, Amt 32",
                                   contact_email="aufnahme@lrabb.example", contact_phone="07031 1",
                                   weight=400, active=True)
        report = transfers.load_destinations(Path(app.config["CATALOG_DIR"]))
        assert (report.created, report.deactivated) == (0, 0)
        assert boeblingen.contact_email == "aufnahme@lrabb.example"
        assert boeblingen.weight == 400


def test_a_typo_in_the_destination_file_stops_the_load_naming_file_entry_and_key(
        app, tmp_path):
    source = Path(app.config["CATALOG_DIR"])
    for name in ("transfer_destinations.toml", "distribution_key.toml"):
        shutil.copy(source / name, tmp_path / name)
    path = tmp_path / "transfer_destinations.toml"
    path.write_text(path.read_text().replace('key = "08115"\nname = "Böblingen"\nkind = '
                                             '"landkreis"\nregion',
                                             'key = "08115"\nname = "Böblingen"\nkind = '
                                             '"landkreis"\nregoin', 1))
    with app.app_context():
        with pytest.raises(CatalogError, match="transfer_destinations.toml: entry '08115': "
                                               "regoin: unknown key"):
            transfers.load_destinations(tmp_path)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TransferDestination)) == 0


def test_an_administrator_cannot_save_a_wrong_address(app, destinations):
    with app.app_context():
        with pytest.raises(ValidationFailed) as refused:
            transfers.edit_destination(transfers.destination_by_key(BOEBLINGEN), reception="x",
                                       contact_email="not an address", contact_phone="",
                                       weight="", active=True)
        assert "contact_email" in refused.value.errors


def distribution_item(ref):
    return db.session.scalar(sa.select(ClarificationItem).where(
        ClarificationItem.household_id == household_by_ref(ref).id,
        ClarificationItem.topic == "distribution"))


def test_a_transfer_decision_closes_the_distribution_item_of_the_rp(app, centre):
    with app.app_context():
        assert distribution_item(centre.refs["Kovalenko"]).state == "open"
    decide_all(app, centre, ["Kovalenko"])
    with app.app_context():
        item = distribution_item(centre.refs["Kovalenko"])
        assert (item.state, item.resolution) == ("resolved", "transfer")
        decision, = transfers.current_decisions(household_by_ref(centre.refs["Kovalenko"]).id)
        assert decision.destination.key == BOEBLINGEN and not decision.partial
        assert len(decision.persons) == 3


def test_a_stay_decision_resolves_the_item_as_stays(app, centre):
    with app.app_context():
        transfers.decide(household_by_ref(centre.refs["Savchuk"]), kind="stay",
                         reason="works in Stuttgart")
        assert distribution_item(centre.refs["Savchuk"]).resolution == "stays"


def test_deciding_for_part_of_a_household_needs_a_reason(app, centre):
    with app.app_context():
        household = household_by_ref(centre.refs["Hrytsenko"])
        with pytest.raises(ValidationFailed) as refused:
            transfers.decide(household, kind="transfer",
                             destination=transfers.destination_by_key(ESSLINGEN),
                             person_ids=[centre.ids["Halyna"]])
        assert "Familien bleiben zusammen" in refused.value.errors["reason"][0]
        transfers.decide(household, kind="transfer",
                         destination=transfers.destination_by_key(ESSLINGEN),
                         person_ids=[centre.ids["Halyna"]], reason="care place for her husband "
                                                                    "only in Stuttgart")
        decision, = transfers.current_decisions(household.id)
        assert decision.partial and [p.person_id for p in decision.persons] == [
            centre.ids["Halyna"]]


def test_a_partial_decision_shows_on_the_page_of_the_household_for_both_parts(
        app, centre, rp):
    with app.app_context():
        transfers.decide(household_by_ref(centre.refs["Hrytsenko"]), kind="transfer",
                         destination=transfers.destination_by_key(ESSLINGEN),
                         person_ids=[centre.ids["Halyna"]], reason="Tochter in Esslingen")
        db.session.commit()
    page = rp.get(f"/households/{centre.refs['Hrytsenko']}").get_data(as_text=True)
    assert "Tochter in Esslingen" in page
    assert "Esslingen" in page
    # the other part is named as not covered by a decision
    assert "Not covered by a decision" in page or "Von keiner Entscheidung erfasst" in page


@pytest.mark.parametrize("days, message", [(1, "Zukunft"), (400, "mehr als ein Jahr")])
def test_a_decision_dated_in_the_future_or_long_ago_is_refused(app, centre, days, message):
    with app.app_context():
        day = today_local() + timedelta(days=days if message == "Zukunft" else -days)
        with pytest.raises(ValidationFailed) as refused:
            transfers.decide(household_by_ref(centre.refs["Savchuk"]), kind="stay",
                             decided_on=day)
        assert message in refused.value.errors["decided_on"][0]


def test_a_transfer_needs_a_destination(app, centre):
    with app.app_context():
        with pytest.raises(ValidationFailed) as refused:
            transfers.decide(household_by_ref(centre.refs["Savchuk"]), kind="transfer")
        assert "destination" in refused.value.errors


def test_the_quota_suggests_the_district_furthest_below_its_share(app, centre):
    with app.app_context():
        rows, suggestion, total = transfers.quota()
        assert total == 0
        # nobody transferred yet: the largest share is furthest below (Rhein-Neckar-Kreis)
        assert suggestion.destination.key == "08226"
        assert abs(sum(r.share for r in rows) - 1) < 1e-9
    from tests.transfers.conftest import new_batch

    decide_all(app, centre, ["Kovalenko"], destination="08226")
    batch_id = new_batch(app, "08226")
    with app.app_context():
        from arrival.transfers.models import TransferBatch

        transfers.add_household(db.session.get(TransferBatch, batch_id),
                                household_by_ref(centre.refs["Kovalenko"]))
        rows, suggestion, total = transfers.quota()
        assert total == 3
        row = next(r for r in rows if r.destination.key == "08226")
        assert row.planned == 3 and row.transferred == 0
        assert suggestion.destination.key != "08226"


def test_the_household_on_a_bus_list_is_not_decided_again_before_it_leaves_the_list(
        app, centre):
    from tests.transfers.conftest import new_batch

    decide_all(app, centre, ["Savchuk"])
    batch_id = new_batch(app)
    with app.app_context():
        from arrival.transfers.models import TransferBatch

        household = household_by_ref(centre.refs["Savchuk"])
        transfers.add_household(db.session.get(TransferBatch, batch_id), household)
        with pytest.raises(Conflict) as refused:
            transfers.decide(household, kind="stay")
        assert refused.value.code == "on_bus_list"
