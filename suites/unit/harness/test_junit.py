"""The compatibility report as JUnit XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from harness.report.junit import render_junit, xml_text

pytestmark = pytest.mark.unit


def side(backend: str, labels: list[str] | None = None) -> dict[str, Any]:
    return {
        "backend": backend,
        "observation": [],
        "labels": labels or ["seed:small_shop()", "users.create(...)", "users.get(id=1)"],
        "seconds": 0.5,
        "error": None,
    }


def case(case_id: str, status: str, **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": case_id,
        "description": "does a thing",
        "covers": [case_id.split(":")[0]],
        "source": "suites/contract/cases_users.py:42",
        "status": status,
    }
    if status != "not_run":
        record |= {
            "error": None,
            "suspects": ["users.get"],
            "differences": [],
            "noise": [],
            "accepted": [],
            "compare_seconds": 0.25,
            "baseline": side("mysql"),
            "candidate": side("dynamodb"),
        }
    return record | extra


def diff(path: str, baseline: object, candidate: object) -> dict[str, Any]:
    return {"path": path, "kind": "changed", "baseline": baseline, "candidate": candidate}


def report(cases: list[dict[str, Any]], complete: bool = True, **extra: Any) -> dict[str, Any]:
    return {
        "schema": "parity-compatibility/1",
        "complete": complete,
        "incomplete_reasons": [] if complete else ["worker gw0 crashed"],
        "run": {"tier": "integration", "baseline": "mysql", "candidate": "dynamodb"},
        "cases": cases,
        "end": "parity-compatibility/1",
    } | extra


def xml_of(text: str) -> ET.Element:
    return ET.fromstring(text)  # noqa: S314 - our own output, not untrusted input


def parse(cases: list[dict[str, Any]], **extra: Any) -> ET.Element:
    return xml_of(render_junit(report(cases, **extra)))


def find_case(root: ET.Element, name: str) -> ET.Element:
    found = [t for t in root.iter("testcase") if t.get("name") == name]
    assert len(found) == 1
    return found[0]


def test_one_suite_per_tier_and_one_testcase_per_case() -> None:
    root = parse(
        [
            case("users.create:a", "match"),
            case("orders.place:b", "mismatch", differences=[diff("[2].value", 1, 2)]),
            case("users.get:c", "error", error="boom\ntraceback line"),
            case("users.list:d", "not_run"),
            case("users.get:e", "noise", noise=[diff("[1].value.updated_at", "x", "y")]),
        ]
    )
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "parity.integration"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("5", "1", "1")
    assert suite.get("skipped") == "1"
    assert root.get("tests") == "5"
    first = find_case(root, "users.create:a")
    assert first.get("classname") == "users"
    assert (first.get("file"), first.get("line")) == ("suites/contract/cases_users.py", "42")
    assert first.get("time") == "1.250"
    assert list(first) == []
    assert find_case(root, "orders.place:b").get("classname") == "orders"


def test_a_mismatch_is_a_failure_with_a_labelled_diff() -> None:
    differences = [diff("[2].value.email", "a@x", "A@x"), diff("[1].value", {"$absent": True}, 3)]
    root = parse([case("users.get:m", "mismatch", differences=differences)])
    failure = find_case(root, "users.get:m").find("failure")
    assert failure is not None
    assert failure.get("message") == (
        "2 differences between baseline (mysql) and candidate (dynamodb): "
        "[2].value.email, [1].value"
    )
    text = failure.text or ""
    assert (
        '[2].value.email: baseline (mysql) = "a@x" / candidate (dynamodb) = "A@x"'
        "  [changed; step users.get(id=1)]"
    ) in text
    assert "[1].value: baseline (mysql) = (absent) / candidate (dynamodb) = 3" in text
    assert "where to look: users.get" in text


def test_an_error_is_an_error_with_its_reason() -> None:
    errored = case("users.get:e", "error", error="NotFound raised\nat line 3")
    errored["candidate"]["error"] = "timeout"
    error = find_case(parse([errored]), "users.get:e").find("error")
    assert error is not None
    assert error.get("message") == "NotFound raised"
    assert "NotFound raised\nat line 3" in (error.text or "")
    assert "candidate (dynamodb) error: timeout" in (error.text or "")


def test_not_run_is_skipped() -> None:
    skipped = find_case(parse([case("users.list:d", "not_run")]), "users.list:d").find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "not run"


def test_accepted_passes_with_the_ledger_entry_in_system_out() -> None:
    entry = {
        "index": 0,
        "line": 7,
        "reason": "case-sensitive",
        "owner": "a@b",
        "expires": "2027-01-01",
    }
    accepted = case(
        "users.get:a", "accepted", accepted=[diff("[2].value", 1, None) | {"ledger": entry}]
    )
    element = find_case(parse([accepted]), "users.get:a")
    assert element.find("failure") is None and element.find("error") is None
    out = element.findtext("system-out") or ""
    assert (
        "accepted by ledger entry 0 (line 7): case-sensitive — owner a@b, expires 2027-01-01" in out
    )
    assert "[2].value: baseline (mysql) = 1 / candidate (dynamodb) = null" in out


def test_noise_passes_with_a_note() -> None:
    noisy = case("users.get:n", "noise", noise=[diff("[1].value", 1, 2)])
    out = find_case(parse([noisy]), "users.get:n").findtext("system-out") or ""
    assert out.startswith("noise (differed between two baseline runs, not counted):")


def test_an_incomplete_run_adds_an_erroring_testcase() -> None:
    root = parse([case("users.create:a", "match")], complete=False)
    error = find_case(root, "run is complete").find("error")
    assert error is not None
    assert "worker gw0 crashed" in (error.text or "")
    assert root.get("errors") == "1"


def test_hostile_strings_still_give_valid_xml() -> None:
    hostile = 'a\x00b\x1b[31m<tag attr="x">&amp;]]></tag>\ud800\ufffe\x0c\''
    bad = case(
        f"users.get:{hostile}",
        "mismatch",
        description=hostile,
        differences=[diff(f"[2].{hostile}", hostile, {"k": hostile})],
        suspects=[hostile],
    )
    errored = case("users.get:x", "error", error=hostile)
    xml = render_junit(report([bad, errored], run={"tier": hostile, "baseline": hostile}))
    xml.encode("utf-8")  # no lone surrogates left
    root = xml_of(xml)
    names = [t.get("name") for t in root.iter("testcase")]
    assert (
        'users.get:a\\u0000b\\u001b[31m<tag attr="x">&amp;]]></tag>\\ud800\\ufffe\\u000c\'' in names
    )
    failure = next(root.iter("failure"))
    assert "<tag attr=" in (failure.text or "")


def test_xml_text_keeps_tabs_newlines_and_unicode() -> None:
    assert xml_text("a\tb\nc\rÄ😀") == "a\tb\nc\rÄ😀"
    assert xml_text("\x01") == "\\u0001"


def test_long_values_are_cut() -> None:
    long = "x" * 5000
    root = parse([case("users.get:l", "mismatch", differences=[diff("[1]", long, "y")])])
    text = next(root.iter("failure")).text or ""
    assert "… (3002 more characters)" in text


def test_an_unknown_status_is_an_error() -> None:
    error = find_case(parse([case("users.get:u", "weird")]), "users.get:u").find("error")
    assert error is not None
    assert error.get("message") == "unknown status 'weird'"


def test_a_report_with_no_cases_is_still_a_document() -> None:
    root = xml_of(render_junit({}))
    assert root.get("tests") == "1"  # just the "run is complete" error: not complete
    assert root.find("testsuite") is not None
