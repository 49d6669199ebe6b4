"""The persons' rights: the Art. 15 access report (JSON and PDF, audited), erasure
with the legal-hold check (Art. 17), restriction that hides the record from every
role but data protection and the administrator (Art. 18)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from arrival.audit.models import AuditEvent
from arrival.cases.models import ClarificationItem
from arrival.catalog.operations import authority_by_code
from arrival.core.clock import now
from arrival.extensions import db
from arrival.privacy.models import PrivacyRequest
from arrival.registry.models import Household, Person
from arrival.registry.operations import household_by_ref
from tests.factories import person_payload
from tests.privacy.conftest import utc

ARRIVED = utc(2022, 3, 1, 10)


def pdf_text(data: bytes) -> str:
    import io

    import pypdfium2

    document = pypdfium2.PdfDocument(io.BytesIO(data))
    try:
        return "".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


@pytest.fixture
def family(app, stay_and_leave):
    with app.app_context():
        ref = stay_and_leave(
            person_payload(family_name="Bondarenko", given_names="Oksana",
                           patronymic="Петрівна", notes="Asthma"),
            person_payload(family_name="Bondarenko", given_names="Taras", relation="child",
                           sex="male", date_of_birth="2012-09-30", document={"type": "none"}),
            arrived=ARRIVED, left=None)
        household = household_by_ref(ref)
        return {"ref": ref, "head": household.persons[0].public_id,
                "child": household.persons[1].public_id, "id": household.id}


def open_procedure(app, family):
    with app.app_context():
        person = db.session.scalar(sa.select(Person).where(Person.public_id == family["head"]))
        db.session.add(ClarificationItem(
            household_id=family["id"], person_id=person.id, topic="residence_permit",
            authority_id=authority_by_code("auslaenderbehoerde").id, due_on=now().date(),
            state="in_progress"))
        db.session.commit()


class TestAccessReport:
    def test_the_json_holds_every_field_the_stays_and_who_read_the_record(
            self, app, client, signed_in, family):
        signed_in("intake")
        assert client.get(f"/households/{family['ref']}").status_code == 200
        client.logout()
        signed_in("data_protection")
        response = client.get(f"/api/v1/privacy/persons/{family['head']}/access-report"
                              "?household=1")
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        report = response.json
        head = report["persons"][0]
        assert head["person"]["patronymic"] == "Петрівна" and head["person"]["notes"] == "Asthma"
        assert head["documents"][0]["number"] == "FB123456"
        assert head["stays"][0]["destination"] is None and head["stays"][0]["site"]
        assert len(report["persons"]) == 2 and report["household"]["phone"]
        assert any(e["action"] == "view" and e["entity_type"] == "household"
                   for e in report["audit"])
        assert "token_hash" not in str(report["persons"][0]["cards"])

    def test_producing_it_is_audited(self, app, client, signed_in, family):
        username = signed_in("data_protection")
        client.get(f"/privacy/persons/{family['child']}/access-report?format=json")
        with app.app_context():
            event = db.session.scalars(sa.select(AuditEvent).where(
                AuditEvent.username == username, AuditEvent.action == "export")).one()
            assert event.person_ids == [family["child"]]
            assert db.session.scalar(sa.select(PrivacyRequest.kind)) == "access"

    def test_the_pdf_is_german_with_ukrainian_labels(self, client, signed_in, family):
        signed_in("data_protection")
        response = client.get(f"/privacy/persons/{family['head']}/access-report?format=pdf")
        assert response.status_code == 200 and response.data.startswith(b"%PDF")
        text = pdf_text(response.data)
        assert "Auskunft nach Art. 15 DSGVO" in text and "Інформація згідно" in text
        assert "Bondarenko" in text

    def test_only_the_head_asks_for_the_whole_household(self, client, signed_in, family):
        signed_in("data_protection")
        response = client.get(f"/api/v1/privacy/persons/{family['child']}/access-report"
                              "?household=1")
        assert response.status_code == 422 and "household" in response.json["fields"]

    def test_the_cli_writes_the_report(self, app, cli, family, tmp_path):
        out = tmp_path / "report.json"
        result = cli.invoke(args=["privacy", "access-report", family["head"], "--format",
                                  "json", "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert "Bondarenko" in out.read_text(encoding="utf-8")


class TestErasure:
    def test_an_erasure_anonymises_the_household_and_is_recorded(
            self, app, client, signed_in, family):
        signed_in("data_protection")
        response = client.post_json(f"/api/v1/privacy/persons/{family['head']}/erasure",
                                    {"reason": "Letter of 20 March", "household": True})
        assert response.status_code == 200, response.json
        assert response.json["anonymised"] is True
        with app.app_context():
            household = db.session.get(Household, family["id"])
            assert household.anonymised_at and household.phone is None
            assert {p.family_name for p in household.persons} == {"—"}
            entry = db.session.scalar(sa.select(PrivacyRequest))
            assert (entry.kind, entry.outcome, entry.reason) == ("erasure", "done",
                                                                 "Letter of 20 March")

    def test_an_open_procedure_of_the_auslaenderbehoerde_refuses_it_with_the_reason(
            self, app, client, signed_in, family):
        open_procedure(app, family)
        signed_in("data_protection")
        response = client.post_json(f"/api/v1/privacy/persons/{family['head']}/erasure",
                                    {"reason": "Letter of 20 March"})
        assert response.status_code == 422
        assert "Ausländerbehörde" in response.json["fields"]["reason"][0]
        with app.app_context():
            person = db.session.scalar(sa.select(Person).where(
                Person.public_id == family["head"]))
            assert person.family_name == "Bondarenko"
            entry = db.session.scalar(sa.select(PrivacyRequest))
            assert entry.outcome == "refused" and "Ausländerbehörde" in entry.refusal

    def test_restriction_is_allowed_under_the_hold(self, app, client, signed_in, family):
        open_procedure(app, family)
        signed_in("data_protection")
        response = client.post_json(f"/api/v1/privacy/persons/{family['head']}/restriction",
                                    {"reason": "Contests accuracy", "household": True})
        assert response.status_code == 200 and response.json["restricted"] is True

    def test_a_reason_is_required(self, client, signed_in, family):
        signed_in("data_protection")
        response = client.post_json(f"/api/v1/privacy/persons/{family['head']}/erasure",
                                    {"reason": "  "})
        assert response.status_code == 422 and "reason" in response.json["fields"]


class TestRestriction:
    @pytest.fixture
    def restricted(self, app, client, signed_in, family):
        signed_in("data_protection")
        assert client.post_json(f"/api/v1/privacy/persons/{family['head']}/restriction",
                                {"reason": "Art. 18", "household": True}).status_code == 200
        client.logout()
        return family

    def test_it_is_hidden_in_search_household_page_and_api(self, client, signed_in,
                                                          restricted):
        signed_in("intake")
        assert "Oksana" not in client.get("/search?q=Bondarenko").get_data(as_text=True)
        assert client.get(f"/households/{restricted['ref']}").status_code == 404
        assert client.get(f"/api/v1/households/{restricted['ref']}").status_code == 404
        assert client.get("/api/v1/persons/search?q=Bondarenko").json.get(
            "persons", []) == []

    TARAS = {"family_name": "Bondarenko", "given_names": "Taras", "sex": "male",
             "date_of_birth": "2012-09-30"}

    def test_it_is_not_offered_as_a_duplicate(self, client, signed_in, family):
        signed_in("intake")
        found = client.post_json("/api/v1/registry/duplicates", self.TARAS).json["candidates"]
        assert [c["person_id"] for c in found] == [family["child"]]
        client.logout()
        signed_in("data_protection")
        assert client.post_json(f"/api/v1/privacy/persons/{family['head']}/restriction",
                                {"reason": "Art. 18", "household": True}).status_code == 200
        client.logout()
        signed_in("intake")
        assert client.post_json("/api/v1/registry/duplicates",
                                self.TARAS).json["candidates"] == []

    def test_it_is_hidden_in_the_queue(self, app, client, signed_in, restricted):
        open_procedure(app, restricted)
        signed_in("caseworker", authority="auslaenderbehoerde")
        page = client.get("/cases/?authority=auslaenderbehoerde").get_data(as_text=True)
        assert "Oksana" not in page and "Taras" not in page
        items = client.get("/api/v1/cases/items?authority=auslaenderbehoerde").json
        assert all(i.get("household_ref") != restricted["ref"] for i in items["items"])

    def test_data_protection_still_sees_it(self, client, signed_in, restricted):
        signed_in("data_protection")
        page = client.get("/privacy/?q=Bondarenko").get_data(as_text=True)
        assert "Bondarenko" in page

    def test_lifting_it_shows_it_again(self, client, signed_in, restricted):
        signed_in("data_protection")
        client.post_json(f"/api/v1/privacy/persons/{restricted['head']}/restriction/lift",
                         {"reason": "Accuracy confirmed", "household": True})
        client.logout()
        signed_in("intake")
        assert client.get(f"/households/{restricted['ref']}").status_code == 200

    def test_the_page_form_restricts(self, app, client, signed_in, family):
        signed_in("data_protection")
        page = client.get(f"/privacy/persons/{family['child']}")
        assert page.status_code == 200
        response = client.submit(f"/privacy/persons/{family['child']}/restrict",
                                 {"reason": "Art. 18 letter"})
        assert response.status_code == 302
        with app.app_context():
            child = db.session.scalar(sa.select(Person).where(
                Person.public_id == family["child"]))
            assert child.restricted_at is not None
            assert db.session.get(Household, family["id"]).restricted_at is None
