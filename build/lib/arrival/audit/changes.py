"""Applying an edit to a record: only changed fields are set, flushed and audited."""

from __future__ import annotations

from arrival.audit.models import AuditAction
from arrival.audit.operations import record
from arrival.extensions import db


def assign(obj, values: dict) -> list[str]:
    """Set the fields whose value differs; return their names."""
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    return changed


def update_audited(obj, values: dict, entity_type: str) -> list[str]:
    """assign(), then flush and write one audit entry naming the changed fields."""
    changed = assign(obj, values)
    if changed:
        db.session.flush()
        record(AuditAction.UPDATE, entity_type=entity_type, entity_id=obj.id, fields=changed)
    return changed
