"""Names across scripts: cleaning, KMU 2010 romanisation, match keys, similarity."""

import itertools

import pytest

from arrival.registry.names import (
    clean_text,
    family_name_tokens,
    fold_name,
    given_name_keys,
    given_name_tokens,
    is_patronymic,
    kmu_2010,
    match_keys,
    name_similarity,
    split_name_parts,
)


def same_name(a, b):
    return bool(match_keys(a) & match_keys(b))


def pairs_of(*groups):
    return [pair for group in groups for pair in itertools.combinations(group, 2)]


# --- clean_text -----------------------------------------------------------------


def test_clean_text_normalises_to_nfc():
    decomposed = "Ze\u0301na \u0438\u0306"
    assert clean_text(decomposed, 50) == "Zéna й"


@pytest.mark.parametrize("invisible", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"])
def test_clean_text_removes_zero_width_characters(invisible):
    assert clean_text(f"Ol{invisible}ena", 50) == "Olena"


def test_clean_text_trims_and_collapses_whitespace():
    assert clean_text("  Anna \u00a0  Maria  ", 50) == "Anna Maria"


@pytest.mark.parametrize("control", ["\x00", "\t", "\n", "\r", "\x1b", "\x7f", "\x85"])
def test_clean_text_refuses_control_characters(control):
    with pytest.raises(ValueError, match="control character"):
        clean_text(f"Anna{control}Maria", 50)


def test_clean_text_refuses_lone_surrogates():
    with pytest.raises(ValueError):
        clean_text("Anna\udc80", 50)


def test_clean_text_measures_length_after_cleaning():
    assert clean_text("  " + "a" * 10 + "\u200b" * 5 + "  ", 10) == "a" * 10
    with pytest.raises(ValueError, match="at most 10"):
        clean_text("a" * 11, 10)


def test_clean_text_keeps_the_spelling_as_written():
    assert clean_text("O'Neil-Шевченко ŠEVČENKO", 50) == "O'Neil-Шевченко ŠEVČENKO"


# --- KMU 55/2010 ------------------------------------------------------------------

# Examples from the table of the resolution itself.
KMU_OFFICIAL_EXAMPLES = [
    ("Алушта", "Alushta"),
    ("Борщагівка", "Borshchahivka"),
    ("Вишгород", "Vyshhorod"),
    ("Гадяч", "Hadiach"),
    ("Згорани", "Zghorany"),
    ("Ґалаґан", "Galagan"),
    ("Дон", "Don"),
    ("Рівне", "Rivne"),
    ("Єнакієве", "Yenakiieve"),
    ("Гаєвич", "Haievych"),
    ("Короп'є", "Koropie"),
    ("Житомир", "Zhytomyr"),
    ("Закарпаття", "Zakarpattia"),
    ("Медвин", "Medvyn"),
    ("Іршава", "Irshava"),
    ("Їжакевич", "Yizhakevych"),
    ("Кадиївка", "Kadyivka"),
    ("Мар'їне", "Marine"),
    ("Йосипівка", "Yosypivka"),
    ("Стрий", "Stryi"),
    ("Олексій", "Oleksii"),
    ("Київ", "Kyiv"),
    ("Лебедин", "Lebedyn"),
    ("Миколаїв", "Mykolaiv"),
    ("Ніжин", "Nizhyn"),
    ("Одеса", "Odesa"),
    ("Полтава", "Poltava"),
    ("Ромни", "Romny"),
    ("Суми", "Sumy"),
    ("Тетерів", "Teteriv"),
    ("Ужгород", "Uzhhorod"),
    ("Фастів", "Fastiv"),
    ("Харків", "Kharkiv"),
    ("Біла Церква", "Bila Tserkva"),
    ("Чернівці", "Chernivtsi"),
    ("Шостка", "Shostka"),
    ("Гоща", "Hoshcha"),
    ("Русь", "Rus"),
    ("Юрій", "Yurii"),
    ("Крюківка", "Kriukivka"),
    ("Яготин", "Yahotyn"),
    ("Ічня", "Ichnia"),
    ("Знам'янка", "Znamianka"),
]


@pytest.mark.parametrize("cyrillic, latin", KMU_OFFICIAL_EXAMPLES)
def test_kmu_2010_matches_the_official_examples(cyrillic, latin):
    assert kmu_2010(cyrillic) == latin


@pytest.mark.parametrize(
    "cyrillic, latin",
    [
        ("Шевченко", "Shevchenko"),
        ("Олександр", "Oleksandr"),
        ("Юлія", "Yuliia"),
        ("Сергій", "Serhii"),
        ("Ганна", "Hanna"),
        ("Ґудзь", "Gudz"),
        ("Наталія", "Nataliia"),
        ("Євгенія", "Yevheniia"),
        ("Андрієнко", "Andriienko"),
    ],
)
def test_kmu_2010_romanises_names(cyrillic, latin):
    assert kmu_2010(cyrillic) == latin


def test_kmu_2010_writes_shch_for_shcha():
    assert kmu_2010("Щербак") == "Shcherbak"


def test_kmu_2010_writes_h_for_he_and_g_for_ghe_with_upturn():
    assert kmu_2010("Гриценко Ґонта") == "Hrytsenko Gonta"


def test_kmu_2010_writes_zgh_so_that_zg_is_not_read_as_zh():
    assert kmu_2010("Згурський") == "Zghurskyi"
    assert kmu_2010("ЗГОРАНИ") == "ZGHORANY"


@pytest.mark.parametrize(
    "cyrillic, latin",
    [("Є", "Ye"), ("Ї", "Yi"), ("Й", "Y"), ("Ю", "Yu"), ("Я", "Ya")],
)
def test_kmu_2010_writes_y_forms_at_the_start_of_a_word(cyrillic, latin):
    assert kmu_2010(cyrillic) == latin


@pytest.mark.parametrize(
    "cyrillic, latin",
    [("Аєа", "Aiea"), ("Аїа", "Aia"), ("Айа", "Aia"), ("Аюа", "Aiua"), ("Аяа", "Aiaa")],
)
def test_kmu_2010_writes_i_forms_inside_a_word(cyrillic, latin):
    assert kmu_2010(cyrillic) == latin


@pytest.mark.parametrize("apostrophe", ["'", "\u2019", "\u02bc"])
def test_kmu_2010_drops_apostrophes_without_starting_a_new_word(apostrophe):
    assert kmu_2010(f"Мар{apostrophe}яна") == "Mariana"


def test_kmu_2010_drops_the_soft_sign():
    assert kmu_2010("Ковальчук Львів") == "Kovalchuk Lviv"


def test_kmu_2010_keeps_all_capital_words_all_capital():
    assert kmu_2010("ЩЕРБАК ЮЛІЯ") == "SHCHERBAK YULIIA"


def test_kmu_2010_capitalises_only_the_first_letter_of_a_capital_digraph():
    assert kmu_2010("Щ. Я.") == "Shch. Ya."


@pytest.mark.parametrize(
    "cyrillic, latin",
    [
        ("Іванова-Ярошенко", "Ivanova-Yaroshenko"),
        ("Анна-Марія", "Anna-Mariia"),
        ("Олена Петрівна", "Olena Petrivna"),
        ("ЩЕРБАК-Юрченко", "SHCHERBAK-Yurchenko"),
    ],
)
def test_kmu_2010_treats_each_part_of_a_multi_part_name_as_a_word(cyrillic, latin):
    assert kmu_2010(cyrillic) == latin


@pytest.mark.parametrize(
    "cyrillic, latin",
    [
        ("Рыбаков", "Rybakov"),
        ("Эдуард", "Eduard"),
        ("Ёлкин", "Yolkyn"),  # и follows the Ukrainian table
        ("Семёнов", "Semionov"),
        ("Подъячев", "Podiachev"),
    ],
)
def test_kmu_2010_accepts_russian_only_letters(cyrillic, latin):
    assert kmu_2010(cyrillic) == latin


def test_kmu_2010_leaves_latin_text_alone():
    assert kmu_2010("O'Brien Shevchenko") == "O'Brien Shevchenko"


def test_kmu_2010_accepts_decomposed_input():
    assert kmu_2010("Андрі\u0438\u0306") == kmu_2010("Андрій") == "Andrii"


# --- name parts and patronymics ----------------------------------------------------


@pytest.mark.parametrize(
    "name, parts",
    [
        ("Anna-Maria", ["Anna", "Maria"]),
        ("Olena  Petrivna", ["Olena", "Petrivna"]),
        ("Іванова-Ярошенко", ["Іванова", "Ярошенко"]),
        ("ANNA<MARIA", ["ANNA", "MARIA"]),
        ("Мар'яна", ["Мар'яна"]),
        ("Shevchenko – Kovalenko,", ["Shevchenko", "Kovalenko"]),
        ("", []),
        (" - ", []),
    ],
)
def test_split_name_parts(name, parts):
    assert split_name_parts(name) == parts


@pytest.mark.parametrize(
    "word",
    ["Petrivna", "Петрівна", "Andriivna", "Ivanovna", "Illichna", "Petrovych", "Петрович",
     "Petrovich", "Petrowitsch", "Sergeevna", "Serhiiovych"],
)  # fmt: skip
def test_is_patronymic_recognises_east_slavic_patronymics(word):
    assert is_patronymic(word)


@pytest.mark.parametrize("word", ["Olena", "Ivanna", "Ivanov", "Shevchenko", "Oleksandr", "Iva"])
def test_is_patronymic_leaves_names_alone(word):
    assert not is_patronymic(word)


def test_given_name_tokens_drop_the_patronymic():
    assert given_name_tokens("Olena Petrivna") == ["Olena"]
    assert given_name_tokens("Анна-Марія Іванівна") == ["Анна", "Марія"]


def test_given_name_tokens_keep_a_lone_patronymic_rather_than_nothing():
    assert given_name_tokens("Petrivna") == ["Petrivna"]


def test_family_name_tokens_split_double_names():
    assert family_name_tokens("Shevchenko-Kovalenko") == ["Shevchenko", "Kovalenko"]


def test_given_name_keys_match_with_and_without_patronymic():
    assert given_name_keys("Olena Petrivna") & match_keys("Olena")
    assert not given_name_keys("Olena Petrivna") & match_keys("Petrivna")


# --- match keys: required equivalences ----------------------------------------------

EQUIVALENT_GROUPS = [
    ["Олександр", "Oleksandr", "Aleksandr", "Olexandr", "Alexander", "Oleksander", "Александр"],
    ["Шевченко", "Shevchenko", "Schewtschenko", "Ševčenko", "Szewczenko", "Chevtchenko"],
    ["Юлія", "Yuliia", "Yulia", "Julia", "Julija", "Юлия", "Ûlìâ"],
    ["Сергій", "Serhii", "Serhiy", "Sergey", "Sergei", "Sergej", "Сергей"],
    ["Андрій", "Andrii", "Andriy", "Andrey", "Andrej", "Andrij"],
    ["Дмитро", "Dmytro", "Dmitry", "Dmitriy", "Dmitrij", "Дмитрий"],
    ["Ганна", "Hanna", "Anna", "Анна"],
    ["Ковальчук", "Kovalchuk", "Kowaltschuk", "Kowalczuk"],
    ["Харченко", "Kharchenko", "Charchenko", "Harchenko"],
    ["Гончаренко", "Honcharenko", "Goncharenko"],
    ["Євген", "Yevhen", "Evgeny", "Jewgeni", "Evgenii"],
]


@pytest.mark.parametrize("a, b", pairs_of(*EQUIVALENT_GROUPS))
def test_spelling_variants_share_a_match_key(a, b):
    assert same_name(a, b)


@pytest.mark.parametrize(
    "a, b",
    [
        ("Oleksandr", "Oleksii"),
        ("Shevchenko", "Kovalenko"),
        ("Yulia", "Yurii"),
        ("Ivan", "Ivanna"),
        ("Olena", "Olha"),
        ("Andrii", "Anatolii"),
        ("Serhii", "Stepan"),
    ],
)
def test_different_names_share_no_match_key(a, b):
    assert not match_keys(a) & match_keys(b)


# --- match keys: further variants -----------------------------------------------------


@pytest.mark.parametrize(
    "a, b",
    pairs_of(
        ["Зеленський", "Zelenskyi", "Zelensky", "Zelenskiy", "Zelenskij", "Selenskyj", "Зеленский"],
        ["Іванов", "Ivanov", "Ivanow", "Ivanoff", "Iwanow"],
        ["Коваленко", "Kovalenko", "Kowalenko", "Kovalenco"],
        ["Володимир", "Volodymyr", "Wolodymyr", "Vladimir", "Владимир"],
        ["Михайло", "Mykhailo", "Mychajlo", "Mikhail", "Michail"],
        ["Павло", "Pavlo", "Pavel", "Pawlo"],
        ["Щербак", "Shcherbak", "Schtscherbak", "Szczerbak", "Ŝerbak"],
        ["Хоменко", "Khomenko", "Chomenko", "Homenko"],
        ["Олексій", "Oleksii", "Aleksei", "Alexey", "Oleksiy"],
        ["Гордієнко", "Hordiienko", "Gordienko", "Гордиенко"],
        ["Victoria", "Viktoriia", "Wiktoria", "Вікторія"],
        ["Швець", "Shvets", "Schwez", "Szwec", "Švec"],
        ["Олена", "Olena", "Elena", "Yelena", "Jelena"],
        ["Микола", "Mykola", "Nikolai", "Nikolay", "Николай"],
    ),
)
def test_common_transliteration_tables_and_name_forms_agree(a, b):
    assert same_name(a, b)


@pytest.mark.parametrize(
    "a, b",
    [
        ("Halyna", "Alina"),  # no general "drop the initial h" rule
        ("Olena", "Alina"),
        ("Oleksandr", "Oleksandra"),
        ("Ivanov", "Ivanova"),
        ("Yana", "Anna"),
        ("Yana", "Zhanna"),
        ("Hanna", "Zhanna"),
        ("Oleksii", "Lukas"),  # short skeletons keep their initial vowel
    ],
)
def test_names_that_only_look_alike_stay_apart(a, b):
    assert not same_name(a, b)


def test_match_keys_ignore_case_and_mrz_capitals():
    assert match_keys("SHEVCHENKO") == match_keys("shevchenko") == match_keys("Shevchenko")


def test_match_keys_of_a_multi_part_name_include_each_part():
    assert same_name("Anna-Maria", "Maria")
    assert same_name("Anna-Maria", "Annamaria")
    assert same_name("Shevchenko-Kovalenko", "Kovalenko")


def test_match_keys_are_empty_without_latin_or_cyrillic_letters():
    assert match_keys("") == set()
    assert match_keys("-- 123") == set()


def test_match_keys_are_a_small_set_of_tagged_strings():
    keys = match_keys("Charchenko")
    assert 1 <= len(keys) <= 12
    assert all(key[:2] in ("f:", "s:") for key in keys)


def test_match_keys_returns_a_copy_that_callers_may_change():
    keys = match_keys("Olena")
    keys.add("x")
    assert "x" not in match_keys("Olena")


def test_fold_name_is_the_same_across_scripts():
    assert fold_name("Шевченко") == fold_name("Shevchenko") == fold_name("SCHEWTSCHENKO")
    assert fold_name("Anna-Maria") == "ANA MARIA"


# --- similarity ------------------------------------------------------------------------


def test_name_similarity_tolerates_a_swapped_pair_of_letters():
    assert name_similarity("Shevchenko", "Shevchneko") >= 0.85


@pytest.mark.parametrize(
    "a, b",
    [
        ("Шевченко", "Schewtschenko"),
        ("Юлія", "Julija"),
        ("Kharchenko", "Charchenko"),
        ("Дмитро", "Dmitriy"),
    ],
)
def test_name_similarity_is_one_across_scripts_and_tables(a, b):
    assert name_similarity(a, b) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "a, b",
    [
        ("Shevchenko", "Kovalenko"),
        ("Oleksandr", "Oleksii"),
        ("Olena", "Serhii"),
        ("Yulia", "Yurii"),
    ],
)
def test_name_similarity_is_low_for_different_names(a, b):
    assert name_similarity(a, b) < 0.75


def test_name_similarity_forgives_a_missing_second_given_name():
    assert name_similarity("Anna Maria", "Anna") >= 0.9
    assert name_similarity("Maria Anna", "Anna-Maria") == pytest.approx(1.0)


def test_name_similarity_tolerates_a_typo_across_scripts():
    assert name_similarity("Ковальчук", "Kovalchik") >= 0.8


def test_name_similarity_is_symmetric_and_bounded():
    for a, b in [("Olena", "Olha"), ("Ivan", "Ivanna"), ("Шевченко", "Shevchneko")]:
        score = name_similarity(a, b)
        assert 0.0 <= score <= 1.0
        assert score == name_similarity(b, a)


def test_name_similarity_of_an_empty_name_is_zero():
    assert name_similarity("", "Olena") == 0.0
    assert name_similarity("Olena", "123") == 0.0
