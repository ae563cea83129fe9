"""The growth probe: how a read method's cost grows with the data it is read from.

A target that offers a probe (``HasGrowthProbe``) says how to grow a dataset of ``size``
entities through its interfaces (``grow``) and, per read method, how to make ONE call of
it (``growth_probes``). For each side and each size the probe opens a fresh repository
set, grows it, runs every probe a few times (``REPEATS``) and keeps the median of what one
call cost: requests, DynamoDB read/write units, MySQL rows examined, full scans and
latency. Each metric is then classified by its growth exponent between the smallest and
the largest size (``classify``): constant, sublinear, linear or worse than linear.

A scan shows as capacity (or rows examined) growing linearly while its request count may
stay at one; a lookup by key stays constant on every metric. Latency is classified too but
is only indicative (timings are noisy, in-process backends especially). See
docs/cost-growth.md.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from harness.contract.run import CRASHED, RAISED, Run
from harness.contract.runner import open_side
from harness.cost.calls import CallCost
from harness.target import interface_methods

if TYPE_CHECKING:
    from harness.target import BackendFactory, Target

__all__ = [
    "CONSTANT",
    "CONSTANT_RATIO",
    "DEFAULT_SIZES",
    "GROWS_FROM_ZERO",
    "LINEAR",
    "LINEAR_EXPONENTS",
    "NOT_MEASURED",
    "REPEATS",
    "SCHEMA",
    "SUBLINEAR",
    "WORSE",
    "GrowthProbe",
    "GrowthProbeError",
    "GrowthReport",
    "HasGrowthProbe",
    "MethodGrowth",
    "Metric",
    "Sample",
    "check_sizes",
    "classify",
    "growth_path",
    "growth_probe_of",
    "growth_probe_problems",
    "missing_probe_message",
    "run_growth_probe",
    "write_growth_report",
]

SCHEMA = "parity-growth/1"
DEFAULT_SIZES: tuple[int, ...] = (10, 100, 1000)
"""The sizes a target without an opinion of its own can use for ``growth_sizes``."""
REPEATS = 5
"""How many times each probe runs per side and size (the median call is kept)."""
CONSTANT_RATIO = 1.5
"""A metric growing by at most this factor over the size range is constant."""
LINEAR_EXPONENTS = (0.7, 1.3)
"""Growth exponents counted as linear (below: sublinear; above: worse than linear)."""

CONSTANT = "constant"
SUBLINEAR = "sublinear"
LINEAR = "linear"
WORSE = "worse than linear"
GROWS_FROM_ZERO = "grows from 0"
"""Nothing at the smallest size and something at the largest: no exponent to fit."""
NOT_MEASURED = "not measured"
"""The backend reported no cost for it (an in-process reference backend, say)."""

_RANK = {NOT_MEASURED: -1, CONSTANT: 0, SUBLINEAR: 1, GROWS_FROM_ZERO: 2, LINEAR: 2, WORSE: 3}

GrowthProbe = Callable[[Run, Mapping[str, Any]], None]
"""Makes ONE call of a read method (or one ``run.drain``) on a grown dataset, given the
handles ``grow`` returned."""


@runtime_checkable
class HasGrowthProbe(Protocol):
    """A target that can grow its data and probe its read methods (docs/cost-growth.md)."""

    growth_sizes: Sequence[int]
    """The dataset sizes to probe, smallest first (e.g. ``DEFAULT_SIZES``);
    ``--parity-growth-sizes`` overrides them."""
    growth_probes: Mapping[str, GrowthProbe]
    """``"repo.method"`` (a read method of the interfaces) -> a function making one call."""

    def grow(self, run: Run, size: int) -> Mapping[str, Any]:
        """Create ``size`` entities through the interfaces (``run.call``) on an empty
        repository set; return the handles the probes need (ids, say)."""
        ...


class GrowthProbeError(Exception):
    """The probe cannot run: no probe on the target, or growing or probing failed."""


def growth_probe_of(target: object) -> HasGrowthProbe | None:
    """The target's growth probe (None when it offers none)."""
    return target if isinstance(target, HasGrowthProbe) else None


def growth_probe_problems(target: object) -> list[str]:
    """Every way ``target`` falls short of ``HasGrowthProbe`` (empty when it offers one)."""
    problems: list[str] = []
    if not callable(getattr(target, "grow", None)):
        problems.append("missing method grow(run, size) returning the handles the probes use")
    probes = getattr(target, "growth_probes", None)
    if probes is None:
        problems.append("missing growth_probes (a mapping of 'repo.method' -> probe function)")
    elif not isinstance(probes, Mapping) or not probes:
        problems.append(f"growth_probes: expected a non-empty mapping, got {_short(probes)}")
    else:
        interfaces = getattr(target, "interfaces", {})
        known = set(interface_methods(interfaces)) if isinstance(interfaces, Mapping) else set()
        writes: object = getattr(target, "write_methods", frozenset())
        for method, probe in probes.items():
            if method not in known:
                problems.append(f"growth_probes[{method!r}]: not a method of the interfaces")
            elif isinstance(writes, frozenset) and method in writes:
                problems.append(f"growth_probes[{method!r}]: a write method (probe reads only)")
            if not callable(probe):
                problems.append(f"growth_probes[{method!r}]: expected a function, got {probe!r}")
    sizes = getattr(target, "growth_sizes", None)
    if sizes is None:
        problems.append("missing growth_sizes (e.g. (10, 100, 1000))")
    else:
        try:
            check_sizes(sizes)
        except ValueError as error:
            problems.append(f"growth_sizes: {error}")
    return problems


def check_sizes(sizes: object) -> tuple[int, ...]:
    """``sizes`` as a sorted tuple of distinct whole numbers >= 1, at least two of them;
    ValueError saying what was expected and seen."""
    expected = "at least two different whole numbers of 1 or more (e.g. 10,100,1000)"
    if isinstance(sizes, str | bytes) or not isinstance(sizes, Sequence):
        raise ValueError(f"expected {expected}, got {_short(sizes)}")
    if not all(isinstance(s, int) and not isinstance(s, bool) and s >= 1 for s in sizes):
        raise ValueError(f"expected {expected}, got {_short(sizes)}")
    unique = tuple(sorted(set(sizes)))
    if len(unique) < 2:
        raise ValueError(f"expected {expected}, got {_short(sizes)}")
    return unique


def classify(
    sizes: Sequence[int], values: Sequence[float], *, exact: bool = False
) -> tuple[str, float | None]:
    """How ``values`` (one per size, sizes ascending) grow: (verdict, exponent).

    The exponent is ``log(last / first) / log(largest / smallest size)``. Constant: the
    metric does not grow, or grows by at most ``CONSTANT_RATIO`` (with ``exact``, for
    counts such as requests, only equal or fewer is constant); then sublinear, linear
    (``LINEAR_EXPONENTS``) or worse than linear by the exponent. Zero at the smallest
    size and more at the largest is "grows from 0" (no exponent).
    """
    if len(sizes) != len(values) or len(sizes) < 2:
        raise ValueError(f"expected one value per size for 2+ sizes, got {sizes} / {values}")
    first, last = float(values[0]), float(values[-1])
    span = math.log(sizes[-1] / sizes[0])
    if last <= first:
        exponent = math.log(last / first) / span if first > 0 and last > 0 else 0.0
        return CONSTANT, round(exponent, 3)
    if first <= 0:
        return GROWS_FROM_ZERO, None
    exponent = round(math.log(last / first) / span, 3)
    if not exact and last / first <= CONSTANT_RATIO:
        return CONSTANT, exponent
    low, high = LINEAR_EXPONENTS
    if exponent < low:
        return SUBLINEAR, exponent
    if exponent <= high:
        return LINEAR, exponent
    return WORSE, exponent


@dataclass(frozen=True)
class Sample:
    """One probe at one size on one side: the median of its ``REPEATS`` runs."""

    size: int
    requests: float
    read_units: float
    write_units: float
    items_read: float
    """DynamoDB: items read before any filter (a Scan's ScannedCount)."""
    rows_examined: float | None
    full_scans: float
    seconds: float
    calls: int
    """Interface calls one run of the probe made (1 for a well-made probe)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "requests": _number(self.requests),
            "read_units": round(self.read_units, 3),
            "write_units": round(self.write_units, 3),
            "items_read": _number(self.items_read),
            "rows_examined": None if self.rows_examined is None else _number(self.rows_examined),
            "full_scans": _number(self.full_scans),
            "seconds": round(self.seconds, 6),
            "calls": self.calls,
        }


@dataclass(frozen=True)
class Metric:
    """One metric of one method on one side across the sizes, and how it grows."""

    name: str
    """``"requests"``, ``"capacity"``, ``"items_read"`` (DynamoDB) or ``"latency"``."""
    unit: str
    """``"requests"``; ``"read_units"`` (DynamoDB) or ``"rows_examined"`` (MySQL) or
    ``"none"``; ``"ms"``."""
    values: tuple[float, ...]
    growth: str
    exponent: float | None
    indicative: bool = False
    """Latency: noisy, to read as a hint, never as a finding."""

    def to_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "values": [_number(v) for v in self.values],
            "growth": self.growth,
            "exponent": self.exponent,
            "indicative": self.indicative,
        }


@dataclass(frozen=True)
class MethodGrowth:
    """One read method on one side: its samples per size and each metric's growth."""

    method: str
    side: str
    samples: tuple[Sample, ...]
    metrics: tuple[Metric, ...]

    @property
    def growth(self) -> str:
        """The worst growth of requests, capacity and items read (latency is only
        indicative)."""
        measured = [m.growth for m in self.metrics if not m.indicative]
        return max(measured, key=lambda g: _RANK[g]) if measured else NOT_MEASURED

    def metric(self, name: str) -> Metric:
        """The metric called ``name``."""
        return next(m for m in self.metrics if m.name == name)

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "side": self.side,
            "growth": self.growth,
            "metrics": {m.name: m.to_json() for m in self.metrics},
            "samples": [s.to_json() for s in self.samples],
        }


@dataclass(frozen=True)
class GrowthReport:
    """What the probe measured on every side, for every read method and size."""

    target: str
    sides: tuple[str, ...]
    sizes: tuple[int, ...]
    repeats: int
    methods: tuple[MethodGrowth, ...]
    seconds: float
    tier: str | None = None

    def row(self, method: str, side: str) -> MethodGrowth:
        """The row of ``method`` on ``side``."""
        return next(m for m in self.methods if m.method == method and m.side == side)

    def to_json(self) -> dict[str, Any]:
        """The report as data (``reports/<tier>/growth.json``)."""
        return {
            "schema": SCHEMA,
            "tier": self.tier,
            "target": self.target,
            "sides": list(self.sides),
            "sizes": list(self.sizes),
            "repeats": self.repeats,
            "seconds": round(self.seconds, 3),
            "rule": {
                "exponent": "log(value at largest size / value at smallest) / "
                "log(largest size / smallest)",
                "constant_ratio": CONSTANT_RATIO,
                "requests_constant": "equal counts (or fewer)",
                "linear_exponents": list(LINEAR_EXPONENTS),
                "capacity": "read_units on DynamoDB, rows_examined on MySQL",
                "items_read": "DynamoDB: items read before any filter (ScannedCount)",
                "latency": "median seconds per call; indicative only",
            },
            "methods": [m.to_json() for m in self.methods],
        }

    def render_text(self) -> str:
        """A table: method | side | metric per size | growth."""
        header = ["method", "side", "metric", *(f"n={s}" for s in self.sizes), "growth"]
        rows: list[list[str]] = []
        for row in self.methods:
            for index, metric in enumerate(row.metrics):
                label = metric.name if metric.unit in ("requests", "none") else metric.unit
                label = label.replace("_", " ")
                if metric.name == "latency":
                    label = "latency ms"
                verdict = metric.growth
                if metric.exponent is not None and metric.growth not in (CONSTANT, NOT_MEASURED):
                    verdict += f" (k={metric.exponent:.2f})"
                if metric.indicative:
                    verdict += ", indicative"
                rows.append(
                    [
                        row.method if index == 0 else "",
                        row.side if index == 0 else "",
                        label,
                        *(_shown(v, metric) for v in metric.values),
                        verdict,
                    ]
                )
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        numeric = range(3, 3 + len(self.sizes))

        def line(cells: Sequence[str]) -> str:
            out = [
                cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
                for i, cell in enumerate(cells)
            ]
            return "  ".join(out).rstrip()

        title = (
            f"{self.target}: median of {self.repeats} calls per size on "
            f"{', '.join(self.sides)} (growth: requests, capacity, items read; latency indicative)"
        )
        return "\n".join([title, line(header), line(["-" * w for w in widths]), *map(line, rows)])


def run_growth_probe(
    target: Target,
    sides: Sequence[tuple[str, BackendFactory]],
    sizes: Sequence[int] | None = None,
    *,
    repeats: int = REPEATS,
    tier: str | None = None,
) -> GrowthReport:
    """Grow a fresh repository set of each side to each size and probe every read method.

    ``sizes`` default to the target's ``growth_sizes``. Raises ``GrowthProbeError`` when
    the target has no probe, when growing raised, or when a probe's call raised or made no
    call (a probe must succeed on every side: it measures, it does not compare).
    """
    problems = growth_probe_problems(target)
    probe = growth_probe_of(target)
    if problems or probe is None:
        raise GrowthProbeError(missing_probe_message(target, problems))
    chosen = check_sizes(tuple(sizes) if sizes is not None else tuple(probe.growth_sizes))
    started = time.perf_counter()
    labels = _labels([name for name, _ in sides])
    per_side: dict[str, dict[str, list[Sample]]] = {}
    for label, (backend, factory) in zip(labels, sides, strict=True):
        per_method = per_side[label] = {m: [] for m in probe.growth_probes}
        for size in chosen:
            measured = _probe_size(target, probe, backend, factory, size, max(1, repeats))
            for method, sample in measured.items():
                per_method[method].append(sample)
    rows = [  # each method on every side, side by side
        MethodGrowth(method, label, tuple(samples), _metrics(chosen, samples))
        for method in probe.growth_probes
        for label in labels
        for samples in [per_side[label][method]]
    ]
    return GrowthReport(
        target=str(getattr(target, "name", "target")),
        sides=tuple(labels),
        sizes=chosen,
        repeats=max(1, repeats),
        methods=tuple(rows),
        seconds=time.perf_counter() - started,
        tier=tier,
    )


def missing_probe_message(target: object, problems: Sequence[str]) -> str:
    """Why the probe cannot run on ``target``: expected, seen, and what to do."""
    name = getattr(target, "name", type(target).__name__)
    seen = "; ".join(problems) or "no growth probe"
    return (
        f"--parity-growth: expected the target {name!r} to offer a growth probe "
        "(HasGrowthProbe: growth_sizes, grow(run, size), growth_probes), seen: "
        f"{seen}; hint: add them to the target (docs/cost-growth.md), or run without "
        "--parity-growth"
    )


def _probe_size(
    target: Target,
    probe: HasGrowthProbe,
    backend: str,
    factory: BackendFactory,
    size: int,
    repeats: int,
) -> dict[str, Sample]:
    """One fresh repository set of ``backend`` grown to ``size``; every probe measured."""
    with open_side(target, backend, factory, None) as side:
        run = side.run
        try:
            handles = probe.grow(run, size)
        except Exception as error:
            raise GrowthProbeError(
                f"growing {backend} to {size}: grow raised {type(error).__name__}: {error}"
                f"{_failed_call(run.steps, 0)}"
            ) from error
        failed = _failed_call(run.steps, 0)
        if failed:
            raise GrowthProbeError(f"growing {backend} to {size}:{failed}")
        samples: dict[str, Sample] = {}
        for method, function in probe.growth_probes.items():
            costs: list[list[CallCost]] = []
            for _ in range(repeats):
                steps, calls = len(run.steps), len(run.meter.calls) if run.meter else 0
                where = f"probe {method} on {backend} at size {size}"
                try:
                    function(run, handles)
                except Exception as error:
                    raise GrowthProbeError(
                        f"{where} raised {type(error).__name__}: {error}"
                    ) from error
                failed = _failed_call(run.steps, steps)
                if failed:
                    raise GrowthProbeError(f"{where}:{failed}")
                made = list(run.meter.calls[calls:]) if run.meter else []
                if method not in {c.method for c in made}:
                    seen = ", ".join(c.method for c in made) or "none"
                    raise GrowthProbeError(
                        f"{where}: expected one call of {method} through the run "
                        f"(run.call or run.drain), seen {seen}"
                    )
                costs.append(made)
            samples[method] = _sample(size, costs)
        return samples


def _failed_call(steps: Sequence[Any], start: int) -> str:
    for step in steps[start:]:
        if step.outcome in (RAISED, CRASHED):
            error = step.value
            return (
                f" the call {step.call} {'raised' if step.outcome == RAISED else 'crashed with'}"
                f" {type(error).__name__}: {error}"
            )
    return ""


def _sample(size: int, runs: Sequence[Sequence[CallCost]]) -> Sample:
    """The median of each figure over the runs (each run's calls added up)."""

    def median(values: Sequence[float]) -> float:
        return float(statistics.median(values))

    examined = [[c.rows_examined for c in run if c.rows_examined is not None] for run in runs]
    return Sample(
        size=size,
        requests=median([sum(c.requests for c in run) for run in runs]),
        read_units=median([sum(c.read_units for c in run) for run in runs]),
        write_units=median([sum(c.write_units for c in run) for run in runs]),
        items_read=median([sum(c.items_read for c in run) for run in runs]),
        rows_examined=median([sum(run) for run in examined]) if any(examined) else None,
        full_scans=median([sum(c.full_scans for c in run) for run in runs]),
        seconds=median([sum(c.seconds for c in run) for run in runs]),
        calls=max(len(run) for run in runs),
    )


def _metrics(sizes: Sequence[int], samples: Sequence[Sample]) -> tuple[Metric, ...]:
    requests = tuple(s.requests for s in samples)
    growth, exponent = classify(sizes, requests, exact=True)
    metrics = [Metric("requests", "requests", requests, growth, exponent)]
    if any(s.rows_examined is not None for s in samples):
        rows = tuple(s.rows_examined or 0.0 for s in samples)
        metrics.append(Metric("capacity", "rows_examined", rows, *classify(sizes, rows)))
    elif any(s.read_units > 0 for s in samples):
        units = tuple(s.read_units for s in samples)
        metrics.append(Metric("capacity", "read_units", units, *classify(sizes, units)))
        # Parity's read units for a filtered Query/Scan count only the items returned (a
        # lower bound): the items read before the filter show what the request touched.
        items = tuple(s.items_read for s in samples)
        metrics.append(Metric("items_read", "items_read", items, *classify(sizes, items)))
    else:
        zeros = tuple(0.0 for _ in samples)
        metrics.append(Metric("capacity", "none", zeros, NOT_MEASURED, None))
    latency = tuple(s.seconds * 1000 for s in samples)
    metrics.append(Metric("latency", "ms", latency, *classify(sizes, latency), indicative=True))
    return tuple(metrics)


def _labels(names: Sequence[str]) -> list[str]:
    """Side labels: the backend names, numbered when one appears twice."""
    labels: list[str] = []
    for name in names:
        label, count = name, 2
        while label in labels:
            label, count = f"{name}#{count}", count + 1
        labels.append(label)
    return labels


def growth_path(reports_dir: Path, tier: str) -> Path:
    """Where a tier's growth report goes: ``<reports>/<tier>/growth.json``."""
    return reports_dir / tier / "growth.json"


def write_growth_report(report: GrowthReport, reports_dir: Path, tier: str) -> Path:
    """Write ``report`` to ``<reports>/<tier>/growth.json`` atomically; return the path."""
    import json

    from harness.report.write import write_atomically

    path = growth_path(reports_dir, tier)
    write_atomically(path, json.dumps(report.to_json(), indent=2, sort_keys=False) + "\n")
    return path


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 3)


def _shown(value: float, metric: Metric) -> str:
    if metric.growth == NOT_MEASURED:
        return "-"
    if metric.name == "latency":
        return f"{value:.3f}"
    return str(_number(value))


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
