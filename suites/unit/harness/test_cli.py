"""The ``parity`` command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cli import main

pytestmark = pytest.mark.unit


def test_run_without_a_contract_suite_says_where_it_looked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--tier", "unit", "--suites", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert str(tmp_path / "unit" / "test_contract_unit.py") in error
    assert "pass --suites" in error


def test_an_unknown_tier_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["run", "--tier", "nightly"])
    assert exited.value.code == 2
    assert "invalid choice: 'nightly'" in capsys.readouterr().err
