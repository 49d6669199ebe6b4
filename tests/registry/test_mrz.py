"""ICAO 9303 machine-readable zones: layouts, check digits, dates, tolerance of typing."""

import datetime as dt

import pytest

from arrival.registry.mrz import MRZError, MRZResult, check_digit, parse_mrz

TODAY = dt.date(2026, 11, 26)

# ICAO Doc 9303 specimens ("Utopia").
SPECIMEN_TD3 = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)
SPECIMEN_TD1 = (
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
)
# ICAO 9303-11 appendix D: a document number longer than nine characters.
STEVENSON_TD1 = (
    "I<UTOD23145890<7349<<<<<<<<<<<",
    "3407127M9507122UTO<<<<<<<<<<<2",
    "STEVENSON<<PETER<JOHN<<<<<<<<<",
)
STEVENSON_TD2 = (
    "I<UTOSTEVENSON<<PETER<JOHN<<<<<<<<<<",
    "D23145890<UTO3407127M95071227349<<<8",
)
# Constructed for these tests; check digits computed and cross-checked below.
UKRAINIAN_PASSPORT = (
    "P<UKRSHEVCHENKO<<TARAS<<<<<<<<<<<<<<<<<<<<<<",
    "FX123456<5UKR8503127M32041531985031201234<74",
)
UKRAINIAN_PASSPORT_NO_PERSONAL_NUMBER = (
    "P<UKRKOVALENKO<<OLENA<PETRIVNA<<<<<<<<<<<<<<",
    "FA987654<4UKR9202298F2801016<<<<<<<<<<<<<<04",
)
UKRAINIAN_ID_CARD = (
    "IDUKR00123456781985031201234<<",
    "8503127F3001019UKR<<<<<<<<<<<1",
    "KOVALENKO<<OLENA<<<<<<<<<<<<<<",
)
GERMAN_ID_CARD = (
    "IDD<<T220001293<<<<<<<<<<<<<<<",
    "6408125F3106305D<<<<<<<<<<<<<2",
    "MUSTERMANN<<ERIKA<<<<<<<<<<<<<",
)


def joined(lines, separator="\n"):
    return separator.join(lines)


def parse(lines, **kwargs):
    return parse_mrz(joined(lines), today=TODAY, **kwargs)


def td3_with(dob="850312", expiry="320415", sex="M", personal="1985031201234"):
    """A valid TD3 with the given fields, check digits computed."""
    number = "FX123456<"
    personal = personal.ljust(14, "<")
    line = (
        number + check_digit(number) + "UKR" + dob + check_digit(dob) + sex
        + expiry + check_digit(expiry) + personal + check_digit(personal)
    )  # fmt: skip
    line += check_digit(line[0:10] + line[13:20] + line[21:43])
    return (UKRAINIAN_PASSPORT[0], line)


def with_char(lines, line_index, position, char):
    lines = list(lines)
    line = lines[line_index]
    lines[line_index] = line[:position] + char + line[position + 1 :]
    return tuple(lines)


def wrong_digit(lines, line_index, position):
    current = lines[line_index][position]
    return with_char(lines, line_index, position, str((int(current) + 1) % 10))


# --- check digits -------------------------------------------------------------


@pytest.mark.parametrize(
    "data, digit",
    [
        ("L898902C3", "6"),
        ("740812", "2"),
        ("120415", "9"),
        ("ZE184226B<<<<<", "1"),
        ("L898902C3674081221204159ZE184226B<<<<<1", "0"),
        ("D23145890734", "9"),  # ICAO 9303-3 worked example
        ("340712", "7"),
        ("<<<<<<", "0"),
    ],
)
def test_check_digit_matches_icao_worked_examples(data, digit):
    assert check_digit(data) == digit


def test_check_digit_weights_letters_from_ten_and_filler_as_zero():
    assert check_digit("A") == "0"  # 10 × 7 = 70
    assert check_digit("B") == "7"  # 11 × 7 = 77
    assert check_digit("<B") == check_digit("0B") == "3"  # 11 × 3 = 33


# --- specimens ----------------------------------------------------------------


def test_parses_the_icao_td3_passport_specimen():
    result = parse(SPECIMEN_TD3)
    assert result == MRZResult(
        format="TD3",
        document_type="P",
        issuing_country="UTO",
        family_name="ERIKSSON",
        given_names="ANNA MARIA",
        document_number="L898902C3",
        nationality="UTO",
        date_of_birth=dt.date(1974, 8, 12),
        sex="female",
        expiry=dt.date(2012, 4, 15),
        personal_number="ZE184226B",
        optional_data="",
        name_truncated=False,
        lines=SPECIMEN_TD3,
    )


def test_parses_the_icao_td1_id_card_specimen():
    result = parse(SPECIMEN_TD1)
    assert result.format == "TD1"
    assert result.document_type == "I"
    assert (result.family_name, result.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert result.document_number == "D23145890"
    assert result.nationality == result.issuing_country == "UTO"
    assert result.date_of_birth == dt.date(1974, 8, 12)
    assert result.expiry == dt.date(2012, 4, 15)
    assert result.sex == "female"
    assert result.personal_number == result.optional_data == ""


@pytest.mark.parametrize("lines, fmt", [(STEVENSON_TD1, "TD1"), (STEVENSON_TD2, "TD2")])
def test_reassembles_a_document_number_longer_than_nine_characters(lines, fmt):
    result = parse(lines)
    assert result.format == fmt
    assert result.document_number == "D23145890734"
    assert (result.family_name, result.given_names) == ("STEVENSON", "PETER JOHN")
    assert result.date_of_birth == dt.date(1934, 7, 12)
    assert result.expiry == dt.date(1995, 7, 12)
    assert result.sex == "male"
    assert result.personal_number == ""


def test_long_document_number_without_its_continuation_is_a_document_number_error():
    lines = with_char(STEVENSON_TD1, 0, 15, "<")  # "7349" → "<349"
    with pytest.raises(MRZError) as caught:
        parse(lines)
    assert caught.value.field == "document_number"


# --- constructed documents ----------------------------------------------------


def test_parses_a_ukrainian_passport_with_record_number():
    result = parse(UKRAINIAN_PASSPORT)
    assert result.format == "TD3"
    assert result.issuing_country == result.nationality == "UKR"
    assert (result.family_name, result.given_names) == ("SHEVCHENKO", "TARAS")
    assert result.document_number == "FX123456"
    assert result.date_of_birth == dt.date(1985, 3, 12)
    assert result.expiry == dt.date(2032, 4, 15)
    assert result.sex == "male"
    assert result.personal_number == "1985031201234"


def test_empty_personal_number_may_carry_a_filler_check_digit():
    result = parse(UKRAINIAN_PASSPORT_NO_PERSONAL_NUMBER)
    assert result.personal_number == ""
    assert result.given_names == "OLENA PETRIVNA"
    assert result.date_of_birth == dt.date(1992, 2, 29)
    with_filler = with_char(UKRAINIAN_PASSPORT_NO_PERSONAL_NUMBER, 1, 42, "<")
    # The composite covers the personal-number check digit, so it changes too.
    line = with_filler[1][:43]
    with_filler = (with_filler[0], line + check_digit(line[0:10] + line[13:20] + line[21:43]))
    assert parse(with_filler).personal_number == ""


def test_parses_a_ukrainian_id_card_with_record_number_in_optional_data():
    result = parse(UKRAINIAN_ID_CARD)
    assert result.format == "TD1"
    assert result.document_type == "ID"
    assert result.document_number == "001234567"
    assert result.personal_number == "1985031201234"
    assert (result.family_name, result.given_names) == ("KOVALENKO", "OLENA")
    assert result.sex == "female"


def test_germany_one_letter_code_is_normalised_to_deu():
    result = parse(GERMAN_ID_CARD)
    assert result.issuing_country == "DEU"
    assert result.nationality == "DEU"
    assert result.document_number == "T22000129"


@pytest.mark.parametrize("code", ["XXA", "XXX", "XXB", "UKR", "EUE"])
def test_other_country_codes_are_kept_as_written(code):
    first, second = UKRAINIAN_PASSPORT
    line = second[:10] + code + second[13:]
    assert parse((first, line)).nationality == code


# --- tolerance of how the text arrives -----------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        joined(SPECIMEN_TD3),
        joined(SPECIMEN_TD3, "\r\n"),
        "  \n" + joined(SPECIMEN_TD3) + "\n\n  ",
        joined(SPECIMEN_TD3).lower(),
        joined(SPECIMEN_TD3, ""),  # lines joined into one string of 88
        joined(SPECIMEN_TD3, " "),
        "P<UTOERIKSSON<<ANNA<MARIA <<<<<<<<<<<<<<<<<<<\n"
        "L898902C36 UTO7408122F 1204159ZE184226B<<<<<10",
        "P<UTOERIKSSON<<ANNA<MARIA\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",  # fillers lost
    ],
    ids=[
        "lf", "crlf", "surrounding-space", "lower",
        "joined", "joined-space", "inner-spaces", "trimmed",
    ],  # fmt: skip
)
def test_accepts_the_td3_specimen_however_it_was_typed_or_pasted(text):
    result = parse_mrz(text, today=TODAY)
    assert result.document_number == "L898902C3"
    assert result.lines == SPECIMEN_TD3


@pytest.mark.parametrize("separator", ["\n", "", "\r\n"])
def test_accepts_the_td1_specimen_as_lines_or_joined(separator):
    assert parse_mrz(joined(SPECIMEN_TD1, separator), today=TODAY).lines == SPECIMEN_TD1


def test_td1_first_and_name_lines_may_lose_trailing_fillers():
    lines = tuple(line.rstrip("<") if i != 1 else line for i, line in enumerate(SPECIMEN_TD1))
    assert parse(lines).lines == SPECIMEN_TD1


def test_flags_a_name_that_fills_the_whole_field_as_possibly_truncated():
    name = "P<UTO" + "VERYLONGFAMILYNAME<<WITH<MANY<GIVEN<NAMES<X"[:39]
    assert parse((name, SPECIMEN_TD3[1])).name_truncated is True
    assert parse(SPECIMEN_TD3).name_truncated is False


# --- layout errors ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n  ",
        SPECIMEN_TD3[1],  # one line only
        joined(SPECIMEN_TD3, "")[:-1],  # 87 characters
        SPECIMEN_TD3[0] + "\n" + SPECIMEN_TD3[1][:-1],  # data line too short
        joined(SPECIMEN_TD3) + "\nEXTRA",
        SPECIMEN_TD3[0] + "<\n" + SPECIMEN_TD3[1],  # name line too long
    ],
)
def test_refuses_text_that_is_not_an_mrz_layout(text):
    with pytest.raises(MRZError) as caught:
        parse_mrz(text, today=TODAY)
    assert caught.value.field == "format"
    assert caught.value.result is None


def test_refuses_characters_outside_the_mrz_alphabet():
    lines = with_char(SPECIMEN_TD3, 0, 10, "Ä")
    with pytest.raises(MRZError) as caught:
        parse(lines)
    assert caught.value.field == "format"
    assert "Ä" in str(caught.value)


def test_refuses_visas_with_a_clear_message():
    lines = ("V" + SPECIMEN_TD3[0][1:], SPECIMEN_TD3[1])
    with pytest.raises(MRZError, match="visa") as caught:
        parse(lines)
    assert caught.value.field == "format"


def test_mrz_error_is_a_value_error():
    assert issubclass(MRZError, ValueError)


# --- check digit failures -----------------------------------------------------


@pytest.mark.parametrize(
    "lines, line_index, position, field",
    [
        (UKRAINIAN_PASSPORT, 1, 9, "document_number"),
        (UKRAINIAN_PASSPORT, 1, 19, "date_of_birth"),
        (UKRAINIAN_PASSPORT, 1, 27, "expiry"),
        (UKRAINIAN_PASSPORT, 1, 42, "personal_number"),
        (UKRAINIAN_PASSPORT, 1, 43, "composite"),
        (SPECIMEN_TD1, 0, 14, "document_number"),
        (SPECIMEN_TD1, 1, 6, "date_of_birth"),
        (SPECIMEN_TD1, 1, 14, "expiry"),
        (SPECIMEN_TD1, 1, 29, "composite"),
        (STEVENSON_TD2, 1, 27, "expiry"),
        (STEVENSON_TD2, 1, 35, "composite"),
    ],
)
def test_a_wrong_check_digit_names_the_field_it_guards(lines, line_index, position, field):
    with pytest.raises(MRZError) as caught:
        parse(wrong_digit(lines, line_index, position))
    assert caught.value.field == field
    assert caught.value.errors[0][0] == field


@pytest.mark.parametrize(
    "position, field",
    [(3, "document_number"), (17, "date_of_birth"), (24, "expiry"), (30, "personal_number")],
)
def test_a_mistyped_field_fails_its_own_check_and_the_composite(position, field):
    with pytest.raises(MRZError) as caught:
        parse(wrong_digit(UKRAINIAN_PASSPORT, 1, position))
    assert [f for f, _ in caught.value.errors] == [field, "composite"]


def test_collects_every_failing_check_digit_not_only_the_first():
    lines = wrong_digit(wrong_digit(UKRAINIAN_PASSPORT, 1, 9), 1, 27)
    with pytest.raises(MRZError) as caught:
        parse(lines)
    fields = [field for field, _ in caught.value.errors]
    assert fields == ["document_number", "expiry", "composite"]
    assert caught.value.field == "document_number"
    assert all(message for _, message in caught.value.errors)


def test_error_message_says_which_digit_was_expected():
    with pytest.raises(MRZError) as caught:
        parse(wrong_digit(UKRAINIAN_PASSPORT, 1, 19))
    assert "date of birth" in str(caught.value)
    assert "expected 7" in str(caught.value)


def test_error_still_offers_what_could_be_read_for_correction():
    with pytest.raises(MRZError) as caught:
        parse(wrong_digit(UKRAINIAN_PASSPORT, 1, 43))
    assert caught.value.result.family_name == "SHEVCHENKO"


def test_a_check_digit_that_is_not_a_digit_is_a_failure():
    with pytest.raises(MRZError) as caught:
        parse(with_char(UKRAINIAN_PASSPORT, 1, 19, "A"))
    assert caught.value.field == "date_of_birth"


# --- dates --------------------------------------------------------------------


@pytest.mark.parametrize(
    "yymmdd, expected",
    [
        ("850312", dt.date(1985, 3, 12)),
        ("000229", dt.date(2000, 2, 29)),
        ("261126", dt.date(2026, 11, 26)),  # born today
        ("261127", dt.date(1926, 11, 27)),  # tomorrow is impossible: last century
        ("270101", dt.date(1927, 1, 1)),
        ("991231", dt.date(1999, 12, 31)),
    ],
)
def test_birth_year_is_never_in_the_future(yymmdd, expected):
    assert parse(td3_with(dob=yymmdd)).date_of_birth == expected


@pytest.mark.parametrize(
    "yymmdd, expected",
    [
        ("120415", dt.date(2012, 4, 15)),  # expired documents stay in this century
        ("360101", dt.date(2036, 1, 1)),
        ("761231", dt.date(2076, 12, 31)),
        ("771231", dt.date(1977, 12, 31)),  # more than 50 years ahead: last century
        ("950712", dt.date(1995, 7, 12)),
    ],
)
def test_expiry_is_read_in_this_century_within_fifty_years(yymmdd, expected):
    assert parse(td3_with(expiry=yymmdd)).expiry == expected


@pytest.mark.parametrize("dob", ["85<<<<", "8503<<", "<<<<<<", "850300", "850012"])
def test_unknown_parts_of_the_birth_date_give_no_date(dob):
    assert parse(td3_with(dob=dob)).date_of_birth is None


@pytest.mark.parametrize("dob", ["851312", "850230", "900229"])
def test_an_impossible_date_with_a_correct_check_digit_is_reported(dob):
    with pytest.raises(MRZError, match="not a valid date") as caught:
        parse(td3_with(dob=dob))
    assert caught.value.field == "date_of_birth"


def test_parses_relative_to_the_current_date_by_default():
    assert parse_mrz(joined(SPECIMEN_TD3)).date_of_birth == dt.date(1974, 8, 12)


# --- sex ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, sex", [("F", "female"), ("M", "male"), ("<", "unknown"), ("X", "unknown")]
)
def test_maps_the_sex_field(code, sex):
    assert parse(td3_with(sex=code)).sex == sex


def test_an_unknown_sex_code_is_reported():
    with pytest.raises(MRZError) as caught:
        parse(td3_with(sex="Q"))
    assert caught.value.field == "sex"
