"""The ``parity`` command (also ``python -m harness``).

``parity run [--tier integration] [pytest options...]`` runs the contract suite of a tier
(the project's ``suites/<tier>/test_contract_<tier>.py``) on its backend pair and exits
with pytest's status; an empty run (no tests) exits 5 and says so.

``parity gate --report reports/<tier>/compatibility.json [--baseline ...] [--ledger ...]
[--summary PATH.md] [--today YYYY-MM-DD] [--allow-missing-baseline]`` decides whether a
run passes (see ``harness.gate`` and ``docs/gate.md``): 0 pass, 1 incompatibility, 2 the
run or a file cannot be trusted, 3 usage error.

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

TIERS = ("unit", "integration")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors exit with ``usage_status``."""

    def __init__(self, *args: Any, usage_status: int = 2, **kwargs: Any) -> None:
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


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="parity", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = commands.add_parser("run", help="run a tier's contract suite")
    run.add_argument("--tier", choices=TIERS, default="integration")
    run.add_argument(
        "--suites", type=Path, default=Path("suites"), help="where the tiers live (./suites)"
    )
    _add_gate(commands)
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
        usage_status=gate.USAGE,
    )
    check.add_argument("--report", type=Path, required=True, help="compatibility.json")
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
        "--allow-partial",
        action="store_true",
        help="pass a run that ran only part of the suite (-k, --lf, a single shard) on "
        "purpose; the cases not run are listed as a warning",
    )


def _gate(args: argparse.Namespace) -> int:
    options = gate.Options(
        report=args.report,
        baseline=args.baseline,
        ledger=args.ledger,
        summary=args.summary,
        today=args.today or date.today(),
        allow_missing_baseline=args.allow_missing_baseline,
        allow_partial=args.allow_partial,
    )
    verdict = gate.evaluate(options)
    sys.stdout.write(gate.render_text(verdict))
    for error in gate.write_summaries(verdict, gate.render_markdown(verdict), options):
        print(f"parity gate: {error}", file=sys.stderr)
    return verdict.status


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse arguments, run, return the exit status."""
    args, passthrough = _parser().parse_known_args(argv)
    if args.command == "gate":
        if passthrough:
            print(
                f"parity gate: error: unrecognized arguments: {' '.join(passthrough)}",
                file=sys.stderr,
            )
            return gate.USAGE
        return _gate(args)
    if args.command == "init":
        if passthrough:
            print(
                f"parity init: error: unrecognized arguments: {' '.join(passthrough)}",
                file=sys.stderr,
            )
            return 2
        return _init(args)
    module = args.suites / args.tier / f"test_contract_{args.tier}.py"
    if not module.is_file():
        print(
            f"parity: expected the {args.tier} contract suite at {module}, found nothing; "
            "run from the project root or pass --suites",
            file=sys.stderr,
        )
        return 2
    return int(pytest.main(["-m", args.tier, str(module), *passthrough]))


if __name__ == "__main__":
    raise SystemExit(main())
