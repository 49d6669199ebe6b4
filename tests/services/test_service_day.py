"""A service day is a day in Stuttgart (Europe/Berlin), not a UTC day; an interval
in days is measured in hours, so 6.5 days are not 7."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.services.test_scanning import card_tokens, household, scan  # noqa: F401 (fixtures)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


# 21 March 2022: Stuttgart is at UTC+1. Local midnight of the 22nd is 23:00 UTC.
BEFORE_LOCAL_MIDNIGHT = utc(2022, 3, 21, 22, 30)  # 23:30 local, 21 March
AFTER_LOCAL_MIDNIGHT = utc(2022, 3, 21, 23, 30)   # 00:30 local, 22 March — same UTC day
AFTER_UTC_MIDNIGHT = utc(2022, 3, 22, 0, 30)      # 01:30 local, 22 March — next UTC day


class TestTheServiceDay:
    """Baby supplies: at most one a day per household (Iryna's card answers amber
    for her diet: accepted, with an instruction)."""

    def test_local_midnight_starts_a_new_day_though_the_utc_day_goes_on(
            self, app, card_tokens):  # noqa: F811
        assert scan(app, card_tokens["Iryna"], "baby_supplies",
                    at=BEFORE_LOCAL_MIDNIGHT).result != "red"
        assert scan(app, card_tokens["Iryna"], "baby_supplies",
                    at=AFTER_LOCAL_MIDNIGHT).result != "red"

    def test_utc_midnight_does_not_start_a_new_day(self, app, card_tokens):  # noqa: F811
        assert scan(app, card_tokens["Iryna"], "baby_supplies",
                    at=AFTER_LOCAL_MIDNIGHT).result != "red"
        again = scan(app, card_tokens["Iryna"], "baby_supplies", at=AFTER_UTC_MIDNIGHT)
        assert (again.result, again.reason) == ("red", "limit_reached")

    def test_the_same_local_evening_is_one_day(self, app, card_tokens):  # noqa: F811
        scan(app, card_tokens["Iryna"], "baby_supplies", at=BEFORE_LOCAL_MIDNIGHT - timedelta(
            hours=3))
        assert scan(app, card_tokens["Iryna"], "baby_supplies",
                    at=BEFORE_LOCAL_MIDNIGHT).reason == "limit_reached"


class TestTheInterval:
    """Hygiene kits: one per person every 7 days."""

    START = utc(2022, 3, 21, 9, 0)

    @pytest.mark.parametrize("later, result", [
        (timedelta(days=6, hours=12), "red"),
        (timedelta(days=6, hours=23, minutes=59), "red"),
        (timedelta(days=7), "green"),
        (timedelta(days=7, hours=1), "green"),
    ], ids=["6.5 days", "a minute short of 7", "7 days", "7 days and an hour"])
    def test_the_next_kit_after_seven_full_days(self, app, card_tokens,  # noqa: F811
                                                later, result):
        assert scan(app, card_tokens["Mila"], "hygiene_kit", at=self.START).result != "red"
        assert scan(app, card_tokens["Mila"], "hygiene_kit",
                    at=self.START + later).result == result
