"""Everything a refugee reads on the public pages is in Ukrainian, Russian and
German (English is the source): each text of the public templates, of the
pre-registration's messages and of the intake rules they can show (listed in
arrival/prereg/forms.py: SHARED_MESSAGES)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_TEMPLATES = ["public_base.html", "public_form.html", "public_done.html",
                    "public_error.html", "public_notice.html", "_notice.html"]
PUBLIC_MODULES = ["forms.py", "operations.py", "views.py", "api.py"]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def public_messages() -> set:
    found = set()
    for name in PUBLIC_TEMPLATES:
        path = ROOT / "arrival/templates/prereg" / name
        found |= {m for _, m, _, _ in extract_from_file(
            "jinja2", str(path), keywords=KEYWORDS, options={"extensions": "jinja2.ext.i18n"})}
    for name in PUBLIC_MODULES:
        found |= {m for _, m, _, _ in extract_from_file(
            "python", str(ROOT / "arrival/prereg" / name), keywords=KEYWORDS)}
    return found


def catalogue(language: str):
    with (ROOT / f"arrival/translations/{language}/LC_MESSAGES/messages.po").open("rb") as f:
        return read_po(f, locale=language)


def test_the_public_pages_have_texts_at_all():
    messages = public_messages()
    assert len(messages) > 80
    assert "Your data: information under Art. 13 GDPR" in messages
    assert "Not a valid phone number (German numbers, or with +380 …)." in messages


@pytest.mark.parametrize("language", ["uk", "ru", "de"])
def test_every_public_text_is_translated(language):
    translations = catalogue(language)
    missing = []
    for message in public_messages():
        key = message[0] if isinstance(message, tuple) else message
        entry = translations.get(key)
        strings = entry.string if entry else None
        strings = strings if isinstance(strings, tuple) else (strings,)
        if entry is None or entry.fuzzy or not all(strings):
            missing.append(key)
    assert not missing, f"translate in arrival/translations/{language}: {sorted(missing)}"


@pytest.mark.parametrize("language", ["uk", "ru"])
def test_the_catalogues_compile_and_keep_placeholders(language):
    import re

    translations = catalogue(language)
    assert [(m.id, e) for m, e in translations.check() if e] == []
    for message in translations:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(re.findall(r"%\(\w+\)[sd]", ids[0]))
        for text in filter(None, strings):
            assert set(re.findall(r"%\(\w+\)[sd]", text)) == expected, message.id


def test_the_staff_interface_speaks_only_german_and_english(app):
    assert app.config["LANGUAGES"] == ("de", "en")
    assert app.config["PUBLIC_LANGUAGES"] == ("uk", "ru", "en", "de")
