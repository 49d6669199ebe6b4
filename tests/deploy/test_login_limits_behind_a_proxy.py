"""Behind the reverse proxy: each tablet's own address counts (ProxyFix with the
configured number of trusted proxies), and an attacker who knows a username cannot
lock its owner out — the owner's browser holds a device cookie from its last
successful sign-in and keeps its own allowance (OWASP device cookies)."""

from __future__ import annotations

import pytest

from arrival.core import proxy
from tests.factories import PASSWORD

ATTACKER = {"X-Forwarded-For": "203.0.113.66"}
TABLET = {"X-Forwarded-For": "10.20.0.7"}


@pytest.fixture
def behind_one_proxy(app, monkeypatch):
    """The application as TRUSTED_PROXIES=1 builds it."""
    monkeypatch.setattr(app, "wsgi_app", app.wsgi_app)
    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", 1)
    proxy.init_app(app)
    return app


def test_after_30_failures_from_one_address_another_tablets_user_still_signs_in(
        behind_one_proxy, client, make_user):
    other = make_user("intake")
    statuses = [client.login(f"guess{i}", "wrong", headers=ATTACKER).status_code
                for i in range(31)]
    assert statuses == [401] * 30 + [429]
    tablet = behind_one_proxy.test_client()
    assert tablet.login(other, PASSWORD, headers=TABLET).status_code == 302


def test_after_30_failures_a_user_with_a_device_cookie_signs_in_even_from_that_address(
        app, client, make_user):
    """No proxy configured (or NAT): everyone shares one address. A tablet whose user
    signed in there before is still trusted for that user."""
    other = make_user("intake")
    tablet = app.test_client()
    assert tablet.login(other, PASSWORD).status_code == 302
    tablet.logout()
    for i in range(30):
        client.login(f"guess{i}", "wrong")
    assert client.login(f"guess{31}", "wrong").status_code == 429
    assert tablet.login(other, PASSWORD).status_code == 302


def test_five_wrong_passwords_from_an_attacker_do_not_lock_the_owner_out(
        behind_one_proxy, client, make_user):
    owner = make_user("intake")
    owners_tablet = behind_one_proxy.test_client()
    assert owners_tablet.login(owner, PASSWORD, headers=TABLET).status_code == 302
    owners_tablet.logout()

    statuses = [client.login(owner, f"guess-{i}", headers=ATTACKER).status_code
                for i in range(6)]
    assert statuses == [401] * 5 + [429]
    # Untrusted clients are now held back for this account, even with the right password …
    assert client.login(owner, PASSWORD, headers=ATTACKER).status_code == 429
    # … the owner's own tablet is not.
    assert owners_tablet.login(owner, PASSWORD, headers=TABLET).status_code == 302


def test_the_owners_device_has_its_own_allowance_of_failures(app, client, make_user):
    owner = make_user("intake")
    assert client.login(owner, PASSWORD).status_code == 302
    client.logout()
    statuses = [client.login(owner, f"typo-{i}").status_code for i in range(6)]
    assert statuses == [401] * 5 + [429]
    # The device's failures did not use up the allowance of untrusted clients either.
    assert app.test_client().login(owner, PASSWORD).status_code == 302


def test_a_device_cookie_of_another_account_does_not_make_a_client_trusted(client, make_user):
    owner, attacker = make_user("intake"), make_user("intake")
    assert client.login(attacker, PASSWORD).status_code == 302
    client.logout()
    statuses = [client.login(owner, f"guess-{i}").status_code for i in range(6)]
    assert statuses == [401] * 5 + [429]


def test_a_tampered_device_cookie_is_ignored(app, client, make_user):
    owner = make_user("intake")
    assert client.login(owner, PASSWORD).status_code == 302
    client.logout()
    cookie = client.get_cookie(app.config["DEVICE_COOKIE_NAME"], path="/login")
    assert cookie is not None and cookie.http_only
    client.set_cookie(app.config["DEVICE_COOKIE_NAME"], cookie.value[:-4] + "AAAA",
                      path="/login")
    statuses = [client.login(owner, f"guess-{i}").status_code for i in range(6)]
    assert statuses == [401] * 5 + [429]
    assert app.test_client().login(owner, PASSWORD).status_code == 429
