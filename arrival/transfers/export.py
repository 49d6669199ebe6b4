"""The hand-over package of a bus for the receiving district: a PDF list, the same
rows as XLSX and CSV, and a manifest (SHA-256 and size of every file), in a ZIP
encrypted with AES-256 (pyzipper) under a random password that is shown once and
never stored. Only the receiving authority's field group (FieldGroup.HANDOVER):
names as in the document and in Cyrillic, date of birth, household and relation,
the needs that matter for accommodation (derived marks, no diagnoses or notes), and
the open clarification items by authority (titles only). Every CSV/XLSX text cell
that a spreadsheet would run as a formula gets a leading apostrophe."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import secrets
from dataclasses import dataclass

import pyzipper
import sqlalchemy as sa
from openpyxl import Workbook
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from arrival.audit.models import AuditAction
from arrival.audit.operations import record
from arrival.cards.render import register_fonts
from arrival.cases.models import ACTIVE_STATES, ClarificationItem
from arrival.cases.operations import topics
from arrival.catalog.models import Authority
from arrival.core.actor import acting_user_id
from arrival.core.clock import now
from arrival.core.timezone import format_local
from arrival.extensions import db
from arrival.registry.models import PersonFlag
from arrival.gate.export import neutralise  # the same rule as the situation report
from arrival.transfers.models import BatchState, EntryState, HandoverPackage, TransferBatch
from arrival.transfers.operations import (ACCOMMODATION_NEEDS, boarded_ids, loaded_entries,
                                         persons_of)

# The columns, in order (German headings: the receiving offices are German).
COLUMNS = [
    ("household", "Haushalt"), ("relation", "Beziehung"), ("family_name", "Familienname"),
    ("given_names", "Vornamen"), ("family_name_cyrillic", "Familienname (kyrillisch)"),
    ("given_names_cyrillic", "Vornamen (kyrillisch)"), ("patronymic", "Vatersname"),
    ("date_of_birth", "Geburtsdatum"), ("sex", "Geschlecht"), ("nationality", "Staatsang."),
    ("needs", "Unterbringungsbedarf"), ("open_items", "Offene Punkte (Behörde: Thema)"),
]
RELATIONS = {"head": "Haushaltsvorstand", "spouse": "Ehe-/Lebenspartner", "child": "Kind",
             "parent": "Elternteil", "sibling": "Geschwister", "grandchild": "Enkel",
             "grandparent": "Großelternteil", "other_relative": "Verwandt",
             "companion": "Begleitperson"}
SEX = {"female": "w", "male": "m", "diverse": "d", "unknown": "-"}
PASSWORD_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud, typed


def new_password() -> str:
    """Five groups of five (about 124 bits), e.g. for a phone call or a second e-mail."""
    raw = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(25))
    return "-".join(raw[i:i + 5] for i in range(0, 25, 5))


@dataclass
class Package:
    record: HandoverPackage
    password: str
    filename: str


def rows_of(batch: TransferBatch) -> tuple[list[dict], list]:
    """One row per person who goes (boarded, once the bus left; listed before)."""
    departed = batch.state == BatchState.DEPARTED.value
    boarded = boarded_ids(batch) if departed else set()
    entries = [e for e in loaded_entries(batch)
               if (e.state in (EntryState.TRANSFERRED.value, EntryState.PARTLY.value)
                   if departed else e.open)]
    persons = [(e, p) for e in entries for p in persons_of(e)
               if not departed or p.id in boarded]
    ids = [p.id for _, p in persons]
    flags: dict[int, list[str]] = {}
    for person_id, code in db.session.execute(sa.select(PersonFlag.person_id, PersonFlag.code)
                                              .where(PersonFlag.person_id.in_(ids or [0]))):
        if code in ACCOMMODATION_NEEDS:
            flags.setdefault(person_id, []).append(ACCOMMODATION_NEEDS[code])
    catalogue = topics()
    items: dict[tuple[int, int | None], list[str]] = {}
    household_ids = list({e.household_id for e, _ in persons} or {0})
    for household_id, person_id, topic, authority in db.session.execute(
            sa.select(ClarificationItem.household_id, ClarificationItem.person_id,
                      ClarificationItem.topic, Authority.name_de)
            .join(Authority, Authority.id == ClarificationItem.authority_id)
            .where(ClarificationItem.household_id.in_(household_ids),
                   ClarificationItem.state.in_(ACTIVE_STATES))
            .order_by(ClarificationItem.id)):
        title = catalogue[topic].title_de if topic in catalogue else topic
        items.setdefault((household_id, person_id), []).append(f"{authority}: {title}")
    rows = []
    for entry, person in persons:
        own = items.get((entry.household_id, person.id), [])
        household_wide = items.get((entry.household_id, None), []) \
            if person.relation == "head" else []
        rows.append({
            "household": entry.household.ref,
            "relation": RELATIONS.get(person.relation, person.relation),
            "family_name": person.family_name, "given_names": person.given_names,
            "family_name_cyrillic": person.family_name_cyrillic or "",
            "given_names_cyrillic": person.given_names_cyrillic or "",
            "patronymic": person.patronymic or "",
            "date_of_birth": (person.date_of_birth.strftime("%d.%m.%Y") if person.date_of_birth
                              else f"{person.birth_year} (Jahr)"),
            "sex": SEX.get(person.sex, person.sex), "nationality": person.nationality,
            "needs": ", ".join(sorted(set(flags.get(person.id, [])))),
            "open_items": "; ".join(own + household_wide),
        })
    return rows, [p for _, p in persons]


def _csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([title for _, title in COLUMNS])
    for row in rows:
        writer.writerow([neutralise(row[key]) for key, _ in COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel reads UTF-8


def _xlsx(rows: list[dict], batch: TransferBatch) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Personen"
    sheet.append([title for _, title in COLUMNS])
    for row in rows:
        sheet.append([neutralise(row[key]) for key, _ in COLUMNS])
    sheet.freeze_panes = "A2"
    cover = book.create_sheet("Transport")
    for label, value in _cover(batch, len(rows)):
        cover.append([label, neutralise(value)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cover(batch: TransferBatch, persons: int) -> list[tuple[str, str]]:
    d = batch.destination
    return [("Ziel", f"{d.label} ({d.key})"), ("Aufnehmende Stelle", d.reception),
            ("E-Mail", d.contact_email or ""), ("Telefon", d.contact_phone or ""),
            ("Abfahrt", format_local(batch.departed_at or batch.departs_at)),
            ("Status", "abgefahren" if batch.state == BatchState.DEPARTED.value else "geplant"),
            ("Personen", str(persons)),
            ("Haushalte", str(len({e.household_id for e in batch.entries
                                   if e.state != EntryState.REMOVED.value})))]


def _fonts() -> tuple[str, str]:
    """The card fonts (DejaVu), parsed once per process."""
    from reportlab.pdfbase import pdfmetrics

    if "ArrivalSans" in pdfmetrics.getRegisteredFontNames():
        return "ArrivalSans", "ArrivalSans-Bold"
    return register_fonts()


def _pdf(rows: list[dict], batch: TransferBatch) -> bytes:
    regular, bold = _fonts()
    buffer = io.BytesIO()
    page = landscape(A4)
    canvas = Canvas(buffer, pagesize=page, invariant=1)
    canvas.setTitle(f"Übergabeliste {batch.destination.label}")
    widths = [26, 24, 30, 30, 30, 30, 24, 22, 8, 12, 22, 0]
    left, top, bottom = 10 * mm, page[1] - 12 * mm, 12 * mm
    widths[-1] = (page[0] - 2 * left) / mm - sum(widths)

    def header(y):
        canvas.setFont(bold, 12)
        canvas.drawString(left, y, f"Übergabeliste · {batch.destination.label} "
                                   f"({batch.destination.key}) · "
                                   f"{format_local(batch.departed_at or batch.departs_at)}")
        canvas.setFont(regular, 8)
        canvas.drawString(left, y - 5 * mm, f"{batch.destination.reception} · "
                                            f"{len(rows)} Personen · vertraulich")
        y -= 12 * mm
        canvas.setFont(bold, 6.5)
        x = left
        for (_, title), width in zip(COLUMNS, widths):
            canvas.drawString(x, y, _clip(title, bold, 6.5, width * mm))
            x += width * mm
        return y - 4.5 * mm

    y = header(top)
    canvas.setFont(regular, 7)
    for row in rows:
        if y < bottom:
            canvas.showPage()
            y = header(top)
            canvas.setFont(regular, 7)
        x = left
        for (key, _), width in zip(COLUMNS, widths):
            canvas.drawString(x, y, _clip(str(row[key]), regular, 7, width * mm - 1.5))
            x += width * mm
        y -= 4.2 * mm
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _clip(text: str, font: str, size: float, width: float) -> str:
    """The text, or its longest start that fits with an ellipsis (binary search:
    a few width measurements per cell, not one per character)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(text, font, size) <= width:
        return text
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if stringWidth(text[:middle] + "…", font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low] + "…"


def build(batch: TransferBatch) -> Package:
    """Generate the package now (on demand), record it and audit the export with
    every person in it. The password is returned once and never stored."""
    rows, persons = rows_of(batch)
    stem = f"uebergabe_{batch.destination.key}_{batch.id}"
    files = {f"{stem}.pdf": _pdf(rows, batch), f"{stem}.xlsx": _xlsx(rows, batch),
             f"{stem}.csv": _csv(rows)}
    manifest = {
        "schema_version": "1.0", "batch": batch.id,
        "destination": {"key": batch.destination.key, "name": batch.destination.label,
                        "reception": batch.destination.reception},
        "departs_at": batch.departs_at.isoformat(),
        "departed_at": batch.departed_at.isoformat() if batch.departed_at else None,
        "generated_at": now().isoformat(), "persons": len(rows),
        "households": len({r["household"] for r in rows}),
        "fields": [key for key, _ in COLUMNS],
        "files": [{"name": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
                  for name, data in files.items()],
    }
    files["manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
    password = new_password()
    buffer = io.BytesIO()
    with pyzipper.AESZipFile(buffer, "w", compression=pyzipper.ZIP_DEFLATED,
                             encryption=pyzipper.WZ_AES) as archive:
        archive.setpassword(password.encode())
        archive.setencryption(pyzipper.WZ_AES, nbits=256)
        for name, data in files.items():
            archive.writestr(name, data)
    data = buffer.getvalue()
    package = HandoverPackage(batch_id=batch.id, persons_count=len(rows),
                              sha256=hashlib.sha256(data).hexdigest(), archive=data,
                              created_at=now(), created_by_id=acting_user_id())
    db.session.add(package)
    db.session.flush()
    record(AuditAction.EXPORT, entity_type="transfer_handover", entity_id=package.id,
           fields=[key for key, _ in COLUMNS], detail=f"batch {batch.id}", persons=persons)
    return Package(package, password, f"{stem}.zip")


def archive_of(package: HandoverPackage) -> tuple[bytes, str, list]:
    """The stored (encrypted) archive for download, audited with its persons."""
    batch = db.session.get(TransferBatch, package.batch_id)
    _, persons = rows_of(batch)
    record(AuditAction.EXPORT, entity_type="transfer_handover", entity_id=package.id,
           detail="download", persons=persons)
    return package.archive, f"uebergabe_{batch.destination.key}_{batch.id}.zip", persons
