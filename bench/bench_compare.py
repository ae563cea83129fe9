"""Benchmark the comparison engine and its share of a contract run.

    python bench/bench_compare.py [--rows 10000,100000] [--pair memory,dynamodb-inprocess]

Prints: an identical 100-row pair compared (fast path); an N-row pair with one differing
field located and explained (Parity vs deepdiff alone on the same pair); and the share of
a full contract run on the unit pair spent canonicalising and comparing.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deepdiff import DeepDiff

from harness.compare import compare


def rows(count: int) -> list[dict[str, Any]]:
    """Canonical product rows as the contract suite produces them."""
    return [
        {
            "$type": "Product",
            "id": f"product#{i}",
            "seller_id": f"user#{i % 7}",
            "category_id": f"category#{i % 11}",
            "name": f"Product {i}",
            "description": "A fine thing " * 3,
            "price": {"$decimal": f"{i % 1000}.99"},
            "stock": i % 50,
            "image_url": None,
            "created_at": {"$datetime": "2026-01-01T00:00:00.000Z"},
            "updated_at": {"$datetime": "2026-01-01T00:00:00.000Z"},
        }
        for i in range(count)
    ]


def timed(function: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``function`` in milliseconds."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def one_difference(count: int) -> tuple[list[Any], list[Any]]:
    baseline = [{"call": "products.list", "value": {"items": rows(count)}}]
    candidate = copy.deepcopy(baseline)
    candidate[0]["value"]["items"][count * 2 // 3]["price"] = {"$decimal": "1.9"}
    return baseline, candidate


def contract_share(pair: tuple[str, str]) -> tuple[int, float, float, float]:
    """Run every case on ``pair``; return (cases, total s, canonicalise s, compare s)."""
    from harness.contract import registered_cases, run_case
    from harness.target import load_target

    target = load_target("suites.target:TARGET")

    class NoResources:
        def mysql(self) -> Any:
            raise SystemExit("this benchmark runs on unit-tier backends only")

        dynamodb = mysql

    total = canonical = comparing = 0.0
    cases = registered_cases(target.case_modules)
    seed_cache: dict[Any, Any] = {}
    with (
        target.open_backend(pair[0], NoResources()) as first,
        target.open_backend(pair[1], NoResources()) as second,
    ):
        for case in cases:
            started = time.perf_counter()
            result = run_case(case, target, (pair[0], first), (pair[1], second), seed_cache)
            total += time.perf_counter() - started
            canonical += sum(
                s.canonical_seconds
                for s in (result.baseline, result.candidate, result.baseline_again)
                if s is not None
            )
            comparing += result.compare_seconds
    return len(cases), total, canonical, comparing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="10000,100000")
    parser.add_argument("--pair", default="memory,dynamodb-inprocess")
    parser.add_argument("--skip-deepdiff", action="store_true")
    args = parser.parse_args()

    same = [{"call": "products.list", "value": {"items": rows(100)}}]
    twin = copy.deepcopy(same)
    print(f"identical 100-row pair:             {timed(lambda: compare(same, twin), 200):8.3f} ms")

    for count in (int(n) for n in args.rows.split(",")):
        baseline, candidate = one_difference(count)
        located = timed(lambda b=baseline, c=candidate: compare(b, c), 5)
        result = compare(baseline, candidate)
        assert len(result.mismatches) == 1, result.mismatches
        print(
            f"{count:>7}-row pair, one field differs: {located:8.1f} ms  "
            f"(found at {result.mismatches[0].path})"
        )
        if not args.skip_deepdiff and count <= 10_000:
            alone = timed(lambda b=baseline, c=candidate: DeepDiff(b, c, view="tree"), 1)
            print(f"{count:>7}-row pair, deepdiff alone:    {alone:8.1f} ms")

    pair = tuple(args.pair.split(","))
    assert len(pair) == 2
    cases, total, canonical, comparing = contract_share((pair[0], pair[1]))
    share = (canonical + comparing) / total * 100
    print(
        f"contract run on {pair[0]} vs {pair[1]}: {cases} cases in {total:.2f} s; "
        f"canonicalising {canonical * 1000:.0f} ms + comparing {comparing * 1000:.0f} ms "
        f"= {share:.1f} % of the run"
    )


if __name__ == "__main__":
    main()
