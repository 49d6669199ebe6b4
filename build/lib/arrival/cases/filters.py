"""Whose queue and which items: the queue filter from a query string (shared by
the queue page and the API). Caseworkers always see their own authority."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user

from arrival.auth.permissions import own_authority_only
from arrival.cases import queue
from arrival.catalog.models import Authority
from arrival.core.inputs import MAX_PAGE, query_int
from arrival.extensions import db


def own_authority_id() -> int | None:
    return own_authority_only(current_user)


def filter_from(args) -> queue.QueueFilter:
    """Caseworkers always see their own authority; coordinators choose one."""
    authority_id = own_authority_id()
    if authority_id is None:
        code = args.get("authority")
        authority = db.session.scalar(sa.select(Authority).where(Authority.code == code)) \
            if code else None
        authority_id = authority.id if authority else None
    return queue.QueueFilter(
        authority_id=authority_id, state=args.get("state") or None,
        topic=args.get("topic") or None, overdue=args.get("overdue") == "1",
        age=args.get("age") or None, site_id=query_int(args, "site"),
        assigned_to=current_user.id if args.get("mine") == "1" else None,
        page=query_int(args, "page", 1, minimum=1, maximum=MAX_PAGE, clamp=True))
