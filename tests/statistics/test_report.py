"""The situation report: files, checksums, exact and reproducible figures, atomic
writes, suppression, formula neutralisation, access."""

from __future__ import annotations

import csv
import hashlib
import json

import openpyxl
import pytest
import sqlalchemy as sa

from arrival.extensions import db
from arrival.reports import operations
from arrival.reports.models import ReportRun
from tests.statistics.conftest import DAY

STEM = f"lagebericht_{DAY.isoformat()}"


@pytest.fixture
def generate(app, tmp_path):
    def run(**config):
        original = {key: app.config[key] for key in config}
        app.config.update(config)
        try:
            with app.app_context():
                result = operations.generate(DAY, tmp_path / "reports")
                return result.folder
        finally:
            app.config.update(original)

    return run


def load_json(folder):
    return json.loads((folder / f"{STEM}.json").read_text(encoding="utf-8"))


def test_the_report_has_workbook_csvs_json_and_a_manifest_that_verifies(scenario, generate):
    folder = generate()
    manifest = json.loads((folder / "manifest.json").read_text())
    names = {f["name"] for f in manifest["files"]}
    assert f"{STEM}.xlsx" in names and f"{STEM}.json" in names
    assert {f"{STEM}_{section}.csv" for section in ("ankuenfte", "unterkuenfte", "abgaenge",
                                                     "klaerung", "leistungen")} <= names
    for entry in manifest["files"]:
        data = (folder / entry["name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert len(data) == entry["size"]


def test_the_json_has_the_versioned_schema_and_the_figures(scenario, generate):
    body = load_json(generate())
    assert {"schema_version", "date", "generated_at", "arrivals", "present", "sites",
            "departures", "demographics", "vulnerable", "clarification", "services",
            "data_quality", "remarks"} <= body.keys()
    assert body["date"] == "2022-03-27"
    assert (body["arrivals"]["persons"], body["arrivals"]["households"]) == (4, 2)
    assert body["present"] == 2
    assert body["departures"]["by_reason"] == {"private_accommodation": 1}


def test_the_workbook_has_a_cover_and_one_sheet_per_section_with_frozen_headers(
        scenario, generate):
    workbook = openpyxl.load_workbook(generate() / f"{STEM}.xlsx")
    assert workbook.sheetnames[0] == "Deckblatt"
    assert {"Ankünfte", "Unterkünfte", "Abgänge", "Klärung", "Leistungen"} <= set(
        workbook.sheetnames)
    sheet = workbook["Ankünfte"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].value == "Kennzahl"
    assert sheet.column_dimensions["A"].width > 20
    cover = {row[0]: row[1] for row in workbook["Deckblatt"].iter_rows(values_only=True)}
    assert cover["Berichtstag"] == "27.03.2022" and cover["Software"].startswith("Arrival")


def test_regenerating_gives_the_same_figures(scenario, generate, app):
    first = load_json(generate())
    second = load_json(generate())
    for key in ("arrivals", "present", "sites", "departures", "clarification", "services"):
        assert first[key] == second[key]
    assert second["regenerated"] is False


def test_corrected_data_make_a_regenerated_report_say_so(scenario, generate, app):
    generate()
    with app.app_context():
        from arrival.registry.models import Household

        household = db.session.scalars(sa.select(Household)).first()
        from tests.statistics.conftest import local

        household.arrived_at = local(27, 12)
        db.session.commit()
    folder = generate()
    assert load_json(folder)["regenerated"] is True
    cover = [row for row in openpyxl.load_workbook(folder / f"{STEM}.xlsx")["Deckblatt"]
             .iter_rows(values_only=True)]
    assert any(row[0] == "Hinweis" and "Neu erstellt" in row[1] for row in cover)


def test_a_failed_run_leaves_nothing_partial_and_is_recorded(scenario, generate, app,
                                                             monkeypatch, tmp_path):
    def explode(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(operations, "_write_csv", explode)
    with pytest.raises(OSError):
        generate()
    reports = tmp_path / "reports"
    assert [p.name for p in reports.iterdir() if not p.name.startswith(".lock")] == []
    with app.app_context():
        run = db.session.scalars(sa.select(ReportRun).order_by(ReportRun.id.desc())).first()
        assert run.status == "failed" and "disk full" in run.error


def test_a_failed_run_keeps_the_previous_report_of_the_day(scenario, generate, monkeypatch,
                                                           tmp_path):
    good = generate()
    before = (good / "manifest.json").read_text()
    monkeypatch.setattr(operations, "_write_csv", lambda *a, **k: (_ for _ in ()).throw(
        OSError("disk full")))
    with pytest.raises(OSError):
        generate()
    assert (good / "manifest.json").read_text() == before


def test_the_cli_exits_non_zero_on_failure(scenario, cli, monkeypatch, tmp_path):
    monkeypatch.setattr(operations, "_write_csv", lambda *a, **k: (_ for _ in ()).throw(
        OSError("disk full")))
    result = cli.invoke(args=["sitrep", "generate", "--date", "2022-03-27", "--out",
                              str(tmp_path)])
    assert result.exit_code == 1


def test_the_cli_writes_the_report(scenario, cli, tmp_path):
    result = cli.invoke(args=["sitrep", "generate", "--date", "2022-03-27", "--out",
                              str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "2022-03-27" / "manifest.json").exists()


def test_small_counts_are_suppressed_when_configured(scenario, generate):
    folder = generate(SITREP_SUPPRESS_BELOW=3)
    body = load_json(folder)
    assert body["departures"]["by_reason"] == {"private_accommodation": "<3"}
    rows = list(csv.reader((folder / f"{STEM}_abgaenge.csv").open(encoding="utf-8")))
    assert rows[1][-1] == "<3"


def test_hostile_text_cannot_become_a_formula(scenario, generate, app):
    with app.app_context():
        from arrival.housing.models import Site

        site = db.session.scalars(sa.select(Site)).first()
        site.name = "=HYPERLINK(\"http://evil\";\"click\")"
        operations.set_remark(DAY, "+49 711 216-0 bitte zurückrufen", None)
        db.session.commit()
    folder = generate()
    text = (folder / f"{STEM}_unterkuenfte.csv").read_text(encoding="utf-8")
    assert "\"'=HYPERLINK" in text
    workbook = openpyxl.load_workbook(folder / f"{STEM}.xlsx")
    names = [row[0] for row in workbook["Unterkünfte"].iter_rows(values_only=True)]
    assert "'=HYPERLINK(\"http://evil\";\"click\")" in names
    cover = {row[0]: row[1] for row in workbook["Deckblatt"].iter_rows(values_only=True)}
    assert cover["Bemerkungen"] == "'+49 711 216-0 bitte zurückrufen"


def test_the_rp_annex_exists_only_when_configured(scenario, generate):
    assert not any("anhang" in p.name for p in generate().iterdir())
    folder = generate(SITREP_RP_ANNEX=True)
    assert (folder / f"{STEM}_anhang_rp.csv").exists()


def test_the_drop_folder_gets_a_copy(scenario, generate, tmp_path):
    drop = tmp_path / "share"
    generate(SITREP_DROP_DIR=str(drop))
    assert (drop / "2022-03-27" / "manifest.json").exists()


class TestAccess:
    @pytest.fixture
    def generated(self, scenario, app, tmp_path, monkeypatch):
        monkeypatch.setitem(app.config, "SITREP_DIR", tmp_path / "reports")
        with app.app_context():
            operations.generate(DAY)
            db.session.commit()
        return f"/reports/{DAY.isoformat()}/{STEM}.xlsx"

    def test_the_rp_caseworker_downloads_the_report(self, client, signed_in, generated):
        signed_in("caseworker", authority="rp")
        response = client.get(generated)
        assert response.status_code == 200 and response.data[:2] == b"PK"

    def test_intake_and_other_authorities_cannot(self, client, signed_in, generated):
        signed_in("intake")
        assert client.get(generated).status_code == 403
        client.logout()
        signed_in("caseworker", authority="jugendamt")
        assert client.get(generated).status_code == 403

    def test_unknown_files_are_not_served(self, client, signed_in, generated):
        signed_in("coordinator")
        assert client.get(f"/reports/{DAY.isoformat()}/..%2F..%2Fetc%2Fpasswd").status_code \
            == 404
        assert client.get(f"/reports/{DAY.isoformat()}/secret.txt").status_code == 404

    def test_coordinators_generate_from_the_page(self, client, signed_in, scenario, app,
                                                 tmp_path, monkeypatch):
        monkeypatch.setitem(app.config, "SITREP_DIR", tmp_path / "page")
        signed_in("coordinator")
        response = client.submit("/reports/generate", {"date": "2022-03-27"},
                                 form_page="/reports/")
        assert response.status_code == 302
        assert (tmp_path / "page" / "2022-03-27" / "manifest.json").exists()


@pytest.mark.skipif(__import__("shutil").which("soffice") is None,
                    reason="LibreOffice not installed (apt-get install libreoffice-calc-nogui)")
def test_the_workbook_opens_in_libreoffice(scenario, generate, tmp_path):
    import subprocess

    folder = generate()
    out = tmp_path / "converted"
    subprocess.run(["soffice", "--headless", "--convert-to", "csv", "--outdir", str(out),
                    str(folder / f"{STEM}.xlsx")], check=True, capture_output=True, timeout=120)
    cover = next(out.glob("*.csv")).read_text(encoding="utf-8", errors="replace")
    assert "Lagebericht" in cover and "27.03.2022" in cover
