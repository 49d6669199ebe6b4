"""Households that stayed and left, for the data-protection tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from arrival.extensions import db
from arrival.housing import operations as housing
from arrival.housing.models import Bed
from arrival.registry.operations import household_by_ref


@pytest.fixture
def stay_and_leave(make_household, make_site):
    """Register a household, check it in and out at the given moments; returns
    its ref. left=None: still there."""
    site = {}

    def make(*persons, arrived: datetime, left: datetime | None,
             reason: str = "private_accommodation") -> str:
        if not site:
            site.update(make_site(40, opened_at=datetime(2022, 1, 1, tzinfo=timezone.utc)))
        ref = make_household(*persons, arrived_at=arrived.isoformat())
        household = household_by_ref(ref)
        beds = list(db.session.scalars(
            sa.select(Bed).where(Bed.unit_id == site["units"][0])
            .where(~Bed.id.in_(sa.text("SELECT bed_id FROM stay WHERE state IN "
                                       "('planned', 'checked_in')")))
            .order_by(Bed.position).limit(len(household.persons))))
        stays = housing.assign(list(household.persons), beds, check_in=True,
                               at=arrived + timedelta(hours=2))
        if left is not None:
            for stay in stays:
                housing.check_out(stay, reason=reason, destination="Bei Familie Müller, Köln",
                                  at=left)
        db.session.commit()
        return ref

    return make


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)
