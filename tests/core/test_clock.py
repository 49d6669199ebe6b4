"""One clock for all code: nothing reads the system clock but arrival.core.clock,
and the rules that depend on the date follow it (the suite passes on any real
date — two tests once broke on 2027-01-02 and 2028-02-03)."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from pathlib import Path

from arrival.core import clock

PACKAGE = Path(__file__).resolve().parents[2] / "arrival"
# The benchmark measures real durations and stamps its report with the real time.
MAY_READ_THE_SYSTEM_CLOCK = {"core/clock.py", "devtools/benchmark.py"}
SYSTEM_CLOCK = re.compile(r"datetime\.now\(|datetime\.utcnow\(|date\.today\(|time\.time\(")


def test_only_the_clock_module_reads_the_system_clock():
    readers = [str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")
               if SYSTEM_CLOCK.search(path.read_text())]
    assert sorted(set(readers) - MAY_READ_THE_SYSTEM_CLOCK) == []


def test_today_is_the_local_day_of_the_clock(app_context):
    # 23:30 UTC on 31 December is already New Year's Day in Stuttgart.
    with clock.frozen_at(datetime(2029, 12, 31, 23, 30, tzinfo=timezone.utc)):
        assert clock.today_local() == date(2030, 1, 1)


def _td3_born(yymmdd: str) -> str:
    from arrival.registry.mrz import check_digit

    number, expiry = "FB1234567", "350101"
    line2 = (f"{number}{check_digit(number)}UKR{yymmdd}{check_digit(yymmdd)}F"
             f"{expiry}{check_digit(expiry)}{'<' * 14}{check_digit('<' * 14)}")
    composite = line2[0:10] + line2[13:20] + line2[21:43]
    return "P<UKRSHEVCHENKO<<OLENA" + "<" * 22 + "\n" + line2 + check_digit(composite)


def test_two_digit_birth_years_follow_the_clock(app_context):
    from arrival.registry.mrz import parse_mrz

    born_27 = _td3_born("270312")
    # Born '27: in 2030 that is a small child (2027); in 2022 it is 1927.
    with clock.frozen_at(datetime(2030, 6, 1, tzinfo=timezone.utc)):
        assert parse_mrz(born_27).date_of_birth == date(2027, 3, 12)
    with clock.frozen_at(datetime(2022, 6, 1, tzinfo=timezone.utc)):
        assert parse_mrz(born_27).date_of_birth == date(1927, 3, 12)


def test_a_ticking_clock_starts_where_it_is_told_and_runs_on():
    start = datetime(2030, 2, 3, 8, 0, tzinfo=timezone.utc)
    tick = clock.ticking_from(start)
    first, second = tick(), tick()
    assert start <= first <= second
    assert (second - start).total_seconds() < 5
