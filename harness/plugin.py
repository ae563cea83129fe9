"""The Parity pytest plugin (entry point ``parity``): inert until a target is configured.

Installing Parity changes nothing in a project that does not use it: with no
``parity_target`` (or ``parity_target_<tier>``) ini key this module only adds the
``--parity-*`` options and their ini keys. It imports nothing heavy, prints nothing,
probes nothing and registers no fixtures. When a target is configured, ``pytest_configure``
registers ``harness.pytest_parity`` (the hooks and the ``parity_*`` fixtures), the way
pytest-xdist registers its machinery only when it is in use.

Options share the ``--parity-`` prefix and are validated by ``type=`` functions raising
``pytest.UsageError`` whose message names the option, what was expected and what was seen.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import pytest

if TYPE_CHECKING:
    from harness.shard import Shard

_Value = TypeVar("_Value")

TIERS = ("unit", "integration", "e2e")
ACTIVE_PLUGIN = "parity-session"
"""The name ``harness.pytest_parity`` is registered under when a target is configured."""


def _backend_name(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.:+-]{0,99}", value):
        raise pytest.UsageError(f"expected a backend name such as mysql or dynamodb, got {value!r}")
    return value


def _directory(value: str) -> str:
    if not value.strip():
        raise pytest.UsageError("expected a directory path, got an empty string")
    return value


def _count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise pytest.UsageError(f"expected a whole number of 0 or more, got {value!r}")
    return number


def _steps(value: str) -> int:
    number = _count(value)
    if not 1 <= number <= 200:
        raise pytest.UsageError(f"expected 1..200 calls per program, got {value!r}")
    return number


def _shard(value: str) -> Shard:
    from harness.shard import Shard

    try:
        return Shard.parse(value)
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None


def _sizes(value: str) -> tuple[int, ...]:
    parts = [part.strip() for part in value.split(",")]
    numbers = [int(part) for part in parts if part.isascii() and part.isdigit()]
    if len(numbers) != len(parts) or min(numbers, default=0) < 1 or len(set(numbers)) < 2:
        raise pytest.UsageError(
            "expected at least two different whole numbers of 1 or more, comma-separated "
            f"(e.g. 10,100,1000), got {value!r}"
        )
    return tuple(sorted(set(numbers)))


def _named(option: str, check: Callable[[str], _Value]) -> Callable[[str], _Value]:
    """``check``, with its usage error prefixed by the option's name."""

    def named(value: str) -> _Value:
        try:
            return check(value)
        except pytest.UsageError as error:
            raise pytest.UsageError(f"{option}: {error}") from None

    named.__name__ = check.__name__.lstrip("_")  # argparse names the type in its own errors
    return named


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("parity", "Parity: compare a data layer on two backends")
    group.addoption(
        "--parity-baseline",
        type=_named("--parity-baseline", _backend_name),
        default=None,
        help="backend whose behaviour is the reference (default: the tier's, e.g. mysql)",
    )
    group.addoption(
        "--parity-candidate",
        type=_named("--parity-candidate", _backend_name),
        default=None,
        help="backend checked against the baseline (default: the tier's, e.g. dynamodb)",
    )
    group.addoption(
        "--parity-reports",
        type=_named("--parity-reports", _directory),
        default="reports",
        help="where each tier's reports are written (<dir>/<tier>/; default: reports)",
    )
    group.addoption(
        "--parity-baselines",
        type=_named("--parity-baselines", _directory),
        default="reports/baselines",
        help="the committed baselines and divergence ledger (default: reports/baselines)",
    )
    group.addoption(
        "--parity-update-baseline",
        action="store_true",
        default=False,
        help="rewrite the committed baseline of each tier run from this run's baseline side",
    )
    group.addoption(
        "--parity-programs",
        type=_named("--parity-programs", _count),
        default=None,
        help="generated programs each tier's contract run makes, with a fixed seed "
        "(default: the parity_programs ini key; 0 turns them off)",
    )
    group.addoption(
        "--parity-explore",
        type=_named("--parity-explore", _count),
        default=None,
        metavar="N",
        help="a longer exploration: N generated programs from a fresh random seed "
        "(printed and reported, to replay with --parity-seed)",
    )
    group.addoption(
        "--parity-seed",
        type=_named("--parity-seed", _count),
        default=None,
        help="the seed of the generated programs (batch k uses seed + k; default 0)",
    )
    group.addoption(
        "--parity-program-steps",
        type=_named("--parity-program-steps", _steps),
        default=25,
        help="calls per generated program at most (default 25)",
    )
    group.addoption(
        "--parity-shard",
        type=_named("--parity-shard", _shard),
        default=None,
        metavar="K/N",
        help="run shard K of N of the tier's parity items (cases and program batches), "
        "shared by the durations in the previous report, else by a hash of each id",
    )
    group.addoption(
        "--parity-growth",
        action="store_true",
        default=False,
        help="also run the growth probe, one item per tier: grow the target's data to each "
        "size, call each read method and report how its requests, capacity and latency "
        "grow (constant, linear, worse) in <reports>/<tier>/growth.json",
    )
    group.addoption(
        "--parity-growth-sizes",
        type=_named("--parity-growth-sizes", _sizes),
        default=None,
        metavar="N,N,...",
        help="the dataset sizes the growth probe grows to (default: the target's "
        "growth_sizes); needs --parity-growth",
    )
    parser.addini(
        "parity_programs",
        "generated programs per tier run (default 0: cases only)",
        default="0",
    )
    for tier in TIERS:
        parser.addini(
            f"parity_programs_{tier}",
            f"generated programs per {tier} tier run (default: parity_programs)",
            default="",
        )
    parser.addini(
        "parity_program_batches",
        "how many test items the programs are split into (for xdist; default 4)",
        default="4",
    )
    parser.addini(
        "parity_found_dir",
        "where found programs are written as @case files and loaded from "
        "(relative to the rootdir; default parity_found)",
        default="parity_found",
    )
    parser.addini("parity_target", "the target object, as package.module:ATTRIBUTE", default="")
    for tier in TIERS:
        parser.addini(
            f"parity_target_{tier}",
            f"the {tier} tier's own target (default: parity_target)",
            default="",
        )


def configured(config: pytest.Config) -> bool:
    """True when the ini names a target (``parity_target`` or a tier's own)."""
    keys = ("parity_target", *(f"parity_target_{tier}" for tier in TIERS))
    return any(str(config.getini(key) or "").strip() for key in keys)


def pytest_configure(config: pytest.Config) -> None:
    """Register the hooks and fixtures, only when a target is configured."""
    if not configured(config) or config.pluginmanager.has_plugin(ACTIVE_PLUGIN):
        return
    from harness import pytest_parity

    config.pluginmanager.register(pytest_parity, ACTIVE_PLUGIN)
