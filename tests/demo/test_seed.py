"""Demo data: realistic shares, consistent with the rules of the application,
deterministic for a seed; and the benchmark script stays working (a tiny smoke run)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from arrival.demo.seed import seed
from arrival.extensions import db
from arrival.housing.models import Stay
from arrival.registry.models import DuplicateDecision, Household, Person

pytestmark = pytest.mark.usefixtures("app_context")
NOW = datetime(2022, 4, 30, 12, tzinfo=timezone.utc)


def snapshot() -> list[tuple]:
    return db.session.execute(sa.select(Person.family_name, Person.given_names,
                                        Person.date_of_birth).order_by(Person.id)).all()


def test_the_same_seed_gives_the_same_data():
    savepoint = db.session.begin_nested()
    seed(300, 20, 5, now=NOW)
    first = snapshot()
    savepoint.rollback()
    seed(300, 20, 5, now=NOW)
    assert snapshot() == first and len(first) >= 300


def test_the_shares_look_like_2022():
    counts = seed(2000, 30, 3, now=NOW)
    persons = db.session.scalar(sa.select(sa.func.count(Person.id)))
    minors = db.session.scalar(sa.select(sa.func.count(Person.id)).where(
        Person.birth_year > 2022 - 18))
    third_country = db.session.scalar(sa.select(sa.func.count(Person.id)).where(
        Person.nationality != "UKR"))
    assert 0.3 <= minors / persons <= 0.5
    assert 0.01 <= third_country / persons <= 0.06
    assert counts["household"] < persons  # households, not only singles
    assert db.session.scalar(sa.select(sa.func.count(DuplicateDecision.id))) > 0
    assert counts["delivery"] > persons and counts["clarification_item"] > persons


def test_stays_respect_the_invariants():
    seed(1000, 30, 4, now=NOW)
    open_per_bed = db.session.execute(
        sa.select(Stay.bed_id, sa.func.count(Stay.id))
        .where(Stay.state.in_(("planned", "checked_in"))).group_by(Stay.bed_id)
        .having(sa.func.count(Stay.id) > 1)).all()
    assert open_per_bed == []
    assert db.session.scalar(sa.select(sa.func.count(Stay.id)).where(
        Stay.ended_at < Stay.checked_in_at)) == 0


def test_seeding_refuses_a_database_with_households(make_household):
    make_household()
    with pytest.raises(ValueError):
        seed(10, 5, 1, now=NOW)


def test_the_demo_data_show_on_the_dashboard():
    from arrival.statistics.figures import dashboard

    seed(500, 20, 6, now=NOW)
    figures = dashboard(NOW)
    assert figures["present"] > 0 and figures["clarification"]["open_total"] > 0
    assert db.session.scalar(sa.select(sa.func.count(Household.id))) > 100
