"""Case results as JSON-able data (what workers send the controller and reports hold)."""

from __future__ import annotations

from typing import Any

from harness.contract.runner import CaseResult, SideRun

SCHEMA = "parity-compatibility/1"
BASELINE_SCHEMA = "parity-baseline/1"


def side_json(side: SideRun) -> dict[str, Any]:
    """One backend's run of a case."""
    return {
        "backend": side.backend,
        "observation": side.observation,
        "raw": side.raw,
        "labels": list(side.labels),
        "requests": dict(side.requests),
        "seconds": round(side.seconds, 6),
        "canonical_seconds": round(side.canonical_seconds, 6),
        "error": side.error,
        "infrastructure": side.infrastructure,
        "call_seconds": round(side.call_seconds, 6),
        "error_call": side.error_call,
        "calls": [call.to_json() for call in side.calls],
    }


def result_json(result: CaseResult, tier: str) -> dict[str, Any]:
    """A case's result before the ledger is applied (status: match/mismatch/noise/error)."""
    case = result.case
    return {
        "id": case.id,
        "description": case.description,
        "covers": list(case.covers),
        "seed": case.seed,
        "source": case.source,
        "tier": tier,
        "status": result.status.value,
        "error": result.error,
        "suspects": list(result.suspects),
        "cause": result.cause,
        "differences": [d.to_json() for d in result.comparison.mismatches],
        "noise": [d.to_json() for d in result.comparison.noise],
        "accepted": [],
        "compare_seconds": round(result.compare_seconds, 6),
        "baseline": side_json(result.baseline),
        "candidate": side_json(result.candidate),
        "baseline_again": (
            None if result.baseline_again is None else side_json(result.baseline_again)
        ),
        "baseline_again_seconds": (
            None if result.baseline_again is None else round(result.baseline_again.seconds, 6)
        ),
    }
