"""The layering contract (import-linter, configured in pyproject.toml) holds, it
fails on a deliberate violation, and no module imports itself round a cycle."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root, env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True, text=True, timeout=300)


def test_the_layering_contracts_hold():
    result = _lint_imports(ROOT)
    print(result.stdout[-2000:])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize("module, violation, contract", [
    ("core/timezone.py", "from arrival.registry import models", "domains in their order"),
    ("registry/models.py", "from arrival.housing import models", "domains in their order"),
    ("cases/operations.py", "from arrival.cases import views", "layers within a domain"),
    ("housing/views.py", "from arrival.registry import views", "web modules independent"),
])
def test_a_deliberate_violation_breaks_the_contract(tmp_path, module, violation, contract):
    shutil.copytree(ROOT / "arrival", tmp_path / "arrival",
                    ignore=shutil.ignore_patterns("static", "templates", "translations"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "arrival" / module
    target.write_text(target.read_text() + f"\n{violation}  # deliberate\n")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    broken = [line for line in result.stdout.splitlines() if " BROKEN" in line]
    assert any(contract in line for line in broken), result.stdout


def test_no_module_imports_itself_round_a_cycle():
    sys.path.insert(0, str(ROOT))
    try:
        graph = grimp.build_graph("arrival", include_external_packages=False)
    finally:
        sys.path.remove(str(ROOT))
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if imported == "arrival":
                continue  # the package itself: the application factory
            chain = graph.find_shortest_chain(importer=imported, imported=module)
            if chain:
                cycles.append(" -> ".join((module, *chain)))
    assert cycles == []
