"""Signing in and out: generic errors, audit entries, throttling, session ends."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from arrival.audit.models import AuditEvent
from arrival.auth import sessions
from arrival.auth.models import LoginSession
from arrival.database import now_utc
from arrival.extensions import db
from tests.factories import PASSWORD


def audit_actions(app, username: str) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.username == username)
            .order_by(AuditEvent.id)
        ))


def test_the_login_page_has_the_documented_fields(client):
    html = client.get("/login").get_data(as_text=True)
    for name in ('name="username"', 'name="password"', 'name="csrf_token"'):
        assert name in html


def test_correct_credentials_sign_in_and_redirect_to_the_start_page(client, make_user):
    username = make_user("intake")
    response = client.login(username, PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_usernames_are_case_insensitive(client, make_user):
    username = make_user("intake")
    assert client.login(username.upper(), PASSWORD).status_code == 302


def test_wrong_password_and_unknown_user_get_the_same_generic_message(client, make_user):
    username = make_user("intake")
    wrong_password = client.login(username, "not the password")
    unknown_user = client.login("nobody-here", PASSWORD)
    assert wrong_password.status_code == unknown_user.status_code == 401
    message = "Benutzername oder Passwort ist nicht korrekt."
    assert message in wrong_password.get_data(as_text=True)
    assert message in unknown_user.get_data(as_text=True)


def test_deactivated_accounts_cannot_sign_in_and_get_the_generic_message(client, make_user):
    username = make_user("intake", enabled=False)
    response = client.login(username, PASSWORD)
    assert response.status_code == 401
    assert "Benutzername oder Passwort ist nicht korrekt." in response.get_data(as_text=True)


def test_login_logout_and_failed_login_are_audited(app, client, make_user):
    username = make_user("intake")
    client.login(username, "wrong")
    client.login(username, PASSWORD)
    client.logout()
    assert audit_actions(app, username)[-3:] == ["login_failed", "login", "logout"]


def test_a_failed_login_for_an_unknown_name_is_audited_with_that_name(app, client):
    client.login("Mallory", "guess")
    assert audit_actions(app, "mallory") == ["login_failed"]


def test_each_login_starts_a_new_session(app, client, make_user):
    username = make_user("intake")
    client.login(username, PASSWORD)
    client.logout()
    client.login(username, PASSWORD)
    with app.app_context():
        rows = db.session.scalars(sa.select(LoginSession).order_by(LoginSession.id)).all()
        assert len(rows) == 2
        assert rows[0].token_hash != rows[1].token_hash
        assert rows[0].end_reason == "logout" and rows[1].ended_at is None


def test_the_cookie_holds_a_session_token_not_the_user_id(app, client, make_user):
    username = make_user("intake")
    client.login(username, PASSWORD)
    with client.session_transaction() as flask_session:
        token = flask_session["_user_id"]
    assert len(token) >= 40
    with app.app_context():
        assert db.session.scalar(
            sa.select(LoginSession).where(LoginSession.token_hash == sessions.hash_token(token))
        )


def test_logout_is_post_only(client, signed_in):
    signed_in("intake")
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_logout_ends_the_session_so_a_copied_cookie_is_worthless(client, make_user):
    username = make_user("intake")
    client.login(username, PASSWORD)
    with client.session_transaction() as flask_session:
        copied = dict(flask_session)
    client.logout()
    with client.session_transaction() as flask_session:
        flask_session.update(copied)
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("target", ["/admin/audit/?action=login", "/account/password"])
def test_next_leads_to_a_local_path(client, make_user, target):
    username = make_user("admin")
    response = client.submit(f"/login?next={target}", {"username": username, "password": PASSWORD},
                             form_page="/login")
    assert response.headers["Location"] == target


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "http:/evil", "javascript:alert(1)",
    "evil.example",
])
def test_next_never_leads_off_site(client, make_user, target):
    username = make_user("intake")
    response = client.submit("/login", {"username": username, "password": PASSWORD},
                             query_string={"next": target}, form_page="/login")
    assert response.headers["Location"] == "/"


def test_a_protected_page_sends_to_login_with_next(client):
    response = client.get("/admin/users/?x=1")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


class TestThrottling:
    def test_the_sixth_failed_attempt_on_one_username_is_refused(self, app, client, make_user):
        username = make_user("intake")
        statuses = [client.login(username, f"wrong-{i}").status_code for i in range(6)]
        assert statuses == [401] * 5 + [429]
        # even the right password is refused until the window has passed
        assert client.login(username, PASSWORD).status_code == 429
        assert "login_throttled" in audit_actions(app, username)

    def test_other_usernames_are_not_locked_by_someone_elses_attempts(self, client, make_user):
        victim, other = make_user("intake"), make_user("intake")
        for i in range(6):
            client.login(victim, f"wrong-{i}")
        assert client.login(other, PASSWORD).status_code == 302

    def test_successful_logins_do_not_count(self, client, make_user):
        username = make_user("intake")
        for _ in range(7):
            assert client.login(username, PASSWORD).status_code == 302
            client.logout()

    def test_one_address_trying_many_usernames_is_refused(self, app, client):
        app.config["LOGIN_RATE_LIMIT_PER_IP"] = "8 per 10 minutes"
        try:
            statuses = [client.login(f"guess{i}", "x").status_code for i in range(9)]
        finally:
            app.config["LOGIN_RATE_LIMIT_PER_IP"] = "30 per 10 minutes"
        assert statuses[-1] == 429 and statuses[:8] == [401] * 8

    def test_the_refusal_page_explains_it_in_german(self, client, make_user):
        username = make_user("intake")
        for i in range(6):
            response = client.login(username, f"wrong-{i}")
        assert response.status_code == 429
        assert "Zu viele Versuche" in response.get_data(as_text=True)


class TestSessionEnds:
    def test_the_session_ends_after_the_idle_timeout(self, app, client, signed_in, monkeypatch):
        signed_in("intake")
        later = now_utc() + app.config["SESSION_IDLE_TIMEOUT"] + timedelta(seconds=5)
        monkeypatch.setattr(sessions, "now_utc", lambda: later)
        response = client.get("/")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
        assert "Ihre Sitzung ist abgelaufen" in client.get("/login").get_data(as_text=True)
        monkeypatch.undo()
        assert client.get("/").status_code == 302  # the session row has ended for good

    def test_activity_keeps_the_session_alive(self, app, client, signed_in, monkeypatch):
        signed_in("intake")
        step = app.config["SESSION_IDLE_TIMEOUT"] - timedelta(minutes=1)
        start = now_utc()
        for n in range(1, 4):
            monkeypatch.setattr(sessions, "now_utc", lambda n=n: start + step * n)
            assert client.get("/").status_code == 200

    def test_the_absolute_lifetime_ends_even_an_active_session(self, app, client, signed_in,
                                                               monkeypatch):
        signed_in("intake")
        start = now_utc()
        lifetime = app.config["SESSION_ABSOLUTE_LIFETIME"]
        step = app.config["SESSION_IDLE_TIMEOUT"] - timedelta(minutes=1)
        moment = start
        while moment - start <= lifetime:
            moment += step
            monkeypatch.setattr(sessions, "now_utc", lambda m=moment: m)
            status = client.get("/").status_code
        assert status == 302

    def test_idle_api_calls_get_a_json_session_expired(self, app, client, signed_in, monkeypatch):
        signed_in("intake")
        later = now_utc() + app.config["SESSION_IDLE_TIMEOUT"] + timedelta(seconds=5)
        monkeypatch.setattr(sessions, "now_utc", lambda: later)
        response = client.get("/api/v1/me")
        assert response.status_code == 401
        assert response.json["code"] == "session_expired"

    def test_the_session_expiry_is_audited(self, app, client, signed_in, monkeypatch):
        username = signed_in("intake")
        later = now_utc() + app.config["SESSION_IDLE_TIMEOUT"] + timedelta(seconds=5)
        monkeypatch.setattr(sessions, "now_utc", lambda: later)
        client.get("/")
        assert audit_actions(app, username)[-1] == "session_expired"
