"""German first: every text of the interface has a German translation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def extracted_messages(tmp_path) -> set[str]:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


def german_catalogue():
    with (ROOT / "arrival/translations/de/LC_MESSAGES/messages.po").open("rb") as handle:
        return read_po(handle)


def test_every_interface_text_has_a_german_translation(tmp_path):
    catalogue = german_catalogue()
    untranslated = sorted(
        message for message in extracted_messages(tmp_path)
        if message not in catalogue or not catalogue[message].string
        or catalogue[message].fuzzy
    )
    assert not untranslated, f"run scripts/i18n and translate: {untranslated}"


def test_placeholders_survive_translation():
    import re

    def names(text: str) -> set[str]:
        return set(re.findall(r"%\(\w+\)[sd]", text))

    for message in german_catalogue():
        if not (message.id and message.string):
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set().union(*(names(text) for text in ids))
        for text in strings:
            assert names(text) == expected, message.id


def test_the_catalogue_compiles_without_errors():
    problems = [(message.id, [str(e) for e in errors])
                for message, errors in german_catalogue().check() if errors]
    assert problems == []
