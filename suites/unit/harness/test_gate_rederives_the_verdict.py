"""The gate derives each case's verdict from the evidence in the report, not from its
recorded status: a hand-edited report whose evidence contradicts its verdict exits 2.

The reports are real ones, written by the plugin for a tiny key-value target of this
file's own (``test_plugin``'s), then edited the way a hurried reviewer or a broken tool
might.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.report.schema import SchemaError, check_schema, schema_problems
from suites.unit.harness.fake_project import Report, Runs, make_runs

pytestmark = pytest.mark.unit


@pytest.fixture
def runs(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Runs:
    return make_runs(pytester, monkeypatch)


def case_of(report: Report, case_id: str) -> dict[str, Any]:
    return next(c for c in report["cases"] if c["id"] == case_id)


MATCH = "kv.put:stores-and-reads-back"
MISSING = "kv.get:reports-missing-keys"


def null_baseline(report: Report) -> None:
    case_of(report, MATCH)["baseline"] = None


def differences_on_a_match(report: Report) -> None:
    case_of(report, MATCH)["differences"] = [
        {"path": "[1].value", "kind": "changed", "baseline": "a", "candidate": "b"}
    ]


def replaced_candidate(report: Report) -> None:
    side = case_of(report, MATCH)["candidate"]
    side["observation"] = [
        {"call": "kv.get", "args": {"key": "x"}, "outcome": "returned", "value": "y"}
    ]


def ledger_is_a_string(report: Report) -> None:
    report["ledger"] = "x"


def method_table_claims_coverage(report: Report) -> None:
    report["methods"][0]["match"] += 1


def a_method_row_removed(report: Report) -> None:
    report["methods"] = report["methods"][1:]


def complete_with_reasons(report: Report) -> None:
    report["incomplete_reasons"] = ["a worker was lost"]


TAMPERINGS: dict[str, Callable[[Report], None]] = {
    "a match whose baseline side is null": null_baseline,
    "a match with differences listed": differences_on_a_match,
    "a match whose candidate observation was replaced": replaced_candidate,
    "a ledger that is the string 'x'": ledger_is_a_string,
    "a method table that disagrees with the cases": method_table_claims_coverage,
    "a method table missing a covered method": a_method_row_removed,
    "a complete report that gives reasons it is not": complete_with_reasons,
}


def test_the_untouched_clean_report_passes(runs: Runs) -> None:
    runs.run()
    assert runs.gate() == 0


@pytest.mark.parametrize("tampering", TAMPERINGS, ids=list(TAMPERINGS))
def test_a_clean_report_edited_to_contradict_its_evidence_cannot_be_trusted(
    runs: Runs, tampering: str, capsys: pytest.CaptureFixture[str]
) -> None:
    report = runs.run()
    TAMPERINGS[tampering](report)
    assert runs.gate(report) == 2
    out = capsys.readouterr().out
    assert "FAIL: cannot be trusted (exit 2)" in out


def test_a_match_with_differences_names_the_case_and_what_disagrees(
    runs: Runs, capsys: pytest.CaptureFixture[str]
) -> None:
    report = runs.run()
    differences_on_a_match(report)
    runs.gate(report)
    out = capsys.readouterr().out
    assert "1 case whose recorded verdict disagrees with the evidence" in out
    assert f"{MATCH}: differences: 1 recorded, the observations give 0" in out


def test_a_replaced_candidate_is_found_by_comparing_again(
    runs: Runs, capsys: pytest.CaptureFixture[str]
) -> None:
    report = runs.run()
    replaced_candidate(report)
    runs.gate(report)
    out = capsys.readouterr().out
    assert f"{MATCH}: the sides differ but no second baseline run is recorded" in out


def test_a_null_baseline_is_named_with_its_json_path(
    runs: Runs, capsys: pytest.CaptureFixture[str]
) -> None:
    report = runs.run()
    null_baseline(report)
    runs.gate(report)
    out = capsys.readouterr().out
    index = [c["id"] for c in report["cases"]].index(MATCH)
    assert f"$.cases[{index}].baseline: None is not of type 'object'" in out


class TestAMismatchingRun:
    """A run whose candidate upper-cases what it stores: one real mismatch."""

    @pytest.fixture
    def report(self, runs: Runs) -> Report:
        return runs.run("--parity-candidate", "shouting")

    def test_untouched_it_fails_as_an_incompatibility(self, runs: Runs, report: Report) -> None:
        assert runs.gate(report) == 1

    def test_relabelled_as_a_match_it_cannot_be_trusted(
        self, runs: Runs, report: Report, capsys: pytest.CaptureFixture[str]
    ) -> None:
        case = case_of(report, MATCH)
        case |= {"status": "match", "differences": [], "suspects": []}
        report["summary"]["match"] += 1
        report["summary"]["mismatch"] -= 1
        for row in report["methods"]:
            if row["method"] in case["covers"]:
                row["match"] += 1
                row["mismatch"] -= 1
        assert runs.gate(report) == 2
        assert "status is 'match', its observations say 'mismatch'" in capsys.readouterr().out

    def test_with_a_difference_deleted_it_cannot_be_trusted(
        self, runs: Runs, report: Report
    ) -> None:
        case = case_of(report, MATCH)
        assert case["differences"]
        case["differences"] = case["differences"][1:]
        assert runs.gate(report) == 2

    def test_without_its_suspects_it_cannot_be_trusted(self, runs: Runs, report: Report) -> None:
        case_of(report, MATCH)["suspects"] = []
        assert runs.gate(report) == 2

    def test_its_second_baseline_run_is_recorded_and_reproduces_no_noise(
        self, report: Report
    ) -> None:
        case = case_of(report, MATCH)
        assert case["baseline_again"]["observation"] == case["baseline"]["observation"]
        assert case["noise"] == []


def test_noise_deleted_from_a_noisy_case_cannot_be_trusted(runs: Runs) -> None:
    report = runs.run("--parity-baseline", "noisy", "--parity-candidate", "noisy")
    noisy = [c for c in report["cases"] if c["status"] == "noise"]
    assert noisy, "the noisy backend gives a noisy case"
    noisy[0]["noise"] = []
    assert runs.gate(report) == 2


# -- the schema, both ways -------------------------------------------------------------------


def test_what_the_plugin_writes_follows_both_schemas(runs: Runs) -> None:
    for candidate in ("good", "shouting", "crashing", "noisy"):
        report = runs.run("--parity-candidate", candidate)
        assert schema_problems(report, "compatibility") == [], candidate
        written = json.loads((runs.root / "reports" / "unit" / "baseline.json").read_text())
        assert schema_problems(written, "baseline") == []
    committed = json.loads((runs.root / "reports" / "baselines" / "unit.json").read_text())
    assert schema_problems(committed, "baseline") == []


def test_a_document_that_breaks_the_schema_is_named_by_file_and_json_path(tmp_path: Path) -> None:
    document = {"schema": "parity-baseline/1", "tier": "unit", "backend": "m", "cases": {}}
    document["cases"] = {"a:b": {"digest": "not hex", "clean": "yes"}}
    with pytest.raises(SchemaError) as raised:
        check_schema(document, "baseline", tmp_path / "unit.json")
    message = str(raised.value)
    assert str(tmp_path / "unit.json") in message
    assert "$.cases['a:b'].clean: 'yes' is not of type 'boolean'" in message
    assert "$.cases['a:b'].digest: 'not hex' does not match" in message


def test_a_report_with_an_unknown_field_is_refused(
    runs: Runs, capsys: pytest.CaptureFixture[str]
) -> None:
    report = runs.run()
    case_of(report, MATCH)["verdict_override"] = "match"
    assert runs.gate(report) == 2
    assert "Additional properties are not allowed ('verdict_override'" in capsys.readouterr().out


# -- partial runs ----------------------------------------------------------------------------


def test_a_partial_run_fails_the_gate_unless_told_it_is_partial(
    runs: Runs, capsys: pytest.CaptureFixture[str]
) -> None:
    report = runs.run("-k", "stores")
    assert report["summary"]["not_run"] == 2
    assert runs.gate() == 2
    out = capsys.readouterr().out
    assert "partial run: 2 of 3 cases not run (selected with -k stores)" in out
    assert "pass --allow-partial if this is on purpose" in out
    assert runs.gate(None, "--allow-partial") == 0
    out = capsys.readouterr().out
    assert "passed as partial on purpose (--allow-partial)" in out
