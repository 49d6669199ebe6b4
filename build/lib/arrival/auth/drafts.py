"""Keys for the form drafts the tablets keep (IndexedDB), and keeping a session
alive while the clerk works.

A draft holds personal data and lives on a shared tablet. The page encrypts it
with AES-GCM (WebCrypto) under a key that only the signed-in account gets from
the server, and stores nothing but the ciphertext, the account's owner tag and
the key's id:

- key = HMAC-SHA256(SECRET_KEY, "arrival-draft-key|<user id>|<draft_key_salt>");
- owner tag = HMAC-SHA256(SECRET_KEY, "arrival-draft-owner|<user id>"), truncated:
  which records belong to whom, without naming the account;
- key id = SHA-256 of the key, truncated: a record under an older key is stale.

The key is handed out by GET /session/draft-key (auth.views) to the session of
that account only (never cached, never stored on the device: the page keeps it in memory).
An idle timeout leaves salt and key as they are — the same clerk signs in again
and gets the draft back. Signing out sets a new salt: every draft of that account
on any device becomes unreadable, and the page deletes them on sign-out as well.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

import sqlalchemy as sa
from flask import current_app

from arrival.auth.models import User
from arrival.extensions import db


def _mac(message: str) -> bytes:
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret, message.encode(), hashlib.sha256).digest()


def draft_owner(user: User) -> str:
    return _mac(f"arrival-draft-owner|{user.id}").hex()[:32]


def draft_key(user: User) -> bytes:
    salt = db.session.scalar(sa.select(User.draft_key_salt).where(User.id == user.id)) or ""
    return _mac(f"arrival-draft-key|{user.id}|{salt}")


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:16]


def rotate_draft_key(user: User) -> None:
    """A new salt: drafts encrypted under the old key can no longer be read.
    A plain UPDATE, outside the account's optimistic lock (like the login time)."""
    db.session.execute(sa.update(User).where(User.id == user.id).values(
        draft_key_salt=secrets.token_hex(16)).execution_options(synchronize_session=False))
