"""What Parity says when a target is incomplete, missing, broken or cannot open a backend."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

import pytest

from harness.target import TargetError, check_target, load_target
from suites.unit.harness.test_plugin import FAKE_CASES, FAKE_TARGET, KEYS_CASE, TEST_MODULE

pytestmark = pytest.mark.unit

INI_WITHOUT_MARKERS = """
[pytest]
pythonpath = .
addopts = --strict-markers
parity_target = fake_target:TARGET
"""


class HalfATarget:
    name = "half"
    interfaces = {"kv": dict}
    case_modules = ("x",)
    backends = ("a", "b")
    default_pairs = {"unit": ("a", "c")}

    def seed(self, repositories: object) -> None:  # one argument short
        del repositories


def test_an_incomplete_target_is_refused_naming_every_missing_member() -> None:
    problems = check_target(HalfATarget())
    text = "\n".join(problems)
    for member in ("rules", "domain_errors", "write_methods", "open_backend", "snapshot"):
        assert f"missing {member}" in text or f"missing method {member}" in text
    assert "seed: expected a method taking 2 argument(s)" in text
    assert "default_pairs['unit'] names ['c']" in text


def test_a_module_not_on_the_path_points_at_pythonpath() -> None:
    with pytest.raises(TargetError) as raised:
        load_target("no_such_package_anywhere.target:TARGET")
    message = str(raised.value)
    assert "is not importable" in message and "pythonpath" in message


def test_a_module_that_raises_while_importing_is_not_blamed_on_the_path(tmp_path: Path) -> None:
    (tmp_path / "broken_target_mod.py").write_text("import json\nraise RuntimeError('boom')\n")
    import sys

    sys.path.insert(0, str(tmp_path))
    try:
        with pytest.raises(TargetError) as raised:
            load_target("broken_target_mod:TARGET")
    finally:
        sys.path.remove(str(tmp_path))
    message = str(raised.value)
    assert "raised while importing: RuntimeError: boom" in message
    assert "pythonpath" not in message


def test_a_missing_attribute_names_what_the_module_defines(tmp_path: Path) -> None:
    (tmp_path / "target_without_it.py").write_text("OTHER = 1\n")
    import sys

    sys.path.insert(0, str(tmp_path))
    try:
        with pytest.raises(TargetError) as raised:
            load_target("target_without_it:TARGET")
    finally:
        sys.path.remove(str(tmp_path))
    assert "has no attribute 'TARGET'" in str(raised.value)
    assert "OTHER" in str(raised.value)


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(
        fake_target=FAKE_TARGET, fake_cases=FAKE_CASES + KEYS_CASE, test_fake=TEST_MODULE
    )
    pytester.makeini(INI_WITHOUT_MARKERS)
    return pytester


def test_a_configured_plugin_registers_the_tier_markers_it_relies_on(
    project: pytest.Pytester,
) -> None:
    result = project.runpytest("-p", "no:randomly")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*3 passed*"])


def test_collecting_only_writes_no_report(project: pytest.Pytester) -> None:
    result = project.runpytest("--collect-only", "-p", "no:randomly")
    assert result.ret == pytest.ExitCode.OK
    assert not (project.path / "reports").exists()


def test_a_backend_that_cannot_be_set_up_is_reported_once_by_name(
    project: pytest.Pytester,
) -> None:
    result = project.runpytest("-p", "no:randomly", "--parity-candidate", "down")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    output = result.stdout.str()
    assert output.count("raise ConnectionError") == 1  # in the setup failures, once
    assert "backend 'down' could not be set up: ConnectionError: the server is not answering" in (
        output
    )
    assert output.count("its traceback: 'parity backend setup failures'") >= 3  # each case
    assert "parity backend setup failures" in output
    report = json.loads((project.path / "reports/unit/compatibility.json").read_text())
    reasons = "\n".join(report["incomplete_reasons"])
    assert reasons.startswith("backend 'down' could not be set up")
    assert report["run"]["backend_setup_failures"][0]["backend"] == "down"


class _Letters(Protocol):
    def listing(self, page_size: int, page_token: str | None = None) -> dict[str, object]: ...


class _LetterRepo:
    def listing(self, page_size: int, page_token: str | None = None) -> dict[str, object]:
        start = int(page_token or 0)
        letters = "abcde"[start : start + page_size]
        more = start + page_size < 5
        return {
            "results": list(letters),
            "next_page_token": str(start + page_size) if more else None,
        }


class _Repos:
    letters = _LetterRepo()


def test_drain_pages_the_way_the_target_says() -> None:
    from harness import Paging, Run
    from harness.determinism import DeterministicClock

    paging = Paging(
        limit="page_size", cursor="page_token", items="results", next_cursor="next_page_token"
    )
    run = Run(_Repos(), {"letters": _Letters}, (), DeterministicClock(), {}, paging=paging)
    assert run.drain("letters.listing", limit=2) == ["a", "b", "c", "d", "e"]
    assert run.steps[-1].value == {"items": ["a", "b", "c", "d", "e"], "page_sizes": [2, 2, 1]}
