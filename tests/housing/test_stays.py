"""Stays: assigning, checking in and out, moving — with history, invariants held
by the database, and every refusal changing nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from arrival.core.validation import Conflict, ValidationFailed
from arrival.database import now_utc
from arrival.extensions import db
from arrival.housing import allocation, operations
from arrival.housing.models import Stay, StayEvent
from tests.factories import person_payload

pytestmark = pytest.mark.usefixtures("app_context")


@pytest.fixture
def family(make_household):
    return make_household(
        person_payload(family_name="Melnyk", document={"type": "none"}),
        person_payload(family_name="Melnyk", relation="child", given_names="Ivan", sex="male",
                       date_of_birth="2014-02-02", document={"type": "none"}),
    )


@pytest.fixture
def hall(make_site):
    return make_site(4, 2)


def stays() -> list[Stay]:
    return list(db.session.scalars(sa.select(Stay).order_by(Stay.id)))


class TestAssign:
    def test_a_household_is_placed_in_one_step_and_history_is_written(
            self, family, hall, persons_of, beds_of):
        placed = operations.assign(persons_of(family), beds_of(hall["units"][0])[:2])
        assert [s.state for s in placed] == ["planned", "planned"]
        events = db.session.scalars(sa.select(StayEvent)).all()
        assert [(e.from_state, e.to_state) for e in events] == [(None, "planned")] * 2

    def test_check_in_now_places_and_checks_in(self, family, hall, persons_of, beds_of):
        placed = operations.assign(persons_of(family), beds_of(hall["units"][0])[:2],
                                   check_in=True)
        assert all(s.state == "checked_in" and s.checked_in_at for s in placed)

    def test_a_person_with_a_bed_cannot_get_a_second(self, family, hall, persons_of, beds_of):
        operations.assign(persons_of(family)[:1], beds_of(hall["units"][0])[:1])
        with pytest.raises(Conflict) as refused:
            operations.assign(persons_of(family)[:1], beds_of(hall["units"][1])[:1])
        assert refused.value.code == "person_has_stay"
        assert len(stays()) == 1

    def test_a_taken_bed_is_refused(self, family, make_household, hall, persons_of, beds_of):
        other = make_household()
        bed = beds_of(hall["units"][0])[:1]
        operations.assign(persons_of(family)[:1], bed)
        with pytest.raises(Conflict):
            operations.assign(persons_of(other), bed)

    def test_more_persons_than_beds_is_refused(self, family, hall, persons_of, beds_of):
        with pytest.raises(ValidationFailed):
            operations.assign(persons_of(family), beds_of(hall["units"][0])[:1])
        assert stays() == []

    def test_a_closed_site_takes_nobody(self, family, make_site, persons_of, beds_of):
        from arrival.housing import inventory
        from arrival.housing.models import Site

        site = make_site(2)
        beds = beds_of(site["units"][0])
        inventory.close_site(db.session.get(Site, site["site"]))
        with pytest.raises(ValidationFailed, match="geschlossen|closed"):
            operations.assign(persons_of(family), beds)

    def test_a_blocked_bed_is_refused(self, family, hall, persons_of, beds_of):
        from arrival.housing import inventory

        bed = beds_of(hall["units"][0])[0]
        inventory.block_bed(bed, "Matratze defekt")
        with pytest.raises(Conflict):
            operations.assign(persons_of(family)[:1], [bed])

    def test_a_timestamp_in_the_future_is_refused(self, family, hall, persons_of, beds_of):
        with pytest.raises(ValidationFailed):
            operations.assign(persons_of(family), beds_of(hall["units"][0])[:2],
                              at=now_utc() + timedelta(hours=2))

    def test_the_database_itself_refuses_a_second_open_stay_for_a_bed(
            self, family, hall, persons_of, beds_of):
        bed = beds_of(hall["units"][0])[0]
        first, second = persons_of(family)
        db.session.add(Stay(person_id=first.id, household_id=first.household_id, bed_id=bed.id))
        db.session.flush()
        with pytest.raises(sa.exc.IntegrityError):
            with db.session.begin_nested():
                db.session.add(Stay(person_id=second.id, household_id=second.household_id,
                                    bed_id=bed.id))
                db.session.flush()

    def test_the_database_itself_refuses_a_second_open_stay_for_a_person(
            self, family, hall, persons_of, beds_of):
        first_bed, second_bed = beds_of(hall["units"][0])[:2]
        person = persons_of(family)[0]
        db.session.add(Stay(person_id=person.id, household_id=person.household_id,
                            bed_id=first_bed.id))
        db.session.flush()
        with pytest.raises(sa.exc.IntegrityError):
            with db.session.begin_nested():
                db.session.add(Stay(person_id=person.id, household_id=person.household_id,
                                    bed_id=second_bed.id))
                db.session.flush()


class TestCheckOutAndMove:
    @pytest.fixture
    def placed(self, family, hall, persons_of, beds_of):
        return operations.assign(persons_of(family), beds_of(hall["units"][0])[:2],
                                 check_in=True, at=now_utc() - timedelta(hours=3))

    def test_check_out_with_a_reason_and_destination(self, placed):
        operations.check_out(placed[0], reason="private_accommodation", destination="Esslingen")
        assert (placed[0].state, placed[0].end_reason, placed[0].destination) == (
            "checked_out", "private_accommodation", "Esslingen")

    def test_check_out_needs_a_reason_from_the_catalogue(self, placed):
        with pytest.raises(ValidationFailed):
            operations.check_out(placed[0], reason="bored")
        assert placed[0].state == "checked_in"

    def test_check_out_before_check_in_is_refused(self, placed):
        with pytest.raises(ValidationFailed):
            operations.check_out(placed[0], reason="absent",
                                 at=placed[0].checked_in_at - timedelta(minutes=1))
        assert placed[0].state == "checked_in"

    def test_a_planned_stay_that_ends_is_cancelled_not_checked_out(self, family, hall,
                                                                   persons_of, beds_of):
        stay = operations.assign(persons_of(family)[:1], beds_of(hall["units"][1])[:1])[0]
        operations.check_out(stay, reason="onward_travel")
        assert stay.state == "cancelled"

    def test_an_ended_stay_cannot_end_again(self, placed):
        operations.check_out(placed[0], reason="absent")
        with pytest.raises(ValidationFailed):
            operations.check_out(placed[0], reason="absent")

    def test_moving_ends_the_old_stays_and_opens_new_ones_at_the_same_moment(
            self, placed, persons_of, family, hall, beds_of):
        new = operations.move(persons_of(family), beds_of(hall["units"][1]))
        old = [db.session.get(Stay, s.id) for s in placed]
        assert [s.state for s in old] == ["checked_out", "checked_out"]
        assert [s.end_reason for s in old] == ["moved", "moved"]
        assert [s.state for s in new] == ["checked_in", "checked_in"]
        assert [s.moved_from_id for s in new] == [s.id for s in old]
        assert new[0].checked_in_at == old[0].ended_at

    def test_moving_a_person_without_a_bed_is_refused(self, make_household, hall, persons_of,
                                                      beds_of):
        homeless = make_household()
        with pytest.raises(ValidationFailed):
            operations.move(persons_of(homeless), beds_of(hall["units"][1])[:1])


class TestAllocation:
    def needs(self, persons_of, ref):
        return allocation.Needs.of(persons_of(ref))

    def test_units_that_take_the_whole_household_come_first_by_fit(
            self, family, make_site, persons_of):
        site = make_site(6, 2, 3)
        proposals = allocation.propose(self.needs(persons_of, family), site_id=site["site"])
        assert [(p.unit.name, p.leftover) for p in proposals] == [
            ("Room 2", 0), ("Room 3", 1), ("Room 1", 4)]

    def test_a_wheelchair_user_gets_only_barrier_free_units(self, make_household, make_site,
                                                           persons_of):
        ref = make_household(person_payload(flags=["reduced_mobility"],
                                            document={"type": "none"}))
        plain = make_site(4)
        accessible = make_site(4, unit_flags={"barrier_free": True})
        units = [p.unit.site_id for p in allocation.propose(self.needs(persons_of, ref))]
        assert accessible["site"] in units and plain["site"] not in units

    def test_women_only_units_do_not_take_men(self, make_household, make_site, persons_of):
        couple = make_household(
            person_payload(document={"type": "none"}),
            person_payload(relation="spouse", given_names="Petro", sex="male",
                           date_of_birth="1980-01-01", document={"type": "none"}))
        women = make_site(4, unit_flags={"women_only": True})
        proposals = allocation.propose(self.needs(persons_of, couple), site_id=women["site"])
        assert proposals == []

    def test_women_only_units_take_mothers_with_young_sons(self, family, make_site, persons_of):
        women = make_site(4, unit_flags={"women_only": True})
        assert allocation.propose(self.needs(persons_of, family), site_id=women["site"])

    def test_full_and_blocked_beds_are_not_offered(self, family, make_household, make_site,
                                                   persons_of, beds_of):
        from arrival.housing import inventory

        site = make_site(3)
        beds = beds_of(site["units"][0])
        inventory.block_bed(beds[0], "Wasserschaden")
        operations.assign(persons_of(make_household()), beds[1:2])
        assert allocation.propose(self.needs(persons_of, family), site_id=site["site"]) == []


class TestCheckOutMany:
    """A bus leaving: many stays end with one reason at one moment, each with its own
    transition and its own StayEnded event, all or nothing."""

    @pytest.fixture
    def placed(self, family, hall, persons_of, beds_of):
        return operations.assign(persons_of(family), beds_of(hall["units"][0])[:2],
                                 check_in=True, at=now_utc() - timedelta(hours=3))

    def test_each_stay_gets_its_transition_and_its_event(self, app, placed):
        from arrival.core.events import bus
        from arrival.housing.events import StayEnded

        heard = []
        bus(app).subscribe(StayEnded, heard.append)
        try:
            operations.check_out_many(placed, reason="transferred", destination="Böblingen")
        finally:
            bus(app).unsubscribe(StayEnded, heard.append)
        assert [(s.state, s.end_reason, s.destination) for s in placed] == \
            [("checked_out", "transferred", "Böblingen")] * 2
        ends = db.session.scalars(sa.select(StayEvent).where(
            StayEvent.to_state == "checked_out").order_by(StayEvent.stay_id)).all()
        assert [(e.stay_id, e.from_state, e.note) for e in ends] == \
            [(s.id, "checked_in", "transferred") for s in placed]
        assert [(e.stay.id, e.reason, e.checked_out) for e in heard] == \
            [(s.id, "transferred", True) for s in placed]

    def test_one_stay_already_ended_refuses_them_all(self, placed):
        operations.check_out(placed[1], reason="absent")
        with pytest.raises(ValidationFailed):
            operations.check_out_many(placed, reason="transferred")
        assert placed[0].state == "checked_in"

    def test_a_moment_before_one_start_changes_none(self, placed):
        with pytest.raises(ValidationFailed):
            operations.check_out_many(placed, reason="transferred",
                                      at=placed[0].checked_in_at - timedelta(minutes=1))
        assert [s.state for s in placed] == ["checked_in", "checked_in"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StayEvent).where(
            StayEvent.to_state == "checked_out")) == 0
