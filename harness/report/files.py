"""Write one tier's report files (called once per run, on the xdist controller)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from harness.cost.baseline import (
    cost_baseline_document,
    cost_baseline_path,
    write_cost_baseline,
)
from harness.report.baseline import (
    BaselineCheck,
    BaselineError,
    baseline_document,
    check_baseline,
    load_baseline,
    write_baseline,
)
from harness.report.build import build_report
from harness.report.ledger import Ledger, LedgerError, load_ledger
from harness.report.write import write_atomically

LEDGER_NAME = "divergence-ledger.toml"


@dataclass(frozen=True)
class WrittenFile:
    """A report file and what writing it cost."""

    path: Path
    size: int
    seconds: float


@dataclass(frozen=True)
class TierReports:
    """What was written for a tier, the report itself, and files that could not be written."""

    report: dict[str, Any]
    files: tuple[WrittenFile, ...]
    failures: tuple[str, ...] = ()


def write_tier_reports(
    *,
    tier: str,
    reports_dir: Path,
    baselines_dir: Path,
    run: Mapping[str, Any],
    results: Sequence[dict[str, Any]],
    known_cases: Sequence[Mapping[str, Any]],
    methods: Sequence[str],
    update_baseline: bool,
    complete: bool,
    incomplete_reasons: Sequence[str],
    today: date,
) -> TierReports:
    """Build the tier's compatibility report and write every file for it.

    A corrupt ledger or committed baseline does not stop the files being written: the
    report is marked incomplete with the error (naming the file and line), so the gate
    fails rather than trusting a run it cannot check.
    """
    reasons = list(incomplete_reasons)
    ledger = Ledger(str(baselines_dir / LEDGER_NAME), ())
    try:
        ledger = load_ledger(baselines_dir / LEDGER_NAME)
    except LedgerError as error:
        reasons.append(str(error))
    baseline_path = baselines_dir / f"{tier}.json"
    known_ids = {str(c["id"]) for c in known_cases}
    committed: dict[str, Any] | None = None
    check = BaselineCheck(str(baseline_path))
    try:
        committed = load_baseline(baseline_path)
        check = check_baseline(baseline_path, committed, results, known_ids)
    except BaselineError as error:
        reasons.append(str(error))
    backend = str(run.get("baseline", ""))
    this_run = baseline_document(tier, backend, None, results, known_ids)
    reviewed = committed  # what drift is blamed against: not a baseline this run rewrote
    if update_baseline and results and not reasons:
        write_baseline(
            baseline_path, baseline_document(tier, backend, committed, results, known_ids)
        )
        write_cost_baseline(
            cost_baseline_path(baselines_dir, tier),
            cost_baseline_document(tier, run, list(results)),
        )
        check = BaselineCheck(str(baseline_path), updated=True)
        reviewed = None
    report = build_report(
        tier=tier,
        run=run,
        results=results,
        known_cases=known_cases,
        methods=methods,
        ledger=ledger,
        baseline_check=check,
        complete=complete and not reasons,
        incomplete_reasons=reasons,
        today=today,
        committed=reviewed,
    )
    written = write_report_files(reports_dir / tier, report, baseline=this_run)
    return TierReports(report, written.files, written.failures)


def write_report_files(
    folder: Path, report: Mapping[str, Any], *, baseline: Mapping[str, Any] | None = None
) -> TierReports:
    """Write ``compatibility.json`` (first: the gate needs it), then this run's
    ``baseline.json`` (when given), the HTML and the JUnit file into ``folder``.

    A renderer that fails costs only its own file (listed in ``failures``).
    """
    files = [_timed(folder / "compatibility.json", lambda: json.dumps(report, ensure_ascii=False))]
    failures = []
    secondary: list[tuple[str, Callable[[], str]]] = []
    if baseline is not None:
        secondary.append(("baseline.json", lambda: json.dumps(baseline, indent=1, sort_keys=True)))
    secondary += [
        ("compatibility.html", lambda: _html(report, folder)),
        ("parity-junit.xml", lambda: _junit(report)),
    ]
    for name, render in secondary:
        try:
            files.append(_timed(folder / name, render))
        except Exception as error:  # one broken renderer must not cost the other files
            failures.append(f"{folder / name}: not written ({type(error).__name__}: {error})")
    return TierReports(dict(report), tuple(files), tuple(failures))


def _timed(path: Path, render: Callable[[], str]) -> WrittenFile:
    started = time.perf_counter()
    size = write_atomically(path, render())
    return WrittenFile(path, size, time.perf_counter() - started)


def _html(report: Mapping[str, Any], folder: Path) -> str:
    from harness.report.html import render_html

    return render_html(report, report_dir=folder)


def _junit(report: Mapping[str, Any]) -> str:
    from harness.report.junit import render_junit

    text: str = render_junit(report)
    return text
