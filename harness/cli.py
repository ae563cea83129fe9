"""The ``parity`` command (also ``python -m harness``).

``parity run [--tier integration] [pytest options...]`` runs the contract suite of a tier
(the project's ``suites/<tier>/test_contract_<tier>.py``) on its backend pair and exits
with pytest's status; an empty run (no tests) exits 5 and says so.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

TIERS = ("unit", "integration")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parity", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run a tier's contract suite")
    run.add_argument("--tier", choices=TIERS, default="integration")
    run.add_argument(
        "--suites", type=Path, default=Path("suites"), help="where the tiers live (./suites)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse arguments, run, return the exit status."""
    args, passthrough = _parser().parse_known_args(argv)
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
