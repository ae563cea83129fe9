"""Where the unit tier's time goes: moto's per-request cost, suite wall time, reset share.

    python bench/bench_unit_speed.py requests [--calls 300]
    python bench/bench_unit_speed.py suite [--python PY ...] [--workers 0,2] [--repeat 3]
    python bench/bench_unit_speed.py fixed
    python bench/bench_unit_speed.py share [--tier unit|integration]

``requests``: median in-process cost of GetItem, Query and PutItem on moto's ``mock_aws``
(boto3 client -> moto -> boto3 parse), with the moto / boto3 / botocore versions; wall
time and this process's CPU time per call (the CPU figure holds up on a busy machine). Run it
with another interpreter to compare versions, e.g. a throwaway venv holding other pins:
``/tmp/v50/bin/python bench/bench_unit_speed.py requests``.

``suite``: wall time (and CPU time of the pytest process and its workers, steadier when
the machine is shared) of ``pytest -m unit suites/unit/test_contract_unit.py`` per
interpreter and per ``-n`` (0 = serial), plus the ``requests`` figures of each interpreter.

``fixed``: what each pytest-xdist worker pays before its first case, step by step: the
imports, entering moto's mock, creating the tables, seeding a dataset through the
interfaces on each backend and saving it (each worker seeds on its own).

``share``: runs a tier's contract suite in this process with the shop's backend factories
wrapped in timers, and prints how much of the time the cases ran was spent restoring or
resetting state (``fresh()`` up to handing out the repositories, and ``save()``) rather
than in the case itself. The rest includes seeding and the state snapshot.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MOTO_KEYS = "testing"
"""moto accepts any keys."""
COST = re.compile(r"parity: (\d+) cases ran in ([\d.]+) s")


def measure_requests(calls: int) -> dict[str, float]:
    """Median milliseconds per request for a few request kinds, moto in-process."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client(
            "dynamodb",
            region_name="us-east-1",
            aws_access_key_id=MOTO_KEYS,
            aws_secret_access_key=MOTO_KEYS,
        )
        client.create_table(
            TableName="bench",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
        )

        def item(n: int) -> dict[str, Any]:
            return {
                "pk": {"S": f"p{n % 10}"},
                "sk": {"S": f"s{n:05d}"},
                "name": {"S": f"thing {n}"},
                "price": {"N": f"{n}.50"},
                "tags": {"SS": ["a", "b"]},
                "meta": {"M": {"k": {"S": "v"}, "n": {"N": "1"}}},
            }

        for n in range(100):
            client.put_item(TableName="bench", Item=item(n))
        kinds: dict[str, Callable[[int], object]] = {
            "GetItem": lambda n: client.get_item(
                TableName="bench", Key={"pk": {"S": f"p{n % 10}"}, "sk": {"S": f"s{n % 100:05d}"}}
            ),
            "Query (10 items)": lambda n: client.query(
                TableName="bench",
                KeyConditionExpression="pk = :p",
                ExpressionAttributeValues={":p": {"S": f"p{n % 10}"}},
            ),
            "PutItem": lambda n: client.put_item(TableName="bench", Item=item(1000 + n)),
        }
        medians: dict[str, float] = {}
        for kind, call in kinds.items():
            for n in range(20):  # warm up
                call(n)
            walls, cpus = [], []
            for n in range(calls):
                started, cpu_started = time.perf_counter(), time.process_time()
                call(n)
                cpus.append(time.process_time() - cpu_started)
                walls.append(time.perf_counter() - started)
            medians[kind] = statistics.median(walls) * 1000
            medians[f"{kind} CPU"] = statistics.median(cpus) * 1000
        client.close()
    return medians


def versions() -> str:
    from importlib.metadata import version

    return ", ".join(f"{name} {version(name)}" for name in ("moto", "boto3", "botocore"))


def run_requests(args: argparse.Namespace) -> None:
    print(versions())
    medians = measure_requests(args.calls)
    for kind, ms in medians.items():
        if not kind.endswith(" CPU"):
            cpu = medians[f"{kind} CPU"]
            print(f"  {kind:<18} {ms:6.2f} ms wall, {cpu:6.2f} ms CPU (medians of {args.calls})")


def run_suite_once(python: str, workers: int) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (children) and the plugin's cost line of one run."""
    command = [python, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider"]
    command += ["-m", "unit", "suites/unit/test_contract_unit.py"]
    if workers:
        command += ["-n", str(workers)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(
            f"{python} -n {workers}: pytest exited {done.returncode}\n{done.stdout[-3000:]}"
        )
    match = COST.search(done.stdout)
    return wall, cpu, match.group(0) if match else ""


def run_suite(args: argparse.Namespace) -> None:
    for python in args.python or [sys.executable]:
        done = subprocess.run(  # noqa: S603
            [python, __file__, "requests", "--calls", str(args.calls)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        print(f"{python}\n{done.stdout.rstrip()}")
        for workers in (int(w) for w in args.workers.split(",")):
            walls, cpus, line = [], [], ""
            for _ in range(args.repeat):
                wall, cpu, line = run_suite_once(python, workers)
                walls.append(wall)
                cpus.append(cpu)
            label = "serial" if workers == 0 else f"-n {workers}"
            print(
                f"  unit contract suite {label:<7} wall median {statistics.median(walls):5.1f} s "
                f"(min {min(walls):.1f}, max {max(walls):.1f}); CPU median "
                f"{statistics.median(cpus):5.1f} s; n={args.repeat}; {line}"
            )
        load = os.getloadavg()[0]
        print(f"  (1-minute load average at the end: {load:.1f} on {os.cpu_count()} cores)")


class Timers:
    """Seconds and counts per label."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = defaultdict(int)

    @contextmanager
    def timing(self, label: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[label] += time.perf_counter() - started
            self.counts[label] += 1


def _wrap_fresh(cls: Any, label: str, timers: Timers) -> None:
    """Time ``cls.fresh`` from the call until the repository set is handed out."""
    original = cls.fresh

    @contextmanager
    def fresh(self: Any, determinism: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        manager = original(self, determinism, *args, **kwargs)
        restoring = bool(args or kwargs.get("restore") is not None)
        with timers.timing(f"{label}.fresh({'restore' if restoring else 'empty'})"):
            repos = manager.__enter__()
        try:
            yield repos
        except BaseException:
            if not manager.__exit__(*sys.exc_info()):
                raise
        else:
            manager.__exit__(None, None, None)

    cls.fresh = fresh
    if hasattr(cls, "save"):
        original_save = cls.save

        def save(self: Any) -> Any:
            with timers.timing(f"{label}.save"):
                return original_save(self)

        cls.save = save


def run_fixed(args: argparse.Namespace) -> None:
    steps: list[tuple[str, float]] = []
    started = time.perf_counter()

    def step(label: str) -> None:
        nonlocal started
        now = time.perf_counter()
        steps.append((label, now - started))
        started = now

    import _pytest.config  # noqa: F401  (what every worker imports anyway)

    step("import pytest")
    from importlib.metadata import entry_points

    for plugin in entry_points(group="pytest11"):
        plugin.load()
    step("import every installed pytest plugin (entry points)")
    sys.path.insert(0, str(ROOT))
    from harness.determinism import Determinism, DeterministicClock, SequentialIds
    from harness.provisioning import moto_in_process
    from suites.target import TARGET, backends

    step("import the harness and the shop target")
    import moto  # noqa: F401
    from moto.dynamodb.models import dynamodb_backends  # noqa: F401

    step("import moto (core + dynamodb)")
    with moto_in_process():
        step("enter moto's mock")
        with backends.dynamodb_in_process() as dynamo:
            step("DynamoDBBackend: clients + create 3 tables")
            for name, factory in (("memory", backends.MemoryFactory()), ("dynamodb", dynamo)):
                determinism = Determinism(DeterministicClock(), SequentialIds(), lambda _: None)
                with factory.fresh(determinism) as repos:
                    TARGET.seed(repos, args.dataset)
                    step(f"{name}: seed {args.dataset} through the interfaces")
                    factory.save()
                    step(f"{name}: save (first dynamodb save is checked against a Scan)")
    total = sum(seconds for _, seconds in steps)
    for label, seconds in steps:
        print(f"  {label:<62} {seconds * 1000:7.0f} ms")
    print(f"  {'total':<62} {total * 1000:7.0f} ms")


def run_share(args: argparse.Namespace) -> None:
    import pytest

    sys.path.insert(0, str(ROOT))
    from harness.storage import DynamoDBBackend, MySQLBackend
    from suites.target import backends

    timers = Timers()
    _wrap_fresh(backends.MemoryFactory, "memory", timers)
    _wrap_fresh(MySQLBackend, "mysql", timers)
    _wrap_fresh(DynamoDBBackend, "dynamodb", timers)

    started = time.perf_counter()
    code = pytest.main(
        [
            "-q",
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
            "-m",
            args.tier,
            f"suites/{args.tier}/test_contract_{args.tier}.py",
        ]
    )
    wall = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"pytest exited {code}")
    reset = sum(timers.seconds.values())
    print(f"\n{args.tier}: pytest wall {wall:.2f} s")
    for label in sorted(timers.seconds):
        seconds, count = timers.seconds[label], timers.counts[label]
        each = seconds / count * 1000
        print(f"  {label:<28} {seconds:6.2f} s over {count:4d} ({each:6.2f} ms each)")
    print(
        f"  restore/reset/save total      {reset:6.2f} s "
        "(compare with the plugin's 'cases ran in' line above)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    requests = commands.add_parser("requests")
    requests.add_argument("--calls", type=int, default=300)
    suite = commands.add_parser("suite")
    suite.add_argument("--python", action="append")
    suite.add_argument("--workers", default="0,2")
    suite.add_argument("--repeat", type=int, default=3)
    suite.add_argument("--calls", type=int, default=300)
    fixed = commands.add_parser("fixed")
    fixed.add_argument("--dataset", default="small_shop")
    share = commands.add_parser("share")
    share.add_argument("--tier", default="unit", choices=("unit", "integration"))
    args = parser.parse_args()
    commands_by_name = {
        "requests": run_requests,
        "suite": run_suite,
        "fixed": run_fixed,
        "share": run_share,
    }
    commands_by_name[args.command](args)


if __name__ == "__main__":
    main()
