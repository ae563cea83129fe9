"""What broke, for the top of the HTML report, and the order the case list shows cases in.

A case broke when it is a mismatch (a baseline drift is a mismatch whose ``blame`` is
``"baseline-drift"``), an error, or a program the generated programs found in this run (a
case with a ``program`` object, or listed in ``run.exploration.found``; its id is
``<method>:<method>-differs-in-a-found-program-<digest>``, or ``<method>:found-program`` when
it was not written) and did not match. Each gets one line: the case, what broke, the blamed
method (the first suspect) and the first difference (its path, kind and the call of that
step).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# failures first; statuses the page does not know sort with the errors
STATUS_ORDER = ("mismatch", "error", "noise", "accepted", "not_run", "match")
_RANK = {status: rank for rank, status in enumerate(STATUS_ORDER)}
BASELINE_DRIFT = "baseline-drift"
ERROR_LINE_LIMIT = 160
_STEP = re.compile(r"\[(\d+)\]")


def status_rank(status: object) -> int:
    """Where a status sorts in the case list (mismatch first, match last)."""
    return _RANK.get(str(status), _RANK["error"])


def display_order(cases: Sequence[Mapping[str, Any]]) -> list[int]:
    """The cases' indexes in the order the page lists them: by status, then by id."""
    return sorted(
        range(len(cases)),
        key=lambda i: (status_rank(cases[i].get("status", "error")), str(cases[i].get("id", ""))),
    )


def found_ids(run: Mapping[str, Any]) -> frozenset[str]:
    """The ids of the cases this run's generated programs found (``run.exploration.found``)."""
    exploration = run.get("exploration")
    if not isinstance(exploration, Mapping):
        return frozenset()
    found = exploration.get("found")
    if not isinstance(found, list):
        return frozenset()
    return frozenset(str(f) for f in found if f)


def is_found_program(case: Mapping[str, Any], found: Iterable[str]) -> bool:
    """Whether the case is a program the generated programs found in this run."""
    return isinstance(case.get("program"), Mapping) or str(case.get("id", "")) in set(found)


def what_broke(
    cases: Sequence[Mapping[str, Any]], order: Sequence[int], run: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """One entry per case that broke, in the case list's order."""
    found = found_ids(run)
    out = []
    for index in order:
        case = cases[index]
        status = str(case.get("status", "error"))
        program = is_found_program(case, found)
        broke = status in ("mismatch", "error") or status not in _RANK
        if not broke and not (program and status != "match"):
            continue
        out.append(_entry(index, case, status, program))
    return out


def _entry(index: int, case: Mapping[str, Any], status: str, program: bool) -> dict[str, Any]:
    suspects = [str(s) for s in case.get("suspects") or [] if s]
    covers = [str(c) for c in case.get("covers") or [] if c]
    drift = status == "mismatch" and case.get("blame") == BASELINE_DRIFT
    if drift:
        what = "baseline drift"
    elif status == "not_run":
        what = "not run"
    else:
        what = status
    differences = [d for d in case.get("differences") or [] if isinstance(d, Mapping)]
    first = differences[0] if differences else None
    path = None if first is None else str(first.get("path", ""))
    return {
        "index": index,
        "id": str(case.get("id", "")),
        "status": status,
        "what": what,
        "drift": drift,
        "found_program": program,
        "method": suspects[0] if suspects else (covers[0] if covers else ""),
        "method_is_suspect": bool(suspects),
        "path": path,
        "kind": None if first is None else str(first.get("kind", "")),
        "call": "" if path is None else step_label(case, path),
        "more": max(0, len(differences) - 1),
        "error": _first_line(case.get("error")) if first is None else "",
        "message": _found_message(case) if first is None else "",
    }


def step_label(case: Mapping[str, Any], path: str) -> str:
    """The call of the step a diff path starts in: ``baseline.labels[i]`` for ``[i]...``."""
    match = _STEP.match(path)
    if match is None:
        return ""
    step = int(match.group(1))
    for side in ("baseline", "candidate"):
        value = case.get(side)
        if not isinstance(value, Mapping):
            continue
        labels = value.get("labels")
        if isinstance(labels, list) and step < len(labels) and labels[step]:
            return str(labels[step])
        observation = value.get("observation")
        if isinstance(observation, list) and step < len(observation):
            taken = observation[step]
            if isinstance(taken, Mapping) and taken.get("call"):
                return str(taken["call"])
    return ""


def _first_line(text: object) -> str:
    if not isinstance(text, str):
        return ""
    line = next((t.strip() for t in text.splitlines() if t.strip()), "")
    return line if len(line) <= ERROR_LINE_LIMIT else line[: ERROR_LINE_LIMIT - 1] + "…"


def _found_message(case: Mapping[str, Any]) -> str:
    program = case.get("program")
    if not isinstance(program, Mapping):
        return ""
    return _first_line(program.get("first_difference"))
