"""The cost profile of a run: per interface method and side, what a call costs.

Built from the ``calls`` every case records on each side (:mod:`harness.cost.calls`):
requests, DynamoDB read/write capacity units (computed by Parity; the server's own figures
beside them), MySQL rows examined and sent, full scans, and latency p50/p95/max. The same
function builds the report's ``cost`` section and lets the gate re-derive it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["SIDES", "case_costs", "cost_section", "percentile", "reported_capacity"]

SIDES = ("baseline", "candidate")


def percentile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` percentile by the nearest-rank method (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def _calls(
    cases: Iterable[Mapping[str, Any]], side: str
) -> Iterable[tuple[str, Mapping[str, Any]]]:
    for case in cases:
        record = case.get(side)
        if case.get("status") == "not_run" or not isinstance(record, Mapping):
            continue
        for call in record.get("calls") or []:
            if isinstance(call, Mapping):
                yield str(case["id"]), call


def _mean(values: Sequence[float]) -> float:
    return round(sum(values) / len(values), 3) if values else 0.0


def _optional_mean(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return _mean(known) if known else None


def _side_stats(calls: Sequence[Mapping[str, Any]], backend: str) -> dict[str, Any]:
    seconds = [float(c["seconds"]) for c in calls]
    requests = [int(c["requests"]) for c in calls]
    return {
        "backend": backend,
        "calls": len(calls),
        "requests_per_call": _mean(requests),
        "requests_max": max(requests, default=0),
        "read_units_per_call": _mean([float(c.get("read_units") or 0) for c in calls]),
        "write_units_per_call": _mean([float(c.get("write_units") or 0) for c in calls]),
        "reported_read_units_per_call": _optional_mean(
            [c.get("reported_read_units") for c in calls]
        ),
        "reported_write_units_per_call": _optional_mean(
            [c.get("reported_write_units") for c in calls]
        ),
        "rows_examined_per_call": _optional_mean([c.get("rows_examined") for c in calls]),
        "rows_sent_per_call": _optional_mean([c.get("rows_sent") for c in calls]),
        "full_scans": sum(int(c.get("full_scans") or 0) for c in calls),
        "p50_ms": round(percentile(seconds, 0.5) * 1000, 3),
        "p95_ms": round(percentile(seconds, 0.95) * 1000, 3),
        "max_ms": round(max(seconds, default=0.0) * 1000, 3),
    }


def cost_section(
    cases: Sequence[Mapping[str, Any]], methods: Sequence[str], run: Mapping[str, Any]
) -> dict[str, Any]:
    """The report's ``cost`` section: a row per method with both sides' figures."""
    by_side: dict[str, dict[str, list[Mapping[str, Any]]]] = {}
    for side in SIDES:
        grouped: dict[str, list[Mapping[str, Any]]] = {}
        for _, call in _calls(cases, side):
            grouped.setdefault(str(call["method"]), []).append(call)
        for call in program_calls(run, side):
            grouped.setdefault(str(call["method"]), []).append(call)
        by_side[side] = grouped
    rows = []
    for method in methods:
        rows.append(
            {
                "method": method,
                **{
                    side: _side_stats(by_side[side].get(method, []), str(run.get(side) or side))
                    for side in SIDES
                },
            }
        )
    return {
        "methods": rows,
        "reported_capacity": {side: reported_capacity(cases, side) for side in SIDES},
    }


PROGRAM_FIELDS = ("seconds", "requests", "read_units", "write_units", "rows_examined", "full_scans")
"""The figures a generated program's call keeps, in this order (compact rows)."""


def program_costs(calls: Iterable[Any]) -> dict[str, list[list[Any]]]:
    """Generated programs' calls (``CallCost``s) as compact rows by method, for the run's
    exploration summary: ``{method: [[seconds, requests, read, write, rows, scans], ...]}``."""
    out: dict[str, list[list[Any]]] = {}
    for call in calls:
        figures = call.to_json()
        out.setdefault(call.method, []).append([figures[k] for k in PROGRAM_FIELDS])
    return out


def program_calls(run: Mapping[str, Any], side: str) -> Iterable[dict[str, Any]]:
    """The generated programs' calls on ``side``, from the run's exploration summary."""
    exploration = run.get("exploration")
    if not isinstance(exploration, Mapping):
        return
    for batch in exploration.get("batches") or []:
        costs = batch.get("costs") if isinstance(batch, Mapping) else None
        by_method = costs.get(side) if isinstance(costs, Mapping) else None
        for method, rows in (by_method or {}).items():
            for row in rows:
                yield {"method": method, **dict(zip(PROGRAM_FIELDS, row, strict=True))}


def reported_capacity(cases: Iterable[Mapping[str, Any]], side: str) -> str:
    """How the server's own ConsumedCapacity figures relate to Parity's:

    ``"none"`` (no figures: MySQL, or a server that gives none), ``"constant"`` (the same
    figure per request whatever was read or written: not a real measure, Parity's figures
    are the ones to use), ``"agrees"`` or ``"disagrees"`` (per call, within 0.01 units).
    """
    pairs: list[tuple[float, float, float]] = []
    for _, call in _calls(cases, side):
        requests = int(call.get("requests") or 0)
        reported = [call.get("reported_read_units"), call.get("reported_write_units")]
        if requests == 0 or all(r is None for r in reported):
            continue
        computed = float(call.get("read_units") or 0) + float(call.get("write_units") or 0)
        told = sum(float(r) for r in reported if r is not None)
        pairs.append((computed, told, told / requests))
    if not pairs:
        return "none"
    if all(abs(computed - told) <= 0.01 for computed, told, _ in pairs):
        return "agrees"
    per_request = {round(each, 3) for _, _, each in pairs}
    computed_values = {round(computed, 3) for computed, _, _ in pairs}
    if len(per_request) == 1 and len(computed_values) > 1:
        return "constant"
    return "disagrees"


def case_costs(cases: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """Per case, side and method: the mean cost of one call (what the cost baseline holds
    and the cost gate compares, case by case, so a new case changes nothing)."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for case in cases:
        if case.get("status") == "not_run":
            continue
        sides: dict[str, dict[str, Any]] = {}
        for side in SIDES:
            grouped: dict[str, list[Mapping[str, Any]]] = {}
            for _, call in _calls([case], side):
                grouped.setdefault(str(call["method"]), []).append(call)
            sides[side] = {
                method: {
                    "calls": len(calls),
                    "requests": _mean([int(c["requests"]) for c in calls]),
                    "read_units": _mean([float(c.get("read_units") or 0) for c in calls]),
                    "write_units": _mean([float(c.get("write_units") or 0) for c in calls]),
                    "rows_examined": _optional_mean([c.get("rows_examined") for c in calls]),
                }
                for method, calls in sorted(grouped.items())
            }
        out[str(case["id"])] = sides
    return out
