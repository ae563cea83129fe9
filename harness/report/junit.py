"""A compatibility report as JUnit XML: one testcase per contract case, for CI systems.

``render_junit(report)`` gives a ``<testsuites>`` document with one ``<testsuite>`` for the
report's tier, valid against the common JUnit schema (Jenkins' ``junit-10.xsd``, vendored
in suites/unit/harness/data/). Each case is a ``<testcase>`` whose classname is the method
the case is about (its first covered method, ``users.create``: CI views group a
repository's cases by method) and whose name is the case id:

- ``mismatch``: a ``<failure>`` whose message gives the blamed method and the first
  difference, and whose text labels every difference,
  ``path: baseline (mysql) = X / candidate (dynamodb) = Y``;
- ``error``: an ``<error>`` with the reason the case could not be compared;
- ``not_run``: ``<skipped>`` with the reason (not selected, or the run did not finish);
- ``accepted`` / ``noise``: passed, with notes (ledger entry, noisy paths) in ``<system-out>``.

The schema has no ``file``/``line`` on a testcase, so every testcase's ``<system-out>``
starts with the case's covered methods and its source (``source: path:line``). An
incomplete run adds a ``run is complete`` testcase with an ``<error>``, so a crashed run is
never all green. Every string is cleaned of characters XML 1.0 cannot hold.
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

VALUE_LIMIT = 2000
MESSAGE_LIMIT = 300

# Characters XML 1.0 forbids (C0 controls but tab/newline/return, surrogates, U+FFFE/F).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: object) -> str:
    """``value`` as text XML 1.0 can hold: forbidden characters become visible escapes."""
    return _FORBIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", str(value))


def render_junit(report: Mapping[str, Any]) -> str:
    """The JUnit XML document for a compatibility report."""
    run = _mapping(report.get("run"))
    tier = str(run.get("tier") or "unknown")
    suite = _suite(report, run, tier)
    root = ET.Element("testsuites", {"name": "parity"})
    for name in ("tests", "failures", "errors", "time"):  # junit-10: no "skipped" here
        root.set(name, suite.get(name, "0"))
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _suite(report: Mapping[str, Any], run: Mapping[str, Any], tier: str) -> ET.Element:
    suite = ET.Element("testsuite", {"name": xml_text(f"parity.{tier}")})
    if run.get("started_at"):
        suite.set("timestamp", xml_text(run["started_at"]))
    properties = ET.SubElement(suite, "properties")
    for key in ("target", "baseline", "candidate", "parity_version"):
        if run.get(key) is not None:
            ET.SubElement(properties, "property", {"name": key, "value": xml_text(run[key])})
    complete = report.get("complete") is True
    ET.SubElement(properties, "property", {"name": "complete", "value": str(complete).lower()})
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    seconds = 0.0
    backends = (str(run.get("baseline") or "baseline"), str(run.get("candidate") or "candidate"))
    complete_note = "" if complete else "the run did not finish (see the 'run is complete' test)"
    for case in _cases(report):
        element, kind, case_seconds = _testcase(case, backends, complete_note)
        suite.append(element)
        counts["tests"] += 1
        if kind:
            counts[kind] += 1
        seconds += case_seconds
    if not complete:
        suite.append(_incomplete(report))
        counts["tests"] += 1
        counts["errors"] += 1
    for name, count in counts.items():
        suite.set(name, str(count))
    suite.set("time", f"{seconds:.3f}")
    return suite


def _incomplete(report: Mapping[str, Any]) -> ET.Element:
    reasons = report.get("incomplete_reasons")
    lines = [str(r) for r in reasons] if isinstance(reasons, list) and reasons else ["(none given)"]
    element = ET.Element("testcase", {"classname": "parity", "name": "run is complete"})
    error = ET.SubElement(
        element, "error", {"type": "incomplete", "message": "the run did not finish"}
    )
    error.text = xml_text("the run did not finish:\n" + "\n".join(f"- {r}" for r in lines))
    return element


def _cases(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    cases = report.get("cases")
    if not isinstance(cases, list):
        return []
    return [c for c in cases if isinstance(c, Mapping)]


def _testcase(
    case: Mapping[str, Any], backends: tuple[str, str], unfinished: str = ""
) -> tuple[ET.Element, str, float]:
    """A case's testcase, which counter it adds to ("" for a pass), and its seconds.

    ``unfinished`` says why the run did not finish ("" when it did): a not-run case's reason.
    """
    case_id = str(case.get("id", "?"))
    seconds = _seconds(case)
    element = ET.Element(
        "testcase",
        {"classname": xml_text(_method_of(case)), "name": xml_text(case_id)},
    )
    element.set("time", f"{seconds:.3f}")
    status = case.get("status")
    kind = ""
    labelled = _labelled_backends(case, backends)
    if status == "mismatch":
        differences = _diffs(case.get("differences"))
        failure = ET.SubElement(element, "failure", {"type": "mismatch"})
        failure.set("message", _short(_mismatch_message(case, differences, labelled)))
        failure.text = xml_text(_mismatch_text(case, differences, labelled))
        kind = "failures"
    elif status == "error":
        reason = str(case.get("error") or "the case could not be compared")
        error = ET.SubElement(element, "error", {"type": "error"})
        error.set("message", _short(reason.splitlines()[0] if reason.strip() else reason))
        error.text = xml_text(_error_text(case, reason, labelled))
        kind = "errors"
    elif status == "not_run":
        reason = f"not run: {unfinished or 'not selected in this run (-k, -m or a path)'}"
        skipped = ET.SubElement(element, "skipped", {"type": "not_run"})
        skipped.set("message", _short(reason))
        kind = "skipped"
    elif status not in ("match", "noise", "accepted"):
        error = ET.SubElement(element, "error", {"type": "unknown status"})
        error.set("message", _short(f"unknown status {status!r}"))
        kind = "errors"
    ET.SubElement(element, "system-out").text = xml_text(
        "\n".join([*_identity(case), *_notes(case, labelled)])
    )
    return element, kind, seconds


def _method_of(case: Mapping[str, Any]) -> str:
    """The method a case is about: its first covered method (``users.create``), else its
    id's group (``users.create`` for ``users.create:...``)."""
    covers = case.get("covers")
    method = str(covers[0]) if isinstance(covers, list) and covers else str(case.get("id", ""))
    return method.split(":", 1)[0] or "parity"


def _seconds(case: Mapping[str, Any]) -> float:
    """The case's seconds: never negative or NaN (the schema's time is digits only)."""
    total = 0.0
    for value in (
        case.get("compare_seconds"),
        _mapping(case.get("baseline")).get("seconds"),
        _mapping(case.get("candidate")).get("seconds"),
    ):
        number = value if isinstance(value, int | float) and not isinstance(value, bool) else 0
        if math.isfinite(number) and number > 0:
            total += float(number)
    return total


def _labelled_backends(case: Mapping[str, Any], backends: tuple[str, str]) -> tuple[str, str]:
    base = _mapping(case.get("baseline")).get("backend") or backends[0]
    cand = _mapping(case.get("candidate")).get("backend") or backends[1]
    return f"baseline ({base})", f"candidate ({cand})"


def _mismatch_message(
    case: Mapping[str, Any], differences: Sequence[Mapping[str, Any]], labelled: tuple[str, str]
) -> str:
    """Who is blamed, how many differences, and the first one (blame first: it survives the
    message being cut short)."""
    noun = "difference" if len(differences) == 1 else "differences"
    head = f"{_blamed(case, labelled)}; {len(differences)} {noun}"
    if not differences:
        return f"{head} (the report lists none)"
    return f"{head}, first: {_diff_text(case, differences[0], labelled)}"


def _blamed(case: Mapping[str, Any], labelled: tuple[str, str]) -> str:
    """The method a mismatch is blamed on (the first suspect: the first differing call)."""
    if case.get("blame") == "baseline-drift":
        return f"baseline drift: the {labelled[0]} changed since the committed baseline"
    suspects = case.get("suspects")
    if isinstance(suspects, list) and suspects:
        return f"blamed on {suspects[0]}"
    return "no method blamed"


def _mismatch_text(
    case: Mapping[str, Any], differences: Sequence[Mapping[str, Any]], labelled: tuple[str, str]
) -> str:
    noun = "difference" if len(differences) == 1 else "differences"
    lines = [_describe(case), _blamed(case, labelled)]
    lines.append(f"{len(differences)} {noun} between {labelled[0]} and {labelled[1]}:")
    lines += [_diff_text(case, d, labelled) for d in differences]
    if not differences:
        lines.append("(the report lists no differences)")
    suspects = case.get("suspects")
    if isinstance(suspects, list) and len(suspects) > 1:
        lines.append("then look at: " + ", ".join(str(s) for s in suspects[1:]))
    return "\n".join(lines)


def _error_text(case: Mapping[str, Any], reason: str, labelled: tuple[str, str]) -> str:
    lines = [_describe(case), reason]
    for key, label in zip(("baseline", "candidate"), labelled, strict=True):
        side_error = _mapping(case.get(key)).get("error")
        if side_error:
            lines.append(f"{label} error: {side_error}")
    lines += _suspects(case)
    return "\n".join(lines)


def _notes(case: Mapping[str, Any], labelled: tuple[str, str]) -> list[str]:
    lines: list[str] = []
    for diff in _diffs(case.get("accepted")):
        entry = _mapping(diff.get("ledger"))
        lines.append(
            f"accepted by ledger entry {entry.get('index', '?')} (line {entry.get('line', '?')}):"
            f" {entry.get('reason', '?')} — owner {entry.get('owner', '?')},"
            f" expires {entry.get('expires', '?')}"
        )
        lines.append("  " + _diff_text(case, diff, labelled))
    noise = _diffs(case.get("noise"))
    if noise:
        lines.append("noise (differed between two baseline runs, not counted):")
        lines += ["  " + _diff_text(case, d, labelled) for d in noise]
    return lines


def _identity(case: Mapping[str, Any]) -> list[str]:
    """What the schema gives no attribute for: the case's methods and source."""
    covers = case.get("covers")
    methods = ", ".join(str(m) for m in covers) if isinstance(covers, list) and covers else "?"
    lines = [str(case.get("description") or "(no description)"), f"covers: {methods}"]
    if case.get("source"):
        lines.append(f"source: {case['source']}")
    return lines


def _describe(case: Mapping[str, Any]) -> str:
    text = str(case.get("description") or case.get("id", "?"))
    source = case.get("source")
    return f"{text} ({source})" if source else text


def _suspects(case: Mapping[str, Any]) -> list[str]:
    suspects = case.get("suspects")
    if isinstance(suspects, list) and suspects:
        return ["where to look: " + ", ".join(str(s) for s in suspects)]
    return []


def _diff_text(case: Mapping[str, Any], diff: Mapping[str, Any], labelled: tuple[str, str]) -> str:
    path = str(diff.get("path", "?"))
    kind = diff.get("kind")
    step = _step_label(case, path)
    head = f"{path}: {labelled[0]} = {_value(diff.get('baseline'))}"
    tail = f" / {labelled[1]} = {_value(diff.get('candidate'))}"
    notes = [str(kind)] if kind else []
    if step:
        notes.append(f"step {step}")
    return head + tail + (f"  [{'; '.join(notes)}]" if notes else "")


def _step_label(case: Mapping[str, Any], path: str) -> str:
    match = re.match(r"\[(\d+)\]", path)
    labels = _mapping(case.get("baseline")).get("labels")
    if match and isinstance(labels, list) and int(match.group(1)) < len(labels):
        return str(labels[int(match.group(1))])
    return ""


def _value(value: object) -> str:
    if isinstance(value, Mapping) and value.get("$absent") is True:
        return "(absent)"
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    if len(text) > VALUE_LIMIT:
        return f"{text[:VALUE_LIMIT]}… ({len(text) - VALUE_LIMIT} more characters)"
    return text


def _short(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > MESSAGE_LIMIT:
        text = text[: MESSAGE_LIMIT - 1] + "…"
    return xml_text(text)


def _diffs(value: object) -> list[Mapping[str, Any]]:
    if not isinstance(value, list):
        return []
    return [d for d in value if isinstance(d, Mapping)]


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
