"""Check characters for references that people read aloud and type by hand.

References (household references, printed card numbers) use Crockford's base32
alphabet: digits and upper-case letters without I, L, O and U, so that the
characters people confuse most are simply not there. On input, I and L are read
as 1 and O as 0, case does not matter, and hyphens and spaces are ignored.

The check character is computed with the Damm algorithm over a quasigroup of
order 32 built from the finite field GF(32): ``x * y = 2·x + y``. Because the
quasigroup is totally anti-symmetric, one check character detects *every*
single-character substitution and *every* transposition of two adjacent
characters (including the check character itself) — which Luhn mod N does not
guarantee. The check character comes from the same alphabet, unlike ISO 7064
MOD 37-2 or Crockford's own mod-37 scheme, which need symbols such as ``*``.
"""

from __future__ import annotations

import secrets

__all__ = [
    "ALPHABET",
    "add_check_char",
    "check_char",
    "new_reference",
    "normalise_ref",
    "verify",
]

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {char: index for index, char in enumerate(ALPHABET)}

# Read what people are likely to mean; everything else outside the alphabet is refused.
_CONFUSABLES = str.maketrans({"I": "1", "L": "1", "O": "0"})
_IGNORED = str.maketrans("", "", "- \u00a0\u2010\u2011\u2012\u2013")

_GROUP = 4

# GF(2^5) with the primitive polynomial x^5 + x^2 + 1.
_FIELD_POLY = 0b100101


def _times_two(value: int) -> int:
    value <<= 1
    if value & 0b100000:
        value ^= _FIELD_POLY
    return value


# _TABLE[x][y] = 2·x + y in GF(32): a totally anti-symmetric quasigroup, since
# (c∘x)∘y = 4c + 2x + y and (c∘y)∘x = 4c + 2y + x differ whenever x ≠ y.
_TABLE = tuple(tuple(_times_two(x) ^ y for y in range(32)) for x in range(32))


def normalise_ref(text: str) -> str:
    """Upper-case, drop hyphens and spaces, map I/L→1 and O→0.

    Raises ``ValueError`` for any character outside the alphabet (for example U).
    """
    cleaned = text.upper().translate(_IGNORED).translate(_CONFUSABLES)
    bad = sorted({char for char in cleaned if char not in _VALUE})
    if bad:
        raise ValueError(f"reference contains characters that are not allowed: {' '.join(bad)}")
    return cleaned


def _interim(normalised: str) -> int:
    state = 0
    for char in normalised:
        state = _TABLE[state][_VALUE[char]]
    return state


def check_char(body: str) -> str:
    """The check character for ``body`` (normalised first)."""
    normalised = normalise_ref(body)
    if not normalised:
        raise ValueError("reference body is empty")
    # The check char c must bring the state back to 0: 2·state + c = 0, so c = 2·state.
    return ALPHABET[_times_two(_interim(normalised))]


def add_check_char(body: str) -> str:
    """The normalised body followed by its check character."""
    return normalise_ref(body) + check_char(body)


def verify(ref: str) -> bool:
    """True if ``ref`` (any case, hyphens, confusables allowed) carries a valid check character."""
    try:
        normalised = normalise_ref(ref)
    except ValueError:
        return False
    return len(normalised) >= 2 and _interim(normalised) == 0


def new_reference(prefix: str, random_bits: int = 40) -> str:
    """A fresh random reference such as ``H-7K3M-9QX2-C``.

    ``prefix`` (letters and digits of the alphabet, may be empty) marks the kind of
    reference and is covered by the check character. The random part carries at
    least ``random_bits`` bits and is grouped in fours for reading aloud.
    """
    if random_bits < 1:
        raise ValueError("random_bits must be positive")
    if any(char not in _VALUE for char in prefix):
        raise ValueError(f"prefix {prefix!r} must use only the characters {ALPHABET}")
    length = -(-random_bits // 5)  # five bits per character, rounded up
    value = secrets.randbits(length * 5)
    random_part = "".join(ALPHABET[(value >> (5 * i)) & 31] for i in range(length))
    groups = [random_part[i : i + _GROUP] for i in range(0, length, _GROUP)]
    parts = ([prefix] if prefix else []) + groups
    return "-".join(parts + [check_char(prefix + random_part)])
