"""The HTML compatibility report in a real browser (Debian's chromium through Playwright).

Needs the ``playwright`` Python package and ``/usr/bin/chromium`` (``apt-get install
chromium``; Playwright's own browser downloads are not used). Without chromium the tests are
skipped, except in CI (``CI`` set), where a missing browser fails.

Accessibility is checked with axe-core, vendored in ``vendor/axe-core/`` (MPL-2.0; see its
README), injected into the page under test: no serious or critical violation is allowed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.cost.profile import cost_section
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
SCREENSHOTS = Path(__file__).resolve().parents[2] / "reports" / "screenshots"
SCREENSHOT = SCREENSHOTS / "compatibility.png"
WHAT_BROKE_SCREENSHOT = SCREENSHOTS / "what-broke.png"
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
STATUSES = ("match", "mismatch", "noise", "accepted", "error", "not_run")
MISMATCH = "users.get_by_email:keeps-the-case-of-emails"
# the case list: failures first (mismatch, error, noise, accepted, not run, match), by id
DISPLAY_ORDER = [
    MISMATCH,
    "orders.place:charges-once",
    "users.list:pages-through-users",
    "carts.total:rounds-the-total",
    "categories.path:walks-up",
    "orders.cancel:refunds",
    "users.create:refuses-<b>duplicate</b>-emails",
    "users.get:finds-a-user",
]


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
        "calls": [
            {
                "method": step["call"],
                "seconds": s / len(observation),
                "requests": sum(requests.values()),
                "read_units": 0.5 if backend == "dynamodb" else 0.0,
                "write_units": 0.0,
                "rows_examined": 3 if backend == "mysql" else None,
                "full_scans": 0,
            }
            for step in observation
            if not str(step["call"]).startswith("seed:")
        ],
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
        "cost": cost_section(cases, methods, {"baseline": "mysql", "candidate": "dynamodb"}),
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


class Opened:
    """A report open in chromium, and the console errors it logged."""

    def __init__(self, browser: Any, directory: Path, report: dict[str, Any]) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.file = directory / "compatibility.html"
        # environ={}: relative source links, whatever CI's environment holds
        self.file.write_text(render_html(report, environ={}), encoding="utf-8")
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.problems: list[str] = []
        self.page.on(
            "console",
            lambda m: self.problems.append(f"{m.type}: {m.text}") if m.type == "error" else None,
        )
        self.page.on("pageerror", lambda e: self.problems.append(f"pageerror: {e}"))
        self.page.goto(self.file.as_uri())


def _serious_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    assert AXE.is_file(), f"the vendored axe-core is missing: {AXE}"
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}, {len(v['nodes'])} nodes): {v['help']}; "
        + ", ".join(str(n["target"]) for n in v["nodes"][:5])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _in_viewport(locator: Any) -> bool:
    box = locator.bounding_box()
    height = locator.page.viewport_size["height"]
    return box is not None and box["y"] + box["height"] > 0 and box["y"] < height


def _visible_ids(page: Any) -> list[str]:
    ids: list[str] = page.eval_on_selector_all(
        "tr.case", "rows => rows.filter(r => !r.hidden).map(r => r.dataset.id)"
    )
    return ids


def test_the_report_filters_expands_and_highlights_in_chromium(
    browser: Any, tmp_path: Path
) -> None:
    opened = Opened(browser, tmp_path, browser_report())
    page, problems = opened.page, opened.problems

    # failures first: mismatch, error, then noise, accepted, not run, then the matches
    assert _visible_ids(page) == DISPLAY_ORDER
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
    assert _visible_ids(page) == ["orders.place:charges-once", "orders.cancel:refunds"]
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
    # the source, relative to the report in reports/<tier>/ (works in a downloaded artifact)
    assert (
        detail.locator("a.source").get_attribute("href") == "../../suites/contract/cases_users.py"
    )
    # steps that agree are there, closed
    assert detail.locator("details.step:not(.differs)").count() == 2

    # accepted: the ledger entry and the accepted highlight
    page.click("tr.case[data-id='carts.total:rounds-the-total'] button.toggle")
    accepted = page.locator("#detail-0")
    assert "DynamoDB numbers drop trailing zeros" in (accepted.text_content() or "")
    assert "data-team@example.com" in (accepted.text_content() or "")
    assert accepted.locator(".hl-accepted").count() >= 2

    # noise is shown apart, muted (grey text, readable: no opacity)
    page.click("tr.case[data-id='users.list:pages-through-users'] button.toggle")
    noise = page.locator("tr.detail:not([hidden]) .noise-table")
    assert noise.count() == 1
    assert noise.evaluate("n => getComputedStyle(n.querySelector('td')).color") == (
        "rgb(89, 99, 110)"
    )

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


def test_what_broke_lists_the_mismatch_and_its_link_opens_the_case(
    browser: Any, tmp_path: Path
) -> None:
    opened = Opened(browser, tmp_path, browser_report())
    page = opened.page
    panel = page.locator("#what-broke")
    # the first thing under the header, above the run's details and the results
    assert page.evaluate("document.querySelector('main').firstElementChild.id") == "what-broke"
    assert _in_viewport(panel)
    assert (panel.locator("h2").text_content() or "") == "What broke: 2 cases"
    lines = panel.locator("tbody tr")
    assert [lines.nth(i).get_attribute("data-id") for i in range(lines.count())] == [
        MISMATCH,
        "orders.place:charges-once",
    ]
    mismatch = panel.locator(f"tr[data-id='{MISMATCH}']")
    assert (mismatch.locator(".badge").text_content() or "") == "mismatch"
    assert (mismatch.locator("td.method").text_content() or "") == "users.get_by_email"
    first = " ".join((mismatch.locator("td.first").text_content() or "").split())
    assert first == "[1].value.email changed"
    call = mismatch.locator("td.call").text_content() or ""
    assert call == "users.get_by_email({'email': 'Ann@Example.com'})"
    error = panel.locator("tr[data-id='orders.place:charges-once']")
    assert "TransactionCanceledException" in (error.locator("td.first").text_content() or "")

    WHAT_BROKE_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(WHAT_BROKE_SCREENSHOT))  # the top of the page, as it opens
    assert WHAT_BROKE_SCREENSHOT.stat().st_size > 10_000

    # the link opens the case and goes to it, even when the filters had hidden it
    page.uncheck("#filters input[value=mismatch]")
    row = page.locator(f"tr.case[data-id='{MISMATCH}']")
    assert row.is_hidden()
    mismatch.locator("a.to-case").click()
    assert row.is_visible()
    assert row.locator("button.toggle").get_attribute("aria-expanded") == "true"
    index = row.get_attribute("data-index")
    detail = page.locator(f"#detail-{index}")
    assert detail.is_visible()
    assert detail.locator(".diff-table tr[data-path='[1].value.email']").count() == 1
    assert _in_viewport(row)
    assert not _in_viewport(panel)
    assert page.evaluate("document.activeElement.closest('tr.case').dataset.id") == MISMATCH
    assert page.evaluate("location.hash") == f"#case-{index}"

    # a link to the case (the page's address with #case-N) opens it too
    again = browser.new_page(viewport={"width": 1400, "height": 1000})
    again.goto(f"{opened.file.as_uri()}#case-{index}")
    assert again.locator(f"#detail-{index}").is_visible()
    assert _in_viewport(again.locator(f"tr.case[data-id='{MISMATCH}']"))
    again.close()
    assert opened.problems == []
    page.close()


def test_a_run_where_nothing_broke_says_so_at_the_top(browser: Any, tmp_path: Path) -> None:
    report = browser_report()
    report["cases"] = [c for c in report["cases"] if c["status"] not in ("mismatch", "error")]
    opened = Opened(browser, tmp_path, report)
    text = " ".join((opened.page.text_content("#what-broke") or "").split())
    assert text == (
        "What broke Nothing broke: no mismatch, error, baseline drift or found program "
        "in the 4 cases that ran."
    )
    assert opened.page.locator("#what-broke a.to-case").count() == 0
    assert _serious_violations(opened.page) == []
    assert opened.problems == []
    opened.page.close()


def test_in_an_expanded_case_the_differences_come_first_and_the_timings_last(
    browser: Any, tmp_path: Path
) -> None:
    opened = Opened(browser, tmp_path, browser_report())
    page = opened.page
    page.click(f"tr.case[data-id='{MISMATCH}'] button.toggle")
    box = page.locator("tr.detail:not([hidden]) .case-detail")
    headings = [h.strip() for h in box.locator("h3").all_text_contents()]
    assert headings == [
        "Differences: 1",
        "Observations side by side",
        "Requests",
        "Timings",
    ]
    sections = box.evaluate("b => Array.from(b.children).map(c => c.className || c.tagName)")
    # the description first, then what differs; the timings close the case
    assert sections[0] == "P" and sections[1] == "diff-table" and sections[-1] == "timings"
    timings = box.locator(".timings").text_content() or ""
    assert "calls took" in timings and "comparing took" in timings
    assert "calls took" not in (box.locator(".requests").text_content() or "")

    # an error case opens on its error, before its (empty) differences
    page.click("tr.case[data-id='orders.place:charges-once'] button.toggle")
    index = page.get_attribute("tr.case[data-id='orders.place:charges-once']", "data-index")
    error = page.locator(f"#detail-{index} .case-detail")
    assert error.evaluate("b => [b.children[1].className, b.children[2].className]") == [
        "errors",
        "diff-table",
    ]
    assert opened.problems == []
    page.close()


def test_the_report_has_no_serious_or_critical_accessibility_violations(
    browser: Any, tmp_path: Path
) -> None:
    opened = Opened(browser, tmp_path, browser_report())
    page = opened.page
    assert _serious_violations(page) == []
    # every case open: the value and observation blocks (which scroll) are in the page too
    page.evaluate("document.querySelectorAll('button.toggle').forEach(b => b.click())")
    assert page.locator("tr.detail:not([hidden])").count() == 6
    scrolling = page.locator("pre[tabindex='0'][role=group][aria-label]")
    assert scrolling.count() > 0
    assert page.locator("pre.obs:not([tabindex])").count() == 0
    assert _serious_violations(page) == []
    assert opened.problems == []
    page.close()


def test_the_cost_table_shows_both_sides_of_every_method(browser: Any, tmp_path: Path) -> None:
    report = browser_report()
    opened = Opened(browser, tmp_path, report)
    rows = opened.page.locator("#cost tr[data-cost-method]")
    assert rows.count() == 2 * len(report["cost"]["methods"])
    get = opened.page.locator(
        '#cost tr[data-cost-method="users.get_by_email"][data-side="candidate"] td'
    )
    cells = [" ".join((t or "").split()) for t in get.all_text_contents()]
    assert cells[0] == "dynamodb" and cells[4] == "0.5"  # backend, read units per call
    assert _serious_violations(opened.page) == []
    assert opened.problems == []
    opened.page.close()
