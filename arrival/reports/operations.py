"""Generating the situation report of a day: workbook, CSVs, JSON and manifest,
written atomically, recorded as a run, with one run at a time across servers."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from flask import current_app

from arrival.version import __version__
from arrival.audit.models import AuditAction
from arrival.audit.operations import record
from arrival.core.timezone import format_local
from arrival.database import now_utc
from arrival.extensions import db
from arrival.reports import tables
from arrival.reports.models import ReportRemark, ReportRun
from arrival.reports.safe_cells import neutralise, neutralise_frame
from arrival.statistics.figures import day_report
from arrival.statistics.queries import day_bounds, local_date

SCHEMA_VERSION = "1.0"
LOCK_KEY = 0x41525256  # "ARRV": the advisory lock of the report job on PostgreSQL
SUPPRESSED_SECTIONS = ("arrivals", "departures", "demographics", "vulnerable", "clarification",
                       "services", "fingerprints", "transfers")


class ReportAlreadyRunning(RuntimeError):
    pass


@dataclass
class Result:
    run: ReportRun
    folder: Path


def yesterday() -> date:
    return local_date(now_utc()) - timedelta(days=1)


def report_dir() -> Path:
    return Path(current_app.config["SITREP_DIR"])


def remark_for(day: date) -> str:
    remark = db.session.get(ReportRemark, day)
    return remark.text if remark else ""


def set_remark(day: date, text: str, user_id: int | None) -> None:
    text = " ".join((text or "").split())[:2000]
    remark = db.session.get(ReportRemark, day)
    if remark is None:
        db.session.add(ReportRemark(report_date=day, text=text, author_id=user_id))
    else:
        remark.text, remark.author_id = text, user_id
    db.session.flush()
    record(AuditAction.UPDATE, entity_type="report_remark", entity_id=day.isoformat(),
           fields=["text"])


@contextlib.contextmanager
def single_run(out_dir: Path):
    """Only one generation at a time, even with several app servers: an advisory
    lock on PostgreSQL, a file lock next to the reports on SQLite."""
    if db.session.get_bind().dialect.name == "postgresql":
        got = db.session.scalar(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY})
        if not got:
            raise ReportAlreadyRunning("another report run holds the lock")
        try:
            yield
        finally:
            db.session.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
        return
    import fcntl

    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ReportAlreadyRunning("another report run holds the lock") from None
        yield


class DayNotOver(ValueError):
    """A report for a day that has not begun: there is nothing to report yet."""


def check_day(day: date) -> None:
    """Refuse a day in the future (today is allowed: its report is provisional)."""
    from flask_babel import gettext as _

    today = local_date(now_utc())
    if day > today:
        raise DayNotOver(_("%(day)s has not happened yet: a report can be made for today "
                           "(provisional) or an earlier day.", day=day.strftime("%d.%m.%Y")))


def provisional(day: date, generated_at: datetime | None) -> bool:
    """A report made before its day ended: the figures may still change."""
    return generated_at is None or generated_at < day_bounds(day)[1]


def generate(day: date, out_dir: Path | None = None, *, user_id: int | None = None) -> Result:
    """Build the report of `day` (today: provisional; a later day is refused with
    DayNotOver before anything is recorded). On any failure nothing partial is left
    behind, the run is recorded as failed (committed) and the error raised again."""
    check_day(day)
    out_dir = Path(out_dir or report_dir())
    run = ReportRun(report_date=day, status="running", started_by_id=user_id)
    db.session.add(run)
    db.session.commit()
    interrupted: list[int] = []
    try:
        with single_run(out_dir):
            interrupted = clean_up_interrupted_runs(out_dir, run)
            folder = _build(day, out_dir, run)
    except ReportAlreadyRunning:
        # Another server is making the report: this start never ran, so it leaves no
        # run behind (a "failed" row every night next to the good one would alarm).
        db.session.rollback()
        db.session.delete(db.session.get(ReportRun, run.id))
        db.session.commit()
        raise
    except Exception as error:
        db.session.rollback()
        mark_interrupted(interrupted)
        run = db.session.get(ReportRun, run.id)
        run.status, run.finished_at, run.error = "failed", now_utc(), repr(error)[:2000]
        record(AuditAction.EXPORT, entity_type="report", entity_id=day.isoformat(),
               detail="failed")
        db.session.commit()
        raise
    db.session.commit()
    _deliver(folder)
    return Result(run, folder)


INTERRUPTED = "interrupted: the process ended before the run finished (found by a later run)"
LEFTOVER_PREFIXES = (".staging-", ".old-")


def clean_up_interrupted_runs(out_dir: Path, current: ReportRun) -> list[int]:
    """What a killed run (kill -9, power loss) leaves: staging and swapped-out folders,
    and its row still "running". Called with the run lock held, so no other run is
    alive: every leftover folder is stale, and so is every earlier "running" row.
    Only flushes: a commit would hand the connection that holds PostgreSQL's advisory
    lock back to the pool. Returns the ids of the runs marked failed."""
    folders = [out_dir]
    drop = current_app.config.get("SITREP_DROP_DIR")
    if drop:
        folders.append(Path(drop))
    for folder in folders:
        if not folder.is_dir():
            continue
        for leftover in sorted(folder.iterdir()):
            if not leftover.is_dir() or not leftover.name.startswith(LEFTOVER_PREFIXES):
                continue
            # Killed between the two renames of _replace_folder: the previous report
            # is still whole under its .old- name; put it back.
            swapped_out = leftover.name.startswith(".old-")
            original = folder / leftover.name.removeprefix(".old-").rsplit("-", 1)[0]
            if swapped_out and not original.exists():
                leftover.rename(original)
                current_app.logger.warning("sitrep: restored %s after an interrupted run",
                                           original)
                continue
            shutil.rmtree(leftover, ignore_errors=True)
            current_app.logger.warning("sitrep: removed %s left by an interrupted run",
                                       leftover)
    stale = list(db.session.scalars(sa.select(ReportRun.id).where(
        ReportRun.status == "running", ReportRun.id < current.id)))
    mark_interrupted(stale)
    return stale


def mark_interrupted(run_ids: list[int]) -> None:
    for run_id in run_ids:
        run = db.session.get(ReportRun, run_id)
        if run is None or run.status != "running":
            continue
        run.status, run.finished_at, run.error = "failed", now_utc(), INTERRUPTED
        record(AuditAction.UPDATE, entity_type="report_run", entity_id=run.id,
               fields=["status"], detail="interrupted run marked failed")
    db.session.flush()


def _build(day: date, out_dir: Path, run: ReportRun) -> Path:
    figures = day_report(day)
    figures_hash = hashlib.sha256(json.dumps(figures, sort_keys=True, default=str)
                                  .encode()).hexdigest()
    previous = db.session.scalar(
        sa.select(ReportRun).where(ReportRun.report_date == day, ReportRun.status == "done")
        .order_by(ReportRun.id.desc()).limit(1))
    regenerated = previous is not None and previous.figures_hash != figures_hash
    generated_at = now_utc()
    remarks = remark_for(day)
    suppress = current_app.config["SITREP_SUPPRESS_BELOW"]
    sections = tables.build(figures, suppress)
    annex = _rp_annex() if current_app.config["SITREP_RP_ANNEX"] else None
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{day.isoformat()}-", dir=out_dir))
    try:
        stem = f"lagebericht_{day.isoformat()}"
        cover = _cover(day, generated_at, remarks, regenerated, previous)
        if provisional(day, generated_at):
            cover = pd.concat([cover, pd.DataFrame(
                [("Vorläufig", "Der Berichtstag ist noch nicht zu Ende: Stand "
                  f"{format_local(generated_at, '%d.%m.%Y %H:%M')}; die Zahlen können sich "
                  "noch ändern.")], columns=cover.columns)], ignore_index=True)
        _write_workbook(staging / f"{stem}.xlsx", cover, sections, annex)
        for name, frame in sections.items():
            _write_csv(staging / f"{stem}_{name}.csv", frame)
        if annex is not None:
            _write_csv(staging / f"{stem}_anhang_rp.csv", annex)
        payload = _json(day, generated_at, figures, remarks, suppress, regenerated)
        (staging / f"{stem}.json").write_text(
            json.dumps(payload, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        files = _manifest(staging, day, generated_at)
        final = out_dir / day.isoformat()
        _replace_folder(staging, final)
    except Exception:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    run.status, run.finished_at, run.folder, run.error = "done", now_utc(), str(final), None
    run.files, run.figures_hash, run.regenerated = files, figures_hash, regenerated
    record(AuditAction.EXPORT, entity_type="report", entity_id=day.isoformat(),
           fields=[f["name"] for f in files],
           detail="with RP annex" if annex is not None else "aggregates only")
    return final


def _cover(day, generated_at, remarks, regenerated, previous) -> pd.DataFrame:
    rows = [("Lagebericht", current_app.config["CENTRE_NAME"]),
            ("Berichtstag", day.strftime("%d.%m.%Y")),
            ("Zeitraum", f"{day.strftime('%d.%m.%Y')} 00:00 bis 24:00 "
                         f"({current_app.config['TIMEZONE']})"),
            ("Erstellt", format_local(generated_at, "%d.%m.%Y %H:%M:%S")),
            ("Software", f"Arrival {__version__}"),
            ("Bemerkungen", remarks or "—")]
    if regenerated:
        rows.append(("Hinweis", "Neu erstellt: Daten dieses Tages wurden nach dem Bericht vom "
                                f"{format_local(previous.finished_at, '%d.%m.%Y %H:%M')} "
                                "korrigiert; die Zahlen weichen ab."))
    return pd.DataFrame(rows, columns=["Angabe", "Wert"])


def _write_workbook(path: Path, cover: pd.DataFrame, sections: dict, annex) -> None:
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for title, frame in [("Deckblatt", cover)] + [
                (tables.SECTION_TITLES[name], frame) for name, frame in sections.items()] + (
                [("Anhang RP", annex)] if annex is not None else []):
            neutralise_frame(frame).to_excel(writer, sheet_name=title[:31], index=False)
            sheet = writer.sheets[title[:31]]
            sheet.freeze_panes = "A2"
            for index, column in enumerate(frame.columns, start=1):
                values = [str(column)] + [str(v) for v in frame[column].tolist()]
                width = min(max(len(v) for v in values) + 2, 80)
                sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = width


def _write_csv(path: Path, frame: pd.DataFrame) -> None:
    import csv

    neutralise_frame(frame).to_csv(path, index=False, encoding="utf-8",
                                   quoting=csv.QUOTE_NONNUMERIC)


def _suppress(value, below: int):
    if isinstance(value, dict):
        return {k: _suppress(v, below) for k, v in value.items()}
    if isinstance(value, list):
        return [_suppress(v, below) for v in value]
    if below and isinstance(value, int) and not isinstance(value, bool) and 0 < value < below:
        return f"<{below}"
    return value


def _json(day, generated_at, figures, remarks, suppress, regenerated) -> dict:
    figures = {key: (_suppress(value, suppress) if key in SUPPRESSED_SECTIONS else value)
               for key, value in figures.items()}
    return {
        "schema_version": SCHEMA_VERSION, "date": day.isoformat(),
        "generated_at": generated_at.isoformat(), "regenerated": regenerated,
        "provisional": provisional(day, generated_at),
        "arrivals": {**figures["arrivals"], "cumulative": figures["cumulative_arrivals"]},
        "present": figures["present"], "sites": figures["sites"],
        "capacity": figures["totals"], "departures": figures["departures"],
        "demographics": figures["demographics"], "vulnerable": figures["vulnerable"],
        "clarification": {**figures["clarification"], "fingerprints": figures["fingerprints"]},
        "services": figures["services"]["delivered"], "data_quality": figures["data_quality"],
        "transfers": figures["transfers"],
        "remarks": neutralise(remarks),
        "suppressed_below": suppress or None,
    }


def _manifest(folder: Path, day: date, generated_at: datetime) -> list[dict]:
    files = []
    for path in sorted(folder.iterdir()):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        files.append({"name": path.name, "sha256": digest, "size": path.stat().st_size})
    (folder / "manifest.json").write_text(json.dumps({
        "report_date": day.isoformat(), "generated_at": generated_at.isoformat(),
        "software": f"Arrival {__version__}", "files": files}, indent=2), encoding="utf-8")
    return files


def _replace_folder(staging: Path, final: Path) -> None:
    """Move the finished folder into place; an older report of the day is swapped out
    in one rename and only then deleted, so readers see the old or the new, never a mix."""
    os.chmod(staging, 0o750)
    if final.exists():
        old = final.with_name(f".old-{final.name}-{os.getpid()}")
        final.rename(old)
        staging.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(final)


def _deliver(folder: Path) -> None:
    """Copy the finished report into the configured drop folder (e.g. a mounted share),
    also atomically, after the manifest exists."""
    drop = current_app.config.get("SITREP_DROP_DIR")
    if not drop:
        return
    drop = Path(drop)
    drop.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{folder.name}-", dir=drop))
    shutil.copytree(folder, staging, dirs_exist_ok=True)
    _replace_folder(staging, drop / folder.name)


def _rp_annex() -> pd.DataFrame:
    """Persons with open items of the regional authority, with only what it needs."""
    from arrival.cases.models import ACTIVE_STATES, ClarificationItem
    from arrival.catalog.models import Authority
    from arrival.registry.models import Household, Person

    rows = db.session.execute(
        sa.select(Household.ref, Person.family_name, Person.given_names, Person.date_of_birth,
                  Person.birth_year, Person.nationality, ClarificationItem.topic,
                  ClarificationItem.state)
        .join(ClarificationItem, ClarificationItem.person_id == Person.id)
        .join(Household, Household.id == Person.household_id)
        .join(Authority, Authority.id == ClarificationItem.authority_id)
        .where(Authority.kind == "regional", ClarificationItem.state.in_(ACTIVE_STATES),
               # restricted (Art. 18) and anonymised records leave the centre no more
               Person.restricted_at.is_(None), Person.anonymised_at.is_(None))
        .order_by(Household.ref, Person.family_name)).all()
    return pd.DataFrame([{
        "Haushalt": r.ref, "Familienname": r.family_name, "Vornamen": r.given_names,
        "Geburtsdatum": r.date_of_birth.strftime("%d.%m.%Y") if r.date_of_birth
        else f"~{r.birth_year}", "Staatsangehörigkeit": r.nationality, "Thema": r.topic,
        "Status": r.state} for r in rows],
        columns=["Haushalt", "Familienname", "Vornamen", "Geburtsdatum",
                 "Staatsangehörigkeit", "Thema", "Status"])


def runs(limit: int = 60) -> list[ReportRun]:
    return list(db.session.scalars(sa.select(ReportRun).order_by(ReportRun.id.desc())
                                   .limit(limit)))


def file_of(day: date, name: str) -> Path | None:
    """A file of the latest finished report of the day (names from its manifest only)."""
    run = db.session.scalar(sa.select(ReportRun).where(
        ReportRun.report_date == day, ReportRun.status == "done")
        .order_by(ReportRun.id.desc()).limit(1))
    if run is None or not run.folder:
        return None
    names = {f["name"] for f in run.files or []} | {"manifest.json"}
    path = Path(run.folder) / name
    return path if name in names and path.is_file() else None
