"""The cost gate: a planted N+1 (one GetItem per product instead of one BatchGetItem)
matches on every behaviour case, yet fails the gate as a cost regression; the unmodified
backend passes; a ledger entry can accept it.

Both runs go through the real report writer (``write_tier_reports``) and the real gate,
on the cases that call the mutated method (the rest are not run, so the gate is told the
run is partial on purpose).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from harness import gate
from harness.contract import CaseStatus, registered_cases, run_case
from harness.contract.runner import SeedCache
from harness.cost.baseline import Tolerance, cost_baseline_path, load_cost_baseline
from harness.provisioning import moto_in_process
from harness.report.files import write_tier_reports
from harness.report.serialise import result_json
from harness.target import Target, load_target
from suites.target.backends import MemoryFactory, dynamodb_in_process
from suites.unit.mutants import COST_MUTANTS, mutant_backend

pytestmark = pytest.mark.unit

MUTANT = COST_MUTANTS[0]
TODAY = date(2026, 6, 1)


@pytest.fixture(scope="module")
def target() -> Target:
    return load_target("suites.target:TARGET")


@pytest.fixture
def in_process() -> Iterator[None]:
    with moto_in_process():
        yield


def run_and_report(
    target: Target, candidate: Any, name: str, root: Path, update: bool
) -> dict[str, Any]:
    """Run the cases calling the mutated method on memory vs ``candidate`` (reported as
    the backend ``name``) and write the tier's reports (and baselines, with ``update``)."""
    cases = registered_cases(target.case_modules)
    chosen = [c for c in cases if MUTANT.method in c.covers]
    cache: SeedCache = {}
    results = [
        run_case(c, target, ("memory", MemoryFactory()), (name, candidate), cache) for c in chosen
    ]
    assert results and all(r.status is CaseStatus.MATCH for r in results), [
        (r.case.id, r.status) for r in results
    ]
    written = write_tier_reports(
        tier="unit",
        reports_dir=root / "reports",
        baselines_dir=root / "baselines",
        run={"tier": "unit", "target": "shop", "baseline": "memory", "candidate": name},
        results=[result_json(r, "unit") for r in results],
        known_cases=[
            {"id": c.id, "description": c.description, "covers": c.covers, "source": c.source}
            for c in cases
        ],
        methods=sorted({m for c in cases for m in c.covers}),
        update_baseline=update,
        complete=True,
        incomplete_reasons=[],
        today=TODAY,
    )
    return written.report


def verdict(root: Path, **extra: Any) -> gate.Verdict:
    return gate.evaluate(
        gate.Options(
            report=root / "reports" / "unit" / "compatibility.json",
            baseline=root / "baselines" / "unit.json",
            ledger=root / "baselines" / "divergence-ledger.toml",
            summary=root / "summary.md",
            today=TODAY,
            allow_partial=True,
            **extra,
        )
    )


@pytest.fixture
def reviewed(target: Target, tmp_path: Path, in_process: None) -> Path:
    """A cost baseline committed from the unmodified backend."""
    with dynamodb_in_process() as clean:
        run_and_report(target, clean, "dynamodb", tmp_path, update=True)
        run_and_report(target, clean, "dynamodb", tmp_path, update=False)
    return tmp_path


def test_the_unmodified_backend_passes_the_cost_gate(reviewed: Path) -> None:
    committed = load_cost_baseline(cost_baseline_path(reviewed / "baselines", "unit"))
    assert committed is not None and committed["cases"]
    result = verdict(reviewed)
    assert result.status == gate.PASS, gate.render_text(result)
    assert "cost regression" not in gate.render_text(result)


def test_one_get_item_per_product_matches_every_case_but_fails_as_a_cost_regression(
    target: Target, reviewed: Path
) -> None:
    with mutant_backend(MUTANT) as mutant:
        report = run_and_report(target, mutant, "dynamodb", reviewed, update=False)
    assert report["summary"]["mismatch"] == 0 and report["summary"]["error"] == 0
    result = verdict(reviewed)
    text = gate.render_text(result)
    assert result.status == gate.INCOMPATIBLE, text
    found = [f for f in result.problems if f.message.startswith("cost regression")]
    assert len(result.problems) == 1 and found, text
    assert all(s.startswith(f"{MUTANT.method}: requests per call") for s in found[0].subjects)
    assert any("-> " in s and "on dynamodb (candidate)" in s for s in found[0].subjects)


def test_a_ledger_entry_accepts_the_cost_regression(target: Target, reviewed: Path) -> None:
    (reviewed / "baselines" / "divergence-ledger.toml").write_text(
        f"""[[accept]]
method = "{MUTANT.method}"
path = "cost:requests"
reason = "one request per product until the batch reader lands"
owner = "data@example.com"
expires = 2027-01-31
"""
    )
    with mutant_backend(MUTANT) as mutant:
        run_and_report(target, mutant, "dynamodb", reviewed, update=False)
    result = verdict(reviewed)
    text = gate.render_text(result)
    assert result.status == gate.PASS, text
    assert "accepted cost regression" in text and "stale ledger entry" not in text


def test_a_generous_requests_tolerance_lets_it_through(target: Target, reviewed: Path) -> None:
    with mutant_backend(MUTANT) as mutant:
        run_and_report(target, mutant, "dynamodb", reviewed, update=False)
    assert verdict(reviewed).status == gate.INCOMPATIBLE
    relaxed = verdict(reviewed, cost_tolerance=Tolerance(requests=100))
    assert relaxed.status == gate.PASS, gate.render_text(relaxed)


def test_a_candidate_under_another_name_is_still_cost_gated(target: Target, reviewed: Path) -> None:
    with mutant_backend(MUTANT) as mutant:
        run_and_report(target, mutant, "dynamodb-with-a-new-name", reviewed, update=False)
    result = verdict(reviewed)
    text = gate.render_text(result)
    assert result.status == gate.INCOMPATIBLE, text
    assert "cost regression" in text
    assert "was recorded on other backends" in text
