"""Scan stations without the network (issue 14).

- While online, a station keeps a small list for its service type and site:
  SHA-256 of each card token (the QR code holds the token; the database only its
  hash) and of the card number, the card status, and what the station's role may
  see anyway (first name, household size). Nothing else: no family name, birth
  date, documents or flags.
- Offline the station decides against that list and its own recent deliveries,
  hands out (amber: "offline — will be checked later") and queues the scan with its
  own idempotency key.
- When the queue is sent, `receive_offline_scan` applies the rules as at the moment
  of the scan. A delivery that broke a rule (a second lunch at another station, a
  card revoked meanwhile) is recorded all the same — it was handed out — together
  with the rule it broke, and listed for the station lead. Nothing is dropped; a
  second send of the same key answers the first result.

The queue's encryption key (`outbox_key`) is the account's own and, unlike the
draft key, is not changed at sign-out: the queue must survive signing out and in
again. It is handed to a signed-in session of that account only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from arrival.audit.models import AuditAction
from arrival.audit.operations import record
from arrival.cards import tokens
from arrival.cards.models import Card, CardStatus
from arrival.cards.operations import resolve
from arrival.core.actor import acting_user_id
from arrival.core.validation import ValidationFailed
from arrival.database import now_utc
from arrival.extensions import db
from arrival.housing.models import OPEN_STATES, Bed, Site, Stay, Unit
from arrival.registry.models import Person
from arrival.services import operations
from arrival.services.models import OfflineDelivery, Scan
from arrival.services.rules import decide

# How far back a revoked or expired card stays on the list (so that it shows red
# offline); older ones are simply unknown there.
REVOKED_KEPT = timedelta(days=60)
MAX_KEY_LENGTH = 100
# A scan reported from the future or from long ago is refused (a wrong tablet clock).
MAX_AGE = timedelta(days=3)
MAX_AHEAD = timedelta(minutes=10)
# The page refreshes its list this often while online (seconds).
REFRESH_SECONDS = 180


def _mac(message: str) -> bytes:
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret, message.encode(), hashlib.sha256).digest()


def outbox_key(user) -> dict:
    """The AES key of the account's offline queue on the tablets (base64) and its id."""
    key = _mac(f"arrival-outbox-key|{user.id}")
    return {"key": base64.b64encode(key).decode(), "kid": hashlib.sha256(key).hexdigest()[:16]}


def number_hash(number: str) -> str:
    return hashlib.sha256(number.encode()).hexdigest()


def _holder(household_id: int) -> str:
    """An opaque household tag: the station's own recent deliveries of a household
    service are matched on it, without the household's reference."""
    return _mac(f"arrival-offline-household|{household_id}").hex()[:16]


def station_list(service_code: str, site_id: int | None) -> dict:
    service = operations.service_type(service_code)
    if service is None:
        raise ValidationFailed(service_type=_("Unknown service type."))
    if site_id is not None and db.session.get(Site, site_id) is None:
        raise ValidationFailed(site_id=_("Unknown site."))
    now = now_utc()
    query = (sa.select(Card.token_hash, Card.number, Card.status, Card.expires_at,
                       Person.given_names, Person.household_id, Person.public_id)
             .join(Person, Person.id == Card.person_id)
             .where(sa.or_(Card.status == CardStatus.ACTIVE.value,
                           Card.revoked_at >= now - REVOKED_KEPT)))
    if site_id is not None:
        # The residents of the site (an open stay there) — the others are refused
        # online too, or may be asked to come back when the network is there.
        at_site = (sa.select(Stay.person_id).join(Bed, Bed.id == Stay.bed_id)
                   .join(Unit, Unit.id == Bed.unit_id)
                   .where(Unit.site_id == site_id, Stay.state.in_(OPEN_STATES)))
        query = query.where(Card.person_id.in_(at_site))
    rows = db.session.execute(query).all()
    sizes = dict(db.session.execute(
        sa.select(Person.household_id, sa.func.count(Person.id))
        .where(Person.household_id.in_({row.household_id for row in rows}))
        .group_by(Person.household_id)).all()) if rows else {}
    entries = []
    for row in rows:
        status = row.status
        if status == CardStatus.ACTIVE.value and row.expires_at and row.expires_at < now:
            status = CardStatus.EXPIRED.value
        entries.append({
            "h": row.token_hash, "n": number_hash(row.number), "s": status,
            "f": (row.given_names or "").split(" ")[0], "k": sizes.get(row.household_id, 1),
            "g": _holder(row.household_id),
        })
    return {"service_type": service.code, "site_id": site_id, "generated_at": now.isoformat(),
            "refresh_seconds": REFRESH_SECONDS, "household_scope": service.household_scope,
            # a limit of any kind: offline, the station's own earlier delivery of the day
            # to the same person (household) is refused
            "limited": bool(service.once_only or service.max_per_day or
                            service.min_interval_days or service.once_per_window),
            "entries": entries,
            # for the read audit only (the API leaves it out): whose first names these are
            "persons": sorted({row.public_id for row in rows})}


@dataclass
class Received:
    result: str  # recorded | violation | refused
    reason: str
    delivery_id: int | None
    repeated: bool = False


def _answer(row: OfflineDelivery, repeated: bool) -> Received:
    if row.delivery_id is None:
        return Received("refused", row.violation or "unknown_card", None, repeated)
    return Received("violation" if row.violation else "recorded", row.violation or "ok",
                    row.delivery_id, repeated)


def scanned_at_of(body: dict):
    """The time of an offline scan: an ISO 8601 string with its offset."""
    value = body.get("scanned_at")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00")) \
            if isinstance(value, str) and len(value) <= 40 else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValidationFailed(scanned_at=_("Give the time of the scan (ISO 8601 with offset)."))
    return moment.astimezone(timezone.utc)


def check_key(key: str | None) -> str:
    key = (key or "").strip()
    if not key:
        raise ValidationFailed(idempotency_key=_("An offline scan needs its Idempotency-Key."))
    if len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ValidationFailed(idempotency_key=_("The Idempotency-Key is not valid."))
    return key


def receive_offline_scan(code, *, service_code: str | None, point: str, site_id: int | None,
                         scanned_at: datetime, key: str) -> Received:
    """A scan handed out offline, received now: recorded as it happened, with the
    rule it broke if it broke one."""
    now = now_utc()
    if scanned_at > now + MAX_AHEAD or scanned_at < now - MAX_AGE:
        raise ValidationFailed(scanned_at=_("The time of the scan is not plausible."))
    existing = db.session.scalar(sa.select(OfflineDelivery).where(
        OfflineDelivery.idempotency_key == key))
    if existing is not None:
        return _answer(existing, True)
    online = db.session.scalar(sa.select(Scan).where(Scan.idempotency_key == key))
    if online is not None:  # recorded online; only its answer was lost on the way back
        return Received("recorded" if online.delivery_id else "refused", online.reason,
                        online.delivery_id, True)
    if site_id is not None and db.session.get(Site, site_id) is None:
        raise ValidationFailed(site_id=_("Unknown site."))
    service = operations.service_type(service_code)
    if service is None:
        raise ValidationFailed(service_type=_("Unknown service type."))
    point = " ".join(str(point or "").split())[:operations.MAX_POINT_LENGTH] or "-"
    card, status = resolve(code if isinstance(code, str) else "")
    row = OfflineDelivery(idempotency_key=key, scanned_at=scanned_at, received_at=now,
                          service_type=service.code, point=point, site_id=site_id,
                          card_id=card.id if card else None,
                          person_id=card.person_id if card else None,
                          recorded_by_id=acting_user_id())
    if card is None:
        row.violation = status  # nothing to record a delivery against
    else:
        person = db.session.get(Person, card.person_id)
        operations._lock(person, service.household_scope)
        decision = decide(service, person, now=scanned_at, zone=current_app.config["TIMEZONE"],
                          site_id=site_id)
        if status != "ok":
            row.violation = status
        elif not decision.allowed:
            row.violation = decision.reason
        row.delivery_id = operations._deliver(service, person, card, decision, point, site_id,
                                              scanned_at)
    db.session.add(row)
    db.session.flush()
    answer = operations.ScanAnswer(
        "red" if row.violation else "green", f"offline_{row.violation}"[:40] if row.violation
        else "offline", service.code, delivery_id=row.delivery_id)
    operations._record_scan(answer, card, point, site_id, scanned_at)
    if row.violation:
        record(AuditAction.CREATE, entity_type="offline_delivery", entity_id=row.id,
               detail=f"{service.code}: rule broken offline ({row.violation})")
    return _answer(row, False)


def violations(*, site_id: int | None = None, limit: int = 200) -> list[OfflineDelivery]:
    """The offline deliveries that broke a rule, newest first (for the station lead)."""
    query = sa.select(OfflineDelivery).where(OfflineDelivery.violation.is_not(None))
    if site_id is not None:
        query = query.where(OfflineDelivery.site_id == site_id)
    return list(db.session.scalars(
        query.order_by(OfflineDelivery.scanned_at.desc(), OfflineDelivery.id.desc())
        .limit(limit)))


def violation_json(row: OfflineDelivery) -> dict:
    card = db.session.get(Card, row.card_id) if row.card_id else None
    return {"id": row.id, "service_type": row.service_type, "point": row.point,
            "site_id": row.site_id, "scanned_at": row.scanned_at.isoformat(),
            "received_at": row.received_at.isoformat(), "violation": row.violation,
            "card_number": card.number if card else None, "delivery_id": row.delivery_id}
