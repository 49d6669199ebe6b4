from __future__ import annotations

import pytest
import sqlalchemy as sa

from arrival.extensions import db
from arrival.housing.models import Bed
from arrival.registry.models import Person
from arrival.registry.operations import household_by_ref


@pytest.fixture
def persons_of(app):
    def get(ref: str) -> list[Person]:
        return list(household_by_ref(ref).persons)
    return get


@pytest.fixture
def beds_of():
    def get(unit_id: int) -> list[Bed]:
        return list(db.session.scalars(sa.select(Bed).where(Bed.unit_id == unit_id)
                                       .order_by(Bed.position)))
    return get


