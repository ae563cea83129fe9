"""What installing Parity costs a project that does not use it.

Measures, in a fresh temp project holding one test and no Parity configuration:

* the plugin's own import time (``python -X importtime``: harness.plugin and what it pulls
  in beyond pytest), median of several runs;
* a whole ``pytest`` run's wall and CPU time with the plugin loaded and with it disabled
  (``-p no:parity``), median of N runs each, interleaved.

Usage: ``python bench/bench_plugin_overhead.py [--runs 15]``.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def plugin_import_ms() -> float:
    """harness.plugin's cumulative import time (pytest already imported), in ms."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import pytest; import harness.plugin"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    for line in out.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| harness\.plugin$", line)
        if match:
            return int(match.group(1)) / 1000
    raise RuntimeError(f"expected an importtime line for harness.plugin, got:\n{out[-2000:]}")


def one_run(project: Path, extra: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) of one pytest run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            *extra,
        ],
        cwd=project,
        capture_output=True,
        check=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    imports = [plugin_import_ms() for _ in range(7)]
    print(
        f"harness.plugin import: median {statistics.median(imports):.1f} ms "
        f"(min {min(imports):.1f}, max {max(imports):.1f}; 7 runs)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "test_one.py").write_text("def test_one():\n    assert 1 + 1 == 2\n")
        runs: dict[str, list[tuple[float, float]]] = {"with parity": [], "without": []}
        for _ in range(args.runs):
            runs["with parity"].append(one_run(project, []))
            runs["without"].append(one_run(project, ["-p", "no:parity"]))
    for name, samples in runs.items():
        walls = [w for w, _ in samples]
        cpus = [c for _, c in samples]
        print(
            f"pytest, one test, {name:<11}: wall median {statistics.median(walls) * 1000:.0f} ms, "
            f"CPU median {statistics.median(cpus) * 1000:.0f} ms ({args.runs} runs)"
        )
    extra_wall = statistics.median(w for w, _ in runs["with parity"]) - statistics.median(
        w for w, _ in runs["without"]
    )
    extra_cpu = statistics.median(c for _, c in runs["with parity"]) - statistics.median(
        c for _, c in runs["without"]
    )
    print(
        f"overhead of the installed, unconfigured plugin: wall {extra_wall * 1000:+.0f} ms, "
        f"CPU {extra_cpu * 1000:+.0f} ms per pytest start"
    )


if __name__ == "__main__":
    main()
