"""Occupancy is counted from history, so any past moment comes out exactly."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from arrival.extensions import db
from arrival.housing import inventory, occupancy, operations
from arrival.housing.absence import absent_residents
from arrival.housing.models import Bed, BedBlock, Site

pytestmark = pytest.mark.usefixtures("app_context")

T0 = datetime(2022, 3, 20, 8, 0, tzinfo=timezone.utc)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def row_of(site_id: int, moment: datetime):
    return next(r for r in occupancy.site_occupancy(moment, include_closed=True)
                if r.site_id == site_id)


@pytest.fixture
def timeline(make_site, make_household, persons_of, beds_of):
    """A hall with 5 beds opened at T0; a family of two planned at +1 h, checked in at
    +2 h, one of them checked out at +10 h; a bed blocked from +4 h to +6 h."""
    site = make_site(5, opened_at=T0)
    beds = beds_of(site["units"][0])
    ref = make_household(
        {**_person("Mother"), "relation": "head"},
        {**_person("Son", sex="male", date_of_birth="2012-01-01"), "relation": "child"})
    stays = operations.assign(persons_of(ref), beds[:2], at=at(1))
    for stay in stays:
        operations.transition(stay, operations.StayState.CHECKED_IN, at=at(2))
    operations.check_out(stays[1], reason="onward_travel", at=at(10))
    db.session.add(BedBlock(bed_id=beds[4].id, reason="Reparatur", blocked_at=at(4),
                            unblocked_at=at(6)))
    db.session.flush()
    return site["site"]


def _person(given: str, **fields) -> dict:
    from tests.factories import person_payload

    return person_payload(family_name="Timeline", given_names=given, document={"type": "none"},
                          **fields)


@pytest.mark.parametrize("hours, capacity, occupied, planned, free", [
    (0.5, 5, 0, 0, 5),
    (1.5, 5, 0, 2, 3),
    (3, 5, 2, 0, 3),
    (5, 4, 2, 0, 2),   # one bed blocked
    (7, 5, 2, 0, 3),   # unblocked again
    (11, 5, 1, 0, 4),  # the son has left
])
def test_the_occupancy_at_each_moment(timeline, hours, capacity, occupied, planned, free):
    row = row_of(timeline, at(hours))
    assert (row.capacity, row.occupied, row.planned, row.free) == (
        capacity, occupied, planned, free)


def test_a_site_does_not_exist_before_it_opened(timeline):
    assert all(r.site_id != timeline for r in occupancy.site_occupancy(at(-1)))


def test_a_closed_site_drops_out_from_its_closing_on(make_site):
    site_id = make_site(3, opened_at=T0)["site"]
    site = db.session.get(Site, site_id)
    inventory.close_site(site)
    site.closed_at = at(5)
    db.session.flush()
    assert any(r.site_id == site_id for r in occupancy.site_occupancy(at(4)))
    assert not any(r.site_id == site_id for r in occupancy.site_occupancy(at(6)))


def test_a_removed_bed_counts_until_its_removal(make_site, beds_of):
    site = make_site(3, opened_at=T0)
    bed = beds_of(site["units"][0])[0]
    inventory.remove_bed(bed)
    bed.removed_at = at(5)
    db.session.flush()
    assert row_of(site["site"], at(4)).capacity == 3
    assert row_of(site["site"], at(6)).capacity == 2


def test_levels_follow_the_thresholds_of_the_site(make_site, make_household, persons_of,
                                                  beds_of):
    site = make_site(4, warning_percent=50, critical_percent=75)
    beds = beds_of(site["units"][0])
    operations.assign(persons_of(make_household()), beds[:1])
    assert occupancy.site_occupancy(site_ids=[site["site"]])[0].level == "ok"
    operations.assign(persons_of(make_household()), beds[1:2])
    assert occupancy.site_occupancy(site_ids=[site["site"]])[0].level == "warning"
    operations.assign(persons_of(make_household()), beds[2:3])
    assert occupancy.site_occupancy(site_ids=[site["site"]])[0].level == "critical"


def test_reserve_sites_count_as_reserve_not_capacity(make_site):
    make_site(10)
    make_site(20, kind="reserve")
    totals = occupancy.totals(occupancy.site_occupancy())
    assert (totals["capacity"], totals["reserve"]) == (10, 20)


class TestAbsence:
    def test_residents_unseen_for_three_days_are_listed(self, timeline):
        absent = absent_residents(3, now=at(24 * 4))
        assert [r.person.given_names for r in absent] == ["Mother"]
        assert absent[0].last_seen == at(2)

    def test_recently_seen_residents_are_not(self, timeline):
        assert absent_residents(3, now=at(24 * 2)) == []

    def test_the_list_can_be_narrowed_to_a_site(self, timeline, make_site):
        other = make_site(2)["site"]
        assert absent_residents(3, site_id=other, now=at(100)) == []
        assert len(absent_residents(3, site_id=timeline, now=at(100))) == 1


def test_a_hall_with_120_beds_can_be_created_at_once(make_site):
    site = make_site(120)
    assert occupancy.site_occupancy(site_ids=[site["site"]])[0].capacity == 120


@pytest.mark.parametrize("count", [0, 501, "viele"])
def test_bad_bed_counts_are_refused(make_site, count):
    from arrival.core.validation import ValidationFailed
    from arrival.housing.models import Unit

    site = make_site(1)
    with pytest.raises(ValidationFailed):
        inventory.add_beds(db.session.get(Unit, site["units"][0]), count)


def test_blocking_a_bed_needs_a_reason(make_site, beds_of):
    from arrival.core.validation import ValidationFailed

    bed = beds_of(make_site(1)["units"][0])[0]
    with pytest.raises(ValidationFailed):
        inventory.block_bed(bed, "  ")
    assert db.session.get(Bed, bed.id).current_block is None
