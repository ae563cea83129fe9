"""Assemble a tier's compatibility report from the case results of a run."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from harness.cost.profile import cost_section
from harness.report.baseline import BASELINE_DRIFT, BaselineCheck, blamed_on_drift
from harness.report.evidence import STATUSES, method_rows
from harness.report.ledger import Ledger, apply_ledger
from harness.report.serialise import SCHEMA

__all__ = ["STATUSES", "build_report"]


def build_report(
    *,
    tier: str,
    run: Mapping[str, Any],
    results: Sequence[dict[str, Any]],
    known_cases: Sequence[Mapping[str, Any]],
    methods: Sequence[str],
    ledger: Ledger,
    baseline_check: BaselineCheck,
    complete: bool,
    incomplete_reasons: Iterable[str],
    today: date,
    committed: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The compatibility report (schema ``parity-compatibility/1``, see docs/report-schema.md).

    ``known_cases`` are all the target's cases (id, description, covers, source): those
    without a result are listed as ``not_run``. ``results`` are changed in place by the
    ledger (accepted differences move out of ``differences``) and by the ``committed``
    baseline (when given): every case that ran gets a ``blame``, ``"baseline-drift"`` for a
    mismatch the baseline's drift explains (its suspects become ``baseline:<backend>``),
    else ``None``.
    """
    used, expired = apply_ledger(ledger, results, today)
    _blame(results, committed, tier, run)
    ran = {r["id"] for r in results}
    not_run = [
        {
            "id": c["id"],
            "description": c["description"],
            "covers": list(c["covers"]),
            "source": c["source"],
            "tier": tier,
            "status": "not_run",
        }
        for c in known_cases
        if c["id"] not in ran
    ]
    cases = sorted([*results, *not_run], key=lambda c: c["id"])
    counts = Counter(c["status"] for c in cases)
    stale = [e for e in ledger.entries if e.index not in used and not e.expired(today)]
    return {
        "schema": SCHEMA,
        "complete": complete,
        "incomplete_reasons": list(incomplete_reasons),
        "run": dict(run),
        "summary": {"cases": len(cases), **{s: counts.get(s, 0) for s in STATUSES}},
        "methods": method_rows(methods, cases),
        "cost": cost_section(cases, methods, run),
        "baseline_check": baseline_check.to_json(),
        "ledger": {
            "file": ledger.file,
            "entries": len(ledger.entries),
            "used": sorted(used),
            "expired": [e.to_json() for e in expired],
            "stale": [e.to_json() for e in stale] if complete else [],
        },
        "cases": cases,
        "end": SCHEMA,
    }


def _blame(
    results: Iterable[dict[str, Any]],
    committed: Mapping[str, Any] | None,
    tier: str,
    run: Mapping[str, Any],
) -> None:
    """Mark the mismatches the baseline's drift explains (a baseline file of another tier
    or backend explains nothing: the gate refuses it)."""
    entries: Mapping[str, Any] = {}
    if committed is not None and isinstance(committed.get("cases"), Mapping):
        same_run = committed.get("tier", tier) == tier and committed.get("backend") in (
            None,
            run.get("baseline"),
        )
        entries = committed["cases"] if same_run else {}
    for case in results:
        if blamed_on_drift(case, entries.get(case["id"])):
            case["blame"] = BASELINE_DRIFT
            case["suspects"] = [f"baseline:{case['baseline'].get('backend', '?')}"]
        else:
            case["blame"] = None
