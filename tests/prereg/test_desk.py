"""At the desk: only staff open a pre-registration (by the scanned token or the
typed short code); the household form opens filled in with the KMU 2010
spelling suggested; registering deletes the pre-registration and counts it;
opening and converting are audited."""

from __future__ import annotations

import sqlalchemy as sa

from arrival.audit.models import AuditEvent
from arrival.extensions import db
from arrival.prereg import operations
from arrival.prereg.models import PreRegistration, PreRegistrationDay
from arrival.registry.models import Household
from tests.prereg.data import family_payload
from tests.prereg.formdata import form_fields, value


def submitted(app, **fields):
    with app.app_context():
        receipt = operations.submit(family_payload(**fields), language="uk")
        db.session.commit()
        return receipt


def open_at_desk(client, code: str):
    return client.submit("/prereg/desk", {"code": code}, form_page="/prereg/desk")


def test_nobody_without_an_account_opens_a_pre_registration(app, client):
    receipt = submitted(app)
    assert client.get("/prereg/desk").status_code == 302  # to the sign-in page
    response = client.post("/prereg/desk", data={"code": receipt.code})
    assert response.status_code in (302, 400)
    assert "/households/new" not in response.headers.get("Location", "")


def test_roles_without_registration_rights_cannot_open_one(app, client, signed_in):
    receipt = submitted(app)
    signed_in("service_point")
    assert client.get("/prereg/desk").status_code == 403


def test_the_scanned_token_opens_the_household_form_filled_in(app, client, signed_in):
    receipt = submitted(app)
    signed_in("intake")
    response = open_at_desk(client, receipt.token)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/households/new?pre=")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    fields = form_fields(page)
    assert value(fields, "persons-0-family_name") == "KOVALENKO"
    assert value(fields, "persons-0-family_name_cyrillic") == "Коваленко"
    assert value(fields, "persons-0-patronymic") == "Петрівна"
    assert value(fields, "persons-1-given_names_cyrillic") == "Андрій"
    assert value(fields, "persons-1-relation") == "child"
    assert value(fields, "persons-3-birth_year") == "1951"
    assert sorted(fields["persons-3-flags"]) == ["chronic_illness", "reduced_mobility"]
    assert value(fields, "phone") == "+380671234567"
    assert value(fields, "contact_language") == "uk"
    assert "Angereist aus: Харків" in value(fields, "persons-0-notes")
    # the Latin spelling is suggested from the Cyrillic (KMU 2010), not taken silently
    assert value(fields, "persons-1-family_name") == ""
    assert "Kovalenko" in page and "Andrii" in page
    assert "Voranmeldung geöffnet" in page


def test_the_typed_short_code_opens_it_and_a_wrong_check_character_does_not(
        app, client, signed_in):
    receipt = submitted(app)
    signed_in("intake")
    wrong = receipt.code[:-1] + ("0" if receipt.code[-1] != "0" else "1")
    response = open_at_desk(client, wrong)
    assert response.status_code == 404
    assert "Keine gültige Voranmeldung" in response.get_data(as_text=True)
    response = open_at_desk(client, receipt.code.lower())
    assert response.status_code == 302


def test_registering_the_household_deletes_the_pre_registration_and_counts_it(
        app, client, signed_in):
    receipt = submitted(app)
    username = signed_in("intake")
    location = open_at_desk(client, receipt.code).headers["Location"]
    fields = form_fields(client.get(location).get_data(as_text=True))
    # what the clerk takes from the documents and the suggestions
    fields.update({
        "arrival_point": ["main_station"],
        "persons-0-document-number": ["FB123456"], "persons-0-document-issuing_country": ["UKR"],
        "persons-1-family_name": ["Kovalenko"], "persons-1-given_names": ["Andrii"],
        "persons-2-family_name": ["Kovalenko"], "persons-2-given_names": ["Sofiia"],
        "persons-3-family_name": ["Shevchuk"], "persons-3-given_names": ["Halyna"],
        "persons-3-document-number": ["FC765432"],
        "persons-3-document-issuing_country": ["UKR"], "action": ["save"],
    })
    fields.pop("csrf_token", None)
    response = client.submit(location, fields, form_page="/prereg/desk")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with app.app_context():
        household = db.session.scalars(sa.select(Household)).one()
        assert [p.given_names_cyrillic for p in household.persons] == [
            "Оксана", "Андрій", "Софія", "Галина"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PreRegistration)) == 0
        day = db.session.scalars(sa.select(PreRegistrationDay)).one()
        assert (day.received, day.converted, day.expired) == (1, 1, 0)
        audit = db.session.execute(sa.select(AuditEvent.action, AuditEvent.username,
                                             AuditEvent.detail).where(
            AuditEvent.entity_type == "pre_registration").order_by(AuditEvent.id)).all()
        assert [(a, u) for a, u, _ in audit] == [
            ("create", "(public)"), ("view", username), ("view", username),
            ("delete", username)]
        assert audit[-1].detail == f"converted into household {household.ref}"
    # the code is spent: it opens nothing any more
    assert open_at_desk(client, receipt.code).status_code == 404


def test_the_household_page_prints_the_notice_in_german_and_the_contact_language(
        app, client, signed_in, make_household):
    ref = make_household()
    signed_in("intake")
    page = client.get(f"/households/{ref}").get_data(as_text=True)
    assert "/prereg/notice?lang=uk" in page and "Hinweis drucken (DE + UK)" in page
    notice = client.get("/prereg/notice?lang=uk").get_data(as_text=True)
    assert "Informationen nach Art. 13 DSGVO" in notice
    assert "інформація згідно зі ст. 13" in notice
    assert client.get("/prereg/notice?lang=xx").status_code == 404


def test_the_dashboard_shows_received_converted_and_expired_today(app, client, signed_in):
    for _ in range(3):
        submitted(app)
    with app.app_context():
        from datetime import timedelta

        from arrival.core.clock import now
        first = db.session.scalars(sa.select(PreRegistration).order_by(PreRegistration.id)).first()
        first.expires_at = now() - timedelta(minutes=1)
        assert operations.delete_expired(now()) == 1
        db.session.commit()
    signed_in("coordinator")
    page = client.get("/dashboard/").get_data(as_text=True)
    assert "Voranmeldungen" in page
    assert '<td data-prereg="received">3</td>' in page
    assert '<td data-prereg="converted">0</td>' in page
    assert '<td data-prereg="expired">1</td>' in page
    assert '<td data-prereg="waiting">2</td>' in page


def test_the_api_opens_it_and_registering_with_its_key_converts_it(app, client, signed_in):
    receipt = submitted(app)
    signed_in("intake")
    opened = client.post_json("/api/v1/prereg/open", {"code": receipt.code})
    assert opened.status_code == 200, opened.json
    household = opened.json["household"]
    assert [p["given_names_cyrillic"] for p in household["persons"]] == [
        "Оксана", "Андрій", "Софія", "Галина"]
    assert household["persons"][3]["birth_year"] == 1951
    household["arrival_point"] = "main_station"
    household["persons"][0]["document"].update(number="FB123456", issuing_country="UKR")
    for person, latin in zip(household["persons"][1:], (("Kovalenko", "Andrii"),
                                                        ("Kovalenko", "Sofiia"),
                                                        ("Shevchuk", "Halyna"))):
        person["family_name"], person["given_names"] = latin
    household["persons"][3]["document"] = {"type": "biometric_passport", "number": "FC765432",
                                           "issuing_country": "UKR"}
    created = client.post_json("/api/v1/households", household,
                               headers={"Idempotency-Key": opened.json["idempotency_key"]})
    assert created.status_code == 201, created.json
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PreRegistration)) == 0
    again = client.post_json("/api/v1/prereg/open", {"code": receipt.code})
    assert again.status_code == 404 and again.json["code"] == "not_found"
    assert client.post_json("/api/v1/prereg/open", {"code": 7}).status_code == 422


def test_the_counter_leads_to_the_desk_scan(client, signed_in):
    signed_in("intake")
    page = client.get("/households/new").get_data(as_text=True)
    assert '<a href="/prereg/desk">Auf dem Handy vorangemeldet? Code scannen</a>' in page
