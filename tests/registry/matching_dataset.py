"""Labelled pairs of person records for measuring duplicate detection.

    pairs = generate_pairs(n_positive=400, n_negative=400, seed=7)
    for a, b, same_person, scenario in pairs: ...
    summary(pairs)  # {"transliteration": 68, ..., "cousins": 72}

Every pair is a 4-tuple ``(a, b, same_person, scenario)``: two records, the label
(True: the same person registered twice) and the name of the scenario that produced it
(one of ``POSITIVE_SCENARIOS`` or ``NEGATIVE_SCENARIOS``; the names are distinct, so the
scenario also tells the label). The output depends only on the arguments: one
``random.Random(seed)`` drives everything and no set or hash order is consulted.

A record is a dict with exactly these keys:

``family_name``, ``given_names``
    Latin, as a clerk typed it from a document: one of the romanisation tables of
    ``arrival.registry.transliteration``, sometimes all capitals as printed in passports,
    sometimes with the patronymic after the given name ("Olena Petrivna").
``family_name_cyrillic``, ``given_names_cyrillic``
    The Cyrillic original, or both "" when it was not recorded.
``sex``
    "female" or "male".
``date_of_birth``, ``birth_year``
    A ``datetime.date`` or None when only the (possibly estimated) year is known;
    ``birth_year`` is always set and equals ``date_of_birth.year`` when there is a date.
``document_number``
    A Ukrainian passport ("FX123456") or ID-card (nine digits) number, or "".
``patronymic``
    The Cyrillic patronymic in its own field (Ukrainian form), or "".
``document_type``
    "passport" or "national_id" (nine digits) for a number, else "".

How a registration writes a person down (table, Ukrainian or Russian name form, Cyrillic
recorded or not, patronymic, capitals, document number) is drawn from the same
distributions for both labels, so that only the scenario, not the background, separates
them; family members registered together (siblings, twins, parent and child, half of the
cousins) are written down alike.

Positive scenarios (the same person, registered again elsewhere), with their share:

================== ===== ==============================================================
transliteration    12 %  the same Ukrainian Cyrillic romanised by two different tables
russian_form        9 %  Russian form of the given (and family) name on one side
                         (Олександр / Александр, Ганна / Анна, Ковальов / Ковалев)
cyrillic_one_side   6 %  Cyrillic recorded on one side only
patronymic          5 %  patronymic typed into the given names on one side
patronymic_field    4 %  patronymic in its own field on one side, in the given names on
                         the other
typo               14 %  one wrong, missing, doubled or swapped letter in the Latin family
                         or first given name (half of them otherwise spelled alike)
day_month_swap      6 %  day and month swapped (only dates with both ≤ 12)
year_only           6 %  only the birth year on one side, the same or ±1 (estimated)
same_document       8 %  the same document number on both sides
swapped_fields     12 %  family and given names typed into each other's fields on one
                         side (the Cyrillic ones too, half of the time)
double_family_name  5 %  a double family name (hyphen or space) on one side
maiden_name         4 %  a woman under another family name on one side; the patronymic on
                         both (or the maiden name kept in a double name), a quarter with
                         the same document
mother_family_name  4 %  a child (born 2008–2023) under the other parent's family name;
                         the patronymic on both, a quarter with the same document
new_document        5 %  two different numbers of the same type (a new passport)
================== ===== ==============================================================

Outside ``same_document`` the numbers are missing on one or both sides or differ (a new
passport, an ID card instead of a passport).

Negative scenarios (different people who look alike), each recognisable by a person who
reads both records:

================== ===== ==============================================================
siblings           15 %  same family name and spelling, same patronymic, different given
                         names, born 1–15 years apart
twins              10 %  same family name, same date of birth, different given names; a
                         third of them of different sex, often with paired names
                         (Олександр / Олександра)
common_name        17 %  same given and family name, born 3–40 years apart
same_birth_date    10 %  same date of birth, different given and family names
mother_daughter    10 %  same given name and (feminine) family name, 20–35 years apart
father_son          7 %  the same for father and son; the son's patronymic is the
                         father's given name
cousins            15 %  same family name and birth year, different given names
namesake_same_     16 %  same given name, sex and date of birth; another family name
birth_date               (often with the same ending: Kovalenko / Klymenko), another
                         father, documents of the same type with different numbers
================== ===== ==============================================================

No two people share a document number, so a negative pair never does.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from arrival.registry.transliteration import romanise

__all__ = [
    "FEMALE_GIVEN_NAMES",
    "MALE_GIVEN_NAMES",
    "NEGATIVE_SCENARIOS",
    "PATRONYMICS",
    "POSITIVE_SCENARIOS",
    "RECORD_KEYS",
    "SURNAMES",
    "feminine_surname",
    "generate_pairs",
    "summary",
]

RECORD_KEYS = (
    "family_name",
    "given_names",
    "family_name_cyrillic",
    "given_names_cyrillic",
    "sex",
    "date_of_birth",
    "birth_year",
    "document_number",
    "patronymic",
    "document_type",
)

from arrival.demo.names import (  # noqa: E402  (pools shared with the demo data)
    FEMALE_GIVEN_NAMES,
    MALE_GIVEN_NAMES,
    PATRONYMICS,
    SURNAMES,
    UK_DECLINING_ENDINGS,
    feminine_surname,
)


def _surname_forms(entry: tuple[str, str], sex: str) -> tuple[str, str]:
    uk, ru = entry
    if sex == "male" or not uk.endswith(UK_DECLINING_ENDINGS):
        return entry
    return feminine_surname(uk, "uk"), feminine_surname(ru, "ru")


def _paired_names() -> tuple[tuple[tuple[str, str], tuple[str, str]], ...]:
    """Masculine and feminine given names that differ only in the ending (Олександр /
    Олександра, Валерій / Валерія, Євген / Євгенія), for twins of different sex."""
    female = {entry[0]: entry for entry in FEMALE_GIVEN_NAMES}
    pairs = []
    for entry in MALE_GIVEN_NAMES:
        name = entry[0]
        for candidate in (name + "а", name[:-1] + "я", name + "ія"):
            if candidate in female:
                pairs.append((entry, female[candidate]))
                break
    return tuple(pairs)


_PAIRED_NAMES = _paired_names()

# --- scenarios ---------------------------------------------------------------------

POSITIVE_SCENARIOS = {
    "transliteration": 0.12,
    "russian_form": 0.09,
    "cyrillic_one_side": 0.06,
    "patronymic": 0.05,
    "patronymic_field": 0.04,
    "typo": 0.14,
    "day_month_swap": 0.06,
    "year_only": 0.06,
    "same_document": 0.08,
    "swapped_fields": 0.12,
    "double_family_name": 0.05,
    "maiden_name": 0.04,
    "mother_family_name": 0.04,
    "new_document": 0.05,
}
NEGATIVE_SCENARIOS = {
    "siblings": 0.15,
    "twins": 0.10,
    "common_name": 0.17,
    "same_birth_date": 0.10,
    "mother_daughter": 0.10,
    "father_son": 0.07,
    "cousins": 0.15,
    "namesake_same_birth_date": 0.16,
}

# Which tables a document or office uses, for Ukrainian and for Russian name forms.
_SYSTEM_WEIGHTS = {
    "uk": {"kmu2010": 0.55, "icao_ru": 0.15, "german": 0.15, "iso9": 0.10, "french": 0.05},
    "ru": {"icao_ru": 0.45, "german": 0.30, "iso9": 0.15, "french": 0.10},
}
_FIRST_YEAR, _LAST_YEAR = 1940, 2023
_PASSPORT_SERIES = ("FA", "FB", "FC", "FE", "FH", "FJ", "FK", "FM", "FP", "FR", "FS", "FT",
                    "FU", "FV", "FX", "FY", "EA", "EB", "EK", "EM", "EP", "ET", "EY")  # fmt: skip
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


@dataclasses.dataclass(frozen=True)
class _Person:
    sex: str
    given: tuple[str, str]  # (Ukrainian, Russian) Cyrillic
    surname: tuple[str, str]  # in the person's sex
    patronymic: tuple[str, str]
    date_of_birth: dt.date


@dataclasses.dataclass(frozen=True)
class _Look:
    """How one registration wrote a person down."""

    form: str  # "uk" or "ru": the name form the Latin spelling comes from
    system: str
    cyrillic: str  # "uk", "ru" or "" (not recorded)
    patronymic: bool
    capitals: bool
    patronymic_field: bool = False  # the Cyrillic patronymic in its own field
    swap: bool = False  # family and given names typed into each other's fields


def _allocate(n: int, weights: dict[str, float]) -> list[str]:
    """Exactly n scenario names in proportion to the weights (largest remainder)."""
    total = sum(weights.values())
    names = list(weights)
    exact = [n * weights[name] / total for name in names]
    counts = [int(value) for value in exact]
    by_remainder = sorted(range(len(names)), key=lambda i: (counts[i] - exact[i], i))
    for i in by_remainder[: n - sum(counts)]:
        counts[i] += 1
    return [name for name, count in zip(names, counts) for _ in range(count)]


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.documents: set[str] = set()

    # --- drawing people ---------------------------------------------------------

    def _ranked(self, pool):
        """An entry of a pool, earlier (more common) entries more often."""
        weights = [1 / (rank + 8) for rank in range(len(pool))]
        return self.rng.choices(pool, weights)[0]

    def sex(self) -> str:
        return self.rng.choice(("female", "male"))

    def given(self, sex: str, *, other_than=(), common=False, russian_form=False):
        pool = MALE_GIVEN_NAMES if sex == "male" else FEMALE_GIVEN_NAMES
        pool = pool[:20] if common else pool
        choices = [e for e in pool if e not in other_than and (e[0] != e[1] or not russian_form)]
        return self._ranked(choices)

    def surname_entry(self, *, other_than=(), common=False):
        pool = SURNAMES[:25] if common else SURNAMES
        return self._ranked([entry for entry in pool if entry not in other_than])

    def father(self, *, other_than=()) -> str:
        return self._ranked([name for name in PATRONYMICS if name not in other_than])

    def date_in(self, year: int, *, other_than=()) -> dt.date:
        while True:
            day = dt.date(year, 1, 1) + dt.timedelta(days=self.rng.randrange(365))
            if day not in other_than:
                return day

    def year(self, first: int = _FIRST_YEAR, last: int = _LAST_YEAR) -> int:
        return self.rng.randint(first, last)

    def person(self, *, sex=None, given=None, surname=None, father=None, born=None):
        sex = sex or self.sex()
        given = given or self.given(sex)
        patronymics = PATRONYMICS[father or self.father()]
        patronymic = patronymics[0::2] if sex == "male" else patronymics[1::2]
        return _Person(
            sex=sex,
            given=given,
            surname=_surname_forms(surname or self.surname_entry(), sex),
            patronymic=patronymic,
            date_of_birth=born or self.date_in(self.year()),
        )

    # --- drawing registrations --------------------------------------------------

    def look(self, *, form=None, system=None, cyrillic=None, patronymic=None,
             patronymic_field=None) -> _Look:
        rng = self.rng
        form = form or ("ru" if rng.random() < 0.12 else "uk")
        if system is None:
            weights = _SYSTEM_WEIGHTS[form]
            system = rng.choices(list(weights), list(weights.values()))[0]
        if cyrillic is None:
            cyrillic = rng.random() < 0.6
        if cyrillic is True:
            other = "ru" if form == "uk" else "uk"
            cyrillic = form if rng.random() < 0.85 else other
        return _Look(
            form=form,
            system=system,
            cyrillic=cyrillic or "",
            patronymic=rng.random() < 0.1 if patronymic is None else patronymic,
            capitals=rng.random() < 0.15,
            patronymic_field=rng.random() < 0.3 if patronymic_field is None
            else patronymic_field,
        )

    def document(self, kind: str | None = None) -> str:
        while True:
            if kind == "passport" or (kind is None and self.rng.random() < 0.6):
                number = self.rng.choice(_PASSPORT_SERIES) + f"{self.rng.randrange(10**6):06d}"
            else:
                number = f"{self.rng.randrange(10**8, 10**9)}"
            if number not in self.documents:
                self.documents.add(number)
                return number

    def maybe_document(self) -> str:
        return self.document() if self.rng.random() < 0.6 else ""

    def record(self, person: _Person, look: _Look, **overrides) -> dict:
        language = look.form
        index = 0 if look.form == "uk" else 1
        given = person.given[index]
        if look.patronymic:
            given += " " + person.patronymic[index]
        family_name = romanise(person.surname[index], look.system, language=language)
        given_names = romanise(given, look.system, language=language)
        if look.capitals:
            family_name, given_names = family_name.upper(), given_names.upper()
        cyrillic_index = 0 if look.cyrillic == "uk" else 1
        given_cyrillic = person.given[cyrillic_index]
        if look.patronymic:
            given_cyrillic += " " + person.patronymic[cyrillic_index]
        record = {
            "family_name": family_name,
            "given_names": given_names,
            "family_name_cyrillic": person.surname[cyrillic_index] if look.cyrillic else "",
            "given_names_cyrillic": given_cyrillic if look.cyrillic else "",
            "sex": person.sex,
            "date_of_birth": person.date_of_birth,
            "birth_year": person.date_of_birth.year,
            "document_number": "",
            "patronymic": person.patronymic[0] if look.patronymic_field else "",
            "document_type": "",
        }
        record.update(overrides)
        if look.swap:
            record["family_name"], record["given_names"] = (record["given_names"],
                                                            record["family_name"])
            if self.rng.random() < 0.5:
                record["family_name_cyrillic"], record["given_names_cyrillic"] = (
                    record["given_names_cyrillic"], record["family_name_cyrillic"])
        if record["document_number"]:
            record["document_type"] = ("national_id" if record["document_number"].isdigit()
                                       else "passport")
        return record

    def typo(self, word: str) -> str:
        """One wrong, missing, doubled or swapped letter, never the first one."""
        rng = self.rng
        while True:
            positions = [i for i, c in enumerate(word) if i > 0 and c.isascii() and c.isalpha()]
            i = rng.choice(positions)
            kind = rng.choice(("substitute", "delete", "double", "transpose"))
            if kind == "substitute":
                replacement = rng.choice(_neighbours(word[i].lower()))
                if word[i].isupper():
                    replacement = replacement.upper()
                result = word[:i] + replacement + word[i + 1 :]
            elif kind == "delete" and len(word) > 4:
                result = word[:i] + word[i + 1 :]
            elif kind == "double":
                result = word[:i] + word[i] + word[i:]
            elif kind == "transpose" and i + 1 < len(word) and word[i + 1].isalpha():
                result = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
            else:
                continue
            if result != word:
                return result

    # --- pairs ------------------------------------------------------------------------

    def positive(self, scenario: str) -> tuple[dict, dict]:
        rng = self.rng
        look_a, look_b = self.look(), self.look()
        a_extra, b_extra = {}, {}
        if scenario == "russian_form":
            sex = self.sex()
            person = self.person(sex=sex, given=self.given(sex, russian_form=True))
            look_a, look_b = self.look(form="uk"), self.look(form="ru")
        elif scenario == "day_month_swap":
            born = self.date_in(self.year())
            while born.day > 12 or born.day == born.month:
                born = self.date_in(born.year)
            person = self.person(born=born)
            b_extra["date_of_birth"] = dt.date(born.year, born.day, born.month)
        else:
            person = self.person()
        if scenario == "transliteration":
            while (looks := self._different_tables(person)) is None:
                person = self.person()
            look_a, look_b = looks
        elif scenario == "cyrillic_one_side":
            look_a, look_b = self.look(cyrillic=True), self.look(cyrillic=False)
        elif scenario == "patronymic":
            look_a, look_b = self.look(patronymic=False), self.look(patronymic=True)
        elif scenario == "patronymic_field":
            look_a = self.look(patronymic=False, patronymic_field=True)
            look_b = self.look(patronymic=True, patronymic_field=False)
        elif scenario == "typo" and rng.random() < 0.5:
            look_b = look_a
        elif scenario == "swapped_fields":
            look_b = dataclasses.replace(look_b, swap=True)
        elif scenario in ("maiden_name", "mother_family_name"):
            # Only the family name differs; what tells a reader it is the same person is
            # the patronymic on both records (or, on the married side, the maiden name
            # kept as part of a double name) — and the same document on some.
            if scenario == "maiden_name":
                person = self.person(sex="female", born=self.date_in(self.year(1950, 2000)))
            else:
                person = self.person(born=self.date_in(self.year(2008, 2023)))
            other = _surname_forms(self.surname_entry(other_than=(person.surname,)), person.sex)
            keeps_maiden = scenario == "maiden_name" and rng.random() < 0.3
            if keeps_maiden:
                other = (other[0] + "-" + person.surname[0], other[1] + "-" + person.surname[1])
            else:
                in_field = rng.random() < 0.6
                look_a = self.look(patronymic=not in_field, patronymic_field=in_field)
                in_field = rng.random() < 0.6
                look_b = self.look(patronymic=not in_field, patronymic_field=in_field)
            b_person = dataclasses.replace(person, surname=other)
        elif scenario == "double_family_name":
            other = _surname_forms(self.surname_entry(other_than=(person.surname,)), person.sex)
            joiner = rng.choice(("-", "-", " "))
            parts = (person.surname, other) if rng.random() < 0.6 else (other, person.surname)
            b_person = dataclasses.replace(person, surname=(
                parts[0][0] + joiner + parts[1][0], parts[0][1] + joiner + parts[1][1]))
        elif scenario == "year_only":
            year = person.date_of_birth.year + rng.choice((0, 0, 0, -1, 1))
            b_extra.update(date_of_birth=None, birth_year=year)
        if scenario == "same_document" or (
                scenario in ("maiden_name", "mother_family_name") and rng.random() < 0.25):
            a_extra["document_number"] = b_extra["document_number"] = self.document()
        elif scenario == "new_document":  # a new passport, or a new ID card
            kind = "passport" if rng.random() < 0.6 else "national_id"
            a_extra["document_number"] = self.document(kind)
            b_extra["document_number"] = self.document(kind)
        else:
            a_extra["document_number"] = self.maybe_document()
            b_extra["document_number"] = self.maybe_document()
        b_person = locals().get("b_person", person)
        a, b = self.record(person, look_a, **a_extra), self.record(b_person, look_b, **b_extra)
        if scenario == "typo":
            field = rng.choice(("family_name", "given_names"))
            first, _, rest = b[field].partition(" ")
            b[field] = self.typo(first) + (" " + rest if rest else "")
        return a, b

    def _different_tables(self, person: _Person) -> tuple[_Look, _Look] | None:
        """Two looks of the Ukrainian form whose tables spell the name differently; None
        for names that every table spells alike (Олександр Бондаренко)."""
        for _ in range(50):
            look_a, look_b = self.look(form="uk"), self.look(form="uk")
            look_b = dataclasses.replace(look_b, capitals=look_a.capitals, patronymic=False)
            look_a = dataclasses.replace(look_a, patronymic=False)
            a, b = self.record(person, look_a), self.record(person, look_b)
            if (a["family_name"], a["given_names"]) != (b["family_name"], b["given_names"]):
                return look_a, look_b
        return None

    def negative(self, scenario: str) -> tuple[dict, dict]:
        rng = self.rng
        together = True  # registered together (a family): written down alike
        if scenario in ("siblings", "twins", "cousins"):
            surname = self.surname_entry()
            sex_a = self.sex()
            if scenario == "twins":
                other_sex = "male" if sex_a == "female" else "female"
                sex_b = sex_a if rng.random() < 2 / 3 else other_sex
            else:
                sex_b = self.sex()
            if scenario == "twins" and sex_a != sex_b and rng.random() < 0.6:
                male, female = rng.choice(_PAIRED_NAMES)
                given_a, given_b = (male, female) if sex_a == "male" else (female, male)
            else:
                given_a = self.given(sex_a)
                given_b = self.given(sex_b, other_than=(given_a,))
            father_a = self.father()
            father_b = father_a if scenario != "cousins" else self.father(other_than=(father_a,))
            year = self.year(_FIRST_YEAR + 15, _LAST_YEAR - 15)
            born_a = self.date_in(year)
            if scenario == "twins":
                born_b = born_a
            elif scenario == "siblings":
                born_b = self.date_in(year + rng.choice((-1, 1)) * rng.randint(1, 15))
            else:
                born_b = self.date_in(year, other_than=(born_a,))
                together = rng.random() < 0.5
            a = self.person(sex=sex_a, given=given_a, surname=surname, father=father_a, born=born_a)
            b = self.person(sex=sex_b, given=given_b, surname=surname, father=father_b, born=born_b)
        elif scenario == "common_name":
            together = False
            sex = self.sex()
            given, surname = self.given(sex, common=True), self.surname_entry(common=True)
            year_a = self.year()
            gap = rng.randint(3, 40)
            year_b = year_a + gap if year_a + gap <= _LAST_YEAR else year_a - gap
            a = self.person(sex=sex, given=given, surname=surname, born=self.date_in(year_a))
            b = self.person(sex=sex, given=given, surname=surname, born=self.date_in(year_b))
        elif scenario == "same_birth_date":
            together = False
            surname_a = self.surname_entry()
            a = self.person(surname=surname_a)
            sex = a.sex if rng.random() < 0.6 else self.sex()
            b = self.person(
                sex=sex,
                given=self.given(sex, other_than=(a.given,)),
                surname=self.surname_entry(other_than=(surname_a,)),
                born=a.date_of_birth,
            )
        elif scenario == "namesake_same_birth_date":
            # Same given name, sex and date of birth; a different family name (often
            # with the same ending: Kovalenko / Klymenko) and different documents of
            # the same type — a reader sees two people.
            together = False
            a = self.person()
            ending = a.surname[0][-3:]
            similar = [e for e in SURNAMES if e[0][-3:] == ending and e[0] != a.surname[0]
                       and _surname_forms(e, a.sex) != a.surname]
            entry = (self.rng.choice(similar) if similar and rng.random() < 0.7
                     else self.surname_entry(other_than=[e for e in SURNAMES
                                                         if _surname_forms(e, a.sex) == a.surname]))
            father = self.father(other_than=[name for name, forms in PATRONYMICS.items()
                                             if a.patronymic[0] in forms])
            b = self.person(sex=a.sex, given=a.given, surname=entry, father=father,
                            born=a.date_of_birth)
            kind = "passport" if rng.random() < 0.6 else "national_id"
            look_a, look_b = self.look(), self.look()
            return (self.record(a, look_a, document_number=self.document(kind)),
                    self.record(b, look_b, document_number=self.document(kind)))
        else:  # mother_daughter, father_son
            if scenario == "mother_daughter":
                sex, given = "female", self.given("female")
            else:  # the son's patronymic is made from the father's given name
                sex = "male"
                given = self.given(sex, other_than=[e for e in MALE_GIVEN_NAMES
                                                    if e[0] not in PATRONYMICS])
            surname = self.surname_entry()
            parent_year = self.year(1950, 1985)
            child_year = parent_year + rng.randint(20, 35)
            grandfather = self.father(other_than=(given[0],))
            child_father = given[0] if sex == "male" else self.father(other_than=(grandfather,))
            a = self.person(sex=sex, given=given, surname=surname, father=grandfather,
                            born=self.date_in(parent_year))
            b = self.person(sex=sex, given=given, surname=surname, father=child_father,
                            born=self.date_in(child_year))
        look_a = self.look()
        look_b = look_a if together else self.look()
        return (
            self.record(a, look_a, document_number=self.maybe_document()),
            self.record(b, look_b, document_number=self.maybe_document()),
        )


def _neighbours(letter: str) -> str:
    """Letters next to one on a QWERTY keyboard (same row), or any vowel for others."""
    for row in _KEYBOARD_ROWS:
        index = row.find(letter)
        if index >= 0:
            return row[max(index - 1, 0) : index] + row[index + 1 : index + 2]
    return "aeiou"


def generate_pairs(
    n_positive: int = 400, n_negative: int = 400, seed: int = 7
) -> list[tuple[dict, dict, bool, str]]:
    """Labelled record pairs ``(a, b, same_person, scenario)`` in a shuffled order.

    Scenarios are allotted in the proportions of ``POSITIVE_SCENARIOS`` and
    ``NEGATIVE_SCENARIOS`` (exactly, up to rounding; with small n some may get none).
    Which record of a pair is ``a`` is random.
    """
    generator = _Generator(seed)
    rng = generator.rng
    plan = [(True, name) for name in _allocate(n_positive, POSITIVE_SCENARIOS)]
    plan += [(False, name) for name in _allocate(n_negative, NEGATIVE_SCENARIOS)]
    rng.shuffle(plan)
    pairs = []
    for label, scenario in plan:
        a, b = generator.positive(scenario) if label else generator.negative(scenario)
        if rng.random() < 0.5:
            a, b = b, a
        pairs.append((a, b, label, scenario))
    return pairs


def summary(pairs) -> dict[str, int]:
    """Pairs per scenario, positive scenarios first, in the order of the tables above."""
    counts = dict.fromkeys([*POSITIVE_SCENARIOS, *NEGATIVE_SCENARIOS], 0)
    for *_, scenario in pairs:
        counts[scenario] += 1
    return counts
