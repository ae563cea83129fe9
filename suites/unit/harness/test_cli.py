"""The ``parity`` command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cli import main

pytestmark = pytest.mark.unit


def test_run_without_a_contract_suite_says_where_it_looked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--tier", "unit", "--suites", str(tmp_path)]) == 3
    error = capsys.readouterr().err
    assert str(tmp_path / "unit" / "test_contract_unit.py") in error
    assert "pass --suites" in error


def test_an_unknown_tier_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["run", "--tier", "nightly"])
    assert exited.value.code == 3
    assert "invalid choice: 'nightly'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["gat"],
        ["run", "--tier", "e2e"],
        ["gate"],
        ["gate", "--report", "r.json", "--bogus"],
        ["merge"],
        ["merge", "--report", "a.json", "--bogus"],
        ["init", "--bogus"],
    ],
    ids=lambda argv: " ".join(argv) or "no arguments",
)
def test_every_usage_error_exits_3_not_the_untrusted_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        status = main(argv)
    except SystemExit as exited:
        status = int(exited.code or 0)
    assert status == 3
    assert "error:" in capsys.readouterr().err


def test_the_version_is_the_installed_distributions(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib import metadata

    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"parity {metadata.version('parity')}\n"


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--help"], ["run", "gate", "merge", "init", "2 the run or a file cannot be trusted"]),
        (["run", "--help"], ["goes to pytest", "--tier", "5 when no test ran"]),
        (
            ["gate", "--help"],
            ["re-derives", "--allow-partial", "0 pass", "1 an incompatibility", "3 usage error"],
        ),
        (["merge", "--help"], ["--out", "missing or given twice", "0 written"]),
    ],
)
def test_help_says_what_each_command_does_and_its_exit_codes(
    argv: list[str], says: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for words in says:
        assert words in text, words
