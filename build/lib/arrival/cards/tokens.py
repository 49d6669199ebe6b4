"""Card tokens and numbers.

The QR code holds "ARV1-" and 32 base-32 characters (160 random bits): a prefix
with a version, and nothing personal. Upper-case base 32 keeps the QR code in
its compact alphanumeric mode. The database keeps SHA-256 of the token; with
160 bits of randomness a fast hash is enough (no guessing is possible).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets

from arrival.registry.checkchar import new_reference, normalise_ref, verify

TOKEN_PREFIX = "ARV1-"
TOKEN_BYTES = 20
TOKEN_PATTERN = re.compile(r"^ARV1-[A-Z2-7]{32}$")
MAX_CODE_LENGTH = 64


def new_token() -> str:
    random_part = base64.b32encode(secrets.token_bytes(TOKEN_BYTES)).decode().rstrip("=")
    return TOKEN_PREFIX + random_part


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_card_number() -> str:
    return new_reference("K")


def looks_like_token(code: str) -> bool:
    return bool(TOKEN_PATTERN.match(code))


def canonical_card_number(text: str) -> str | None:
    """The stored form ("K-XXXX-XXXX-C") of a typed number, or None when it is
    not a card number or its check character is wrong."""
    try:
        normalised = normalise_ref(text)
    except ValueError:
        return None
    if len(normalised) != 10 or not normalised.startswith("K") or not verify(normalised):
        return None
    return f"{normalised[0]}-{normalised[1:5]}-{normalised[5:9]}-{normalised[9]}"
