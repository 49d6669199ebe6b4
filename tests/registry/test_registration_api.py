"""Registering households through the JSON API: the documented shape, field
groups, idempotency, duplicates, and every bad-input rule."""

from __future__ import annotations

import unicodedata

import pytest
import sqlalchemy as sa

from arrival.audit.models import AuditEvent
from arrival.extensions import db
from arrival.registry.models import Household, Person
from tests.factories import household_payload, person_payload


@pytest.fixture
def intake(signed_in):
    return signed_in("intake")


def household_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Household.id)))


def stored_person(app, **filters) -> Person:
    with app.app_context():
        person = db.session.scalars(sa.select(Person).filter_by(**filters)).one()
        db.session.expunge_all()
        return person


class TestRegister:
    def test_a_family_of_four_is_registered_with_reference_and_person_ids(self, app, intake,
                                                                          register):
        family = household_payload(
            person_payload(),
            person_payload(relation="spouse", given_names="Andrii", given_names_cyrillic="Андрій",
                           sex="male", date_of_birth="1982-07-01",
                           document={"type": "passport", "number": "FB654321"}),
            person_payload(relation="child", given_names="Sofiia", given_names_cyrillic="Софія",
                           date_of_birth="2015-05-20", document={"type": "birth_certificate",
                                                                 "number": "I-KB123456"}),
            person_payload(relation="grandparent", family_name="Bondarenko",
                           family_name_cyrillic="Бондаренко", given_names="Halyna",
                           given_names_cyrillic="Галина", date_of_birth=None, birth_year=1950,
                           flags=["reduced_mobility"], document={"type": "none"}),
        )
        response = register(family, key="k-family")
        assert response.status_code == 201
        body = response.json
        assert body["ref"].startswith("H-") and len(body["persons"]) == 4
        assert all(len(p["id"]) == 36 for p in body["persons"])
        grandmother = stored_person(app, given_names="Halyna")
        assert grandmother.birth_date_estimated and grandmother.date_of_birth is None
        assert grandmother.birth_year == 1950 and grandmother.flags == ["reduced_mobility"]

    def test_the_phone_is_stored_in_international_form(self, app, intake, register):
        register(household_payload(phone="0711 2167 0"))
        with app.app_context():
            assert db.session.scalar(sa.select(Household.phone)) == "+4971121670"

    def test_the_household_can_be_read_back_by_its_reference(self, client, intake, register):
        ref = register().json["ref"]
        body = client.get(f"/api/v1/households/{ref.lower().replace('-', '')}").json
        assert body["ref"] == ref and body["persons"][0]["family_name"] == "Shevchenko"

    def test_a_mistyped_reference_is_not_found(self, client, intake, register):
        ref = register().json["ref"]
        wrong = ref[:-1] + ("A" if ref[-1] != "A" else "B")
        assert client.get(f"/api/v1/households/{wrong}").status_code == 404

    def test_reading_a_household_is_audited(self, app, client, intake, register):
        ref = register().json["ref"]
        client.get(f"/api/v1/households/{ref}")
        with app.app_context():
            actions = db.session.scalars(sa.select(AuditEvent.action).where(
                AuditEvent.entity_type == "household")).all()
        assert actions == ["create", "view"]

    def test_forms_posted_to_the_api_are_refused(self, client, intake):
        response = client.post("/api/v1/households", data={"persons": "x"},
                               headers={"X-CSRFToken": client.csrf_token()})
        assert response.status_code == 415


class TestFieldGroups:
    @pytest.fixture
    def ref(self, app, client, make_user, freeze_registration_clock):
        from tests.factories import PASSWORD

        clerk = make_user("intake")
        client.login(clerk, PASSWORD)
        ref = client.post_json("/api/v1/households", household_payload(
            person_payload(flags=["pregnant"], notes="Termin beim Arzt"))).json["ref"]
        client.logout()
        return ref

    def test_housing_sees_flags_but_no_documents(self, client, signed_in, ref):
        signed_in("housing")
        person = client.get(f"/api/v1/households/{ref}").json["persons"][0]
        assert person["flags"] == ["pregnant"] and "document" not in person

    def test_the_security_office_sees_documents_but_no_health_data(self, client, signed_in, ref):
        signed_in("caseworker", authority="auslaenderbehoerde")
        body = client.get(f"/api/v1/households/{ref}").json
        assert body["persons"][0]["document"]["number"] == "FB123456"
        assert "flags" not in body["persons"][0] and "notes" not in body["persons"][0]

    def test_service_points_cannot_open_households(self, client, signed_in, ref):
        signed_in("service_point")
        assert client.get(f"/api/v1/households/{ref}").status_code == 403


class TestIdempotency:
    def test_the_same_key_again_returns_the_same_household_and_creates_nothing(
            self, app, intake, register):
        first = register(key="tablet-7-0001")
        second = register(key="tablet-7-0001")
        assert (first.status_code, second.status_code) == (201, 200)
        assert first.json["ref"] == second.json["ref"]
        assert household_count(app) == 1

    def test_the_same_key_with_a_different_body_is_refused(self, app, intake, register):
        register(key="tablet-7-0002")
        other = household_payload(person_payload(given_names="Iryna"))
        response = register(other, key="tablet-7-0002")
        assert response.status_code == 422 and response.json["code"] == "idempotency_key_reused"
        assert household_count(app) == 1

    def test_a_refused_request_does_not_use_up_its_key(self, app, intake, register):
        bad = household_payload(person_payload(sex="robot"))
        assert register(bad, key="tablet-7-0003").status_code == 422
        assert register(key="tablet-7-0003").status_code == 201


class TestDuplicates:
    @pytest.fixture
    def registered(self, intake, register):
        return register().json

    @pytest.mark.parametrize("variant", [
        {"family_name": "Schewtschenko", "given_names": "Jelena"},
        {"family_name": "Ševčenko", "given_names": "Olena"},
        {"family_name": "", "given_names": "", "family_name_cyrillic": "Шевченко",
         "given_names_cyrillic": "Елена"},
        {"date_of_birth": "1984-12-03"},
        {"date_of_birth": None, "birth_year": 1984},
        {"family_name": "Shevchneko"},
    ], ids=["german", "iso9", "russian-cyrillic", "swapped-date", "year-only", "typo"])
    def test_variants_of_a_registered_person_are_likely_candidates(self, client, registered,
                                                                   variant):
        probe = person_payload(document=None, **variant)
        probe = {k: v for k, v in probe.items() if v not in (None, "")}
        candidates = client.post_json("/api/v1/registry/duplicates", probe).json["candidates"]
        assert candidates and candidates[0]["likely"]
        assert candidates[0]["household_ref"] == registered["ref"]
        assert candidates[0]["person_id"] == registered["persons"][0]["id"]
        assert candidates[0]["reasons"]

    def test_an_equal_document_number_is_always_a_candidate(self, client, registered):
        probe = {"family_name": "Koval", "given_names": "Ivan", "date_of_birth": "1990-01-01",
                 "document": {"number": "fb 123456"}}
        candidate = client.post_json("/api/v1/registry/duplicates", probe).json["candidates"][0]
        assert candidate["reasons"][0] == "same_document" and candidate["likely"]

    def test_a_sister_is_not_a_likely_duplicate(self, client, registered):
        probe = person_payload(given_names="Iryna", given_names_cyrillic="Ірина",
                               date_of_birth="1988-06-30", document=None)
        candidates = client.post_json("/api/v1/registry/duplicates", probe).json["candidates"]
        assert not any(c["likely"] for c in candidates)

    def test_registering_a_likely_duplicate_needs_a_reason(self, app, client, registered,
                                                          register):
        again = household_payload(person_payload(family_name="Schewtschenko",
                                                 document={"type": "none"}))
        refused = register(again)
        assert refused.status_code == 409 and refused.json["code"] == "possible_duplicate"
        assert refused.json["candidates"]["0"][0]["household_ref"] == registered["ref"]
        assert household_count(app) == 1
        accepted = register({**again, "duplicate_reason": "Namensgleichheit, andere Person"})
        assert accepted.status_code == 201
        with app.app_context():
            events = db.session.scalars(sa.select(AuditEvent.detail).where(
                AuditEvent.entity_type == "duplicate_decision")).all()
        assert len(events) == 1 and "likely duplicate" in events[0]

    def test_the_duplicate_check_answers_any_subset_of_fields(self, client, registered):
        response = client.post_json("/api/v1/registry/duplicates", {"family_name": "Шевченко"})
        assert response.status_code == 200 and response.json["candidates"]


class TestBadInput:
    @pytest.mark.parametrize("fields, path", [
        ({"family_name": ""}, "persons.0.family_name"),
        ({"family_name": "x" * 101}, "persons.0.family_name"),
        ({"given_names": "Olena\x07"}, "persons.0.given_names"),
        ({"sex": "robot"}, "persons.0.sex"),
        ({"date_of_birth": "2030-01-01"}, "persons.0.date_of_birth"),
        ({"date_of_birth": "1890-01-01"}, "persons.0.date_of_birth"),
        ({"date_of_birth": "31.02.1984"}, "persons.0.date_of_birth"),
        ({"date_of_birth": None}, "persons.0.date_of_birth"),
        ({"date_of_birth": None, "birth_year": 2031}, "persons.0.birth_year"),
        ({"nationality": "XYZ"}, "persons.0.nationality"),
        ({"flags": ["flying"]}, "persons.0.flags"),
        ({"document": {"type": "passport", "number": ""}}, "persons.0.document.number"),
        ({"document": {"type": "passport", "number": "AB 12<34"}}, "persons.0.document.number"),
        ({"relation": "spouse"}, "persons.0.relation"),
    ])
    def test_each_bad_field_is_named_and_nothing_is_saved(self, app, intake, register, fields,
                                                          path):
        response = register(household_payload(person_payload(**fields)))
        assert response.status_code == 422
        assert response.json["code"] == "validation_failed"
        assert path in response.json["fields"], response.json["fields"]
        assert household_count(app) == 0

    @pytest.mark.parametrize("fields, path", [
        ({"phone": "12"}, "phone"),
        ({"arrived_at": "2022-03-14T10:30:00"}, "arrived_at"),
        ({"arrived_at": "2030-03-14T10:30:00+01:00"}, "arrived_at"),
        ({"arrival_point": "airport"}, "arrival_point"),
        ({"persons": []}, "persons"),
    ])
    def test_bad_household_fields_are_named(self, intake, register, fields, path):
        response = register(household_payload(**fields))
        assert response.status_code == 422 and path in response.json["fields"]

    def test_errors_are_reported_for_every_person_at_once(self, intake, register):
        response = register(household_payload(
            person_payload(sex="x"), person_payload(relation="child", given_names="")))
        assert {"persons.0.sex", "persons.1.given_names"} <= response.json["fields"].keys()

    def test_names_are_normalised_to_nfc_and_zero_width_characters_removed(self, app, intake,
                                                                         register):
        decomposed = unicodedata.normalize("NFD", "Ševčenko")
        register(household_payload(person_payload(family_name=decomposed + "\u200b",
                                                  given_names="Ole\u200dna")))
        person = stored_person(app, given_names="Olena")
        assert person.family_name == "Ševčenko"
        assert unicodedata.is_normalized("NFC", person.family_name)

    def test_a_child_older_than_its_parent_needs_confirmation(self, app, intake, register):
        family = household_payload(person_payload(), person_payload(
            relation="child", given_names="Taras", sex="male", date_of_birth="1980-01-01",
            document={"type": "none"}))
        pending = register(family)
        assert pending.status_code == 422 and pending.json["code"] == "confirmation_required"
        assert "persons.1.date_of_birth" in pending.json["warnings"]
        assert register({**family, "confirm_warnings": True}).status_code == 201

    def test_the_messages_are_german_by_default(self, intake, register):
        response = register(household_payload(person_payload(date_of_birth="2030-01-01")))
        assert response.json["fields"]["persons.0.date_of_birth"] == [
            "Das Geburtsdatum liegt in der Zukunft."]


class TestSearch:
    @pytest.fixture
    def ref(self, intake, register):
        return register().json["ref"]

    @pytest.mark.parametrize("query", [
        "Шевченко", "Schewtschenko Olena", "Olena Shevchenko", "12.03.1984", "1984-03-12",
        "FB123456", "shevchenko 1984",
    ])
    def test_a_person_is_found_by_any_spelling_date_or_document(self, client, ref, query):
        persons = client.get("/api/v1/persons/search", query_string={"q": query}).json["persons"]
        assert [p["household_ref"] for p in persons] == [ref]

    def test_the_household_reference_finds_its_members_in_any_case(self, client, ref):
        persons = client.get("/api/v1/persons/search",
                             query_string={"q": ref.lower()}).json["persons"]
        assert len(persons) == 1

    def test_other_names_are_not_found(self, client, ref):
        for query in ("Kovalenko", "01.01.1999", "Iryna Shevchenko"):
            assert client.get("/api/v1/persons/search",
                              query_string={"q": query}).json["persons"] == []

    def test_the_search_page_lists_results_with_their_household(self, client, ref):
        html = client.get("/search", query_string={"q": "Шевченко"}).get_data(as_text=True)
        assert ref in html and "Shevchenko, Olena" in html


class TestMrzEndpoint:
    SPECIMEN = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
                "L898902C36UTO7408122F1204159ZE184226B<<<<<10")

    def test_a_passport_mrz_is_read(self, client, intake):
        body = client.post_json("/api/v1/registry/mrz", {"mrz": self.SPECIMEN}).json
        assert (body["family_name"], body["given_names"]) == ("ERIKSSON", "ANNA MARIA")
        assert body["date_of_birth"] == "1974-08-12" and body["document"]["number"] == "L898902C3"

    def test_a_wrong_check_digit_names_the_field_it_guards(self, client, intake):
        broken = self.SPECIMEN.replace("7408122F", "7408132F")
        body = client.post_json("/api/v1/registry/mrz", {"mrz": broken}).json
        assert body["code"] == "mrz_invalid"
        assert "date_of_birth" in [e["field"] for e in body["errors"]]
        assert "Geburtsdatum" in body["errors"][0]["message"]

    def test_the_cyrillic_suggestion_follows_the_passport_table(self, client, intake):
        assert client.get("/api/v1/registry/transliterate",
                          query_string={"text": "Щербак Євгенія"}).json == {
            "latin": "Shcherbak Yevheniia"}
