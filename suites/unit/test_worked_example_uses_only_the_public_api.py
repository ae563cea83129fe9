"""The shop's targets are written the way an adopting team writes theirs: against the names
``harness`` exports, never its internal modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import harness

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
WORKED_EXAMPLE = ("suites/target", "suites/e2e_target", "suites/contract")


def _harness_imports(path: Path) -> list[str]:
    """Every ``harness...`` import in a file, as ``line: module[.name]``."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("harness"):
            found += [f"{node.lineno}: {node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [
                f"{node.lineno}: {a.name}" for a in node.names if a.name.startswith("harness")
            ]
    return found


def test_the_worked_example_imports_only_names_harness_exports() -> None:
    private = []
    for folder in WORKED_EXAMPLE:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for entry in _harness_imports(path):
                line, _, dotted = entry.partition(": ")
                module, _, name = dotted.rpartition(".")
                if module != "harness" or name not in harness.__all__:
                    private.append(f"{path.relative_to(ROOT)}:{line} imports {dotted}")
    assert private == [], "import these from `harness` (add them to its __all__ if public)"


def test_every_exported_name_resolves() -> None:
    missing = [name for name in harness.__all__ if getattr(harness, name, None) is None]
    assert missing == []
