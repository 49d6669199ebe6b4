"""Text-direction controls and other invisible format characters never reach a
stored name (issue 19, point 13): U+202E shows "Shevchenko" as "oknehcvehS",
U+200E/U+200F and the isolates hide what staff read and break matching. They
are removed at input, from the API and from the intake form alike."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from arrival.extensions import db
from arrival.registry.models import Person
from tests.factories import household_payload, person_payload

DIRECTION_CONTROLS = ["\u202e", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d",
                      "\u2066", "\u2067", "\u2068", "\u2069", "\u061c"]
OTHER_INVISIBLE = ["\u200b", "\u2060", "\ufeff", "\u00ad", "\u180e"]


def stored_names(app) -> list[tuple[str, str, str | None]]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(sa.select(
            Person.family_name, Person.given_names, Person.family_name_cyrillic))]


@pytest.mark.parametrize("character", DIRECTION_CONTROLS + OTHER_INVISIBLE,
                         ids=lambda c: f"U+{ord(c):04X}")
def test_the_api_removes_invisible_format_characters_from_names(app, client, signed_in,
                                                                register, character):
    signed_in("intake")
    response = register(household_payload(person_payload(
        family_name=f"{character}Shev{character}chenko", given_names=f"Olena{character}",
        family_name_cyrillic=f"Шевченко{character}")))
    assert response.status_code == 201, response.json
    assert stored_names(app) == [("Shevchenko", "Olena", "Шевченко")]


def test_a_name_made_only_of_direction_controls_is_missing(client, signed_in, register):
    signed_in("intake")
    response = register(household_payload(person_payload(family_name="\u202e\u200f")))
    assert response.status_code == 422
    assert "persons.0.family_name" in response.json["fields"]


def test_the_intake_form_removes_direction_controls_from_names(app, client, signed_in,
                                                               freeze_registration_clock):
    signed_in("intake")
    page = client.get("/households/new").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]*)"', page).group(1)
    fields = {"relation": "head", "family_name": "\u202eKovalenko\u200e",
              "given_names": "\u2067Iryna\u2069", "sex": "female", "date_of_birth": "1985-04-02",
              "nationality": "UKR", "document-type": "biometric_passport",
              "document-number": "FA000001", "document-issuing_country": "UKR"}
    response = client.submit("/households/new", {
        "idempotency_key": key, "arrived_at": "2022-03-14T10:30",
        "arrival_point": "main_station", "action": "save",
        **{f"persons-0-{name}": value for name, value in fields.items()}},
        form_page="/households/new")
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert stored_names(app) == [("Kovalenko", "Iryna", None)]
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "\u202e" not in shown and "Kovalenko, Iryna" in shown


def test_letters_and_marks_of_other_scripts_are_kept(app, client, signed_in, register):
    signed_in("intake")
    response = register(household_payload(person_payload(
        family_name="Müller-Łukasik", given_names="José Ángel",
        family_name_cyrillic="Ґалаґан")))
    assert response.status_code == 201
    assert stored_names(app) == [("Müller-Łukasik", "José Ángel", "Ґалаґан")]
