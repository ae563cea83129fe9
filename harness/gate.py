"""The CI gate: decides from a compatibility report whether a run passes (fails closed).

``parity gate --report reports/<tier>/compatibility.json`` reads the report, the committed
baseline and the divergence ledger, prints a short summary, writes it as Markdown (and
appends it to ``$GITHUB_STEP_SUMMARY``) and returns the exit status:

- 0: pass;
- 1: an incompatibility: a mismatch, an error, baseline drift, lost coverage, an expired
  ledger entry, an accepted difference without a matching ledger entry, a rewritten baseline;
- 2: the run or a file cannot be trusted: the report is missing, unreadable, not JSON,
  of another schema, truncated or inconsistent; the run is incomplete; the committed
  baseline is missing (unless allowed), corrupt or for another tier; the ledger is corrupt;
- 3: usage error (bad arguments).

See ``docs/gate.md``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from harness.cost.baseline import (
    CostBaselineError,
    Tolerance,
    cost_baseline_path,
    cost_regressions,
    load_cost_baseline,
)
from harness.cost.profile import cost_section
from harness.report.baseline import BaselineError, blamed_on_drift, digest, load_baseline
from harness.report.evidence import disagreements, method_rows
from harness.report.ledger import Entry, Ledger, LedgerError, load_ledger
from harness.report.merge import MergeError, merge_reports
from harness.report.reading import Unreadable, read_json
from harness.report.schema import SchemaError, check_schema
from harness.report.serialise import SCHEMA
from harness.report.wording import plural as plural  # re-exported: tests use gate.plural

PASS, INCOMPATIBLE, UNTRUSTED, USAGE = 0, 1, 2, 3
WARNING = 0
STATUSES = ("match", "mismatch", "noise", "accepted", "error", "not_run")
NOUNS = {
    "match": ("match", "matches"),
    "mismatch": ("mismatch", "mismatches"),
    "noise": ("noisy case", "noisy cases"),
    "accepted": ("accepted case", "accepted cases"),
    "error": ("error", "errors"),
    "not_run": ("case not run", "cases not run"),
}
DEFAULT_BASELINES = Path("reports/baselines")
LEDGER_NAME = "divergence-ledger.toml"


@dataclass(frozen=True)
class Finding:
    """One reason to fail (severity 1 or 2) or one warning (severity 0)."""

    severity: int
    message: str
    subjects: tuple[str, ...] = ()


@dataclass
class Options:
    """What to check, from the command line."""

    report: Path
    baseline: Path | None = None
    ledger: Path | None = None
    summary: Path | None = None
    today: date = field(default_factory=date.today)
    allow_missing_baseline: bool = False
    allow_partial: bool = False
    cost_baseline: Path | None = None
    """The committed cost baseline (default: beside the baseline, ``<tier>.cost.json``)."""
    cost_tolerance: Tolerance = field(default_factory=Tolerance)
    shard_reports: tuple[Path, ...] = ()
    """More reports, of the other shards of the same run: merged with ``report``."""


@dataclass
class Verdict:
    """The gate's decision and everything the summaries show."""

    report: Path
    tier: str | None = None
    run: Mapping[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    """The shard reports the verdict is on, when there were several."""

    @property
    def status(self) -> int:
        """The exit status: the worst finding's severity (0 when there is none)."""
        return max((f.severity for f in self.findings), default=PASS)

    @property
    def problems(self) -> list[Finding]:
        """The findings that fail the gate."""
        return [f for f in self.findings if f.severity > WARNING]

    @property
    def warnings(self) -> list[Finding]:
        """The findings that are only shown."""
        return [f for f in self.findings if f.severity == WARNING]

    def add(self, severity: int, message: str, subjects: Iterable[str] = ()) -> None:
        """Record a finding."""
        self.findings.append(Finding(severity, message, tuple(subjects)))


# -- reading the report -------------------------------------------------------------------


class Untrusted(Exception):
    """The report cannot be trusted at all (the message says why)."""


def load_report(path: Path) -> dict[str, Any]:
    """The report, or :class:`Untrusted` when it is missing, unreadable, truncated..."""
    if not path.exists():
        raise Untrusted(f"{path}: no report; the run crashed or wrote it elsewhere")
    try:
        data = read_json(path)
    except Unreadable as error:
        raise Untrusted(
            f"{error}; the file is truncated or corrupt, so the run cannot be trusted"
        ) from None
    if not isinstance(data, dict):
        raise Untrusted(f"{path}: expected a JSON object, got {type(data).__name__}")
    if data.get("schema") != SCHEMA:
        raise Untrusted(f"{path}: expected schema {SCHEMA!r}, got {data.get('schema')!r}")
    if data.get("end") != SCHEMA:
        raise Untrusted(
            f"{path}: no end marker ('end': {SCHEMA!r}); the file was not written whole"
        )
    try:
        check_schema(data, "compatibility", path)
    except SchemaError as error:
        raise Untrusted(f"{error}; the file was edited or written by another version") from None
    return data


# -- the checks ----------------------------------------------------------------------------


def evaluate(options: Options) -> Verdict:
    """Read the report, baseline and ledger, and decide."""
    verdict = Verdict(options.report)
    paths = [options.report, *options.shard_reports]
    try:
        loaded = [(path, load_report(path)) for path in paths]
    except Untrusted as error:
        verdict.add(UNTRUSTED, f"the report cannot be trusted: {error}")
        return verdict
    report = loaded[0][1]
    if len(loaded) > 1:
        try:
            report = merge_reports(loaded)
        except MergeError as error:
            verdict.add(UNTRUSTED, f"the shard reports cannot be merged: {error}", error.subjects)
            return verdict
        verdict.merged = [str(p) for p in paths]
    verdict.tier, verdict.run = report["run"]["tier"], report["run"]
    cases: list[dict[str, Any]] = report["cases"]
    verdict.counts = count_statuses(cases)
    baselines = options.baseline or DEFAULT_BASELINES / f"{verdict.tier}.json"
    committed = read_baseline(baselines)
    check_complete(verdict, report)
    check_summary(verdict, report)
    check_evidence(verdict, report)
    check_partial(verdict, report, options.allow_partial)
    check_statuses(verdict, cases, drift_blamed(verdict, cases, committed))
    check_methods(verdict, report["methods"])
    check_baseline(verdict, report, baselines, options.allow_missing_baseline, committed)
    ledger_path = options.ledger or DEFAULT_BASELINES / LEDGER_NAME
    cost_path = options.cost_baseline or cost_baseline_path(baselines.parent, str(verdict.tier))
    cost_cited = check_cost(verdict, report, cost_path, ledger_path, options)
    check_ledger(verdict, cases, ledger_path, options.today, cost_cited)
    return verdict


def count_statuses(cases: list[dict[str, Any]]) -> dict[str, int]:
    """How many cases have each status (counted here, not read from the report)."""
    counts = {"cases": len(cases)} | dict.fromkeys(STATUSES, 0)
    for case in cases:
        counts[case["status"]] += 1
    return counts


def check_complete(verdict: Verdict, report: dict[str, Any]) -> None:
    """An incomplete run cannot pass, whatever its cases say."""
    if report["complete"]:
        return
    reasons = report.get("incomplete_reasons")
    listed = [str(r) for r in reasons] if isinstance(reasons, list) and reasons else []
    verdict.add(UNTRUSTED, "the run is incomplete", listed or ["(no reason given)"])


def check_summary(verdict: Verdict, report: dict[str, Any]) -> None:
    """The report's own summary must agree with its cases."""
    summary = report.get("summary")
    if not isinstance(summary, dict):
        verdict.add(UNTRUSTED, "the report has no 'summary' object")
        return
    wrong = [
        f"{key}: report says {summary.get(key)!r}, its cases say {count}"
        for key, count in verdict.counts.items()
        if summary.get(key) != count
    ]
    if wrong:
        verdict.add(UNTRUSTED, "the report's summary disagrees with its cases", wrong)


def check_evidence(verdict: Verdict, report: dict[str, Any]) -> None:
    """Every case's recorded verdict must be what its own evidence gives, and the method
    table what the cases give (the gate derives the verdict; it does not read it)."""
    cases: list[dict[str, Any]] = report["cases"]
    wrong = [
        f"{case['id']}: {'; '.join(problems)}"
        for case in cases
        if (problems := disagreements(case))
    ]
    if wrong:
        verdict.add(
            UNTRUSTED,
            f"{plural(len(wrong), 'case')} whose recorded verdict disagrees with the evidence "
            "in the report (re-compared here with the run's comparator and noise rule)",
            wrong,
        )
    names = [str(m["method"]) for m in report["methods"]]
    if method_rows(names, cases) != report["methods"]:
        verdict.add(UNTRUSTED, "the report's method table disagrees with its cases")
    if cost_section(cases, names, report["run"]) != report["cost"]:
        verdict.add(UNTRUSTED, "the report's cost table disagrees with its cases' calls")
    unknown = sorted({m for c in cases for m in c["covers"]} - set(names))
    if unknown:
        verdict.add(
            UNTRUSTED,
            "cases cover methods the report's method table does not list (a row was removed?)",
            unknown,
        )
    if report["complete"] and report["incomplete_reasons"]:
        verdict.add(
            UNTRUSTED,
            "the report says it is complete but gives reasons it is not",
            [str(r) for r in report["incomplete_reasons"]],
        )


def check_partial(verdict: Verdict, report: dict[str, Any], allowed: bool) -> None:
    """A run that ran only part of the suite cannot pass unless the gate is told so."""
    cases: list[dict[str, Any]] = report["cases"]
    not_run = [c["id"] for c in cases if c["status"] == "not_run"]
    if not not_run:
        return
    run = report["run"]
    how = []
    selection = run.get("selection")
    if isinstance(selection, dict) and selection.get("options"):
        how.append("selected with " + " ".join(str(o) for o in selection["options"]))
    shard = run.get("shard")
    if isinstance(shard, dict):
        how.append(f"shard {shard.get('index')}/{shard.get('total')}")
    why = f" ({'; '.join(how)})" if how else ""
    message = f"partial run: {len(not_run)} of {plural(len(cases), 'case')} not run{why}"
    if allowed:
        verdict.add(WARNING, message + "; passed as partial on purpose (--allow-partial)")
        return
    hint = (
        "merge the shards' reports (parity merge, or parity gate --report per shard)"
        if isinstance(shard, dict)
        else "run the whole suite, or pass --allow-partial if this is on purpose"
    )
    verdict.add(UNTRUSTED, f"{message}: the run cannot vouch for the rest; {hint}", not_run)


def check_statuses(
    verdict: Verdict, cases: list[dict[str, Any]], blamed: Collection[str] = frozenset()
) -> None:
    """Mismatches and errors fail; accepted, noise and not-run cases are shown.

    Mismatches in ``blamed`` (explained by baseline drift) are listed with the drift by
    :func:`check_baseline` instead.
    """
    mismatches = [c for c in cases if c["status"] == "mismatch" and c["id"] not in blamed]
    errors = [c for c in cases if c["status"] == "error"]
    if mismatches:
        verdict.add(
            INCOMPATIBLE,
            plural(len(mismatches), "mismatch") + " (new incompatibility)",
            [f"{c['id']}: {_first_difference(c)}" for c in mismatches],
        )
    if errors:
        verdict.add(
            INCOMPATIBLE,
            plural(len(errors), "error") + " (case could not be compared)",
            [f"{c['id']}: {_first_line(c.get('error'))}" for c in errors],
        )


def check_methods(verdict: Verdict, methods: list[dict[str, Any]]) -> None:
    """Every method of the target needs at least one case."""
    uncovered = [m["method"] for m in methods if m.get("cases") == 0]
    if uncovered:
        verdict.add(
            INCOMPATIBLE,
            "lost coverage: " + plural(len(uncovered), "method") + " with no case",
            uncovered,
        )


class Unread:
    """A committed baseline that could not be read (``error`` says why)."""

    def __init__(self, error: Exception) -> None:
        self.error = error


Committed = dict[str, Any] | Unread | None
"""The committed baseline as :func:`read_baseline` read it (``None``: there is none)."""

_READ_HERE: Any = object()


def read_baseline(path: Path) -> Committed:
    """The committed baseline, ``None`` when there is none, or why it cannot be read."""
    try:
        return load_baseline(path)
    except (BaselineError, OSError, UnicodeDecodeError) as error:
        return Unread(error)


def drift_blamed(verdict: Verdict, cases: list[dict[str, Any]], committed: Committed) -> set[str]:
    """The mismatching cases that baseline drift explains, recomputed from the committed
    baseline and both sides' observations (a report's own ``blame`` is not trusted)."""
    if not isinstance(committed, dict) or _run_kind_problems(verdict, committed):
        return set()
    entries: dict[str, Any] = committed["cases"]
    return {c["id"] for c in cases if blamed_on_drift(c, entries.get(c["id"]))}


def check_baseline(
    verdict: Verdict,
    report: dict[str, Any],
    path: Path,
    allow_missing: bool,
    committed: Committed = _READ_HERE,
) -> None:
    """Recompute drift against the committed baseline; committed cases must still exist.

    ``committed`` is the file as :func:`read_baseline` read it (read here when not given).
    """
    if committed is _READ_HERE:
        committed = read_baseline(path)
    if isinstance(committed, Unread):
        verdict.add(UNTRUSTED, f"the committed baseline is corrupt: {committed.error}")
        return
    ran = [c for c in report["cases"] if isinstance(c.get("baseline"), dict)]
    if committed is None:
        severity = WARNING if allow_missing else UNTRUSTED
        hint = "" if allow_missing else " (commit it, or pass --allow-missing-baseline)"
        verdict.add(
            severity,
            f"no committed baseline at {path}: drift of {plural(len(ran), 'case')} "
            f"not checked{hint}",
        )
        return
    if not _same_run_kind(verdict, committed, path):
        return
    entries: dict[str, Any] = committed["cases"]
    _check_entries(verdict, entries, path)
    _check_drift(verdict, entries, ran, path)
    known = {c["id"] for c in report["cases"]}
    lost = sorted(case_id for case_id in entries if case_id not in known)
    if lost:
        verdict.add(
            INCOMPATIBLE,
            f"lost coverage: {plural(len(lost), 'case')} in {path} missing from the report",
            lost,
        )
    check = report.get("baseline_check")
    if isinstance(check, dict) and check.get("updated") is True:
        verdict.add(
            INCOMPATIBLE,
            "the run rewrote the committed baseline (--parity-update-baseline), so drift "
            "cannot be seen; review and commit it, then run again without the option",
        )


def _same_run_kind(verdict: Verdict, committed: dict[str, Any], path: Path) -> bool:
    wrong = _run_kind_problems(verdict, committed)
    if wrong:
        verdict.add(UNTRUSTED, f"the committed baseline {path} is for another run", wrong)
    return not wrong


def _run_kind_problems(verdict: Verdict, committed: dict[str, Any]) -> list[str]:
    return [
        f"{key}: baseline file says {committed.get(key)!r}, "
        f"the run says {verdict.run.get(run_key)!r}"
        for key, run_key in (("tier", "tier"), ("backend", "baseline"))
        if committed.get(key) is not None and committed.get(key) != verdict.run.get(run_key)
    ]


def _check_entries(verdict: Verdict, entries: dict[str, Any], path: Path) -> None:
    """A committed entry's digest must be its observation's (hand edits show up here)."""
    bad = sorted(
        case_id
        for case_id, entry in entries.items()
        if not isinstance(entry, dict)
        or not isinstance(entry.get("digest"), str)
        or ("observation" in entry and digest(entry["observation"]) != entry["digest"])
    )
    if bad:
        verdict.add(
            UNTRUSTED,
            f"the committed baseline {path} is corrupt: "
            f"{plural(len(bad), 'entry', 'entries')} whose digest is not their observation's",
            bad,
        )


def _check_drift(
    verdict: Verdict, entries: dict[str, Any], ran: list[dict[str, Any]], path: Path
) -> None:
    drift, blamed, missing = [], [], []
    for case in ran:
        entry = entries.get(case["id"])
        observation = case["baseline"].get("observation")
        if entry is None:
            missing.append(case["id"])
        elif blamed_on_drift(case, entry):
            blamed.append(case)
        elif not isinstance(entry, dict) or entry.get("digest") != digest(observation):
            drift.append(case["id"])
    backend = verdict.run.get("baseline")
    if blamed:
        verdict.add(
            INCOMPATIBLE,
            f"baseline drift: {plural(len(blamed), 'case')} where {backend} no longer does "
            f"what {path} says; the candidate still does (mismatches caused by the baseline)",
            [f"{c['id']}: {_first_difference(c)}" for c in sorted(blamed, key=lambda c: c["id"])],
        )
    if drift:
        verdict.add(
            INCOMPATIBLE,
            f"baseline drift: {plural(len(drift), 'case')} where {backend} "
            f"no longer does what {path} says",
            sorted(drift),
        )
    if missing:
        verdict.add(
            WARNING,
            f"{plural(len(missing), 'new case')} with no committed baseline yet "
            "(rerun with --parity-update-baseline and commit it)",
            sorted(missing),
        )


def check_cost(
    verdict: Verdict, report: dict[str, Any], path: Path, ledger_path: Path, options: Options
) -> dict[int, list[str]]:
    """A method that costs more per call than the committed cost baseline says fails as a
    cost regression, unless a live ledger entry accepts it. Returns the ledger entries
    that accepted one (index -> cases), so they are not reported stale."""
    try:
        committed = load_cost_baseline(path)
    except CostBaselineError as error:
        verdict.add(UNTRUSTED, f"the committed cost baseline is corrupt: {error}")
        return {}
    if committed is None:
        verdict.add(
            WARNING,
            f"no committed cost baseline at {path}: cost regressions not checked "
            "(rerun with --parity-update-baseline and commit it)",
        )
        return {}
    run = report["run"]
    if committed["tier"] != verdict.tier:
        verdict.add(
            UNTRUSTED,
            f"the committed cost baseline {path} is for another run",
            [f"it is for the {committed['tier']} tier, this report for {verdict.tier}"],
        )
        return {}
    renamed = [
        f"{side}: {backend} in {path}, {run.get(side)} in this run"
        for side, backend in zip(("baseline", "candidate"), committed["pair"], strict=True)
        if run.get(side) != backend
    ]
    if renamed:
        # still compared: a renamed or reconfigured backend must not skip the cost gate
        verdict.add(
            WARNING,
            f"the committed cost baseline {path} was recorded on other backends; each side "
            "is compared with what that side cost there",
            renamed,
        )
    found = cost_regressions(committed, report["cases"], run, options.cost_tolerance)
    try:
        ledger = load_ledger(ledger_path)
    except (LedgerError, OSError, UnicodeDecodeError):
        ledger = Ledger(str(ledger_path), ())  # check_ledger reports it as corrupt
    live = ledger.live(options.today)
    cited: dict[int, list[str]] = {}
    failing, accepted = [], []
    for regression in found:
        entry = next(
            (
                e
                for e in live
                if e.path.startswith("cost:")  # a behaviour entry never accepts a cost
                and e.matches(regression.case, regression.method, regression.path)
            ),
            None,
        )
        if entry is None:
            failing.append(regression.describe())
        else:
            cited.setdefault(entry.index, []).append(regression.case)
            accepted.append(f"{regression.describe()} — accepted by {ledger.file}:{entry.line}")
    tolerance = options.cost_tolerance
    rule = f"requests per call +{tolerance.requests:g}, capacity +{tolerance.capacity:.0%} allowed"
    if failing:
        verdict.add(
            INCOMPATIBLE,
            f"cost regression: {plural(len(failing), 'call')} costing more than {path} says "
            f"({rule})",
            failing,
        )
    if accepted:
        verdict.add(WARNING, f"{plural(len(accepted), 'accepted cost regression')}", accepted)
    return cited


def check_ledger(
    verdict: Verdict,
    cases: list[dict[str, Any]],
    path: Path,
    today: date,
    cost_cited: Mapping[int, list[str]] | None = None,
) -> None:
    """Expired entries fail; accepted differences must cite a live, matching entry."""
    try:
        ledger = load_ledger(path)
    except (LedgerError, OSError, UnicodeDecodeError) as error:
        verdict.add(UNTRUSTED, f"the ledger is corrupt: {error}")
        return
    citing = _citations(cases)
    for index, ids in (cost_cited or {}).items():
        citing.setdefault(index, []).extend(i for i in ids if i not in citing.get(index, []))
    expired = [e for e in ledger.entries if e.expired(today)]
    if expired:
        verdict.add(
            INCOMPATIBLE,
            f"{plural(len(expired), 'expired ledger entry', 'expired ledger entries')} "
            f"(today is {today.isoformat()})",
            [_entry_text(ledger, e, citing.get(e.index, [])) for e in expired],
        )
    unbacked = _unbacked_acceptances(cases, ledger, today)
    if unbacked:
        verdict.add(
            INCOMPATIBLE,
            f"{plural(len(unbacked), 'accepted difference')} not backed by a live entry in {path}",
            unbacked,
        )
    stale = [e for e in ledger.entries if not e.expired(today) and e.index not in citing]
    if stale:
        verdict.add(
            WARNING,
            f"{plural(len(stale), 'stale ledger entry', 'stale ledger entries')} "
            "(matched nothing in this run; remove them if the difference is gone)",
            [_entry_text(ledger, e, []) for e in stale],
        )


def _citations(cases: list[dict[str, Any]]) -> dict[int, list[str]]:
    citing: dict[int, list[str]] = {}
    for case in cases:
        for diff in _list(case.get("accepted")):
            cited = diff.get("ledger") if isinstance(diff, dict) else None
            if isinstance(cited, dict) and isinstance(cited.get("index"), int):
                ids = citing.setdefault(cited["index"], [])
                if case["id"] not in ids:
                    ids.append(case["id"])
    return citing


def _unbacked_acceptances(cases: list[dict[str, Any]], ledger: Ledger, today: date) -> list[str]:
    problems = []
    for case in cases:
        accepted = _list(case.get("accepted"))
        if case["status"] == "accepted" and not accepted:
            problems.append(f"{case['id']}: status 'accepted' with no accepted difference")
        for diff in accepted:
            why = _unbacked(case, diff, ledger, today)
            if why:
                problems.append(f"{case['id']}: {why}")
    return problems


def _unbacked(case: dict[str, Any], diff: object, ledger: Ledger, today: date) -> str | None:
    """Why an accepted difference is not backed by the ledger, or ``None`` when it is."""
    if not isinstance(diff, dict) or not isinstance(diff.get("ledger"), dict):
        return "an accepted difference cites no ledger entry"
    path, cited = str(diff.get("path", "?")), diff["ledger"]
    index = cited.get("index")
    if not isinstance(index, int) or not 0 <= index < len(ledger.entries):
        return f"{path} cites ledger entry {index!r}, which {ledger.file} does not have"
    entry = ledger.entries[index]
    current = entry.to_json()
    changed = [
        k
        for k in ("case", "method", "path", "reason", "owner", "expires")
        if cited.get(k) != current[k]
    ]
    if changed:
        return f"{path} cites ledger entry {index} as it no longer is ({', '.join(changed)})"
    if not entry.matches(case["id"], _step_call(case, path), path):
        return f"{path} is not matched by ledger entry {index} (line {entry.line})"
    if entry.expired(today):
        return f"{path} is accepted by ledger entry {index}, which expired on {entry.expires}"
    return None


def _step_call(case: dict[str, Any], path: str) -> str | None:
    match = re.match(r"\[(\d+)\]", path)
    labels = case["baseline"].get("labels") if isinstance(case.get("baseline"), dict) else None
    if match and isinstance(labels, list) and int(match.group(1)) < len(labels):
        return str(labels[int(match.group(1))]).split("(", 1)[0]
    return None


def _entry_text(ledger: Ledger, entry: Entry, citing: list[str]) -> str:
    target = f"case {entry.case}" if entry.case else f"method {entry.method}"
    text = (
        f"{ledger.file}:{entry.line} ({target}, path {entry.path}, owner {entry.owner}, "
        f"expires {entry.expires.isoformat()})"
    )
    return text + (f" — accepts {', '.join(citing)}" if citing else "")


def _first_difference(case: dict[str, Any]) -> str:
    diffs = [d for d in _list(case.get("differences")) if isinstance(d, dict)]
    if not diffs:
        return "(no differences listed)"
    first = diffs[0]
    call = _step_call(case, str(first.get("path", "")))
    where = f" in {call}" if call else ""
    more = f" (+{len(diffs) - 1} more)" if len(diffs) > 1 else ""
    return f"{first.get('path', '?')} {first.get('kind', 'differs')}{where}{more}"


def _first_line(value: object) -> str:
    text = str(value or "(no reason given)").strip()
    line = text.splitlines()[0] if text else "(no reason given)"
    return line if len(line) <= 200 else line[:199] + "…"


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


# -- output ------------------------------------------------------------------------------


def counts_line(counts: Mapping[str, int]) -> str:
    """``74 cases: 67 matches, 1 mismatch, 0 noisy cases, ...``."""
    parts = [plural(counts.get(s, 0), *NOUNS[s]) for s in STATUSES]
    return f"{plural(counts.get('cases', 0), 'case')}: {', '.join(parts)}"


def _headline(verdict: Verdict) -> str:
    words = {PASS: "PASS", INCOMPATIBLE: "FAIL", UNTRUSTED: "FAIL: cannot be trusted"}
    tier = f"{verdict.tier} tier" if verdict.tier else "unknown tier"
    pair = ""
    if verdict.run.get("baseline") and verdict.run.get("candidate"):
        pair = f", {verdict.run['baseline']} vs {verdict.run['candidate']}"
    return f"parity gate: {words[verdict.status]} (exit {verdict.status}) — {tier}{pair}"


def render_text(verdict: Verdict) -> str:
    """The summary printed to stdout."""
    lines = [_headline(verdict), f"report: {verdict.report}"]
    if verdict.merged:
        lines[-1] = f"reports: {len(verdict.merged)} shards merged: {', '.join(verdict.merged)}"
    if verdict.counts:
        lines.append(counts_line(verdict.counts))
    problems = verdict.problems
    lines.append(f"{plural(len(problems), 'problem')}" + (":" if problems else ""))
    lines += _text_findings(problems)
    if verdict.warnings:
        lines.append(f"{plural(len(verdict.warnings), 'warning')}:")
        lines += _text_findings(verdict.warnings)
    return "\n".join(lines) + "\n"


def _text_findings(findings: list[Finding]) -> list[str]:
    lines = []
    for finding in findings:
        lines.append(f"  - {finding.message}")
        lines += [f"      {subject}" for subject in finding.subjects]
    return lines


def render_markdown(verdict: Verdict) -> str:
    """The summary as Markdown: a table of counts and bullet lists of problems."""
    title = {PASS: "passed", INCOMPATIBLE: "failed", UNTRUSTED: "failed: cannot be trusted"}
    lines = [
        f"## Parity gate ({verdict.tier or 'unknown'} tier): {title[verdict.status]}"
        f" (exit {verdict.status})",
        "",
        f"Report: `{_code(str(verdict.report))}`",
        "",
    ]
    if verdict.counts:
        lines += ["| status | cases |", "| --- | ---: |"]
        lines += [f"| {name} | {count} |" for name, count in verdict.counts.items()]
        lines.append("")
    lines += _markdown_section("Problems", verdict.problems)
    lines += _markdown_section("Warnings", verdict.warnings)
    return "\n".join(lines) + "\n"


def _markdown_section(title: str, findings: list[Finding]) -> list[str]:
    if not findings:
        return [f"### {title}", "", "None.", ""] if title == "Problems" else []
    lines = [f"### {title}", ""]
    for finding in findings:
        lines.append(f"- **{_inline(finding.message)}**")
        lines += [f"  - {_subject(subject)}" for subject in finding.subjects]
    return [*lines, ""]


def _subject(subject: str) -> str:
    """A case id (before ``": "``) as code, the rest as text."""
    case_id, sep, rest = subject.partition(": ")
    if sep and " " not in case_id:
        return f"`{_code(case_id)}`: {_inline(rest)}"
    if " " not in subject:
        return f"`{_code(subject)}`"
    return _inline(subject)


def _code(text: str) -> str:
    return " ".join(text.split()).replace("`", "'")


def _inline(text: str) -> str:
    text = " ".join(text.split())
    return re.sub(r"([\\`*_<>\[\]|#])", r"\\\1", text)


def write_summaries(verdict: Verdict, markdown: str, options: Options) -> list[str]:
    """Write the Markdown summary (and append it to $GITHUB_STEP_SUMMARY); returns errors."""
    target = options.summary or _default_summary(verdict)
    errors = []
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(markdown, encoding="utf-8")
    except OSError as error:
        errors.append(f"could not write the summary to {target}: {error}")
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        try:
            with Path(step_summary).open("a", encoding="utf-8") as stream:
                stream.write(markdown)
        except OSError as error:
            errors.append(f"could not append to $GITHUB_STEP_SUMMARY ({step_summary}): {error}")
    return errors


def _default_summary(verdict: Verdict) -> Path:
    if verdict.tier:
        return Path("reports") / verdict.tier / "summary.md"
    return verdict.report.parent / "summary.md"
