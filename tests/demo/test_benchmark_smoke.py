"""CI runs the benchmark script only as a tiny smoke run, to keep it working;
the figures themselves come from scripts/bench runs (docs/performance.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(os.environ.get("ARRIVAL_TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="the smoke run uses its own SQLite file; once per CI run is enough")
def test_the_benchmark_runs_end_to_end_on_a_tiny_database(tmp_path):
    out = tmp_path / "bench.json"
    env = {k: v for k, v in os.environ.items() if k != "ARRIVAL_TEST_DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "arrival.devtools.benchmark", "--persons", "150",
         "--database-url", f"sqlite:///{tmp_path / 'bench.sqlite3'}", "--repeat", "5",
         "--load-seconds", "2", "--out", str(out)],
        cwd=ROOT, env={**env, "ARRIVAL_ENV": "development"}, capture_output=True, text=True,
        timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(out.read_text())
    for field in ("register_household_ms", "duplicate_check_ms", "search_ms", "scan_ms",
                  "queue_page_ms", "dashboard_ms", "bed_proposal_ms", "sitrep_s",
                  "sitrep_peak_rss_mb", "card_pdf_per_s", "seed_s", "floor_empty_route_ms",
                  "floor_dashboard_sql_ms", "ratios_to_floor", "load", "environment",
                  "gate_scan_ms", "gate_evacuation_ms", "gate_roll_call_tick_ms"):
        assert field in figures, field
    assert figures["load"]["errors"] == 0 and figures["load"]["registrations"] > 0
    assert figures["load"]["refused_as_duplicates"] == 0
    assert figures["environment"]["database"] == "sqlite" and figures["persons"] == 150
    # Each request figure carries its multiple of the floor; the whole-batch transfer
    # figures (seconds for 60 households) have none.
    for name, ratio in figures["ratios_to_floor"].items():
        assert figures["targets"][name]["multiple_of_floor"] == ratio
    assert {name for name, row in figures["targets"].items()
            if row["multiple_of_floor"] is None} == {
        "transfer_boarding_departure_s", "transfer_departure_s", "transfer_handover_s",
        "transfer_quota_ms"}
    # The gate hall (issue 17) scales with the database: 1,500 at 100,000, 60 at least.
    assert figures["gate_residents"] == 60
    assert {"gate_scan_ms", "gate_evacuation_ms", "gate_roll_call_tick_ms"} <= set(
        figures["ratios_to_floor"])
    assert "× floor" in result.stderr and "dashboard_ms" in result.stderr
