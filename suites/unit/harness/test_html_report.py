"""The HTML compatibility report: rendered from a small hand-made report, no browser."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any

import pytest

from harness.canonical import Canonicaliser
from harness.compare import compare
from harness.report.html import plural, render_html
from suites.target import RULES

pytestmark = pytest.mark.unit

RAW_HASH = "scrypt$16384$8$1$c2FsdA$bmV3"
HOSTILE = "<script>alert('pwned')</script>"


@dataclass(frozen=True)
class User:
    id: int
    email: str
    password_hash: str


def _side(backend: str, observation: list[Any], requests: dict[str, int]) -> dict[str, Any]:
    return {
        "backend": backend,
        "observation": observation,
        "raw": observation,
        "labels": [f"{step['call']}()" for step in observation],
        "requests": requests,
        "seconds": 0.0123,
        "canonical_seconds": 0.0004,
        "error": None,
    }


def _observe(user: User) -> list[Any]:
    """One step, canonicalised by the harness with the shop's rules (secrets digested)."""
    value = Canonicaliser(RULES).value(user)
    return [
        {"call": "users.get", "args": {"user_id": "user#1"}, "outcome": "returned", "value": value}
    ]


def _case(case_id: str, status: str, **extra: Any) -> dict[str, Any]:
    case: dict[str, Any] = {
        "id": case_id,
        "description": f"description of {case_id}",
        "covers": [case_id.split(":", 1)[0]],
        "source": "suites/contract/cases_users.py:12",
        "tier": "unit",
        "status": status,
    }
    if status != "not_run":
        case |= {
            "seed": None,
            "error": None,
            "suspects": [],
            "differences": [],
            "noise": [],
            "accepted": [],
            "compare_seconds": 0.0001,
            "baseline": _side("mysql", [], {"SELECT": 1}),
            "candidate": _side("dynamodb", [], {"GetItem": 1}),
            "baseline_again_seconds": 0.01,
        }
    case |= extra
    return case


def small_report(*, complete: bool = True) -> dict[str, Any]:
    """A report with every status; the mismatch goes through the harness's canonicaliser."""
    left = _observe(User(101, "Ann@Example.com", RAW_HASH))
    right = _observe(User(9001, "ann@example.com", RAW_HASH + "x"))
    diffs = [d.to_json() for d in compare(left, right).mismatches]
    entry = {
        "index": 0,
        "line": 3,
        "case": "carts.get:accepted",
        "method": None,
        "path": "*",
        "reason": "carts round totals differently",
        "owner": "team@example.com",
        "expires": "2099-01-01",
    }
    cases = [
        _case(
            "users.get:mismatch",
            "mismatch",
            description=f"hostile {HOSTILE}",
            suspects=["users.get"],
            differences=diffs,
            baseline=_side("mysql", left, {"SELECT": 2}),
            candidate=_side("dynamodb", right, {"GetItem": 1, "Query": 1}),
        ),
        _case("users.list:match", "match"),
        _case(
            "users.list:noise",
            "noise",
            noise=[{"path": "[0].value", "kind": "changed", "baseline": 1, "candidate": 2}],
        ),
        _case(
            "carts.get:accepted",
            "accepted",
            accepted=[
                {
                    "path": "[0].value",
                    "kind": "changed",
                    "baseline": {"$decimal": "1.50"},
                    "candidate": {"$decimal": "1.5"},
                    "ledger": entry,
                }
            ],
        ),
        _case("carts.add:error", "error", error=f"the candidate crashed: {HOSTILE}"),
        _case("orders.place:not-run", "not_run"),
    ]
    statuses = ("match", "mismatch", "noise", "accepted", "error", "not_run")
    return {
        "schema": "parity-compatibility/1",
        "complete": complete,
        "incomplete_reasons": [] if complete else ["worker gw1 was lost <b>mid-run</b>"],
        "run": {
            "tier": "unit",
            "target": "shop",
            "baseline": "mysql",
            "candidate": "dynamodb",
            "started_at": "2026-11-25T08:00:00Z",
            "finished_at": "2026-11-25T08:00:09Z",
            "seconds": 9.0,
            "workers": 1,
            "parity_version": "0.1.0",
            "provisioning": [],
        },
        "summary": {"cases": len(cases), **{s: 1 for s in statuses}},
        "methods": [
            {"method": "users.get", "cases": 1, **{s: int(s == "mismatch") for s in statuses}},
            {"method": "carts.get", "cases": 1, **{s: int(s == "accepted") for s in statuses}},
        ],
        "baseline_check": {
            "file": "reports/baselines/unit.json",
            "drift": ["users.list:drifting"],
            "missing": [],
            "unused": ["users.gone:old", "users.gone:older"],
            "updated": False,
        },
        "ledger": {
            "file": "reports/baselines/divergence-ledger.toml",
            "entries": 2,
            "used": [0],
            "expired": [
                {**entry, "index": 1, "reason": "an expired entry", "expires": "2020-01-01"}
            ],
            "stale": [],
        },
        "cases": cases,
        **({"end": "parity-compatibility/1"} if complete else {}),
    }


def _blob(page: str) -> Any:
    found = re.search(
        r'<script type="application/json" id="parity-data">(.*?)</script>', page, re.DOTALL
    )
    assert found is not None
    return json.loads(found.group(1))


def test_hostile_strings_are_escaped_in_markup_and_in_the_json_blob() -> None:
    page = render_html(small_report())
    assert HOSTILE not in page
    assert "<script>alert" not in page
    # only the page's own two script tags (the data blob and the code)
    assert page.count("<script") == 2
    assert page.count("</script>") == 2
    blob = _blob(page)
    assert blob["cases"][0]["description"] == f"hostile {HOSTILE}"
    assert "pwned" in blob["cases"][4]["error"]


def test_every_status_and_both_labelled_sides_are_shown() -> None:
    page = render_html(small_report())
    for status in ("match", "mismatch", "noise", "accepted", "error", "not_run"):
        assert f'data-status="{status}"' in page
        assert f'value="{status}"' in page  # a filter checkbox per status
    assert "not run" in page
    assert "mysql (baseline)" in page and "dynamodb (candidate)" in page
    blob = _blob(page)
    assert (blob["baseline"], blob["candidate"]) == ("mysql", "dynamodb")
    assert "baseline (" in page and "candidate (" in page  # the column labels in the code
    # repositories for the filter, from the part of each method before the dot
    for repository in ("users", "carts", "orders"):
        assert f'<option value="{repository}">' in page


def test_not_run_cases_are_listed_without_a_detail() -> None:
    page = render_html(small_report())
    row = re.search(r'<tr class="case"[^>]*data-id="orders.place:not-run".*?</tr>', page, re.S)
    assert row is not None
    assert "toggle" not in row.group(0)
    assert page.count('class="detail"') == 5


def test_the_reports_secrets_are_only_ever_digests() -> None:
    report = small_report()
    assert RAW_HASH not in json.dumps(report)
    page = render_html(report)
    assert "scrypt$" not in page
    assert "secret:sha256:" in page
    # the raw (unaligned) observations are left out of the page
    assert "raw" not in _blob(page)["cases"][0]["baseline"]


def test_a_complete_run_says_so_and_an_incomplete_one_shouts() -> None:
    assert 'id="incomplete"' not in render_html(small_report())
    page = render_html(small_report(complete=False))
    assert 'id="incomplete"' in page
    assert "INCOMPLETE RUN" in page
    assert "worker gw1 was lost &lt;b&gt;mid-run&lt;/b&gt;" in page
    assert page.index('id="incomplete"') < page.index("<header>")


def test_summary_baseline_check_and_ledger() -> None:
    page = render_html(small_report())
    assert "6 cases" in page
    assert "drift: the baseline backend behaved differently" in page
    assert "users.list:drifting" in page
    assert "in the committed baseline but not run: 2 cases" in page
    assert "missing from the committed baseline: 0 cases" in page
    assert "2 entries, 1 used" in page
    assert "an expired entry" in page
    assert 'data-method="users.get"' in page and 'data-repository="carts"' in page


def test_case_sources_link_to_files() -> None:
    page = render_html(small_report())
    href = _blob(page)["cases"][0]["source_href"]
    assert href.startswith("file:///") and href.endswith("/suites/contract/cases_users.py")


def test_wording_is_plural_correct() -> None:
    assert plural(1, "case") == "1 case"
    assert plural(2, "case") == "2 cases"
    assert plural(0, "case") == "0 cases"
    assert plural(1, "entry", "entries") == "1 entry"
    assert plural(3, "entry", "entries") == "3 entries"
    one = small_report()
    one["cases"] = one["cases"][:1]
    one["summary"]["cases"] = 1
    page = render_html(one)
    assert "1 case in all" in page
    assert "1 case shown" in page
    assert "1 cases" not in page


def test_a_report_with_missing_sections_still_renders() -> None:
    page = render_html({"schema": "parity-compatibility/1", "complete": False, "cases": []})
    assert "INCOMPLETE RUN" in page
    assert "0 cases" in page
    assert html.unescape(page).count("?") >= 1
