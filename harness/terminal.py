"""What Parity prints at the end of a run, by verbosity.

- default (and ``-v``): the servers used, each tier's report files and counts, the method
  coverage table, the cost line, backend setup failures, the generated programs;
- ``-q``: each tier's counts line and its report's path, then the problems;
- ``-qq``: only the problems (an incomplete report and why, files not written, backends
  that could not be set up, found programs, an empty run).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from harness.fixtures_servers import provisioning_summary_lines
from harness.report.build import STATUSES
from harness.report.run import unique_failures
from harness.session import ParitySession

EMPTY_RUN = (
    "parity: no tests ran: expected the tier's tests to be collected; check the "
    "path and -m/-k filters (an empty run is a failure)"
)


@dataclass(frozen=True)
class Line:
    """One line of the summary: a ``---- title ----`` separator or text (maybe red)."""

    text: str
    sep: bool = False
    red: bool = False


def summary_lines(parity: ParitySession | None, exitstatus: int, verbosity: int) -> list[Line]:
    """The end-of-run lines for ``verbosity`` (pytest's: -1 for ``-q``, -2 for ``-qq``)."""
    if verbosity >= 0:
        return _full(parity, exitstatus)
    lines: list[Line] = []
    if parity is not None:
        for tier_reports in parity.written:
            report = tier_reports.report
            tier = report["run"]["tier"]
            if verbosity == -1:
                lines.append(Line(f"parity {tier}: {_counts(report)}"))
                if tier_reports.files:
                    first, *rest = tier_reports.files
                    more = f" (+ {', '.join(f.path.name for f in rest)})" if rest else ""
                    lines.append(Line(f"  {first.path}{more}"))
            for reason in report["incomplete_reasons"]:
                lines.append(Line(f"parity {tier}: incomplete: {_first_line(reason)}", red=True))
            lines.extend(Line(f"parity {tier}: {f}", red=True) for f in tier_reports.failures)
        for failure in unique_failures(parity.setup_failures):
            lines.append(Line(f"parity: {failure['message']}", red=True))
        lines.extend(_found(parity))
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        lines.append(Line(EMPTY_RUN, red=True))
    return lines


def _full(parity: ParitySession | None, exitstatus: int) -> list[Line]:
    lines: list[Line] = []
    provisioning = provisioning_summary_lines()
    if provisioning:
        lines.append(Line("parity provisioning", sep=True))
        lines.extend(Line(line) for line in provisioning)
    if parity is not None and parity.shard_plan is not None and not parity.shard_plan.shown:
        lines.append(Line(parity.shard_plan.header()))  # xdist: the workers chose the shares
    if parity is not None and parity.written:
        lines.append(Line("parity reports", sep=True))
        for tier_reports in parity.written:
            report = tier_reports.report
            lines.append(Line(f"  {report['run']['tier']}: {_counts(report)}"))
            for reason in report["incomplete_reasons"]:
                lines.append(Line(f"    incomplete: {_first_line(reason)}", red=True))
            for written in tier_reports.files:
                lines.append(
                    Line(
                        f"    {written.path} ({written.size:,} bytes, "
                        f"{written.seconds * 1000:.0f} ms)"
                    )
                )
            lines.extend(Line(f"    {failure}", red=True) for failure in tier_reports.failures)
    if parity is not None and parity.records:
        for tier in sorted({r["tier"] for r in parity.records}):
            lines.append(Line(f"parity {tier} coverage (method x cases)", sep=True))
            table = parity.coverage_table(tier)
            lines.extend(Line(f"  {method:<28} {count:>3}") for method, count in table)
            lines.append(Line(f"  {len(parity.cases(tier))} cases over {len(table)} methods"))
        lines.append(Line(parity.cost_line()))
    if parity is not None and parity.setup_failures:
        lines.append(Line("parity backend setup failures", sep=True))
        for failure in unique_failures(parity.setup_failures):
            lines.append(Line(f"  {failure['message']}", red=True))
            lines.extend(Line(f"    {line}") for line in failure["traceback"].splitlines()[-6:])
    if parity is not None:
        explored = parity.exploration_line()
        if explored:
            lines.append(Line(explored))
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        lines.append(Line(EMPTY_RUN, red=True))
    return lines


def write(terminalreporter: Any, lines: list[Line]) -> None:
    """Write the lines on pytest's terminal reporter."""
    for line in lines:
        if line.sep:
            terminalreporter.write_sep("-", line.text)
        elif line.red:
            terminalreporter.write_line(line.text, red=True)
        else:
            terminalreporter.write_line(line.text)


def _counts(report: dict[str, Any]) -> str:
    summary = report["summary"]
    state = "complete" if report["complete"] else "INCOMPLETE"
    return f"{state}; " + ", ".join(f"{summary[k]} {k.replace('_', ' ')}" for k in STATUSES)


def _first_line(reason: object) -> str:
    return str(reason).splitlines()[0] if reason else ""


def _found(parity: ParitySession) -> list[Line]:
    """The generated programs that found a difference, and where each was written."""
    return [
        Line(f"parity: found: {e['found_case']} -> {e['written'] or '(not written)'}", red=True)
        for e in parity.explorations
        if e["found_case"]
    ]
