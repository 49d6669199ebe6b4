"""Each figure against the hand-built scenario — exact for a local day that has
only 23 hours, with events at 23:59 and 00:01 on the right side of midnight."""

from __future__ import annotations

from datetime import timedelta

import pytest

from arrival.statistics import queries as q
from arrival.statistics.figures import dashboard, day_report, end_of_day
from tests.statistics.conftest import DAY, local

pytestmark = pytest.mark.usefixtures("app_context")


def test_the_day_the_clocks_change_has_23_hours():
    start, end = q.day_bounds(DAY)
    assert end - start == timedelta(hours=23)


@pytest.fixture
def report(scenario):
    return day_report(DAY)


def test_arrivals_of_the_day_count_local_midnight_to_midnight(report):
    # B at 00:01 and C at 23:59; not A (23:59 the day before) nor D (00:01 the day after)
    assert report["arrivals"]["persons"] == 4
    assert report["arrivals"]["households"] == 2


def test_cumulative_arrivals_include_the_days_before(report):
    assert report["cumulative_arrivals"] == {"persons": 6, "households": 3}


def test_present_at_the_end_of_the_day(report):
    assert report["present"] == 2  # Anna and Borys; Artem left, household C only planned


def test_sites_count_capacity_occupied_planned_and_blocked(report):
    (site,) = report["sites"]
    assert (site["capacity"], site["occupied"], site["planned"], site["free"],
            site["blocked"]) == (9, 2, 3, 4, 1)


def test_departures_by_reason(report):
    assert report["departures"] == {"total": 1, "by_reason": {"private_accommodation": 1}}


def test_demographics_of_those_present(report):
    demographics = report["demographics"]
    assert demographics["age_bands"] == {"0-5": 0, "6-17": 0, "18-64": 1, "65+": 1,
                                         "unknown": 0}
    assert demographics["sex"]["female"] == 1 and demographics["sex"]["male"] == 1
    assert demographics["nationality"] == {"ukrainian": 2, "third_country": 0}


def test_vulnerable_groups_of_those_present(report):
    assert report["vulnerable"]["reduced_mobility"] == 1
    assert report["vulnerable"]["unaccompanied_minor"] == 0


def test_clarification_items_open_per_authority_with_age_and_overdue(report):
    clarification = report["clarification"]
    assert clarification["by_authority"] == {"jugendamt": {
        "open": 1, "overdue": 1, "by_topic": {"unaccompanied_minor": 1},
        "aging": {"0-2": 0, "3-7": 1, "8+": 0}}}
    assert clarification["resolved_today"] == {"rp": 1}
    assert clarification["opened_today"] == {"rp": 1}


def test_fingerprints_pending_and_done(report):
    assert report["fingerprints"] == {"pending": 0, "done": 1}


def test_services_of_the_day_and_refused_scans(report):
    assert report["services"] == {"delivered": {"meal": 1},
                                  "refused": {"limit_reached": 1}}


def test_data_quality(report):
    assert report["data_quality"]["beds_blocked"] == 1
    assert report["data_quality"]["without_full_date_of_birth"] == 0


def test_the_state_of_an_item_is_as_it_was_then(scenario):
    before = q.clarification(local(27, 23, 0))
    assert before["by_authority"]["rp"]["open"] == 1  # resolved only at 23:59


def test_the_dashboard_at_the_end_of_the_day_equals_the_report(scenario):
    report = day_report(DAY)
    board = dashboard(end_of_day(DAY))
    assert board["present"] == report["present"]
    assert board["sites"] == report["sites"]
    assert board["departures"]["today"] == report["departures"]
    assert board["arrivals"]["today"]["persons"] == report["arrivals"]["persons"]
    for key in ("demographics", "vulnerable", "clarification", "services", "data_quality"):
        assert board[key] == report[key], key


def test_the_trend_shows_each_day(scenario):
    rows = {row["date"]: row for row in q.trend(DAY + timedelta(days=1), 3)}
    assert rows["2022-03-26"]["arrivals"] == 2
    assert rows["2022-03-27"]["arrivals"] == 4 and rows["2022-03-27"]["departures"] == 1
    assert rows["2022-03-27"]["present"] == 2
    assert rows["2022-03-28"]["arrivals"] == 1
    assert rows["2022-03-27"]["free_beds"] == 4


def test_a_site_view_counts_only_that_site(scenario, make_site):
    other = make_site(3)
    board = dashboard(end_of_day(DAY), site_id=other["site"])
    assert board["present"] == 0


@pytest.mark.parametrize("moment, absent", [
    # Anna was seen at 27.03. 23:59 and 28.03. 00:01 (meals), Borys at his check-in
    # 27.03. 00:30; Artem left on the 27th, household C is only planned.
    (local(30, 0, 0), 0),
    (local(30, 0, 30), 1),   # exactly three days after Borys's check-in: absent
    (local(30, 0, 31), 1),
    (local(31, 0, 0), 1),    # Anna's last meal, 28.03. 00:01, is inside the window
    (local(31, 0, 2), 2),    # ... and now outside it
])
def test_residents_not_seen_for_three_days_are_absent(scenario, moment, absent):
    assert q.absent(moment) == absent


def test_absence_of_one_site_counts_its_residents_only(scenario, make_site):
    import sqlalchemy as sa

    from arrival.extensions import db
    from arrival.housing.models import Site

    hall = db.session.scalar(sa.select(Site.id).where(Site.name == "Halle Nord"))
    other = make_site(3)
    assert q.absent(local(31, 0, 2), q.Scope(hall)) == 2
    assert q.absent(local(31, 0, 2), q.Scope(other["site"])) == 0
