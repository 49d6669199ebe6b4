"""Every text cell of the exports that starts like a formula — = + - @, a tab or a
carriage return — is neutralised with a leading apostrophe, in CSV and in XLSX;
ordinary text is left alone."""

from __future__ import annotations

import csv

import openpyxl
import pytest
import sqlalchemy as sa

from arrival.extensions import db
from arrival.reports import operations
from tests.statistics.conftest import DAY

STEM = f"lagebericht_{DAY.isoformat()}"


@pytest.fixture
def export_with_site_named(app, scenario, tmp_path):
    def run(name: str):
        from arrival.housing.models import Site

        with app.app_context():
            site = db.session.scalars(sa.select(Site).order_by(Site.id)).first()
            site.name = name
            db.session.flush()
            folder = operations.generate(DAY, tmp_path / "reports").folder
            db.session.rollback()
        with (folder / f"{STEM}_unterkuenfte.csv").open(encoding="utf-8", newline="") as f:
            csv_names = [row[0] for row in csv.reader(f)][1:]
        workbook = openpyxl.load_workbook(folder / f"{STEM}.xlsx")
        xlsx_names = [row[0] for row in workbook["Unterkünfte"].iter_rows(values_only=True)]
        return csv_names, xlsx_names[1:]

    return run


@pytest.mark.parametrize("hostile", [
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "=1+1",
    "+1+1",
], ids=["minus", "at", "tab", "carriage-return", "equals", "plus"])
def test_a_formula_start_gets_an_apostrophe(export_with_site_named, hostile):
    csv_names, xlsx_names = export_with_site_named(hostile)
    assert "'" + hostile in csv_names
    # XML reads a carriage return back as a line feed; the apostrophe is what counts.
    assert ("'" + hostile).replace("\r", "\n") in [n.replace("\r", "\n") for n in xlsx_names]


@pytest.mark.parametrize("harmless", ["Halle 1 - Nord", "Hotel @Bahnhof", "Messe"])
def test_ordinary_text_is_left_alone(export_with_site_named, harmless):
    csv_names, xlsx_names = export_with_site_named(harmless)
    assert harmless in csv_names and harmless in xlsx_names
