"""``--parity-shard K/N``: which parity items (contract cases, program batches) a shard runs.

Pure functions, no pytest. The same inputs give the same shares on every machine and in
every xdist worker:

- **by recorded duration** when every tier's previous report (``<reports>/<tier>/
  compatibility.json``) can be read: each item's estimate is its recorded seconds (a case:
  ``baseline.seconds + candidate.seconds + baseline_again_seconds``, a missing second
  baseline run counting 0; a program batch: its ``seconds`` in ``run.exploration``), and
  an item the report has no time for gets the median of its kind. Items are taken in
  ``(-seconds, id, tier)`` order and each goes to the least-loaded shard (ties: the lowest
  shard), greedy longest-processing-time;
- **by id hash** otherwise (no previous report, or one that cannot be read): the first 8
  bytes of the SHA-256 of the case or batch id, modulo N.

A sharded run's report records the durations it shared by (``run.shard.durations``), and a
later shard that finds that report uses them as they are (or the id hash, when that shard
used it): running ``1/2`` and then ``2/2`` in one checkout shares by the same numbers even
though the first run replaced the report the second one reads.
"""

from __future__ import annotations

import hashlib
import json
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from harness.json_position import json_error_at

By = Literal["duration", "id-hash"]
Kind = Literal["case", "batch"]
KINDS: tuple[Kind, ...] = ("case", "batch")

_SHARD = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``total``."""

    index: int
    total: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"K/N"`` with 1 <= K <= N; ValueError saying what was expected and seen."""
        match = _SHARD.fullmatch(text)
        expected = "K/N, two whole numbers with 1 <= K <= N (e.g. 1/2)"
        if match is None:
            raise ValueError(f"expected {expected}, got {text!r}")
        index, total = int(match.group(1)), int(match.group(2))
        if total < 1:
            raise ValueError(f"expected {expected}, got {text!r} (N must be 1 or more)")
        if not 1 <= index <= total:
            raise ValueError(f"expected {expected}, got {text!r} (K must be 1..{total})")
        return cls(index, total)

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"


@dataclass(frozen=True, order=True)
class Unit:
    """One parity item's identity: its tier, kind and case or batch id."""

    tier: str
    kind: Kind
    id: str


Recorded = dict[Kind, dict[str, float]]
"""Kind -> id -> recorded seconds (what one tier's previous report says)."""


@dataclass(frozen=True)
class Source:
    """Where the durations come from: per tier the recorded seconds, or why there are none.

    ``recorded`` is None when sharding falls back to the id hash (``note`` says why).
    """

    by: By
    recorded: Mapping[str, Recorded] | None
    note: str = ""


class Unreadable(Exception):
    """A previous report that exists but cannot be used (the message says why)."""


def report_path(reports_dir: Path, tier: str) -> Path:
    """The previous report a tier's durations are read from."""
    return reports_dir / tier / "compatibility.json"


def recorded_from_report(data: object) -> tuple[By, Recorded | None]:
    """A report's durations: from the durations a sharded run shared by, else its results.

    Raises Unreadable when ``data`` is not a compatibility report.
    """
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise Unreadable("not a compatibility report (no 'cases' list)")
    run = data.get("run")
    run = run if isinstance(run, dict) else {}
    shard = run.get("shard")
    if isinstance(shard, dict):  # a shard's report: share as that shard did
        if shard.get("by") == "id-hash":
            return "id-hash", None
        durations = shard.get("durations")
        if shard.get("by") == "duration" and isinstance(durations, dict):
            return "duration", {k: _seconds_map(durations.get(k)) for k in KINDS}
        raise Unreadable("its run.shard has neither by 'id-hash' nor a durations table")
    cases: dict[str, float] = {}
    for case in data["cases"]:
        seconds = _case_seconds(case)
        if seconds is not None:
            cases[str(case["id"])] = seconds
    batches: dict[str, float] = {}
    exploration = run.get("exploration")
    listed = exploration.get("batches") if isinstance(exploration, dict) else None
    for batch in listed if isinstance(listed, list) else []:
        seconds = _number(batch.get("seconds")) if isinstance(batch, dict) else None
        if seconds is not None and isinstance(batch.get("batch"), str):
            batches[batch["batch"]] = round(seconds, 6)
    return "duration", {"case": cases, "batch": batches}


def load_source(paths: Mapping[str, Path]) -> Source:
    """Read each tier's previous report once; any tier without one means the id hash."""
    recorded: dict[str, Recorded] = {}
    for tier, path in sorted(paths.items()):
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return Source("id-hash", None, f"no previous report at {path}")
        except (OSError, UnicodeDecodeError) as error:
            return Source("id-hash", None, f"{path} could not be read: {error}")
        try:
            by, tier_recorded = recorded_from_report(json.loads(text))
        except json.JSONDecodeError as error:
            where = json_error_at(text, error)
            return Source("id-hash", None, f"{path} could not be read: {where}")
        except Unreadable as error:
            return Source("id-hash", None, f"{path} could not be read: {error}")
        if by == "id-hash" or tier_recorded is None:
            return Source("id-hash", None, f"as the shard run that wrote {path} did")
        recorded[tier] = tier_recorded
    return Source("duration", recorded)


def estimates(units: Iterable[Unit], recorded: Mapping[str, Recorded]) -> dict[Unit, float]:
    """Each unit's seconds: as recorded, else the median of its tier and kind (a batch
    with no batch recorded: the median of the cases; nothing recorded: 1 s)."""
    result: dict[Unit, float] = {}
    for unit in units:
        tier = recorded.get(unit.tier, {})
        known = tier.get(unit.kind, {})
        if unit.id in known:
            result[unit] = known[unit.id]
            continue
        pool = list(known.values()) or list(tier.get("case", {}).values())
        result[unit] = round(statistics.median(pool), 6) if pool else 1.0
    return result


def assign_by_duration(seconds: Mapping[Unit, float], total: int) -> dict[Unit, int]:
    """Greedy longest-processing-time: by (-seconds, id, tier), each to the least-loaded
    shard, ties to the lowest. Shards are 0-based here."""
    loads = [0.0] * total
    assigned: dict[Unit, int] = {}
    for unit in sorted(seconds, key=lambda u: (-seconds[u], u.id, u.tier, u.kind)):
        shard = min(range(total), key=lambda i: (loads[i], i))
        assigned[unit] = shard
        loads[shard] += seconds[unit]
    return assigned


def id_hash(identifier: str) -> int:
    """A stable hash of an id (SHA-256, first 8 bytes): the same on every machine."""
    return int.from_bytes(hashlib.sha256(identifier.encode("utf-8")).digest()[:8], "big")


def assign_by_hash(units: Iterable[Unit], total: int) -> dict[Unit, int]:
    """Each unit to shard ``id_hash(id) % total`` (0-based)."""
    return {unit: id_hash(unit.id) % total for unit in units}


@dataclass
class Plan:
    """How one run was sharded, and what this shard selected (per tier)."""

    shard: Shard
    by: By
    note: str = ""
    items: dict[str, int] = field(default_factory=dict)
    """Tier -> parity items this shard selected."""
    total_items: int = 0
    seconds: float | None = None
    """This shard's estimated seconds (by duration), and all shards' below."""
    total_seconds: float | None = None
    durations: dict[str, Recorded] | None = None
    """Tier -> the recorded durations the shares were made from (None by id hash)."""
    shown: bool = False
    """The header line was printed (after collection; under xdist, at the end)."""

    def header(self) -> str:
        """``parity: shard 1/2 by recorded duration: 41 of 80 items (est. 63.2 s of 126.0 s)``."""
        mine = sum(self.items.values())
        if self.by == "duration":
            how = "by recorded duration"
        else:
            how = "by id hash" + (f" ({self.note})" if self.note else "")
        text = f"parity: shard {self.shard} {how}: {mine} of {self.total_items} items"
        if self.seconds is not None and self.total_seconds is not None:
            text += f" (est. {self.seconds:.1f} s of {self.total_seconds:.1f} s)"
        return text

    def run_json(self, tier: str) -> dict[str, Any]:
        """The report's ``run.shard`` for a tier."""
        return {
            "index": self.shard.index,
            "total": self.shard.total,
            "by": self.by,
            "items": self.items.get(tier, 0),
            "durations": (self.durations or {}).get(tier) if self.by == "duration" else None,
        }

    def to_json(self) -> dict[str, Any]:
        """What an xdist worker sends the controller."""
        return {
            "shard": [self.shard.index, self.shard.total],
            "by": self.by,
            "note": self.note,
            "items": self.items,
            "total_items": self.total_items,
            "seconds": self.seconds,
            "total_seconds": self.total_seconds,
            "durations": self.durations,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Plan:
        index, total = data["shard"]
        return cls(
            Shard(int(index), int(total)),
            data["by"],
            str(data.get("note", "")),
            {str(k): int(v) for k, v in data.get("items", {}).items()},
            int(data.get("total_items", 0)),
            data.get("seconds"),
            data.get("total_seconds"),
            data.get("durations"),
        )


def plan(shard: Shard, units: Sequence[Unit], source: Source) -> tuple[Plan, set[Unit]]:
    """Share ``units`` (one per parity item; repeats share one fate) out; return the plan
    and the units this shard keeps."""
    unique = sorted(set(units))
    kept: set[Unit]
    if source.by == "duration" and source.recorded is not None:
        seconds = estimates(unique, source.recorded)
        assigned = assign_by_duration(seconds, shard.total)
        kept = {u for u in unique if assigned[u] == shard.index - 1}
        result = Plan(
            shard,
            "duration",
            source.note,
            seconds=sum(seconds[u] for u in kept),
            total_seconds=sum(seconds.values()),
            durations={t: {k: dict(v) for k, v in r.items()} for t, r in source.recorded.items()},
        )
    else:
        assigned = assign_by_hash(unique, shard.total)
        kept = {u for u in unique if assigned[u] == shard.index - 1}
        result = Plan(shard, "id-hash", source.note)
    result.total_items = len(units)
    for unit in units:
        result.items.setdefault(unit.tier, 0)
        if unit in kept:
            result.items[unit.tier] += 1
    return result, kept


def _case_seconds(case: object) -> float | None:
    if not isinstance(case, dict) or case.get("status") == "not_run" or "id" not in case:
        return None
    sides = [case.get("baseline"), case.get("candidate")]
    parts = [_number(s.get("seconds")) if isinstance(s, dict) else None for s in sides]
    if parts[0] is None or parts[1] is None:
        return None
    again = _number(case.get("baseline_again_seconds")) or 0.0
    return round(parts[0] + parts[1] + again, 6)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if value >= 0 else None


def _seconds_map(value: object) -> dict[str, float]:
    if not isinstance(value, dict):
        return {}
    return {str(k): round(n, 6) for k, v in value.items() if (n := _number(v)) is not None}
