"""Loading the catalogue data files into the database, idempotently."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from arrival.audit.models import AuditAction
from arrival.audit.operations import record
from arrival.catalog.models import Authority, CatalogEntry
from arrival.catalog.schema import SchemaError, validate_file
from arrival.audit.changes import assign
from arrival.extensions import db

# data file → (kind stored in catalog_entry, array name in the file)
CATALOG_FILES = {
    "vulnerability_flags.toml": "vulnerability_flag",
    "checkout_reasons.toml": "checkout_reason",
    "service_types.toml": "service_type",
    "clarification_topics.toml": "clarification_topic",
    "arrival_points.toml": "arrival_point",
    "clarification_rules.toml": "clarification_rule",
    "appointment_types.toml": "appointment_type",
}
ENTRY_COLUMNS = {"code", "title_de", "title_en"}


class CatalogError(ValueError):
    pass


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deactivated)


def _read(path: Path) -> list[dict]:
    """The checked elements of one data file (see arrival.catalog.schema)."""
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise CatalogError(f"{path.name}: {error}") from error
    try:
        return validate_file(path.name, document)
    except SchemaError as error:
        raise CatalogError(str(error)) from None


def load_catalog(directory: Path) -> LoadReport:
    """Bring the database in line with the data files; run it as often as you like."""
    report = LoadReport()
    _load_authorities(_read(directory / "authorities.toml"), report)
    db.session.flush()
    authority_codes = set(db.session.scalars(sa.select(Authority.code)))
    for filename, kind in CATALOG_FILES.items():
        entries = _read(directory / filename)
        if kind == "clarification_rule":
            entries = [_rule_entry(rule, filename) for rule in entries]
        if kind == "clarification_topic":
            _check_topic_authorities(entries, authority_codes, filename)
        _load_entries(kind, entries, report, filename)
    db.session.flush()
    _check_rule_topics(report)
    _check_appointment_types()
    if report.changed:
        record(
            AuditAction.UPDATE, entity_type="catalog",
            detail=f"created {len(report.created)}, updated {len(report.updated)}, "
            f"deactivated {len(report.deactivated)}",
        )
    return report


def _rule_entry(rule: dict, source: str) -> dict:
    """Rules have no titles of their own; they are stored like other entries."""
    return {"title_de": rule["code"], "title_en": rule["code"], **rule}


def _load_authorities(entries: list[dict], report: LoadReport) -> None:
    existing = {a.code: a for a in db.session.scalars(sa.select(Authority))}
    seen = set()
    for entry in entries:
        code = entry["code"]
        seen.add(code)
        values = {key: entry[key] for key in ("kind", "name_de", "name_en")} | {"active": True}
        authority = existing.get(code)
        if authority is None:
            db.session.add(Authority(code=code, **values))
            report.created.append(f"authority:{code}")
        elif assign(authority, values):
            report.updated.append(f"authority:{code}")
    for code, authority in existing.items():
        if code not in seen and authority.active:
            authority.active = False
            report.deactivated.append(f"authority:{code}")


def _check_rule_topics(report: LoadReport) -> None:
    topics = {e.code: e.attributes for e in entries("clarification_topic")}
    for rule in entries("clarification_rule"):
        topic = topics.get(rule.attributes.get("topic"))
        if topic is None:
            raise CatalogError(f"clarification_rules.toml: rule {rule.code!r} names unknown "
                               f"topic {rule.attributes.get('topic')!r}")
        scope, per = rule.attributes.get("scope"), topic.get("per", "person")
        if scope is not None and scope != per:
            raise CatalogError(f"clarification_rules.toml: rule {rule.code!r} has scope "
                               f"{scope!r}, but its topic is per {per!r}")
    for code, topic in topics.items():
        unknown = sorted(set(topic.get("settle_before", [])) - set(topics))
        if unknown:
            raise CatalogError(f"clarification_topics.toml: entry {code!r}: settle_before "
                               f"names unknown topic {unknown[0]!r}")


def _check_appointment_types() -> None:
    """Each appointment type names a known authority and topics; the resolution it
    gives its items is one those topics know."""
    known = set(db.session.scalars(sa.select(Authority.code)))
    topics = {e.code: e for e in entries("clarification_topic")}
    for kind in entries("appointment_type"):
        spec = kind.attributes
        if spec.get("authority") not in known:
            raise CatalogError(f"appointment_types.toml: type {kind.code!r} names unknown "
                               f"authority {spec.get('authority')!r}")
        for code in spec.get("topics", []):
            if code not in topics:
                raise CatalogError(f"appointment_types.toml: type {kind.code!r} names unknown "
                                   f"topic {code!r}")
            resolutions = {r["code"] for r in topics[code].attributes.get("resolutions", [])}
            if spec.get("resolves_item") and spec.get("resolution") not in resolutions:
                raise CatalogError(f"appointment_types.toml: type {kind.code!r}: resolution "
                                   f"{spec.get('resolution')!r} is not one of topic {code!r}")


def _check_topic_authorities(entries: list[dict], known: set[str], source: str) -> None:
    for entry in entries:
        if entry.get("authority") not in known:
            raise CatalogError(
                f"{source}: topic {entry.get('code')!r} names unknown authority "
                f"{entry.get('authority')!r}"
            )


def _load_entries(kind: str, entries: list[dict], report: LoadReport, source: str) -> None:
    existing = {
        e.code: e
        for e in db.session.scalars(sa.select(CatalogEntry).where(CatalogEntry.kind == kind))
    }
    seen = set()
    for position, entry in enumerate(entries):
        code = entry["code"]
        if code in seen:
            raise CatalogError(f"{source}: code {code!r} appears twice")
        seen.add(code)
        values = {
            "title_de": entry["title_de"],
            "title_en": entry["title_en"],
            "position": position,
            "active": True,
            "attributes": {k: v for k, v in entry.items() if k not in ENTRY_COLUMNS},
        }
        current = existing.get(code)
        if current is None:
            db.session.add(CatalogEntry(kind=kind, code=code, **values))
            report.created.append(f"{kind}:{code}")
        elif assign(current, values):
            report.updated.append(f"{kind}:{code}")
    for code, current in existing.items():
        if code not in seen and current.active:
            current.active = False
            report.deactivated.append(f"{kind}:{code}")


def entries(kind: str, include_inactive: bool = False) -> list[CatalogEntry]:
    query = sa.select(CatalogEntry).where(CatalogEntry.kind == kind)
    if not include_inactive:
        query = query.where(CatalogEntry.active.is_(True))
    return list(db.session.scalars(query.order_by(CatalogEntry.position)))


def kinds() -> list[str]:
    return sorted(CATALOG_FILES.values())


def authority_by_code(code: str) -> Authority | None:
    return db.session.scalar(sa.select(Authority).where(Authority.code == code))


def active_authorities() -> list[Authority]:
    return list(
        db.session.scalars(
            sa.select(Authority).where(Authority.active.is_(True)).order_by(Authority.name_de)
        )
    )


def read_data_file(path: Path) -> list[dict]:
    """The checked elements of a data file that another domain loads itself
    (transfer destinations, the distribution key); CatalogError names the problem."""
    return _read(path)
