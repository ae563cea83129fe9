"""``--parity-shard``, the report's ``run.shard`` and ``run.selection``, and ``-q``.

Driven through pytester on the library target (suites/unit/harness/library_target.py):
six cases and four program batches, so ten parity items, and one test that is not one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.report.schema import schema_problems
from harness.shard import id_hash
from suites.unit.harness import library_target

pytestmark = pytest.mark.unit

CASES = """
from harness.contract import case
from library import NewMember


@case("members.join", "members.get")
def joins(run):
    member = run.call("members.join", NewMember("zed@example.org", "Zed"))
    run.call("members.get", member.id)


@case("members.rename")
def renames(run):
    member = run.call("members.join", NewMember("zed@example.org", "Zed"))
    run.call("members.rename", member.id, "Zeta")


@case("members.leave")
def leaves(run):
    member = run.call("members.join", NewMember("zed@example.org", "Zed"))
    run.call("members.leave", member.id)


@case("members.everyone", seed="members")
def lists_everyone(run):
    run.call("members.everyone")


@case("members.find_by_email", seed="members")
def finds_by_email(run):
    run.call("members.find_by_email", "ann@example.org")


@case("members.get")
def gets_nobody(run):
    run.call("members.get", "nobody")
"""

TARGET_MODULE = """
from contextlib import contextmanager

from library import LibraryTarget


class Target(LibraryTarget):
    case_modules = ("library_cases",)
    backends = (*LibraryTarget.backends, "down")

    @contextmanager
    def open_backend(self, name, resources):
        if name == "down":
            raise ConnectionError("the server is not answering")
        with super().open_backend(name, resources) as factory:
            yield factory


TARGET = Target()
"""

TIER = """
import pytest

pytestmark = pytest.mark.unit


def test_backends_agree(parity_case, parity_check):
    assert parity_check(parity_case) == "agrees"


@pytest.mark.slow
def test_generated_programs_agree(parity_program_batch, parity_explore):
    assert parity_explore(parity_program_batch) == "agrees"


def test_not_a_parity_item():
    pass
"""

CASE_IDS = [
    "members.join:joins",
    "members.rename:renames",
    "members.leave:leaves",
    "members.everyone:lists-everyone",
    "members.find_by_email:finds-by-email",
    "members.get:gets-nobody",
]
BATCH_IDS = [f"programs-{n}-of-4" for n in range(1, 5)]
ITEMS = {*CASE_IDS, *BATCH_IDS}
OTHER = "test_tier.py::test_not_a_parity_item"


@pytest.fixture
def library(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(
        library=Path(library_target.__file__).read_text(encoding="utf-8"),
        library_cases=CASES,
        library_parity=TARGET_MODULE,
        test_tier=TIER,
    )
    pytester.makeini(
        """
        [pytest]
        markers =
            unit: unit
            slow: slow
        pythonpath = .
        parity_target = library_parity:TARGET
        parity_programs = 8
        parity_program_batches = 4
        parity_found_dir = found
        """
    )
    return pytester


def _collected(pytester: pytest.Pytester, *args: str) -> tuple[set[str], set[str], str]:
    """(parity ids, other test ids, the shard header) of a --collect-only run."""
    shuffled = any(a.startswith("--randomly-seed") for a in args)
    result = pytester.runpytest(
        *([] if shuffled else ["-p", "no:randomly"]), "--collect-only", *args
    )
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    text = result.stdout.str()
    names = {
        line.strip().removeprefix("<Function ").removesuffix(">")
        for line in result.stdout.lines
        if line.strip().startswith("<Function ")
    }
    parity = {n.partition("[")[2].removesuffix("]") for n in names if "[" in n}
    headers = [line for line in result.stdout.lines if line.startswith("parity: shard")]
    assert len(headers) == 1, text
    return parity, {f"test_tier.py::{n}" for n in names if "[" not in n}, headers[0]


def _report(pytester: pytest.Pytester) -> Any:
    return json.loads((pytester.path / "reports/unit/compatibility.json").read_text())


def _write_report(pytester: pytest.Pytester, report: Any) -> None:
    folder = pytester.path / "reports/unit"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "compatibility.json").write_text(json.dumps(report), encoding="utf-8")


def _case(case_id: str, baseline: float, candidate: float, again: float | None) -> Any:
    return {
        "id": case_id,
        "status": "match",
        "baseline": {"seconds": baseline},
        "candidate": {"seconds": candidate},
        "baseline_again_seconds": again,
    }


PREVIOUS = {
    "cases": [
        _case("members.join:joins", 2.0, 2.0, 1.0),  # 5 s
        _case("members.rename:renames", 2.0, 2.0, None),  # 4 s
        _case("members.leave:leaves", 1.0, 2.0, None),  # 3 s
        _case("members.everyone:lists-everyone", 1.0, 1.0, None),  # 2 s
        _case("members.find_by_email:finds-by-email", 0.5, 0.5, None),  # 1 s
        {"id": "members.get:gets-nobody", "status": "not_run"},  # the median: 3 s
    ],
    "run": {
        "tier": "unit",
        "exploration": {
            "batches": [
                {"batch": "programs-1-of-4", "seconds": 6.0},
                {"batch": "programs-2-of-4", "seconds": 2.0},
            ]  # 3-of-4 and 4-of-4: the median of the batches, 4 s
        },
    },
}


@pytest.mark.parametrize("total", [2, 3])
def test_shards_by_id_hash_are_disjoint_cover_every_item_and_repeat(
    library: pytest.Pytester, total: int
) -> None:
    shares = []
    for k in range(1, total + 1):
        parity, others, header = _collected(library, "--parity-shard", f"{k}/{total}")
        assert others == {OTHER}  # a test that is not a parity item runs in every shard
        assert header.startswith(f"parity: shard {k}/{total} by id hash (no previous report at ")
        assert header.endswith(f": {len(parity)} of 10 items")
        shares.append(parity)
        again, _, _ = _collected(library, f"--randomly-seed={k}", "--parity-shard", f"{k}/{total}")
        assert again == parity  # the same share whatever order the items were collected in
    assert set().union(*shares) == ITEMS
    assert sum(len(s) for s in shares) == len(ITEMS)


def test_shards_by_recorded_duration_balance_the_previous_reports_seconds(
    library: pytest.Pytester,
) -> None:
    _write_report(library, PREVIOUS)
    first, _, header = _collected(library, "--parity-shard", "1/2")
    # longest first, each to the less loaded shard (ties: shard 1):
    # p1 6 -> 1; joins 5 -> 2; renames 4 -> 2; p3 4 -> 1; p4 4 -> 2; gets-nobody 3 -> 1;
    # leaves 3 -> 1 (13 = 13); everyone 2 -> 2; p2 2 -> 2; find 1 -> 1: 17 s each
    assert first == {
        "programs-1-of-4",
        "programs-3-of-4",
        "members.get:gets-nobody",
        "members.leave:leaves",
        "members.find_by_email:finds-by-email",
    }
    assert header == "parity: shard 1/2 by recorded duration: 5 of 10 items (est. 17.0 s of 34.0 s)"
    second, _, _ = _collected(library, "--parity-shard", "2/2")
    assert second == ITEMS - first
    assert _collected(library, "--parity-shard", "1/2")[0] == first
    thirds = [_collected(library, "--parity-shard", f"{k}/3")[0] for k in (1, 2, 3)]
    assert set().union(*thirds) == ITEMS
    assert sum(len(s) for s in thirds) == len(ITEMS)


def test_a_corrupt_previous_report_falls_back_to_the_id_hash_and_says_so(
    library: pytest.Pytester,
) -> None:
    folder = library.path / "reports/unit"
    folder.mkdir(parents=True)
    (folder / "compatibility.json").write_text('{"cases": [{"id": "trunc', encoding="utf-8")
    parity, _, header = _collected(library, "--parity-shard", "1/2")
    assert header.startswith(
        "parity: shard 1/2 by id hash (reports/unit/compatibility.json could not be read: "
        "not valid JSON at character "
    )
    (folder / "compatibility.json").unlink()
    assert parity == _collected(library, "--parity-shard", "1/2")[0]


@pytest.mark.parametrize("value", ["0/2", "3/2", "a/b", "1/0", ""])
def test_a_bad_shard_is_a_usage_error_naming_the_option(
    library: pytest.Pytester, value: str
) -> None:
    result = library.runpytest("--parity-shard", value)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*--parity-shard: expected K/N*got {value!r}*"])


def test_one_shard_after_another_in_one_checkout_shares_by_the_same_durations(
    library: pytest.Pytester,
) -> None:
    """Shard 1's report replaces the report shard 2 reads: shard 2 must still agree."""
    _write_report(library, PREVIOUS)
    first = library.runpytest("-p", "no:randomly", "--parity-shard", "1/2")
    first.assert_outcomes(passed=6)  # five parity items and the other test
    shard = _report(library)["run"]["shard"]
    assert {k: shard[k] for k in ("index", "total", "by", "items")} == {
        "index": 1,
        "total": 2,
        "by": "duration",
        "items": 5,
    }
    assert shard["durations"]["batch"] == {"programs-1-of-4": 6.0, "programs-2-of-4": 2.0}
    assert schema_problems(_report(library), "compatibility") == []
    second = library.runpytest("-p", "no:randomly", "--parity-shard", "2/2")
    second.assert_outcomes(passed=6)
    second.stdout.fnmatch_lines(["parity: shard 2/2 by recorded duration: 5 of 10 items*"])
    ran = {c["id"] for c in _report(library)["cases"] if c["status"] != "not_run"}
    assert ran == {
        "members.join:joins",
        "members.rename:renames",
        "members.everyone:lists-everyone",
    }


def test_program_batches_of_another_shard_are_not_lost(library: pytest.Pytester) -> None:
    mine, _, _ = _collected(library, "--parity-shard", "1/2")
    batches = mine & set(BATCH_IDS)
    assert batches and batches != set(BATCH_IDS), "the id hash splits the four batches"
    result = library.runpytest("-p", "no:randomly", "--parity-shard", "1/2")
    result.assert_outcomes(passed=len(mine) + 1)
    report = _report(library)
    assert report["complete"] is True, report["incomplete_reasons"]
    assert {b["batch"] for b in report["run"]["exploration"]["batches"]} == batches
    assert report["run"]["shard"]["items"] == len(mine)
    assert report["run"]["selection"] == {"options": [], "deselected": 0}


def test_a_whole_run_reports_no_shard_and_no_narrowing(library: pytest.Pytester) -> None:
    library.runpytest("-p", "no:randomly").assert_outcomes(passed=11)
    run = _report(library)["run"]
    assert run["shard"] is None
    assert run["selection"] == {"options": [], "deselected": 0}
    assert schema_problems(_report(library), "compatibility") == []


def test_the_options_that_deselected_parity_items_are_reported(library: pytest.Pytester) -> None:
    result = library.runpytest(
        "-p",
        "no:randomly",
        "-k",
        "members and not rename",
        "--deselect",
        "test_tier.py::test_backends_agree[members.leave:leaves]",
        "--deselect",
        "test_tier.py::test_nothing_by_this_name",
        "-m",
        "unit",
    )
    result.assert_outcomes(passed=4)
    selection = _report(library)["run"]["selection"]
    assert sorted(selection["options"]) == [
        "--deselect test_tier.py::test_backends_agree[members.leave:leaves]",
        "-k 'members and not rename'",
    ]  # -m unit deselected no parity item (only the other test), the second --deselect nothing
    assert selection["deselected"] == 6  # leaves; renames and the four batches
    library.runpytest("-p", "no:randomly", "-m", "not slow").assert_outcomes(passed=7)
    assert _report(library)["run"]["selection"] == {"options": ["-m 'not slow'"], "deselected": 4}


def test_last_failed_is_reported_with_what_it_deselected(library: pytest.Pytester) -> None:
    bad = library.runpytest("-p", "no:randomly", "--parity-candidate", "bad-seed")
    assert bad.ret == pytest.ExitCode.TESTS_FAILED
    again = library.runpytest("-p", "no:randomly", "--parity-candidate", "bad-seed", "--lf")
    assert again.ret == pytest.ExitCode.TESTS_FAILED
    again.assert_outcomes(failed=6)  # --lf left the five that passed out while collecting
    assert _report(library)["run"]["selection"] == {"options": ["--lf"], "deselected": 4}


def test_node_ids_on_the_command_line_are_reported_as_narrowing(library: pytest.Pytester) -> None:
    one = "test_tier.py::test_backends_agree[members.join:joins]"
    library.runpytest("-p", "no:randomly", one).assert_outcomes(passed=1)
    assert _report(library)["run"]["selection"] == {"options": [one], "deselected": 9}
    library.runpytest("-p", "no:randomly", "test_tier.py").assert_outcomes(passed=11)
    assert _report(library)["run"]["selection"] == {"options": [], "deselected": 0}


def test_under_xdist_the_controller_reports_the_workers_shard_and_selection(
    library: pytest.Pytester,
) -> None:
    k = id_hash("members.join:joins") % 3 + 1  # no previous report: the shard holding joins
    args = ("-p", "no:randomly", "--parity-shard", f"{k}/3", "-k", "not joins")
    serial = library.runpytest(*args)
    assert serial.ret == pytest.ExitCode.OK
    expected = _report(library)["run"]
    parallel = library.runpytest(*args, "-n", "2")
    assert parallel.ret == pytest.ExitCode.OK
    run = _report(library)["run"]
    assert run["shard"] == expected["shard"]
    assert (
        run["selection"]
        == expected["selection"]
        == {
            "options": ["-k 'not joins'"],
            "deselected": 1,
        }
    )
    parallel.stdout.fnmatch_lines(
        [f"parity: shard {k}/3 by id hash *: {run['shard']['items']} of 10 items"]
    )


def test_the_shards_counts_add_up_to_the_whole_run(library: pytest.Pytester) -> None:
    """Every parity item is in one share, and what -k leaves out is counted by that share's
    shard only: summed over the shards (as parity merge does) the counts are the run's."""
    items, deselected, ran = 0, 0, []
    for k in (1, 2):
        library.runpytest("-p", "no:randomly", "--parity-shard", f"{k}/2", "-k", "members")
        run = _report(library)["run"]
        items += run["shard"]["items"]
        deselected += run["selection"]["deselected"]
        ran.append({c["id"] for c in _report(library)["cases"] if c["status"] != "not_run"})
    assert items == 10
    assert deselected == 4  # the four program batches
    assert not ran[0] & ran[1]
    assert ran[0] | ran[1] == set(CASE_IDS)


def test_quiet_prints_the_essentials_and_very_quiet_only_problems(
    library: pytest.Pytester,
) -> None:
    quiet = library.runpytest("-p", "no:randomly", "-q", "--parity-shard", "1/2")
    text = quiet.stdout.str()
    assert "coverage (method x cases)" not in text
    assert "parity reports" not in text
    assert "parity: shard" not in text
    quiet.stdout.fnmatch_lines(
        [
            "parity unit: complete; * match, 0 mismatch, 0 noise, 0 accepted, 0 error, * not run",
            "  reports/unit/compatibility.json (+ baseline.json, compatibility.html, "
            "parity-junit.xml)",
        ]
    )
    assert len([line for line in quiet.stdout.lines if line.startswith("parity")]) == 1
    very = library.runpytest("-p", "no:randomly", "-qq")
    assert not [line for line in very.stdout.lines if "parity" in line]
    failing = library.runpytest("-p", "no:randomly", "-qq", "--parity-candidate", "down")
    failing.stdout.fnmatch_lines(
        [
            "parity unit: incomplete: backend 'down' could not be set up: ConnectionError: *",
            "parity: backend 'down' could not be set up: ConnectionError: the server is not *",
        ]
    )


LIVE_CONFTEST = """
import pytest

from harness.fixtures_servers import _provision
from harness.provisioning.server import ProvisionedServer


class Fake(ProvisionedServer):
    label = "FakeDB (local fakedbd)"
    where = "127.0.0.1:9"

    def start(self):
        return self

    def stop(self):
        pass


@pytest.fixture(scope="session")
def fake_server(request):
    return _provision(request.config, Fake)
"""


def test_a_starting_server_gets_a_live_line_except_when_quiet(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(LIVE_CONFTEST)
    pytester.makepyfile(test_live="def test_it(fake_server):\n    pass\n")
    loud = pytester.runpytest("-p", "no:randomly")
    loud.assert_outcomes(passed=1)
    loud.stdout.fnmatch_lines(
        [
            "parity: starting FakeDB (local fakedbd) ...",
            "parity: FakeDB (local fakedbd) ready in *.* s at 127.0.0.1:9",
        ]
    )
    quiet = pytester.runpytest("-p", "no:randomly", "-q")
    quiet.assert_outcomes(passed=1)
    assert "FakeDB" not in quiet.stdout.str()


def test_a_server_that_does_not_start_says_so_and_how_long_it_tried() -> None:
    from harness.provisioning.errors import ProvisioningError
    from harness.provisioning.live import announced
    from harness.provisioning.server import ProvisionedServer

    class Broken(ProvisionedServer):
        action = "reaching"

        def start(self) -> Broken:
            raise ProvisioningError("no", expected="a server", observed="none", hint="start one")

        def stop(self) -> None:
            pass

    lines: list[str] = []
    with pytest.raises(ProvisioningError), announced(lines.append, Broken()):
        Broken().start()
    assert lines[0] == "parity: reaching Broken ..."
    assert lines[1].startswith("parity: Broken did not start (") and lines[1].endswith(" s)")
    with announced(None, Broken()):
        pass  # no terminal (-q, an xdist worker): nothing to say
