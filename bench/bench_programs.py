"""Generated programs on the unit pair: what they find, how fast, and the clean pair.

    python bench/bench_programs.py mutants [--programs 250] [--seed 0] [--only a,b]
    python bench/bench_programs.py clean [--programs 200] [--seeds 0,1,2,3,4]

``mutants``: for each planted incompatibility (suites/unit/mutants.py; all of them, the
ones today's cases miss marked), explore memory vs the mutant on moto in-process and print
one JSON line: found or not, programs to find it, calls before and after shrinking, time to
shrink, and the blame of the found program run as a case (first suspect = the mutant's
method?). ``clean``: the unmodified pair over several seeds, programs per second and calls
per program; any difference found is printed (there must be none).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.contract import registered_cases, run_case
from harness.contract.cases import ContractCase
from harness.programs import ExploreSettings, datasets_of, explore, replay
from harness.provisioning import moto_in_process
from harness.target import load_target
from suites.target.backends import MemoryFactory, dynamodb_in_process
from suites.unit.mutants import ALL_MUTANTS, mutant_backend


def mutants(programs: int, seed: int, only: list[str]) -> None:
    target = load_target("suites.target:TARGET")
    datasets = datasets_of(registered_cases(target.case_modules))
    for mutant in ALL_MUTANTS:
        if only and mutant.name not in only:
            continue
        with moto_in_process(), mutant_backend(mutant) as candidate:
            started = time.perf_counter()
            options = ExploreSettings(programs, seed, datasets=datasets)
            found = explore(target, ("memory", MemoryFactory()), (mutant.name, candidate), options)
            row: dict[str, object] = {
                "mutant": mutant.name,
                "method": mutant.method,
                "caught_by_cases": mutant.caught_by_cases,
                "found": found.found is not None,
                "programs": found.programs,
                "seconds": round(time.perf_counter() - started, 1),
            }
            if found.found is not None:
                program = found.found.program
                case = ContractCase(
                    "found:program", tuple(program.methods()), program.dataset, replay(program), ""
                )
                pair = (("memory", MemoryFactory()), (mutant.name, candidate))
                result = run_case(case, target, *pair, {})
                row.update(
                    calls=len(program.calls),
                    calls_before_shrinking=found.found.calls_before_shrinking,
                    shrink_seconds=round(found.found.shrink_seconds, 1),
                    status=result.status.value,
                    suspects=list(result.suspects[:3]),
                    blamed_first=result.suspects[:1] == (mutant.method,),
                    blamed_in_top_two=mutant.method in result.suspects[:2],
                    program=[c.method for c in program.calls],
                )
        print(json.dumps(row, ensure_ascii=False), flush=True)


def clean(programs: int, seeds: list[int]) -> None:
    target = load_target("suites.target:TARGET")
    datasets = datasets_of(registered_cases(target.case_modules))
    for seed in seeds:
        with dynamodb_in_process() as candidate:
            started = time.perf_counter()
            options = ExploreSettings(programs, seed, datasets=datasets)
            result = explore(
                target, ("memory", MemoryFactory()), ("dynamodb-inprocess", candidate), options
            )
            seconds = time.perf_counter() - started
        print(
            json.dumps(
                {
                    "seed": seed,
                    "programs": result.programs,
                    "calls": result.calls,
                    "calls_per_program": round(result.calls / max(1, result.programs), 1),
                    "seconds": round(seconds, 1),
                    "programs_per_second": round(result.programs / seconds, 2),
                    "found": None if result.found is None else result.found.message,
                }
            ),
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("mutants", "clean"))
    parser.add_argument("--programs", type=int, default=250)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    if args.what == "mutants":
        mutants(args.programs, args.seed, [n for n in args.only.split(",") if n])
    else:
        clean(args.programs, [int(s) for s in args.seeds.split(",")])


if __name__ == "__main__":
    main()
