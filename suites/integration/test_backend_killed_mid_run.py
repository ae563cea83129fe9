"""The harness fails safe: a backend server lost mid-run turns the cases that need it into
errors within a bounded time, the reports are still written and marked incomplete, and
the gate fails.

The server lost is the one this run provisioned, whatever it is (moto's server, DynamoDB
Local in Docker, an endpoint named by PARITY_DYNAMODB_ENDPOINT; the local mariadbd,
MySQL in Docker, PARITY_MYSQL_URL): the rest of the run still needs it, and an endpoint
somebody else runs cannot be killed, so the backend reaches it through a loopback proxy
that the test cuts off. Cutting resets every open connection and refuses new ones,
which is what a client sees when the server process dies.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from harness.cli import main as parity_main
from harness.contract import CaseStatus, registered_cases, run_case
from harness.provisioning.cutoff import LoopbackProxy
from harness.provisioning.endpoints import DynamoEndpoint, MySQLEndpoint
from harness.provisioning.isolation import create_database, database_name, drop_database
from harness.provisioning.mysql import MySQLServer
from harness.report.files import write_tier_reports
from harness.report.serialise import result_json
from harness.storage import EndpointResources, dynamodb_backend, mysql_backend
from harness.target import interface_methods, load_target
from suites.target.backends import (
    DynamoDBBuilder,
    MemoryFactory,
    build_mysql,
    dynamodb_tables,
    mysql_schema,
)

pytestmark = pytest.mark.integration

BOUND_SECONDS = 30.0
"""How long one case may take to give up on a lost server (connect retries included)."""
CUT_AFTER = 3
"""Cases run before the server is cut off (they must all match)."""


@contextmanager
def proxied_dynamodb(endpoint: DynamoEndpoint) -> Iterator[tuple[Any, LoopbackProxy]]:
    """The session's DynamoDB server behind a proxy: (backend factory, proxy)."""
    if endpoint.url is None or urlsplit(endpoint.url).scheme != "http":
        pytest.skip(
            f"the DynamoDB endpoint {endpoint.url or 'real AWS'} is TLS: a loopback TCP proxy "
            "would fail its certificate check, so it cannot be cut off here"
        )
    address = urlsplit(endpoint.url)
    with LoopbackProxy(address.hostname or "127.0.0.1", address.port or 80) as proxy:
        behind = dataclasses.replace(
            endpoint,
            url=f"http://127.0.0.1:{proxy.port}",
            table_prefix=endpoint.table_prefix + "cut_",
        )
        build = DynamoDBBuilder(max_attempts=2)
        with dynamodb_backend(EndpointResources(dynamodb=behind), dynamodb_tables(), build) as b:
            yield b, proxy


@contextmanager
def proxied_mysql(server: MySQLServer) -> Iterator[tuple[Any, LoopbackProxy]]:
    """A database of this test's own on the session's MySQL server, behind a proxy."""
    name = database_name()
    database = create_database(server.admin, name)
    try:
        if not database.port:
            pytest.skip(f"{database.redacted()} is reachable by socket only: no TCP to cut off")
        with LoopbackProxy(database.host, database.port) as proxy:
            behind: MySQLEndpoint = dataclasses.replace(
                database, host="127.0.0.1", port=proxy.port, unix_socket=None
            )
            with mysql_backend(EndpointResources(mysql=behind), mysql_schema(), build_mysql) as b:
                yield b, proxy
    finally:
        drop_database(server.admin, name)


@pytest.fixture(params=["dynamodb", "mysql"], ids=["candidate-dynamodb", "baseline-mysql"])
def lost(request: pytest.FixtureRequest) -> Iterator[tuple[str, Any, LoopbackProxy]]:
    """(which side, its backend, the proxy that cuts it off) for the side under test."""
    if request.param == "dynamodb":
        endpoint = request.getfixturevalue("parity_dynamodb_endpoint")
        with proxied_dynamodb(endpoint) as (backend, proxy):
            yield "candidate", backend, proxy
    else:
        with proxied_mysql(request.getfixturevalue("parity_mysql_server")) as (backend, proxy):
            yield "baseline", backend, proxy


def test_a_server_lost_mid_run_errors_cases_quickly_and_the_gate_fails(
    tmp_path: Path, lost: tuple[str, Any, LoopbackProxy]
) -> None:
    side, backend, proxy = lost
    target = load_target("suites.target:TARGET")
    cases = [c for c in registered_cases(target.case_modules) if c.seed == "small_shop"][:6]
    memory = ("memory", MemoryFactory())
    pair = (("mysql", backend), memory) if side == "baseline" else (memory, ("dynamodb", backend))
    records, timings = [], []
    for index, case in enumerate(cases):
        if index == CUT_AFTER:
            proxy.cut()  # the server goes away mid-run
        started = time.perf_counter()
        result = run_case(case, target, *pair)
        timings.append(time.perf_counter() - started)
        records.append(result_json(result, "integration"))
    before, after = records[:CUT_AFTER], records[CUT_AFTER:]
    assert proxy.accepted > 0, "the backend never went through the proxy"
    assert [r["status"] for r in before] == [CaseStatus.MATCH.value] * CUT_AFTER
    assert [r["status"] for r in after] == [CaseStatus.ERROR.value] * len(after)
    assert all(r[side]["infrastructure"] for r in after), [r[side] for r in after]
    assert all("Unavailable" in (r[side]["error"] or "") for r in after), after[0][side]["error"]
    other = "baseline" if side == "candidate" else "candidate"
    assert not any(r[other]["infrastructure"] for r in after), "the side not cut off failed too"
    assert max(timings[CUT_AFTER:]) < BOUND_SECONDS, timings
    print(f"{side}: seconds per case before the cut {timings[:CUT_AFTER]}, after", end=" ")
    print(timings[CUT_AFTER:])

    unavailable = [r["id"] for r in after]
    names = [name for name, _ in pair]
    written = write_tier_reports(
        tier="integration",
        reports_dir=tmp_path,
        baselines_dir=tmp_path / "baselines",
        run={"tier": "integration", "baseline": names[0], "candidate": names[1]},
        results=records,
        known_cases=[
            {"id": c.id, "description": c.description, "covers": c.covers, "source": c.source}
            for c in cases
        ],
        methods=interface_methods(target.interfaces),
        update_baseline=False,
        complete=True,
        incomplete_reasons=[f"{len(unavailable)} cases hit an unavailable backend"],
        today=date.today(),
    )
    report_path = tmp_path / "integration" / "compatibility.json"
    report = json.loads(report_path.read_text())
    assert report["complete"] is False
    assert {f.path.name for f in written.files} >= {"compatibility.json", "compatibility.html"}
    exit_code = parity_main(
        [
            "gate",
            "--report",
            str(report_path),
            "--allow-missing-baseline",
            "--summary",
            str(tmp_path / "summary.md"),
        ]
    )
    assert exit_code == 2
