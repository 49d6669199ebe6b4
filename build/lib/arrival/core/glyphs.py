"""Which characters the card font can print. Names are printed on the arrival card
in DejaVu Sans (regular and bold); a character outside both faces — most emoji —
would print as an empty box, so intake refuses it at the field."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "vendor" / "dejavu"
FACES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
# Symbols (emoji, pictographs) and invisible format characters are never part of a
# name as written in a document, even where the font happens to have a glyph.
REFUSED_CATEGORIES = {"So", "Cf", "Cs", "Co", "Cn", "Cc"}


@lru_cache(maxsize=1)
def _printable() -> frozenset[int] | None:
    from reportlab.pdfbase.ttfonts import TTFont

    sets = []
    for name in FACES:
        path = FONT_DIR / name
        if not path.exists():  # a checkout without assets: only the category rule applies
            return None
        sets.append(set(TTFont(f"probe-{name}", str(path)).face.charToGlyph))
    return frozenset.intersection(*map(frozenset, sets))


def unprintable(text: str | None) -> list[str]:
    """The distinct characters of `text` the card cannot print, in order."""
    printable = _printable()
    found: list[str] = []
    for char in text or "":
        if char in found or char == " ":
            continue
        if unicodedata.category(char) in REFUSED_CATEGORIES or (
                printable is not None and ord(char) not in printable):
            found.append(char)
    return found
