"""A report run killed with kill -9 leaves a staging folder and a run row stuck at
"running" (läuft). The next run — holding the run lock, so no other run can be
alive — removes the leftovers and marks the stuck run failed."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from arrival.extensions import db
from arrival.reports import operations
from arrival.reports.models import ReportRun

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2022, 3, 27)


def _stuck_run(app) -> int:
    with app.app_context():
        run = ReportRun(report_date=DAY, status="running")
        db.session.add(run)
        db.session.commit()
        return run.id


def _run(app, run_id: int) -> ReportRun:
    with app.app_context():
        return db.session.get(ReportRun, run_id)


@contextlib.contextmanager
def _lock_held_by_another_run(app, out_dir: Path):
    """The run lock as a live run on another server holds it."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgresql"):
        other = sa.create_engine(url)
        with other.connect() as connection:
            assert connection.scalar(sa.text("SELECT pg_try_advisory_lock(:k)"),
                                     {"k": operations.LOCK_KEY})
            yield
            connection.scalar(sa.text("SELECT pg_advisory_unlock(:k)"),
                              {"k": operations.LOCK_KEY})
        other.dispose()
        return
    import fcntl

    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield


def test_the_next_run_removes_a_killed_runs_staging_folder_and_marks_it_failed(app, tmp_path):
    out_dir = tmp_path / "reports"
    leftover = out_dir / f".staging-{DAY.isoformat()}-k9x2"
    leftover.mkdir(parents=True)
    (leftover / f"lagebericht_{DAY.isoformat()}.xlsx").write_bytes(b"half a workbook")
    stuck = _stuck_run(app)

    with app.app_context():
        result = operations.generate(DAY, out_dir)
        assert result.run.status == "done"
    assert not leftover.exists()
    assert [p.name for p in out_dir.iterdir() if p.name != ".lock"] == [DAY.isoformat()]
    stuck_run = _run(app, stuck)
    assert stuck_run.status == "failed"
    assert "interrupted" in stuck_run.error and stuck_run.finished_at is not None


def test_a_report_swapped_out_when_the_run_was_killed_is_put_back(app, tmp_path):
    out_dir = tmp_path / "reports"
    with app.app_context():
        operations.generate(DAY, out_dir)
    # Killed between "final → .old-…" and "staging → final".
    (out_dir / DAY.isoformat()).rename(out_dir / f".old-{DAY.isoformat()}-4242")
    (out_dir / f".staging-{DAY.isoformat()}-abcd").mkdir()
    other_day = date(2022, 3, 26)
    with app.app_context():
        operations.generate(other_day, out_dir)
    assert (out_dir / DAY.isoformat() / "manifest.json").exists()
    assert sorted(p.name for p in out_dir.iterdir() if p.name != ".lock") == [
        other_day.isoformat(), DAY.isoformat()]


def test_a_run_that_cannot_get_the_lock_leaves_the_live_runs_work_alone(app, tmp_path):
    out_dir = tmp_path / "reports"
    live_staging = out_dir / f".staging-{DAY.isoformat()}-live"
    live_staging.mkdir(parents=True)
    live = _stuck_run(app)
    with _lock_held_by_another_run(app, out_dir):
        with app.app_context(), pytest.raises(operations.ReportAlreadyRunning):
            operations.generate(DAY, out_dir)
    assert live_staging.exists()
    assert _run(app, live).status == "running"
    with app.app_context():
        statuses = db.session.scalars(sa.select(ReportRun.status)).all()
    assert statuses == ["running"], "the refused start left a run behind"


@pytest.fixture
def report_database(tmp_path):
    """A committed SQLite database another process can use."""
    from flask_migrate import upgrade

    from arrival import create_app
    from arrival.catalog.operations import load_catalog

    url = f"sqlite:///{tmp_path / 'sitrep.sqlite3'}"
    application = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": url})
    with application.app_context():
        upgrade()
        load_catalog(application.config["CATALOG_DIR"])
        db.session.commit()
    yield application
    with application.app_context():
        db.engine.dispose()


# The CLI command in a child process whose workbook writing never ends, so that it
# can be killed mid-run, as a kill -9 during `flask sitrep generate` would.
HANGING_RUN = """
import pathlib, sys, time
from arrival import create_app
from arrival.reports import cli, operations
app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": sys.argv[1]})
def hang(*_a, **_k):
    pathlib.Path(sys.argv[4]).touch()
    time.sleep(600)
operations._write_workbook = hang
app.test_cli_runner().invoke(args=["sitrep", "generate", "--date", sys.argv[2],
                                   "--out", sys.argv[3]])
"""


@pytest.mark.skipif(os.environ.get("ARRIVAL_TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="the child process uses its own SQLite file")
def test_kill_minus_nine_during_generation_is_cleaned_up_by_the_next_run(report_database,
                                                                         tmp_path):
    out_dir = tmp_path / "reports"
    url = report_database.config["SQLALCHEMY_DATABASE_URI"]
    env = {**os.environ, "ARRIVAL_ENV": "testing"}
    writing = tmp_path / "writing"
    child = subprocess.Popen([sys.executable, "-c", HANGING_RUN, url, DAY.isoformat(),
                              str(out_dir), str(writing)], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not writing.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert writing.exists(), "the child run did not reach the workbook"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    leftovers = [p.name for p in out_dir.iterdir() if p.name.startswith(".staging-")]
    assert len(leftovers) == 1
    with report_database.app_context():
        assert db.session.scalars(sa.select(ReportRun.status)).all() == ["running"]

    result = report_database.test_cli_runner().invoke(
        args=["sitrep", "generate", "--date", DAY.isoformat(), "--out", str(out_dir)])
    assert result.exit_code == 0, result.output
    assert not any(p.name.startswith(".staging-") for p in out_dir.iterdir())
    with report_database.app_context():
        runs = db.session.scalars(sa.select(ReportRun).order_by(ReportRun.id)).all()
        assert [r.status for r in runs] == ["failed", "done"]
        assert "interrupted" in runs[0].error
