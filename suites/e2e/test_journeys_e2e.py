"""The e2e tier: user journeys through the shop's HTTP API, on the app running on MySQL
(baseline) and on DynamoDB (candidate), each started as a real process."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harness.contract import ContractCase

pytestmark = pytest.mark.e2e


def test_both_apps_answer_the_journey_alike(
    parity_case: ContractCase, parity_check: Callable[..., object]
) -> None:
    """Every response of the journey is the same on both apps (status, body, headers)."""
    assert parity_check(parity_case) == "agrees"
