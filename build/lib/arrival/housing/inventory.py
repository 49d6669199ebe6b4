"""Creating and changing sites, units and beds (no person data here)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from arrival.audit.models import AuditAction
from arrival.audit.operations import record
from arrival.audit.changes import update_audited
from arrival.core.validation import Conflict, ValidationFailed
from arrival.database import now_utc
from arrival.extensions import db
from arrival.housing.models import OPEN_STATES, Bed, BedBlock, Site, SiteKind, Stay, Unit

MAX_BEDS_AT_ONCE = 500
UNIT_FLAGS = ("barrier_free", "family_room", "women_only", "quarantine")


def _text(value, limit: int) -> str:
    return " ".join(str(value or "").split())[:limit]


def _site_values(data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    name = _text(data.get("name"), 120)
    if not name:
        errors["name"] = [_("Required.")]
    kind = data.get("kind")
    if kind not in set(SiteKind):
        errors["kind"] = [_("Not a valid choice.")]
    thresholds = {}
    for key, default in (("warning_percent", 85), ("critical_percent", 95)):
        raw = data.get(key, default)
        try:
            thresholds[key] = int(raw)
        except (TypeError, ValueError):
            errors[key] = [_("A whole number from 1 to 100.")]
            continue
        if not 1 <= thresholds[key] <= 100:
            errors[key] = [_("A whole number from 1 to 100.")]
    if len(thresholds) == 2 and thresholds["warning_percent"] > thresholds["critical_percent"]:
        errors.setdefault("warning_percent", []).append(
            _("The warning threshold must not be above the critical one."))
    if errors:
        raise ValidationFailed(errors)
    return {"name": name, "kind": kind, "address": _text(data.get("address"), 300),
            "operator": _text(data.get("operator"), 200),
            "contact": _text(data.get("contact"), 200), **thresholds}


def _name_taken(name: str, site_id: int | None = None) -> bool:
    query = sa.select(Site.id).where(sa.func.lower(Site.name) == name.lower())
    if site_id is not None:
        query = query.where(Site.id != site_id)
    return db.session.scalar(query) is not None


def create_site(data: dict) -> Site:
    values = _site_values(data)
    if _name_taken(values["name"]):
        raise ValidationFailed(name=_("A site with this name exists."))
    site = Site(**values)
    db.session.add(site)
    db.session.flush()
    record(AuditAction.CREATE, entity_type="site", entity_id=site.id, fields=list(values))
    return site


def update_site(site: Site, data: dict, *, expected_version: int) -> list[str]:
    if site.version != expected_version:
        raise Conflict(_("This site was changed by someone else in the meantime."),
                       code="stale_version")
    values = _site_values(data)
    if _name_taken(values["name"], site.id):
        raise ValidationFailed(name=_("A site with this name exists."))
    return update_audited(site, values, "site")


def close_site(site: Site) -> None:
    """Close a site: it no longer counts and takes nobody; refused while anyone stays."""
    if site.closed_at is not None:
        return
    if open_stays_in(site):
        raise ValidationFailed(site=_("Persons are still placed here; move or check them out "
                                      "first."))
    site.closed_at = now_utc()
    db.session.flush()
    record(AuditAction.UPDATE, entity_type="site", entity_id=site.id, fields=["closed_at"])


def open_stays_in(site: Site) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Stay.id)).join(Bed, Bed.id == Stay.bed_id)
        .join(Unit, Unit.id == Bed.unit_id)
        .where(Unit.site_id == site.id, Stay.state.in_(OPEN_STATES)))


def create_unit(site: Site, data: dict) -> Unit:
    name = _text(data.get("name"), 80)
    if not name:
        raise ValidationFailed(name=_("Required."))
    if db.session.scalar(sa.select(Unit.id).where(Unit.site_id == site.id, Unit.name == name)):
        raise ValidationFailed(name=_("This site already has a unit with this name."))
    if site.closed_at is not None:
        raise ValidationFailed(name=_("The site is closed."))
    unit = Unit(site=site, name=name, **{flag: bool(data.get(flag)) for flag in UNIT_FLAGS})
    db.session.add(unit)
    db.session.flush()
    record(AuditAction.CREATE, entity_type="unit", entity_id=unit.id,
           fields=["name", *[f for f in UNIT_FLAGS if data.get(f)]])
    return unit


def update_unit(unit: Unit, data: dict) -> list[str]:
    name = _text(data.get("name"), 80)
    if not name:
        raise ValidationFailed(name=_("Required."))
    values = {"name": name, **{flag: bool(data.get(flag)) for flag in UNIT_FLAGS}}
    return update_audited(unit, values, "unit")


def add_beds(unit: Unit, count, prefix: str = "") -> list[Bed]:
    """Add many beds at once (a hall with 120 camp beds), numbered after the last."""
    try:
        count = int(count)
    except (TypeError, ValueError):
        raise ValidationFailed(count=_("A whole number from 1 to %(max)d.",
                                       max=MAX_BEDS_AT_ONCE)) from None
    if not 1 <= count <= MAX_BEDS_AT_ONCE:
        raise ValidationFailed(count=_("A whole number from 1 to %(max)d.", max=MAX_BEDS_AT_ONCE))
    if unit.site.closed_at is not None:
        raise ValidationFailed(count=_("The site is closed."))
    prefix = _text(prefix, 20)
    existing = set(db.session.scalars(sa.select(Bed.label).where(Bed.unit_id == unit.id)))
    start = db.session.scalar(sa.select(sa.func.count(Bed.id)).where(Bed.unit_id == unit.id))
    beds, number = [], start
    while len(beds) < count:
        number += 1
        label = f"{prefix}{number}"
        if label not in existing:
            beds.append(Bed(unit_id=unit.id, label=label, position=number))
    db.session.add_all(beds)
    db.session.flush()
    record(AuditAction.CREATE, entity_type="unit", entity_id=unit.id, fields=["beds"],
           detail=f"{count} beds added")
    return beds


def _bed_has_open_stay(bed: Bed) -> bool:
    return db.session.scalar(sa.select(Stay.id).where(
        Stay.bed_id == bed.id, Stay.state.in_(OPEN_STATES))) is not None


def block_bed(bed: Bed, reason: str) -> BedBlock:
    reason = _text(reason, 200)
    if not reason:
        raise ValidationFailed(reason=_("Give a reason for blocking the bed."))
    if bed.current_block is not None:
        raise ValidationFailed(reason=_("The bed is already blocked."))
    if _bed_has_open_stay(bed):
        raise ValidationFailed(reason=_("Someone is placed in this bed."))
    block = BedBlock(bed=bed, reason=reason)
    db.session.add(block)
    db.session.flush()
    record(AuditAction.UPDATE, entity_type="bed", entity_id=bed.id, fields=["blocked"],
           detail=reason)
    return block


def unblock_bed(bed: Bed) -> None:
    block = bed.current_block
    if block is None:
        return
    block.unblocked_at = now_utc()
    db.session.flush()
    record(AuditAction.UPDATE, entity_type="bed", entity_id=bed.id, fields=["blocked"])


def remove_bed(bed: Bed) -> None:
    if _bed_has_open_stay(bed):
        raise ValidationFailed(bed=_("Someone is placed in this bed."))
    bed.removed_at = now_utc()
    db.session.flush()
    record(AuditAction.DELETE, entity_type="bed", entity_id=bed.id)


def sites(include_closed: bool = False) -> list[Site]:
    query = sa.select(Site).order_by(Site.name)
    if not include_closed:
        query = query.where(Site.closed_at.is_(None))
    return list(db.session.scalars(query))
