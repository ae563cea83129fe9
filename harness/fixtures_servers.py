"""Pytest fixtures that provision the two backends once per session (per xdist worker).

Fixtures (import them into the plugin with ``from harness.fixtures_servers import *``):

* ``parity_mysql_server`` (session) -> ``MySQLServer``: the running server; ``.admin`` is a
  server-level ``MySQLEndpoint`` with rights to create databases.
* ``parity_mysql_database`` (session) -> ``MySQLEndpoint`` of a fresh database
  ``parity_<worker>_<random>`` on that server, dropped at the end.
* ``parity_dynamodb_server`` (session) -> ``DynamoServer``: the reachable DynamoDB API.
* ``parity_dynamodb_endpoint`` (session) -> ``DynamoEndpoint`` whose ``table_prefix`` is unique
  to this worker and run (``parity_gw0_<random>_``); its tables are deleted at the end.
* ``parity_dynamodb_in_process`` (function) -> ``DynamoEndpoint`` for moto's in-process mock
  (unit tier, no sockets).

Each xdist worker starts its own local server (about 1 s); external and Docker
servers are separated by database name and table prefix. A server that cannot be
provisioned fails the tests that need it (never a skip), in CI and locally alike.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NoReturn, TypeVar

import pytest

from harness.provisioning.choice import choose_dynamodb, choose_mysql, find_binary
from harness.provisioning.docker_probe import docker_status
from harness.provisioning.dynamodb import DynamoServer, moto_in_process, open_dynamodb_server
from harness.provisioning.endpoints import DynamoEndpoint, MySQLEndpoint
from harness.provisioning.errors import ProvisioningError
from harness.provisioning.isolation import (
    create_database,
    database_name,
    drop_database,
    drop_prefixed_tables,
    table_prefix,
    worker_id,
)
from harness.provisioning.live import announced, live_writer
from harness.provisioning.mysql import MySQLServer, open_mysql_server
from harness.provisioning.report import planned_lines, record_many, record_started, started_lines

__all__ = [
    "parity_dynamodb_endpoint",
    "parity_dynamodb_in_process",
    "parity_dynamodb_server",
    "parity_mysql_database",
    "parity_mysql_server",
]

WORKER_OUTPUT_KEY = "parity_provisioned"


def in_ci(env: Mapping[str, str] | None = None) -> bool:
    """True when the CI variable is set to a true-ish value."""
    value = (os.environ if env is None else env).get("CI", "").strip().lower()
    return value not in ("", "0", "false", "no", "off")


_Server = TypeVar("_Server", MySQLServer, DynamoServer)


def _fail(exc: ProvisioningError) -> NoReturn:
    mode = "CI" if in_ci() else "local run"
    pytest.fail(f"{exc}\n  ({mode}: a missing server is a failure, never a skip)", pytrace=False)


def _provision(config: pytest.Config, open_server: Callable[[], _Server]) -> _Server:
    """Open and start a server, or fail the test (outside the except: no chained noise).

    At the default verbosity a live line says what is starting and when it is ready."""
    try:
        server = open_server()
        with announced(live_writer(config), server):
            return server.start()
    except ProvisioningError as exc:
        error = exc
    _fail(error)


def _record(config: pytest.Config, line: str) -> None:
    """Keep the line for the summary; on an xdist worker also send it to the controller."""
    worker = worker_id()
    text = line if worker == "master" else f"[{worker}] {line}"
    record_started(text)
    workeroutput: dict[str, Any] | None = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput.setdefault(WORKER_OUTPUT_KEY, []).append(text)


def provisioning_header_lines() -> list[str]:
    """Lines for ``pytest_report_header``: what each backend will use, and why."""
    return planned_lines()


def provisioning_summary_lines() -> list[str]:
    """Lines for ``pytest_terminal_summary``: what was actually started, with addresses."""
    return started_lines()


def absorb_worker_output(workeroutput: Mapping[str, Any]) -> None:
    """Call from ``pytest_testnodedown(node, error)`` with ``node.workeroutput``."""
    record_many(str(line) for line in workeroutput.get(WORKER_OUTPUT_KEY, []))


@pytest.fixture(scope="session")
def parity_mysql_server(request: pytest.FixtureRequest) -> Iterator[MySQLServer]:
    """The MySQL-protocol server for this session/worker, stopped at the end.

    Chosen in order: PARITY_MYSQL_URL, MySQL 8.0 via testcontainers if Docker answers,
    a local mariadbd/mysqld in a temp dir. Fails (never skips) if none is available.
    """
    server = _provision(
        request.config,
        lambda: open_mysql_server(choose_mysql(os.environ, docker_status, find_binary)),
    )
    _record(request.config, server.describe())
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def parity_mysql_database(parity_mysql_server: MySQLServer) -> Iterator[MySQLEndpoint]:
    """A fresh utf8mb4 database ``parity_<worker>_<random>`` on the server; dropped after."""
    name = database_name()
    endpoint = create_database(parity_mysql_server.admin, name)
    try:
        yield endpoint
    finally:
        drop_database(parity_mysql_server.admin, name)


@pytest.fixture(scope="session")
def parity_dynamodb_server(request: pytest.FixtureRequest) -> Iterator[DynamoServer]:
    """The DynamoDB API for this session/worker, stopped at the end.

    Chosen in order: PARITY_DYNAMODB_ENDPOINT (URL, or ``aws`` for real AWS),
    amazon/dynamodb-local via testcontainers if Docker answers, moto's server on loopback.
    Fails (never skips) if none is available.
    """
    server = _provision(
        request.config, lambda: open_dynamodb_server(choose_dynamodb(os.environ, docker_status))
    )
    _record(request.config, server.describe())
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def parity_dynamodb_endpoint(parity_dynamodb_server: DynamoServer) -> Iterator[DynamoEndpoint]:
    """Endpoint with a table prefix unique to this worker and run; its tables are dropped after."""
    endpoint = parity_dynamodb_server.endpoint.with_prefix(
        table_prefix(parity_dynamodb_server.table_prefix)
    )
    try:
        yield endpoint
    finally:
        drop_prefixed_tables(endpoint.client(), endpoint.table_prefix)


@pytest.fixture
def parity_dynamodb_in_process() -> Iterator[DynamoEndpoint]:
    """moto's in-process mock (no sockets) for unit tests; state is wiped per test."""
    with moto_in_process() as endpoint:
        yield endpoint
