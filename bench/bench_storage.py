"""What a reset, a save and a restore cost through ``harness.storage`` (docs/storage.md).

The shop's schema and tables, seeded with ``small_shop`` through its interfaces, on a
local MariaDB (started here, as the harness would), on moto in-process (direct copies of
moto's objects, and the API path for comparison) and on a moto server (the API path).
Each figure is the median of ``--repeat`` runs of the step alone (no repository set is
built), in milliseconds; the shop's own ``schema.reset`` / ``schema.load`` (a new
connection each time, before this package) are timed for comparison.

    PYTHONPATH=. python bench/bench_storage.py [--repeat 50]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.determinism import Determinism
from harness.provisioning import moto_in_process
from harness.provisioning.choice import choose_mysql, find_binary
from harness.provisioning.dynamodb import MotoServer
from harness.provisioning.isolation import create_database
from harness.provisioning.mysql import open_mysql_server
from harness.storage import EndpointResources, dynamodb_backend, mysql_backend
from suites.target import TARGET
from suites.target.backends import DynamoDBBuilder, build_mysql, dynamodb_tables, mysql_schema


def median_ms(step: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 2)


def seeded(backend: Any) -> Any:
    with backend.fresh(Determinism()) as repos:
        TARGET.seed(repos, "small_shop")
        return backend.save()


def touch_users(backend: Any) -> Callable[[], None]:
    """A typical case: one user created (one table dirty, its counter moved)."""
    from shop.domain import NewUser

    def case() -> None:
        with backend.fresh(Determinism()) as repos:
            repos.users.create(NewUser(email="a@example.com", username="a", password_hash="x" * 60))

    return case


def mysql(repeat: int) -> None:
    server = open_mysql_server(choose_mysql(os.environ, lambda: False, find_binary)).start()
    try:
        endpoint = create_database(server.admin, "bench_storage")
        resources = EndpointResources(mysql=endpoint)
        with mysql_backend(resources, mysql_schema(), build_mysql) as backend:
            admin = backend._admin
            state = seeded(backend)
            print(
                f"MySQL ({server.describe()}), shop schema, small_shop = {state.row_count()} rows"
            )
            admin.reset()
            print(f"  reset, nothing changed          {median_ms(admin.reset, repeat):7.2f} ms")
            case = touch_users(backend)

            def after_case() -> None:
                case()
                started = time.perf_counter()
                admin.reset()
                timings.append(time.perf_counter() - started)

            timings: list[float] = []
            for _ in range(repeat):
                after_case()
            typical = round(statistics.median(timings) * 1000, 2)
            print(f"  reset after one user was created {typical:7.2f} ms")
            print(f"  reset after a restore           {_after(admin, state, repeat):7.2f} ms")
            restore = median_ms(lambda: admin.load(state), repeat)
            print(f"  restore small_shop              {restore:7.2f} ms")
            print(f"  save small_shop                 {median_ms(admin.dump, repeat):7.2f} ms")
            _shop_figures(endpoint, repeat)
    finally:
        server.stop()


def _after(admin: Any, state: Any, repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        admin.load(state)
        started = time.perf_counter()
        admin.reset()
        timings.append(time.perf_counter() - started)
    return round(statistics.median(timings) * 1000, 2)


def _shop_figures(endpoint: Any, repeat: int) -> None:
    from shop.backends.mysql.schema import dump, load, reset
    from shop.settings import MySQLSettings

    settings = MySQLSettings.from_url(endpoint.url)
    saved = dump(settings)  # what the restore above left: small_shop
    print("  before (shop.backends.mysql.schema, a connection per call):")
    loaded = median_ms(lambda: load(settings, saved), repeat)
    print(f"    load small_shop               {loaded:7.2f} ms")
    reset(settings)
    print(f"    reset, nothing changed        {median_ms(lambda: reset(settings), repeat):7.2f} ms")


def dynamodb(repeat: int) -> None:
    tables = dynamodb_tables()
    with moto_in_process() as endpoint:
        resources = EndpointResources(dynamodb=endpoint)
        with dynamodb_backend(resources, tables, DynamoDBBuilder()) as backend:
            state = seeded(backend)
            print(f"DynamoDB, moto in-process, direct: small_shop = {state.item_count()} items")
            _dynamo_steps(backend, state, repeat)
            backend._direct.enabled = False  # type: ignore[union-attr]
            state = backend.save()
            print("DynamoDB, moto in-process, API (Scan + BatchWriteItem)")
            _dynamo_steps(backend, state, repeat)
    server = MotoServer("bench_storage", "bench_").start()
    try:
        resources = EndpointResources(dynamodb=server.endpoint.with_prefix("bench_"))
        with dynamodb_backend(resources, tables, DynamoDBBuilder()) as backend:
            state = seeded(backend)
            print(f"DynamoDB, moto server ({server.describe()}), API")
            _dynamo_steps(backend, state, repeat)
    finally:
        server.stop()


def _dynamo_steps(backend: Any, state: Any, repeat: int) -> None:
    backend._reset(None)
    untouched = median_ms(lambda: backend._reset(None), repeat)
    print(f"  reset, nothing changed          {untouched:7.2f} ms")
    timings = []
    case = touch_users(backend)
    for _ in range(repeat):
        case()
        started = time.perf_counter()
        backend._reset(None)
        timings.append(time.perf_counter() - started)
    print(f"  reset after one user was created {statistics.median(timings) * 1000:7.2f} ms")
    restore = median_ms(lambda: backend._reset(state), repeat)
    print(f"  restore small_shop              {restore:7.2f} ms")
    print(f"  save small_shop                 {median_ms(backend.save, repeat):7.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    mysql(args.repeat)
    dynamodb(args.repeat)


if __name__ == "__main__":
    main()
