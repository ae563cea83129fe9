"""The contract suite on the unit tier: memory (baseline) vs DynamoDB on moto in-process."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harness.contract import ContractCase

pytestmark = pytest.mark.unit


def test_backends_agree(parity_case: ContractCase, parity_check: Callable[..., object]) -> None:
    """The candidate backend does exactly what the baseline does for this case."""
    assert parity_check(parity_case) == "agrees"
