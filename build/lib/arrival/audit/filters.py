"""The audit log's filters from a query string (shared by its page and API)."""

from __future__ import annotations

from datetime import datetime, timedelta

from arrival.audit.models import AuditAction
from arrival.core.timezone import local_midnight_utc


def parse_filters(args) -> dict:
    """Filters from the query string; malformed dates are ignored, not errors."""
    filters = {
        "action": args.get("action") if args.get("action") in set(AuditAction) else None,
        "username": (args.get("username") or "").strip()[:64] or None,
        "entity_type": (args.get("entity_type") or "").strip()[:40] or None,
        "entity_id": (args.get("entity_id") or "").strip()[:64] or None,
    }
    since = _parse_day(args.get("from"))
    until = _parse_day(args.get("to"))
    filters["since"] = local_midnight_utc(since) if since else None
    filters["until"] = local_midnight_utc(until + timedelta(days=1)) if until else None
    return filters


def _parse_day(value: str | None):
    try:
        return datetime.strptime(value or "", "%Y-%m-%d").date()
    except ValueError:
        return None
