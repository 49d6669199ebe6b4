"""Access and audit hardening (issue 19, items 7, 8, 10, 12 and the access tests of
its last section): what each role may read and change, and that it is audited."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from arrival.audit.models import AuditEvent
from arrival.extensions import db
from tests.factories import household_payload, person_payload


def audit_rows(app, **where) -> list[AuditEvent]:
    with app.app_context():
        query = sa.select(AuditEvent).order_by(AuditEvent.id)
        for column, value in where.items():
            query = query.where(getattr(AuditEvent, column) == value)
        return list(db.session.scalars(query))


class TestPossibleDuplicateAnswer:
    """A 409 shows what the desk needs to decide, and is audited."""

    @pytest.fixture
    def existing(self, app, make_household):
        ref = make_household(person_payload(
            flags=["reduced_mobility"], notes="Diabetes, insulin in the fridge",
            document={"type": "biometric_passport", "number": "FB123456",
                      "issuing_country": "UKR", "expiry": "2030-01-01"}))
        from arrival.registry.operations import household_by_ref

        with app.app_context():
            return {"ref": ref, "person": household_by_ref(ref).persons[0].public_id}

    @pytest.fixture
    def refused(self, client, signed_in, register, existing):
        signed_in("intake")
        response = register(household_payload(person_payload(document={"type": "none"})))
        assert response.status_code == 409
        assert response.json["code"] == "possible_duplicate"
        return response.json["candidates"]["0"][0]

    def test_it_names_reference_names_date_of_birth_and_reasons(self, refused, existing):
        assert refused["household_ref"] == existing["ref"]
        assert refused["reasons"]
        assert refused["person"] == {
            "family_name": "Shevchenko", "given_names": "Olena",
            "family_name_cyrillic": "Шевченко", "given_names_cyrillic": "Олена",
            "date_of_birth": "1984-03-12", "birth_year": 1984}

    def test_it_returns_no_documents_health_flags_or_notes(self, refused):
        text = repr(refused)
        for secret in ("FB123456", "reduced_mobility", "Diabetes", "document", "flags", "notes"):
            assert secret not in text

    def test_it_is_audited_naming_the_person(self, app, refused, existing):
        rows = audit_rows(app, entity_type="duplicate_check")
        assert [r.person_ids for r in rows] == [[existing["person"]]]
