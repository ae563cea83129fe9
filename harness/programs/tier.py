"""Generated programs as part of a tier's contract run: budget, batches, found cases.

A tier's budget of programs is split into batches (one test item each, so xdist spreads
them over workers), each with its own seed derived from the run's. A batch that finds a
difference writes the shrunk program as a ``@case`` file, imports it back and runs that
case on the pair like any other: the report, JUnit and the gate see an ordinary case
(with ``program`` details), and the committed file proves the program reproduces.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.contract.cases import ContractCase, registered_cases
from harness.contract.runner import CaseResult, CaseStatus, SeedCache, run_case
from harness.programs.model import replay
from harness.programs.writer import FOUND_PREFIX, import_found, write_found
from harness.report.wording import plural

if TYPE_CHECKING:
    from harness.programs.machine import Exploration
    from harness.target import BackendFactory, Target

DEFAULT_BATCHES = 4


@dataclass(frozen=True)
class Budget:
    """How many programs a tier run generates, in how many batches, from which seed."""

    programs: int
    batches: int
    seed: int
    steps: int
    fresh_seed: bool = False
    """The seed was drawn for this run (``--parity-explore``), not fixed."""

    def batch_list(self) -> list[ProgramBatch]:
        """The batches (none when the budget is zero)."""
        if self.programs <= 0:
            return []
        count = max(1, min(self.batches, self.programs))
        share, extra = divmod(self.programs, count)
        return [
            ProgramBatch(i, count, self.seed + i, share + (1 if i < extra else 0), self.steps)
            for i in range(count)
        ]


@dataclass(frozen=True)
class ProgramBatch:
    """One test item's share of the budget."""

    index: int
    count: int
    seed: int
    programs: int
    steps: int

    @property
    def id(self) -> str:
        """The test id (``programs-2-of-4``; ``programs-off`` for a zero budget)."""
        if self.programs == 0:
            return "programs-off"
        return f"programs-{self.index + 1}-of-{self.count}"


def fresh_seed() -> int:
    """A new random seed for a longer exploration (reported, so it can be replayed)."""
    return secrets.randbelow(2**31)


@dataclass
class BatchOutcome:
    """What a batch did and, when it found a difference, the case result of it."""

    batch: ProgramBatch
    exploration: Exploration
    result: CaseResult | None = None
    written: Path | None = None
    reproduced: bool = True

    def to_json(self, tier: str) -> dict[str, Any]:
        """Report data for the run's exploration summary."""
        return {
            "tier": tier,
            "batch": self.batch.id,
            **self.exploration.to_json(),
            "steps": self.batch.steps,
            "found_case": self.result.case.id if self.result is not None else None,
            "written": str(self.written) if self.written else None,
            "reproduced": self.reproduced,
        }


def run_batch(
    batch: ProgramBatch,
    target: Target,
    cases: Sequence[ContractCase],
    baseline: tuple[str, BackendFactory],
    candidate: tuple[str, BackendFactory],
    seed_cache: SeedCache,
    found_dir: Path | None,
    today: date,
) -> BatchOutcome:
    """Explore one batch; a found program becomes a case (written to ``found_dir``)."""
    from harness.programs.machine import ExploreSettings, datasets_of, explore

    options = ExploreSettings(
        batch.programs, batch.seed, steps=batch.steps, datasets=datasets_of(cases)
    )
    exploration = explore(target, baseline, candidate, options, seed_cache)
    outcome = BatchOutcome(batch, exploration)
    found = exploration.found
    if found is None:
        return outcome
    program = found.program
    methods = program.methods() or [next(iter(target.interfaces)) + ".unknown"]
    draft = ContractCase(
        f"{methods[0]}:found-program",
        tuple(methods),
        program.dataset,
        replay(program),
        "(generated)",
    )
    first = run_case(draft, target, baseline, candidate, seed_cache)
    blamed = [s for s in first.suspects if s in methods]
    covers = list(dict.fromkeys([*blamed, *methods]))
    summary = (
        f"{covers[0]}: {candidate[0]} differs from {baseline[0]} on this program of "
        f"{plural(len(program.calls), 'call')} (shrunk from {found.calls_before_shrinking})."
    )
    result = first
    if found_dir is not None:
        outcome.written = write_found(found_dir, program, covers, summary, today, target.name)
        module = import_found(outcome.written)
        written = registered_cases([module])
        if written:
            result = run_case(written[0], target, baseline, candidate, seed_cache)
    outcome.reproduced = result.status is not CaseStatus.MATCH
    if result.case.source == "(generated)":
        result = dataclasses.replace(result, case=dataclasses.replace(result.case, source=""))
    outcome.result = result
    return outcome


def found_modules(directory: Path, target_name: str) -> list[str]:
    """Import the committed found cases for ``target_name`` from ``directory``."""
    if not directory.is_dir():
        return []
    names = []
    marker = re.compile(rf"^PARITY_TARGET = (['\"]){re.escape(target_name)}\1$", re.MULTILINE)
    for path in sorted(directory.glob(f"{FOUND_PREFIX}*.py")):
        if marker.search(path.read_text(encoding="utf-8")):
            names.append(import_found(path))
    return names


__all__ = [
    "DEFAULT_BATCHES",
    "BatchOutcome",
    "Budget",
    "ProgramBatch",
    "found_modules",
    "fresh_seed",
    "run_batch",
]
