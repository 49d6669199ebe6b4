"""Short-lived download links for a freshly issued card's PDF.

The database never holds a card token, so the PDF can only be made while the
token is known: right after issuing. The API hands out a link that carries the
token encrypted (Fernet, key derived from SECRET_KEY) and expires after 15
minutes; the token never appears in clear in a URL or a log.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

LINK_LIFETIME_SECONDS = 15 * 60


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"arrival card links\0" + current_app.secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(token: str) -> str:
    return _fernet().encrypt(token.encode()).decode()


def unseal(sealed: str) -> str | None:
    try:
        return _fernet().decrypt(sealed.encode(), ttl=LINK_LIFETIME_SECONDS).decode()
    except (InvalidToken, ValueError):
        return None
