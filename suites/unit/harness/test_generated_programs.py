"""Generated programs, on a small target of the tests' own (suites/unit/harness/library_target.py).

Parity must find a difference no case tried, shrink it, blame the method, write it out as
an ordinary ``@case`` that imports and reproduces, and pass a pair that agrees.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.contract import CaseStatus, run_case
from harness.contract.cases import ContractCase, registered_cases
from harness.programs import ExploreSettings, Program, ProgramCall, explore, replay
from harness.programs.machine import without_call
from harness.programs.model import Handle
from harness.programs.writer import import_found, write_found
from suites.unit.harness import library_target
from suites.unit.harness.library_target import TARGET, Factory, NewMember

pytestmark = pytest.mark.unit

GOOD = ("good", Factory("good"))


def _explore(candidate: str, seed: int, programs: int = 200) -> object:
    options = ExploreSettings(programs, seed, steps=8, datasets=("members", None))
    return explore(TARGET, GOOD, (candidate, Factory(candidate)), options, {})


def test_a_pair_that_agrees_gives_no_difference_over_five_seeds() -> None:
    for seed in range(5):
        exploration = _explore("good", seed, programs=60)
        assert exploration.found is None
        assert exploration.programs >= 60
        assert exploration.calls > exploration.programs


def test_a_case_sensitive_lookup_is_found_shrunk_to_one_call_and_blamed() -> None:
    exploration = _explore("case-sensitive", seed=0)
    found = exploration.found
    assert found is not None, "no program found the case-sensitive lookup"
    assert [c.method for c in found.program.calls] == ["members.find_by_email"]
    assert found.calls_before_shrinking >= 1
    case = ContractCase(
        "members.find_by_email:found",
        ("members.find_by_email",),
        found.program.dataset,
        replay(found.program),
        "",
    )
    result = run_case(case, TARGET, GOOD, ("case-sensitive", Factory("case-sensitive")), {})
    assert result.status is CaseStatus.MISMATCH
    assert result.suspects[0] == "members.find_by_email"


def test_a_write_that_stores_nothing_is_blamed_on_the_write_not_the_read() -> None:
    exploration = _explore("lost-rename", seed=0)
    assert exploration.found is not None
    program = exploration.found.program
    assert "members.rename" in [c.method for c in program.calls]
    case = ContractCase(
        "members.rename:found", tuple(program.methods()), program.dataset, replay(program), ""
    )
    result = run_case(case, TARGET, GOOD, ("lost-rename", Factory("lost-rename")), {})
    assert result.status is CaseStatus.MISMATCH
    assert result.suspects[0] == "members.rename", (result.suspects, result.cause)
    assert "truncated after each write" in result.cause or "step" in result.cause


def test_a_seed_that_fails_on_one_side_names_the_seed_call_and_its_method() -> None:
    case = ContractCase(
        "members.get:after-seed",
        ("members.get",),
        "members",
        lambda run: run.call("members.get", run.seeded["ann"].id),
        "",
    )
    result = run_case(case, TARGET, GOOD, ("bad-seed", Factory("bad-seed")), {})
    assert result.status is CaseStatus.ERROR
    assert result.suspects == ("members.join",)
    assert result.candidate.error is not None
    assert "while seeding 'members': call 2, members.join" in result.candidate.error


def test_removing_a_call_renumbers_later_handles_and_refuses_to_orphan_one() -> None:
    program = Program(
        None,
        [
            ProgramCall("members.join", (NewMember("a@b.c", "A"),)),
            ProgramCall("members.join", (NewMember("d@e.f", "D"),)),
            ProgramCall("members.get", (Handle("member", 1, "member_2"),)),
        ],
    )
    shorter = without_call(program, 0)
    assert shorter is not None
    assert shorter.calls[1].args == (Handle("member", 0, "member_2"),)
    assert without_call(program, 1) is None


def test_a_found_program_is_written_as_a_case_that_imports_and_reproduces(tmp_path: Path) -> None:
    program = Program(
        "members",
        [
            ProgramCall("members.join", (NewMember("Bob@Example.net", "Bob"),)),
            ProgramCall("members.rename", (Handle("member", 0, "member_1"), 'O\'Neil "Bob"')),
            ProgramCall("members.find_by_email", ("BOB@EXAMPLE.NET",)),
            ProgramCall("members.get", (Handle("member", "ann", "ann"),)),
        ],
    )
    path = write_found(
        tmp_path,
        program,
        ["members.find_by_email", "members.join"],
        "a summary",
        __import__("datetime").date(2026, 12, 1),
        "library",
    )
    source = path.read_text(encoding="utf-8")
    assert 'PARITY_TARGET = "library"' in source
    assert '@case("members.find_by_email", "members.join", seed="members")' in source
    assert "member_1 = run.call(" in source
    assert 'run.seeded["ann"].id' in source
    module = import_found(path)
    (written,) = registered_cases([module])
    result = run_case(written, TARGET, GOOD, ("case-sensitive", Factory("case-sensitive")), {})
    assert result.status is CaseStatus.MISMATCH
    assert result.suspects[0] == "members.find_by_email"


CASES = """
from harness.contract import case
from library import NewMember


@case("members.join", "members.get", "members.everyone", "members.rename", "members.leave")
def joins_renames_and_leaves(run):
    member = run.call("members.join", NewMember("zed@example.org", "Zed"))
    run.call("members.get", member.id)
    run.call("members.rename", member.id, "Zeta")
    run.call("members.everyone")
    run.call("members.leave", member.id)


@case("members.find_by_email", seed="members")
def finds_a_member_by_the_email_as_stored(run):
    run.call("members.find_by_email", "ann@example.org")
"""

TARGET_MODULE = """
from library import LibraryTarget


class Target(LibraryTarget):
    case_modules = ("library_cases",)


TARGET = Target()
"""

TIER = """
import pytest

pytestmark = pytest.mark.unit


def test_backends_agree(parity_case, parity_check):
    assert parity_check(parity_case) == "agrees"


def test_generated_programs_agree(parity_program_batch, parity_explore):
    assert parity_explore(parity_program_batch) == "agrees"
"""


@pytest.fixture
def library(pytester: pytest.Pytester) -> pytest.Pytester:
    """A project using Parity on the library target: two cases, 120 programs."""
    pytester.makepyfile(
        library=Path(library_target.__file__).read_text(encoding="utf-8"),
        library_cases=CASES,
        library_parity=TARGET_MODULE,
        test_tier=TIER,
    )
    pytester.makeini(
        """
        [pytest]
        markers = unit: unit
        parity_target = library_parity:TARGET
        parity_programs = 120
        parity_program_batches = 2
        parity_found_dir = found
        """
    )
    pytester.syspathinsert()
    return pytester


def test_the_plugin_finds_writes_and_then_keeps_a_difference_as_a_case(
    library: pytest.Pytester,
) -> None:
    result = library.runpytest_subprocess(
        "-p", "no:randomly", "--parity-candidate", "case-sensitive", "--parity-program-steps", "6"
    )
    result.assert_outcomes(passed=2, failed=2)  # the cases miss it; both batches find it
    found = sorted((library.path / "found").glob("found_*.py"))
    assert found, result.stdout.str()
    report = json.loads((library.path / "reports/unit/compatibility.json").read_text())
    programs = [c for c in report["cases"] if c.get("program")]
    assert programs and all(c["status"] == "mismatch" for c in programs)
    assert all(c["suspects"][0] == "members.find_by_email" for c in programs)
    assert report["run"]["exploration"]["budget"] == 120
    assert report["run"]["exploration"]["found"]
    result.stdout.fnmatch_lines(["*generated programs*found a difference*", "*found: *"])

    again = library.runpytest_subprocess("-p", "no:randomly", "--parity-programs", "0")
    again.assert_outcomes(passed=2 + len(found), skipped=1)  # found cases run, pass on good


def test_a_zero_budget_runs_no_programs_and_says_so(library: pytest.Pytester) -> None:
    result = library.runpytest_subprocess("-p", "no:randomly", "--parity-programs", "0", "-rs")
    result.assert_outcomes(passed=2, skipped=1)
    result.stdout.fnmatch_lines(["*generated programs are turned off*"])
    report = json.loads((library.path / "reports/unit/compatibility.json").read_text())
    assert report["run"]["exploration"]["programs"] == 0


def test_a_bad_program_option_is_a_usage_error(library: pytest.Pytester) -> None:
    result = library.runpytest_subprocess("--parity-programs", "many")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*expected a whole number of 0 or more, got 'many'*"])


def test_a_longer_exploration_draws_a_fresh_seed_and_reports_it(library: pytest.Pytester) -> None:
    result = library.runpytest_subprocess("-p", "no:randomly", "--parity-explore", "20")
    result.assert_outcomes(passed=4)
    exploration = json.loads((library.path / "reports/unit/compatibility.json").read_text())["run"][
        "exploration"
    ]
    assert exploration["fresh_seed"] is True
    assert exploration["budget"] == 20
    seeds = sorted(batch["seed"] for batch in exploration["batches"])
    assert seeds == [exploration["seed"], exploration["seed"] + 1]
    replay = library.runpytest_subprocess(
        "-p", "no:randomly", "--parity-programs", "20", "--parity-seed", str(exploration["seed"])
    )
    replay.assert_outcomes(passed=4)
    again = json.loads((library.path / "reports/unit/compatibility.json").read_text())["run"][
        "exploration"
    ]
    assert again["fresh_seed"] is False
    assert again["calls"] == exploration["calls"]  # the same seed makes the same programs


def test_handles_in_keyword_arguments_resolve_to_the_sides_raw_ids() -> None:
    from harness.programs.model import Unknown, resolve

    seeded = {"ann": library_target.Member("7", "ann@example.org", "Ann")}
    kwargs = {"member_id": Handle("member", "ann", "ann"), "other": Unknown("member", "x")}
    assert resolve(kwargs, seeded, []) == {"member_id": "7", "other": "x"}
