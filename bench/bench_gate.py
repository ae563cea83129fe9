"""What the gate's re-derivation costs on a real report.

Times, on a report given on the command line (default the integration tier's), the median
of N runs of each phase of ``parity gate``: reading and parsing the JSON, validating it
against the JSON Schema, re-deriving every case's verdict from its evidence, and the whole
``gate.evaluate`` (which also reads the committed baseline and the ledger).

Usage: ``python bench/bench_gate.py [reports/integration/compatibility.json] [--runs 5]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from harness import gate
from harness.report.evidence import disagreements
from harness.report.schema import schema_problems


def median_seconds(work: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "report", nargs="?", type=Path, default=Path("reports/integration/compatibility.json")
    )
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    text = args.report.read_text(encoding="utf-8")
    report = json.loads(text)
    ran = [c for c in report["cases"] if c["status"] != "not_run"]
    options = gate.Options(report=args.report, today=date.today())
    phases = {
        "parse JSON": lambda: json.loads(text),
        "schema validation": lambda: schema_problems(report, "compatibility"),
        "re-derive every case": lambda: [disagreements(c) for c in ran],
        "whole gate.evaluate": lambda: gate.evaluate(options),
    }
    print(f"report: {args.report} ({len(text.encode()):,} bytes, {len(ran)} cases ran)")
    for name, work in phases.items():
        print(
            f"{name:>22}: {median_seconds(work, args.runs) * 1000:8.1f} ms (median of {args.runs})"
        )
    verdict = gate.evaluate(options)
    print(f"verdict: exit {verdict.status}")


if __name__ == "__main__":
    main()
