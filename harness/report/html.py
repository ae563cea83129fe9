"""The compatibility report as one self-contained HTML page (``compatibility.html``).

The page is rendered with Jinja2 (autoescape on) from ``harness/templates/compatibility.html.j2``.
Summary, method matrix and the list of cases are rendered here; the detail of each case
(differences, timings, the two sides' observations side by side) is rendered lazily in the
browser from one embedded JSON blob, so a report of several megabytes stays fast to open.
The page needs no network: CSS and JS are inline and it works from ``file://``.

The page opens on what broke (``harness/report/html_broke.py``), lists failures first, and
links each case to its source relative to the report (or on GitHub when run there; see
``harness/report/html_links.py``), never by an absolute local path.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path, PurePath, PurePosixPath
from typing import Any

import jinja2

from harness.report.html_broke import (
    BASELINE_DRIFT,
    STATUS_ORDER,
    display_order,
    found_ids,
    is_found_program,
    what_broke,
)
from harness.report.html_links import SourceLinks, source_links
from harness.report.wording import plural

STATUSES = ("match", "mismatch", "noise", "accepted", "error", "not_run")
STATUS_LABELS = {
    "match": "match",
    "mismatch": "mismatch",
    "noise": "noise",
    "accepted": "accepted",
    "error": "error",
    "not_run": "not run",
}
# what a reader of a case does not need and the page would only carry around
_SIDE_KEYS_DROPPED = frozenset({"raw"})


def render_html(
    report: Mapping[str, Any],
    *,
    source_root: Path | None = None,
    report_dir: str | PurePath | None = None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """The report as one HTML page (inline CSS and JS, no network).

    ``source_root`` is the project's root, where the cases' sources are (default: the working
    directory, the project being verified); ``report_dir`` is the directory the page is
    written to, relative to that root (default ``reports/<tier>``), for links to the sources
    relative to the page. When ``environ`` (default ``os.environ``) has ``GITHUB_SERVER_URL``,
    ``GITHUB_REPOSITORY`` and ``GITHUB_SHA``, the sources link to that commit on GitHub.
    """
    run: Mapping[str, Any] = report.get("run") or {}
    root = source_root if source_root is not None else Path.cwd()
    if report_dir is None:
        report_dir = PurePosixPath("reports") / str(run.get("tier") or "unknown")
    links = source_links(root, report_dir, os.environ if environ is None else environ)
    cases: Sequence[Mapping[str, Any]] = report.get("cases") or []
    summary: Mapping[str, Any] = report.get("summary") or {}
    counts = {
        s: int(summary.get(s, sum(1 for c in cases if c.get("status") == s))) for s in STATUSES
    }
    total = int(summary.get("cases", len(cases)))
    order = display_order(cases)
    found = found_ids(run)
    rows = [_case_row(i, cases[i], found) for i in order]
    repositories = sorted({r for row in rows for r in row["repositories"]})
    data = {
        "baseline": str(run.get("baseline") or "baseline"),
        "candidate": str(run.get("candidate") or "candidate"),
        "statusLabels": STATUS_LABELS,
        "cases": [_case_data(case, links) for case in cases],
    }
    template = _environment().get_template("compatibility.html.j2")
    return template.render(
        report=report,
        run=run,
        complete=bool(report.get("complete", False)) and report.get("end") is not None,
        incomplete_reasons=list(report.get("incomplete_reasons") or []),
        ended=report.get("end") is not None,
        statuses=STATUSES,
        status_labels=STATUS_LABELS,
        status_order=STATUS_ORDER,
        counts=counts,
        total=total,
        ran=sum(1 for c in cases if c.get("status") != "not_run"),
        broke=what_broke(cases, order, run),
        method_groups=_method_groups(report.get("methods") or []),
        cost={"methods": list((report.get("cost") or {}).get("methods") or [])},
        cost_reported=dict((report.get("cost") or {}).get("reported_capacity") or {}),
        baseline_check=report.get("baseline_check") or {},
        ledger=report.get("ledger") or {},
        rows=rows,
        repositories=repositories,
        data=data,
    )


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # keep the observations' key order (the order the backends' values had)
    env.policies["json.dumps_kwargs"] = {"sort_keys": False}
    env.filters["plural"] = plural
    env.filters["duration"] = duration
    return env


def duration(seconds: object) -> str:
    """A readable duration: ``850 µs``, ``12.3 ms``, ``4.20 s``, ``3 min 05 s``."""
    if not isinstance(seconds, int | float) or isinstance(seconds, bool):
        return "?"
    if seconds < 0.001:
        return f"{seconds * 1_000_000:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def _repositories(covers: Iterable[str], case_id: str) -> list[str]:
    found = sorted({c.split(".", 1)[0] for c in covers if c})
    return found or [case_id.split(".", 1)[0].split(":", 1)[0]]


def _case_row(index: int, case: Mapping[str, Any], found: frozenset[str]) -> dict[str, Any]:
    case_id = str(case.get("id", ""))
    covers = [str(c) for c in case.get("covers") or []]
    status = str(case.get("status", "error"))
    return {
        "index": index,
        "id": case_id,
        "status": status,
        "drift": status == "mismatch" and case.get("blame") == BASELINE_DRIFT,
        "found_program": is_found_program(case, found),
        "covers": covers,
        "suspects": [str(s) for s in case.get("suspects") or []],
        "repositories": _repositories(covers, case_id),
        "differences": len(case.get("differences") or []),
    }


def _case_data(case: Mapping[str, Any], links: SourceLinks) -> dict[str, Any]:
    out = {k: v for k, v in case.items() if k not in ("baseline", "candidate")}
    for side in ("baseline", "candidate"):
        value = case.get(side)
        if isinstance(value, Mapping):
            out[side] = {k: v for k, v in value.items() if k not in _SIDE_KEYS_DROPPED}
    source = links.source(case.get("source"))
    if source is not None:  # shown relative to the project's root, never as a local path
        out["source"] = str(source)
    out["source_href"] = links.href(case.get("source"))
    return out


def _method_groups(methods: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows of the method matrix grouped by repository (``users`` of ``users.create``)."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for row in methods:
        name = str(row.get("method", ""))
        groups.setdefault(name.split(".", 1)[0], []).append(row)
    out = []
    for repository, rows in groups.items():
        totals = {s: sum(int(r.get(s, 0)) for r in rows) for s in (*STATUSES, "cases")}
        out.append({"repository": repository, "rows": rows, "totals": totals})
    return out
