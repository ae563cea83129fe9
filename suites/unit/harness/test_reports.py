"""The reports a run writes, through pytester with the fake key-value target."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from suites.unit.harness.test_plugin import FAKE_CASES, FAKE_TARGET, INI, KEYS_CASE, TEST_MODULE

pytestmark = pytest.mark.unit


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(
        fake_target=FAKE_TARGET, fake_cases=FAKE_CASES + KEYS_CASE, test_fake=TEST_MODULE
    )
    pytester.makeini(INI)
    pytester.syspathinsert()
    return pytester


def _report(project: pytest.Pytester) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (project.path / "reports/unit/compatibility.json").read_text()
    )
    return data


def _ledger(project: pytest.Pytester, text: str) -> None:
    folder = project.path / "reports" / "baselines"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "divergence-ledger.toml").write_text(text)


def test_a_clean_run_writes_a_complete_report_with_an_end_marker(project: pytest.Pytester) -> None:
    project.runpytest("-p", "no:randomly").assert_outcomes(passed=3)
    report = _report(project)
    assert report["complete"] is True
    assert report["end"] == report["schema"] == "parity-compatibility/1"
    assert report["summary"]["match"] == 3
    assert {m["method"]: m["cases"] for m in report["methods"]} == {
        "kv.put": 1,
        "kv.get": 2,
        "kv.keys": 1,
    }
    assert (project.path / "reports/unit/baseline.json").is_file()


def test_deselected_cases_are_not_run_and_the_run_is_still_complete(
    project: pytest.Pytester,
) -> None:
    project.runpytest("-p", "no:randomly", "-k", "lists").assert_outcomes(passed=1, deselected=2)
    report = _report(project)
    assert report["complete"] is True
    assert report["summary"]["not_run"] == 2


def test_a_mismatch_is_reported_with_both_sides_labelled(project: pytest.Pytester) -> None:
    project.runpytest("-p", "no:randomly", "--parity-candidate", "shouting")
    cases = {c["id"]: c for c in _report(project)["cases"]}
    assert cases["kv.get:reports-missing-keys"]["status"] == "match"
    case = cases["kv.put:stores-and-reads-back"]
    assert case["status"] == "mismatch"
    assert case["differences"][0]["baseline"] == "hello"
    assert case["differences"][0]["candidate"] == "HELLO"
    assert (case["baseline"]["backend"], case["candidate"]["backend"]) == ("good", "shouting")


def test_a_ledger_entry_accepts_a_known_difference(project: pytest.Pytester) -> None:
    _ledger(
        project,
        '[[accept]]\ncase = "kv.put:stores-and-reads-back"\npath = "*"\n'
        'reason = "shouting is by design"\nowner = "kv-team"\nexpires = 2099-01-01\n',
    )
    project.runpytest("-p", "no:randomly", "--parity-candidate", "shouting")
    report = _report(project)
    case = next(c for c in report["cases"] if c["id"] == "kv.put:stores-and-reads-back")
    assert case["status"] == "accepted"
    assert case["accepted"][0]["ledger"]["owner"] == "kv-team"
    assert report["ledger"]["used"] == [0]


def test_an_expired_entry_accepts_nothing_and_is_listed(project: pytest.Pytester) -> None:
    _ledger(
        project,
        '[[accept]]\nmethod = "kv.get"\npath = "*"\nreason = "old"\n'
        'owner = "kv-team"\nexpires = 2020-01-01\n',
    )
    project.runpytest("-p", "no:randomly", "--parity-candidate", "shouting")
    report = _report(project)
    assert report["summary"]["accepted"] == 0
    assert [e["line"] for e in report["ledger"]["expired"]] == [1]


def test_a_corrupt_ledger_marks_the_run_incomplete_naming_file_and_line(
    project: pytest.Pytester,
) -> None:
    _ledger(project, '[[accept]]\ncase = "x"\nreason = \n')
    project.runpytest("-p", "no:randomly")
    report = _report(project)
    assert report["complete"] is False
    assert "divergence-ledger.toml" in report["incomplete_reasons"][0]
    assert "line 3" in report["incomplete_reasons"][0]


def test_the_baseline_is_written_on_request_and_drift_is_reported(
    project: pytest.Pytester,
) -> None:
    project.runpytest("-p", "no:randomly", "--parity-update-baseline")
    committed = json.loads((project.path / "reports/baselines/unit.json").read_text())
    assert sorted(committed["cases"]) == [
        "kv.get:reports-missing-keys",
        "kv.keys:lists-keys",
        "kv.put:stores-and-reads-back",
    ]
    project.runpytest("-p", "no:randomly")
    assert _report(project)["baseline_check"]["drift"] == []
    project.runpytest(
        "-p", "no:randomly", "--parity-baseline", "shouting", "--parity-candidate", "shouting"
    )
    assert _report(project)["baseline_check"]["drift"] == [
        "kv.keys:lists-keys",
        "kv.put:stores-and-reads-back",
    ]


def test_a_backend_that_cannot_start_makes_the_run_incomplete(project: pytest.Pytester) -> None:
    result = project.runpytest("-p", "no:randomly", "--parity-candidate", "down")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    report = _report(project)
    assert report["complete"] is False
    reasons = report["incomplete_reasons"]
    assert reasons[0].startswith("backend 'down' could not be set up: ConnectionError")
    assert "produced no result (their backend could not be set up, above)" in reasons[1]


def test_every_report_file_is_valid_and_free_of_secrets(project: pytest.Pytester) -> None:
    project.runpytest("-p", "no:randomly", "--parity-candidate", "shouting")
    written = sorted(Path(project.path / "reports" / "unit").iterdir())
    assert {p.name for p in written} >= {"compatibility.json", "baseline.json"}
    for path in written:
        assert "scrypt$" not in path.read_text(encoding="utf-8")


def test_ledger_paths_match_step_indexes_literally() -> None:
    from datetime import date

    from harness.report.ledger import Entry

    entry = Entry(0, 1, "c", None, "[3].value.*", "r", "o", date(2099, 1, 1))
    assert entry.matches("c", None, "[3].value.email")
    assert not entry.matches("c", None, "3.value.email")
    assert not entry.matches("c", None, "[4].value.email")
