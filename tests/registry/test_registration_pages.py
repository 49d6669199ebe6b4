"""The intake pages as a clerk uses them on a tablet: one form for the household,
members added and removed, MRZ read, suggestions confirmed, retries harmless."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from arrival.extensions import db
from arrival.registry.models import Household, Person
from tests.support import form_errors

SPECIMEN_MRZ = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
                "L898902C36UTO7408122F1204159ZE184226B<<<<<10")


def hidden_value(html: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html).group(1)


def input_value(html: str, field_id: str) -> str:
    match = re.search(rf'id="{field_id}"[^>]*value="([^"]*)"', html)
    return match.group(1) if match else ""


def person_fields(index: int, **values) -> dict:
    base = {"relation": "head" if index == 0 else "child", "family_name": "Kovalenko",
            "given_names": "Iryna", "sex": "female", "date_of_birth": "1985-04-02",
            "nationality": "UKR", "document-type": "biometric_passport",
            "document-number": f"FA00000{index}", "document-issuing_country": "UKR"}
    base.update(values)
    return {f"persons-{index}-{k}": v for k, v in base.items()}


@pytest.fixture
def form_page(client, signed_in, freeze_registration_clock):
    signed_in("intake")
    html = client.get("/households/new").get_data(as_text=True)
    return html


@pytest.fixture
def send(client, form_page):
    key = hidden_value(form_page, "idempotency_key")

    def post(action: str = "save", **fields):
        data = {"idempotency_key": key, "arrived_at": "2022-03-14T10:30",
                "arrival_point": "main_station", "action": action, **fields}
        return client.submit("/households/new", data, form_page="/households/new")

    return post


def households(app) -> list[Household]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Household)).all()
        for row in rows:
            _ = row.persons
        db.session.expunge_all()
        return rows


def test_the_form_starts_with_one_person_and_a_fresh_key(form_page):
    assert 'name="persons-0-family_name"' in form_page
    assert 'name="persons-1-family_name"' not in form_page
    assert len(hidden_value(form_page, "idempotency_key")) == 36


def test_add_child_copies_the_family_name_of_the_head(send):
    html = send("add_child", **person_fields(0, family_name="Bondar")).get_data(as_text=True)
    assert input_value(html, "persons-1-family_name") == "Bondar"
    assert 'value="child" selected' in html or 'selected value="child"' in html


def test_a_person_can_be_removed_again(send):
    fields = {**person_fields(0), **person_fields(1, given_names="Taras")}
    html = send("remove:1", **fields).get_data(as_text=True)
    assert 'name="persons-1-family_name"' not in html
    assert input_value(html, "persons-0-given_names") == "Iryna"


def test_reading_the_mrz_fills_name_sex_birth_nationality_and_document(send):
    html = send("read_mrz:0", **{"persons-0-mrz": SPECIMEN_MRZ, "persons-0-relation": "head"}
                ).get_data(as_text=True)
    assert input_value(html, "persons-0-family_name") == "ERIKSSON"
    assert input_value(html, "persons-0-given_names") == "ANNA MARIA"
    assert input_value(html, "persons-0-date_of_birth") == "1974-08-12"
    assert input_value(html, "persons-0-document-number") == "L898902C3"


def test_a_wrong_check_digit_is_shown_at_the_mrz_field_in_german(send):
    broken = SPECIMEN_MRZ.replace("L898902C36", "L898902C37")
    response = send("read_mrz:0", **{"persons-0-mrz": broken})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "persons-0-mrz" in form_errors(html)
    assert "Prüfziffer der Dokumentnummer ist falsch." in html


def test_cyrillic_only_names_get_a_suggestion_the_clerk_confirms(send):
    fields = person_fields(0, family_name="", given_names="",
                           family_name_cyrillic="Гончаренко", given_names_cyrillic="Юлія")
    html = send("add_member", **fields).get_data(as_text=True)
    assert "Honcharenko" in html and input_value(html, "persons-0-family_name") == ""
    confirmed = send("accept_latin:0", **fields).get_data(as_text=True)
    assert input_value(confirmed, "persons-0-family_name") == "Honcharenko"
    assert input_value(confirmed, "persons-0-given_names") == "Yuliia"


def test_a_household_is_registered_and_shown(app, client, send):
    response = send(**person_fields(0), **person_fields(1, given_names="Taras", sex="male",
                                                        date_of_birth="2012-09-01"))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kovalenko, Iryna" in page and "Kovalenko, Taras" in page
    assert "registriert" in page


def test_a_retried_submit_creates_exactly_one_household(app, client, send):
    fields = person_fields(0)
    first, second = send(**fields), send(**fields)
    assert first.headers["Location"] == second.headers["Location"]
    assert len(households(app)) == 1
    assert "war schon gespeichert" in client.get(second.headers["Location"]).get_data(
        as_text=True)


def test_an_error_is_shown_at_its_field_and_nothing_is_saved(app, send):
    response = send(**person_fields(0, date_of_birth="2031-01-01"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "persons-0-date_of_birth" in form_errors(html)
    assert "Das Geburtsdatum liegt in der Zukunft." in html
    assert households(app) == []


def test_a_likely_duplicate_is_shown_and_can_be_registered_with_a_reason(
        app, client, signed_in, freeze_registration_clock):
    signed_in("intake")

    def submit(**fields):
        key = hidden_value(client.get("/households/new").get_data(as_text=True),
                           "idempotency_key")
        return client.submit("/households/new", {
            "idempotency_key": key, "arrived_at": "2022-03-14T10:30", "action": "save",
            **fields}, form_page="/households/new")

    submit(**person_fields(0))
    again = person_fields(0, family_name="Kowalenko", **{"document-number": "FA999999"})
    shown = submit(**again)
    assert shown.status_code == 409
    assert "Möglicherweise schon registriert" in shown.get_data(as_text=True)
    assert len(households(app)) == 1
    registered = submit(**again, duplicate_reason="Zwillingsschwester, anderer Pass")
    assert registered.status_code == 302
    assert len(households(app)) == 2


def test_a_form_key_used_for_one_household_is_not_reused_for_another(app, send):
    send(**person_fields(0))
    response = send(**person_fields(0, given_names="Oksana", date_of_birth="1990-01-01"))
    assert response.status_code == 422
    assert "schon für eine andere Registrierung verwendet" in response.get_data(as_text=True)
    assert len(households(app)) == 1


def test_a_child_older_than_the_head_must_be_confirmed(app, send):
    fields = {**person_fields(0), **person_fields(1, given_names="Taras",
                                                  date_of_birth="1980-01-01")}
    pending = send(**fields)
    assert pending.status_code == 422
    assert "nicht mindestens 12 Jahre jünger" in pending.get_data(as_text=True)
    assert send(**fields, confirm_warnings="y").status_code == 302


class TestHouseholdPage:
    @pytest.fixture
    def ref(self, app, send):
        send(**person_fields(0, flags=["pregnant"]))
        return households(app)[0].ref

    def test_housing_sees_vulnerabilities_but_not_documents(self, client, signed_in, ref):
        signed_in("housing")
        html = client.get(f"/households/{ref}").get_data(as_text=True)
        assert "Schwanger" in html and "FA000000" not in html

    def test_the_security_office_sees_documents_but_not_vulnerabilities(self, client,
                                                                         signed_in, ref):
        signed_in("caseworker", authority="auslaenderbehoerde")
        html = client.get(f"/households/{ref}").get_data(as_text=True)
        assert "FA000000" in html and "Schwanger" not in html

    def test_the_history_lists_the_changes(self, client, ref):
        html = client.get(f"/households/{ref}").get_data(as_text=True)
        assert "Haushalt angelegt" in html and "Person angelegt" in html


class TestAddMember:
    def test_a_person_who_arrives_later_joins_the_household(self, app, client, send):
        send(**person_fields(0))
        ref = households(app)[0].ref
        response = client.submit(f"/households/{ref}/members/new", {
            "person-relation": "child", "person-family_name": "Kovalenko",
            "person-given_names": "Mykola", "person-sex": "male",
            "person-date_of_birth": "2010-02-02", "person-nationality": "UKR",
            "person-document-type": "none"}, form_page=f"/households/{ref}/members/new")
        assert response.status_code == 302
        assert len(households(app)[0].persons) == 2


class TestEditPerson:
    @pytest.fixture
    def person(self, app, send):
        send(**person_fields(0))
        with app.app_context():
            person = db.session.scalars(sa.select(Person)).one()
            return person.public_id, person.version

    def edit(self, client, public_id, version, **changes):
        fields = {k.replace("persons-0", "person"): v for k, v in person_fields(0).items()}
        fields.update(changes)
        return client.submit(f"/persons/{public_id}/edit", {**fields, "version": str(version)},
                             form_page=f"/persons/{public_id}/edit")

    def test_an_edit_is_saved_and_audited(self, app, client, person):
        public_id, version = person
        assert self.edit(client, public_id, version, **{"person-given_names": "Iryna Maria"}
                         ).status_code == 302
        with app.app_context():
            assert db.session.scalars(sa.select(Person.given_names)).one() == "Iryna Maria"

    def test_a_stale_edit_shows_what_changed_and_overwrites_nothing(self, app, client, person):
        public_id, version = person
        self.edit(client, public_id, version, **{"person-given_names": "Iryna Maria"})
        stale = self.edit(client, public_id, version, **{"person-family_name": "Kowalenko"})
        html = stale.get_data(as_text=True)
        assert stale.status_code == 409
        assert "Jemand anderes hat diese Person geändert" in html and "given_names" in html
        with app.app_context():
            person = db.session.scalars(sa.select(Person)).one()
            assert (person.family_name, person.given_names) == ("Kovalenko", "Iryna Maria")
