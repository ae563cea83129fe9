"""Pytest plugin: the ``repos`` fixture, a fresh repository set on each backend a module names.

A test module says which backends its tests run on with
``pytest.mark.shop_backends("memory", "dynamodb-inprocess")``; every test that takes
``repos`` then runs once per backend, each time from clean state with a ticking clock and
sequential ids, built by the same target factories the contract suite uses.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from harness.determinism import Determinism
from harness.session import SESSION_KEY
from shop.clock import SequentialIds, TickingClock
from shop.repository_set import RepositorySet
from suites.target.backends import BACKENDS


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"shop_backends(*names): run tests taking `repos` on these ({', '.join(BACKENDS)})",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "repos" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("shop_backends")
    if marker is None or not marker.args:
        raise pytest.UsageError(
            f"{metafunc.definition.nodeid}: expected a shop_backends(...) marker naming the "
            f"backends to run on, got none; add pytestmark = pytest.mark.shop_backends(...)"
        )
    unknown = [name for name in marker.args if name not in BACKENDS]
    if unknown:
        raise pytest.UsageError(f"shop_backends: expected names from {BACKENDS}, got {unknown}")
    metafunc.parametrize("shop_backend", marker.args)


@pytest.fixture
def repos(request: pytest.FixtureRequest, shop_backend: str) -> Iterator[RepositorySet]:
    """A fresh, empty repository set on ``shop_backend`` with a ticking clock and sequential ids."""
    factory = request.config.stash[SESSION_KEY].factory(shop_backend, request)
    with factory.fresh(Determinism(clock=TickingClock(), ids=SequentialIds())) as repositories:
        yield repositories


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """When an e2e test fails, show the tail of each running app's log with it."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed or item.get_closest_marker("e2e") is None:
        return
    parity = item.config.stash.get(SESSION_KEY, None)
    for (_, name), factory in parity._factories.items() if parity else []:
        server = getattr(factory, "server", None)
        if server is not None:
            server.keep_log = True  # a failed run keeps the log; the section says where
            report.sections.append(
                (f"app log: {name} (kept at {server.log_path})", server.log_text())
            )
