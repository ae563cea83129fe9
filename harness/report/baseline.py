"""The committed baseline: what the baseline backend does for every case, reviewed.

``reports/baselines/<tier>.json`` holds, per case id, the baseline backend's canonical
observation and its digest. A run compares its baseline side against it:

- *drift*: the baseline backend now does something else than what was reviewed;
- *missing*: a case ran that has no committed baseline yet;
- *unused*: a committed entry whose case no longer exists (deselected or ``-k``-filtered
  cases still exist, so they are not unused).

A mismatch whose baseline side drifted while its candidate side still does exactly what
the committed entry says is the baseline's doing, not the candidate's: it is *blamed on
drift* (:func:`blamed_on_drift`; the report marks it ``"blame": "baseline-drift"`` and the
gate lists it under drift, recomputing the blame itself).

``--parity-update-baseline`` rewrites the file from the run (keeping entries of cases
that exist but did not run).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.canonical import dumps
from harness.report.reading import Unreadable, read_json
from harness.report.schema import SchemaError, check_schema
from harness.report.serialise import BASELINE_SCHEMA
from harness.report.write import write_atomically


class BaselineError(ValueError):
    """The committed baseline is unreadable or malformed (names the file and line)."""


@dataclass(frozen=True)
class BaselineCheck:
    """How a run's baseline side compares with the committed baseline."""

    file: str
    drift: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)
    updated: bool = False

    def to_json(self) -> dict[str, Any]:
        """The check as report data."""
        return {
            "file": self.file,
            "drift": self.drift,
            "missing": self.missing,
            "unused": self.unused,
            "updated": self.updated,
        }


def digest(observation: Any) -> str:
    """The sha256 of an observation's canonical text."""
    return hashlib.sha256(dumps(observation).encode()).hexdigest()


BASELINE_DRIFT = "baseline-drift"
"""A case's ``blame`` when its mismatch comes from the baseline backend's drift."""


def blamed_on_drift(case: Mapping[str, Any], entry: object) -> bool:
    """Whether a mismatching case is explained by baseline drift: its baseline side no
    longer matches the committed ``entry``, and its candidate side still does, exactly
    (same canonical observation, compared by digest)."""
    if case.get("status") != "mismatch" or not isinstance(entry, Mapping):
        return False
    committed = entry.get("digest")
    baseline, candidate = case.get("baseline"), case.get("candidate")
    if not isinstance(committed, str) or not isinstance(baseline, Mapping):
        return False
    if not isinstance(candidate, Mapping) or "observation" not in candidate:
        return False
    return (
        digest(baseline.get("observation")) != committed
        and digest(candidate["observation"]) == committed
    )


def load_baseline(path: Path) -> dict[str, Any] | None:
    """The committed baseline, or ``None`` when there is none yet."""
    if not path.exists():
        return None
    try:
        data = read_json(path)
    except Unreadable as error:
        raise BaselineError(
            f"{error}; restore it from git or rewrite it with --parity-update-baseline"
        ) from None
    if not isinstance(data, dict) or data.get("schema") != BASELINE_SCHEMA:
        seen = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise BaselineError(f"{path}: expected schema {BASELINE_SCHEMA!r}, got {seen!r}")
    if not isinstance(data.get("cases"), dict):
        raise BaselineError(f"{path}: expected a 'cases' object, got {data.get('cases')!r}")
    try:
        check_schema(data, "baseline", path)
    except SchemaError as error:
        raise BaselineError(
            f"{error}; restore it from git or rewrite it with --parity-update-baseline"
        ) from None
    return data


def check_baseline(
    path: Path,
    committed: dict[str, Any] | None,
    results: Iterable[dict[str, Any]],
    known_cases: set[str],
) -> BaselineCheck:
    """Compare the run's baseline observations with the committed ones."""
    entries = committed["cases"] if committed else {}
    drift, missing = [], []
    for result in results:
        entry = entries.get(result["id"])
        if entry is None:
            missing.append(result["id"])
        elif entry.get("digest") != digest(result["baseline"]["observation"]):
            drift.append(result["id"])
    unused = sorted(case_id for case_id in entries if case_id not in known_cases)
    return BaselineCheck(str(path), sorted(drift), sorted(missing), unused)


def baseline_document(
    tier: str,
    backend: str,
    previous: dict[str, Any] | None,
    results: Iterable[dict[str, Any]],
    known_cases: set[str],
) -> dict[str, Any]:
    """A baseline file's content: this run's baseline side, plus kept entries of known
    cases that did not run."""
    cases = {
        case_id: entry
        for case_id, entry in (previous or {}).get("cases", {}).items()
        if case_id in known_cases
    }
    for result in results:
        side = result["baseline"]
        cases[result["id"]] = {
            "digest": digest(side["observation"]),
            "clean": side["error"] is None,
            "labels": side["labels"],
            "observation": side["observation"],
        }
    return {
        "schema": BASELINE_SCHEMA,
        "tier": tier,
        "backend": backend,
        "cases": dict(sorted(cases.items())),
    }


def write_baseline(path: Path, document: dict[str, Any]) -> None:
    """Write a baseline file (stable, reviewable JSON)."""
    write_atomically(path, json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False))
