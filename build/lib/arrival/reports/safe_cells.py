"""Spreadsheet formula injection: a text cell that starts with = + - @, a tab or a
carriage return would be run as a formula by Excel or LibreOffice. Such cells get a
leading apostrophe; numbers stay numbers, and "+49 711 …" stays readable."""

from __future__ import annotations

DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(DANGEROUS_STARTS):
        return "'" + value
    return value


def neutralise_frame(frame):
    return frame.map(neutralise)
