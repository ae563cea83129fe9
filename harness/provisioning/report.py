"""What the run used: planned choices (for the header) and started servers (for the summary)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from harness.provisioning.choice import choose_dynamodb, choose_mysql, find_binary
from harness.provisioning.docker_probe import docker_status
from harness.provisioning.errors import ProvisioningError

PREFIX = "parity: "
_STARTED: list[str] = []


def planned_lines(env: Mapping[str, str] | None = None) -> list[str]:
    """One line per backend saying what will be used and why (nothing is started)."""
    env = os.environ if env is None else env
    lines = []
    try:
        lines.append(PREFIX + "plan: " + choose_mysql(env, docker_status, find_binary).describe())
    except ProvisioningError as exc:
        lines.append(f"{PREFIX}plan: MySQL <- NONE AVAILABLE ({exc.observed})")
    try:
        lines.append(PREFIX + "plan: " + choose_dynamodb(env, docker_status).describe())
    except ProvisioningError as exc:
        lines.append(f"{PREFIX}plan: DynamoDB <- NONE AVAILABLE ({exc.observed})")
    return lines


def record_started(line: str) -> None:
    """Remember a started server's description (kept in order, without duplicates)."""
    text = line if line.startswith(PREFIX) else PREFIX + line
    if text not in _STARTED:
        _STARTED.append(text)


def record_many(lines: Iterable[str]) -> None:
    """Record lines that came from elsewhere (e.g. xdist workers)."""
    for line in lines:
        record_started(line)


def started_lines() -> list[str]:
    """Descriptions of every server started (or reached) in this run so far."""
    return list(_STARTED)
