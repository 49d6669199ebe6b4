"""Names across scripts and transliteration tables.

Three jobs, kept apart on purpose:

* ``clean_text`` — what may be stored at all (normalised, no invisible or control
  characters, bounded length). The spelling itself is never "corrected".
* ``kmu_2010`` — *suggests* the Latin spelling a Ukrainian passport would print
  (Cabinet of Ministers resolution No. 55 of 27.01.2010).
* ``match_keys`` / ``name_similarity`` — find the same name written in another script
  or transliteration table (KMU 2010, ICAO/Russian style, German, Polish, French,
  ISO 9 …) to spot duplicate registrations.

How match keys are built
------------------------
A name is turned into a string of sound-class symbols (upper-case, so they cannot be
confused with the lower-case Latin input still being read):

=======  ==============================================================
symbol   written as
=======  ==============================================================
``X``    ш ч щ ж — sh ch sch tsch tch shch schtsch sz cz szcz zh š č ž ŝ ż
``H``    г ґ х — h g kh gh, and German/Polish ch (see below)
``Z``    з с ц — z s ts tz c(e/i/y) ś ć ź (German writes з as s and ц as z)
``V``    в — v w
``I``    и і ї й ы — i y j (a glide and a vowel are not told apart)
``A``    а, and о at the start of a name (Олександр / Александр)
=======  ==============================================================

The other letters stand for themselves (k/q/c → K, x → KZ, ph → F). Then doubled
symbols collapse, "IE" becomes "E" (є/е: Yevhen / Evgeny, Hordieiev / Gordeev) and a
final -off becomes -ov. Latin "ch" is ambiguous: ч in English, French and KMU spelling,
х in German and Polish (Charkiw). Both readings are kept as variants of the name.

For every variant two keys are produced:

* ``f:`` — the folded name without a masculine ending (final run of i/e/o vowels:
  Serhii / Sergey / Sergej, Dmytro / Dmitry, Zelenskyi / Selenskyj). A final *a* is
  kept, so feminine forms stay apart (Ivan / Ivanna, Oleksandr / Oleksandra).
* ``s:`` — the consonant skeleton plus a marker for a feminine ending; it bridges
  vowel differences between Ukrainian and Russian forms (Volodymyr / Vladimir,
  Alexander / Oleksandr, Pavlo / Pavel). Skeletons of fewer than three consonants
  are too common to be useful and are not produced; three-consonant skeletons keep
  the initial vowel (Oleksii ≠ Lukas).

Some Ukrainian and Russian forms of a given name differ by more than spelling
(Ганна / Анна with the Ukrainian prothetic h, Олена / Елена, Микола / Николай). A short
table of such pairs adds the partner's key; a general "drop initial h" rule would also
join Halyna and Alina, which are different names.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

__all__ = [
    "clean_text",
    "family_name_tokens",
    "fold_name",
    "given_name_keys",
    "given_name_tokens",
    "is_patronymic",
    "kmu_2010",
    "match_keys",
    "name_similarity",
    "split_name_parts",
]

# --- clean_text ---------------------------------------------------------------

_ZERO_WIDTH = str.maketrans(dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff")))


def clean_text(value: str, max_length: int) -> str:
    """NFC-normalise, drop zero-width characters, collapse whitespace, enforce a length.

    Raises ``ValueError`` for control characters (Cc, including tab and newline),
    lone surrogates, and values longer than ``max_length`` after cleaning.
    """
    text = unicodedata.normalize("NFC", value.translate(_ZERO_WIDTH))
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Cs"):
            raise ValueError(f"Text contains a control character (U+{ord(char):04X}), not allowed.")
    text = " ".join(text.split())
    if len(text) > max_length:
        raise ValueError(f"Text is {len(text)} characters long; at most {max_length} are allowed.")
    return text


# --- KMU 55/2010 -------------------------------------------------------------

_APOSTROPHES = "'\u2019\u02bc\u2018`"

_KMU = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie",
    "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "",
    "ю": "iu", "я": "ia",
    # Russian-only letters, so that Russian Cyrillic also gets a sensible suggestion.
    "ы": "y", "э": "e", "ё": "io", "ъ": "",
}  # fmt: skip
_KMU_WORD_START = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya", "ё": "yo"}
_KMU_WORD = re.compile(r"[\w" + _APOSTROPHES + r"]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def kmu_2010(cyrillic: str) -> str:
    """The Latin spelling a Ukrainian passport would print (KMU 55/2010).

    Works word by word (hyphens and spaces separate words): ye/yi/y/yu/ya at the start
    of a word, ie/i/i/iu/ia inside; ь and apostrophes are dropped; зг → zgh.
    All-capital words stay all-capital (ЩЕРБАК → SHCHERBAK). Russian-only letters are
    accepted (ы → y, э → e, ё → yo/io, ъ dropped); the other letters follow the
    Ukrainian table, so Russian и is written y as for Ukrainian и. Non-Cyrillic text is
    left as it is.
    """
    text = unicodedata.normalize("NFC", cyrillic)
    return _KMU_WORD.sub(lambda match: _kmu_word(match.group()), text)


def _kmu_word(word: str) -> str:
    if not _CYRILLIC.search(word):
        return word
    letters = [char for char in word if char.isalpha()]
    shouting = len(letters) > 1 and all(char.isupper() for char in letters)
    out, previous = [], ""
    for char in word:
        if char in _APOSTROPHES:
            continue  # part of the word, so the next letter is not word-initial
        latin = _kmu_letter(char.lower(), word_start=not previous, after_z=previous == "з")
        if shouting:
            latin = latin.upper()
        elif char.isupper():
            latin = latin.capitalize()
        out.append(latin)
        previous = char.lower()
    return "".join(out)


def _kmu_letter(low: str, word_start: bool, after_z: bool) -> str:
    if low == "г" and after_z:
        return "gh"  # зг → zgh, so that it is not read as ж (zh)
    if word_start and low in _KMU_WORD_START:
        return _KMU_WORD_START[low]
    return _KMU.get(low, low)


# --- name parts -----------------------------------------------------------------

_PART = re.compile(r"[^\W\d_]+(?:[" + _APOSTROPHES + r"][^\W\d_]+)*")
# On folded forms: -ivna/-ovna/-evna/-ychna and -ovych/-evych/-owitsch/-owicz.
_PATRONYMIC = re.compile(r"(?:[IOE]VNA|IXNA|[OE]VIX)$")


def split_name_parts(name: str) -> list[str]:
    """The words of a name: split at spaces, hyphens and punctuation; apostrophes stay."""
    return _PART.findall(unicodedata.normalize("NFC", name))


def is_patronymic(part: str) -> bool:
    """True for East Slavic patronymics in any script (Petrivna, Петрович, Petrowitsch)."""
    form = _primary_form(part)
    return len(form) > 5 and bool(_PATRONYMIC.search(form))


def given_name_tokens(given_names: str) -> list[str]:
    """Given names without patronymics ("Olena Petrivna" → ["Olena"])."""
    parts = split_name_parts(given_names)
    names = [part for part in parts if not is_patronymic(part)]
    return names or parts


def family_name_tokens(family_name: str) -> list[str]:
    """The parts of a (possibly double) family name ("Shevchenko-Kovalenko")."""
    return split_name_parts(family_name)


# --- folding ------------------------------------------------------------------

_CYRILLIC_SYMBOLS = {
    "а": "A", "б": "B", "в": "V", "г": "H", "ґ": "H", "д": "D", "е": "E", "є": "IE",
    "ж": "X", "з": "Z", "и": "I", "і": "I", "ї": "I", "й": "I", "к": "K", "л": "L",
    "м": "M", "н": "N", "о": "O", "п": "P", "р": "R", "с": "Z", "т": "T", "у": "U",
    "ф": "F", "х": "H", "ц": "Z", "ч": "X", "ш": "X", "щ": "X", "ь": "", "ъ": "",
    "ю": "IU", "я": "IA", "ы": "I", "э": "E", "ё": "IO", "ў": "V", "ј": "I",
}  # fmt: skip
# Latin letters whose diacritics carry the sound (ISO 9, Czech, Polish, Croatian);
# other diacritics are simply stripped afterwards (é → e, ü → u).
_LATIN_SYMBOLS = {
    "š": "X", "č": "X", "ž": "X", "ŝ": "X", "ż": "X", "ś": "Z", "ć": "Z", "ź": "Z",
    "ł": "L", "ß": "ss", "ø": "o", "æ": "ae", "œ": "oe",
    "ê": "IE", "ï": "I", "û": "IU", "â": "IA", "ë": "IO", "è": "E", "ì": "I", "ǵ": "H",
}  # fmt: skip
_PRE_TABLE = str.maketrans(_CYRILLIC_SYMBOLS | _LATIN_SYMBOLS)

_DIGRAPHS = {
    "schtsch": "X", "szcz": "X", "shch": "X", "tsch": "X", "sch": "X", "tch": "X",
    "zh": "X", "sh": "X", "cz": "X", "sz": "X", "kh": "H", "gh": "H", "ch": "Q",
    "ts": "Z", "tz": "Z", "ck": "K", "ph": "F", "ou": "U",
}  # fmt: skip
_LETTERS = {
    "a": "A", "b": "B", "c": "K", "d": "D", "e": "E", "f": "F", "g": "H", "h": "H",
    "i": "I", "j": "I", "k": "K", "l": "L", "m": "M", "n": "N", "o": "O", "p": "P",
    "q": "K", "r": "R", "s": "Z", "t": "T", "u": "U", "v": "V", "w": "V", "x": "KZ",
    "y": "I", "z": "Z", "ce": "ZE", "ci": "ZI", "cy": "ZI",
}  # fmt: skip
_SYMBOL_OF = _DIGRAPHS | _LETTERS
_TOKEN = re.compile(
    "|".join(sorted(_DIGRAPHS, key=len, reverse=True)) + "|c[eiy]|[a-z]|[A-Z]"
)
_FINAL_C = re.compile(r"c$")
_AMBIGUOUS_CH = "Q"  # ч or х; resolved into variants
_MAX_AMBIGUOUS = 3  # beyond this only the all-ч and all-х readings are kept

_VOWELS = frozenset("AEIOU")
_DOUBLED = re.compile(r"(.)\1+")
_GLIDE_E = re.compile(r"I+E")
_MASCULINE_END = re.compile(r"[IEO]+$")
_FEMININE_END = re.compile(r"A[AEIOU]*$")


def _symbols(word: str) -> str:
    """Sound-class symbols of one word (may contain the ambiguous Q)."""
    text = unicodedata.normalize("NFC", word).lower().translate(_PRE_TABLE)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = _FINAL_C.sub("ts", text)  # Polish/Czech/ISO 9 Švec, Szwec: a final c is ц
    return "".join(_SYMBOL_OF.get(token, token) for token in _TOKEN.findall(text))


def _canonical(symbols: str) -> str:
    form = _DOUBLED.sub(r"\1", symbols)
    form = _DOUBLED.sub(r"\1", _GLIDE_E.sub("E", form))
    if form.startswith("O"):
        form = "A" + form[1:]  # Ukrainian О- for Russian А- (Олександр / Александр)
    if form.endswith("OF"):
        form = form[:-1] + "V"  # French/English -off for -ов
    return form


@functools.lru_cache(maxsize=65536)
def _forms(word: str) -> tuple[str, ...]:
    """Canonical forms of one word, one per reading of an ambiguous "ch"."""
    symbols = _symbols(word)
    count = symbols.count(_AMBIGUOUS_CH)
    if count == 0:
        return (_canonical(symbols),) if symbols else ()
    if count > _MAX_AMBIGUOUS:
        readings = [("X",) * count, ("H",) * count]
    else:
        readings = itertools.product("XH", repeat=count)
    pieces = symbols.split(_AMBIGUOUS_CH)
    forms = []
    for reading in readings:
        joined = pieces[0] + "".join(sound + piece for sound, piece in zip(reading, pieces[1:]))
        forms.append(_canonical(joined))
    return tuple(dict.fromkeys(forms))


def _primary_form(word: str) -> str:
    forms = _forms(word)
    return forms[0] if forms else ""


def _full_key(form: str) -> str:
    """The form without a masculine ending (-ii, -iy, -ei, -yi, -o …); -a stays."""
    stripped = _MASCULINE_END.sub("", form)
    return stripped if len(stripped) >= 2 else form


def _skeleton_key(form: str) -> str | None:
    consonants = "".join(c for c in form if c not in _VOWELS)
    if len(consonants) < 3:
        return None
    initial = form[0] if len(consonants) == 3 and form[0] in _VOWELS else ""
    feminine = "a" if _FEMININE_END.search(form) else ""
    return initial + consonants + feminine


# Ukrainian and Russian forms of the same given name that folding cannot join.
_NAME_FORM_PAIRS = (
    ("Ганна", "Анна"), ("Олена", "Елена"), ("Микола", "Николай"), ("Микита", "Никита"),
    ("Катерина", "Екатерина"), ("Тетяна", "Татьяна"), ("Віра", "Вера"), ("Яків", "Яков"),
    ("Надія", "Надежда"), ("Христина", "Кристина"), ("Пилип", "Филипп"),
    ("Омелян", "Емельян"),
)  # fmt: skip


def _partner_table() -> dict[str, str]:
    table = {}
    for ukrainian, russian in _NAME_FORM_PAIRS:
        a, b = (_full_key(_primary_form(name)) for name in (ukrainian, russian))
        table[a], table[b] = b, a
    return table


_PARTNERS = _partner_table()


def _form_keys(form: str) -> set[str]:
    full = _full_key(form)
    keys = {"f:" + full}
    partner = _PARTNERS.get(full)
    if partner:
        keys.add("f:" + partner)
    skeleton = _skeleton_key(form)
    if skeleton:
        keys.add("s:" + skeleton)
    return keys


@functools.lru_cache(maxsize=65536)
def fold_name(name: str) -> str:
    """The folded form of a name (first reading of each word), e.g. for display in debugging."""
    return " ".join(filter(None, (_primary_form(part) for part in split_name_parts(name))))


@functools.lru_cache(maxsize=65536)
def _name_keys(name: str) -> frozenset[str]:
    parts = split_name_parts(name)
    keys: set[str] = set()
    for part in parts:
        for form in _forms(part):
            keys |= _form_keys(form)
    if len(parts) > 1:
        # The whole name as one word, so "Anna-Maria" also finds "Annamaria".
        for form in _forms("".join(parts)):
            keys.add("f:" + _full_key(form))
    return frozenset(keys)


def match_keys(name: str) -> set[str]:
    """Script-independent keys; spelling variants of one name share at least one key.

    Every word of the name contributes its own keys, so a person registered once as
    "Anna-Maria" and once as "Anna" is still found. Empty for names without Latin or
    Cyrillic letters.
    """
    return set(_name_keys(name))


def given_name_keys(given_names: str) -> set[str]:
    """Match keys of given names, ignoring patronymics ("Olena Petrivna" ~ "Olena")."""
    return match_keys(" ".join(given_name_tokens(given_names)))


# --- similarity ---------------------------------------------------------------

_MAX_SIMILARITY_VARIANTS = 16


@functools.lru_cache(maxsize=65536)
def _similarity_strings(name: str) -> tuple[str, ...]:
    """Whole-name strings to compare: per reading, with and without the masculine ending."""
    per_part = [_forms(part) for part in split_name_parts(name)]
    per_part = [forms for forms in per_part if forms]
    if not per_part:
        return ()
    combos = list(itertools.islice(itertools.product(*per_part), _MAX_SIMILARITY_VARIANTS))
    strings = []
    for combo in combos:
        strings.append(" ".join(combo))
        strings.append(" ".join(_full_key(form) for form in combo))
    return tuple(dict.fromkeys(strings))


def _string_similarity(a: str, b: str) -> float:
    # OSA counts a swapped pair of letters as one edit (Shevchneko); token_set_ratio
    # forgives a missing or reordered second name (Anna Maria / Anna).
    return max(
        OSA.normalized_similarity(a, b),
        fuzz.ratio(a, b) / 100,
        fuzz.token_set_ratio(a, b) / 100,
    )


@functools.lru_cache(maxsize=65536)
def name_similarity(a: str, b: str) -> float:
    """Similarity 0..1 of two names across scripts and transliteration tables.
    Cached: a common name brings dozens of candidates with the same few spellings,
    and each pair costs up to a thousand string comparisons."""
    strings_a, strings_b = _similarity_strings(a), _similarity_strings(b)
    if not strings_a or not strings_b:
        return 0.0
    return max(_string_similarity(x, y) for x in strings_a for y in strings_b)
