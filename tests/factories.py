"""Factories for test data, used as fixtures."""

from __future__ import annotations

import itertools

import pytest

from arrival.auth import operations as accounts
from arrival.extensions import db

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


@pytest.fixture
def make_user(app):
    def make(role: str = "intake", *, authority: str | None = None, username: str | None = None,
             password: str = PASSWORD, enabled: bool = True):
        if role == "caseworker" and authority is None:
            authority = "jugendamt"
        with app.app_context():
            user = accounts.create_user(
                username or f"{role.replace('_', '')}{next(_counter)}", role, password,
                authority_code=authority, display_name=f"Test {role}",
            )
            if not enabled:
                accounts.set_enabled(user, False)
            db.session.commit()
            return user.username

    return make


@pytest.fixture
def signed_in(client, make_user):
    """A client signed in with a fresh account of the given role."""

    def sign_in(role: str = "intake", *, authority: str | None = None):
        username = make_user(role, authority=authority)
        response = client.login(username, PASSWORD)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return username

    return sign_in
