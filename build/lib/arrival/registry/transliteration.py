"""Latin spellings of Cyrillic names by the tables people's documents were written in.

People arrive with documents that spell one name in several ways: a modern Ukrainian
passport (KMU 55/2010: Oleksandr, Yuliia), an older Soviet or Russian-style document or
an ICAO-table visa (Aleksandr, Iuliia), a German office's transcription (Julija,
Schewtschenko) or a scholarly ISO 9 transliteration (Ûlìâ, Ševčenko). ``romanise``
reproduces these spellings from the Cyrillic, so that tests and demo data can show the
registry the names it will meet, and so that staff can be told "this document may say …".

Which spelling a *document* holds is never derived from this module: the registry stores
the Latin name exactly as printed (see ``arrival.registry.names``).

Systems
-------
``kmu2010``
    Ukrainian national table (Cabinet of Ministers resolution No. 55 of 27.01.2010),
    delegated to :func:`arrival.registry.names.kmu_2010`.
``icao_ru``
    The Russian-style table of ICAO Doc 9303 (7th edition, 2015), Part 3: г → g,
    х → kh, ц → ts, й → i, ю → iu, я → ia, ъ → ie, ё → e, ь dropped; the Ukrainian
    letters є → ie, і/ї → i, ґ → g.
``german``
    German (Duden) transcription, as in German newspapers and many German offices:
    в → w, ж/ш → sch, щ → schtsch, ч → tsch, ц → z, з → s, с → ss between vowels,
    х → ch, й → j, ю → ju, я → ja. Ukrainian: г → h, и → y, є → je, ї → ji
    (Selenskyj, Julija, Jewhen). Russian: г → g, и → i, е → je at the start of a word
    and after a vowel, ь or ъ, ё → jo (o after ж ч ш щ), кс → x, й → i after a vowel
    before a consonant or at the end, not written in final -ий/-ый
    (Jelena, Sergei, Jewgeni, Dmitri, Alexandr, Gorbatschow).
``iso9``
    ISO 9:1995, one Latin letter per Cyrillic letter, with diacritics: ж ž, ч č,
    ш š, щ ŝ, ц c, х h, й j, ю û, я â, є ê, ї ï, і ì, ґ g̀, ё ë, э è, ы y,
    ь ʹ (U+02B9), ъ ʺ (U+02BA); the Ukrainian apostrophe is kept as ’ (U+2019).
``french``
    French transcription: ш ch, щ chtch, ч tch, ж j, у ou, х kh, ц ts, ю iou,
    я ia, с → ss between vowels; after a vowel й → ï. Ukrainian: г → h, и → y,
    final -ий → -y (Khmelnytsky, Andriï). Russian: г → g, gu before e/i/y, и → i,
    е → ie after a vowel, ё → io (Sergueï, Evgueni).

Letters and words
-----------------
Every system works word by word (spaces, hyphens and punctuation separate words), keeps
all-capital words all-capital (ШЕВЧЕНКО → SCHEWTSCHENKO) and capitalises only the first
letter of a digraph (Щербак → Schtscherbak), as ``kmu_2010`` does. Text that is not
Cyrillic is left as it is. Context rules look only inside the word.

Ukrainian and Russian Cyrillic need different German and French spellings of the same
letters (г, и, е). ``language="uk"`` or ``"ru"`` says which; without it the language is
guessed from letters only one of them uses (і ї є ґ and the apostrophe / ы э ё ъ), and
text that could be either is read as Ukrainian. Different *name forms* (Олександр /
Александр, Ганна / Анна) are a matter of the Cyrillic given, not of romanisation.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from arrival.registry.names import kmu_2010

__all__ = ["LANGUAGES", "SYSTEMS", "detect_language", "romanise"]

SYSTEMS = ("kmu2010", "icao_ru", "german", "iso9", "french")
LANGUAGES = ("uk", "ru")

_APOSTROPHES = "'\u2019\u02bc\u2018`"
_WORD = re.compile(r"[\w" + _APOSTROPHES + r"]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_APOSTROPHE = "'"  # every apostrophe inside a word is read as this one
_VOWELS = frozenset("аеёиоуыэюяєії")
_SEPARATING = frozenset("ьъ" + _APOSTROPHE)  # signs after which a vowel is iotated
_HUSHING = frozenset("жчшщ")
_UKRAINIAN_ONLY = frozenset("ієїґ")
_RUSSIAN_ONLY = frozenset("ыэёъ")

# --- tables ---------------------------------------------------------------------

_ICAO = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "ё": "e",
    "є": "ie", "ж": "zh", "з": "z", "и": "i", "і": "i", "ї": "i", "й": "i", "к": "k",
    "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch",
    "ъ": "ie", "ы": "y", "ь": "", "э": "e", "ю": "iu", "я": "ia", _APOSTROPHE: "",
}  # fmt: skip

_ISO9 = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g\u0300", "д": "d", "е": "e",
    "ё": "ë", "є": "ê", "ж": "ž", "з": "z", "и": "i", "і": "ì", "ї": "ï", "й": "j",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "c", "ч": "č", "ш": "š", "щ": "ŝ",
    "ъ": "\u02ba", "ы": "y", "ь": "\u02b9", "э": "è", "ю": "û", "я": "â", "ў": "ǔ",
    _APOSTROPHE: "\u2019",
}  # fmt: skip

# Letters without context rules; г е ё и й к с ь ъ are decided in _german.
_GERMAN = {
    "а": "a", "б": "b", "в": "w", "ґ": "g", "д": "d", "є": "je", "ж": "sch", "з": "s",
    "і": "i", "ї": "ji", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "т": "t", "у": "u", "ф": "f", "х": "ch", "ц": "z", "ч": "tsch", "ш": "sch",
    "щ": "schtsch", "ы": "y", "э": "e", "ю": "ju", "я": "ja", "к": "k", _APOSTROPHE: "",
}  # fmt: skip

# Letters without context rules; г ґ е ё и й с ь ю я are decided in _french.
_FRENCH = {
    "а": "a", "б": "b", "в": "v", "д": "d", "є": "ie", "ж": "j", "з": "z", "і": "i",
    "ї": "ï", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "т": "t", "у": "ou", "ф": "f", "х": "kh", "ц": "ts", "ч": "tch", "ш": "ch",
    "щ": "chtch", "ъ": "", "ы": "y", "э": "e", _APOSTROPHE: "",
}  # fmt: skip

# --- context rules ------------------------------------------------------------------

_Rule = Callable[[list[str], int, str], str]


def _letter_at(low: list[str], index: int) -> str:
    return low[index] if 0 <= index < len(low) else ""


def _icao(low: list[str], i: int, language: str) -> str:
    return _ICAO.get(low[i], low[i])


def _iso9(low: list[str], i: int, language: str) -> str:
    return _ISO9.get(low[i], low[i])


def _german(low: list[str], i: int, language: str) -> str:
    char, prev, nxt = low[i], _letter_at(low, i - 1), _letter_at(low, i + 1)
    russian = language == "ru"
    if char == "г":
        return "g" if russian else "h"
    if char == "е":
        iotated = i == 0 or prev in _VOWELS or prev in _SEPARATING
        return "je" if russian and iotated else "e"
    if char == "ё":
        return "o" if prev in _HUSHING else "jo"
    if char == "и":
        if prev == "ь":
            return "ji"  # Ильич → Iljitsch
        return "i" if russian else "y"
    if char == "й":
        if not russian or nxt in _VOWELS:
            return "j"
        if prev in ("и", "ы"):
            return "j" if nxt else ""  # Noworossijsk, but Gorki, Dmitri
        return "i"  # Andrei, Nikolai, Tschuikow
    if char == "к" and russian and nxt == "с":
        return "x"  # Duden: кс → x "in allen Fällen" (Alexei)
    if char == "с":
        if russian and prev == "к":
            return ""  # written with the x
        return "ss" if prev in _VOWELS and nxt in _VOWELS else "s"
    if char == "ь":
        return "j" if nxt == "о" else ""  # Kowaljow
    if char == "ъ":
        return ""
    return _GERMAN.get(char, char)


def _french(low: list[str], i: int, language: str) -> str:
    char, prev, nxt = low[i], _letter_at(low, i - 1), _letter_at(low, i + 1)
    russian = language == "ru"
    if char == "г" and not russian:
        return "h"
    if char in ("г", "ґ"):
        return "gu" if nxt in ("е", "и", "ы", "э", "є", "і", "ї") else "g"
    if char == "е":
        iotated = prev in _VOWELS or prev in _SEPARATING
        return "ie" if russian and iotated else "e"
    if char == "ё":
        return "o" if prev in _HUSHING else "io"
    if char == "и":
        if not russian:
            return "y"
        return "ï" if prev in _VOWELS else "i"
    if char == "й":
        if prev in ("и", "ы") and not nxt:
            return ""  # Dmitri, Khmelnytsky
        return "ï" if prev in _VOWELS else "i"  # Sergueï, Andriï
    if char == "с":
        return "ss" if prev in _VOWELS and nxt in _VOWELS else "s"
    if char == "ь":
        return "i" if nxt == "о" else ""  # Kovaliov
    if char in ("ю", "я"):
        glide = "" if prev in ("и", "і", "й") else "i"  # Maria, Ioulia, Tatiana
        return glide + ("ou" if char == "ю" else "a")
    return _FRENCH.get(char, char)


_RULES: dict[str, _Rule] = {
    "icao_ru": _icao,
    "german": _german,
    "iso9": _iso9,
    "french": _french,
}

# --- public ----------------------------------------------------------------------


def detect_language(cyrillic: str) -> str | None:
    """"uk" or "ru" when letters only one of the languages uses say so, else None.

    Ukrainian: і ї є ґ, or an apostrophe inside a Cyrillic word (Мар'яна). Russian:
    ы э ё ъ. Ukrainian wins when both occur (a mixed name is more likely Ukrainian
    with a Russian-spelled part than the reverse).
    """
    text = unicodedata.normalize("NFC", cyrillic).lower()
    if any(char in _UKRAINIAN_ONLY for char in text):
        return "uk"
    for word in _WORD.findall(text):
        inner = word.strip(_APOSTROPHES)
        if _CYRILLIC.search(word) and any(char in _APOSTROPHES for char in inner):
            return "uk"
    if any(char in _RUSSIAN_ONLY for char in text):
        return "ru"
    return None


def romanise(cyrillic: str, system: str, *, language: str | None = None) -> str:
    """The Latin spelling of Cyrillic text by one of ``SYSTEMS``.

    ``language`` ("uk" or "ru") matters for ``german`` and ``french`` only; when it is
    not given it is guessed with :func:`detect_language`, defaulting to Ukrainian.
    ``kmu2010`` always follows the Ukrainian table. Raises ``ValueError`` for an
    unknown system or language.
    """
    if system not in SYSTEMS:
        raise ValueError(f"Unknown romanisation system {system!r}; known: {', '.join(SYSTEMS)}.")
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"Unknown language {language!r}; known: {', '.join(LANGUAGES)}.")
    text = unicodedata.normalize("NFC", cyrillic)
    if system == "kmu2010":
        return kmu_2010(text)
    rule = _RULES[system]
    language = language or detect_language(text) or "uk"
    latin = _WORD.sub(lambda match: _romanise_word(match.group(), rule, language), text)
    return unicodedata.normalize("NFC", latin)


def _romanise_word(word: str, rule: _Rule, language: str) -> str:
    if not _CYRILLIC.search(word):
        return word
    letters = [char for char in word if char.isalpha()]
    shouting = len(letters) > 1 and all(char.isupper() for char in letters)
    low = [_APOSTROPHE if char in _APOSTROPHES else char.lower() for char in word]
    out = []
    for index, char in enumerate(word):
        latin = rule(low, index, language)
        if shouting:
            latin = latin.upper()
        elif char.isupper():
            latin = latin[:1].upper() + latin[1:]
        out.append(latin)
    return "".join(out)
