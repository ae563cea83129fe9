"""The compatibility report as JUnit XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import xmlschema

from harness.report.junit import render_junit, xml_text

pytestmark = pytest.mark.unit

JUNIT_XSD = Path(__file__).parent / "data" / "junit-10.xsd"
"""Jenkins' junit-10.xsd (xunit-plugin; see the file's header for where it came from)."""

AWKWARD = 'a\x00b\x1b[31m<tag attr="x">&amp;]]></tag>\ud800\ufffe\x0c\'\x7f Ä ñ 😀 名前'
"""Control characters, a CDATA end, markup, a lone surrogate, non-ASCII."""


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
    assert first.get("classname") == "users.create"
    assert first.get("time") == "1.250"
    assert [child.tag for child in first] == ["system-out"]
    assert find_case(root, "orders.place:b").get("classname") == "orders.place"


def test_the_source_and_covered_methods_are_in_system_out_not_attributes() -> None:
    several = case(
        "orders.update_status:moves", "match", covers=["orders.update_status", "orders.cancel"]
    )
    element = find_case(parse([several]), "orders.update_status:moves")
    assert element.get("file") is None and element.get("line") is None
    assert element.get("classname") == "orders.update_status"
    assert (element.findtext("system-out") or "").splitlines() == [
        "does a thing",
        "covers: orders.update_status, orders.cancel",
        "source: suites/contract/cases_users.py:42",
    ]


def test_a_case_without_covered_methods_is_classed_by_its_id_group() -> None:
    element = find_case(parse([case("users.get:g", "match", covers=[])]), "users.get:g")
    assert element.get("classname") == "users.get"


def test_a_mismatch_is_a_failure_with_a_labelled_diff() -> None:
    differences = [diff("[2].value.email", "a@x", "A@x"), diff("[1].value", {"$absent": True}, 3)]
    root = parse([case("users.get:m", "mismatch", differences=differences)])
    failure = find_case(root, "users.get:m").find("failure")
    assert failure is not None
    assert failure.get("message") == (
        "blamed on users.get; 2 differences, first: "
        '[2].value.email: baseline (mysql) = "a@x" / candidate (dynamodb) = "A@x"'
        " [changed; step users.get(id=1)]"
    )
    text = failure.text or ""
    assert text.splitlines()[:3] == [
        "does a thing (suites/contract/cases_users.py:42)",
        "blamed on users.get",
        "2 differences between baseline (mysql) and candidate (dynamodb):",
    ]
    assert (
        '[2].value.email: baseline (mysql) = "a@x" / candidate (dynamodb) = "A@x"'
        "  [changed; step users.get(id=1)]"
    ) in text
    assert "[1].value: baseline (mysql) = (absent) / candidate (dynamodb) = 3" in text


def test_a_mismatch_names_the_other_suspects_after_the_blamed_method() -> None:
    suspected = case(
        "users.get:s",
        "mismatch",
        suspects=["users.get", "users.create"],
        differences=[diff("[2].value", 1, 2)],
    )
    text = find_case(parse([suspected]), "users.get:s").findtext("failure") or ""
    assert text.splitlines()[1] == "blamed on users.get"
    assert text.splitlines()[-1] == "then look at: users.create"


def test_a_mismatch_from_baseline_drift_says_so_instead_of_blaming_a_method() -> None:
    drifted = case(
        "users.get:b",
        "mismatch",
        blame="baseline-drift",
        suspects=["baseline:mysql"],
        differences=[diff("[1].value", 1, 2)],
    )
    failure = find_case(parse([drifted]), "users.get:b").find("failure")
    assert failure is not None
    assert (failure.get("message") or "").startswith(
        "baseline drift: the baseline (mysql) changed since the committed baseline; 1 difference,"
    )


def test_a_mismatch_message_keeps_the_blame_when_the_first_difference_is_long() -> None:
    long = case("users.get:l", "mismatch", differences=[diff("[1]", "x" * 5000, "y")])
    message = find_case(parse([long]), "users.get:l").find("failure")
    assert message is not None
    text = message.get("message") or ""
    assert text.startswith("blamed on users.get; 1 difference, first: [1]: baseline (mysql) = ")
    assert len(text) == 300 and text.endswith("…")


def test_an_error_is_an_error_with_its_reason() -> None:
    errored = case("users.get:e", "error", error="NotFound raised\nat line 3")
    errored["candidate"]["error"] = "timeout"
    error = find_case(parse([errored]), "users.get:e").find("error")
    assert error is not None
    assert error.get("message") == "NotFound raised"
    assert "NotFound raised\nat line 3" in (error.text or "")
    assert "candidate (dynamodb) error: timeout" in (error.text or "")


def test_not_run_is_skipped_as_not_selected_when_the_run_finished() -> None:
    skipped = find_case(parse([case("users.list:d", "not_run")]), "users.list:d").find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "not run: not selected in this run (-k, -m or a path)"


def test_not_run_in_an_unfinished_run_is_skipped_because_the_run_did_not_finish() -> None:
    root = parse([case("users.list:d", "not_run")], complete=False)
    skipped = find_case(root, "users.list:d").find("skipped")
    assert skipped is not None
    assert skipped.get("message") == (
        "not run: the run did not finish (see the 'run is complete' test)"
    )


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
    assert out.startswith("does a thing\ncovers: users.get\nsource: ")
    assert (
        "accepted by ledger entry 0 (line 7): case-sensitive — owner a@b, expires 2027-01-01" in out
    )
    assert "[2].value: baseline (mysql) = 1 / candidate (dynamodb) = null" in out


def test_noise_passes_with_a_note() -> None:
    noisy = case("users.get:n", "noise", noise=[diff("[1].value", 1, 2)])
    out = find_case(parse([noisy]), "users.get:n").findtext("system-out") or ""
    assert out.splitlines()[3] == "noise (differed between two baseline runs, not counted):"


def test_an_incomplete_run_adds_an_erroring_testcase() -> None:
    root = parse([case("users.create:a", "match")], complete=False)
    error = find_case(root, "run is complete").find("error")
    assert error is not None
    assert "worker gw0 crashed" in (error.text or "")
    assert root.get("errors") == "1"
    assert root.get("skipped") is None  # junit-10 has no "skipped" on <testsuites>
    assert root.findall("testsuite")[0].get("skipped") == "0"


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


def every_status(text: str) -> list[dict[str, Any]]:
    entry = {"index": 3, "line": 9, "reason": text, "owner": text, "expires": "2027-01-01"}
    return [
        case("users.create:match", "match"),
        case(
            "users.get:mismatch",
            "mismatch",
            description=text,
            differences=[diff(f"[2].{text}", text, {"k": text}), diff("[1].value", 1, 2)],
            suspects=[text, "users.create"],
        ),
        case("users.get:noise", "noise", noise=[diff("[1].updated_at", text, "y")]),
        case(
            "users.get:accepted",
            "accepted",
            accepted=[diff("[2].value", text, None) | {"ledger": entry}],
        ),
        case("users.get:error", "error", error=f"{text}\nsecond line"),
        case("users.list:not-run", "not_run", source=f"suites/contract/{text}.py:7"),
        case(f"users.get:{text}", "weird", covers=[text]),
        case("users.get:timeless", "match", compare_seconds=float("nan"), baseline={}),
    ]


@pytest.mark.parametrize("complete", [True, False], ids=["complete", "incomplete"])
def test_every_status_with_awkward_text_is_valid_against_the_junit_10_schema(
    complete: bool,
) -> None:
    schema = xmlschema.XMLSchema(JUNIT_XSD)
    run = {"tier": AWKWARD, "baseline": AWKWARD, "candidate": "dynamodb", "started_at": AWKWARD}
    document = report(every_status(AWKWARD), complete=complete, run=run)
    if not complete:
        document["incomplete_reasons"] = [AWKWARD]
    xml = render_junit(document)
    errors = [str(error) for error in schema.iter_errors(xml)]
    assert errors == []
    root = xml_of(xml)
    statuses = {t.get("name"): [c.tag for c in t] for t in root.iter("testcase")}
    assert statuses["users.get:mismatch"] == ["failure", "system-out"]
    assert statuses["users.get:error"] == ["error", "system-out"]
    assert statuses["users.list:not-run"] == ["skipped", "system-out"]
    assert "run is complete" in statuses or complete


def test_the_awkward_text_survives_as_visible_escapes_and_unicode() -> None:
    root = xml_of(render_junit(report(every_status(AWKWARD))))
    failure = find_case(root, "users.get:mismatch").find("failure")
    assert failure is not None
    expected = (
        'a\\u0000b\\u001b[31m<tag attr="x">&amp;]]></tag>\\ud800\\ufffe\\u000c\'\x7f Ä ñ 😀 名前'
    )
    assert (failure.text or "").startswith(expected)
    message = failure.get("message") or ""  # a message is one line: whitespace is collapsed
    assert message.startswith('blamed on a\\u0000b\\u001b[31m<tag attr="x">&amp;]]></tag>')
    assert "Ä ñ 😀 名前; 2 differences, first: [2]." in message
    out = find_case(root, "users.list:not-run").findtext("system-out") or ""
    assert f"source: suites/contract/{expected}.py:7" in out


def test_an_empty_report_is_valid_against_the_junit_10_schema() -> None:
    assert list(xmlschema.XMLSchema(JUNIT_XSD).iter_errors(render_junit({}))) == []
