"""The harness fails safe: a backend server killed mid-run turns the cases that need it into
errors within a bounded time, the reports are still written and marked incomplete, and
the gate fails."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import pytest

from harness.cli import main as parity_main
from harness.contract import CaseStatus, registered_cases, run_case
from harness.provisioning.dynamodb import MotoServer
from harness.report.files import write_tier_reports
from harness.report.serialise import result_json
from harness.storage import EndpointResources, dynamodb_backend
from harness.target import interface_methods, load_target
from suites.target.backends import DynamoDBBuilder, MemoryFactory, dynamodb_tables

pytestmark = pytest.mark.integration

BOUND_SECONDS = 30.0
"""How long one case may take to give up on a dead server (connect retries included)."""


def test_a_killed_server_errors_cases_quickly_and_the_gate_fails(tmp_path: Path) -> None:
    target = load_target("suites.target:TARGET")
    cases = [c for c in registered_cases(target.case_modules) if c.seed == "small_shop"][:6]
    server = MotoServer("killed-mid-run test", "killed_").start()
    resources = EndpointResources(dynamodb=server.endpoint.with_prefix("killed_"))
    memory = MemoryFactory()
    records, timings = [], []
    try:
        build = DynamoDBBuilder(max_attempts=2)
        with dynamodb_backend(resources, dynamodb_tables(), build) as factory:
            for index, case in enumerate(cases):
                if index == 3:
                    server.stop()  # the candidate's server dies mid-run
                started = time.perf_counter()
                result = run_case(case, target, ("memory", memory), ("dynamodb", factory))
                timings.append(time.perf_counter() - started)
                records.append(result_json(result, "integration"))
    finally:
        server.stop()
    before, after = records[:3], records[3:]
    assert [r["status"] for r in before] == [CaseStatus.MATCH.value] * 3
    assert all(r["status"] == CaseStatus.ERROR.value for r in after)
    assert all(r["candidate"]["infrastructure"] for r in after)
    assert all("Unavailable" in (r["candidate"]["error"] or "") for r in after), after[0]["error"]
    assert max(timings[3:]) < BOUND_SECONDS, timings
    print(f"seconds per case: before the kill {timings[:3]}, after {timings[3:]}")

    unavailable = [r["id"] for r in after]
    written = write_tier_reports(
        tier="integration",
        reports_dir=tmp_path,
        baselines_dir=tmp_path / "baselines",
        run={"tier": "integration", "baseline": "memory", "candidate": "dynamodb"},
        results=records,
        known_cases=[
            {"id": c.id, "description": c.description, "covers": c.covers, "source": c.source}
            for c in cases
        ],
        methods=interface_methods(target.interfaces),
        update_baseline=False,
        complete=True,
        incomplete_reasons=[f"{len(unavailable)} cases hit an unavailable backend"],
        today=date.today(),
    )
    report_path = tmp_path / "integration" / "compatibility.json"
    report = json.loads(report_path.read_text())
    assert report["complete"] is False
    assert {f.path.name for f in written.files} >= {"compatibility.json", "compatibility.html"}
    exit_code = parity_main(
        [
            "gate",
            "--report",
            str(report_path),
            "--allow-missing-baseline",
            "--summary",
            str(tmp_path / "summary.md"),
        ]
    )
    assert exit_code == 2
