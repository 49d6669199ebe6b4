"""Figures the deployment tests measured, printed at the end of every run (CI's log
shows them even when everything passes)."""

from __future__ import annotations

FIGURES: list[str] = []


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("deployment figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
