"""``parity cost --report``: the per-method cost table of a real report, and a traffic
mix priced at the measured units (the report comes from this file's own small target)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main
from suites.unit.harness.fake_project import Runs, make_runs

pytestmark = pytest.mark.unit


@pytest.fixture
def report(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    runs: Runs = make_runs(pytester, monkeypatch)
    runs.run()
    loaded = json.loads(runs.report.read_text())
    # the fake backends report no cost: give kv.get's candidate calls some, as a DynamoDB
    # handle would, and rebuild the table the way the writer does
    from harness.cost.profile import cost_section

    for case in loaded["cases"]:
        for call in case["candidate"]["calls"]:
            if call["method"] == "kv.get":
                call["read_units"] = 0.5
    names = [m["method"] for m in loaded["methods"]]
    loaded["cost"] = cost_section(loaded["cases"], names, loaded["run"])
    runs.report.write_text(json.dumps(loaded))
    return runs.report


def test_the_cost_table_lists_every_method_on_both_sides(
    report: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cost", "--report", str(report)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:4] == ["method", "backend", "calls", "req/call"]
    methods = [line.split()[0] for line in out[1:-1:2]]
    assert methods == ["kv.put", "kv.get", "kv.keys"]
    assert out[-1].startswith("server-reported capacity: good none, good none")


def test_a_traffic_mix_is_priced_at_the_measured_units_and_given_prices(
    report: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    traffic = tmp_path / "traffic.toml"
    traffic.write_text('[traffic]\n"kv.get" = 4_000_000\n"kv.put" = 1_000_000\n')
    argv = ["cost", "--report", str(report), "--traffic", str(traffic)]
    assert main([*argv, "--read-price", "0.25", "--write-price", "1.25"]) == 0
    out = capsys.readouterr().out
    row = [line for line in out.splitlines() if line.startswith("kv.get")][-1]
    # 4 million calls x 0.5 read units = 2 million units x $0.25 per million
    assert row.split() == ["kv.get", "4,000,000", "0.5", "0.0", "0.50", "0.00", "0.50"]
    assert "$0.25 per million read units, $1.25 per million write units" in out
    assert "Source: given on the command line" in out


def test_a_traffic_mix_naming_an_unmeasured_method_is_refused(
    report: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    traffic = tmp_path / "traffic.toml"
    traffic.write_text('[traffic]\n"kv.delete" = 10\n')
    assert main(["cost", "--report", str(report), "--traffic", str(traffic)]) == 2
    err = capsys.readouterr().err
    assert "no figures for ['kv.delete']" in err and "hint:" in err


def test_pytest_options_with_a_report_are_a_usage_error(
    report: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cost", "--report", str(report), "-k", "x"]) == 3
    assert "nothing runs" in capsys.readouterr().err
