"""The keys of the form drafts kept on the tablets (arrival/auth/drafts.py, issue 13):
each account gets its own, only its own session gets it, signing in again gives the
same one back, and signing out replaces it — old drafts can no longer be read."""

from __future__ import annotations

import base64
import re

from tests.factories import PASSWORD


def key_of(client) -> dict:
    response = client.get("/session/draft-key")
    assert response.status_code == 200, response.status_code
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def test_an_intake_account_gets_a_256_bit_key_and_an_owner_tag_that_names_nobody(
    client, signed_in
):
    username = signed_in("intake")
    body = key_of(client)

    assert len(base64.b64decode(body["key"])) == 32
    assert re.fullmatch(r"[0-9a-f]{32}", body["owner"])
    assert username not in body["owner"]
    page = client.get("/").get_data(as_text=True)
    assert f'<meta name="draft-owner" content="{body["owner"]}"' in page


def test_the_same_account_gets_the_same_key_after_signing_in_again(app, client, make_user):
    username = make_user("intake")
    client.login(username, PASSWORD)
    first = key_of(client)
    # The idle timeout, a closed browser: no sign-out, a new session.
    again = app.test_client()
    again.login(username, PASSWORD)

    assert key_of(again) == first


def test_another_account_gets_another_key_and_owner(app, client, make_user):
    anna, bert = make_user("intake"), make_user("intake")
    client.login(anna, PASSWORD)
    first = key_of(client)
    other = app.test_client()
    other.login(bert, PASSWORD)
    second = key_of(other)

    assert second["key"] != first["key"] and second["owner"] != first["owner"]


def test_signing_out_replaces_the_key_so_old_drafts_cannot_be_read(client, make_user):
    username = make_user("intake")
    client.login(username, PASSWORD)
    before = key_of(client)
    client.logout()
    client.login(username, PASSWORD)
    after = key_of(client)

    assert after["owner"] == before["owner"]
    assert after["key"] != before["key"] and after["kid"] != before["kid"]


def test_only_accounts_that_register_get_a_draft_key(client, signed_in):
    signed_in("housing")
    assert client.get("/session/draft-key").status_code == 403


def test_nobody_signed_out_gets_a_key(client):
    response = client.get("/session/draft-key")
    assert response.status_code in (302, 401)
    assert not response.is_json


def test_keepalive_tells_the_server_the_clerk_is_still_there(client, signed_in):
    signed_in("service_point")
    response = client.get("/session/keepalive")
    assert response.status_code == 204
