"""The ``parity`` command (also ``python -m harness``).

``parity run [--tier integration] [pytest options...]`` runs the contract suite of a tier
(the project's ``suites/<tier>/test_contract_<tier>.py``) on its backend pair and exits
with pytest's status; an empty run (no tests) exits 5 and says so.

``parity gate --report reports/<tier>/compatibility.json [--report SHARD.json ...]
[--baseline ...] [--ledger ...] [--summary PATH.md] [--today YYYY-MM-DD]
[--allow-missing-baseline] [--allow-partial]`` decides whether a run passes (see
``harness.gate`` and ``docs/gate.md``): 0 pass, 1 incompatibility, 2 the run or a file
cannot be trusted, 3 usage error. Several ``--report``s are the shards of one run.

``parity merge --report SHARD.json --report SHARD.json ... [--out DIR]`` combines the
reports of a sharded run (``--parity-shard K/N``) into one report, HTML and JUnit file:
0 written, 2 the shards do not add up (one missing, one given twice, a case run twice or
by none), 3 usage error.

``parity init [DIR] [--target-module NAME] [--force]`` writes a working Parity skeleton
into an existing project (``harness.scaffold``, ``docs/adopt.md``): exit 0 when it is
complete, 2 when it could not be (an existing pytest configuration: the lines to add are
printed; a missing directory; a bad module name).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import pytest

from harness import gate
from harness.cost.baseline import Tolerance

TIERS = ("unit", "integration")
USAGE = gate.USAGE
"""Every usage error of every command exits 3 (2 means "cannot be trusted")."""

EPILOG = """\
exit codes of parity gate and parity merge: 0 pass / written, 1 an incompatibility,
2 the run or a file cannot be trusted, 3 usage error. parity run exits with pytest's
status (5: no tests ran). See docs/gate.md."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors exit with ``usage_status``."""

    def __init__(self, *args: Any, usage_status: int = USAGE, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.usage_status = usage_status

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(self.usage_status, f"{self.prog}: error: {message}\n")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2027-03-31, got {text!r}") from None


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("parity")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected a number of requests >= 0, got {text!r}")
    return value


def _percentage(text: str) -> float:
    """``10%`` or ``0.1`` -> 0.1."""
    number = text.strip()
    try:
        value = float(number[:-1]) / 100 if number.endswith("%") else float(number)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise argparse.ArgumentTypeError(
            f"expected a percentage like 10% (or a fraction like 0.1), got {text!r}"
        )
    return value


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="parity",
        description="Parity proves a data access layer behaves the same on two backends "
        "(MySQL and DynamoDB): run a tier's contract suite, gate its report in CI, merge "
        "the reports of a sharded run, or set a project up.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"parity {_version()}")
    commands = parser.add_subparsers(
        dest="command", required=True, parser_class=_Parser, metavar="COMMAND"
    )
    run = commands.add_parser(
        "run",
        help="run a tier's contract suite on its backend pair and write its reports",
        description="Run a tier's contract suite (SUITES/<tier>/test_contract_<tier>.py) on "
        "its backend pair and write reports/<tier>/. Every option parity run does not know "
        "goes to pytest (-k, -x, -n 2, --parity-shard 1/2, --parity-candidate ...).",
        epilog="exits with pytest's status; 5 when no test ran; 3 on a usage error",
    )
    run.add_argument(
        "--tier",
        choices=TIERS,
        default="integration",
        help="the tier to run (default: integration; the e2e tier runs through tox -e e2e)",
    )
    run.add_argument(
        "--suites", type=Path, default=Path("suites"), help="where the tiers live (./suites)"
    )
    _add_gate(commands)
    _add_merge(commands)
    _add_cost(commands)
    _add_init(commands)
    return parser


def _add_init(commands: Any) -> None:
    init = commands.add_parser(
        "init",
        help="write a Parity skeleton into a project (pytest.ini, target, a case, CI)",
        description="Write a working Parity skeleton into an existing project; existing "
        "files are never overwritten without --force.",
    )
    init.add_argument(
        "directory", nargs="?", type=Path, default=Path(), help="the project root (default: .)"
    )
    init.add_argument(
        "--target-module",
        default="parity_target",
        metavar="NAME",
        help="the target module to write, as a dotted module name (default: parity_target)",
    )
    init.add_argument(
        "--force", action="store_true", help="overwrite files the skeleton would write"
    )


def _init(args: argparse.Namespace) -> int:
    from harness import scaffold

    try:
        result = scaffold.init_project(
            args.directory, target_module=args.target_module, force=args.force
        )
    except scaffold.InitError as error:
        print(error.render(), file=sys.stderr)
        return scaffold.CONFLICT
    sys.stdout.write(scaffold.render_result(result))
    if result.status != scaffold.OK:
        sys.stderr.write(scaffold.render_conflict(result))
    return result.status


def _add_gate(commands: Any) -> None:
    check = commands.add_parser(
        "gate",
        help="decide from a compatibility report whether the run passes (CI)",
        description="Decide from a compatibility report whether the run passes: the gate "
        "re-derives every case's verdict from the evidence in the report, checks drift "
        "against the committed baseline and accepted differences against the ledger, and "
        "writes a Markdown summary (also to $GITHUB_STEP_SUMMARY).",
        epilog="exit codes: 0 pass; 1 an incompatibility (mismatch, error, drift, lost "
        "coverage, ledger problems); 2 the run or a file cannot be trusted (missing, corrupt "
        "or tampered report, evidence that contradicts a verdict, incomplete or partial run, "
        "missing or duplicated shard); 3 usage error. See docs/gate.md.",
    )
    check.add_argument(
        "--report",
        type=Path,
        action="append",
        required=True,
        help="compatibility.json; give it once per shard to gate a sharded run as one",
    )
    check.add_argument(
        "--baseline", type=Path, help="committed baseline (reports/baselines/<tier>.json)"
    )
    check.add_argument(
        "--ledger", type=Path, help="ledger (reports/baselines/divergence-ledger.toml)"
    )
    check.add_argument("--summary", type=Path, help="Markdown summary (reports/<tier>/summary.md)")
    check.add_argument("--today", type=_day, help="the date ledger expiries compare with")
    check.add_argument(
        "--allow-missing-baseline",
        action="store_true",
        help="pass without a committed baseline (drift is then not checked)",
    )
    check.add_argument(
        "--cost-baseline",
        type=Path,
        help="committed cost baseline (reports/baselines/<tier>.cost.json)",
    )
    check.add_argument(
        "--cost-requests-tolerance",
        type=_non_negative,
        default=0.0,
        metavar="N",
        help="extra requests per call allowed before a cost regression (default 0: any "
        "increase fails)",
    )
    check.add_argument(
        "--cost-capacity-tolerance",
        type=_percentage,
        default=0.10,
        metavar="PCT",
        help="growth of capacity units per call allowed (default 10%%)",
    )
    check.add_argument(
        "--allow-partial",
        action="store_true",
        help="pass a run that ran only part of the suite (-k, --lf, a single shard) on "
        "purpose; the cases not run are listed as a warning",
    )


def _add_merge(commands: Any) -> None:
    merge = commands.add_parser(
        "merge",
        help="combine the reports of a sharded run into one report, HTML and JUnit",
        description="Combine the compatibility reports of the N shards of one run "
        "(--parity-shard K/N) into one report, HTML and JUnit file. Refuses (exit 2) when "
        "a shard is missing or given twice, or a case was run by two shards or by none.",
        epilog="exit codes: 0 written; 2 the shards do not add up or a report cannot be "
        "trusted; 3 usage error. Gate the merged report with parity gate --report.",
    )
    merge.add_argument(
        "--report", type=Path, action="append", required=True, help="a shard's compatibility.json"
    )
    merge.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="where to write compatibility.json, .html and parity-junit.xml "
        "(default: reports/<tier>)",
    )


def _add_cost(commands: Any) -> None:
    cost = commands.add_parser(
        "cost",
        help="the cost profile: run a tier with the growth probe, or read a report; "
        "optionally price a traffic mix",
        description="Without --report: run the tier's contract suite with the growth probe "
        "(--parity-growth; other options go to pytest), then print the per-method cost "
        "table of its report. With --report: print that report's cost table. With "
        "--traffic: also the monthly on-demand cost of that traffic mix (a TOML file: "
        "[traffic] method = calls per month) at the per-call capacity units one side "
        "measured. See docs/cost.md.",
        epilog="exit codes: the pytest status of the run (0 when only a report is read); "
        "2 a report or traffic file cannot be read; 3 usage error",
    )
    cost.add_argument("--tier", choices=TIERS, default="integration")
    cost.add_argument(
        "--suites", type=Path, default=Path("suites"), help="where the tiers live (./suites)"
    )
    cost.add_argument("--report", type=Path, help="read this compatibility.json, run nothing")
    cost.add_argument("--traffic", type=Path, help="a traffic mix TOML to price")
    cost.add_argument(
        "--side",
        choices=("baseline", "candidate"),
        default="candidate",
        help="whose capacity units price the traffic (default: candidate)",
    )
    cost.add_argument(
        "--read-price", type=_non_negative, metavar="USD", help="USD per million read units"
    )
    cost.add_argument(
        "--write-price", type=_non_negative, metavar="USD", help="USD per million write units"
    )


def _cost(args: argparse.Namespace, passthrough: Sequence[str]) -> int:
    import dataclasses
    from decimal import Decimal

    from harness.cost.pricing import DEFAULT_PRICES, PricingError, load_traffic
    from harness.cost.render import render_cost_table, render_estimate, traffic_estimate

    status = 0
    path = args.report
    if path is None:
        status = _run_tier(args.suites, args.tier, ["--parity-growth", *passthrough])
        path = Path("reports") / args.tier / "compatibility.json"
    try:
        report = gate.load_report(path)
    except gate.Untrusted as error:
        print(f"parity cost: {error}", file=sys.stderr)
        return gate.UNTRUSTED
    sys.stdout.write(render_cost_table(report))
    if args.traffic is None:
        return status
    prices = DEFAULT_PRICES
    if args.read_price is not None:
        prices = dataclasses.replace(prices, read_per_million=Decimal(str(args.read_price)))
    if args.write_price is not None:
        prices = dataclasses.replace(prices, write_per_million=Decimal(str(args.write_price)))
    if args.read_price is not None or args.write_price is not None:
        prices = dataclasses.replace(prices, source="given on the command line")
    try:
        result = traffic_estimate(report, load_traffic(args.traffic), args.side, prices)
    except PricingError as error:
        print(f"parity cost: {error}", file=sys.stderr)
        return gate.UNTRUSTED
    sys.stdout.write(render_estimate(result, str(report["run"].get(args.side, args.side))))
    return status


def _run_tier(suites: Path, tier: str, options: Sequence[str]) -> int:
    module = suites / tier / f"test_contract_{tier}.py"
    if not module.is_file():
        print(
            f"parity: expected the {tier} contract suite at {module}, found nothing; "
            "run from the project root or pass --suites",
            file=sys.stderr,
        )
        return USAGE
    return int(pytest.main(["-m", tier, str(module), *options]))


def _merge(args: argparse.Namespace) -> int:
    from harness.report.files import write_report_files
    from harness.report.merge import MergeError, merge_reports

    try:
        shards = [(path, gate.load_report(path)) for path in args.report]
        merged = merge_reports(shards)
    except gate.Untrusted as error:
        print(f"parity merge: cannot be trusted: {error}", file=sys.stderr)
        return gate.UNTRUSTED
    except MergeError as error:
        print(f"parity merge: {error}", file=sys.stderr)
        for subject in error.subjects:
            print(f"  {subject}", file=sys.stderr)
        return gate.UNTRUSTED
    folder = args.out or Path("reports") / str(merged["run"]["tier"])
    written = write_report_files(folder, merged)
    for file in written.files:
        print(f"parity merge: wrote {file.path} ({file.size:,} bytes)")
    for failure in written.failures:
        print(f"parity merge: {failure}", file=sys.stderr)
    counts = gate.counts_line(gate.count_statuses(merged["cases"]))
    print(f"parity merge: {len(shards)} shards, {counts}")
    return gate.UNTRUSTED if written.failures else gate.PASS


def _gate(args: argparse.Namespace) -> int:
    first, *others = args.report
    options = gate.Options(
        report=first,
        shard_reports=tuple(others),
        baseline=args.baseline,
        ledger=args.ledger,
        summary=args.summary,
        today=args.today or date.today(),
        allow_missing_baseline=args.allow_missing_baseline,
        allow_partial=args.allow_partial,
        cost_baseline=args.cost_baseline,
        cost_tolerance=Tolerance(args.cost_requests_tolerance, args.cost_capacity_tolerance),
    )
    verdict = gate.evaluate(options)
    sys.stdout.write(gate.render_text(verdict))
    for error in gate.write_summaries(verdict, gate.render_markdown(verdict), options):
        print(f"parity gate: {error}", file=sys.stderr)
    return verdict.status


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse arguments, run, return the exit status."""
    args, passthrough = _parser().parse_known_args(argv)
    if args.command not in ("run", "cost") and passthrough:
        print(
            f"parity {args.command}: error: unrecognized arguments: {' '.join(passthrough)} "
            f"(see parity {args.command} --help)",
            file=sys.stderr,
        )
        return USAGE
    if args.command == "gate":
        return _gate(args)
    if args.command == "merge":
        return _merge(args)
    if args.command == "cost":
        if args.report is not None and passthrough:
            print(
                f"parity cost: error: with --report nothing runs, so {' '.join(passthrough)} "
                "has nowhere to go",
                file=sys.stderr,
            )
            return USAGE
        return _cost(args, passthrough)
    if args.command == "init":
        return _init(args)
    return _run_tier(args.suites, args.tier, passthrough)


if __name__ == "__main__":
    raise SystemExit(main())
