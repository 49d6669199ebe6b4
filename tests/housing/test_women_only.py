"""Women-and-children-only units take no adult man — not only in proposals but in
every way a bed is given (assign, move; pages and API) — unless the exception is
given a reason, which is audited."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from arrival.audit.models import AuditEvent
from arrival.extensions import db
from arrival.housing.models import Bed, Stay
from arrival.registry.operations import household_by_ref
from tests.factories import person_payload

REASON = "Vater allein mit Säugling, Ersatzraum morgen frei"


@pytest.fixture
def couple(make_household):
    return make_household(
        person_payload(document={"type": "none"}),
        person_payload(relation="spouse", given_names="Petro", sex="male",
                       date_of_birth="1980-01-01", document={"type": "none"}))


@pytest.fixture
def mother_and_boy(make_household):
    return make_household(
        person_payload(family_name="Melnyk", document={"type": "none"}),
        person_payload(family_name="Melnyk", relation="child", given_names="Ivan", sex="male",
                       date_of_birth="2014-02-02", document={"type": "none"}))


@pytest.fixture
def women_only(make_site):
    return make_site(4, unit_flags={"women_only": True})


def bed_ids(app, unit_id: int) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Bed.id).where(Bed.unit_id == unit_id)
                                       .order_by(Bed.position)))


def persons_of(app, ref) -> list[str]:
    with app.app_context():
        return [p.public_id for p in household_by_ref(ref).persons]


def stay_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Stay.id)))


def exceptions(app) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.entity_type == "stay",
            AuditEvent.fields.is_not(None)).order_by(AuditEvent.id)))


def override_rows(app):
    return [e for e in exceptions(app) if "women_only_override" in (e.fields or [])]


class TestTheApi:
    @pytest.fixture(autouse=True)
    def _clerk(self, signed_in):
        signed_in("intake")

    def test_assigning_an_adult_man_is_refused_at_the_override_field(
            self, app, client, couple, women_only):
        response = client.post_json("/api/v1/stays", {
            "household_ref": couple, "bed_ids": bed_ids(app, women_only["units"][0])[:2]})
        assert response.status_code == 422
        assert "women_only_override" in response.json["fields"]
        assert "nur für Frauen und Kinder" in response.json["fields"]["women_only_override"][0]
        assert stay_count(app) == 0

    def test_a_mother_with_a_young_son_is_placed(self, app, client, mother_and_boy, women_only):
        response = client.post_json("/api/v1/stays", {
            "household_ref": mother_and_boy,
            "bed_ids": bed_ids(app, women_only["units"][0])[:2]})
        assert response.status_code == 201
        assert override_rows(app) == []

    def test_with_a_reason_the_exception_is_made_and_audited(self, app, client, couple,
                                                             women_only):
        response = client.post_json("/api/v1/stays", {
            "household_ref": couple, "bed_ids": bed_ids(app, women_only["units"][0])[:2],
            "women_only_override": REASON})
        assert response.status_code == 201
        man_stay = next(s["id"] for s in response.json["stays"]
                        if s["person_id"] == persons_of(app, couple)[1])
        rows = override_rows(app)
        assert [(r.entity_id, r.detail) for r in rows] == [
            (str(man_stay), f"women-only unit exception: {REASON}")]

    def test_moving_an_adult_man_there_is_refused(self, app, client, couple, women_only,
                                                  make_site):
        plain = make_site(2)
        assert client.post_json("/api/v1/stays", {
            "household_ref": couple, "bed_ids": bed_ids(app, plain["units"][0])}
        ).status_code == 201
        man = persons_of(app, couple)[1:]
        response = client.post_json("/api/v1/stays/move", {
            "person_ids": man, "bed_ids": bed_ids(app, women_only["units"][0])[:1]})
        assert response.status_code == 422
        assert "women_only_override" in response.json["fields"]
        assert stay_count(app) == 2
        moved = client.post_json("/api/v1/stays/move", {
            "person_ids": man, "bed_ids": bed_ids(app, women_only["units"][0])[:1],
            "women_only_override": REASON})
        assert moved.status_code == 201
        assert len(override_rows(app)) == 1


class TestThePage:
    def test_the_place_page_refuses_and_then_accepts_with_a_reason(
            self, app, client, signed_in, couple, women_only):
        signed_in("housing")
        page = f"/housing/households/{couple}/place"
        form = {"person": persons_of(app, couple), "unit": str(women_only["units"][0])}
        refused = client.submit(page, form, form_page=page)
        assert refused.status_code == 422
        assert "nur für Frauen und Kinder" in refused.get_data(as_text=True)
        assert stay_count(app) == 0
        accepted = client.submit(page, {**form, "women_only_override": REASON},
                                 form_page=page)
        assert accepted.status_code == 302
        assert stay_count(app) == 2 and len(override_rows(app)) == 1
