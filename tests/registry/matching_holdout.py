"""A held-out labelled set for duplicate detection, written apart from the tuning set.

    pairs = holdout_pairs(n_positive=400, n_negative=400, seed=2026)

Same record shape as ``tests.registry.matching_dataset`` (so the same quality test can
measure both), but nothing else is shared: its own name lists (other names, other
frequencies), its own romanisation tables written here from the published tables
(the passport table, German Duden, English BGN/PCGN, Polish, a Russian passport
table) instead of ``arrival.registry.transliteration``, its own patronymic and
feminine-surname rules, its own document formats and its own scenario mix. It was
written before the matching was tuned to the extended tuning set and is not tuned to.

Every record says how one registration wrote the person down; for negatives, family
members registered together are written alike. Positive pairs are the same person;
negative pairs differ in a way a clerk reading both would see (different given name,
sex, a birth year 3+ apart, or — for namesakes born the same day — a different family
name *and* a different document of the same type).
"""

from __future__ import annotations

import datetime as dt
import random

__all__ = ["HOLDOUT_POSITIVE", "HOLDOUT_NEGATIVE", "holdout_pairs"]

# (Ukrainian, Russian) — deliberately not the demo pools' order or selection.
_MEN = (
    ("Богдан", "Богдан"), ("Тарас", "Тарас"), ("Назарій", "Назарий"), ("Ярема", "Ярема"),
    ("Олександр", "Александр"), ("Артем", "Артём"), ("Євгеній", "Евгений"),
    ("Юрій", "Юрий"), ("Григорій", "Григорий"), ("Георгій", "Георгий"),
    ("Олексій", "Алексей"), ("Дмитро", "Дмитрий"), ("Іван", "Иван"), ("Петро", "Петр"),
    ("Сергій", "Сергей"), ("Андрій", "Андрей"), ("Віталій", "Виталий"),
    ("Вадим", "Вадим"), ("Ілля", "Илья"), ("Кирило", "Кирилл"), ("Матвій", "Матвей"),
    ("Лев", "Лев"), ("Максим", "Максим"), ("Михайло", "Михаил"), ("Федір", "Федор"),
    ("Микола", "Николай"), ("Олег", "Олег"), ("Роман", "Роман"), ("Ростислав", "Ростислав"),
    ("Устим", "Устин"), ("Зеновій", "Зиновий"), ("Любомир", "Любомир"),
    ("Панас", "Афанасий"), ("Гнат", "Игнат"), ("Ярослав", "Ярослав"), ("Єгор", "Егор"),
    ("Олесь", "Олесь"), ("Марко", "Марк"), ("Тимур", "Тимур"), ("Вікентій", "Викентий"),
)  # fmt: skip
_WOMEN = (
    ("Наталія", "Наталья"), ("Оксана", "Оксана"), ("Соломія", "Соломия"),
    ("Олена", "Елена"), ("Ганна", "Анна"), ("Марія", "Мария"), ("Ірина", "Ирина"),
    ("Світлана", "Светлана"), ("Людмила", "Людмила"), ("Лариса", "Лариса"),
    ("Юлія", "Юлия"), ("Дарина", "Дарья"), ("Софія", "София"), ("Зоряна", "Зоряна"),
    ("Уляна", "Ульяна"), ("Явдоха", "Евдокия"), ("Мирослава", "Мирослава"),
    ("Ольга", "Ольга"), ("Тетяна", "Татьяна"), ("Катерина", "Екатерина"),
    ("Вероніка", "Вероника"), ("Христина", "Кристина"), ("Інна", "Инна"),
    ("Алла", "Алла"), ("Лілія", "Лилия"), ("Аліна", "Алина"), ("Галина", "Галина"),
    ("Віра", "Вера"), ("Надія", "Надежда"), ("Любов", "Любовь"), ("Євгенія", "Евгения"),
    ("Валерія", "Валерия"), ("Орися", "Орися"), ("Ярина", "Ярина"), ("Стефанія", "Стефания"),
    ("Антоніна", "Антонина"), ("Раїса", "Раиса"), ("Жанна", "Жанна"),
    ("Тамара", "Тамара"), ("Ніна", "Нина"),
)  # fmt: skip
# Family names, grouped by ending so that namesakes with a similar surname can be drawn.
_FAMILIES = {
    "enko": (("Коваленко", "Коваленко"), ("Клименко", "Клименко"), ("Бойченко", "Бойченко"),
             ("Гриценко", "Гриценко"), ("Діденко", "Диденко"), ("Іваненко", "Иваненко"),
             ("Марченко", "Марченко"), ("Левченко", "Левченко"), ("Руденко", "Руденко"),
             ("Сидоренко", "Сидоренко"), ("Тимошенко", "Тимошенко"),
             ("Яременко", "Яременко"), ("Ющенко", "Ющенко"), ("Назаренко", "Назаренко")),
    "chuk": (("Кравчук", "Кравчук"), ("Ковальчук", "Ковальчук"), ("Мельничук", "Мельничук"),
             ("Савчук", "Савчук"), ("Поліщук", "Полищук"), ("Гнатюк", "Гнатюк"),
             ("Романюк", "Романюк"), ("Кушнірук", "Кушнирук"), ("Тарасюк", "Тарасюк")),
    "skyi": (("Ковальський", "Ковальский"), ("Вишневський", "Вишневский"),
             ("Яворський", "Яворский"), ("Грушевський", "Грушевский"),
             ("Маковецький", "Маковецкий"), ("Заліський", "Залесский")),
    "ov": (("Соколов", "Соколов"), ("Морозов", "Морозов"), ("Бєлов", "Белов"),
           ("Ковальов", "Ковалёв"), ("Соловйов", "Соловьёв"), ("Шаповалов", "Шаповалов")),
    "other": (("Бондар", "Бондарь"), ("Мороз", "Мороз"), ("Ткач", "Ткач"), ("Лисий", "Лысый"),
              ("Гончар", "Гончар"), ("Шевчук", "Шевчук"), ("Козак", "Казак"),
              ("Олійник", "Олейник"), ("Павлишин", "Павлишин"), ("Стасів", "Стасив"),
              ("Онищук", "Онищук"), ("Дорошенко", "Дорошенко"), ("Петрук", "Петрук"),
              ("Білик", "Билык"), ("Юрчишин", "Юрчишин"), ("Фединишин", "Фединишин")),
}
_ALL_FAMILIES = tuple(entry for group in _FAMILIES.values() for entry in group)

# --- romanisation, written here from the published tables ---------------------------------

_PASSPORT_UK = dict(zip(
    "абвгґдезиіїйклмнопрстуфхцчшщьюяєж'",
    ["a", "b", "v", "h", "g", "d", "e", "z", "y", "i", "i", "i", "k", "l", "m", "n", "o",
     "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "iu", "ia", "ie",
     "zh", ""]))
_PASSPORT_UK_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
_DUDEN = dict(zip(
    "абвгґдезиіїйклмнопрстуфхцчшщьюяєжыэёъ'",
    ["a", "b", "w", "h", "g", "d", "e", "s", "y", "i", "ji", "j", "k", "l", "m", "n", "o",
     "p", "r", "s", "t", "u", "f", "ch", "z", "tsch", "sch", "schtsch", "", "ju", "ja", "je",
     "sh", "y", "e", "jo", "", ""]))
_BGN = dict(zip(
    "абвгґдезиіїйклмнопрстуфхцчшщьюяєжыэёъ'",
    ["a", "b", "v", "h", "g", "d", "e", "z", "y", "i", "yi", "y", "k", "l", "m", "n", "o",
     "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "'", "yu", "ya", "ye",
     "zh", "y", "e", "yo", "", ""]))
_POLISH = dict(zip(
    "абвгґдезиіїйклмнопрстуфхцчшщьюяєжыэёъ'",
    ["a", "b", "w", "h", "g", "d", "e", "z", "y", "i", "ji", "j", "k", "l", "m", "n", "o",
     "p", "r", "s", "t", "u", "f", "ch", "c", "cz", "sz", "szcz", "", "ju", "ja", "je",
     "ż", "y", "e", "jo", "", ""]))
_RUSSIAN_PASSPORT = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p",
     "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "ie", "y", "", "e", "iu", "ia"]))
_RUSSIAN_GERMAN = dict(_RUSSIAN_PASSPORT, **{
    "в": "w", "ж": "sh", "з": "s", "й": "j", "с": "s", "х": "ch", "ц": "z", "ч": "tsch",
    "ш": "sch", "щ": "schtsch", "ю": "ju", "я": "ja", "е": "e", "ё": "jo", "ъ": "", "г": "g",
    "и": "i"})
_TABLES = {"uk": {"passport": _PASSPORT_UK, "duden": _DUDEN, "bgn": _BGN, "polish": _POLISH},
           "ru": {"passport": _RUSSIAN_PASSPORT, "duden": _RUSSIAN_GERMAN}}
_TABLE_WEIGHTS = {"uk": (("passport", 6), ("duden", 2), ("bgn", 2), ("polish", 1)),
                  "ru": (("passport", 3), ("duden", 2))}


def _latin(cyrillic: str, language: str, table: str) -> str:
    mapping = _TABLES[language][table]
    words = []
    for word in cyrillic.split(" "):
        parts = []
        for part in word.split("-"):
            out = []
            for index, char in enumerate(part):
                low = char.lower()
                if table == "passport" and language == "uk" and index == 0 and \
                        low in _PASSPORT_UK_INITIAL:
                    text = _PASSPORT_UK_INITIAL[low]
                elif table == "passport" and language == "uk" and low == "г" and index and \
                        part[index - 1].lower() == "з":
                    text = "gh"
                else:
                    text = mapping.get(low, low)
                out.append(text.capitalize() if char.isupper() else text)
            parts.append("".join(out))
        words.append("-".join(parts))
    return " ".join(words)


# --- patronymics and feminine family names -------------------------------------------------

def _patronymic(father_uk: str, father_ru: str, sex: str, language: str) -> str:
    """Іванович / Іванівна; Иванович / Ивановна; -ій → -ійович, -о → -ович."""
    name = father_uk if language == "uk" else father_ru
    if language == "uk":
        if name.endswith("ій"):
            stem, male, female = name[:-1], "йович", "ївна"
        elif name.endswith("о") or name.endswith("а"):
            stem, male, female = name[:-1], "ович", "івна"
        elif name == "Лев":
            stem, male, female = "Льв", "ович", "івна"
        else:
            stem, male, female = name, "ович", "івна"
    else:
        if name.endswith("ий") or name.endswith("ей"):
            stem, male, female = name[:-1], "евич", "евна"
        elif name.endswith("а"):
            stem, male, female = name[:-1], "ич", "ична"
        elif name.endswith("ь"):
            stem, male, female = name[:-1], "евич", "евна"
        elif name == "Лев":
            stem, male, female = "Льв", "ович", "овна"
        else:
            stem, male, female = name, "ович", "овна"
    return stem + (male if sex == "male" else female)


def _feminine(surname: str, language: str) -> str:
    if surname.endswith(("ський", "цький")):
        return surname[:-2] + "а"
    if surname.endswith(("ский", "цкий")):
        return surname[:-2] + "ая"
    if surname.endswith(("ов", "ев", "ёв", "єв", "ин", "ін")):
        return surname + "а"
    if surname.endswith("ий") and language == "uk":
        return surname[:-2] + "а"
    if surname.endswith("ый"):
        return surname[:-2] + "ая"
    return surname


# --- scenarios -----------------------------------------------------------------------------

HOLDOUT_POSITIVE = {
    "two_tables": 12, "russian_spelling": 8, "cyrillic_missing": 6, "fields_swapped": 16,
    "patronymic_in_given": 8, "patronymic_field_vs_given": 5, "hyphenated_name": 6,
    "maiden_name": 6, "mother_surname_child": 6, "renewed_passport": 8, "misspelt": 10,
    "date_swapped": 4, "estimated_year": 3, "document_equal": 2,
}
HOLDOUT_NEGATIVE = {
    "namesake_born_same_day": 18, "brother_sister": 12, "twin_pair": 10, "same_full_name": 14,
    "parent_namesake": 10, "cousin_same_year": 12, "stranger_same_day": 12,
    "couple": 6, "similar_surname_same_year": 6,
}


class _Draw:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.numbers: set[str] = set()

    def pick(self, pool, exclude=()):
        choices = [entry for entry in pool if entry not in exclude]
        weights = [1 / (index + 4) for index in range(len(choices))]
        return self.rng.choices(choices, weights)[0]

    def born(self, first=1938, last=2023):
        start = dt.date(first, 1, 1)
        return start + dt.timedelta(days=self.rng.randrange((dt.date(last, 12, 31) - start).days))

    def number(self, kind=None):
        kind = kind or self.rng.choice(("passport", "passport", "national_id"))
        while True:
            if kind == "passport":
                letters = "ABCEFHKMPTX"
                number = (self.rng.choice("EF") + self.rng.choice(letters)
                          + f"{self.rng.randrange(10 ** 6):06d}")
            else:
                number = f"{self.rng.randrange(10 ** 8, 10 ** 9)}"
            if number not in self.numbers:
                self.numbers.add(number)
                return kind, number

    def person(self, *, sex=None, given=None, family=None, father=None, born=None):
        sex = sex or self.rng.choice(("female", "male"))
        given = given or self.pick(_MEN if sex == "male" else _WOMEN)
        family = family or self.pick(_ALL_FAMILIES)
        father = father or self.pick(_MEN)
        return {"sex": sex, "given": given, "family": family, "father": father,
                "born": born or self.born()}

    def style(self, **fixed):
        rng = self.rng
        drawn = "ru" if rng.random() < 0.1 else "uk"
        language = fixed.get("language", drawn)
        tables, weights = zip(*_TABLE_WEIGHTS[language])
        style = {
            "language": language, "table": rng.choices(tables, weights)[0],
            "cyrillic": rng.random() < 0.5, "capitals": rng.random() < 0.2,
            "patronymic_field": rng.random() < 0.3, "patronymic_in_given": rng.random() < 0.06,
            "document": rng.random() < 0.7, "swap": False,
        }
        style.update(fixed)
        return style

    def write(self, person, style, *, family=None, document=None, birth=None):
        language = style["language"]
        index = 0 if language == "uk" else 1
        sex = person["sex"]
        surname = family or person["family"]
        surname = tuple(_feminine(s, lang) if sex == "female" else s
                        for s, lang in zip(surname, ("uk", "ru")))
        patronymic = _patronymic(*person["father"], sex, language)
        given_cyrillic = person["given"][index]
        if style["patronymic_in_given"]:
            given_cyrillic += " " + patronymic
        family_latin = _latin(surname[index], language, style["table"])
        given_latin = _latin(given_cyrillic, language, style["table"])
        if style["capitals"]:
            family_latin = family_latin.upper()
        family_cyr, given_cyr = (surname[index], given_cyrillic) if style["cyrillic"] else ("", "")
        if style["swap"]:
            family_latin, given_latin = given_latin, family_latin
            if self.rng.random() < 0.5:
                family_cyr, given_cyr = given_cyr, family_cyr
        born, year = (person["born"], person["born"].year) if birth is None else birth
        if document is None:
            document = self.number() if style["document"] else ("", "")
        return {
            "family_name": family_latin, "given_names": given_latin,
            "family_name_cyrillic": family_cyr, "given_names_cyrillic": given_cyr,
            "patronymic": _patronymic(*person["father"], sex, "uk")
            if style["patronymic_field"] else "",
            "sex": sex, "date_of_birth": born, "birth_year": year,
            "document_type": document[0], "document_number": document[1],
        }

    def misspell(self, word: str) -> str:
        rng = self.rng
        for _ in range(100):
            i = rng.randrange(1, len(word))
            kind = rng.randrange(4)
            if kind == 0:
                out = word[:i] + word[i + 1:]
            elif kind == 1:
                out = word[:i] + word[i - 1] + word[i:]
            elif kind == 2 and i + 1 < len(word):
                out = word[:i] + word[i + 1] + word[i] + word[i + 2:]
            else:
                out = word[:i] + rng.choice("aeioun") + word[i + 1:]
            if out != word and len(out) >= 3:
                return out
        return word + "a"

    # --- positives --------------------------------------------------------------

    def positive(self, scenario):
        rng = self.rng
        one, two = self.style(), self.style()
        person = self.person()
        kwargs_one, kwargs_two = {}, {}
        if scenario == "two_tables":
            one, two = self.style(language="uk", table="passport"), \
                self.style(language="uk", table=rng.choice(("duden", "bgn", "polish")))
        elif scenario == "russian_spelling":
            one, two = self.style(language="uk"), self.style(language="ru")
        elif scenario == "cyrillic_missing":
            one, two = self.style(cyrillic=True), self.style(cyrillic=False)
        elif scenario == "fields_swapped":
            two = self.style(swap=True)
        elif scenario == "patronymic_in_given":
            one, two = self.style(patronymic_in_given=False), self.style(patronymic_in_given=True)
        elif scenario == "patronymic_field_vs_given":
            one = self.style(patronymic_field=True, patronymic_in_given=False)
            two = self.style(patronymic_field=False, patronymic_in_given=True)
        elif scenario == "hyphenated_name":
            second = self.pick(_ALL_FAMILIES, exclude=(person["family"],))
            joiner = rng.choice(("-", "-", " "))
            kwargs_two["family"] = tuple(a + joiner + b for a, b in
                                         zip(person["family"], second))
            if rng.random() < 0.5:
                kwargs_two["family"] = tuple(b + joiner + a for a, b in
                                             zip(person["family"], second))
        elif scenario in ("maiden_name", "mother_surname_child"):
            if scenario == "maiden_name":
                person = self.person(sex="female", born=self.born(1950, 2000))
            else:
                person = self.person(born=self.born(2008, 2023))
            # What tells the clerk it is the same person: the patronymic on both
            # documents, and the same document on some.
            in_field = rng.random() < 0.7
            one = self.style(patronymic_field=in_field, patronymic_in_given=not in_field)
            two = self.style(patronymic_field=True)
            kwargs_two["family"] = self.pick(_ALL_FAMILIES, exclude=(person["family"],))
            if rng.random() < 0.3:
                kwargs_one["document"] = kwargs_two["document"] = self.number()
        elif scenario == "renewed_passport":
            kind = rng.choice(("passport", "national_id"))
            kwargs_one["document"], kwargs_two["document"] = self.number(kind), self.number(kind)
        elif scenario == "date_swapped":
            born = person["born"]
            while born.day > 12 or born.day == born.month:
                born = self.born()
            person["born"] = born
            kwargs_two["birth"] = (dt.date(born.year, born.day, born.month), born.year)
        elif scenario == "estimated_year":
            kwargs_two["birth"] = (None, person["born"].year + rng.choice((0, 0, 1, -1)))
        elif scenario == "document_equal":
            kwargs_one["document"] = kwargs_two["document"] = self.number()
        a = self.write(person, one, **kwargs_one)
        b = self.write(person, two, **kwargs_two)
        if scenario == "misspelt":
            field = rng.choice(("family_name", "given_names"))
            head, _, tail = b[field].partition(" ")
            b[field] = self.misspell(head) + (" " + tail if tail else "")
        return a, b

    # --- negatives --------------------------------------------------------------

    def negative(self, scenario):
        rng = self.rng
        together = scenario in ("brother_sister", "twin_pair", "couple")
        if scenario == "namesake_born_same_day":
            sex = rng.choice(("female", "male"))
            group = rng.choice(("enko", "enko", "chuk", "skyi", "ov"))
            family_a = self.pick(_FAMILIES[group])
            family_b = self.pick(_FAMILIES[group], exclude=(family_a,))
            a = self.person(sex=sex, family=family_a)
            b = self.person(sex=sex, given=a["given"], family=family_b, born=a["born"])
            kind = rng.choice(("passport", "national_id"))
            return (self.write(a, self.style(), document=self.number(kind)),
                    self.write(b, self.style(), document=self.number(kind)))
        if scenario in ("brother_sister", "twin_pair", "cousin_same_year"):
            family, father = self.pick(_ALL_FAMILIES), self.pick(_MEN)
            a = self.person(family=family, father=father, born=self.born(1960, 2015))
            sex = rng.choice(("female", "male"))
            given = self.pick(_MEN if sex == "male" else _WOMEN, exclude=(a["given"],))
            if scenario == "twin_pair":
                born = a["born"]
            elif scenario == "brother_sister":
                born = self.born(a["born"].year + 1, min(a["born"].year + 12, 2023))
            else:
                born = self.born(a["born"].year, a["born"].year)
                father = self.pick(_MEN, exclude=(father,))
                together = rng.random() < 0.4
            b = self.person(sex=sex, given=given, family=family, father=father, born=born)
        elif scenario == "same_full_name":
            a = self.person(born=self.born(1940, 1990))
            b = self.person(sex=a["sex"], given=a["given"], family=a["family"],
                            born=self.born(a["born"].year + 3, 2023))
        elif scenario == "parent_namesake":
            a = self.person(born=self.born(1945, 1980))
            father = a["given"] if a["sex"] == "male" else None
            b = self.person(sex=a["sex"], given=a["given"], family=a["family"], father=father,
                            born=self.born(a["born"].year + 19, min(a["born"].year + 40, 2023)))
            if father is None:
                while b["father"] == a["father"]:
                    b["father"] = self.pick(_MEN)
        elif scenario == "stranger_same_day":
            a = self.person()
            sex = rng.choice(("female", "male"))
            b = self.person(sex=sex, given=self.pick(_MEN if sex == "male" else _WOMEN,
                                                     exclude=(a["given"],)),
                            family=self.pick(_ALL_FAMILIES, exclude=(a["family"],)),
                            born=a["born"])
        elif scenario == "couple":
            a = self.person(sex="male", born=self.born(1950, 2000))
            b = self.person(sex="female", family=a["family"],
                            born=self.born(a["born"].year - 2, a["born"].year + 2))
        else:  # similar_surname_same_year: same given name, similar surname, same year
            group = rng.choice(("enko", "chuk"))
            family_a = self.pick(_FAMILIES[group])
            a = self.person(family=family_a)
            b = self.person(sex=a["sex"], given=a["given"],
                            family=self.pick(_FAMILIES[group], exclude=(family_a,)),
                            born=self.born(a["born"].year, a["born"].year))
            while b["born"] == a["born"]:
                b["born"] = self.born(a["born"].year, a["born"].year)
        style_a = self.style()
        style_b = dict(style_a, document=style_a["document"]) if together else self.style()
        return self.write(a, style_a), self.write(b, style_b)


def _plan(n: int, weights: dict[str, int]) -> list[str]:
    total = sum(weights.values())
    counts = {name: n * weight // total for name, weight in weights.items()}
    leftover = n - sum(counts.values())
    for name in sorted(weights, key=lambda k: -weights[k])[:leftover]:
        counts[name] += 1
    return [name for name, count in counts.items() for _ in range(count)]


def holdout_pairs(n_positive: int = 400, n_negative: int = 400, seed: int = 2026):
    """Labelled pairs ``(a, b, same_person, scenario)``, shuffled; deterministic per seed."""
    draw = _Draw(seed)
    plan = [(True, s) for s in _plan(n_positive, HOLDOUT_POSITIVE)]
    plan += [(False, s) for s in _plan(n_negative, HOLDOUT_NEGATIVE)]
    draw.rng.shuffle(plan)
    pairs = []
    for label, scenario in plan:
        a, b = draw.positive(scenario) if label else draw.negative(scenario)
        if draw.rng.random() < 0.5:
            a, b = b, a
        pairs.append((a, b, label, scenario))
    return pairs
