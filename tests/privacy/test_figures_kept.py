"""Anonymisation keeps the statistics exact: over a 60-day scenario the dashboard
and the situation report of every past day give the same figures before and after
the sweep — with persons whose age band on a counted day depends on their exact
birthday among them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from arrival.demo.seed import seed
from arrival.extensions import db
from arrival.privacy import operations
from arrival.privacy.anonymise import stand_in_birth_date
from arrival.registry.models import Household, Person
from arrival.registry.operations import household_by_ref
from arrival.statistics import figures
from tests.factories import person_payload
from tests.privacy.conftest import utc

pytestmark = pytest.mark.usefixtures("app_context")

NOW = utc(2022, 4, 1, 9)  # the suite's clock
DAYS = [date(2022, 4, 1) - timedelta(days=n) for n in range(1, 61)]


def child(given, born, **fields):
    return person_payload(relation="child", given_names=given, date_of_birth=born,
                          document={"type": "none"}, **fields)


def picture() -> dict:
    return {day.isoformat(): {"report": figures.day_report(day),
                              "dashboard": _without_clock(figures.dashboard(
                                  figures.end_of_day(day)))}
            for day in DAYS}


def _without_clock(dashboard: dict) -> dict:
    return {key: value for key, value in dashboard.items() if key != "as_of"}


@pytest.fixture
def scenario(stay_and_leave, app, monkeypatch):
    """The demo data of 60 days, and households whose age bands depend on the day
    of birth on the days they were here; returns {name: household id}."""
    seed(250, 60, 7, now=NOW)
    refs = {
        # turns 18 on 10 March while here: only the exact date keeps her band
        "Daryna": stay_and_leave(
            person_payload(family_name="Hnatiuk", date_of_birth="1990-02-02"),
            child("Daryna", "2004-03-10", sex="female"),
            arrived=utc(2022, 3, 1, 8), left=utc(2022, 3, 20, 8)),
        # five while here in March (six in August): 1 January would make him six
        "Bohdan": stay_and_leave(
            person_payload(family_name="Savchuk", date_of_birth="1979-11-30"),
            child("Bohdan", "2016-08-10", sex="male"),
            arrived=utc(2022, 3, 2, 8), left=utc(2022, 3, 12, 8)),
    }
    monkeypatch.setitem(app.config, "RETENTION_HOUSEHOLD_DAYS", 1)
    return {name: household_by_ref(ref).id for name, ref in refs.items()}


def births_of(household_id: int) -> list[date]:
    return list(db.session.scalars(sa.select(Person.date_of_birth).where(
        Person.household_id == household_id).order_by(Person.position)))


def test_every_past_day_gives_the_same_figures_after_the_sweep(scenario):
    before = picture()
    result = operations.sweep(only="households")
    anonymised = db.session.scalar(sa.select(sa.func.count(Household.id)).where(
        Household.anonymised_at.is_not(None)))
    assert result.classes[0].done == anonymised and anonymised >= 30
    assert db.session.scalar(sa.select(sa.func.count(Person.id)).where(
        Person.anonymised_at.is_not(None), Person.family_name != "—")) == 0
    after = picture()
    differing = [day for day in before if before[day] != after[day]]
    assert differing == []
    assert before[DAYS[0].isoformat()]["report"]["present"] > 0
    # as coarse as the figures allow: the year, a stand-in day only where it matters
    assert births_of(scenario["Daryna"]) == [date(1990, 1, 1), date(2004, 3, 10)]
    assert births_of(scenario["Bohdan"]) == [date(1979, 1, 1), date(2016, 12, 31)]


class TestStandInDates:
    def test_an_adult_far_from_every_band_gets_the_first_of_january(self):
        assert stand_in_birth_date(date(1980, 6, 15), [(date(2022, 3, 1), date(2022, 3, 5))],
                                   date(2022, 3, 1), date(2022, 4, 1)) == date(1980, 1, 1)

    def test_a_birthday_at_a_band_border_during_the_stay_keeps_the_date(self):
        assert stand_in_birth_date(date(1957, 3, 10), [(date(2022, 3, 1), date(2022, 3, 20))],
                                   date(2022, 3, 1), date(2022, 4, 1)) == date(1957, 3, 10)

    def test_a_29_february_is_handled(self):
        assert stand_in_birth_date(date(2016, 2, 29), [(date(2022, 3, 1), date(2022, 3, 5))],
                                   date(2022, 3, 1), date(2022, 4, 1)) == date(2016, 1, 1)
