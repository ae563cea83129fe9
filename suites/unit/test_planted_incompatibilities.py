"""Teeth: the contract suite catches planted incompatibilities and blames the right method.

Each mutant is the DynamoDB backend (moto in-process) with one method broken the way a
migration bug would break it; the baseline is the memory reference. The unmodified pair
must give zero mismatches and zero noise on every case.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from harness.contract import CaseResult, CaseStatus, registered_cases, run_case
from harness.contract.runner import SeedCache
from harness.provisioning import moto_in_process
from harness.storage import DynamoDBBackend
from harness.target import Target, load_target
from suites.target.backends import MemoryFactory, dynamodb_in_process
from suites.unit.mutants import MUTANTS, Mutant, mutant_backend

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def target() -> Target:
    """The shop target, as the plugin loads it."""
    return load_target("suites.target:TARGET")


@pytest.fixture(scope="module")
def memory() -> MemoryFactory:
    """The baseline: the memory reference backend."""
    return MemoryFactory()


def _run_all(
    target: Target,
    memory: MemoryFactory,
    candidate: DynamoDBBackend,
    name: str,
    only: str | None = None,
) -> list[CaseResult]:
    cache: SeedCache = {}
    cases = registered_cases(target.case_modules)
    if only is not None and only != "*":
        repository = only.split(".")[0]
        cases = [c for c in cases if any(m.startswith(repository + ".") for m in c.covers)]
    return [run_case(c, target, ("memory", memory), (name, candidate), cache) for c in cases]


@pytest.fixture
def in_process() -> Iterator[None]:
    """A moto in-process mock of its own for this test."""
    with moto_in_process():
        yield


@pytest.mark.usefixtures("in_process")
def test_the_unmodified_pair_gives_zero_mismatches_and_zero_noise(
    target: Target, memory: MemoryFactory
) -> None:
    with dynamodb_in_process() as factory:
        results = _run_all(target, memory, factory, "dynamodb")
    assert len(results) == len(registered_cases(target.case_modules))
    assert [r.case.id for r in results if r.status is not CaseStatus.MATCH] == []
    assert sum(len(r.comparison.noise) for r in results) == 0


@pytest.mark.usefixtures("in_process")
@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_a_planted_incompatibility_is_caught_and_blamed_on_its_method(
    target: Target, memory: MemoryFactory, mutant: Mutant
) -> None:
    with mutant_backend(mutant) as factory:
        results = _run_all(target, memory, factory, f"dynamodb+{mutant.name}", only=mutant.method)
    caught = [r for r in results if r.status is CaseStatus.MISMATCH]
    errors = [f"{r.case.id}: {r.error}" for r in results if r.status is CaseStatus.ERROR]
    assert errors == []
    assert caught, f"{mutant.name} slipped through all {len(results)} cases"
    suspects = {r.case.id: r.suspects for r in caught}
    if mutant.method == "*":
        assert all(s[0] in {"seed:small_shop", *target.write_methods} for s in suspects.values())
        return
    assert all(mutant.method in s for s in suspects.values()), suspects
    tally = Counter(method for s in suspects.values() for method in s)
    assert tally.most_common(1)[0][0] == mutant.method, tally
