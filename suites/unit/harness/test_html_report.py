"""The HTML compatibility report: rendered from a small hand-made report, no browser."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
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


def _panel(page: str) -> str:
    found = re.search(r'<section id="what-broke".*?</section>', page, re.DOTALL)
    assert found is not None
    return found.group(0)


def _panel_lines(page: str) -> dict[str, str]:
    """Each "what broke" row as one line of text, by case id."""
    rows = re.findall(r'<tr data-id="([^"]*)"(.*?)</tr>', _panel(page), re.DOTALL)
    return {html.unescape(i): _text(row.split(">", 1)[1]) for i, row in rows}


def _text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def _listed_ids(page: str) -> list[str]:
    return [html.unescape(i) for i in re.findall(r'<tr class="case"[^>]*data-id="([^"]*)"', page)]


def test_what_broke_lists_each_failing_case_with_its_method_and_first_difference() -> None:
    page = render_html(small_report(), environ={})
    lines = _panel_lines(page)
    assert list(lines) == ["users.get:mismatch", "carts.add:error"]
    assert lines["users.get:mismatch"] == (
        "users.get:mismatch mismatch users.get [0].value.email changed (+1 more) users.get()"
    )
    assert "the candidate crashed:" in lines["carts.add:error"]
    assert "What broke: 2 cases" in _panel(page)
    # the panel is the first thing in the page's main part, above the run and the results
    assert page.index('id="what-broke"') < page.index('id="run-info"') < page.index('id="cases"')


def test_what_broke_links_each_line_to_its_case_in_the_list() -> None:
    page = render_html(small_report(), environ={})
    links = re.findall(r'<a class="to-case" href="#(case-\d+)"', _panel(page))
    assert links == ["case-0", "case-4"]
    for anchor, case_id in zip(links, ["users.get:mismatch", "carts.add:error"], strict=True):
        assert re.search(rf'<tr class="case" id="{anchor}"[^>]*data-id="{case_id}"', page)


def test_what_broke_names_baseline_drift_and_found_programs() -> None:
    report = small_report()
    drifted = report["cases"][0] | {
        "id": "users.get:drifts",
        "blame": "baseline-drift",
        "suspects": ["baseline:mysql"],
    }
    found_id = "users.get:users-get-differs-in-a-found-program-3f2a91c0"
    found = _case(
        found_id,
        "mismatch",
        suspects=["users.get"],
        differences=[{"path": "[2]", "kind": "only in candidate", "baseline": None}],
        program={"calls": 3, "calls_before_shrinking": 9, "first_difference": "x"},
        candidate=_side(
            "dynamodb",
            [{"call": c} for c in ("seed:small_shop", "users.create", "users.get")],
            {},
        ),
        baseline=_side("mysql", [], {}),
    )
    # a found program the ledger accepted still shows: the run found it
    listed_only = _case("carts.get:carts-get-differs-in-a-found-program-00aa11bb", "accepted")
    report["cases"] += [drifted, found, listed_only]
    report["run"]["exploration"] = {"found": [found_id, listed_only["id"]]}
    lines = _panel_lines(render_html(report, environ={}))
    assert lines["users.get:drifts"].startswith("users.get:drifts baseline drift baseline:mysql")
    # the step's label falls back to the other side's labels when the baseline has none
    assert lines[found_id] == (
        f"{found_id} mismatch found program users.get [2] only in candidate users.get()"
    )
    assert lines[listed_only["id"]].startswith(f"{listed_only['id']} accepted found program")
    assert "users.list:noise" not in lines and "users.list:match" not in lines


def test_when_nothing_broke_the_panel_says_so_plainly() -> None:
    report = small_report()
    report["cases"] = [c for c in report["cases"] if c["status"] not in ("mismatch", "error")]
    panel = _panel(render_html(report, environ={}))
    assert "<table" not in panel
    assert _text(panel) == (
        "What broke Nothing broke: no mismatch, error, baseline drift or found program "
        "in the 3 cases that ran."
    )
    report["complete"] = False
    assert "The run is incomplete" in _panel(render_html(report, environ={}))


def test_failures_come_first_in_the_case_list_then_by_id_within_each_status() -> None:
    report = small_report()
    report["cases"] += [
        _case("a.first:mismatch", "mismatch"),
        _case("z.last:error", "error"),
        _case("a.first:match", "match"),
        _case("a.first:not-run", "not_run"),
    ]
    assert _listed_ids(render_html(report, environ={})) == [
        "a.first:mismatch",
        "users.get:mismatch",
        "carts.add:error",
        "z.last:error",
        "users.list:noise",
        "carts.get:accepted",
        "a.first:not-run",
        "orders.place:not-run",
        "a.first:match",
        "users.list:match",
    ]
    # the page's data keeps the report's order: rows find their case by index
    assert [c["id"] for c in _blob(render_html(report, environ={}))["cases"]] == [
        c["id"] for c in report["cases"]
    ]


def test_case_sources_link_relative_to_the_report_directory() -> None:
    page = render_html(small_report(), environ={})
    case = _blob(page)["cases"][0]
    assert case["source_href"] == "../../suites/contract/cases_users.py"
    assert case["source"] == "suites/contract/cases_users.py:12"
    elsewhere = render_html(small_report(), environ={}, report_dir="out/html/unit")
    assert _blob(elsewhere)["cases"][0]["source_href"] == "../../../suites/contract/cases_users.py"
    beside = render_html(small_report(), environ={}, report_dir=".")
    assert _blob(beside)["cases"][0]["source_href"] == "suites/contract/cases_users.py"


def test_absolute_sources_under_the_project_root_become_relative(tmp_path: Path) -> None:
    report = small_report()
    for case in report["cases"]:
        case["source"] = f"{tmp_path}/suites/contract/cases_users.py:63"
    report["cases"][1]["source"] = "/somewhere/else/site-packages/cases.py:5"
    page = render_html(report, source_root=tmp_path, environ={})
    blob = _blob(page)["cases"]
    assert blob[0]["source"] == "suites/contract/cases_users.py:63"
    assert blob[0]["source_href"] == "../../suites/contract/cases_users.py"
    # outside the project: no link at all, rather than a dead local one
    assert blob[1]["source_href"] is None
    # an absolute report directory inside the root is the same directory
    absolute = render_html(report, source_root=tmp_path, report_dir=tmp_path / "r", environ={})
    assert _blob(absolute)["cases"][0]["source_href"] == "../suites/contract/cases_users.py"


def test_on_github_actions_sources_link_to_the_commit_on_github(tmp_path: Path) -> None:
    environ = {
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "acme/parity",
        "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
    }
    page = render_html(small_report(), environ=environ)
    assert _blob(page)["cases"][0]["source_href"] == (
        "https://github.com/acme/parity/blob/0123456789abcdef0123456789abcdef01234567/"
        "suites/contract/cases_users.py#L12"
    )
    # a project below the checkout's root (GITHUB_WORKSPACE) keeps its folder in the link
    project = tmp_path / "services" / "shop"
    inner = render_html(
        small_report(),
        source_root=project,
        environ={**environ, "GITHUB_WORKSPACE": str(tmp_path)},
    )
    assert (
        "/blob/0123456789abcdef0123456789abcdef01234567/services/shop/suites/"
        in (_blob(inner)["cases"][0]["source_href"])
    )
    # one variable missing: relative links, as off GitHub
    partial = render_html(small_report(), environ={**environ, "GITHUB_SHA": ""})
    assert _blob(partial)["cases"][0]["source_href"] == "../../suites/contract/cases_users.py"


def test_the_page_holds_no_absolute_local_path(tmp_path: Path) -> None:
    report = small_report()
    for case in report["cases"]:
        case["source"] = f"{tmp_path}/suites/contract/cases_users.py:63"
    for environ in (
        {},
        {
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_REPOSITORY": "a/b",
            "GITHUB_SHA": "abc",
        },
    ):
        page = render_html(report, source_root=tmp_path, environ=environ)
        assert str(tmp_path) not in page
        assert "file:" not in page
        assert not [h for h in _hrefs(page) if h.startswith("/")]


def _hrefs(page: str) -> list[str]:
    found = re.findall(r'href="([^"]*)"', page)
    found += [str(c["source_href"]) for c in _blob(page)["cases"] if c.get("source_href")]
    return found


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
