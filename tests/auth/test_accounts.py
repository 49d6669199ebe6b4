"""Administering accounts: create, change role, deactivate, reset — each effective
on the user's very next request — through the admin pages and the CLI."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from arrival.auth.models import LoginSession, User
from arrival.extensions import db
from tests.factories import PASSWORD
from tests.support import form_errors


def user_named(app, username: str) -> User:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        db.session.expunge_all()
        return user


@pytest.fixture
def admin_client(app, signed_in):
    signed_in("admin")
    return app


@pytest.fixture
def second_browser(app):
    """Another device, e.g. the tablet where the account is in use."""
    return app.test_client()


class TestCreate:
    def test_an_administrator_creates_a_caseworker_for_an_authority(self, app, client,
                                                                    admin_client):
        response = client.submit("/admin/users/new", {
            "username": "Julia.K", "display_name": "Julia K.", "role": "caseworker",
            "authority": "jugendamt", "password": "lange-genug-1",
        })
        assert response.status_code == 302
        user = user_named(app, "julia.k")
        assert user.role == "caseworker" and user.authority_id is not None
        assert check_password_hash(user.password_hash, "lange-genug-1")

    @pytest.mark.parametrize("fields, field_in_error", [
        ({"username": "x y", "role": "intake", "authority": ""}, "username"),
        ({"username": "clerk", "role": "caseworker", "authority": ""}, "authority"),
        ({"username": "clerk", "role": "intake", "authority": "jugendamt"}, "authority"),
        ({"username": "clerk", "role": "intake", "authority": "", "password": "short"},
         "password"),
    ])
    def test_bad_input_is_shown_at_its_field_and_creates_nothing(self, app, client, admin_client,
                                                                 fields, field_in_error):
        data = {"display_name": "", "password": "lange-genug-1", **fields}
        response = client.submit("/admin/users/new", data)
        assert response.status_code == 422
        assert field_in_error in form_errors(response.get_data(as_text=True))
        assert user_named(app, "clerk") is None

    def test_a_taken_username_is_refused(self, client, admin_client, make_user):
        make_user("intake", username="taken")
        response = client.submit("/admin/users/new", {
            "username": "TAKEN", "role": "intake", "authority": "", "password": "lange-genug-1"})
        assert "bereits vergeben" in response.get_data(as_text=True)

    def test_the_database_refuses_a_caseworker_without_authority(self, app):
        with app.app_context():
            db.session.add(User(username="x", password_hash="x", role="caseworker"))
            with pytest.raises(sa.exc.IntegrityError):
                db.session.flush()
            db.session.rollback()


class TestChangesTakeEffectOnTheNextRequest:
    def test_a_role_change_applies_to_the_open_session(self, app, client, admin_client,
                                                       second_browser, make_user):
        username = make_user("intake")
        second_browser.login(username, PASSWORD)
        assert second_browser.get("/admin/users/").status_code == 403
        user = user_named(app, username)
        response = client.submit(f"/admin/users/{user.id}", {
            "display_name": "", "role": "admin", "authority": "", "version": str(user.version)},
            form_page=f"/admin/users/{user.id}")
        assert response.status_code == 302
        assert second_browser.get("/admin/users/").status_code == 200

    def test_deactivation_ends_every_session_of_the_user(self, app, client, admin_client,
                                                         second_browser, make_user):
        username = make_user("intake")
        second_browser.login(username, PASSWORD)
        user = user_named(app, username)
        client.submit(f"/admin/users/{user.id}/active", {"enable": "0"}, form_page="/admin/users/")
        assert second_browser.get("/").status_code == 302
        with app.app_context():
            reasons = db.session.scalars(
                sa.select(LoginSession.end_reason).where(LoginSession.user_id == user.id)).all()
            assert reasons == ["deactivated"]
        # reactivating does not revive the old session
        client.submit(f"/admin/users/{user.id}/active", {"enable": "1"}, form_page="/admin/users/")
        assert second_browser.get("/").status_code == 302
        assert second_browser.login(username, PASSWORD).status_code == 302

    def test_an_administrator_cannot_deactivate_themselves(self, app, client, signed_in):
        username = signed_in("admin")
        user = user_named(app, username)
        client.submit(f"/admin/users/{user.id}/active", {"enable": "0"}, form_page="/admin/users/")
        assert user_named(app, username).is_enabled
        assert client.get("/").status_code == 200

    def test_a_password_reset_signs_the_user_out_everywhere(self, app, client, admin_client,
                                                            second_browser, make_user):
        username = make_user("intake")
        second_browser.login(username, PASSWORD)
        user = user_named(app, username)
        client.submit(f"/admin/users/{user.id}/password", {"password": "ein neues passwort"},
                      form_page=f"/admin/users/{user.id}")
        assert second_browser.get("/").status_code == 302
        assert second_browser.login(username, PASSWORD).status_code == 401
        assert second_browser.login(username, "ein neues passwort").status_code == 302

    def test_a_stale_edit_is_not_saved_over_a_newer_change(self, app, client, admin_client,
                                                           make_user):
        username = make_user("intake")
        user = user_named(app, username)
        stale_version = str(user.version)
        client.submit(f"/admin/users/{user.id}", {"role": "housing", "authority": "",
                                                  "display_name": "", "version": stale_version},
                      form_page=f"/admin/users/{user.id}")
        response = client.submit(f"/admin/users/{user.id}", {
            "role": "coordinator", "authority": "", "display_name": "", "version": stale_version},
            form_page=f"/admin/users/{user.id}")
        assert response.status_code == 302
        assert user_named(app, username).role == "housing"


class TestOwnPassword:
    def test_changing_the_own_password_keeps_this_device_signed_in(self, app, client,
                                                                   second_browser, make_user):
        username = make_user("intake")
        client.login(username, PASSWORD)
        second_browser.login(username, PASSWORD)
        response = client.submit("/account/password", {
            "current_password": PASSWORD, "new_password": "noch ein passwort",
            "confirm": "noch ein passwort"}, form_page="/account/password")
        assert response.status_code == 302
        assert client.get("/").status_code == 200
        assert second_browser.get("/").status_code == 302

    def test_a_wrong_current_password_changes_nothing(self, app, client, make_user):
        username = make_user("intake")
        client.login(username, PASSWORD)
        response = client.submit("/account/password", {
            "current_password": "wrong", "new_password": "noch ein passwort",
            "confirm": "noch ein passwort"}, form_page="/account/password")
        assert "current_password" in form_errors(response.get_data(as_text=True))
        assert check_password_hash(user_named(app, username).password_hash, PASSWORD)


class TestCli:
    def test_users_create_reads_the_password_from_stdin(self, app, cli):
        result = cli.invoke(args=["users", "create", "rp-clerk", "--role", "caseworker",
                                  "--authority", "rp", "--password-stdin"],
                            input="ein sicheres passwort\n")
        assert result.exit_code == 0, result.output
        user = user_named(app, "rp-clerk")
        assert check_password_hash(user.password_hash, "ein sicheres passwort")

    def test_users_create_refuses_a_caseworker_without_authority(self, app, cli):
        result = cli.invoke(args=["users", "create", "nobody", "--role", "caseworker",
                                  "--password-stdin"], input="ein sicheres passwort\n")
        assert result.exit_code != 0 and "authority" in result.output
        assert user_named(app, "nobody") is None

    def test_users_deactivate_ends_sessions(self, app, cli, client, make_user):
        username = make_user("intake")
        client.login(username, PASSWORD)
        assert cli.invoke(args=["users", "deactivate", username]).exit_code == 0
        assert client.get("/").status_code == 302

    def test_demo_seed_creates_one_account_per_role_idempotently(self, app, cli):
        first = cli.invoke(args=["demo", "seed"])
        second = cli.invoke(args=["demo", "seed"])
        assert first.exit_code == second.exit_code == 0
        assert "0 created" in second.output
        with app.app_context():
            roles = set(db.session.scalars(sa.select(User.role)))
        assert roles == {"admin", "intake", "housing", "service_point", "caseworker",
                         "coordinator", "security", "data_protection"}
