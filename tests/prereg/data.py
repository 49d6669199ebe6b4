"""A family of four as it pre-registers on a phone: the mother (the head, with
the Latin spelling of her passport), her son, her daughter, the grandmother who
walks with difficulty — typed in Cyrillic, as the issue asks ("Cyrillic first")."""

from __future__ import annotations

FAMILY = [
    {"family_name_cyrillic": "Коваленко", "given_names_cyrillic": "Оксана",
     "patronymic": "Петрівна", "family_name": "KOVALENKO", "given_names": "OKSANA",
     "sex": "female", "date_of_birth": "1986-05-21"},
    {"relation": "child", "family_name_cyrillic": "Коваленко",
     "given_names_cyrillic": "Андрій", "sex": "male", "date_of_birth": "2009-11-02"},
    {"relation": "child", "family_name_cyrillic": "Коваленко",
     "given_names_cyrillic": "Софія", "sex": "female", "date_of_birth": "2016-02-14"},
    {"relation": "parent", "family_name_cyrillic": "Шевчук", "given_names_cyrillic": "Галина",
     "sex": "female", "birth_year": "1951", "needs": ["mobility", "medication"]},
]


def family_payload(**fields) -> dict:
    payload = {"persons": [dict(p) for p in FAMILY], "phone": "+380 67 123 4567",
               "languages": ["uk", "ru"], "arrived_from": "Харків",
               "notes": "Бабуся погано ходить сходами."}
    payload.update(fields)
    return payload


def family_form(**fields) -> dict:
    """The same family as the public form sends it (no JavaScript)."""
    payload = family_payload()
    form = {"count": str(len(payload["persons"])), "phone": payload["phone"],
            "languages": payload["languages"], "arrived_from": payload["arrived_from"],
            "notes": payload["notes"], "action": "send"}
    for index, person in enumerate(payload["persons"]):
        for name, value in person.items():
            form[f"persons-{index}-{name}"] = value
    form.update(fields)
    return form
