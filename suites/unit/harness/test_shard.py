"""harness.shard: parsing K/N, the id hash, greedy longest-processing-time, and where the
durations come from (a previous report, a shard's report, or nothing)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from harness.shard import (
    Plan,
    Shard,
    Source,
    Unit,
    assign_by_duration,
    assign_by_hash,
    estimates,
    id_hash,
    load_source,
    plan,
    recorded_from_report,
)

pytestmark = pytest.mark.unit

UNITS = [Unit("unit", "case", f"repo.method:case-{n:02}") for n in range(40)] + [
    Unit("unit", "batch", f"programs-{n}-of-4") for n in range(1, 5)
]


@pytest.mark.parametrize(
    ("text", "expected"), [("1/2", Shard(1, 2)), ("3/3", Shard(3, 3)), (" 2 / 5 ", Shard(2, 5))]
)
def test_a_shard_is_k_of_n(text: str, expected: Shard) -> None:
    assert Shard.parse(text) == expected
    assert str(expected) == f"{expected.index}/{expected.total}"


@pytest.mark.parametrize("text", ["0/2", "3/2", "a/b", "1/0", "", "1", "1/2/3", "-1/2", "1.0/2"])
def test_a_malformed_shard_says_what_was_expected_and_seen(text: str) -> None:
    with pytest.raises(ValueError, match=r"expected K/N.*got '") as raised:
        Shard.parse(text)
    assert repr(text) in str(raised.value)


def test_the_id_hash_is_sha256_and_the_same_in_every_interpreter() -> None:
    # printf '%s' 'members.join:joins' | sha256sum | cut -c1-16
    assert id_hash("members.join:joins") == 0x336093E9EE42949B
    script = "from harness.shard import id_hash; print(id_hash('members.join:joins'))"
    for seed in ("0", "12345"):
        done = subprocess.run(  # noqa: S603 - our interpreter, a fixed script
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PYTHONDONTWRITEBYTECODE": "1"},
            cwd=Path(__file__).parents[3],
        )
        assert int(done.stdout) == 0x336093E9EE42949B


@pytest.mark.parametrize("total", [2, 3])
@pytest.mark.parametrize("by", ["id-hash", "duration"])
def test_the_shards_are_disjoint_cover_every_item_and_repeat(total: int, by: str) -> None:
    source = (
        Source("duration", {"unit": {"case": {u.id: float(len(u.id)) for u in UNITS[:30]}}})
        if by == "duration"
        else Source("id-hash", None, "no previous report")
    )
    shares = [plan(Shard(k, total), UNITS, source)[1] for k in range(1, total + 1)]
    again = [plan(Shard(k, total), list(reversed(UNITS)), source)[1] for k in range(1, total + 1)]
    assert shares == again  # the order of the items does not matter
    assert set().union(*shares) == set(UNITS)
    assert sum(len(s) for s in shares) == len(UNITS)
    assert all(shares), "every shard gets something out of 44 items"


def test_longest_processing_time_takes_the_longest_first_and_breaks_ties_low() -> None:
    seconds = {
        Unit("unit", "case", "a"): 5.0,
        Unit("unit", "case", "b"): 4.0,
        Unit("unit", "case", "c"): 3.0,
        Unit("unit", "case", "d"): 3.0,
        Unit("unit", "case", "e"): 3.0,
    }
    assigned = assign_by_duration(seconds, 2)
    # a -> 0 (5); b -> 1 (4); c -> 1 (7); d -> 0 (8); e -> 1 (10)
    assert [assigned[u] for u in sorted(seconds)] == [0, 1, 1, 0, 1]
    equal = {Unit("unit", "case", x): 1.0 for x in "zyxw"}
    assert [assign_by_duration(equal, 3)[Unit("unit", "case", x)] for x in "wxyz"] == [0, 1, 2, 0]


def test_the_hash_share_is_the_id_hash_modulo_n() -> None:
    assigned = assign_by_hash(UNITS, 3)
    assert all(assigned[u] == id_hash(u.id) % 3 for u in UNITS)


def _report(cases: list[dict[str, Any]], batches: list[dict[str, Any]], **run: Any) -> Any:
    return {"cases": cases, "run": {"exploration": {"batches": batches}, **run}}


def _case(case_id: str, baseline: float, candidate: float, again: float | None) -> Any:
    return {
        "id": case_id,
        "status": "match",
        "baseline": {"seconds": baseline},
        "candidate": {"seconds": candidate},
        "baseline_again_seconds": again,
    }


def test_a_reports_durations_add_both_sides_and_the_second_baseline_run() -> None:
    report = _report(
        [
            _case("a", 1.0, 2.0, 0.5),
            _case("b", 1.0, 1.0, None),
            {"id": "c", "status": "not_run"},
            {"id": "d", "status": "error", "baseline": {"seconds": 1.0}, "candidate": {}},
        ],
        [{"batch": "programs-1-of-2", "seconds": 7.25}, {"batch": "programs-2-of-2"}],
    )
    assert recorded_from_report(report) == (
        "duration",
        {"case": {"a": 3.5, "b": 2.0}, "batch": {"programs-1-of-2": 7.25}},
    )


def test_missing_durations_are_the_median_of_their_kind() -> None:
    recorded = {"unit": {"case": {"a": 1.0, "b": 2.0, "c": 9.0}, "batch": {"p1": 20.0}}}
    got = estimates(
        [
            Unit("unit", "case", "new"),
            Unit("unit", "batch", "p2"),
            Unit("unit", "case", "a"),
            Unit("integration", "case", "x"),
        ],
        recorded,
    )
    assert list(got.values()) == [2.0, 20.0, 1.0, 1.0]
    no_batches = estimates([Unit("unit", "batch", "p1")], {"unit": {"case": {"a": 3.0}}})
    assert list(no_batches.values()) == [3.0]  # no batch recorded: the cases' median


def test_a_shard_report_passes_on_the_durations_it_shared_by() -> None:
    durations = {"case": {"a": 1.5}, "batch": {"p": 3.0}}
    shard = {"index": 1, "total": 2, "by": "duration", "items": 1, "durations": durations}
    report = _report([_case("a", 9.0, 9.0, None)], [], shard=shard)
    assert recorded_from_report(report) == ("duration", durations)
    hashed = _report([], [], shard={**shard, "by": "id-hash", "durations": None})
    assert recorded_from_report(hashed) == ("id-hash", None)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_without_a_readable_report_the_shares_are_by_id_hash_and_say_why(tmp_path: Path) -> None:
    missing = load_source({"unit": tmp_path / "unit/compatibility.json"})
    assert (missing.by, missing.recorded) == ("id-hash", None)
    assert missing.note == f"no previous report at {tmp_path / 'unit/compatibility.json'}"
    corrupt = load_source({"unit": _write(tmp_path / "c.json", '{"cases": [')})
    assert corrupt.by == "id-hash"
    assert corrupt.note.startswith(f"{tmp_path / 'c.json'} could not be read: not valid JSON")
    other = load_source({"unit": _write(tmp_path / "o.json", "[1, 2]")})
    assert other.note.endswith("could not be read: not a compatibility report (no 'cases' list)")
    binary = tmp_path / "b.json"
    binary.write_bytes(b"\xff\xfe\x00")
    assert load_source({"unit": binary}).by == "id-hash"
    directory = tmp_path / "d.json"
    directory.mkdir()
    assert load_source({"unit": directory}).by == "id-hash"


def test_every_tier_needs_a_report_for_the_shares_to_be_by_duration(tmp_path: Path) -> None:
    good = _write(tmp_path / "unit.json", json.dumps(_report([_case("a", 1, 1, None)], [])))
    assert load_source({"unit": good}).by == "duration"
    mixed = load_source({"unit": good, "integration": tmp_path / "none.json"})
    assert mixed.by == "id-hash"
    assert "none.json" in mixed.note


def test_the_header_and_the_report_fields() -> None:
    source = Source("duration", {"unit": {"case": {"a": 3.0, "b": 1.0}}})
    units = [Unit("unit", "case", "a"), Unit("unit", "case", "b"), Unit("unit", "case", "c")]
    made, kept = plan(Shard(1, 2), units, source)
    assert kept == {Unit("unit", "case", "a")}
    # c has no recorded time: the median, 2 s; a (3 s) -> shard 1, c and b (3 s) -> shard 2
    assert made.header() == (
        "parity: shard 1/2 by recorded duration: 1 of 3 items (est. 3.0 s of 6.0 s)"
    )
    assert made.run_json("unit") == {
        "index": 1,
        "total": 2,
        "by": "duration",
        "items": 1,
        "durations": {"case": {"a": 3.0, "b": 1.0}},
    }
    assert Plan.from_json(json.loads(json.dumps(made.to_json()))) == made
    hashed, _ = plan(Shard(2, 2), units, Source("id-hash", None, "no previous report at x"))
    assert hashed.header().startswith("parity: shard 2/2 by id hash (no previous report at x): ")
    assert hashed.run_json("unit")["durations"] is None
