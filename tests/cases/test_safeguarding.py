"""Safeguarding at intake: a minor registered without any adult gets the
unaccompanied-minor flag proposed (the clerk confirms or declines; never set
silently) and an urgent Jugendamt item either way; a minor whose adults are not
parents (grandparent, aunt, companion) gets a Jugendamt check ("separated child")."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from arrival.cases import operations as cases
from arrival.extensions import db
from arrival.registry.models import Household, Person
from arrival.registry.operations import household_by_ref
from tests.factories import household_payload, person_payload


@pytest.fixture
def intake(signed_in):
    return signed_in("intake")


def teenager(**fields):  # 15 on the arrival date (14 March 2022) and on the suite's clock
    return person_payload(family_name="Bondar", family_name_cyrillic="", given_names="Maksym",
                          given_names_cyrillic="", sex="male", date_of_birth="2006-09-01",
                          document={"type": "none"}, **fields)


def person(relation, given, born, **fields):
    return person_payload(relation=relation, family_name="Bondar", family_name_cyrillic="",
                          given_names=given, given_names_cyrillic="", date_of_birth=born,
                          document={"type": "none"}, **fields)


def jugendamt_items(app, ref) -> set[tuple[str, str, int]]:
    with app.app_context():
        return {(i.topic, i.person.given_names, i.priority)
                for i in cases.items_of_household(household_by_ref(ref))
                if i.active and i.authority.code == "jugendamt"}


def flags_of(app, given) -> list[str]:
    with app.app_context():
        return db.session.scalars(sa.select(Person).filter_by(given_names=given)).one().flags


class TestAMinorAlone:
    def test_the_flag_is_proposed_and_nothing_is_saved_until_the_clerk_decides(
            self, app, intake, register):
        response = register(household_payload(teenager()))
        assert response.status_code == 422
        assert response.json["code"] == "confirmation_required"
        assert response.json["proposals"] == {"persons.0.flags": ["unaccompanied_minor"]}
        assert "persons.0.flags" in response.json["warnings"]
        with app.app_context():
            assert db.session.scalar(sa.select(sa.func.count(Household.id))) == 0

    def test_confirmed_the_flag_is_set_and_the_jugendamt_gets_an_urgent_item(
            self, app, intake, register):
        response = register(household_payload(teenager(flags=["unaccompanied_minor"])))
        assert response.status_code == 201
        assert flags_of(app, "Maksym") == ["unaccompanied_minor"]
        assert jugendamt_items(app, response.json["ref"]) == {
            ("unaccompanied_minor", "Maksym", 1)}

    def test_declined_no_flag_but_the_jugendamt_item_all_the_same(self, app, intake, register):
        response = register({**household_payload(teenager()), "confirm_warnings": True})
        assert response.status_code == 201
        assert flags_of(app, "Maksym") == []
        assert jugendamt_items(app, response.json["ref"]) == {
            ("unaccompanied_minor", "Maksym", 1)}

    def test_two_siblings_without_an_adult_are_both_proposed(self, app, intake, register):
        response = register(household_payload(
            teenager(), person("sibling", "Sofiia", "2012-02-02", sex="female")))
        assert response.json["proposals"] == {"persons.0.flags": ["unaccompanied_minor"],
                                              "persons.1.flags": ["unaccompanied_minor"]}

    def test_with_a_parent_nothing_is_proposed_and_the_jugendamt_has_nothing(
            self, app, intake, register):
        response = register(household_payload(
            person("head", "Olena", "1980-01-01"), teenager(relation="child")))
        assert response.status_code == 201
        assert jugendamt_items(app, response.json["ref"]) == set()

    def test_the_intake_page_shows_the_proposal_at_the_flags(self, client, intake,
                                                            freeze_registration_clock):
        from tests.registry.test_registration_pages import hidden_value, person_fields

        page = client.get("/households/new").get_data(as_text=True)
        data = {"idempotency_key": hidden_value(page, "idempotency_key"),
                "arrived_at": "2022-03-14T10:30", "action": "save",
                **person_fields(0, given_names="Maksym", sex="male",
                                date_of_birth="2006-09-01", **{"document-type": "none",
                                                              "document-number": ""})}
        response = client.submit("/households/new", data, form_page="/households/new")
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert 'id="persons-0-flags-warning"' in html
        assert "unbegleitete" in html or "unaccompanied minor" in html


@pytest.mark.parametrize("adult_relation, minor_relation", [
    ("head", "other_relative"),  # a grandmother as head with her grandson
    ("grandparent", "head"),  # the boy as head, his grandmother with him
    ("companion", "head"),
    ("sibling", "head"),  # an adult brother
])
def test_a_minor_whose_adults_are_not_parents_gets_a_separated_child_check(
        app, intake, register, adult_relation, minor_relation):
    adult = person(adult_relation, "Halyna", "1955-05-05")
    minor = teenager(relation=minor_relation)
    persons = (adult, minor) if adult_relation == "head" else (minor, adult)
    response = register(household_payload(*persons))
    assert response.status_code == 201, response.json
    assert jugendamt_items(app, response.json["ref"]) == {("separated_child", "Maksym", 2)}


@pytest.mark.parametrize("adult_relation, minor_relation", [
    ("head", "child"), ("spouse", "child"), ("parent", "head"), ("parent", "sibling")])
def test_a_minor_with_a_parent_gets_no_separated_child_check(app, intake, register,
                                                            adult_relation, minor_relation):
    persons = [person("head", "Ivan", "1978-01-01")] if "head" not in (
        adult_relation, minor_relation) else []
    adult = person(adult_relation, "Olena", "1980-01-01", sex="female")
    minor = teenager(relation=minor_relation)
    persons += [adult, minor] if adult_relation == "head" else [minor, adult]
    persons.sort(key=lambda p: p["relation"] != "head")
    response = register({**household_payload(*persons), "confirm_warnings": True})
    assert response.status_code == 201, response.json
    assert jugendamt_items(app, response.json["ref"]) == set()
