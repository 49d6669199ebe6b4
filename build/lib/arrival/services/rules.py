"""Delivery rules, read from the service type's catalogue entry.

The attributes understood are those of arrival.catalog.schema.ServiceType (all
optional): scope (person | household), once_only, max_per_day,
min_interval_days, windows [{code, start, end}] with once_per_window, min_age,
max_age, requires_flag, excludes_flag, requires_household_member_under,
requires_check_in, same_site, presence_only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from arrival.catalog.models import CatalogEntry
from arrival.catalog.schema import ServiceType as ServiceTypeSchema
from arrival.extensions import db
from arrival.housing.models import Bed, Stay, StayState, Unit
from arrival.registry.models import Household, Person
from arrival.services.models import Delivery


@dataclass
class Decision:
    allowed: bool
    reason: str  # ok | limit_reached | outside_window | not_eligible | no_open_stay …
    time_window: str | None = None
    last_delivery_at: datetime | None = None
    instructions: list[str] = field(default_factory=list)


_SERVICE_KEYS = frozenset(ServiceTypeSchema.model_fields) - {"code", "title_de", "title_en"}


@dataclass
class ServiceType:
    code: str
    attributes: dict

    @classmethod
    def of(cls, entry: CatalogEntry) -> ServiceType:
        return cls(entry.code, entry.attributes or {})

    def __getattr__(self, name):
        # Only the keys the catalogue schema knows: a misspelt rule name in code
        # fails loudly instead of reading as "no limit".
        if name in _SERVICE_KEYS:
            return self.attributes.get(name)
        raise AttributeError(f"service types have no rule {name!r}")

    @property
    def household_scope(self) -> bool:
        return self.attributes.get("scope") == "household"


def _local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


def current_window(service: ServiceType, moment: datetime, zone: str) -> dict | None:
    local_time = _local(moment, zone).time()
    for window in service.windows or []:
        if time.fromisoformat(window["start"]) <= local_time < time.fromisoformat(window["end"]):
            return window
    return None


def next_window(service: ServiceType, moment: datetime, zone: str) -> tuple[dict, bool] | None:
    """The serving time that opens next after the moment: (window, tomorrow?)."""
    windows = sorted(service.windows or [], key=lambda w: w["start"])
    if not windows:
        return None
    local_time = _local(moment, zone).time()
    for window in windows:
        if time.fromisoformat(window["start"]) > local_time:
            return window, False
    return windows[0], True


def _deliveries(service: ServiceType, person: Person):
    query = sa.select(Delivery).where(Delivery.service_type == service.code,
                                      Delivery.voided_at.is_(None))
    if service.household_scope:
        return query.where(Delivery.household_id == person.household_id)
    return query.where(Delivery.person_id == person.id)


def _latest(query) -> Delivery | None:
    return db.session.scalars(query.order_by(Delivery.delivered_at.desc()).limit(1)).first()


def local_day_start(moment: datetime, zone: str) -> datetime:
    local = _local(moment, zone)
    midnight = datetime.combine(local.date(), time.min, tzinfo=ZoneInfo(zone))
    return midnight.astimezone(moment.tzinfo)


def _is_checked_in(person: Person, site_id: int | None) -> bool:
    """Checked in (at the site, if given) — not merely planned, which housing's
    "open stay" also counts."""
    query = sa.select(Stay.id).where(Stay.person_id == person.id,
                                     Stay.state == StayState.CHECKED_IN.value)
    if site_id is not None:
        query = query.join(Bed, Bed.id == Stay.bed_id).join(Unit, Unit.id == Bed.unit_id).where(
            Unit.site_id == site_id)
    return db.session.scalar(query.limit(1)) is not None


def _eligible(service: ServiceType, person: Person, household: Household, today) -> bool:
    age = person.age_on(today)
    if service.min_age is not None and age < service.min_age:
        return False
    if service.max_age is not None and age > service.max_age:
        return False
    flags = set(person.flags)
    if service.requires_flag and service.requires_flag not in flags:
        return False
    if service.excludes_flag and service.excludes_flag in flags:
        return False
    under = service.requires_household_member_under
    if under is not None and not any(p.age_on(today) < under for p in household.persons):
        return False
    return True


def decide(service: ServiceType, person: Person, *, now: datetime, zone: str,
           site_id: int | None) -> Decision:
    household = person.household
    if service.presence_only:
        return Decision(True, "ok")
    if not _eligible(service, person, household, _local(now, zone).date()):
        return Decision(False, "not_eligible")
    if service.requires_check_in and not _is_checked_in(
            person, site_id if service.same_site else None):
        return Decision(False, "no_open_stay")
    history = _deliveries(service, person)
    if service.once_only:
        last = _latest(history)
        if last is not None:
            return Decision(False, "limit_reached", last_delivery_at=last.delivered_at)
    window = None
    if service.windows:
        window = current_window(service, now, zone)
        if window is None:
            return Decision(False, "outside_window")
        if service.once_per_window:
            last = _latest(history.where(
                Delivery.time_window == window["code"],
                Delivery.delivered_at >= local_day_start(now, zone)))
            if last is not None:
                return Decision(False, "limit_reached", window["code"], last.delivered_at)
    if service.min_interval_days:
        last = _latest(history.where(
            Delivery.delivered_at > now - timedelta(days=service.min_interval_days)))
        if last is not None:
            return Decision(False, "limit_reached", last_delivery_at=last.delivered_at)
    if service.max_per_day:
        today = history.where(Delivery.delivered_at >= local_day_start(now, zone))
        count = db.session.scalar(sa.select(sa.func.count()).select_from(today.subquery()))
        if count >= service.max_per_day:
            return Decision(False, "limit_reached", last_delivery_at=_latest(today).delivered_at)
    return Decision(True, "ok", window["code"] if window else None)
