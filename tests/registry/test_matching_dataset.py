"""The labelled pairs for measuring duplicate detection (tests/registry/matching_dataset.py)."""

import datetime as dt
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rapidfuzz.distance import OSA

from tests.registry.matching_dataset import (
    FEMALE_GIVEN_NAMES,
    MALE_GIVEN_NAMES,
    NEGATIVE_SCENARIOS,
    PATRONYMICS,
    POSITIVE_SCENARIOS,
    RECORD_KEYS,
    SURNAMES,
    feminine_surname,
    generate_pairs,
    summary,
)

ROOT = Path(__file__).resolve().parents[2]
UKRAINIAN_ONLY = set("іїєґІЇЄҐ'")
RUSSIAN_ONLY = set("ыэёъЫЭЁЪ")


def is_cyrillic_text(text):
    return all("\u0400" <= char <= "\u04ff" or char in " -'" for char in text)


def has_cyrillic(text):
    return any("\u0400" <= char <= "\u04ff" for char in text)


@pytest.fixture(scope="module")
def pairs():
    return generate_pairs()


def of(pairs, scenario):
    found = [(a, b) for a, b, _, name in pairs if name == scenario]
    assert found
    return found


def first_given(record):
    return record["given_names"].split()[0].casefold()


# --- pools ----------------------------------------------------------------------------


def test_pools_are_large_enough():
    assert len(MALE_GIVEN_NAMES) >= 60
    assert len(FEMALE_GIVEN_NAMES) >= 60
    assert len(SURNAMES) >= 80


@pytest.mark.parametrize(
    "ukrainian, russian",
    [("Олександр", "Александр"), ("Олена", "Елена"), ("Ганна", "Анна"), ("Микола", "Николай"),
     ("Сергій", "Сергей"), ("Дмитро", "Дмитрий"), ("Юлія", "Юлия"), ("Наталія", "Наталья"),
     ("Євген", "Евгений"), ("Андрій", "Андрей"), ("Олексій", "Алексей"), ("Тетяна", "Татьяна"),
     ("Ірина", "Ирина"), ("Ольга", "Ольга"), ("Марія", "Мария"), ("Катерина", "Екатерина"),
     ("Віктор", "Виктор")],
)  # fmt: skip
def test_given_names_have_their_russian_forms(ukrainian, russian):
    assert (ukrainian, russian) in MALE_GIVEN_NAMES + FEMALE_GIVEN_NAMES


def test_name_forms_are_written_in_their_own_alphabet():
    for ukrainian, russian in MALE_GIVEN_NAMES + FEMALE_GIVEN_NAMES + SURNAMES:
        assert is_cyrillic_text(ukrainian) and is_cyrillic_text(russian)
        assert not set(ukrainian) & RUSSIAN_ONLY, ukrainian
        assert not set(russian) & UKRAINIAN_ONLY, russian
    for patronymics in PATRONYMICS.values():
        assert not set("".join(patronymics[:2])) & RUSSIAN_ONLY
        assert not set("".join(patronymics[2:])) & UKRAINIAN_ONLY


def test_every_name_is_one_entry_so_different_entries_are_different_names():
    for pool in (MALE_GIVEN_NAMES, FEMALE_GIVEN_NAMES, SURNAMES):
        forms = [form for entry in pool for form in set(entry)]
        assert len(forms) == len(set(forms))
    assert set(PATRONYMICS) <= {entry[0] for entry in MALE_GIVEN_NAMES}


@pytest.mark.parametrize(
    "masculine, language, feminine",
    [("Ковальов", "uk", "Ковальова"), ("Ковалев", "ru", "Ковалева"),
     ("Зеленський", "uk", "Зеленська"), ("Зеленский", "ru", "Зеленская"),
     ("Осадчий", "uk", "Осадча"), ("Белый", "ru", "Белая"), ("Ільїн", "uk", "Ільїна"),
     ("Шевченко", "uk", "Шевченко"), ("Мороз", "uk", "Мороз"), ("Литвин", "uk", "Литвин")],
)  # fmt: skip
def test_feminine_surnames(masculine, language, feminine):
    assert feminine_surname(masculine, language) == feminine


# --- the set as a whole ------------------------------------------------------------------


def test_the_same_seed_gives_the_same_pairs(pairs):
    assert generate_pairs() == pairs
    assert generate_pairs(seed=8) != pairs


def test_the_pairs_do_not_depend_on_hash_randomisation():
    code = (
        "import hashlib; from tests.registry.matching_dataset import generate_pairs; "
        "print(hashlib.sha256(repr(generate_pairs(60, 60, seed=3)).encode()).hexdigest())"
    )
    digests = set()
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                                capture_output=True, text=True, check=True, timeout=120)
        digests.add(result.stdout.strip())
    digests.add(hashlib.sha256(repr(generate_pairs(60, 60, seed=3)).encode()).hexdigest())
    assert len(digests) == 1


def test_labels_are_balanced_as_asked(pairs):
    assert len(pairs) == 800
    assert sum(label for _, _, label, _ in pairs) == 400
    small = generate_pairs(n_positive=30, n_negative=50, seed=1)
    assert [label for _, _, label, _ in small].count(True) == 30
    assert [label for _, _, label, _ in small].count(False) == 50


def test_every_scenario_is_present_and_tells_the_label(pairs):
    assert not set(POSITIVE_SCENARIOS) & set(NEGATIVE_SCENARIOS)
    counts = summary(pairs)
    assert list(counts) == [*POSITIVE_SCENARIOS, *NEGATIVE_SCENARIOS]
    assert all(count > 0 for count in counts.values())
    assert sum(counts.values()) == len(pairs)
    for _, _, label, scenario in pairs:
        assert scenario in (POSITIVE_SCENARIOS if label else NEGATIVE_SCENARIOS)


def test_shares_of_the_positive_variations(pairs):
    counts = summary(pairs)
    assert counts["typo"] == 56  # 14 % of 400
    assert counts["day_month_swap"] == 24
    assert counts["year_only"] == 24
    assert counts["same_document"] == 32
    assert counts["swapped_fields"] == 48  # the most frequent clerk error: 12 %
    assert counts["namesake_same_birth_date"] == 64  # 16 % of 400 negatives


def test_records_have_the_documented_shape(pairs):
    for a, b, _, _ in pairs:
        for record in (a, b):
            assert tuple(record) == RECORD_KEYS
            assert record["sex"] in ("female", "male")
            assert isinstance(record["birth_year"], int)
            born = record["date_of_birth"]
            assert born is None or (isinstance(born, dt.date) and born.year == record["birth_year"])
            assert 1900 < record["birth_year"] <= 2024
            assert record["family_name"] and record["given_names"]
            assert not has_cyrillic(record["family_name"] + record["given_names"])
            cyrillic = (record["family_name_cyrillic"], record["given_names_cyrillic"])
            assert all(cyrillic) or not any(cyrillic)
            assert all(is_cyrillic_text(text) for text in cyrillic)
            assert isinstance(record["document_number"], str)
            assert record["patronymic"] == "" or is_cyrillic_text(record["patronymic"])
            assert record["document_type"] == (
                "" if not record["document_number"]
                else "national_id" if record["document_number"].isdigit() else "passport")


def test_records_are_separate_objects(pairs):
    records = [record for a, b, _, _ in pairs for record in (a, b)]
    assert len({id(record) for record in records}) == len(records)


def test_no_negative_pair_shares_a_document_number(pairs):
    for a, b, label, _ in pairs:
        if not label:
            assert not a["document_number"] or a["document_number"] != b["document_number"]


def test_a_document_number_belongs_to_one_person(pairs):
    owners = {}
    for index, (a, b, label, scenario) in enumerate(pairs):
        for record in (a, b):
            if record["document_number"]:
                owners.setdefault(record["document_number"], []).append((index, scenario))
    for number, found in owners.items():
        assert len(found) == 1 or (
            len(found) == 2 and found[0] == found[1]
            and found[0][1] in ("same_document", "maiden_name", "mother_family_name")
        ), number


def test_several_romanisation_tables_and_capitals_occur(pairs):
    names = [record["family_name"] for a, b, _, _ in pairs for record in (a, b)]
    assert any("sch" in name for name in names)  # German
    assert any("š" in name.lower() or "č" in name.lower() for name in names)  # ISO 9
    assert any(name.isupper() for name in names)
    assert any(" " in record["given_names"] for a, b, _, _ in pairs for record in (a, b))


# --- positive scenarios ------------------------------------------------------------------


def test_positive_pairs_are_the_same_sex(pairs):
    for a, b, label, _ in pairs:
        if label:
            assert a["sex"] == b["sex"]


def test_positive_dates_agree_unless_the_scenario_changes_them(pairs):
    for a, b, label, scenario in pairs:
        if label and scenario not in ("day_month_swap", "year_only"):
            assert a["date_of_birth"] == b["date_of_birth"]


def test_day_month_swap(pairs):
    for a, b in of(pairs, "day_month_swap"):
        x, y = a["date_of_birth"], b["date_of_birth"]
        assert x != y and (x.year, x.month, x.day) == (y.year, y.day, y.month)


def test_year_only(pairs):
    for a, b in of(pairs, "year_only"):
        assert (a["date_of_birth"] is None) != (b["date_of_birth"] is None)
        assert abs(a["birth_year"] - b["birth_year"]) <= 1
    years = [a["birth_year"] - b["birth_year"] for a, b in of(pairs, "year_only")]
    assert 0 in years and any(years)


def test_same_document(pairs):
    for a, b in of(pairs, "same_document"):
        assert a["document_number"] and a["document_number"] == b["document_number"]


def test_transliteration_spells_the_name_differently(pairs):
    for a, b in of(pairs, "transliteration"):
        assert (a["family_name"], a["given_names"]) != (b["family_name"], b["given_names"])


def test_cyrillic_one_side(pairs):
    for a, b in of(pairs, "cyrillic_one_side"):
        assert bool(a["family_name_cyrillic"]) != bool(b["family_name_cyrillic"])


def test_patronymic_on_one_side(pairs):
    for a, b in of(pairs, "patronymic"):
        assert abs(len(a["given_names"].split()) - len(b["given_names"].split())) == 1


def test_russian_form_on_one_side(pairs):
    russian = {entry[1] for entry in MALE_GIVEN_NAMES + FEMALE_GIVEN_NAMES if entry[0] != entry[1]}
    with_cyrillic = [
        (a, b) for a, b in of(pairs, "russian_form") if a["given_names_cyrillic"]
        and b["given_names_cyrillic"]
    ]
    assert any(
        (a["given_names_cyrillic"] in russian) != (b["given_names_cyrillic"] in russian)
        for a, b in with_cyrillic
    )


def test_typos_change_one_letter(pairs):
    one_edit = 0
    for a, b in of(pairs, "typo"):
        assert (a["family_name"], a["given_names"]) != (b["family_name"], b["given_names"])
        for field, other in (("family_name", "given_names"), ("given_names", "family_name")):
            if a[other] == b[other] and OSA.distance(a[field], b[field]) == 1:
                one_edit += 1
    # About half of the typo pairs are otherwise written alike.
    assert one_edit >= len(of(pairs, "typo")) // 4


# --- negative scenarios ------------------------------------------------------------------


def test_a_reader_can_tell_the_people_of_a_negative_pair_apart(pairs):
    for a, b, label, scenario in pairs:
        if not label:
            assert (
                a["sex"] != b["sex"]
                or first_given(a) != first_given(b)
                or abs(a["birth_year"] - b["birth_year"]) >= 3
                or (scenario == "namesake_same_birth_date"
                    and a["family_name"].casefold() != b["family_name"].casefold()
                    and a["document_number"] != b["document_number"])
            ), scenario


def test_siblings(pairs):
    for a, b in of(pairs, "siblings"):
        assert 1 <= abs(a["birth_year"] - b["birth_year"]) <= 15
        assert first_given(a) != first_given(b)
        if a["sex"] == b["sex"]:
            assert a["family_name"] == b["family_name"]


def test_twins(pairs):
    twins = of(pairs, "twins")
    for a, b in twins:
        assert a["date_of_birth"] == b["date_of_birth"]
        assert first_given(a) != first_given(b)
    assert any(a["sex"] != b["sex"] for a, b in twins)
    assert any(a["sex"] == b["sex"] for a, b in twins)


def test_common_name(pairs):
    for a, b in of(pairs, "common_name"):
        assert a["sex"] == b["sex"]
        assert abs(a["birth_year"] - b["birth_year"]) >= 3
    same_cyrillic = [
        a for a, b in of(pairs, "common_name")
        if a["given_names_cyrillic"] and a["given_names_cyrillic"] == b["given_names_cyrillic"]
    ]
    assert same_cyrillic


def test_same_birth_date(pairs):
    for a, b in of(pairs, "same_birth_date"):
        assert a["date_of_birth"] == b["date_of_birth"]
        assert first_given(a) != first_given(b)


@pytest.mark.parametrize("scenario, sex", [("mother_daughter", "female"), ("father_son", "male")])
def test_parent_and_child_with_the_same_name(pairs, scenario, sex):
    for a, b in of(pairs, scenario):
        assert a["sex"] == b["sex"] == sex
        assert 20 <= abs(a["birth_year"] - b["birth_year"]) <= 35
        assert first_given(a) == first_given(b)
        assert a["family_name"] == b["family_name"]


def test_cousins(pairs):
    for a, b in of(pairs, "cousins"):
        assert a["birth_year"] == b["birth_year"]
        assert a["date_of_birth"] != b["date_of_birth"]
        assert first_given(a) != first_given(b)


def test_swapped_fields(pairs):
    from arrival.registry.names import match_keys

    def crossed(x, y):  # x's family name field holds y's given name and vice versa
        return bool(match_keys(x["family_name"]) & match_keys(y["given_names"])) and \
            bool(match_keys(x["given_names"]) & match_keys(y["family_name"]))

    swapped = of(pairs, "swapped_fields")
    assert sum(crossed(a, b) or crossed(b, a) for a, b in swapped) >= 0.9 * len(swapped)


def test_patronymic_in_its_own_field_on_one_side_in_the_given_names_on_the_other(pairs):
    for a, b in of(pairs, "patronymic_field"):
        assert bool(a["patronymic"]) != bool(b["patronymic"])
        with_field, without = (a, b) if a["patronymic"] else (b, a)
        assert len(without["given_names"].split()) == 2


def test_double_family_name_contains_the_other_one(pairs):
    for a, b in of(pairs, "double_family_name"):
        shorter, longer = sorted((a, b), key=lambda r: len(r["family_name"]))
        assert len(longer["family_name"].replace("-", " ").split()) == 2
        assert shorter["family_name"].casefold() != longer["family_name"].casefold()


@pytest.mark.parametrize("scenario", ["maiden_name", "mother_family_name"])
def test_another_family_name_with_the_patronymic_or_maiden_name_as_evidence(pairs, scenario):
    for a, b in of(pairs, scenario):
        assert a["family_name"] != b["family_name"]
        assert a["date_of_birth"] == b["date_of_birth"]
        has_patronymic = [bool(r["patronymic"]) or len(r["given_names"].split()) > 1
                          for r in (a, b)]
        keeps_maiden = "-" in a["family_name"] + b["family_name"]
        assert all(has_patronymic) or keeps_maiden or \
            a["document_number"] == b["document_number"] != ""
    if scenario == "maiden_name":
        assert all(a["sex"] == "female" for a, _ in of(pairs, scenario))
    else:
        assert all(a["birth_year"] >= 2008 for a, _ in of(pairs, scenario))


def test_new_document_of_the_same_type(pairs):
    for a, b in of(pairs, "new_document"):
        assert a["document_number"] and b["document_number"]
        assert a["document_number"] != b["document_number"]
        assert a["document_type"] == b["document_type"]


def test_namesake_born_the_same_day(pairs):
    """Nataliia KOVALENKO, FX837261 and Natalia Klymenko, FK197324: only the given
    name, sex and date of birth agree."""
    namesakes = of(pairs, "namesake_same_birth_date")
    for a, b in namesakes:
        assert a["date_of_birth"] == b["date_of_birth"] and a["sex"] == b["sex"]
        assert a["document_type"] == b["document_type"] != ""
        assert a["document_number"] != b["document_number"]
    same_ending = [1 for a, b in namesakes
                   if a["family_name"][-3:].casefold() == b["family_name"][-3:].casefold()]
    assert len(same_ending) >= len(namesakes) // 3
