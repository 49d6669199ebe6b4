"""Gate scans made while the tablet was offline (issue 14 with issue 17): the gate
page queues them with the time of the scan and an idempotency key; when they are
sent, each is decided and recorded as at that time (two IN in a row: recorded,
flagged, as online). A second send of the same key answers the first result."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _

from arrival.core.validation import ValidationFailed
from arrival.database import now_utc
from arrival.extensions import db
from arrival.gate import operations
from arrival.gate.models import GateReplay

MAX_AGE = timedelta(days=3)
MAX_AHEAD = timedelta(minutes=10)


def receive_offline_scan(code, *, site_id: int | None, station: str, direction: str,
                         scanned_at: datetime, key: str, show_identity: bool = False,
                         locale: str = "de") -> tuple[dict, bool]:
    """(answer, repeated): the answer as operations.scan gives it, or the stored
    result of the first send."""
    now = now_utc()
    if scanned_at > now + MAX_AHEAD or scanned_at < now - MAX_AGE:
        raise ValidationFailed(scanned_at=_("The time of the scan is not plausible."))
    existing = db.session.get(GateReplay, key)
    if existing is not None:
        return {"result": existing.result, "reason": existing.reason,
                "direction": existing.direction}, True
    answer = operations.scan(code, site_id=site_id, station=station, direction=direction,
                             show_identity=show_identity, locale=locale, now=scanned_at)
    db.session.add(GateReplay(idempotency_key=key, event_id=getattr(answer, "event_id", None),
                              scanned_at=scanned_at, received_at=now, result=answer.result,
                              reason=answer.reason[:40], direction=answer.direction or "-"))
    db.session.flush()
    return answer, False
