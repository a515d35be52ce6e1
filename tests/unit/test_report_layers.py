"""The layers under the report keep to their imports: metrics, then plots, then report."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "cmlreport"
# What each folder must never import (a top-level cmlreport module or folder name).
FORBIDDEN = {
    "plots": {"report", "forges", "runner", "cli", "git", "baseline", "ci", "settings", "output"},
    "report": {"forges", "runner", "cli"},
}
METRICS_MAY_IMPORT = {"errors", "files", "metrics"}


def imported(folder: str) -> set[tuple[str, str]]:
    """(file, first name after ``cmlreport.``) for every cmlreport import in ``folder``."""
    found: set[tuple[str, str]] = set()
    for path in sorted((PACKAGE / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
                if node.module == "cmlreport":
                    names = [f"cmlreport.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                parts = name.split(".")
                if parts[0] == "cmlreport" and len(parts) > 1:
                    found.add((path.name, parts[1]))
    return found


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_a_layer_never_imports_the_layers_above_it(folder: str) -> None:
    bad = sorted((f, name) for f, name in imported(folder) if name in FORBIDDEN[folder])
    assert bad == []


def test_metrics_import_only_errors_files_and_metrics() -> None:
    bad = sorted((f, name) for f, name in imported("metrics") if name not in METRICS_MAY_IMPORT)
    assert bad == []
