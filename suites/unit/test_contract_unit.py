"""The contract suite on the unit tier: memory (baseline) vs DynamoDB on moto in-process."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harness.contract import ContractCase
from harness.programs.tier import ProgramBatch

pytestmark = pytest.mark.unit


def test_backends_agree(parity_case: ContractCase, parity_check: Callable[..., object]) -> None:
    """The candidate backend does exactly what the baseline does for this case."""
    assert parity_check(parity_case) == "agrees"


def test_generated_programs_agree(
    parity_program_batch: ProgramBatch, parity_explore: Callable[..., object]
) -> None:
    """Generated call programs do exactly the same on the candidate as on the baseline."""
    assert parity_explore(parity_program_batch) == "agrees"
