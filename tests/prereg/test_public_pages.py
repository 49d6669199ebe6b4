"""The public pages on a phone: no account, the browser's language or the one
chosen, every refusal in that language, nothing to read back, a honeypot, a
size limit and a rate limit per address; the page weights are printed."""

from __future__ import annotations

import gzip
import re

import pytest
import sqlalchemy as sa

from arrival.extensions import db
from arrival.prereg.models import PreRegistration
from tests.prereg.data import family_form


def stored(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(PreRegistration))


@pytest.mark.parametrize("accept, language, heading", [
    ("uk-UA,uk;q=0.9", "uk", "Попередня реєстрація в центрі прибуття"),
    ("ru-RU,ru;q=0.9,en;q=0.5", "ru", "Предварительная регистрация в центре прибытия"),
    ("de-DE,de;q=0.9", "de", "Voranmeldung für das Ankunftszentrum"),
    ("en-GB,en;q=0.8", "en", "Pre-registration for the arrival centre"),
    ("fr-FR", "uk", "Попередня реєстрація в центрі прибуття"),
])
def test_the_page_speaks_the_browsers_language_without_an_account(client, accept, language,
                                                                   heading):
    response = client.get("/pre", headers={"Accept-Language": accept})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'<html lang="{language}">' in page and heading in page
    # works without JavaScript: the one script only keeps what is typed (prereg-keep.js)
    assert re.findall(r"<script[^>]*>", page) == [
        '<script src="/static/js/prereg-keep.js" defer>']
    assert response.headers["Cache-Control"] == "no-store"


def test_the_language_is_switchable_and_the_staff_interface_stays_german(client):
    page = client.get("/pre?lang=ru", headers={"Accept-Language": "uk"}).get_data(as_text=True)
    assert '<html lang="ru">' in page
    for code in ("uk", "ru", "en", "de"):
        assert f'href="/pre?lang={code}"' in page
    login = client.get("/login", headers={"Accept-Language": "uk"}).get_data(as_text=True)
    assert 'lang="de"' in login and "Anmelden" in login


def test_a_family_of_four_gets_a_qr_code_and_a_short_code_once(app, client):
    response = client.post("/pre?lang=uk", data=family_form())
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Отримано. Покажіть цей код на стійці реєстрації." in page
    assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+"', page)
    code = re.search(r'class="code">(P-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z])<', page).group(1)
    assert "4 особи, дійсно до 08.04.2022." in page
    assert 'download="arrival-' + code in page
    assert stored(app) == 1
    assert "Коваленко" not in page  # the receipt shows nothing personal


def test_there_is_no_way_to_read_it_back(app, client):
    client.post("/pre?lang=uk", data=family_form())
    public = [rule for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("prereg.public") or rule.rule == "/api/v1/pre"]
    assert sorted(r.rule for r in public) == ["/api/v1/pre", "/pre", "/pre/notice"]
    assert client.get("/pre?lang=uk").get_data(as_text=True).count("Коваленко") == 0


def test_adding_and_removing_persons_keeps_what_was_typed_and_stores_nothing(app, client):
    form = family_form(action="add")
    page = client.post("/pre?lang=uk", data=form).get_data(as_text=True)
    assert 'name="count" value="5"' in page
    assert 'id="persons-4-family_name_cyrillic" name="persons-4-family_name_cyrillic" ' \
           'type="text" value="Коваленко"' in page
    assert 'value="Галина"' in page
    page = client.post("/pre?lang=uk", data=family_form(action="remove:2")).get_data(as_text=True)
    assert 'name="count" value="3"' in page and "Софія" not in page
    assert stored(app) == 0


def test_bad_input_is_shown_at_its_field_in_the_persons_language(app, client):
    form = family_form(**{"persons-0-family_name_cyrillic": "Kovalenko",
                          "persons-1-date_of_birth": "31.02.2010", "phone": "12"})
    response = client.post("/pre?lang=ru", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="persons-0-family_name_cyrillic-error">Пожалуйста, напишите это кириллицей.' in page
    assert 'id="persons-1-date_of_birth-error">Недопустимая дата' in page
    assert 'id="phone-error">Недействительный номер телефона' in page
    assert 'value="Андрій"' in page  # nothing typed is lost
    assert stored(app) == 0


def test_the_honeypot_stores_nothing(app, client):
    response = client.post("/pre?lang=de", data=family_form(website="http://spam.example"))
    assert response.status_code == 400
    assert "Bitte gehen Sie zum Schalter" in response.get_data(as_text=True)
    assert stored(app) == 0


def test_a_large_body_is_refused_in_the_persons_language(app, client):
    response = client.post("/pre?lang=uk", data=family_form(notes="я" * 40_000))
    assert response.status_code == 413
    assert "Форма завелика" in response.get_data(as_text=True)
    assert stored(app) == 0


def test_bounded_lengths_are_messages_not_errors(app, client):
    response = client.post("/pre?lang=uk", data=family_form(
        **{"persons-0-family_name_cyrillic": "Ш" * 101, "notes": "x" * 501}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Не більше 100 символів." in page and "Не більше 500 символів." in page


def test_submits_are_limited_per_address(app, client):
    app.config["PREREG_RATE_LIMIT"] = "3 per minute"
    try:
        for _ in range(3):
            assert client.post("/pre?lang=uk", data=family_form(action="add")).status_code == 200
        response = client.post("/pre?lang=uk", data=family_form())
        assert response.status_code == 429
        assert "З цієї мережі надіслано забагато форм" in response.get_data(as_text=True)
        other = client.post("/pre?lang=uk", data=family_form(),
                            environ_base={"REMOTE_ADDR": "10.9.8.7"})
        assert other.status_code == 200
    finally:
        app.config["PREREG_RATE_LIMIT"] = "60 per 10 minutes"
    assert stored(app) == 1


def test_the_api_takes_the_same_shape_and_answers_in_the_language(app, client):
    from tests.prereg.data import family_payload
    response = client.post("/api/v1/pre", json={**family_payload(), "language": "ru"})
    assert response.status_code == 201
    assert set(response.json) == {"token", "code", "expires_at"}
    bad = client.post("/api/v1/pre", json={"language": "uk", "persons": [{"sex": "x"}]})
    assert bad.status_code == 422
    assert bad.json["fields"]["persons.0.sex"] == ["Будь ласка, виберіть."]
    assert client.post("/api/v1/pre", json={**family_payload(), "website": "x"}).status_code \
        == 422
    assert stored(app) == 1


def _weight(response) -> tuple[int, int]:
    body = response.get_data()
    return len(body), len(gzip.compress(body, 9))


def test_page_weights(app, client, capsys):
    """Bytes transferred for each public page: the HTML, its stylesheet and its one
    small script (no fonts — the phone's own —, the QR code inline), raw and
    gzip-compressed."""
    assets = {name: _weight(client.get(f"/static/{name}"))
              for name in ("css/public.css", "js/prereg-keep.js")}
    pages = {
        "/pre (form, 1 person)": client.get("/pre?lang=uk"),
        "/pre (form, 4 persons)": client.post("/pre?lang=uk", data=family_form(action="add")),
        "/pre (receipt with QR)": client.post("/pre?lang=uk", data=family_form()),
        "/pre/notice": client.get("/pre/notice?lang=uk"),
    }
    lines = []
    for name, response in pages.items():
        assert response.status_code == 200, name
        html = response.get_data(as_text=True)
        used = [a for a in assets if f"/static/{a}" in html]
        raw, gz = _weight(response)
        raw_total = raw + sum(assets[a][0] for a in used)
        gz_total = gz + sum(assets[a][1] for a in used)
        lines.append(f"  {name:24} {raw_total:6d} B (html {raw} B + {' + '.join(used)}); "
                     f"compressed {gz_total:5d} B")
        assert gz_total < 20_000, name
    with capsys.disabled():
        print("\npublic page weights (uk, excluding fonts — there are none):")
        print("\n".join(lines))


def test_the_kept_input_comes_back_from_the_phone_without_storing_anything(app, client):
    page = client.post("/pre?lang=uk", data=family_form(action="refresh")).get_data(as_text=True)
    assert 'name="count" value="4"' in page and 'value="Галина"' in page
    assert 'data-fresh="false"' in page
    assert stored(app) == 0


def test_the_error_summary_names_the_person_and_the_field(client):
    page = client.post("/pre?lang=uk", data=family_form(
        **{"persons-1-sex": "", "phone": "12"})).get_data(as_text=True)
    assert '<a href="#persons-1-sex">Особа 2 · Стать: Будь ласка, виберіть.</a>' in page
    assert '<a href="#phone">Номер телефону: Недійсний номер телефону' in page
