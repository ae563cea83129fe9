"""Wall time of each tier's contract suite, servers included, and the comparison share.

    python bench/bench_tiers.py [--repeat 3] [--tiers unit,integration] [--workers 2]
                                [--pytest-args "--parity-programs 0"]

Runs ``pytest -m <tier> suites/<tier>/test_contract_<tier>.py`` in a fresh process per
repeat (so server start-up is counted) and reads the plugin's cost and programs lines.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COST = re.compile(r"parity: \d+ cases ran in .*")
PROGRAMS = re.compile(r"parity: \d+ generated programs .*")


def run_tier(tier: str, extra: list[str]) -> tuple[float, str]:
    """One run of a tier's contract suite: wall seconds and the plugin's summary lines."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:randomly",
        "-m",
        tier,
        f"suites/{tier}/test_contract_{tier}.py",
        *extra,
    ]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{tier}: pytest exited {done.returncode}\n{done.stdout[-3000:]}")
    lines = [m.group(0) for pattern in (COST, PROGRAMS) if (m := pattern.search(done.stdout))]
    return wall, "\n".join(lines) or "(no cost line)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tiers", default="unit,integration")
    parser.add_argument("--workers", type=int, default=0, help="xdist workers (0: serial)")
    parser.add_argument("--pytest-args", default="", help="more pytest arguments, one string")
    args = parser.parse_args()
    extra = args.pytest_args.split() + (["-n", str(args.workers)] if args.workers else [])
    for tier in args.tiers.split(","):
        walls = []
        line = ""
        for _ in range(args.repeat):
            wall, line = run_tier(tier, extra)
            walls.append(wall)
        print(
            f"{tier:<12} wall median {statistics.median(walls):6.1f} s "
            f"(min {min(walls):.1f}, max {max(walls):.1f}, n={len(walls)})"
        )
        print(f"{'':<12} last run: {line}")


if __name__ == "__main__":
    main()
