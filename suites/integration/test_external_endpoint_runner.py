"""``python -m harness.provisioning.external_moto -- CMD``: CMD runs against moto's server
started as a separate process and named by PARITY_DYNAMODB_ENDPOINT; its status is kept."""

from __future__ import annotations

import subprocess
import sys

import pytest

from harness.provisioning.external_moto import main

pytestmark = pytest.mark.integration

RUNNER = [sys.executable, "-m", "harness.provisioning.external_moto", "--"]


def test_the_command_sees_a_live_endpoint_it_did_not_start_and_its_status_is_kept() -> None:
    probe = (
        "import os, sys, boto3\n"
        "url = os.environ['PARITY_DYNAMODB_ENDPOINT']\n"
        "client = boto3.client('dynamodb', endpoint_url=url, region_name='us-east-1')\n"
        "print('tables', client.list_tables()['TableNames'])\n"
        "sys.exit(7)\n"
    )
    done = subprocess.run(  # noqa: S603 - our interpreter, a fixed script
        [*RUNNER, sys.executable, "-c", probe], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 7, done.stderr
    assert "external_moto: moto server at http://127.0.0.1:" in done.stdout
    assert "tables []" in done.stdout


def test_without_a_command_it_says_what_it_expected(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--"]) == 3
    assert "expected a command after --" in capsys.readouterr().err
