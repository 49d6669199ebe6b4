"""The day book (issue 21): the figures of closed days are written once and the
dashboard builds on them — and they stay exactly what a full recount says, for
every day of a 60-day centre, also after corrections dated into closed days."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from arrival.cases.models import ClarificationItem
from arrival.catalog.models import Authority
from arrival.core import clock
from arrival.extensions import db
from arrival.housing import operations as housing
from arrival.housing.models import Bed, BedBlock, Stay
from arrival.registry.models import Household, Person, PersonFlag
from arrival.statistics import daybook
from arrival.statistics import queries as q
from arrival.statistics.figures import booked_dashboard, counted_dashboard
from arrival.statistics.models import FigureDay

# Mid-morning in Stuttgart, 60 days after the first arrivals of the seeded centre.
NOW = datetime(2022, 5, 20, 9, 30, tzinfo=timezone.utc)
TODAY = date(2022, 5, 20)


def _seeded_and_closed(app, persons: int, days: int):
    from arrival.demo.seed import seed

    previous = clock.set_clock(clock.ticking_from(NOW))
    with app.app_context():
        seed(persons, days, 11, now=NOW, deliveries_per_person=1)
        daybook.close_days(NOW)
        try:
            yield
        finally:
            db.session.rollback()
            clock.set_clock(previous)


@pytest.fixture
def centre(app):
    """A seeded centre of 60 days, its day book closed up to yesterday."""
    yield from _seeded_and_closed(app, 200, 60)


@pytest.fixture
def small_centre(app):
    """A month of a small centre: enough closed days to see which turn stale."""
    yield from _seeded_and_closed(app, 120, 30)


def kept_days() -> dict[date, FigureDay]:
    return {row.day: row for row in db.session.scalars(sa.select(FigureDay))}


def assert_rows_match_a_recount(days):
    for day in days:
        row = db.session.get(FigureDay, day)
        assert row is not None and not row.stale, day
        recount = daybook.recount_day(day)
        assert (row.stocks, row.flows) == (recount["stocks"], recount["flows"]), \
            f"the row of {day} differs"


def assert_dashboards_match(moments):
    for moment in moments:
        booked = booked_dashboard(moment)
        assert booked is not None, moment
        assert booked == counted_dashboard(moment), f"the dashboard at {moment} differs"


def last_days(count: int) -> list[date]:
    return [TODAY - timedelta(days=offset) for offset in range(count, 0, -1)]


def moments_of(day: date) -> list[datetime]:
    start, _end = q.day_bounds(day)
    return [start + timedelta(hours=7, minutes=45), daybook.end_of_day(day)]


@pytest.mark.usefixtures("centre")
class TestAClosedCentre:
    def test_every_day_has_a_row_that_a_full_recount_confirms_and_the_dashboard_builds_on(self):
        days = kept_days()
        first = daybook.first_day()
        assert max(days) == TODAY - timedelta(days=1)
        assert min(days) <= first
        assert all(first + timedelta(days=n) in days for n in range((TODAY - first).days))
        assert not any(row.stale for row in days.values())
        assert_rows_match_a_recount(last_days(61))
        assert_dashboards_match([NOW] + [m for day in last_days(60)[::6] for m in moments_of(day)])
        board = booked_dashboard(NOW)
        yesterday = db.session.get(FigureDay, TODAY - timedelta(days=1)).flows
        assert board["arrivals"]["yesterday"] == yesterday["arrivals"]
        assert board["trend_60"][-2] == yesterday["trend"]


def stay_checked_in_before(moment: datetime) -> Stay:
    return db.session.scalars(sa.select(Stay).where(
        Stay.state == "checked_in", Stay.checked_in_at < moment).order_by(Stay.id)).first()


@pytest.mark.usefixtures("small_centre")
class TestWhichDaysTurnStale:

    def test_a_check_out_entered_late_makes_its_day_and_every_later_one_stale(self):
        stay = stay_checked_in_before(NOW - timedelta(days=12))
        housing.check_out(stay, reason="private_accommodation", at=NOW - timedelta(days=10))
        corrected = q.local_date(NOW - timedelta(days=10))
        days = kept_days()
        assert all(row.stale == (day >= corrected) for day, row in days.items())

    def test_a_person_added_to_a_household_that_arrived_last_week_counts_from_its_arrival(
            self):
        household = db.session.scalars(sa.select(Household).where(
            Household.arrived_at < NOW - timedelta(days=7)).order_by(Household.id)).first()
        member = db.session.scalars(sa.select(Person).where(
            Person.household_id == household.id)).first()
        db.session.add(Person(household_id=household.id,
                              family_name=member.family_name, given_names="Nachgetragen",
                              sex="female", birth_year=2015, nationality="UKR",
                              relation="child", position=99))
        db.session.flush()
        arrived = q.local_date(household.arrived_at)
        assert all(row.stale == (day >= arrived) for day, row in kept_days().items())

    def test_a_change_of_today_leaves_the_closed_days_alone(self):
        stay = stay_checked_in_before(NOW - timedelta(days=2))
        housing.check_out(stay, reason="private_accommodation", at=NOW - timedelta(minutes=5))
        assert not any(row.stale for row in kept_days().values())

    def test_a_correction_committed_while_a_day_is_counted_leaves_that_row_stale(
            self, monkeypatch):
        from arrival.statistics import corrections

        day = TODAY - timedelta(days=1)
        counted = daybook.count_day

        def count_while_a_correction_lands(*args):
            figures = counted(*args)
            corrections.mark_stale_from(db.session, day)  # another tablet, meanwhile
            return figures

        monkeypatch.setattr(daybook, "count_day", count_while_a_correction_lands)
        assert daybook.close_day(day).stale

    def test_the_night_job_counts_stale_days_again(self, app):
        stay = stay_checked_in_before(NOW - timedelta(days=6))
        housing.check_out(stay, reason="private_accommodation", at=NOW - timedelta(days=5))
        stale = sorted(day for day, row in kept_days().items() if row.stale)
        assert daybook.status(NOW)["to_close"] == [day.isoformat() for day in stale]
        result = app.test_cli_runner().invoke(args=["figures", "close"])
        assert result.exit_code == 0, result.output
        assert f"closed {len(stale)} days, {stale[0]} to {stale[-1]}" in result.output
        assert not any(row.stale for row in kept_days().values())

    def test_the_dashboard_counts_live_while_yesterday_is_stale(self):
        stay = stay_checked_in_before(NOW - timedelta(days=3))
        housing.check_out(stay, reason="private_accommodation", at=NOW - timedelta(days=2))
        assert booked_dashboard(NOW) is None



@pytest.mark.usefixtures("centre")
class TestCorrectionsOfClosedDays:
    def test_after_the_corrections_named_in_the_issue_every_day_recounts_the_same(self):
        # a check-out entered late
        stay = stay_checked_in_before(NOW - timedelta(days=20))
        housing.check_out(stay, reason="private_accommodation", at=NOW - timedelta(days=19))
        # an arrival time corrected (three days earlier)
        household = db.session.scalars(sa.select(Household).where(
            Household.arrived_at.between(NOW - timedelta(days=30), NOW - timedelta(days=25)))
            .order_by(Household.id)).first()
        household.arrived_at -= timedelta(days=3)
        # a check-in time corrected, a flag and a date of birth set late
        other = stay_checked_in_before(NOW - timedelta(days=40))
        other.checked_in_at = max(other.planned_at, other.checked_in_at - timedelta(hours=20))
        person = db.session.get(Person, other.person_id)
        db.session.add(PersonFlag(person_id=person.id, code="needs_care"))
        person.date_of_birth = date(TODAY.year - 18, TODAY.month, TODAY.day - 10)
        person.birth_year = person.date_of_birth.year
        # an item forwarded to another authority; a bed blocked a week ago
        item = db.session.scalars(sa.select(ClarificationItem).where(
            ClarificationItem.state == "open").order_by(ClarificationItem.id)).first()
        item.authority_id = next(a for a in db.session.scalars(sa.select(Authority.id))
                                 if a != item.authority_id)
        bed = db.session.scalars(sa.select(Bed).order_by(Bed.id.desc())).first()
        db.session.add(BedBlock(bed_id=bed.id, reason="damage",
                                blocked_at=NOW - timedelta(days=7)))
        db.session.flush()
        assert any(row.stale for row in kept_days().values())

        daybook.close_days(NOW)

        assert_rows_match_a_recount(last_days(61))
        assert_dashboards_match([NOW] + [m for day in last_days(45)[::7] for m in moments_of(day)])


class TestBirthdays:
    @pytest.mark.parametrize("day, born", [
        (date(2022, 5, 20), date(2004, 5, 20)),   # 18 today
        (date(2022, 3, 1), date(2016, 2, 29)),    # born 29 February: 6 on 1 March
        (date(2022, 5, 20), date(2022, 5, 20)),   # born today: from "unknown" to 0–5
    ])
    def test_a_birthday_moves_a_present_person_into_the_next_age_band(self, day, born):
        from arrival.statistics import changes

        before = day - timedelta(days=1)
        assert changes.age_band(_age(born, day)) != changes.age_band(_age(born, before))
        assert born in _candidate_dates(day)

    def test_on_new_year_s_day_those_known_only_by_the_year_of_birth_turn_a_year_older(
            self, app):
        from arrival.statistics import changes

        with app.app_context():
            condition = changes.birthday_candidates(date(2023, 1, 1))
            sql = str(condition.compile(compile_kwargs={"literal_binds": True}))
        assert "birth_year IN (2023, 2017, 2005, 1958, 1902)" in sql


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((born.month, born.day) > (on.month, on.day))


def _candidate_dates(day: date) -> list[date]:
    from arrival.statistics import changes

    condition = changes.birthday_candidates(day)
    return list(condition.right.value)
