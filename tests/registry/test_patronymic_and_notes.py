"""The patronymic (Cyrillic, as in Ukrainian documents, apart from the Latin given
names) at intake and on the household page; notes typed at intake shown to the roles
with the health field group."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from arrival.extensions import db
from arrival.registry.models import Person
from tests.factories import household_payload, person_payload
from tests.registry.test_registration_pages import (  # noqa: F401  (fixtures)
    form_page,
    households,
    person_fields,
    send,
)

NOTE = "Rollator, kann keine Treppen steigen"


@pytest.fixture
def intake(signed_in):
    return signed_in("intake")


def stored(app, given="Olena") -> Person:
    with app.app_context():
        person = db.session.scalars(sa.select(Person).filter_by(given_names=given)).one()
        db.session.expunge_all()
        return person


class TestPatronymicThroughTheApi:
    def test_it_is_stored_apart_from_the_given_names_and_returned(self, app, intake, register):
        response = register(household_payload(person_payload(patronymic="Петрівна")))
        assert response.status_code == 201
        person = stored(app)
        assert (person.given_names, person.patronymic) == ("Olena", "Петрівна")
        assert response.json["persons"][0]["patronymic"] == "Петрівна"

    @pytest.mark.parametrize("typed", ["Petrivna", "Petrівна", "Петрівна1"])
    def test_latin_letters_are_refused_at_the_field(self, app, intake, register, typed):
        response = register(household_payload(person_payload(patronymic=typed)))
        assert response.status_code == 422
        assert list(response.json["fields"]) == ["persons.0.patronymic"]
        assert "kyrillischen" in response.json["fields"]["persons.0.patronymic"][0]

    def test_an_agreeing_patronymic_makes_another_family_name_a_likely_duplicate(
            self, app, intake, register):
        """A married woman registered again under her maiden name."""
        register(household_payload(person_payload(patronymic="Петрівна")))
        again = person_payload(family_name="Bondarenko", family_name_cyrillic="Бондаренко",
                               patronymic="Петрівна", document={"type": "none"})
        refused = register(household_payload(again))
        assert refused.status_code == 409
        reasons = refused.json["candidates"]["0"][0]["reasons"]
        assert "patronymic" in reasons and "family_name_differs" in reasons
        other = person_payload(family_name="Bondarenko", family_name_cyrillic="Бондаренко",
                               patronymic="Іванівна", document={"type": "none"})
        assert register(household_payload(other)).status_code == 201


class TestPatronymicOnThePages:
    def test_the_form_has_the_field_next_to_the_given_names_and_stores_it(self, app, send,
                                                                           form_page):
        assert 'id="persons-0-patronymic"' in form_page
        assert form_page.index("persons-0-given_names_cyrillic") < \
            form_page.index("persons-0-patronymic") < form_page.index("persons-0-relation")
        assert send(**person_fields(0, patronymic="Андріївна")).status_code == 302
        assert stored(app, "Iryna").patronymic == "Андріївна"

    def test_the_household_page_shows_it(self, client, app, send):
        send(**person_fields(0, patronymic="Андріївна"))
        html = client.get(f"/households/{households(app)[0].ref}").get_data(as_text=True)
        assert '<span class="patronymic">Андріївна</span>' in html

    def test_the_edit_form_keeps_it(self, client, app, send):
        send(**person_fields(0, patronymic="Андріївна"))
        person = stored(app, "Iryna")
        html = client.get(f"/persons/{person.public_id}/edit").get_data(as_text=True)
        assert 'value="Андріївна"' in html


class TestNotes:
    @pytest.fixture
    def ref(self, app, send):
        send(**person_fields(0, notes=NOTE))
        return households(app)[0].ref

    @pytest.mark.parametrize("role, authority", [("intake", None), ("housing", None),
                                                 ("caseworker", "sozialamt")])
    def test_notes_typed_at_intake_are_shown_to_roles_with_the_health_group(
            self, client, signed_in, ref, role, authority):
        signed_in(role, authority=authority)
        html = client.get(f"/households/{ref}").get_data(as_text=True)
        assert NOTE in html

    @pytest.mark.parametrize("role, authority", [("coordinator", None),
                                                 ("caseworker", "auslaenderbehoerde")])
    def test_not_to_roles_without_it(self, client, signed_in, ref, role, authority):
        signed_in(role, authority=authority)
        response = client.get(f"/households/{ref}")
        assert response.status_code == 200 and NOTE not in response.get_data(as_text=True)

    def test_markup_in_a_note_is_shown_as_text(self, client, app, send):
        send(**person_fields(0, notes="<b>Rollator</b>"))
        html = client.get(f"/households/{households(app)[0].ref}").get_data(as_text=True)
        assert "&lt;b&gt;Rollator&lt;/b&gt;" in html and "<b>Rollator</b>" not in html
