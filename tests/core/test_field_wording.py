"""Issue 23 (wording): the German interface says things in German, in the right
number, and tells the clerk what to do — no codes, no double colons, dates as
German users type them (ISO still understood)."""

from __future__ import annotations

import re

import pytest

from tests.factories import household_payload, person_payload


def fields_of(response) -> dict:
    assert response.status_code == 422, response.get_data(as_text=True)[:400]
    return response.json["fields"]


class TestRegistrationMessages:
    def test_an_empty_sex_asks_for_one(self, client, signed_in, register):
        signed_in("intake")
        fields = fields_of(register(household_payload(person_payload(sex=""))))
        assert fields["persons.0.sex"] == [
            "Wählen Sie das Geschlecht wie im Dokument (oder „unbekannt“)."]

    def test_a_german_date_of_birth_is_understood(self, client, signed_in, register):
        signed_in("intake")
        response = register(household_payload(person_payload(date_of_birth="12.3.1984")))
        assert response.status_code == 201, response.json
        person = response.json["persons"][0]
        assert person["date_of_birth"] == "1984-03-12"

    def test_an_iso_date_of_birth_still_is(self, client, signed_in, register):
        signed_in("intake")
        assert register(household_payload(person_payload(
            date_of_birth="1984-03-12"))).status_code == 201

    def test_a_bad_date_names_the_german_form(self, client, signed_in, register):
        signed_in("intake")
        fields = fields_of(register(household_payload(person_payload(date_of_birth="31.02.1984"))))
        assert fields["persons.0.date_of_birth"][0] == \
            "Kein gültiges Datum: bitte TT.MM.JJJJ, z. B. 14.03.2022."

    def test_the_reason_for_registering_anyway_is_proper_german(self):
        from babel.messages.pofile import read_po

        from tests.core.test_translations import ROOT

        with (ROOT / "arrival/translations/de/LC_MESSAGES/messages.po").open("rb") as handle:
            catalogue = read_po(handle)
        assert catalogue["Reason for registering anyway"].string == \
            "Begründung, warum trotzdem registriert wird"


class TestHistoryAndAuditInGerman:
    def test_the_change_history_names_records_actions_and_fields_in_german(
            self, client, signed_in, make_household):
        ref = make_household(person_payload(family_name="Verlauf", family_name_cyrillic=""))
        signed_in("intake")
        html = client.get(f"/households/{ref}").get_data(as_text=True)
        history = html.split("Änderungsverlauf")[1]
        assert "Person angelegt: " in history and "Geburtsjahr" in history
        assert "Haushalt angelegt: " in history and "Ankunftsort" in history
        for raw in ("create person", "birth_year", "date_of_birth", "arrival_point"):
            assert raw not in history

    def test_the_audit_log_names_actions_and_record_types_in_german(self, client, signed_in):
        signed_in("admin")
        client.get("/cases/")  # a refused page: an entry with a record type
        html = client.get("/admin/audit/").get_data(as_text=True)
        cells = re.findall(r"<td>([^<]*)</td>", html)
        assert "angemeldet" in cells
        assert "login" not in cells and "view" not in cells
        assert '<option value="login">angemeldet</option>' in html


class TestDashboardWords:
    def test_vulnerable_groups_have_no_double_colon(self, client, signed_in):
        signed_in("coordinator")
        html = client.get("/dashboard/").get_data(as_text=True)
        assert "Unbegleitete Minderjährige: <strong>" in html
        assert ":r: <strong>" not in html

    def test_age_bands_are_ranges_with_a_dash(self, client, signed_in):
        signed_in("coordinator")
        html = client.get("/dashboard/").get_data(as_text=True)
        for band in ("0–5", "6–17", "18–64", "65+", "Alter unbekannt"):
            assert f'<th scope="col">{band}</th>' in html
        assert '<th scope="col">6-17</th>' not in html


@pytest.mark.parametrize("count, expected", [(1, "1 Bett für 4 Personen"),
                                             (3, "3 Betten für 4 Personen")])
def test_beds_for_persons_takes_the_right_number(app, count, expected):
    from arrival.housing.operations import _too_few_beds

    with app.test_request_context(headers={"Accept-Language": "de"}):
        assert _too_few_beds(count, 4).startswith(expected)


class TestUnprintableNames:
    @pytest.mark.parametrize("name, shown", [("Olena 😀", "„😀“"), ("Оле🙂на", "„🙂“"),
                                             ("Ivan ❤️", "„❤“")])
    def test_a_character_the_card_cannot_print_is_refused_at_the_field(
            self, client, signed_in, register, name, shown):
        signed_in("intake")
        fields = fields_of(register(household_payload(person_payload(given_names=name))))
        assert fields["persons.0.given_names"] == [
            f"Die Karte kann {shown} nicht drucken: Geben Sie den Namen wie im Dokument ein."]

    @pytest.mark.parametrize("name", ["Ївга-Ґанна", "Mykolaivʼna", "Ömer Şahin", "D’Arcy"])
    def test_names_as_in_the_documents_are_accepted(self, client, signed_in, register, name):
        signed_in("intake")
        assert register(household_payload(person_payload(given_names=name))).status_code == 201
