"""Every catalogue file is checked against its schema before anything is loaded:
an unknown key or a wrong type is refused with the file, the entry and the key,
and the database stays as it was."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from arrival.catalog.models import CatalogEntry
from arrival.catalog.operations import CatalogError, load_catalog
from arrival.extensions import db
from arrival.services.rules import ServiceType

SHIPPED = Path(__file__).resolve().parents[2] / "config" / "catalog"


@pytest.fixture
def catalogue(tmp_path):
    directory = tmp_path / "catalog"
    shutil.copytree(SHIPPED, directory)
    return directory


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize("filename, old, new, message", [
    ("service_types.toml", "min_interval_days = 7", "min_intervall_days = 7",
     "service_types.toml: entry 'hygiene_kit': min_intervall_days: unknown key"),
    ("service_types.toml", "max_per_day = 1", 'max_per_day = "1"',
     "service_types.toml: entry 'baby_supplies': max_per_day:"),
    ("service_types.toml", 'start = "06:30"', 'start = "6.30"',
     "service_types.toml: entry 'meal': windows.0.start:"),
    ("clarification_rules.toml", "when = { min_age = 6 }", "when = { min_years = 6 }",
     "clarification_rules.toml: entry 'fingerprints_from_six': when.min_years: unknown key"),
    ("clarification_topics.toml", "due_days = 14", "due_days = 14.5",
     "clarification_topics.toml: entry 'residence_permit': due_days:"),
    ("authorities.toml", 'kind = "regional"', 'kind = "federal"',
     "authorities.toml: entry 'rp': kind:"),
    ("vulnerability_flags.toml", "barrier_free = true", 'barrier_free = "yes"',
     "vulnerability_flags.toml: entry 'reduced_mobility': barrier_free:"),
    ("checkout_reasons.toml", 'destination_type = "transfer"', "",
     "checkout_reasons.toml: entry 'transfer_district': destination_type: missing"),
])
def test_a_wrong_key_or_type_is_refused_naming_file_entry_and_key(
        app_context, catalogue, filename, old, new, message):
    _replace(catalogue / filename, old, new)
    before = db.session.scalar(sa.select(sa.func.count(CatalogEntry.id)))
    with pytest.raises(CatalogError) as refused:
        load_catalog(catalogue)
    assert str(refused.value).startswith(message), str(refused.value)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(CatalogEntry.id))) == before


def test_the_shipped_catalogue_is_valid(app_context):
    load_catalog(SHIPPED)


def test_code_that_asks_for_an_unknown_service_rule_fails_loudly():
    hygiene = ServiceType("hygiene_kit", {"min_interval_days": 7})
    assert hygiene.min_interval_days == 7
    assert hygiene.max_per_day is None  # a known rule that this service does not set
    with pytest.raises(AttributeError):
        hygiene.min_intervall_days  # noqa: B018  (the typo)
