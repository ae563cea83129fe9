"""The state of one Parity run, kept on pytest's ``config`` (hooks stay thin and call this)."""

from __future__ import annotations

import contextlib
import dataclasses
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from harness.contract.cases import ContractCase, registered_cases
from harness.contract.runner import CaseResult, SeedCache, run_case
from harness.cost.growth import (
    GrowthProbeError,
    GrowthReport,
    growth_probe_problems,
    missing_probe_message,
    run_growth_probe,
)
from harness.programs.tier import BatchOutcome, Budget, ProgramBatch, found_modules, run_batch
from harness.report.serialise import result_json
from harness.selection import Narrowing, shard_option
from harness.shard import Plan, Shard
from harness.target import BackendFactory, Target, interface_methods, load_target

if TYPE_CHECKING:
    from harness.provisioning.endpoints import DynamoEndpoint, MySQLEndpoint

SESSION_KEY = pytest.StashKey["ParitySession"]()
TIERS = ("unit", "integration", "e2e")


class LazyResources:
    """Provisioned servers, requested from the harness's session fixtures on first use."""

    def __init__(self, request: pytest.FixtureRequest) -> None:
        self._request = request

    def mysql(self) -> MySQLEndpoint:
        """This worker's MySQL database endpoint (starts a server if needed)."""
        endpoint: MySQLEndpoint = self._request.getfixturevalue("parity_mysql_database")
        return endpoint

    def dynamodb(self) -> DynamoEndpoint:
        """This worker's DynamoDB endpoint (starts a server if needed)."""
        endpoint: DynamoEndpoint = self._request.getfixturevalue("parity_dynamodb_endpoint")
        return endpoint


def _is_plumbing(filename: str) -> bool:
    """Frames of Parity itself, contextlib and pytest: not where a setup error is fixed."""
    path = Path(filename)
    return (
        path.name == "contextlib.py"
        or Path(__file__).parent in path.parents
        or "_pytest" in path.parts
        or "pluggy" in path.parts
    )


class BackendSetupFailed(Exception):
    """A target's ``open_backend`` raised: every case needing that backend is reported
    against this one failure instead of repeating its traceback."""

    def __init__(self, failure: dict[str, Any]) -> None:
        self.failure = failure
        super().__init__(failure["message"])

    def explain(self) -> str:
        """One line per case; the traceback tail is shown once, at the end of the run
        ("parity backend setup failures"), and is in the report."""
        return (
            f"{self.failure['message']} (its traceback: 'parity backend setup failures' "
            "at the end of the run, and the report)"
        )


def setup_failure(backend: str, tier: str | None, error: BaseException) -> dict[str, Any]:
    """A backend setup failure as report data: backend, exception and traceback tail."""
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if not _is_plumbing(frame.filename)
    ]
    tail = "".join(
        [
            "Traceback (most recent call last, Parity's frames left out):\n",
            *traceback.format_list(frames[-6:]),
            *traceback.format_exception_only(error),
        ]
    ).rstrip()
    return {
        "backend": backend,
        "tier": tier or "unknown",
        "error": f"{type(error).__name__}: {error}".strip()[:2000],
        "traceback": tail[-4000:],
        "message": (
            f"backend {backend!r} could not be set up: {type(error).__name__}: {error}"
        ).strip()[:2000],
    }


@dataclass
class ParitySession:
    """The target, its opened backends, and the results of the contract cases run so far."""

    target: Target
    baseline_option: str | None
    candidate_option: str | None
    results: list[CaseResult] = field(default_factory=list)
    seed_cache: SeedCache = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)
    """Every result as report data (from this process and, on the controller, from workers)."""
    selected: dict[str, set[str]] = field(default_factory=dict)
    """Tier -> the case ids selected to run (what a complete run has results for)."""
    selected_batches: dict[str, set[str]] = field(default_factory=dict)
    """Tier -> the program batches selected to run."""
    lost_workers: list[str] = field(default_factory=list)
    written: list[Any] = field(default_factory=list)
    """The reports written at the end of the run (TierReports)."""
    started_at: float = field(default_factory=time.time)
    tier_targets: dict[str, Target] = field(default_factory=dict)
    """Tiers with a target of their own (``parity_target_<tier>``); others use ``target``."""
    budgets: dict[str, Budget] = field(default_factory=dict)
    """Tier -> how many generated programs its run makes (``--parity-programs``)."""
    found_dir: Path | None = None
    """Where found programs are written as cases, and committed ones loaded from."""
    explorations: list[dict[str, Any]] = field(default_factory=list)
    """What each program batch did (from this process and, on the controller, workers)."""
    shard: Shard | None = None
    """``--parity-shard``: which share of the parity items this run is."""
    shard_plan: Plan | None = None
    """How the parity items were shared out (this process's, or on the controller a worker's)."""
    narrowing: Narrowing = field(default_factory=Narrowing)
    """Which options (``-k``, ``-m``, ``--lf``...) deselected parity items, per tier."""
    growth: bool = False
    """``--parity-growth``: each tier run also runs the growth probe (one item)."""
    growth_sizes: tuple[int, ...] | None = None
    """``--parity-growth-sizes`` (None: the target's ``growth_sizes``)."""
    growth_tiers: set[str] = field(default_factory=set)
    """Tiers that were given their growth probe item while collecting."""
    _found: dict[int, list[str]] = field(default_factory=dict)
    setup_failures: list[dict[str, Any]] = field(default_factory=list)
    """Backends whose setup raised (from this process and, on the controller, workers)."""
    _setup_failures: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    _factories: dict[tuple[str, str], BackendFactory] = field(default_factory=dict)
    _stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    @classmethod
    def from_config(cls, config: pytest.Config) -> ParitySession | None:
        """Load the target named by the ``parity_target`` ini option (None when unset)."""
        spec = str(config.getini("parity_target") or "")
        if not spec:
            return None
        try:
            target = load_target(spec)
        except ValueError as error:
            raise pytest.UsageError(str(error)) from None
        session = cls(
            target,
            config.getoption("parity_baseline"),
            config.getoption("parity_candidate"),
        )
        seed = None
        for tier in TIERS:
            budget = budget_from(config, tier)
            seed = budget.seed if seed is None else seed  # one fresh seed for the run
            session.budgets[tier] = dataclasses.replace(budget, seed=seed)
        session.shard = shard_option(config)
        session.growth = bool(config.getoption("parity_growth"))
        session.growth_sizes = config.getoption("parity_growth_sizes")
        if session.growth_sizes is not None and not session.growth:
            raise pytest.UsageError(
                "--parity-growth-sizes: expected --parity-growth as well (the sizes are the "
                "growth probe's), got the sizes alone; hint: add --parity-growth"
            )
        found = str(config.getini("parity_found_dir") or "")
        session.found_dir = Path(config.rootpath, found) if found else None
        for tier in TIERS:
            tier_spec = str(config.getini(f"parity_target_{tier}") or "")
            if tier_spec:
                try:
                    session.tier_targets[tier] = load_target(tier_spec)
                except ValueError as error:
                    raise pytest.UsageError(f"parity_target_{tier}: {error}") from None
        names = [n for t in session.all_targets() for n in t.backends]
        for option, value in (
            ("--parity-baseline", session.baseline_option),
            ("--parity-candidate", session.candidate_option),
        ):
            if value is not None and value not in names:
                raise pytest.UsageError(
                    f"{option}: expected one of {', '.join(names)}, got {value!r}"
                )
        return session

    def all_targets(self) -> list[Target]:
        """The default target and every tier's own, each once."""
        unique: dict[int, Target] = {id(self.target): self.target}
        for target in self.tier_targets.values():
            unique.setdefault(id(target), target)
        return list(unique.values())

    def target_for(self, tier: str | None) -> Target:
        """The target a tier runs (its own, or the default)."""
        return self.tier_targets.get(tier or "", self.target)

    def budget(self, tier: str | None) -> Budget:
        """The tier's program budget."""
        return self.budgets.get(tier or "", Budget(0, 1, 0, 25))

    def case_modules(self, target: Target) -> list[str]:
        """A target's case modules and its committed found programs (``parity_found_dir``)."""
        if id(target) not in self._found:
            found = (
                found_modules(self.found_dir, getattr(target, "name", ""))
                if self.found_dir is not None
                else []
            )
            self._found[id(target)] = found
        return [*target.case_modules, *self._found[id(target)]]

    def cases(self, tier: str | None = None) -> list[ContractCase]:
        """The contract cases of a tier's target (found programs included)."""
        return registered_cases(self.case_modules(self.target_for(tier)))

    def uncovered_methods(self, target: Target) -> list[str]:
        """Interface methods of ``target`` that no case covers."""
        covered = {m for c in registered_cases(self.case_modules(target)) for m in c.covers}
        return [m for m in interface_methods(target.interfaces) if m not in covered]

    def unknown_covers(self, target: Target) -> list[str]:
        """``case -> method`` pairs naming a method the interfaces don't have."""
        known = set(interface_methods(target.interfaces))
        cases = registered_cases(self.case_modules(target))
        return [f"{c.id} -> {m}" for c in cases for m in c.covers if m not in known]

    def coverage_table(self, tier: str | None = None) -> list[tuple[str, int]]:
        """Each interface method of a tier's target and how many cases cover it."""
        target = self.target_for(tier)
        counts = Counter(m for c in self.cases(tier) for m in c.covers)
        return [(m, counts[m]) for m in interface_methods(target.interfaces)]

    def pair_for(self, tier: str) -> tuple[str, str]:
        """(baseline, candidate) for ``tier``, with the command-line options taking priority."""
        default = self.target_for(tier).default_pairs.get(tier)
        baseline = self.baseline_option or (default[0] if default else None)
        candidate = self.candidate_option or (default[1] if default else None)
        if baseline is None or candidate is None:
            raise pytest.UsageError(
                f"parity: tier {tier!r} has no default backend pair; expected "
                "--parity-baseline and --parity-candidate"
            )
        return baseline, candidate

    def factory(
        self, name: str, request: pytest.FixtureRequest, tier: str | None = None
    ) -> BackendFactory:
        """The session's factory for backend ``name`` of a tier's target, opened on first use."""
        target = self.target_for(tier)
        key = (getattr(target, "name", str(id(target))), name)
        if key in self._setup_failures:
            raise BackendSetupFailed(self._setup_failures[key])
        if key not in self._factories:
            resources = LazyResources(request)
            try:
                self._factories[key] = self._stack.enter_context(
                    target.open_backend(name, resources)
                )
            except (Exception, pytest.fail.Exception) as error:
                failure = setup_failure(name, tier, error)
                self._setup_failures[key] = failure
                self.setup_failures.append(failure)
                raise BackendSetupFailed(failure) from error
        return self._factories[key]

    def run(self, case: ContractCase, tier: str, request: pytest.FixtureRequest) -> CaseResult:
        """Run ``case`` on the tier's pair and keep the result."""
        baseline, candidate = self.pair_for(tier)
        result = run_case(
            case,
            self.target_for(tier),
            (baseline, self.factory(baseline, request, tier)),
            (candidate, self.factory(candidate, request, tier)),
            self.seed_cache,
        )
        self.keep(result, tier, (baseline, candidate))
        return result

    def keep(
        self,
        result: CaseResult,
        tier: str,
        pair: tuple[str, str],
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Keep a result and its report record."""
        self.results.append(result)
        record = result_json(result, tier)
        record["pair"] = list(pair)
        record.update(extra or {})
        self.records.append(record)
        return record

    def explore(
        self, batch: ProgramBatch, tier: str, request: pytest.FixtureRequest
    ) -> BatchOutcome:
        """Run one batch of generated programs on the tier's pair; keep what it found."""
        baseline, candidate = self.pair_for(tier)
        target = self.target_for(tier)
        outcome = run_batch(
            batch,
            target,
            self.cases(tier),
            (baseline, self.factory(baseline, request, tier)),
            (candidate, self.factory(candidate, request, tier)),
            self.seed_cache,
            self.found_dir,
            date.today(),
        )
        summary = outcome.to_json(tier)
        self.explorations.append(summary)
        if outcome.result is not None:
            found = outcome.exploration.found
            program: dict[str, Any] = {
                "seed": batch.seed,
                "batch": batch.id,
                "calls": len(found.program.calls) if found else 0,
                "calls_before_shrinking": found.calls_before_shrinking if found else 0,
                "programs_to_find": found.programs_to_find if found else 0,
                "shrink_seconds": round(found.shrink_seconds, 3) if found else 0.0,
                "written": _relative(outcome.written),
                "first_difference": found.message if found else "",
            }
            record = self.keep(outcome.result, tier, (baseline, candidate), {"program": program})
            if not outcome.reproduced:
                record["status"] = "error"
                record["error"] = (
                    "a generated program differed, but the case written from it did not: "
                    f"{str(program['first_difference'])[:500]}"
                )
        return outcome

    def probe_growth(self, tier: str, request: pytest.FixtureRequest) -> GrowthReport:
        """Run the growth probe on the tier's pair (``GrowthProbeError`` if it cannot)."""
        target = self.target_for(tier)
        problems = growth_probe_problems(target)
        if problems:  # before any backend is opened
            raise GrowthProbeError(missing_probe_message(target, problems))
        baseline, candidate = self.pair_for(tier)
        return run_growth_probe(
            target,
            [
                (baseline, self.factory(baseline, request, tier)),
                (candidate, self.factory(candidate, request, tier)),
            ],
            self.growth_sizes,
            tier=tier,
        )

    def run_fields(self, tier: str) -> dict[str, Any]:
        """The report's ``run.shard`` (null for a whole run) and ``run.selection``."""
        plan = self.shard_plan  # on the controller: from the workers, with their results
        shard = plan.run_json(tier) if plan is not None else None
        return {"shard": shard, "selection": self.narrowing.run_json(tier)}

    def cost_line(self) -> str:
        """How long the compared cases took, the share spent in the cases' own calls versus
        the harness's work around them, and how many needed a second baseline run.

        Read from the report records, so on the xdist controller it covers every worker.
        """
        sides = [r[side] for r in self.records for side in ("baseline", "candidate")]
        again = [r["baseline_again_seconds"] for r in self.records]
        running = sum(float(s["seconds"]) for s in sides) + sum(float(a or 0) for a in again)
        calls = sum(float(s.get("call_seconds", 0.0)) for s in sides)
        canonical = sum(float(s["canonical_seconds"]) for s in sides)
        comparing = sum(float(r["compare_seconds"]) for r in self.records)
        total = running + canonical + comparing
        share = (canonical + comparing) / total * 100 if total else 0.0
        harness = (total - calls) / total * 100 if total else 0.0
        rerun = sum(1 for a in again if a is not None)
        count = len(self.records)
        return (
            f"parity: {count} cases ran in {total:.2f} s: the cases' own calls "
            f"{calls:.2f} s, the harness around them {harness:.0f} % (canonicalising "
            f"{canonical:.2f} s + comparing {comparing:.2f} s = {share:.1f} %); "
            f"{rerun} of {count} needed a second baseline run"
        )

    def exploration_line(self) -> str | None:
        """What the generated programs did in this run (None when none ran)."""
        if not self.explorations:
            return None
        programs = sum(int(e["programs"]) for e in self.explorations)
        calls = sum(int(e["calls"]) for e in self.explorations)
        seconds = sum(float(e["seconds"]) for e in self.explorations)
        found = [e for e in self.explorations if e["found_case"]]
        seeds = ", ".join(str(e["seed"]) for e in self.explorations)
        text = (
            f"parity: {programs} generated programs ({calls} calls) in "
            f"{len(self.explorations)} batches took {seconds:.1f} s; seeds {seeds}; "
            f"{len(found)} found a difference"
        )
        for e in found:
            text += f"\n  found: {e['found_case']} -> {e['written'] or '(not written)'}"
        return text

    def close(self) -> None:
        """Close every opened backend."""
        self._stack.close()


def budget_from(config: pytest.Config, tier: str | None = None) -> Budget:
    """A tier's program budget: ``--parity-explore``, else ``--parity-programs``, else the
    ``parity_programs_<tier>`` ini key, else ``parity_programs``."""
    from harness.programs.tier import fresh_seed

    explore = config.getoption("parity_explore")
    programs = config.getoption("parity_programs")
    if programs is None:
        key = f"parity_programs_{tier}" if tier else ""
        name, text = (
            (key, config.getini(key))
            if key and config.getini(key)
            else (
                "parity_programs",
                config.getini("parity_programs"),
            )
        )
        programs = _ini_count(name, text)
    seed = config.getoption("parity_seed")
    fresh = explore is not None and seed is None
    return Budget(
        programs=explore if explore is not None else programs,
        batches=max(
            1, _ini_count("parity_program_batches", config.getini("parity_program_batches"))
        ),
        seed=fresh_seed() if fresh else (seed or 0),
        steps=config.getoption("parity_program_steps"),
        fresh_seed=fresh,
    )


def _ini_count(name: str, value: object) -> int:
    text = str(value or "0").strip()
    if not text.isdigit():
        raise pytest.UsageError(f"{name}: expected a whole number of 0 or more, got {text!r}")
    return int(text)


def _relative(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
