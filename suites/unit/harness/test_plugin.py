"""The Parity plugin itself, driven through pytester with a tiny fake target."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.unit

FAKE_TARGET = """
from __future__ import annotations

import random
from contextlib import contextmanager
from typing import Protocol

from harness.canonical import CanonicalRules
from harness.contract import case


class Missing(Exception):
    def fields(self):
        return {"key": self.args[0]}


class KeyValue(Protocol):
    def put(self, key: str, value: str) -> None: ...
    def get(self, key: str) -> str: ...
    def keys(self) -> list: ...


class Store:
    def __init__(self, flavour):
        self.data, self.flavour = {}, flavour

    def put(self, key, value):
        self.data[key] = value.upper() if self.flavour == "shouting" else value

    def get(self, key):
        if key not in self.data:
            if self.flavour == "crashing":
                raise KeyError(key)
            raise Missing(key)
        return self.data[key]

    def keys(self):
        keys = sorted(self.data)
        if self.flavour == "noisy":
            return [*keys, random.random()]
        return keys


class Repos:
    def __init__(self, flavour):
        self.kv = Store(flavour)


class Factory:
    def __init__(self, flavour):
        self.flavour = flavour

    @contextmanager
    def fresh(self, determinism):
        yield Repos(self.flavour)


class FakeTarget:
    name = "fake"
    interfaces = {"kv": KeyValue}
    rules = CanonicalRules(error_fields=lambda e: e.fields() if hasattr(e, "fields") else {})
    case_modules = ("fake_cases",)
    domain_errors = (Missing,)
    write_methods = frozenset({"kv.put"})
    backends = ("good", "shouting", "crashing", "noisy", "down")
    default_pairs = {"unit": ("good", "good")}

    @contextmanager
    def open_backend(self, name, resources):
        if name == "down":
            raise ConnectionError("the server is not answering")
        yield Factory(name)

    def seed(self, repos, dataset):
        return {}

    def snapshot(self, repos):
        return sorted(repos.kv.data.items())


TARGET = FakeTarget()
"""

FAKE_CASES = """
from harness.contract import case


@case("kv.put", "kv.get")
def stores_and_reads_back(run):
    run.call("kv.put", "greeting", "hello")
    run.call("kv.get", "greeting")


@case("kv.get")
def reports_missing_keys(run):
    run.call("kv.get", "absent")
"""

KEYS_CASE = """

@case("kv.keys")
def lists_keys(run):
    run.call("kv.put", "b", "x")
    run.call("kv.keys")
"""

TEST_MODULE = """
import pytest

pytestmark = pytest.mark.unit


def test_backends_agree(parity_case, parity_check):
    assert parity_check(parity_case) == "agrees"
"""

INI = """
[pytest]
markers =
    unit: u
    integration: i
    e2e: e
parity_target = fake_target:TARGET
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(
        fake_target=FAKE_TARGET, fake_cases=FAKE_CASES + KEYS_CASE, test_fake=TEST_MODULE
    )
    pytester.makeini(INI)
    pytester.syspathinsert()
    return pytester


def test_identical_backends_agree_and_the_coverage_table_is_printed(
    project: pytest.Pytester,
) -> None:
    result = project.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        ["*parity unit coverage*", "*kv.get*2*", "*3 cases over 3 methods*"]
    )


def test_a_differing_candidate_fails_with_a_labelled_diff(project: pytest.Pytester) -> None:
    result = project.runpytest("-p", "no:randomly", "--parity-candidate", "shouting")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*shouting differs from good on kv.put:stores-and-reads-back*",
            '*step 2: kv.get(key="greeting")*',
            '*baseline (good)*: "hello"',
            '*candidate (shouting)*: "HELLO"',
        ]
    )


def test_a_crash_outside_the_documented_errors_is_an_error_not_a_pass(
    project: pytest.Pytester,
) -> None:
    result = project.runpytest("-p", "no:randomly", "--parity-candidate", "crashing")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*could not be compared: crashing: kv.get crashed with KeyError*"])


def test_what_differs_between_two_baseline_runs_is_noise_not_a_mismatch(
    project: pytest.Pytester,
) -> None:
    result = project.runpytest(
        "-p", "no:randomly", "--parity-baseline", "noisy", "--parity-candidate", "noisy"
    )
    result.assert_outcomes(passed=3)


def test_a_method_without_a_case_fails_the_run_and_is_named(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(fake_target=FAKE_TARGET, fake_cases=FAKE_CASES, test_fake=TEST_MODULE)
    pytester.makeini(INI)
    pytester.syspathinsert()
    result = pytester.runpytest("-p", "no:randomly")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*contract coverage is incomplete: no case covers kv.keys*"])


def test_an_unknown_backend_option_is_a_usage_error(project: pytest.Pytester) -> None:
    result = project.runpytest("--parity-candidate", "oracle")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--parity-candidate: expected one of good, shouting*oracle*"])


def test_a_malformed_target_setting_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI.replace("fake_target:TARGET", "no_colon_here"))
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*expected 'package.module:ATTRIBUTE'*no_colon_here*"])


def test_an_empty_run_is_explained_and_exits_5(project: pytest.Pytester) -> None:
    result = project.runpytest("-k", "nothing_matches_this")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    result.stdout.fnmatch_lines(["*parity: no tests ran*an empty run is a failure*"])
