"""Single rules of the duplicate score, each on two hand-written records: swapped name
fields, the patronymic as evidence, another family name (maiden name, a child under the
other parent's name), and two different documents of the same type."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
import sqlalchemy as sa

from arrival.extensions import db
from arrival.registry import matching
from arrival.registry.models import Document, Household, Person

pytestmark = pytest.mark.usefixtures("app_context")
_refs = itertools.count()


def stored(family, given, *, born=date(1984, 3, 12), sex="female", patronymic=None,
           document=None, family_cyrillic=None, given_cyrillic=None) -> Person:
    from arrival.database import now_utc

    household = Household(ref=f"H-T{next(_refs):06d}", arrived_at=now_utc())
    person = Person(household=household, relation="head", family_name=family, given_names=given,
                    family_name_cyrillic=family_cyrillic, given_names_cyrillic=given_cyrillic,
                    patronymic=patronymic, sex=sex, date_of_birth=born, birth_year=born.year,
                    nationality="UKR")
    if document:
        person.documents.append(Document(type=document[0], number=document[1]))
    db.session.add(person)
    db.session.flush()
    db.session.add_all(matching.keys_for_person(person))
    db.session.flush()
    return person


def probe(family, given, *, born=date(1984, 3, 12), sex="female", patronymic=None,
          document=None) -> matching.Probe:
    return matching.Probe(family_names=[family] if family else [],
                          given_names=[given] if given else [], patronymic=patronymic,
                          date_of_birth=born, birth_year=born.year, sex=sex,
                          document_number=document[1] if document else None,
                          document_type=document[0] if document else None)


def likely(probe_, person) -> bool:
    return any(c.person.id == person.id and c.likely for c in matching.find_candidates(probe_))


def test_a_namesake_born_the_same_day_with_another_passport_is_not_a_likely_duplicate():
    """The issue's example: only the given name and the date of birth agree."""
    natalia = stored("Klymenko", "Natalia", born=date(1990, 5, 17),
                     document=("biometric_passport", "FK197324"))
    nataliia = probe("KOVALENKO", "Nataliia", born=date(1990, 5, 17),
                     document=("biometric_passport", "FX837261"))
    assert not likely(nataliia, natalia)
    assert matching.score(nataliia, natalia)[0] < 0.7


def test_two_different_numbers_of_the_same_type_of_document_weigh_against_a_match():
    person = stored("Shevchenko", "Olena", document=("biometric_passport", "FB123456"))
    without = matching.score(probe("Shevchenko", "Olena"), person)[0]
    other_kind = matching.score(probe("Shevchenko", "Olena",
                                      document=("national_id", "123456789")), person)[0]
    same_kind = matching.score(probe("Shevchenko", "Olena",
                                     document=("passport", "FX999999")), person)
    assert same_kind[0] < without == other_kind
    assert "other_document" in same_kind[1]
    # Still a likely duplicate when everything else agrees: a passport can be renewed.
    assert likely(probe("Shevchenko", "Olena", document=("passport", "FX999999")), person)


def test_family_and_given_names_typed_into_each_others_fields_are_found():
    person = stored("Kovalenko", "Olena", family_cyrillic="Коваленко", given_cyrillic="Олена")
    swapped = probe("Olena", "KOVALENKO")
    candidates = matching.find_candidates(swapped)
    assert candidates and candidates[0].person.id == person.id and candidates[0].likely
    assert candidates[0].reasons[0] == "names_swapped"
    # Also with only an estimated year, when no date can narrow the lookup.
    year_only = matching.Probe(family_names=["Olena"], given_names=["Kovalenko"],
                               birth_year=1985, sex="female")
    assert person.id in {c.person.id for c in matching.find_candidates(year_only) if c.likely}


def test_swapped_fields_are_found_through_the_match_key_index_not_a_scan(app):
    person = stored("Kovalenko", "Olena")
    for index in range(30):
        stored(f"Other{index:02d}enko", "Maryna", born=date(1950 + index, 1, 1))
    statements = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.replace('"', ""))

    engine = db.session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", remember)
    try:
        ids = matching.candidate_ids(probe("Olena", "Kovalenko"))
    finally:
        sa.event.remove(engine, "before_cursor_execute", remember)
    assert person.id in ids and len(ids) == 1
    for statement in statements:
        assert "person_match_key.key IN" in statement or "identity_document.number" in statement, \
            statement


def test_an_agreeing_patronymic_raises_the_score_and_a_different_one_lowers_it():
    person = stored("Shevchenko", "Olena", born=date(1984, 3, 12), patronymic="Петрівна")

    def year_only(patronymic=None):  # not a perfect match by itself
        return matching.Probe(family_names=["Shevchenko"], given_names=["Olena"],
                              patronymic=patronymic, birth_year=1984, sex="female")

    unknown = matching.score(year_only(), person)[0]
    agreeing = matching.score(year_only("Петрівна"), person)
    differing = matching.score(year_only("Іванівна"), person)
    assert differing[0] < unknown < agreeing[0]
    assert "patronymic" in agreeing[1] and "patronymic_differs" in differing[1]


def test_a_patronymic_typed_into_the_given_names_counts_like_the_field():
    person = stored("Shevchenko", "Olena", born=date(1984, 3, 12), patronymic="Петрівна")
    typed = matching.score(probe("Shevchenko", "Olena Petrivna"), person)
    assert "patronymic" in typed[1] and typed[0] >= 0.85
    other = matching.score(probe("Shevchenko", "Olena Ivanivna"), person)
    assert "patronymic_differs" in other[1] and other[0] < typed[0]


def test_a_different_patronymic_keeps_a_father_and_son_apart_even_on_a_year_only_record():
    father = stored("Melnyk", "Ivan", born=date(1984, 3, 12), sex="male",
                    patronymic="Петрович")
    son = matching.Probe(family_names=["Melnyk"], given_names=["Ivan"], patronymic="Іванович",
                         birth_year=1985, sex="male")
    assert not likely(son, father)


@pytest.mark.parametrize("family", ["Bondarenko", "Melnyk"], ids=["maiden", "mother"])
def test_another_family_name_with_the_same_patronymic_and_date_of_birth_is_likely(family):
    """A married woman under her maiden name, or a child registered under the other
    parent's family name: given name, patronymic, sex and date of birth agree."""
    person = stored("Kovalenko", "Iryna", born=date(1991, 6, 28), patronymic="Андріївна")
    assert likely(probe(family, "Iryna", born=date(1991, 6, 28), patronymic="Андріївна"), person)
    # Without the patronymic nothing tells her apart from a namesake born the same day.
    assert not likely(probe(family, "Iryna", born=date(1991, 6, 28)), person)
    assert not likely(probe(family, "Iryna", born=date(1991, 6, 28), patronymic="Олегівна"),
                      person)


def test_one_part_of_a_double_family_name_is_enough():
    person = stored("Makovetska", "Solomiia", born=date(2016, 10, 13))
    assert likely(probe("Nazarenko-Makovetska", "Solomiia", born=date(2016, 10, 13)), person)
    assert likely(probe("Makovetskaia", "Solomiia", born=date(2016, 10, 13)), person)


def test_the_duplicate_check_takes_the_patronymic_and_the_document_type():
    made = matching.Probe.from_fields({"family_name": "Shevchenko", "patronymic": " Петрівна ",
                                       "document": {"type": "passport", "number": "fb 1"}})
    assert made.patronymic == "Петрівна"
    assert (made.document_type, made.document_number) == ("passport", "FB1")
