"""A mismatch the baseline's drift explains is blamed on the baseline, not the candidate.

When the baseline backend no longer does what the committed baseline says and the
candidate still does exactly that, the case's mismatch is the baseline's doing: the report
marks it ``"blame": "baseline-drift"`` (suspects ``baseline:<backend>``) and the gate lists
it under baseline drift, recomputing the blame from the observations. The gate still fails.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from harness.report.baseline import (
    BASELINE_DRIFT,
    BaselineCheck,
    blamed_on_drift,
    digest,
)
from harness.report.build import build_report
from harness.report.files import write_tier_reports
from harness.report.ledger import Ledger
from suites.unit.harness.test_gate import Project, case, diff, messages, observation, problem

pytestmark = pytest.mark.unit

REVIEWED, DRIFTED, OTHER = "what was reviewed", "what mysql does now", "what dynamodb does"
DRIFT_ID = "users.get_by_email:drifted"
RUN = {"tier": "unit", "target": "shop", "baseline": "mysql", "candidate": "dynamodb"}


def mismatch(case_id: str, baseline: object, candidate: object) -> dict[str, Any]:
    """A mismatching case whose last step returned ``baseline`` / ``candidate``."""
    record = case(
        case_id,
        "mismatch",
        suspects=["users.get_by_email"],
        differences=[diff("[2].value", baseline, candidate)],
    )
    assert record["baseline"]["observation"] == observation(baseline)
    assert record["candidate"]["observation"] == observation(candidate)
    return record


def committed(**values: object) -> dict[str, Any]:
    """A committed baseline whose case ``id`` returned ``values[id]`` at its last step."""
    entries = {
        case_id: {"digest": digest(observation(value)), "observation": observation(value)}
        for case_id, value in values.items()
    }
    return {"schema": "parity-baseline/1", "tier": "unit", "backend": "mysql", "cases": entries}


def build(results: list[dict[str, Any]], baseline: dict[str, Any] | None) -> dict[str, Any]:
    return build_report(
        tier="unit",
        run=RUN,
        results=results,
        known_cases=[],
        methods=[],
        ledger=Ledger("ledger.toml", ()),
        baseline_check=BaselineCheck("unit.json"),
        complete=True,
        incomplete_reasons=[],
        today=date(2026, 6, 1),
        committed=baseline,
    )


def by_id(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in report["cases"]}


# -- the report ----------------------------------------------------------------------------


def test_a_mismatch_explained_by_drift_is_blamed_on_the_baseline() -> None:
    report = build([mismatch(DRIFT_ID, DRIFTED, REVIEWED)], committed(**{DRIFT_ID: REVIEWED}))
    record = by_id(report)[DRIFT_ID]
    assert record["blame"] == BASELINE_DRIFT == "baseline-drift"
    assert record["suspects"] == ["baseline:mysql"]
    assert record["status"] == "mismatch"  # still a failure; only the attribution changes
    assert report["summary"]["mismatch"] == 1


def test_a_candidate_that_differs_from_the_committed_baseline_too_keeps_its_blame() -> None:
    report = build([mismatch(DRIFT_ID, DRIFTED, OTHER)], committed(**{DRIFT_ID: REVIEWED}))
    record = by_id(report)[DRIFT_ID]
    assert record["blame"] is None
    assert record["suspects"] == ["users.get_by_email"]


def test_a_mismatch_without_drift_is_the_candidates() -> None:
    results = [mismatch(DRIFT_ID, REVIEWED, OTHER), case("users.create:fine")]
    report = build(results, committed(**{DRIFT_ID: REVIEWED}))
    assert [c["blame"] for c in report["cases"]] == [None, None]


@pytest.mark.parametrize("baseline", [None, {"backend": "postgres"}, {"tier": "integration"}])
def test_no_blame_without_a_committed_baseline_of_this_run(
    baseline: dict[str, Any] | None,
) -> None:
    document = None if baseline is None else committed(**{DRIFT_ID: REVIEWED}) | baseline
    report = build([mismatch(DRIFT_ID, DRIFTED, REVIEWED)], document)
    assert by_id(report)[DRIFT_ID]["blame"] is None


def test_only_mismatches_are_blamed() -> None:
    accepted = mismatch(DRIFT_ID, DRIFTED, REVIEWED) | {"status": "accepted"}
    assert not blamed_on_drift(accepted, committed(**{DRIFT_ID: REVIEWED})["cases"][DRIFT_ID])
    assert not blamed_on_drift(mismatch(DRIFT_ID, DRIFTED, REVIEWED), None)


def test_the_written_report_carries_the_blame_unless_the_baseline_was_rewritten(
    tmp_path: Path,
) -> None:
    baselines = tmp_path / "baselines"
    baselines.mkdir()
    (baselines / "unit.json").write_text(json.dumps(committed(**{DRIFT_ID: REVIEWED})))

    def written(update: bool) -> dict[str, Any]:
        tier = write_tier_reports(
            tier="unit",
            reports_dir=tmp_path / "reports",
            baselines_dir=baselines,
            run=RUN,
            results=[mismatch(DRIFT_ID, DRIFTED, REVIEWED)],
            known_cases=[{"id": DRIFT_ID}],
            methods=["users.get_by_email"],
            update_baseline=update,
            complete=True,
            incomplete_reasons=[],
            today=date(2026, 6, 1),
        )
        return by_id(tier.report)[DRIFT_ID]

    assert written(update=False)["blame"] == BASELINE_DRIFT
    assert written(update=True)["blame"] is None


# -- the gate ------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return Project(tmp_path)


def write(project: Project, cases: list[dict[str, Any]], reviewed: Mapping[str, object]) -> None:
    """The report of ``cases`` and a committed baseline where each case returned
    ``reviewed[id]`` (the cases' own baseline side when absent)."""
    project.write(cases)
    document = json.loads(project.baseline.read_text())
    for case_id, value in reviewed.items():
        document["cases"][case_id] = committed(**{case_id: value})["cases"][case_id]
    project.baseline.write_text(json.dumps(document))


def test_the_gate_lists_a_drift_blamed_mismatch_under_drift_and_still_fails(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project, [mismatch(DRIFT_ID, DRIFTED, REVIEWED)], {DRIFT_ID: REVIEWED})
    verdict = project.verdict()
    assert verdict.status == 1
    assert "new incompatibility" not in messages(verdict)
    found = problem(verdict, "the candidate still does")
    assert found.message.startswith(
        f"baseline drift: 1 case where mysql no longer does what {project.baseline} says"
    )
    assert found.subjects == (f"{DRIFT_ID}: [2].value changed in users.get_by_email",)
    assert verdict.counts["mismatch"] == 1
    assert project.cli() == 1
    assert "the candidate still does" in capsys.readouterr().out


def test_a_candidate_that_differs_from_the_committed_baseline_too_is_a_new_incompatibility(
    project: Project,
) -> None:
    write(project, [mismatch(DRIFT_ID, DRIFTED, OTHER)], {DRIFT_ID: REVIEWED})
    verdict = project.verdict()
    assert verdict.status == 1
    assert problem(verdict, "1 mismatch (new incompatibility)").subjects[0].startswith(DRIFT_ID)
    assert problem(verdict, "baseline drift: 1 case").subjects == (DRIFT_ID,)
    assert "the candidate still does" not in messages(verdict)


def test_the_gate_recomputes_the_blame_instead_of_reading_it(project: Project) -> None:
    claimed = mismatch("users.get_by_email:claims", DRIFTED, OTHER)
    claimed |= {"blame": BASELINE_DRIFT, "suspects": ["baseline:mysql"]}
    unclaimed = mismatch(DRIFT_ID, DRIFTED, REVIEWED)  # no "blame" field at all
    reviewed = {"users.get_by_email:claims": REVIEWED, DRIFT_ID: REVIEWED}
    write(project, [claimed, unclaimed], reviewed)
    verdict = project.verdict()
    assert (
        problem(verdict, "new incompatibility").subjects[0].startswith("users.get_by_email:claims:")
    )
    assert problem(verdict, "the candidate still does").subjects[0].startswith(f"{DRIFT_ID}:")


def test_plain_drift_drift_blamed_mismatches_and_candidate_mismatches_are_apart(
    project: Project,
) -> None:
    cases = [
        mismatch(DRIFT_ID, DRIFTED, REVIEWED),
        mismatch("users.create:broken", REVIEWED, OTHER),
        case("users.list:drifted-but-matching"),
    ]
    write(project, cases, {DRIFT_ID: REVIEWED, "users.list:drifted-but-matching": REVIEWED})
    verdict = project.verdict()
    assert verdict.status == 1
    assert [f.message.split(" (")[0].split(";")[0] for f in verdict.problems] == [
        "1 mismatch",
        f"baseline drift: 1 case where mysql no longer does what {project.baseline} says",
        f"baseline drift: 1 case where mysql no longer does what {project.baseline} says",
    ]
    assert problem(verdict, "new incompatibility").subjects[0].startswith("users.create:broken")
    assert problem(verdict, "the candidate still does").subjects[0].startswith(DRIFT_ID)
    plain = [f for f in verdict.problems if f.subjects == ("users.list:drifted-but-matching",)]
    assert len(plain) == 1


def test_no_blame_against_a_baseline_of_another_backend(project: Project) -> None:
    write(project, [mismatch(DRIFT_ID, DRIFTED, REVIEWED)], {DRIFT_ID: REVIEWED})
    document = json.loads(project.baseline.read_text())
    document["backend"] = "postgres"
    project.baseline.write_text(json.dumps(document))
    verdict = project.verdict()
    assert verdict.status == 2
    assert "new incompatibility" in messages(verdict)
