"""Machine-readable zones (ICAO Doc 9303) as typed by a document reader or pasted.

Supported layouts: TD3 (passports, 2 × 44), TD2 (2 × 36) and TD1 (ID cards, 3 × 30).
Every check digit is verified; all failures are collected so that the clerk sees
every suspicious field at once, not one per attempt.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import NamedTuple

from arrival.core.clock import today_local

__all__ = ["MRZError", "MRZResult", "check_digit", "parse_mrz"]

_WEIGHTS = (7, 3, 1)
_ALLOWED = re.compile(r"[A-Z0-9<]*")
_WHITESPACE = re.compile(r"\s+")

# format name -> (number of lines, line length)
_LAYOUTS = {"TD1": (3, 30), "TD2": (2, 36), "TD3": (2, 44)}
_FORMAT_BY_TOTAL = {lines * length: name for name, (lines, length) in _LAYOUTS.items()}
# Lines that end in fillers (names, optional data) may lose them when copied;
# these may be padded again. Lines ending in a check digit may not.
_PADDABLE_LINES = {"TD1": (0, 2), "TD2": (0,), "TD3": (0,)}

_LABELS = {"date_of_birth": "date of birth", "expiry": "expiry date"}
_SEX = {"F": "female", "M": "male", "<": "unknown", "X": "unknown"}
# Germany is the one state that uses a one-letter code in the MRZ.
_COUNTRY_ALIASES = {"D": "DEU"}
# Expiry dates more than this many years ahead are read as last century.
_EXPIRY_WINDOW_YEARS = 50


class MRZError(ValueError):
    """The MRZ is malformed or a check digit does not match.

    ``field`` names the first problem ("format", "document_number", "date_of_birth",
    "expiry", "personal_number", "composite", "sex"); ``errors`` lists every
    problem as ``(field, message)``; ``result`` holds what could be read despite
    the errors (``None`` for layout problems) so the clerk can correct it.
    """

    def __init__(self, errors: list[tuple[str, str]], result: MRZResult | None = None):
        super().__init__("; ".join(message for _, message in errors))
        self.errors = errors
        self.field = errors[0][0]
        self.result = result


@dataclass(frozen=True)
class MRZResult:
    format: str
    document_type: str
    issuing_country: str
    family_name: str
    given_names: str
    document_number: str
    nationality: str
    date_of_birth: _dt.date | None
    sex: str
    expiry: _dt.date | None
    personal_number: str
    optional_data: str
    name_truncated: bool
    lines: tuple[str, ...]


def check_digit(data: str) -> str:
    """The ICAO 9303 check digit (weights 7, 3, 1; A=10 … Z=35; < = 0)."""
    total = 0
    for index, char in enumerate(data):
        if char.isdigit():
            value = int(char)
        elif char == "<":
            value = 0
        else:
            value = ord(char) - ord("A") + 10
        total += value * _WEIGHTS[index % 3]
    return str(total % 10)


def parse_mrz(text: str, today: _dt.date | None = None) -> MRZResult:
    """Parse and verify an MRZ; raise ``MRZError`` if anything does not add up.

    ``today`` anchors the two-digit years (default: the current date).
    """
    fmt, lines = _split_lines(text)
    today = today or today_local()
    errors: list[tuple[str, str]] = []
    result = _build(fmt, _SLICERS[fmt](lines, errors), lines, today, errors)
    if errors:
        raise MRZError(errors, result)
    return result


# --- layout -----------------------------------------------------------------


def _format_error(message: str) -> MRZError:
    return MRZError([("format", message)])


def _split_lines(text: str) -> tuple[str, list[str]]:
    upper = text.upper()
    # Pasting inserts spaces and line breaks; an MRZ itself never contains spaces.
    lines = [_WHITESPACE.sub("", line) for line in upper.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise _format_error("no machine-readable zone was entered")
    if len(lines) == 1:
        fmt, lines = _split_joined(lines[0])
    else:
        fmt = _format_from_lines(lines)
        lines = _pad_filler_lines(fmt, lines)
    _check_characters(lines)
    if lines[0].startswith("V"):
        raise _format_error("this is a visa (MRV); only passports and ID cards are supported")
    return fmt, lines


def _split_joined(joined: str) -> tuple[str, list[str]]:
    fmt = _FORMAT_BY_TOTAL.get(len(joined))
    if fmt is None:
        raise _format_error(
            f"a machine-readable zone has 2 × 44, 2 × 36 or 3 × 30 characters, not {len(joined)}"
        )
    length = _LAYOUTS[fmt][1]
    return fmt, [joined[i : i + length] for i in range(0, len(joined), length)]


def _format_from_lines(lines: list[str]) -> str:
    # The second line always ends with a check digit, so its length is reliable.
    if len(lines) == 3 and len(lines[1]) == 30:
        return "TD1"
    if len(lines) == 2 and len(lines[1]) == 44:
        return "TD3"
    if len(lines) == 2 and len(lines[1]) == 36:
        return "TD2"
    lengths = " + ".join(str(len(line)) for line in lines)
    raise _format_error(
        f"expected 2 lines of 44 (passport), 2 of 36 or 3 of 30 (ID card) characters, got {lengths}"
    )


def _pad_filler_lines(fmt: str, lines: list[str]) -> list[str]:
    length = _LAYOUTS[fmt][1]
    padded = []
    for number, line in enumerate(lines):
        if number in _PADDABLE_LINES[fmt]:
            line = line.ljust(length, "<")
        if len(line) != length:
            raise _format_error(f"line {number + 1} has {len(line)} characters, expected {length}")
        padded.append(line)
    return padded


def _check_characters(lines: list[str]) -> None:
    for number, line in enumerate(lines, start=1):
        if not _ALLOWED.fullmatch(line):
            bad = "".join(sorted({c for c in line if not _ALLOWED.fullmatch(c)}))
            raise _format_error(f"line {number} contains characters not used in an MRZ: {bad}")


# --- layouts ----------------------------------------------------------------


class _Slices(NamedTuple):
    """The raw fields of one MRZ, cut out according to its layout."""

    type_code: str
    issuer: str
    name: str
    number: str  # without check digit, already verified
    nationality: str
    birth: str  # YYMMDD + check digit
    sex: str
    expiry: str  # YYMMDD + check digit
    personal: str
    optional: str
    composite: str  # the data the composite check digit covers
    composite_check: str


def _slice_td3(lines: list[str], errors: list) -> _Slices:
    top, bottom = lines
    _verify(errors, "document_number", "document number", bottom[0:9], bottom[9])
    _verify(errors, "personal_number", "personal number", bottom[28:42], bottom[42])
    return _Slices(
        type_code=top[0:2], issuer=top[2:5], name=top[5:44], number=bottom[0:9],
        nationality=bottom[10:13], birth=bottom[13:20], sex=bottom[20],
        expiry=bottom[21:28], personal=bottom[28:42], optional="",
        composite=bottom[0:10] + bottom[13:20] + bottom[21:43], composite_check=bottom[43],
    )  # fmt: skip


def _slice_td2(lines: list[str], errors: list) -> _Slices:
    top, bottom = lines
    number, optional = _document_number(bottom[0:9], bottom[9], bottom[28:35], errors)
    return _Slices(
        type_code=top[0:2], issuer=top[2:5], name=top[5:36], number=number,
        nationality=bottom[10:13], birth=bottom[13:20], sex=bottom[20],
        expiry=bottom[21:28], personal=optional, optional="",
        composite=bottom[0:10] + bottom[13:20] + bottom[21:35], composite_check=bottom[35],
    )  # fmt: skip


def _slice_td1(lines: list[str], errors: list) -> _Slices:
    top, middle, bottom = lines
    number, optional = _document_number(top[5:14], top[14], top[15:30], errors)
    return _Slices(
        type_code=top[0:2], issuer=top[2:5], name=bottom, number=number,
        nationality=middle[15:18], birth=middle[0:7], sex=middle[7],
        expiry=middle[8:15], personal=optional, optional=middle[18:29],
        composite=top[5:30] + middle[0:7] + middle[8:15] + middle[18:29],
        composite_check=middle[29],
    )  # fmt: skip


def _document_number(principal: str, check: str, optional: str, errors: list) -> tuple[str, str]:
    """Document number and remaining optional data of TD1/TD2.

    Numbers longer than 9 characters put a filler where the check digit belongs and
    continue in the optional data, followed by the check digit over the whole number
    (ICAO 9303-11 worked example: D23145890734 → 9).
    """
    if check != "<" or principal.endswith("<"):
        _verify(errors, "document_number", "document number", principal, check)
        return principal, optional
    extension = optional.split("<", 1)[0]
    if len(extension) < 2:
        message = "document number: the continuation of a long number is missing"
        errors.append(("document_number", message))
        return principal + extension, optional[len(extension) :]
    number = principal + extension[:-1]
    _verify(errors, "document_number", "document number", number, extension[-1])
    return number, optional[len(extension) :]


def _build(fmt: str, raw: _Slices, lines: list[str], today: _dt.date, errors: list) -> MRZResult:
    _verify(errors, "date_of_birth", "date of birth", raw.birth[:6], raw.birth[6])
    _verify(errors, "expiry", "expiry date", raw.expiry[:6], raw.expiry[6])
    _verify(errors, "composite", "composite check digit", raw.composite, raw.composite_check)
    family, given = _names(raw.name)
    return MRZResult(
        format=fmt,
        document_type=raw.type_code.replace("<", ""),
        issuing_country=_country(raw.issuer),
        family_name=family,
        given_names=given,
        document_number=raw.number.replace("<", ""),
        nationality=_country(raw.nationality),
        date_of_birth=_date(raw.birth[:6], _birth_year, "date_of_birth", today, errors),
        sex=_sex(raw.sex, errors),
        expiry=_date(raw.expiry[:6], _expiry_year, "expiry", today, errors),
        personal_number=_filler_to_spaces(raw.personal),
        optional_data=_filler_to_spaces(raw.optional),
        # A name field without trailing fillers was probably cut off to fit.
        name_truncated=not raw.name.endswith("<"),
        lines=tuple(lines),
    )


# --- fields -----------------------------------------------------------------


def _verify(errors: list, field: str, label: str, data: str, check: str) -> None:
    # An empty optional field may carry a filler instead of the check digit 0.
    if check == "<" and set(data) <= {"<"}:
        return
    expected = check_digit(data)
    if check != expected:
        message = f"{label}: check digit is {check}, expected {expected}; compare with the document"
        errors.append((field, message))


def _names(field: str) -> tuple[str, str]:
    family, _, given = field.partition("<<")
    return _filler_to_spaces(family), _filler_to_spaces(given)


def _filler_to_spaces(value: str) -> str:
    return " ".join(value.replace("<", " ").split())


def _country(code: str) -> str:
    letters = code.replace("<", "")
    return _COUNTRY_ALIASES.get(letters, letters)


def _sex(code: str, errors: list) -> str:
    if code not in _SEX:
        errors.append(("sex", f"sex: {code!r} is not F, M, X or <"))
        return "unknown"
    return _SEX[code]


def _birth_year(two_digits: int, month: int, day: int, today: _dt.date) -> int:
    # Nobody is born in the future: a birthday after today belongs to the last century.
    year = 2000 + two_digits
    return year - 100 if (year, month, day) > (today.year, today.month, today.day) else year


def _expiry_year(two_digits: int, month: int, day: int, today: _dt.date) -> int:
    year = 2000 + two_digits
    return year - 100 if year > today.year + _EXPIRY_WINDOW_YEARS else year


def _date(raw: str, resolve_year, field: str, today: _dt.date, errors: list):
    """A date from YYMMDD; None when parts are unknown (fillers or 00)."""
    label = _LABELS[field]
    if "<" in raw:
        return None
    if not raw.isdigit():
        errors.append((field, f"{label}: {raw} is not a date"))
        return None
    yy, month, day = int(raw[0:2]), int(raw[2:4]), int(raw[4:6])
    if month == 0 or day == 0:
        return None
    try:
        return _dt.date(resolve_year(yy, month, day, today), month, day)
    except ValueError:
        errors.append((field, f"{label}: {raw} is not a valid date"))
        return None


_SLICERS = {"TD1": _slice_td1, "TD2": _slice_td2, "TD3": _slice_td3}
