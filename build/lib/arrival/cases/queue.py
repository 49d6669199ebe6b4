"""An authority's queue: filters, sorting by priority and due date, paging."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from arrival.cases.models import ACTIVE_STATE_SQL, ClarificationItem
from arrival.cases.operations import today_local
from arrival.database import now_utc
from arrival.extensions import db
from arrival.housing.models import OPEN_STATES, Bed, Stay, Unit

PAGE_SIZE = 50
AGE_BUCKETS = {"0-2": (0, 2), "3-7": (3, 7), "8+": (8, None)}


@dataclass
class QueueFilter:
    authority_id: int | None = None
    state: str | None = None  # None: every active state
    topic: str | None = None
    overdue: bool = False
    age: str | None = None
    site_id: int | None = None
    assigned_to: int | None = None
    page: int = 1


def queue_query(f: QueueFilter):
    item = ClarificationItem
    query = sa.select(item)
    if f.authority_id is not None:
        query = query.where(item.authority_id == f.authority_id)
    query = query.where(item.state == f.state) if f.state else query.where(
        sa.text(ACTIVE_STATE_SQL))
    if f.topic:
        query = query.where(item.topic == f.topic)
    if f.overdue:
        query = query.where(item.due_on < today_local())
    if f.age in AGE_BUCKETS:
        low, high = AGE_BUCKETS[f.age]
        now = now_utc()
        query = query.where(item.created_at <= now - timedelta(days=low))
        if high is not None:
            query = query.where(item.created_at > now - timedelta(days=high + 1))
    if f.assigned_to:
        query = query.where(item.assignee_id == f.assigned_to)
    if f.site_id:
        at_site = (sa.select(Stay.household_id).join(Bed, Bed.id == Stay.bed_id)
                   .join(Unit, Unit.id == Bed.unit_id)
                   .where(Unit.site_id == f.site_id, Stay.state.in_(OPEN_STATES)))
        query = query.where(item.household_id.in_(at_site))
    return query


def page(f: QueueFilter):
    query = queue_query(f).order_by(ClarificationItem.priority, ClarificationItem.due_on,
                                    ClarificationItem.id).options(
        selectinload(ClarificationItem.household), selectinload(ClarificationItem.person),
        selectinload(ClarificationItem.assignee))
    return db.paginate(query, page=max(f.page, 1), per_page=PAGE_SIZE, error_out=False)
