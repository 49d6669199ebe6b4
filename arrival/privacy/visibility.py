"""Restricted records (Art. 18) are hidden from every role but data protection and
the administrator: in every request to an endpoint declared as reading persons,
each ORM query — search, household pages, queues, appointment lists, exports,
the relationships they load — gets the criteria "not restricted" for persons,
households and clarification items, unless the account holds RESTRICTED_READ.

Figures are not filtered (the dashboard and reports read no persons: a restricted
record is still counted), nor are the pages that keep people safe and housed:
gate and evacuation list, beds and check-out, the scan stations (Art. 18(2):
protection of the rights of another person, important public interest)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session, with_loader_criteria

from arrival.auth.permissions import Permission, reads_persons, user_has
from arrival.cases.models import ClarificationItem
from arrival.registry.models import Household, Person

# Endpoints that still see restricted persons (their safety, their bed, their meals).
EXEMPT_PREFIXES = ("gate.", "api.gate_", "housing.", "api.bed_proposals", "api.create_stays",
                   "services.", "api.scan", "privacy.", "api.privacy_")
_FLAG = "privacy_hide_restricted"


def _decide() -> None:
    endpoint = request.endpoint or ""
    setattr(g, _FLAG, bool(
        endpoint and reads_persons(endpoint) and not endpoint.startswith(EXEMPT_PREFIXES)
        and not user_has(current_user, Permission.RESTRICTED_READ)))


def _restricted_households():
    # The plain table, not the entity: the criteria below must not apply to it.
    table = Household.__table__
    return sa.select(table.c.id).where(table.c.restricted_at.is_not(None))


def _hide(state) -> None:
    if not (state.is_select and has_request_context() and g.get(_FLAG)):
        return
    if state.execution_options.get("include_restricted"):
        return
    state.statement = state.statement.options(
        with_loader_criteria(Person, Person.restricted_at.is_(None), include_aliases=True),
        with_loader_criteria(Household, Household.restricted_at.is_(None),
                             include_aliases=True),
        with_loader_criteria(ClarificationItem,
                             ClarificationItem.household_id.not_in(_restricted_households()),
                             include_aliases=True))


def init_app(app: Flask) -> None:
    app.before_request(_decide)
    if not event.contains(Session, "do_orm_execute", _hide):
        event.listen(Session, "do_orm_execute", _hide)
