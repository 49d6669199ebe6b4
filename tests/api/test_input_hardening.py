"""Bad input is a 4xx with a clear message naming the field, never a 500 and
never a change: one test per cause the fuzzing probe found (issue 19, points 2,
3 and 13). PostgreSQL cannot store NUL, so those tests matter most there."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from arrival.audit.models import AuditEvent
from arrival.extensions import db
from arrival.registry.models import Household, Person
from arrival.services.models import Scan
from tests.factories import PASSWORD, household_payload, person_payload


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def post_raw(client, path: str, data, content_type: str = "application/json", **kwargs):
    return client.post(path, data=data, content_type=content_type,
                       headers={"X-CSRFToken": client.csrf_token()}, **kwargs)


@pytest.fixture
def intake(client, signed_in, freeze_registration_clock):
    signed_in("intake")
    return client


# Bodies that are not a JSON object -------------------------------------------------

@pytest.mark.parametrize(("body", "code"), [
    (b"", "bad_request"),                       # missing
    (b"[1, 2]", "bad_request"),                 # an array
    (b'"a string"', "bad_request"),             # a string
    (b"\xff\xfe{}", "invalid_json"),            # not UTF-8
    (b"{not json", "invalid_json"),             # not JSON
    (b'{"persons": NaN}', "invalid_json"),      # not JSON either
])
def test_a_registration_body_that_is_no_json_object_is_400_with_a_message(
        app, intake, body, code):
    response = post_raw(intake, "/api/v1/households", body)
    assert response.status_code == 400
    assert response.json["code"] == code
    assert response.json["message"]
    assert count(app, Household) == 0


@pytest.mark.parametrize("path", ["/api/v1/registry/duplicates", "/api/v1/registry/mrz",
                                  "/api/v1/stays", "/api/v1/stays/move", "/api/v1/scan"])
@pytest.mark.parametrize("body", [b"[]", b"[{}]", b"42", b"null"])
def test_non_object_bodies_are_400_everywhere(intake, path, body):
    response = post_raw(intake, path, body)
    assert response.status_code == 400, response.json
    assert response.json["code"] == "bad_request"
    assert "JSON" in response.json["message"]


def test_a_body_that_is_not_json_is_415_with_a_message(intake):
    response = post_raw(intake, "/api/v1/households", b"family_name=x",
                        content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.json["code"] == "unsupported_media_type" and response.json["message"]


def test_json_nested_a_thousand_levels_deep_is_400(app, intake):
    body = "[" * 1000 + "]" * 1000
    response = post_raw(intake, "/api/v1/households", json.dumps({"persons": json.loads(
        "[" * 20 + "]" * 20)})[:-1] + ", \"x\": " + body + "}")
    assert response.status_code == 400
    assert response.json["code"] == "invalid_json"
    assert "32" in response.json["message"]
    response = post_raw(intake, "/api/v1/scan", body)
    assert response.status_code == 400 and response.json["code"] == "invalid_json"


def test_json_nested_within_the_limit_is_read(intake):
    nested = {"a": [[[[{"b": 1}]]]]}
    response = intake.post_json("/api/v1/registry/duplicates", nested)
    assert response.status_code == 200


# Wrong types where text is expected ------------------------------------------------

@pytest.mark.parametrize("field", ["nationality", "sex", "relation"])
@pytest.mark.parametrize("value", [["UKR"], 804, {"code": "UKR"}, True])
def test_a_list_or_number_where_text_is_expected_is_422_at_that_field(
        app, register, intake, field, value):
    response = register(household_payload(person_payload(**{field: value})))
    assert response.status_code == 422
    assert f"persons.0.{field}" in response.json["fields"]
    assert count(app, Person) == 0


@pytest.mark.parametrize("value", [["UKR"], 804, {"a": 1}])
def test_a_list_or_number_as_issuing_country_is_422_at_that_field(app, register, intake, value):
    payload = household_payload(person_payload(document={
        "type": "biometric_passport", "number": "FB123456", "issuing_country": value}))
    response = register(payload)
    assert response.status_code == 422
    assert "persons.0.document.issuing_country" in response.json["fields"]


@pytest.mark.parametrize(("field", "value"), [("arrival_point", ["main_station"]),
                                              ("contact_language", 7),
                                              ("arrived_at", "9999-12-31T23:59:59-14:00")])
def test_household_fields_of_the_wrong_type_or_range_are_422(register, intake, field, value):
    response = register(household_payload(**{field: value}))
    assert response.status_code == 422
    assert field in response.json["fields"]


def test_scan_fields_of_the_wrong_type_are_422_at_their_field(client, signed_in):
    signed_in("service_point")
    response = client.post_json("/api/v1/scan", {"code": ["x"], "service_type": "meal",
                                                 "point": "A"})
    assert response.status_code == 422 and "code" in response.json["fields"]
    response = client.post_json("/api/v1/scan", {"code": "x", "service_type": {"a": 1},
                                                 "point": "A"})
    assert response.status_code == 422 and "service_type" in response.json["fields"]


# Integers beyond the database's range ----------------------------------------------

@pytest.mark.parametrize("path", ["/api/v1/stays/99999999999999999999999/check-in",
                                  "/api/v1/stays/2147483648/check-out",
                                  "/api/v1/deliveries/9223372036854775808/void"])
def test_ids_beyond_32_bits_in_the_path_are_404(client, signed_in, path):
    signed_in("intake")
    response = client.post_json(path, {})
    assert response.status_code == 404
    assert response.json["code"] == "not_found"


def test_the_largest_32_bit_id_is_still_looked_up(client, signed_in):
    signed_in("intake")
    assert client.post_json("/api/v1/stays/2147483647/check-in", {}).status_code == 404


def test_a_page_number_beyond_the_range_shows_the_last_possible_page(client, signed_in):
    signed_in("admin")
    response = client.get("/api/v1/audit-events?page=" + "9" * 30)
    assert response.status_code == 200
    assert response.json["events"] == []
    assert client.get("/admin/audit/?page=" + "9" * 30).status_code == 200


def test_a_site_filter_beyond_the_range_is_422_naming_site(client, signed_in):
    signed_in("coordinator")
    response = client.get("/api/v1/cases/items?site=" + "9" * 30)
    assert response.status_code == 422
    assert "site" in response.json["fields"]
    assert client.get("/api/v1/cases/items?site=12&page=" + "9" * 30).status_code == 200
    response = client.get("/api/v1/dashboard?site=" + "9" * 30)
    assert response.status_code == 422 and "site" in response.json["fields"]


def test_numbers_beyond_64_bits_in_a_body_are_400_naming_the_place(intake):
    response = intake.post_json("/api/v1/stays/move", {"person_ids": ["x"],
                                                       "bed_ids": [2**70]})
    assert response.status_code == 400
    assert response.json["code"] == "number_out_of_range"
    assert "bed_ids.0" in response.json["message"]


def test_bed_ids_beyond_32_bits_are_422(intake, make_household):
    ref = make_household()
    response = intake.post_json("/api/v1/stays", {"household_ref": ref, "bed_ids": [2**40]})
    assert response.status_code == 422 and "bed_ids" in response.json["fields"]


# A scan at an unknown site ---------------------------------------------------------

@pytest.mark.parametrize("site_id", [999_999, 2**40, -1, "1", True])
def test_a_scan_with_an_unknown_or_malformed_site_id_is_422_and_records_nothing(
        app, client, signed_in, site_id):
    signed_in("service_point")
    response = client.post_json("/api/v1/scan", {"code": "ABC", "service_type": "meal",
                                                 "point": "Ausgabe 1", "site_id": site_id})
    assert response.status_code == 422
    assert "site_id" in response.json["fields"]
    assert count(app, Scan) == 0


# NUL and other control characters --------------------------------------------------

@pytest.mark.parametrize("character", ["\x00", "\x1b", "\x7f", "\x85"])
def test_control_characters_in_a_scan_point_are_422_naming_point(app, client, signed_in,
                                                                  character):
    signed_in("service_point")
    response = client.post_json("/api/v1/scan", {"code": "ABC", "service_type": "meal",
                                                 "point": f"Ausgabe{character}1"})
    assert response.status_code == 422
    assert response.json["fields"] == {"point": [response.json["fields"]["point"][0]]}
    assert "point" in response.json["message"]
    assert count(app, Scan) == 0


def test_tabs_and_line_breaks_are_not_control_characters_here(intake):
    response = intake.post_json("/api/v1/registry/duplicates",
                                {"family_name": "Shevchenko", "notes": "a\tb\r\nc"})
    assert response.status_code == 200


def test_a_nul_in_a_case_note_is_422_naming_note(client, signed_in):
    signed_in("caseworker")
    response = client.post_json("/api/v1/cases/items/1/transition",
                                {"to": "in_progress", "note": "x\x00y", "version": 1})
    assert response.status_code == 422 and "note" in response.json["fields"]


def test_a_nul_in_a_nested_registration_field_is_422_at_its_path(app, register, intake):
    response = register(household_payload(person_payload(given_names="Ol\x00ena")))
    assert response.status_code == 422
    assert "persons.0.given_names" in response.json["fields"]
    assert count(app, Household) == 0


def test_a_nul_in_a_json_key_is_422(intake):
    response = intake.post_json("/api/v1/registry/duplicates", {"family\x00name": "x"})
    assert response.status_code == 422


@pytest.mark.parametrize("url", ["/api/v1/audit-events?username=adm%00in",
                                 "/api/v1/audit-events?action=x%00",
                                 "/admin/audit/?entity_id=%00",
                                 "/api/v1/persons/search?q=Shev%00chenko"])
def test_a_nul_in_a_filter_is_422_naming_the_filter(client, signed_in, url):
    signed_in("admin" if "audit" in url else "intake")
    response = client.get(url)
    assert response.status_code == 422
    name = url.split("?")[1].split("=")[0]
    if url.startswith("/api/"):
        assert name in response.json["fields"]
    else:
        assert name in response.get_data(as_text=True)


def test_a_nul_in_a_path_segment_is_422(client, signed_in):
    signed_in("intake")
    response = client.get("/api/v1/households/AB%00C")
    assert response.status_code == 422 and "ref" in response.json["fields"]


def test_a_nul_in_a_site_name_is_refused_on_the_page_naming_the_field(app, client, signed_in):
    from arrival.housing.models import Site

    signed_in("housing")
    response = client.submit("/housing/sites/new", {
        "name": "Halle\x00Nord", "kind": "emergency_hall", "warning_percent": 85,
        "critical_percent": 95}, form_page="/housing/sites/new")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "name" in page and "Steuerzeichen" in page
    assert count(app, Site) == 0


def test_a_nul_in_a_report_remark_is_refused(client, signed_in):
    signed_in("coordinator")
    response = client.submit("/reports/remark", {"text": "Alles ruhig\x00",
                                                 "day": "2022-03-14"}, form_page="/reports/")
    assert response.status_code == 422
    assert "text" in response.get_data(as_text=True)


def test_a_nul_in_a_login_username_is_a_failed_login_audited_and_counted(app, client):
    statuses = [client.login("mallory\x00", "guess").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    with app.app_context():
        actions = list(db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.username == "mallory\\x00")
            .order_by(AuditEvent.id)))
    assert actions[:5] == ["login_failed"] * 5
    assert "login_throttled" in actions


def test_a_nul_in_a_login_username_does_not_sign_in_its_lookalike(app, client, make_user):
    username = make_user("intake")
    assert client.login(username + "\x00", PASSWORD).status_code == 401


# Moments far out of range ----------------------------------------------------------

@pytest.mark.parametrize("as_of", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00",
                                   "1800-01-01T00:00:00+00:00", "3000-01-01T00:00:00+00:00"])
def test_as_of_far_out_of_range_is_422_naming_as_of(client, signed_in, as_of):
    signed_in("housing")
    for path in ("/api/v1/sites", "/api/v1/dashboard"):
        response = client.get(path, query_string={"as_of": as_of})
        assert response.status_code == 422, path
        assert "as_of" in response.json["fields"]


def test_as_of_inside_the_range_is_answered(client, signed_in):
    signed_in("housing")
    response = client.get("/api/v1/sites", query_string={"as_of": "2022-03-14T10:00:00+01:00"})
    assert response.status_code == 200


# Request size (point 3) ------------------------------------------------------------

def test_the_request_size_limit_defaults_to_one_megabyte(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024


def test_a_ten_megabyte_json_body_is_413_in_json(app, intake):
    body = json.dumps(household_payload(person_payload(notes="x" * (10 * 1024 * 1024))))
    response = post_raw(intake, "/api/v1/households", body)
    assert response.status_code == 413
    assert response.json["code"] == "payload_too_large"
    assert "1024 KB" in response.json["message"]
    assert count(app, Household) == 0


def test_a_body_just_under_the_limit_is_read(intake):
    body = json.dumps({"family_name": "Shevchenko", "notes": "x" * (1000 * 1024)})
    assert post_raw(intake, "/api/v1/registry/duplicates", body).status_code == 200


def test_a_too_large_form_is_413_as_a_page(client, signed_in):
    signed_in("coordinator")
    response = client.submit("/reports/remark", {"text": "x" * (2 * 1024 * 1024)},
                             form_page="/reports/")
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert "KB" in response.get_data(as_text=True)


def test_the_limit_is_configurable(database_url):
    from arrival import create_app

    small = create_app("testing", overrides={"MAX_CONTENT_LENGTH": 2000})
    small.config["WTF_CSRF_ENABLED"] = False
    response = small.test_client().post("/login", data={"username": "x" * 5000})
    assert response.status_code == 413


def test_the_size_limit_is_read_from_the_environment(monkeypatch, database_url):
    from arrival import create_app

    monkeypatch.setenv("MAX_CONTENT_LENGTH", "5000")
    assert create_app("testing").config["MAX_CONTENT_LENGTH"] == 5000


# The same limits on the pages -------------------------------------------------------

@pytest.mark.parametrize("site", ["9" * 30, "999999"])
def test_the_station_page_refuses_an_unknown_or_huge_site(app, client, signed_in, site):
    signed_in("service_point")
    response = client.submit("/services/station", {"code": "ABC", "service": "meal",
                                                  "point": "Ausgabe 1", "site": site},
                             form_page="/services/station")
    assert response.status_code == 422
    assert count(app, Scan) == 0


def test_the_absence_list_takes_huge_numbers_without_an_error(client, signed_in):
    signed_in("housing")
    assert client.get("/housing/absent?days=" + "9" * 30).status_code == 200
    assert client.get("/housing/absent?site=" + "9" * 30).status_code == 422
