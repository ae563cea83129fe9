"""The Parity pytest plugin (entry point ``parity``): fixtures and run-report hooks.

Minimal version written with the provisioning module; extend freely.
"""

from __future__ import annotations

from typing import Any

import pytest

from harness.fixtures_servers import *  # noqa: F403
from harness.fixtures_servers import (
    absorb_worker_output,
    provisioning_header_lines,
    provisioning_summary_lines,
)


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Say which MySQL and DynamoDB sources this run will use, and why."""
    return provisioning_header_lines()


@pytest.hookimpl(optionalhook=True)  # an xdist hook: absent without pytest-xdist
def pytest_testnodedown(node: Any, error: object) -> None:
    """xdist controller: collect what each worker started."""
    absorb_worker_output(getattr(node, "workeroutput", {}))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say which servers were actually used (kind, version, address, datadir)."""
    lines = provisioning_summary_lines()
    if lines:
        terminalreporter.write_sep("-", "parity provisioning")
        for line in lines:
            terminalreporter.write_line(line)
