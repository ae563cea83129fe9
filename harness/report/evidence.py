"""Re-derive each case's verdict from the evidence its report records.

A report holds, for every case that ran, both sides' canonical observations (and the second
baseline run's, when the sides differed). :func:`disagreements` compares them again with
the comparator and noise rule the run used (:func:`harness.compare.compare`, noise = what
differs between the two baseline runs) and lists every way the recorded status,
differences, noise or suspects disagree with what it finds, or evidence that is missing.
The gate refuses a report with any (exit 2): a status edited to ``match``, a difference
deleted, an observation replaced.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.compare import compare, differing_paths

__all__ = ["Derived", "derive", "disagreements", "method_rows"]

STATUSES = ("match", "mismatch", "noise", "accepted", "error", "not_run")


@dataclass(frozen=True)
class Derived:
    """What the evidence says about a case."""

    status: str
    differences: list[dict[str, Any]]
    noise: list[dict[str, Any]]


def derive(case: Mapping[str, Any]) -> Derived | str:
    """The case's verdict from its observations, or why it cannot be derived."""
    baseline, candidate = _side(case, "baseline"), _side(case, "candidate")
    again = case.get("baseline_again")
    if baseline is None or candidate is None:
        missing = "baseline" if baseline is None else "candidate"
        return f"no {missing} observation is recorded"
    first, other = baseline["observation"], candidate["observation"]
    noise_paths: frozenset[str] = frozenset()
    if first != other:
        if not isinstance(again, Mapping) or not isinstance(again.get("observation"), list):
            return (
                "the sides differ but no second baseline run is recorded, so noise cannot "
                "be told from a mismatch"
            )
        noise_paths = differing_paths(first, again["observation"])
    comparison = compare(first, other, noise_paths)
    sides = [s for s in (baseline, candidate, again) if isinstance(s, Mapping)]
    if any(s.get("error") for s in sides):
        status = "error"
    elif comparison.mismatches:
        status = "mismatch"
    elif comparison.noise:
        status = "noise"
    else:
        status = "match"
    return Derived(
        status,
        [_plain(d.to_json()) for d in comparison.mismatches],
        [_plain(d.to_json()) for d in comparison.noise],
    )


def disagreements(case: Mapping[str, Any]) -> list[str]:
    """How the case's recorded verdict disagrees with its evidence (empty: it agrees)."""
    if case.get("status") == "not_run":
        return []
    derived = derive(case)
    if isinstance(derived, str):
        return [derived]
    problems = []
    recorded = str(case.get("status"))
    if not _status_agrees(recorded, derived.status, case):
        problems.append(f"status is {recorded!r}, its observations say {derived.status!r}")
    differences = _list(case.get("differences"))
    accepted = [
        {k: v for k, v in d.items() if k != "ledger"} if isinstance(d, dict) else d
        for d in _list(case.get("accepted"))
    ]
    if recorded == "accepted" and (differences or not accepted):
        problems.append("status is 'accepted' but not every difference is accepted")
    problems += _same_diffs("differences", [*differences, *accepted], derived.differences)
    problems += _same_diffs("noise", _list(case.get("noise")), derived.noise)
    problems += _suspects_agree(case, derived.status)
    if recorded == "error" and not case.get("error"):
        problems.append("status is 'error' but no error is recorded")
    return problems


def method_rows(methods: Iterable[str], cases: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The per-method status counts, from the cases (as the report builder makes them)."""
    rows = []
    for method in methods:
        covering = Counter(str(c["status"]) for c in cases if method in _list(c.get("covers")))
        rows.append(
            {
                "method": method,
                "cases": sum(covering.values()),
                **{s: covering.get(s, 0) for s in STATUSES},
            }
        )
    return rows


def _status_agrees(recorded: str, derived: str, case: Mapping[str, Any]) -> bool:
    if recorded == derived:
        return True
    if recorded == "accepted":
        return derived == "mismatch"
    # a generated program that differed but whose written case did not: an error by design
    return recorded == "error" and isinstance(case.get("program"), Mapping)


def _suspects_agree(case: Mapping[str, Any], derived: str) -> list[str]:
    suspects = _list(case.get("suspects"))
    if derived in ("match", "noise") and suspects:
        return [f"suspects {suspects} are named for a case whose sides agree"]
    if derived == "mismatch" and not suspects:
        return ["a mismatch with no suspects (the run always names where to look)"]
    if case.get("blame") == "baseline-drift" and case.get("status") != "mismatch":
        return ["blamed on baseline drift but its status is not 'mismatch'"]
    return []


def _same_diffs(name: str, recorded: list[Any], derived: list[dict[str, Any]]) -> list[str]:
    have = Counter(_key(d) for d in recorded)
    want = Counter(_key(d) for d in derived)
    if have == want:
        return []
    extra, lacking = have - want, want - have
    parts = []
    if lacking:
        parts.append(f"{sum(lacking.values())} missing (first: {_path_of(next(iter(lacking)))})")
    if extra:
        parts.append(f"{sum(extra.values())} not found (first: {_path_of(next(iter(extra)))})")
    return [
        f"{name}: {len(recorded)} recorded, the observations give {len(derived)}; "
        + ", ".join(parts)
    ]


def _key(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _path_of(key: str) -> str:
    try:
        value = json.loads(key)
    except ValueError:
        return "?"
    return str(value.get("path", "?")) if isinstance(value, dict) else "?"


def _plain(value: Any) -> Any:
    """The value as it reads back from a JSON file (tuples as lists)."""
    return json.loads(json.dumps(value, ensure_ascii=False))


def _side(case: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    side = case.get(name)
    if isinstance(side, Mapping) and isinstance(side.get("observation"), list):
        return side
    return None


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
