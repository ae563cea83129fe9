"""The cost profile and an on-demand estimate as text (``parity cost``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from harness.cost.pricing import Estimate, Prices, estimate

__all__ = ["per_call_units", "render_cost_table", "render_estimate", "traffic_estimate"]

_COLUMNS = (
    ("calls", "calls"),
    ("requests_per_call", "req/call"),
    ("requests_max", "max req"),
    ("read_units_per_call", "RCU/call"),
    ("write_units_per_call", "WCU/call"),
    ("rows_examined_per_call", "rows exam/call"),
    ("full_scans", "scans"),
    ("p50_ms", "p50 ms"),
    ("p95_ms", "p95 ms"),
    ("max_ms", "max ms"),
)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _aligned(rows: Sequence[Sequence[str]], left: int) -> list[str]:
    """Rows as columns: the first ``left`` left-aligned, the rest (figures) right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.ljust(width) if i < left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]


def render_cost_table(report: Mapping[str, Any]) -> str:
    """The report's per-method cost table, both sides, as aligned text."""
    cost = report.get("cost") or {}
    rows: list[list[str]] = [["method", "backend", *(title for _, title in _COLUMNS)]]
    for row in cost.get("methods") or []:
        for side in ("baseline", "candidate"):
            figures = row[side]
            name = row["method"] if side == "baseline" else ""
            rows.append(
                [name, str(figures["backend"]), *(_cell(figures.get(k)) for k, _ in _COLUMNS)]
            )
    lines = _aligned(rows, left=2)
    reported = cost.get("reported_capacity") or {}
    run = report.get("run") or {}
    lines.append(
        "server-reported capacity: "
        + ", ".join(f"{run.get(side, side)} {reported.get(side, 'none')}" for side in reported)
    )
    return "\n".join(lines) + "\n"


def per_call_units(report: Mapping[str, Any], side: str) -> dict[str, tuple[float, float]]:
    """Method -> (read units, write units) per call on ``side``, from the cost table."""
    return {
        str(row["method"]): (
            float(row[side]["read_units_per_call"]),
            float(row[side]["write_units_per_call"]),
        )
        for row in (report.get("cost") or {}).get("methods") or []
        if row[side]["calls"]
    }


def traffic_estimate(
    report: Mapping[str, Any], traffic: Mapping[str, Decimal], side: str, prices: Prices
) -> Estimate:
    """The monthly on-demand cost of ``traffic`` at the per-call units ``side`` measured."""
    return estimate(traffic, per_call_units(report, side), prices)


def render_estimate(result: Estimate, backend: str) -> str:
    """The estimate as a table with its prices and their date."""
    prices = result.prices
    rows: Sequence[tuple[str, ...]] = [
        ("method", "calls/month", "RCU/call", "WCU/call", "read $", "write $", "total $"),
        *(
            (
                r.method,
                f"{r.calls_per_month:,}",
                f"{r.read_units_per_call:g}",
                f"{r.write_units_per_call:g}",
                f"{r.read_cost:.2f}",
                f"{r.write_cost:.2f}",
                f"{r.cost:.2f}",
            )
            for r in result.rows
        ),
        (
            "total",
            "",
            "",
            "",
            f"{result.read_cost:.2f}",
            f"{result.write_cost:.2f}",
            f"{result.total:.2f}",
        ),
    ]
    lines = _aligned(rows, left=1)
    lines.append(
        f"on-demand, {prices.region}: ${prices.read_per_million} per million read units, "
        f"${prices.write_per_million} per million write units (as of "
        f"{prices.as_of.isoformat()}; units as {backend} measured them). "
        f"Source: {prices.source}"
    )
    return "\n".join(lines) + "\n"
