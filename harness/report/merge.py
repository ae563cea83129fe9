"""Combine the reports of a sharded run (``--parity-shard K/N``) into one report.

Each shard's report lists every case of the tier, the other shards' as ``not_run``. The
merged report holds each case as the one shard that ran it recorded it, and is then gated
like any report (every case's verdict is re-derived from its evidence there). Merging
fails closed (:class:`MergeError`, the gate's exit 2) when the shards do not add up:

- reports of different tiers, targets or backend pairs, or of different shard counts;
- a shard missing, or the same shard given twice;
- a case that no shard ran (a lost shard's cases), or that two shards ran.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.cost.profile import cost_section
from harness.report.evidence import STATUSES, method_rows

__all__ = ["MergeError", "Shard", "merge_reports"]

Shard = tuple[Path, Mapping[str, Any]]
"""A shard's report file and its (validated) content."""

_SAME = ("tier", "target", "baseline", "candidate")


class MergeError(Exception):
    """The shard reports do not add up to one run (the message says how)."""

    def __init__(self, message: str, subjects: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.subjects = tuple(subjects)


def merge_reports(shards: Sequence[Shard]) -> dict[str, Any]:
    """One report from the reports of all ``N`` shards of a run."""
    if not shards:
        raise MergeError("no shard reports given")
    _check_same_run(shards)
    total = _check_shards(shards)
    cases = _check_exactly_once(shards)
    first = shards[0][1]
    methods: list[str] = []
    for _, report in shards:
        methods += [str(m["method"]) for m in report["methods"] if m["method"] not in methods]
    reasons = [
        f"shard {_shard(report)['index']}/{total}: {reason}"
        for _, report in shards
        for reason in report["incomplete_reasons"]
    ]
    summary = {"cases": len(cases)} | {s: sum(c["status"] == s for c in cases) for s in STATUSES}
    return {
        "schema": first["schema"],
        "complete": all(report["complete"] for _, report in shards),
        "incomplete_reasons": reasons,
        "run": _merged_run(shards),
        "summary": summary,
        "methods": method_rows(methods, cases),
        "cost": cost_section(cases, methods, first["run"]),
        "baseline_check": _merged_baseline_check(shards),
        "ledger": _merged_ledger(shards),
        "merged_from": [
            {
                "report": str(path),
                "index": _shard(report)["index"],
                "total": total,
                "cases": sum(c["status"] != "not_run" for c in report["cases"]),
            }
            for path, report in sorted(shards, key=lambda s: int(_shard(s[1])["index"]))
        ],
        "cases": cases,
        "end": first["end"],
    }


def _shard(report: Mapping[str, Any]) -> Mapping[str, Any]:
    shard = report["run"].get("shard")
    return shard if isinstance(shard, Mapping) else {}


def _check_same_run(shards: Sequence[Shard]) -> None:
    first_path, first = shards[0]
    for path, report in shards[1:]:
        different = [
            f"{key}: {first_path} says {first['run'].get(key)!r}, "
            f"{path} says {report['run'].get(key)!r}"
            for key in _SAME
            if report["run"].get(key) != first["run"].get(key)
        ]
        if different:
            raise MergeError("the shard reports are not of the same run", different)


def _check_shards(shards: Sequence[Shard]) -> int:
    unsharded = [str(path) for path, report in shards if not _shard(report)]
    if unsharded and len(shards) > 1:
        raise MergeError(
            "a report that is not a shard's cannot be merged (it was run without --parity-shard)",
            unsharded,
        )
    if unsharded:
        raise MergeError(
            "one report that is not a shard's: gate it on its own (--report once)", unsharded
        )
    totals = {int(_shard(report)["total"]) for _, report in shards}
    if len(totals) != 1:
        raise MergeError(
            "the shard reports split the run differently",
            [f"{path}: shard {_label(report)}" for path, report in shards],
        )
    total = totals.pop()
    seen: dict[int, list[str]] = {}
    for path, report in shards:
        seen.setdefault(int(_shard(report)["index"]), []).append(str(path))
    twice = [
        f"shard {i}/{total}: {', '.join(paths)}" for i, paths in seen.items() if len(paths) > 1
    ]
    if twice:
        raise MergeError("the same shard was given more than once", sorted(twice))
    missing = [f"shard {i}/{total}" for i in range(1, total + 1) if i not in seen]
    if missing:
        raise MergeError(
            f"{len(missing)} of {total} shard reports missing (a shard that crashed or was "
            "not downloaded)",
            missing,
        )
    return total


def _label(report: Mapping[str, Any]) -> str:
    shard = _shard(report)
    return f"{shard.get('index')}/{shard.get('total')}"


def _check_exactly_once(shards: Sequence[Shard]) -> list[dict[str, Any]]:
    ran: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    listed: set[str] = set()
    for _, report in shards:
        for case in report["cases"]:
            listed.add(case["id"])
            if case["status"] != "not_run":
                ran.setdefault(case["id"], []).append((_label(report), case))
    twice = sorted(
        f"{case_id}: run by shards {', '.join(label for label, _ in runs)}"
        for case_id, runs in ran.items()
        if len(runs) > 1
    )
    if twice:
        raise MergeError(
            f"{len(twice)} case(s) run by more than one shard (the shards' selections "
            "overlap: were they run from different commits or previous reports?)",
            twice,
        )
    lost = sorted(listed - set(ran))
    if lost:
        raise MergeError(
            f"{len(lost)} case(s) run by no shard (a shard lost them, or they were "
            "deselected in every shard)",
            lost,
        )
    return sorted((runs[0][1] for runs in ran.values()), key=lambda c: str(c["id"]))


def _merged_run(shards: Sequence[Shard]) -> dict[str, Any]:
    runs = [report["run"] for _, report in shards]
    merged = dict(runs[0])
    merged["shard"] = None
    for key, pick in (("started_at", min), ("finished_at", max)):
        values = [str(r[key]) for r in runs if isinstance(r.get(key), str)]
        if values:
            merged[key] = pick(values)
    merged["seconds"] = max(float(r.get("seconds", 0) or 0) for r in runs)
    merged["workers"] = sum(int(r.get("workers", 0) or 0) for r in runs)
    merged["provisioning"] = _union(r.get("provisioning") for r in runs)
    merged["backend_setup_failures"] = [
        failure for r in runs for failure in r.get("backend_setup_failures") or []
    ]
    merged["second_baseline_runs"] = sum(int(r.get("second_baseline_runs", 0) or 0) for r in runs)
    selections = [r.get("selection") for r in runs if isinstance(r.get("selection"), Mapping)]
    merged["selection"] = {
        "options": _union(s.get("options") for s in selections),
        "deselected": sum(int(s.get("deselected", 0)) for s in selections),
    }
    explorations = [r["exploration"] for r in runs if isinstance(r.get("exploration"), Mapping)]
    if explorations:
        merged["exploration"] = _merged_exploration(explorations)
    return merged


def _merged_exploration(explorations: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    merged = dict(explorations[0])
    for key in ("programs", "calls"):
        merged[key] = sum(int(e.get(key, 0) or 0) for e in explorations)
    merged["seconds"] = round(sum(float(e.get("seconds", 0) or 0) for e in explorations), 3)
    merged["found"] = [found for e in explorations for found in e.get("found") or []]
    merged["batches"] = [batch for e in explorations for batch in e.get("batches") or []]
    return merged


def _merged_baseline_check(shards: Sequence[Shard]) -> dict[str, Any]:
    checks = [report["baseline_check"] for _, report in shards]
    return {
        "file": checks[0]["file"],
        "drift": sorted(_union(c["drift"] for c in checks)),
        "missing": sorted(_union(c["missing"] for c in checks)),
        "unused": sorted(_union(c["unused"] for c in checks)),
        "updated": any(c["updated"] for c in checks),
    }


def _merged_ledger(shards: Sequence[Shard]) -> dict[str, Any]:
    ledgers = [report["ledger"] for _, report in shards]
    used = sorted({int(i) for ledger in ledgers for i in ledger["used"]})
    stale_everywhere = set.intersection(*({e["index"] for e in lg["stale"]} for lg in ledgers))
    return {
        "file": ledgers[0]["file"],
        "entries": ledgers[0]["entries"],
        "used": used,
        "expired": ledgers[0]["expired"],
        "stale": [e for e in ledgers[0]["stale"] if e["index"] in stale_everywhere],
    }


def _union(lists: Iterable[object]) -> list[Any]:
    merged: list[Any] = []
    for values in lists:
        for value in values if isinstance(values, list) else []:
            if value not in merged:
                merged.append(value)
    return merged
