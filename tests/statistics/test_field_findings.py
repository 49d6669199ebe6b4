"""Issue 23 (dashboard and situation report): no report of a day that has not
happened, a report of an unfinished day marked provisional, age bands that always
add up, labels instead of codes, words relative to the report's day, and an
`as_of` that says what it shows."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import openpyxl
import pytest
import sqlalchemy as sa

from arrival.extensions import db
from arrival.registry.models import Person
from arrival.reports import operations
from arrival.reports.models import ReportRun
from arrival.statistics.figures import day_report
from tests.statistics.conftest import DAY, local


def frozen_at(monkeypatch, moment: datetime) -> None:
    """The one clock at a fixed moment (the suite's clock fixture restores it)."""
    from arrival.core import clock

    clock.set_clock(lambda: moment)


def born_after_the_day(app) -> None:
    """Anna (present on DAY) gets a date of birth after DAY: an impossible age."""
    with app.app_context():
        anna = db.session.scalar(sa.select(Person).where(Person.given_names == "Anna"))
        anna.date_of_birth, anna.birth_year = date(2022, 12, 28), 2022
        db.session.commit()


class TestAgeBands:
    def test_the_bands_add_up_to_the_total_with_an_impossible_age(self, app, scenario):
        born_after_the_day(app)
        with app.app_context():
            figures = day_report(DAY)
        demographics = figures["demographics"]
        assert demographics["total"] == 2
        assert sum(demographics["age_bands"].values()) == demographics["total"]
        assert demographics["age_bands"]["unknown"] == 1
        assert figures["data_quality"]["impossible_age"] == 1

    def test_the_report_names_the_bands_with_a_dash_and_shows_the_unknown_ones(
            self, app, scenario, tmp_path, monkeypatch):
        born_after_the_day(app)
        frozen_at(monkeypatch, local(29, 3))
        with app.app_context():
            folder = operations.generate(DAY, tmp_path).folder
        sheet = openpyxl.load_workbook(folder / f"lagebericht_{DAY}.xlsx")["Demografie"]
        bands = {row[1]: row[2] for row in sheet.iter_rows(min_row=2, values_only=True)
                 if row[0] == "Altersgruppe"}
        assert bands == {"0–5 Jahre": 0, "6–17 Jahre": 0, "18–64 Jahre": 0,
                         "65 Jahre und älter": 1, "unbekannt (unmögliches Alter)": 1}
        quality = openpyxl.load_workbook(folder / f"lagebericht_{DAY}.xlsx")["Datenqualität"]
        assert ("Personen mit unmöglichem Alter (Geburt nach dem Tag oder über 120 Jahre)",
                1) in list(quality.iter_rows(min_row=2, values_only=True))

    def test_the_demo_data_has_no_impossible_ages_and_german_site_names(self, app):
        from arrival.demo.seed import seed
        from arrival.housing.models import Site
        from arrival.registry.models import Household
        from arrival.statistics.figures import dashboard

        now = datetime(2022, 12, 30, 12, tzinfo=timezone.utc)  # babies born in late 2022
        with app.app_context():
            seed(600, 30, 7, now=now)
            born_after_arrival = db.session.scalar(
                sa.select(sa.func.count(Person.id))
                .join(Household, Household.id == Person.household_id)
                .where(Person.date_of_birth > sa.func.date(Household.arrived_at)))
            figures = dashboard(now)
            names = db.session.scalars(sa.select(Site.name)).all()
            db.session.rollback()
        assert born_after_arrival == 0
        assert figures["data_quality"]["impossible_age"] == 0
        demographics = figures["demographics"]
        assert demographics["age_bands"]["unknown"] == 0
        assert sum(demographics["age_bands"].values()) == demographics["total"]
        assert "Unterkunft 001 (Notunterkunft)" in names
        assert not any("_" in name or "emergency" in name for name in names)


class TestReportDays:
    def test_a_day_that_has_not_happened_is_refused_and_nothing_is_recorded(
            self, app, client, signed_in, monkeypatch, tmp_path):
        frozen_at(monkeypatch, local(27, 15))
        with app.app_context():
            with pytest.raises(operations.DayNotOver):
                operations.generate(DAY + timedelta(days=1), tmp_path)
        signed_in("coordinator")
        page = client.submit("/reports/generate", {"date": "2022-03-28"},
                             form_page="/reports/", follow_redirects=True)
        assert "Der 28.03.2022 hat noch nicht begonnen" in page.get_data(as_text=True)
        with app.app_context():
            assert db.session.scalar(sa.select(sa.func.count(ReportRun.id))) == 0

    def test_a_report_of_today_is_provisional(self, app, scenario, client, signed_in,
                                              monkeypatch):
        frozen_at(monkeypatch, local(27, 15))
        signed_in("coordinator")
        page = client.submit("/reports/generate", {"date": DAY.isoformat()},
                             form_page="/reports/", follow_redirects=True)
        html = page.get_data(as_text=True)
        assert "Vorläufiger Bericht für den 27.03.2022 erstellt" in html
        assert "vorläufig (vor Tagesende erstellt)" in html
        with app.app_context():
            run = db.session.scalar(sa.select(ReportRun))
            folder = run.folder
        from pathlib import Path

        body = json.loads((Path(folder) / f"lagebericht_{DAY}.json").read_text())
        assert body["provisional"] is True
        cover = openpyxl.load_workbook(Path(folder) / f"lagebericht_{DAY}.xlsx")["Deckblatt"]
        assert "Vorläufig" in [row[0] for row in cover.iter_rows(values_only=True)]

    def test_a_report_made_after_the_day_is_final(self, app, scenario, tmp_path,
                                                  monkeypatch):
        frozen_at(monkeypatch, local(28, 1))
        with app.app_context():
            folder = operations.generate(DAY, tmp_path).folder
        body = json.loads((folder / f"lagebericht_{DAY}.json").read_text())
        assert body["provisional"] is False


class TestReportWords:
    @pytest.fixture
    def workbook(self, app, scenario, tmp_path, monkeypatch):
        frozen_at(monkeypatch, local(29, 3))
        with app.app_context():
            folder = operations.generate(DAY, tmp_path).folder
        return openpyxl.load_workbook(folder / f"lagebericht_{DAY}.xlsx")

    def test_authorities_and_site_kinds_are_named_not_coded(self, workbook):
        sites = list(workbook["Unterkünfte"].iter_rows(min_row=2, values_only=True))
        assert sites[0][:2] == ("Halle Nord", "Notunterkunft (Halle)")
        text = " ".join(str(cell) for row in workbook["Klärung"].iter_rows(values_only=True)
                        for cell in row)
        assert "Jugendamt" in text and "jugendamt" not in text
        assert "emergency_hall" not in " ".join(str(c) for row in sites for c in row)

    def test_a_past_days_report_says_am_berichtstag_not_heute(self, workbook):
        themes = [row[1] for row in workbook["Klärung"].iter_rows(min_row=2, values_only=True)]
        assert "Am Berichtstag eröffnet / erledigt" in themes
        assert not any("Heute" in str(theme) for theme in themes)


class TestDashboardAsOf:
    def test_a_past_moment_says_stand_not_jetzt(self, client, signed_in, scenario):
        signed_in("coordinator")
        html = client.get("/dashboard/", query_string={"as_of": "2022-03-27T23:59"}).get_data(
            as_text=True)
        assert "Lage · Stand 27.03.2022 23:59" in html
        assert "Anwesend, Stand 27.03.2022 23:59" in html
        assert "Jetzt anwesend" not in html and "Ankünfte heute" not in html
        assert "Ankünfte am 27.03.2022" in html

    def test_a_german_date_is_understood(self, client, signed_in, scenario):
        signed_in("coordinator")
        html = client.get("/dashboard/", query_string={"as_of": "27.03.2022 23:59"}).get_data(
            as_text=True)
        assert "Lage · Stand 27.03.2022 23:59" in html

    def test_the_future_is_refused(self, client, signed_in):
        signed_in("coordinator")
        page = client.get("/dashboard/", query_string={"as_of": "2999-01-15T10:00"})
        html = page.get_data(as_text=True)
        assert page.status_code == 422
        assert "15.01.2999 10:00 liegt in der Zukunft" in html and "Lage · jetzt" in html
        api = client.get("/api/v1/dashboard", query_string={"as_of": "2999-01-15T10:00"})
        assert api.status_code == 422 and "as_of" in api.json["fields"]

    def test_garbage_is_said_to_be_not_understood(self, client, signed_in):
        signed_in("coordinator")
        page = client.get("/dashboard/", query_string={"as_of": "garbage"})
        html = page.get_data(as_text=True)
        assert page.status_code == 422
        assert "„garbage“ wird nicht als Datum und Uhrzeit verstanden" in html
        assert 'id="as_of-error"' in html and "Lage · jetzt" in html
