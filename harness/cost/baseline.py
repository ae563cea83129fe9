"""The committed cost baseline and the cost gate's comparison.

``reports/baselines/<tier>.cost.json`` holds, per case, side and method, what one call
cost when the baseline was last reviewed (mean requests, read and write capacity units,
MySQL rows examined). ``--parity-update-baseline`` rewrites it with the behaviour baseline.
The gate compares a run with it case by case, so adding a case changes nothing: a method
whose requests per call grew beyond ``requests`` tolerance (default: any increase), or
whose capacity (read/write units) grew by more than ``capacity`` (default 10 %), is a
**cost regression** unless a live ledger entry accepts it (``method`` = the method,
``path`` = ``cost:<metric>`` such as ``cost:requests``, or ``cost:*``). MySQL's rows
examined are kept for people to read, not gated (see ``METRICS``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.cost.profile import SIDES, case_costs
from harness.report.reading import Unreadable, read_json
from harness.report.schema import SchemaError, check_schema
from harness.report.write import write_atomically

__all__ = [
    "COST_SCHEMA",
    "CostBaselineError",
    "CostRegression",
    "Tolerance",
    "cost_baseline_document",
    "cost_baseline_path",
    "cost_regressions",
    "load_cost_baseline",
    "write_cost_baseline",
]

COST_SCHEMA = "parity-cost/1"
METRICS = ("requests", "read_units", "write_units")
"""What the gate compares. MySQL's rows examined are recorded but not gated: between two
identical integration runs one case's ``users.create`` examined 1 and then 3.5 rows per
call (InnoDB's reads for a unique check depend on what earlier cases left in the pages),
so gating them fails clean runs; requests and DynamoDB's computed units are exact."""


class CostBaselineError(ValueError):
    """The committed cost baseline is unreadable or malformed (names the file)."""


@dataclass(frozen=True)
class Tolerance:
    """How much a call may grow before it is a cost regression."""

    requests: float = 0.0
    """Absolute: extra requests per call allowed (0: any increase fails)."""
    capacity: float = 0.10
    """Relative: growth of capacity units per call allowed (0.10: +10 %)."""


@dataclass(frozen=True)
class CostRegression:
    """One case's method that costs more than the baseline says, on one side."""

    case: str
    side: str
    backend: str
    method: str
    metric: str
    before: float
    after: float

    @property
    def path(self) -> str:
        """What a ledger entry's ``path`` names to accept it."""
        return f"cost:{self.metric}"

    def describe(self) -> str:
        """``products.search requests per call 1 -> 3 on dynamodb (case ...)``."""
        return (
            f"{self.method}: {self.metric.replace('_', ' ')} per call {_figure(self.before)} "
            f"-> {_figure(self.after)} on {self.backend} ({self.side}), in {self.case}"
        )


def cost_baseline_path(baselines: Path, tier: str) -> Path:
    """Where a tier's cost baseline lives, beside its behaviour baseline."""
    return baselines / f"{tier}.cost.json"


def cost_baseline_document(
    tier: str, run: Mapping[str, Any], cases: list[Mapping[str, Any]]
) -> dict[str, Any]:
    """The cost baseline of a run's cases."""
    return {
        "schema": COST_SCHEMA,
        "tier": tier,
        "pair": [str(run.get("baseline", "")), str(run.get("candidate", ""))],
        "cases": case_costs(cases),
    }


def write_cost_baseline(path: Path, document: Mapping[str, Any]) -> None:
    """Write the cost baseline (stable, reviewable JSON)."""
    write_atomically(path, json.dumps(document, indent=1, sort_keys=True))


def load_cost_baseline(path: Path) -> dict[str, Any] | None:
    """The committed cost baseline, ``None`` when there is none."""
    if not path.exists():
        return None
    try:
        data = read_json(path)
    except Unreadable as error:
        raise CostBaselineError(
            f"{error}; restore it from git or rewrite it with --parity-update-baseline"
        ) from None
    try:
        check_schema(data, "cost", path)
    except SchemaError as error:
        raise CostBaselineError(
            f"{error}; restore it from git or rewrite it with --parity-update-baseline"
        ) from None
    loaded: dict[str, Any] = data
    return loaded


def cost_regressions(
    committed: Mapping[str, Any],
    cases: list[Mapping[str, Any]],
    run: Mapping[str, Any],
    tolerance: Tolerance,
    sides: tuple[str, ...] = SIDES,
) -> list[CostRegression]:
    """Every case, side (of ``sides``) and method of this run that costs more than
    ``committed`` says."""
    now = case_costs(cases)
    before: Mapping[str, Any] = committed.get("cases") or {}
    found = []
    for case_id, by_side in now.items():
        reviewed = before.get(case_id)
        if not isinstance(reviewed, Mapping):
            continue
        for side in sides:
            old_methods = reviewed.get(side) or {}
            for method, figures in by_side.get(side, {}).items():
                old = old_methods.get(method)
                if not isinstance(old, Mapping):
                    continue
                for metric in METRICS:
                    if _grew(metric, old.get(metric), figures.get(metric), tolerance):
                        found.append(
                            CostRegression(
                                case_id,
                                side,
                                str(run.get(side) or side),
                                method,
                                metric,
                                float(old[metric]),
                                float(figures[metric]),
                            )
                        )
    return found


def _grew(metric: str, before: object, after: object, tolerance: Tolerance) -> bool:
    if not isinstance(before, int | float) or not isinstance(after, int | float):
        return False
    if metric == "requests":
        return after > before + tolerance.requests + 1e-9
    if before == 0:
        return after > 1e-9
    return after > before * (1 + tolerance.capacity) + 1e-9


def _figure(value: float) -> str:
    return f"{value:g}"
