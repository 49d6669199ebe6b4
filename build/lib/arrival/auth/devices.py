"""Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies").

A successful sign-in gives the browser a signed cookie naming the account and a
random nonce. A later attempt for that account from a browser holding it is a
trusted client: its failures count against that cookie alone, and the limits that
hold everyone else back (per address, per account) do not apply to it. So an
attacker who knows a username — or shares the proxy's address — can lock out only
untrusted clients, never the owner's own tablet. One cookie holds the entries of
the accounts that signed in on a shared tablet (the most recent ones).
"""

from __future__ import annotations

import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

SALT = "arrival-device-cookie"
MAX_ENTRIES = 20


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def _max_age() -> int:
    return int(current_app.config["DEVICE_COOKIE_DAYS"]) * 86400


def _entries() -> dict[str, str]:
    raw = request.cookies.get(current_app.config["DEVICE_COOKIE_NAME"])
    if not raw:
        return {}
    try:
        entries = _serializer().loads(raw, max_age=_max_age())
    except BadSignature:
        return {}
    if not isinstance(entries, dict):
        return {}
    return {str(k): str(v) for k, v in entries.items()}


def nonce_for(username: str) -> str | None:
    """The nonce of a valid device cookie for this account, or None (untrusted)."""
    return _entries().get(username) if username else None


def remember(response, username: str) -> None:
    """After a successful sign-in: this browser is a trusted client of the account
    (a fresh nonce, so a cookie copied before does not share its allowance)."""
    entries = {k: v for k, v in _entries().items() if k != username}
    entries[username] = secrets.token_urlsafe(16)
    entries = dict(list(entries.items())[-MAX_ENTRIES:])
    config = current_app.config
    response.set_cookie(
        config["DEVICE_COOKIE_NAME"], _serializer().dumps(entries), max_age=_max_age(),
        path="/login", secure=config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax")
