"""Security headers, CSRF, error pages, health check, request ids, language."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD


class TestSecurityHeaders:
    def test_pages_carry_a_strict_content_security_policy(self, client):
        policy = client.get("/login").headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
        assert "style-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy

    def test_pages_carry_the_other_security_headers(self, client):
        headers = client.get("/login").headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["X-Frame-Options"] == "DENY"

    def test_authenticated_pages_are_not_stored_by_the_browser(self, client, signed_in):
        signed_in("admin")
        for path in ("/", "/admin/users/", "/api/v1/me"):
            assert client.get(path).headers["Cache-Control"] == "no-store"

    def test_static_files_may_be_cached_even_when_signed_in(self, client, signed_in):
        signed_in("intake")
        response = client.get("/static/css/app.css")
        assert response.status_code == 200
        assert response.headers.get("Cache-Control") != "no-store"

    def test_templates_use_no_inline_script_or_style(self, app):
        from pathlib import Path

        for template in Path(app.root_path, "templates").rglob("*.html"):
            text = template.read_text()
            assert "<script>" not in text and "style=" not in text and "<style" not in text, template

    def test_the_session_cookie_is_http_only_and_same_site(self, client, make_user):
        username = make_user("intake")
        cookie = client.login(username, PASSWORD).headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


class TestCsrf:
    def test_a_form_without_token_is_refused_and_changes_nothing(self, client, make_user):
        username = make_user("intake")
        response = client.post("/login", data={"username": username, "password": PASSWORD})
        assert response.status_code == 400
        assert client.get("/").status_code == 302  # still signed out

    def test_a_forged_token_is_refused(self, client, make_user):
        username = make_user("intake")
        response = client.post(
            "/login", data={"username": username, "password": PASSWORD, "csrf_token": "forged"}
        )
        assert response.status_code == 400

    def test_logout_without_token_is_refused(self, client, signed_in):
        signed_in("intake")
        assert client.post("/logout").status_code == 400
        assert client.get("/").status_code == 200

    def test_json_writes_need_the_header_token(self, client):
        assert client.post("/language", json={"language": "en"}).status_code == 400
        accepted = client.post_json("/language", {"language": "en"})
        assert accepted.status_code == 302

    def test_api_writes_without_token_get_a_json_error(self, extra_route_app):
        app = extra_route_app("/api/v1/echo", "api_test.echo", methods=["POST"])
        response = app.test_client().post("/api/v1/echo", json={"a": 1})
        assert response.status_code == 400
        assert response.json["code"] == "csrf_failed"


class TestErrors:
    def test_unknown_pages_get_a_german_404_page(self, client, signed_in):
        signed_in("intake")
        response = client.get("/no/such/page")
        assert response.status_code == 404
        assert "Seite nicht gefunden" in response.get_data(as_text=True)

    def test_unknown_api_paths_get_json_with_a_stable_code(self, client, signed_in):
        signed_in("intake")
        response = client.get("/api/v1/no-such-thing")
        assert response.status_code == 404
        assert response.json["code"] == "not_found" and response.json["message"]

    def test_unexpected_errors_reveal_no_internals(self, extra_route_app):
        def explode():
            raise RuntimeError("secret internals: password=hunter2")

        app = extra_route_app("/broken", "broken.explode", view=explode)
        response = app.test_client().get("/broken")
        body = response.get_data(as_text=True)
        assert response.status_code == 500
        assert "hunter2" not in body and "Traceback" not in body and "RuntimeError" not in body

    def test_a_method_that_is_not_allowed_gets_405(self, client):
        assert client.delete("/login").status_code == 405


class TestHealthAndRequestIds:
    def test_the_health_check_answers_without_login_and_checks_the_database(self, client):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json == {"status": "ok", "database": "ok", "rate_limit_storage": "ok"}

    def test_every_response_carries_a_request_id(self, client):
        first = client.get("/healthz").headers["X-Request-ID"]
        second = client.get("/healthz").headers["X-Request-ID"]
        assert first and second and first != second

    def test_a_proxys_request_id_is_kept_when_it_is_sane(self, client):
        kept = client.get("/healthz", headers={"X-Request-ID": "proxy-1234abcd"})
        assert kept.headers["X-Request-ID"] == "proxy-1234abcd"
        replaced = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
        assert replaced.headers["X-Request-ID"] != "<script>alert(1)</script>"

    def test_json_errors_name_the_request_id(self, client):
        response = client.get("/api/v1/me")
        assert response.json["request_id"] == response.headers["X-Request-ID"]


class TestLanguage:
    def test_the_interface_is_german_by_default(self, client):
        html = client.get("/login").get_data(as_text=True)
        assert '<html lang="de">' in html and "Anmelden" in html

    def test_english_can_be_chosen_and_sticks(self, client):
        client.submit("/language", {"language": "en", "next": "/login"})
        html = client.get("/login").get_data(as_text=True)
        assert '<html lang="en">' in html and "Sign in" in html

    def test_an_unknown_language_is_ignored(self, client):
        client.submit("/language", {"language": "xx"})
        assert '<html lang="de">' in client.get("/login").get_data(as_text=True)

    @pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example"])
    def test_the_language_switch_never_redirects_off_site(self, client, target):
        response = client.submit("/language", {"language": "en", "next": target})
        assert response.headers["Location"] == "/"
