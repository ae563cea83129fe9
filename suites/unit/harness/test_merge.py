"""Merging a sharded run's reports: complete shards pass as one run; a missing or a
duplicated shard, or a case run twice or by none, fails closed (exit 2).

The shard reports are cut from a real report of this file's own small target (the
``test_plugin`` key-value store), each holding its share of the cases and the rest as
``not_run``, as ``--parity-shard K/N`` writes them.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from harness.cli import main
from harness.cost.profile import cost_section
from harness.report.evidence import STATUSES, method_rows
from harness.report.schema import schema_problems
from suites.unit.harness.fake_project import Report, Runs, make_runs

pytestmark = pytest.mark.unit


def shard_of(report: Report, index: int, total: int, ids: set[str]) -> Report:
    """``report`` as shard ``index``/``total`` that ran only the cases in ``ids``."""
    shard = copy.deepcopy(report)
    cases = []
    for case in shard["cases"]:
        if case["id"] in ids:
            cases.append(case)
        else:
            kept = ("id", "description", "covers", "source", "tier")
            cases.append({k: case[k] for k in kept} | {"status": "not_run"})
    shard["cases"] = cases
    shard["summary"] = {"cases": len(cases)} | {
        s: sum(c["status"] == s for c in cases) for s in STATUSES
    }
    names = [m["method"] for m in report["methods"]]
    shard["methods"] = method_rows(names, cases)
    shard["cost"] = cost_section(cases, names, shard["run"])
    shard["run"]["shard"] = {"index": index, "total": total, "by": "id-hash", "items": len(ids)}
    return shard


@pytest.fixture
def runs(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Runs:
    return make_runs(pytester, monkeypatch)


class Shards:
    def __init__(self, runs: Runs, report: Report) -> None:
        self.runs = runs
        self.report = report
        self.ids = sorted(c["id"] for c in report["cases"])
        self.folder = runs.root / "shards"
        self.folder.mkdir(exist_ok=True)

    def write(self, name: str, document: Report) -> Path:
        path = self.folder / f"{name}.json"
        path.write_text(json.dumps(document))
        return path

    def split(self, *parts: set[str]) -> list[Path]:
        total = len(parts)
        return [
            self.write(f"shard-{i}", shard_of(self.report, i, total, part))
            for i, part in enumerate(parts, start=1)
        ]

    def gate(self, paths: list[Path]) -> int:
        argv = ["gate", "--today", "2026-06-01"]
        for path in paths:
            argv += ["--report", str(path)]
        return main(argv)

    def merge(self, paths: list[Path], out: Path) -> int:
        argv = ["merge", "--out", str(out)]
        for path in paths:
            argv += ["--report", str(path)]
        return main(argv)


@pytest.fixture
def shards(runs: Runs) -> Shards:
    return Shards(runs, runs.run())


def halves(shards: Shards) -> tuple[set[str], set[str]]:
    return set(shards.ids[:1]), set(shards.ids[1:])


def test_a_single_shard_alone_is_a_partial_run(
    shards: Shards, capsys: pytest.CaptureFixture[str]
) -> None:
    first, _ = shards.split(*halves(shards))
    assert shards.gate([first]) == 2
    out = capsys.readouterr().out
    assert "partial run: 2 of 3 cases not run (shard 1/2)" in out
    assert "merge the shards' reports" in out


def test_complete_shards_pass_the_gate_as_one_run(
    shards: Shards, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = shards.split(*halves(shards))
    assert shards.gate(paths) == 0
    out = capsys.readouterr().out
    assert "reports: 2 shards merged" in out
    assert "3 cases: 3 matches" in out


def test_merge_writes_one_report_html_and_junit_that_the_gate_passes(
    shards: Shards, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = shards.split(*halves(shards))
    out = shards.runs.root / "merged"
    assert shards.merge(paths, out) == 0
    merged = json.loads((out / "compatibility.json").read_text())
    assert schema_problems(merged, "compatibility") == []
    assert merged["summary"] == shards.report["summary"]
    assert merged["methods"] == shards.report["methods"]
    assert [c["id"] for c in merged["cases"]] == shards.ids
    assert [(m["index"], m["cases"]) for m in merged["merged_from"]] == [(1, 1), (2, 2)]
    assert merged["run"]["shard"] is None
    assert (out / "compatibility.html").stat().st_size > 0
    assert "<testsuite" in (out / "parity-junit.xml").read_text()
    assert "parity merge: 2 shards, 3 cases: 3 matches" in capsys.readouterr().out
    assert main(["gate", "--report", str(out / "compatibility.json")]) == 0


def test_a_missing_shard_fails_closed(shards: Shards, capsys: pytest.CaptureFixture[str]) -> None:
    first, second, third = shards.ids
    paths = shards.split({first}, {second}, {third})
    assert shards.gate([paths[0], paths[2]]) == 2
    out = capsys.readouterr().out
    assert "1 of 3 shard reports missing" in out and "shard 2/3" in out
    assert shards.merge([paths[0], paths[2]], shards.runs.root / "m") == 2


def test_the_same_shard_given_twice_fails_closed(
    shards: Shards, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = shards.split(*halves(shards))
    copy_of_first = shards.write("copy", json.loads(first.read_text()))
    assert shards.gate([first, copy_of_first, second]) == 2
    assert "the same shard was given more than once" in capsys.readouterr().out


def test_a_case_run_by_two_shards_fails_closed(
    shards: Shards, capsys: pytest.CaptureFixture[str]
) -> None:
    one, rest = halves(shards)
    paths = shards.split(one | {shards.ids[1]}, rest)
    assert shards.gate(paths) == 2
    out = capsys.readouterr().out
    assert "1 case(s) run by more than one shard" in out
    assert f"{shards.ids[1]}: run by shards 1/2, 2/2" in out


def test_a_case_no_shard_ran_fails_closed(
    shards: Shards, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = shards.split(set(shards.ids[:1]), set(shards.ids[1:2]))
    assert shards.gate(paths) == 2
    out = capsys.readouterr().out
    assert "1 case(s) run by no shard" in out and shards.ids[2] in out


def test_shards_of_another_backend_pair_are_not_merged(
    shards: Shards, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = shards.split(*halves(shards))
    other = json.loads(second.read_text())
    other["run"]["candidate"] = "shouting"
    assert shards.gate([first, shards.write("other", other)]) == 2
    assert "not of the same run" in capsys.readouterr().out


def test_a_report_that_is_not_a_shard_is_not_merged(
    shards: Shards, capsys: pytest.CaptureFixture[str]
) -> None:
    first, _ = shards.split(*halves(shards))
    whole = shards.write("whole", shards.report)
    assert shards.gate([first, whole]) == 2
    assert "not a shard's cannot be merged" in capsys.readouterr().out


def test_a_tampered_shard_is_caught_after_merging(shards: Shards) -> None:
    first, second = shards.split(*halves(shards))
    tampered = json.loads(second.read_text())
    ran = next(c for c in tampered["cases"] if c["status"] == "match")
    ran["differences"] = [{"path": "[1].value", "kind": "changed", "baseline": 1, "candidate": 2}]
    assert shards.gate([first, shards.write("tampered", tampered)]) == 2


def test_real_shards_of_a_run_merge_into_the_whole_run(
    runs: Runs, capsys: pytest.CaptureFixture[str]
) -> None:
    whole = runs.run()
    paths = []
    for k in (1, 2):
        report = runs.run("--parity-shard", f"{k}/2")
        assert report["run"]["shard"]["index"] == k
        path = runs.root / f"shard-{k}.json"
        path.write_text(json.dumps(report))
        paths.append(path)
    ran = [
        {c["id"] for c in json.loads(p.read_text())["cases"] if c["status"] != "not_run"}
        for p in paths
    ]
    assert ran[0].isdisjoint(ran[1])
    assert ran[0] | ran[1] == {c["id"] for c in whole["cases"]}
    capsys.readouterr()
    assert main(["gate", "--report", str(paths[0]), "--today", "2026-06-01"]) == 2
    assert "(shard 1/2)" in capsys.readouterr().out
    argv = ["gate", "--report", str(paths[0]), "--report", str(paths[1]), "--today", "2026-06-01"]
    assert main(argv) == 0
