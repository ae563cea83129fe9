"""A project with ``test_plugin``'s small key-value target whose runs write real reports
(shared by the gate and merge tests)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness.cli import main
from suites.unit.harness.test_plugin import FAKE_CASES, FAKE_TARGET, INI, KEYS_CASE, TEST_MODULE

Report = dict[str, Any]


class Runs:
    """A project with the fake target, whose runs write real reports."""

    def __init__(self, pytester: pytest.Pytester) -> None:
        self.pytester = pytester
        self.root = pytester.path
        self.report = self.root / "reports" / "unit" / "compatibility.json"

    def run(self, *args: str) -> Report:
        self.pytester.runpytest("-p", "no:randomly", "-p", "no:cacheprovider", *args)
        loaded: Report = json.loads(self.report.read_text())
        return loaded

    def gate(self, report: Report | None = None, *more: str) -> int:
        if report is not None:
            self.report.write_text(json.dumps(report))
        return main(["gate", "--report", str(self.report), "--today", "2026-06-01", *more])


def make_runs(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Runs:
    """The project, with a committed baseline from a first run."""
    pytester.makepyfile(
        fake_target=FAKE_TARGET, fake_cases=FAKE_CASES + KEYS_CASE, test_fake=TEST_MODULE
    )
    pytester.makeini(INI)
    pytester.syspathinsert()
    monkeypatch.chdir(pytester.path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    runs = Runs(pytester)
    runs.run("--parity-update-baseline")  # the committed baseline every later run checks
    return runs
