"""The HTML compatibility report in a real browser (Debian's chromium through Playwright).

Needs the ``playwright`` Python package and ``/usr/bin/chromium`` (``apt-get install
chromium``; Playwright's own browser downloads are not used). Without chromium the test is
skipped, except in CI (``CI`` set), where a missing browser fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.report.html import render_html

pytestmark = pytest.mark.integration

CHROMIUM = Path(os.environ.get("PARITY_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT = Path(__file__).resolve().parents[2] / "reports" / "screenshots" / "compatibility.png"
STATUSES = ("match", "mismatch", "noise", "accepted", "error", "not_run")


def _side(backend: str, observation: list[Any], requests: dict[str, int], s: float) -> Any:
    return {
        "backend": backend,
        "observation": observation,
        "raw": None,
        "labels": [f"{step['call']}({step['args']})" for step in observation],
        "requests": requests,
        "seconds": s,
        "canonical_seconds": 0.0003,
        "error": None,
    }


def _user(symbol: str, email: str, total: str) -> dict[str, Any]:
    return {
        "$type": "User",
        "id": symbol,
        "email": email,
        "password_hash": "secret:sha256:c24fd7d9baa9",
        "balance": {"$decimal": total},
        "created_at": {"$datetime": "2026-01-01T00:00:00.001Z"},
    }


def _steps(email: str, total: str, listed: list[str]) -> list[Any]:
    return [
        {"call": "seed:small_shop", "args": {}, "outcome": "returned", "value": {"n": 3}},
        {
            "call": "users.get_by_email",
            "args": {"email": "Ann@Example.com"},
            "outcome": "returned",
            "value": _user("user#1", email, total),
        },
        {"call": "users.list", "args": {"limit": 2}, "outcome": "returned", "value": listed},
    ]


def _case(case_id: str, status: str, **extra: Any) -> dict[str, Any]:
    case: dict[str, Any] = {
        "id": case_id,
        "description": case_id.split(":", 1)[1].replace("-", " "),
        "covers": [case_id.split(":", 1)[0]],
        "source": "suites/contract/cases_users.py:42",
        "tier": "integration",
        "status": status,
    }
    if status != "not_run":
        same = _steps("ann@example.com", "1.50", ["user#1", "user#2"])
        case |= {
            "seed": "small_shop",
            "error": None,
            "suspects": [],
            "differences": [],
            "noise": [],
            "accepted": [],
            "compare_seconds": 0.0002,
            "baseline": _side("mysql", same, {"SELECT": 3}, 0.004),
            "candidate": _side("dynamodb", same, {"Query": 2, "GetItem": 1}, 0.09),
            "baseline_again_seconds": 0.004,
        }
    return case | extra


def browser_report() -> dict[str, Any]:
    """Several statuses: a mismatch with differences, noise, accepted (ledger), error, not run."""
    left = _steps("ann@example.com", "1.50", ["user#1", "user#2"])
    right = _steps("Ann@Example.com", "1.50", ["user#2", "user#1"])
    entry = {
        "index": 0,
        "line": 4,
        "case": "carts.total:rounds-the-total",
        "method": None,
        "path": "[1].value.balance",
        "reason": "DynamoDB numbers drop trailing zeros",
        "owner": "data-team@example.com",
        "expires": "2099-12-31",
    }
    cases = [
        _case(
            "users.get_by_email:keeps-the-case-of-emails",
            "mismatch",
            suspects=["users.get_by_email"],
            differences=[
                {
                    "path": "[1].value.email",
                    "kind": "changed",
                    "baseline": "ann@example.com",
                    "candidate": "Ann@Example.com",
                }
            ],
            baseline=_side("mysql", left, {"SELECT": 3}, 0.004),
            candidate=_side("dynamodb", right, {"Query": 2}, 0.08),
        ),
        _case(
            "users.list:pages-through-users",
            "noise",
            noise=[
                {
                    "path": "[2].value[0]",
                    "kind": "changed",
                    "baseline": "user#1",
                    "candidate": "user#2",
                }
            ],
        ),
        _case("users.get:finds-a-user", "match"),
        _case("users.create:refuses-<b>duplicate</b>-emails", "match"),
        _case(
            "carts.total:rounds-the-total",
            "accepted",
            accepted=[
                {
                    "path": "[1].value.balance",
                    "kind": "changed",
                    "baseline": {"$decimal": "1.50"},
                    "candidate": {"$decimal": "1.5"},
                    "ledger": entry,
                }
            ],
        ),
        _case(
            "orders.place:charges-once",
            "error",
            error="the candidate crashed: TransactionCanceledException",
            baseline=None,
            candidate=None,
        ),
        _case("orders.cancel:refunds", "not_run"),
        _case("categories.path:walks-up", "not_run"),
    ]
    counts = {s: sum(1 for c in cases if c["status"] == s) for s in STATUSES}
    methods = sorted({m for c in cases for m in c["covers"]})
    return {
        "schema": "parity-compatibility/1",
        "complete": True,
        "incomplete_reasons": [],
        "run": {
            "tier": "integration",
            "target": "shop",
            "baseline": "mysql",
            "candidate": "dynamodb",
            "started_at": "2026-11-25T08:00:00Z",
            "finished_at": "2026-11-25T08:01:05Z",
            "seconds": 65.2,
            "workers": 2,
            "parity_version": "0.1.0",
            "provisioning": ["mysql: testcontainers mysql:8.4", "dynamodb: moto server"],
        },
        "summary": {"cases": len(cases), **counts},
        "methods": [
            {
                "method": m,
                "cases": sum(1 for c in cases if m in c["covers"]),
                **{
                    s: sum(1 for c in cases if m in c["covers"] and c["status"] == s)
                    for s in STATUSES
                },
            }
            for m in methods
        ],
        "baseline_check": {
            "file": "reports/baselines/integration.json",
            "drift": [],
            "missing": ["orders.place:charges-once"],
            "unused": [],
            "updated": False,
        },
        "ledger": {
            "file": "reports/baselines/divergence-ledger.toml",
            "entries": 2,
            "used": [0],
            "expired": [],
            "stale": [{**entry, "index": 1, "line": 9, "reason": "nothing matches this any more"}],
        },
        "cases": sorted(cases, key=lambda c: c["id"]),
        "end": "parity-compatibility/1",
    }


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(
                f"CI is set but there is no chromium at {CHROMIUM}: apt-get install chromium"
            )
        pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium); not in CI, so skipped")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("chromium is here but the playwright package is not: pip install playwright")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _visible_ids(page: Any) -> list[str]:
    ids: list[str] = page.eval_on_selector_all(
        "tr.case", "rows => rows.filter(r => !r.hidden).map(r => r.dataset.id)"
    )
    return ids


def test_the_report_filters_expands_and_highlights_in_chromium(
    browser: Any, tmp_path: Path
) -> None:
    report = browser_report()
    file = tmp_path / "compatibility.html"
    file.write_text(render_html(report), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    problems: list[str] = []
    page.on(
        "console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type == "error" else None
    )
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.goto(file.as_uri())

    everything = [c["id"] for c in report["cases"]]
    assert _visible_ids(page) == everything
    assert page.text_content("#shown") == "8 cases shown of 8"
    assert "INCOMPLETE" not in page.text_content("body")

    # status: only mismatches
    for status in STATUSES:
        if status != "mismatch":
            page.uncheck(f"#filters input[value={status}]")
    assert _visible_ids(page) == ["users.get_by_email:keeps-the-case-of-emails"]
    assert page.text_content("#shown") == "1 case shown of 8"

    # repository
    page.click("#show-all")
    page.select_option("#repository", "orders")
    assert _visible_ids(page) == ["orders.cancel:refunds", "orders.place:charges-once"]
    page.uncheck("#filters input[value=not_run]")
    assert _visible_ids(page) == ["orders.place:charges-once"]

    # text filter on the case id
    page.click("#show-all")
    page.fill("#text", "USERS.LIST")
    assert _visible_ids(page) == ["users.list:pages-through-users"]

    # a summary tile lists only its status
    page.click("#show-all")
    page.click("[data-only-status=accepted]")
    assert _visible_ids(page) == ["carts.total:rounds-the-total"]

    # expanding the mismatch: differences labelled by backend, the differing path lit up
    page.click("#show-all")
    page.click("tr.case[data-id='users.get_by_email:keeps-the-case-of-emails'] button.toggle")
    detail = page.locator("tr.detail:not([hidden])")
    assert detail.count() == 1
    text = detail.text_content() or ""
    assert "baseline (mysql)" in text and "candidate (dynamodb)" in text
    assert "3 requests: SELECT \u00d73" in text and "Query \u00d72" in text
    row = detail.locator(".diff-table tr[data-path='[1].value.email']")
    assert "ann@example.com" in (row.text_content() or "")
    step = detail.locator("details.step.differs")
    assert step.count() == 1 and step.get_attribute("data-step") == "1"
    assert step.evaluate("d => d.open")
    lit = step.locator(".hl-diff")
    assert lit.count() == 2  # the same path on both sides
    assert [t.strip() for t in lit.all_text_contents()] == [
        '"email": "ann@example.com",',
        '"email": "Ann@Example.com",',
    ]
    assert detail.locator("a.source").get_attribute("href").endswith("/cases_users.py")
    # steps that agree are there, closed
    assert detail.locator("details.step:not(.differs)").count() == 2

    # accepted: the ledger entry and the accepted highlight
    page.click("tr.case[data-id='carts.total:rounds-the-total'] button.toggle")
    accepted = page.locator("#detail-0")
    assert "DynamoDB numbers drop trailing zeros" in (accepted.text_content() or "")
    assert "data-team@example.com" in (accepted.text_content() or "")
    assert accepted.locator(".hl-accepted").count() >= 2

    # noise is shown apart, muted
    page.click("tr.case[data-id='users.list:pages-through-users'] button.toggle")
    noise = page.locator("tr.detail:not([hidden]) .noise-table")
    assert noise.count() == 1
    assert float(noise.evaluate("n => getComputedStyle(n).opacity")) < 1

    # error: the reason, and no observations to show
    page.click("tr.case[data-id='orders.place:charges-once'] button.toggle")
    assert "TransactionCanceledException" in (page.locator(".errortext").first.text_content() or "")

    # not run: listed, status only, nothing to expand
    not_run = page.locator("tr.case[data-id='orders.cancel:refunds']")
    assert not_run.locator("button.toggle").count() == 0
    assert (not_run.locator(".badge").text_content() or "") == "not run"

    # the hostile-looking id is text, not markup
    assert page.locator("tr.case td.id b").count() == 0

    # collapse the detail of the accepted case again
    page.click("tr.case[data-id='carts.total:rounds-the-total'] button.toggle")
    assert accepted.is_hidden()

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.click("[data-only-status=mismatch]")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000
    assert problems == []
    page.close()
