"""This repository's GitHub workflow: the contract suite as a 2-shard matrix, merged and
gated, published to the checks; current (node24) action versions; pinned images."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.unit

WORKFLOW = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "parity.yml"
NODE24 = {
    "actions/checkout": 5,
    "actions/setup-python": 6,
    "actions/upload-artifact": 6,
    "actions/download-artifact": 7,
}
"""The first major version of each action that runs on node24 (node20 is deprecated)."""


@pytest.fixture(scope="module")
def jobs() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    return loaded


def runs_of(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) for step in job["steps"])


def test_the_contract_suite_runs_as_a_two_shard_matrix(jobs: dict[str, Any]) -> None:
    contract = jobs["contract"]
    assert contract["strategy"]["matrix"]["shard"] == [1, 2]
    assert contract["strategy"]["fail-fast"] is False
    command = runs_of(contract)
    assert "test_contract_integration.py" in command
    assert "--parity-shard ${{ matrix.shard }}/${{ env.SHARDS }}" in command
    uploads = [s for s in contract["steps"] if str(s.get("uses", "")).startswith("actions/upload")]
    assert uploads and uploads[0]["with"]["name"] == "parity-shard-${{ matrix.shard }}"


def test_the_gate_merges_every_shard_even_after_a_failing_one(jobs: dict[str, Any]) -> None:
    gate = jobs["gate"]
    assert gate["needs"] == ["contract"]
    assert gate["if"] == "${{ !cancelled() }}"
    command = runs_of(gate)
    assert command.index("parity merge") < command.index("parity gate")
    assert 'seq 1 "$SHARDS"' in command
    published = [s for s in gate["steps"] if "publish-unit-test-result" in str(s.get("uses"))]
    assert published and published[0]["with"]["files"] == "reports/integration/parity-junit.xml"
    assert gate["permissions"]["checks"] == "write"


def test_the_e2e_tier_the_other_integration_tests_and_the_main_job_run_too(
    jobs: dict[str, Any],
) -> None:
    assert "tox -e e2e" in runs_of(jobs["e2e"])
    assert "tox -e parity" in runs_of(jobs["main-job"])
    other = runs_of(jobs["integration-tests"])
    assert "--ignore suites/integration/test_contract_integration.py" in other


def test_every_action_is_a_current_node24_release(jobs: dict[str, Any]) -> None:
    used = [str(s["uses"]) for job in jobs.values() for s in job["steps"] if "uses" in s]
    assert used
    for action in used:
        name, _, version = action.partition("@")
        assert re.fullmatch(r"v\d+", version), action
        if name in NODE24:
            assert int(version[1:]) >= NODE24[name], f"{action}: node20, deprecated"


def test_service_images_are_pinned_and_none_is_a_vendor_licensed_emulator(
    jobs: dict[str, Any],
) -> None:
    images = [
        str(service["image"])
        for job in jobs.values()
        for service in (job.get("services") or {}).values()
    ]
    assert images
    for image in images:
        assert re.fullmatch(r"[\w./-]+:\d+\.\d+\.\d+", image), f"{image}: not a pinned tag"
        assert "dynamodb-local" not in image and "localstack" not in image
