"""ISO 3166-1 alpha-3 codes with German and English names (pycountry + Babel),
plus the ICAO codes for stateless (XXA) and unknown (XXX) nationality."""

from __future__ import annotations

from functools import lru_cache

import pycountry
from babel import Locale

SPECIAL = {
    "XXA": {"de": "Staatenlos", "en": "Stateless"},
    "XXX": {"de": "Unbekannt", "en": "Unknown"},
}
# Shown first in pick lists: the nationalities the arrival centre sees most.
COMMON = ("UKR", "RUS", "BLR", "MDA", "GEO", "AZE", "ARM", "KAZ", "UZB", "IND", "NGA", "MAR")


@lru_cache(maxsize=4)
def country_names(locale: str) -> dict[str, str]:
    territories = Locale.parse(locale).territories
    names = {
        country.alpha_3: territories.get(country.alpha_2, country.name)
        for country in pycountry.countries
    }
    names.update({code: labels[locale] for code, labels in SPECIAL.items()})
    return names


def is_country(code: str | None) -> bool:
    return bool(code) and code in country_names("en")


def country_name(code: str | None, locale: str = "de") -> str:
    if not code:
        return ""
    return country_names("en" if locale == "en" else "de").get(code, code)


def country_choices(locale: str = "de") -> list[tuple[str, str]]:
    names = country_names("en" if locale == "en" else "de")
    common = [(code, names[code]) for code in COMMON]
    special = [(code, names[code]) for code in SPECIAL]
    rest = sorted(((c, n) for c, n in names.items() if c not in COMMON and c not in SPECIAL),
                  key=lambda item: item[1])
    return common + special + rest
