"""The history of changes of a household, read from the audit log (field names,
who and when — never values)."""

from __future__ import annotations

import sqlalchemy as sa

from arrival.audit.models import AuditAction, AuditEvent
from arrival.extensions import db
from arrival.registry.models import Household

CHANGE_ACTIONS = (AuditAction.CREATE.value, AuditAction.UPDATE.value, AuditAction.DELETE.value)


def household_history(household: Household, limit: int = 100) -> list[AuditEvent]:
    person_ids = [p.public_id for p in household.persons]
    return list(db.session.scalars(
        sa.select(AuditEvent)
        .where(
            AuditEvent.action.in_(CHANGE_ACTIONS),
            sa.or_(
                sa.and_(AuditEvent.entity_type == "household",
                        AuditEvent.entity_id == household.public_id),
                sa.and_(AuditEvent.entity_type.in_(("person", "duplicate_decision")),
                        AuditEvent.entity_id.in_(person_ids)),
            ),
        )
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    ))
