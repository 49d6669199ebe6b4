"""Clarification items: created and closed by the rules, worked through
transitions that record who, when, from, to and why, each guarded by the
authority boundary and by optimistic locking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from flask import g
from flask_babel import gettext as _

from arrival.core.actor import acting_user
from arrival.audit.models import AuditAction
from arrival.audit.operations import record
from arrival.auth.permissions import reads_items_in_full, works_for
from arrival.cases.models import (
    ACTIVE_STATES,
    ClarificationItem,
    ItemState,
    ItemTransition,
)
from arrival.cases.rules import needs
from arrival.catalog.models import Authority, CatalogEntry
from arrival.core.clock import today_local
from arrival.core.validation import Conflict, ValidationFailed
from arrival.database import now_utc
from arrival.extensions import db
from arrival.registry.models import Household

S = ItemState
ALLOWED = {
    S.OPEN: {S.IN_PROGRESS, S.WAITING, S.RESOLVED, S.NOT_APPLICABLE},
    S.IN_PROGRESS: {S.OPEN, S.WAITING, S.RESOLVED, S.NOT_APPLICABLE},
    S.WAITING: {S.IN_PROGRESS, S.RESOLVED, S.NOT_APPLICABLE},
    S.RESOLVED: {S.OPEN},  # reopen
    S.NOT_APPLICABLE: {S.OPEN},
}
RULE_NO_LONGER_APPLIES = "rule no longer applies"
MAX_NOTE = 1000
BULK_LIMIT = 500


class AuthorityBoundary(Exception):
    """A caseworker tried to change another authority's item."""


def _locale():
    from flask_babel import get_locale

    return get_locale()


def topics() -> dict[str, CatalogEntry]:
    """The clarification topics, read once per request (pages label every row with them)."""
    if "clarification_topics" not in g:
        g.clarification_topics = {e.code: e for e in db.session.scalars(
            sa.select(CatalogEntry).where(CatalogEntry.kind == "clarification_topic"))}
    return g.clarification_topics


def _authority_ids() -> dict[str, int]:
    return dict(db.session.execute(sa.select(Authority.code, Authority.id)).all())


# --- rules --------------------------------------------------------------------------------


def apply_rules(household: Household) -> tuple[list[ClarificationItem], list[ClarificationItem]]:
    """Open the items the rules ask for and close rule items that no longer apply.
    A need already answered once (resolved) is not opened again."""
    wanted = needs(household, today_local())
    existing = db.session.scalars(sa.select(ClarificationItem).where(
        ClarificationItem.household_id == household.id,
        ClarificationItem.rule_code.is_not(None))).all()
    by_key = {}
    for item in existing:
        by_key.setdefault((item.rule_code, item.person_id), []).append(item)
    wanted_keys = {(n.rule_code, n.person_id) for n in wanted}
    created = _create_for(household, [need for need in sorted(
        wanted, key=lambda n: (n.rule_code, n.person_id or 0))
        if not any(i.state != S.NOT_APPLICABLE.value for i in by_key.get(
            (need.rule_code, need.person_id), []))])
    closed = []
    for key, items in by_key.items():
        if key in wanted_keys:
            continue
        for item in items:
            if item.state in ACTIVE_STATES:
                transition(item, S.NOT_APPLICABLE, note=RULE_NO_LONGER_APPLIES, system=True)
                closed.append(item)
    db.session.flush()
    return created, closed


def _create_for(household: Household, needs: list) -> list[ClarificationItem]:
    """The items of the needs, each with its first transition and audit record. One
    flush for all (a household of four asks for about 18 items; a flush per item was
    a third of a registration's time)."""
    if not needs:
        return []
    all_topics, authority_ids = topics(), _authority_ids()
    items = []
    for need in needs:
        topic = all_topics[need.topic]
        attributes = topic.attributes
        items.append(ClarificationItem(
            household_id=household.id, person_id=need.person_id, topic=topic.code,
            authority_id=authority_ids[attributes["authority"]],
            priority=need.priority or attributes.get("priority", 3),
            due_on=today_local() + timedelta(days=attributes.get("due_days", 14)),
            rule_code=need.rule_code))
    db.session.add_all(items)
    db.session.flush()
    for item in items:
        db.session.add(ItemTransition(item_id=item.id, from_state=None,
                                      to_state=S.OPEN.value, at=item.created_at,
                                      note=f"rule {item.rule_code}"))
        record(AuditAction.CREATE, entity_type="clarification_item", entity_id=item.id,
               fields=["topic", "authority", "due_on"], detail=f"rule {item.rule_code}")
    return items


# --- access -------------------------------------------------------------------------------


def may_change(item: ClarificationItem, user=None) -> bool:
    """Only a caseworker of the item's own authority changes it."""
    return works_for(user or acting_user(), item.authority_id)


def may_read_in_full(item: ClarificationItem, user=None) -> bool:
    return reads_items_in_full(user or acting_user(), item.authority_id)


# --- transitions --------------------------------------------------------------------------


def transition(item: ClarificationItem, to: ItemState | str, *, note: str | None = None,
               resolution: str | None = None, waiting_on: str | None = None,
               expected_version: int | None = None, system: bool = False,
               waiting_for: str | None = None) -> None:
    """The only way an item changes state."""
    if not system and not may_change(item):
        raise AuthorityBoundary(item.id)
    if expected_version is not None and expected_version != item.version:
        raise Conflict(_("This item was changed in the meantime; it is now '%(state)s'.",
                         state=item.state), code="stale_version",
                       details={"state": item.state, "version": item.version})
    try:
        to = S(to)
    except ValueError:
        raise ValidationFailed(to=_("Unknown state.")) from None
    current = S(item.state)
    if to not in ALLOWED[current]:
        raise ValidationFailed(to=_("An item cannot go from %(a)s to %(b)s.", a=current.value,
                                    b=to.value))
    note = " ".join((note or "").split())[:MAX_NOTE] or None
    _check_details(item, to, note, resolution, waiting_on)
    other = _other_authority(item, waiting_for) \
        if to is S.WAITING and waiting_on == "authority" else None
    item.state = to.value
    item.resolution = resolution if to is S.RESOLVED else None
    item.waiting_on = waiting_on if to is S.WAITING else None
    item.waiting_on_authority_id = other.id if other is not None else None
    item.closed_at = now_utc() if to in (S.RESOLVED, S.NOT_APPLICABLE) else None
    if note:
        item.notes = ((item.notes + "\n") if item.notes else "") + note
    user = None if system else acting_user()
    db.session.add(ItemTransition(item=item, from_state=current.value, to_state=to.value,
                                  resolution=item.resolution, note=note,
                                  user_id=user.id if user else None))
    record(AuditAction.UPDATE, entity_type="clarification_item", entity_id=item.id,
           fields=["state"], detail=f"{current.value} → {to.value}")


def _check_details(item, to, note, resolution, waiting_on) -> None:
    if to is S.RESOLVED:
        codes = [r["code"] for r in topics()[item.topic].attributes.get("resolutions", [])]
        if resolution not in codes:
            raise ValidationFailed(resolution=_("Choose a resolution."))
    if to is S.WAITING:
        if waiting_on not in ("person", "authority"):
            raise ValidationFailed(waiting_on=_("Waiting on the person or on another "
                                                "authority?"))
        if not note:
            raise ValidationFailed(note=_("Say what the item is waiting for."))


def _other_authority(item: ClarificationItem, code: str | None):
    """The authority an item waits on: named, known, and not the item's own."""
    authority = db.session.scalar(sa.select(Authority).where(
        Authority.code == (code or ""), Authority.active.is_(True))) if code else None
    if authority is None or authority.id == item.authority_id:
        raise ValidationFailed(waiting_for=_("Choose the authority the item is waiting on."))
    return authority


def resolutions_of(topic: str) -> dict[str, dict]:
    return {r["code"]: r for r in topics()[topic].attributes.get("resolutions", [])}


def bulk_transition(items: list[ClarificationItem], to: str, *, note: str | None,
                    resolution: str | None = None, waiting_on: str | None = None,
                    waiting_for: str | None = None) -> int:
    """One note for many items; all or nothing, every item checked on its own. A
    result must belong to the topic of every item: else the message names the
    topic it does not fit."""
    if len(items) > BULK_LIMIT:
        raise ValidationFailed(items=_("At most %(count)d items at once.", count=BULK_LIMIT))
    foreign = [i.id for i in items if not may_change(i)]
    if foreign:
        raise AuthorityBoundary(foreign[0])
    if to == S.RESOLVED.value and resolution:
        unfit = [i for i in items if resolution not in resolutions_of(i.topic)]
        if unfit:
            topic = topics()[unfit[0].topic]
            raise ValidationFailed(resolution=_(
                "This result does not belong to the topic “%(topic)s”: select items of one "
                "topic, or choose a result they all have.", topic=topic.title(str(_locale()))))
    for item in items:
        transition(item, to, note=note, resolution=resolution, waiting_on=waiting_on,
                   waiting_for=waiting_for)
    db.session.flush()
    return len(items)


def assign_to_me(item: ClarificationItem) -> None:
    if not may_change(item):
        raise AuthorityBoundary(item.id)
    item.assignee_id = acting_user().id
    db.session.flush()
    record(AuditAction.UPDATE, entity_type="clarification_item", entity_id=item.id,
           fields=["assignee"])


# --- reading ------------------------------------------------------------------------------


@dataclass
class Summary:
    open: int
    overdue: int
    waiting: int
    total: int

    @property
    def status(self) -> str:
        if self.total == 0 or self.open == 0:
            return "clarified"
        if self.waiting:
            return "blocked"
        return "overdue" if self.overdue else "open"


def summary_for(household_ids: list[int]) -> dict[int, Summary]:
    """The clarification summary of many households in one grouped query."""
    if not household_ids:
        return {}
    today = today_local()
    item = ClarificationItem
    active = item.state.in_(ACTIVE_STATES)
    rows = db.session.execute(
        sa.select(
            item.household_id,
            sa.func.count(item.id),
            sa.func.sum(sa.case((active, 1), else_=0)),
            sa.func.sum(sa.case((sa.and_(active, item.due_on < today), 1), else_=0)),
            sa.func.sum(sa.case((item.state == S.WAITING.value, 1), else_=0)),
        ).where(item.household_id.in_(household_ids)).group_by(item.household_id)).all()
    found = {row[0]: Summary(open=row[2] or 0, overdue=row[3] or 0, waiting=row[4] or 0,
                             total=row[1]) for row in rows}
    return {hid: found.get(hid, Summary(0, 0, 0, 0)) for hid in household_ids}


def items_of_household(household: Household) -> list[ClarificationItem]:
    return list(db.session.scalars(
        sa.select(ClarificationItem).where(ClarificationItem.household_id == household.id)
        .order_by(ClarificationItem.priority, ClarificationItem.due_on, ClarificationItem.id)
        .options(selectinload(ClarificationItem.person))))
