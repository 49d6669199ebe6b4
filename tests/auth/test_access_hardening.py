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


class TestOwnRole:
    """An administrator cannot give itself a data role; role changes are audited
    and listed on the administration's start page."""

    @pytest.fixture
    def admin(self, app, signed_in):
        from arrival.auth.models import User

        username = signed_in("admin")
        with app.app_context():
            user = db.session.scalar(sa.select(User).where(User.username == username))
            return {"id": user.id, "version": user.version, "username": username}

    def edit(self, client, user_id, version, role, authority=""):
        return client.submit(f"/admin/users/{user_id}", {
            "display_name": "", "role": role, "authority": authority, "version": str(version)},
            form_page=f"/admin/users/{user_id}")

    def test_an_administrator_cannot_change_its_own_role(self, app, client, admin):
        from tests.support import form_errors

        response = self.edit(client, admin["id"], admin["version"], "intake")
        assert response.status_code == 422
        assert form_errors(response.get_data(as_text=True)) == ["role"]
        assert "Sie können Ihre eigene Rolle nicht ändern" in response.get_data(as_text=True)
        with app.app_context():
            from arrival.auth.models import User

            assert db.session.get(User, admin["id"]).role == "admin"

    def test_its_own_name_it_may_still_change(self, app, client, admin):
        form = client.get(f"/admin/users/{admin['id']}").get_data(as_text=True)
        assert "Ihre eigene Rolle kann nur ein anderer Administrator ändern" in form
        response = client.submit(f"/admin/users/{admin['id']}", {
            "display_name": "Anna Admin", "role": "admin", "authority": "",
            "version": str(admin["version"])}, form_page=f"/admin/users/{admin['id']}")
        assert response.status_code == 302

    def test_a_role_change_is_audited_old_to_new_and_listed(self, app, client, admin,
                                                            make_user):
        from arrival.auth.models import User

        username = make_user("intake", username="clerk-mila")
        with app.app_context():
            user = db.session.scalar(sa.select(User).where(User.username == username))
            user_id, version = user.id, user.version
        assert self.edit(client, user_id, version, "caseworker", "jugendamt").status_code == 302
        rows = audit_rows(app, entity_type="user_role", entity_id=str(user_id))
        assert [r.detail for r in rows] == ["clerk-mila: — → intake",
                                            "clerk-mila: intake → caseworker (jugendamt)"]
        assert rows[-1].username == admin["username"]
        page = client.get("/admin/users/").get_data(as_text=True)
        listed = page[page.index('id="role-changes"'):]
        assert "clerk-mila: intake → caseworker (jugendamt)" in listed


def item_of(app, ref, topic):
    from arrival.cases.models import ClarificationItem
    from arrival.registry.operations import household_by_ref

    with app.app_context():
        household = household_by_ref(ref)
        return db.session.scalar(sa.select(ClarificationItem.id).where(
            ClarificationItem.household_id == household.id, ClarificationItem.topic == topic))


class TestDocumentNumbersAndHealthNotes:
    @pytest.fixture
    def ref(self, make_household):
        return make_household(person_payload(
            flags=["pregnant"],
            document={"type": "biometric_passport", "number": "FB424242",
                      "issuing_country": "UKR", "expiry": "2030-01-01"}))

    # The roles that may search persons but do not see documents.
    @pytest.mark.parametrize("role, authority", [
        ("housing", None), ("coordinator", None), ("caseworker", "sozialamt"),
        ("caseworker", "jugendamt"), ("caseworker", "gesundheitsamt")])
    def test_a_document_number_finds_nobody_without_the_documents_group(
            self, client, signed_in, ref, role, authority):
        signed_in(role, authority=authority)
        assert client.get("/api/v1/persons/search?q=FB424242").json["persons"] == []
        page = client.get("/search?q=FB424242").get_data(as_text=True)
        assert "Shevchenko" not in page

    @pytest.mark.parametrize("role, authority", [
        ("intake", None), ("caseworker", "auslaenderbehoerde"), ("caseworker", "rp")])
    def test_it_finds_the_holder_for_roles_that_see_documents(self, client, signed_in, ref,
                                                              role, authority):
        signed_in(role, authority=authority)
        found = client.get("/api/v1/persons/search?q=FB424242").json["persons"]
        assert [p["family_name"] for p in found] == ["Shevchenko"]
        assert "Shevchenko" in client.get("/search?q=FB424242").get_data(as_text=True)

    @pytest.fixture
    def noted(self, app, make_user, ref):
        """The health office noted something on its screening item."""
        from tests.factories import PASSWORD

        item_id = item_of(app, ref, "medical_screening")
        c = app.test_client()
        c.login(make_user("caseworker", authority="gesundheitsamt"), PASSWORD)
        page = f"/cases/items/{item_id}"
        version = db_version(app, item_id)
        response = c.submit(page, {"to": "waiting", "waiting_on": "person", "version": version,
                                   "note": "Schwangerschaft 30. Woche, Blutdruck hoch"},
                            form_page=page)
        assert response.status_code == 302
        return item_id

    def test_coordinators_do_not_read_the_health_office_notes(self, client, signed_in, noted):
        signed_in("coordinator")
        page = client.get(f"/cases/items/{noted}").get_data(as_text=True)
        assert "Blutdruck" not in page
        assert "Gesundheitsdaten" in page

    def test_the_health_office_reads_its_own_notes(self, app, client, signed_in, noted):
        signed_in("caseworker", authority="gesundheitsamt")
        assert "Blutdruck" in client.get(f"/cases/items/{noted}").get_data(as_text=True)

    def test_coordinators_read_other_authorities_notes(self, app, client, signed_in,
                                                       make_user, ref):
        from tests.factories import PASSWORD

        item_id = item_of(app, ref, "residence_permit")
        c = app.test_client()
        c.login(make_user("caseworker", authority="auslaenderbehoerde"), PASSWORD)
        page = f"/cases/items/{item_id}"
        c.submit(page, {"to": "waiting", "waiting_on": "person", "note": "Termin am Montag",
                        "version": db_version(app, item_id)}, form_page=page)
        signed_in("coordinator")
        assert "Termin am Montag" in client.get(page).get_data(as_text=True)

    def test_the_case_page_shows_security_caseworkers_documents_but_no_health_flags(
            self, app, client, signed_in, ref):
        signed_in("caseworker", authority="auslaenderbehoerde")
        page = client.get(f"/cases/items/{item_of(app, ref, 'residence_permit')}")
        text = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "FB424242" in text
        assert "Schwanger" not in text and "Vulnerab" not in text

    def test_the_case_page_shows_the_social_office_health_flags_but_no_documents(
            self, app, client, signed_in, ref):
        signed_in("caseworker", authority="sozialamt")
        text = client.get(f"/cases/items/{item_of(app, ref, 'benefits')}").get_data(as_text=True)
        assert "Schwanger" in text and "FB424242" not in text


def db_version(app, item_id) -> str:
    from arrival.cases.models import ClarificationItem

    with app.app_context():
        return str(db.session.get(ClarificationItem, item_id).version)


def test_the_audit_api_lists_the_persons_a_read_showed(app, client, signed_in, make_household):
    from arrival.registry.operations import household_by_ref

    ref = make_household()
    with app.app_context():
        person = household_by_ref(ref).persons[0].public_id
    signed_in("intake")
    assert client.get(f"/households/{ref}").status_code == 200
    client.logout()
    signed_in("admin")
    events = client.get("/api/v1/audit-events?entity_type=household&action=view").json["events"]
    assert events[0]["person_ids"] == [person]
