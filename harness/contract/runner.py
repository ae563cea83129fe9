"""Run one case on the baseline and candidate backends and compare what they did.

Each case runs three times, each from fresh state with the same deterministic clock and
ids: baseline, candidate, and the baseline again. Paths that differ between the two
baseline runs are noise (Diffy's primary/secondary idea): shown apart, never mismatches.
"""

from __future__ import annotations

import dataclasses
import enum
import secrets
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from harness.canonical import Canonical, Canonicaliser, CanonicalRules, dumps
from harness.compare import Comparison, compare, differing_paths
from harness.contract.cases import ContractCase
from harness.contract.run import CRASHED, Run, Step

if TYPE_CHECKING:
    from harness.target import BackendFactory, Target
from harness.determinism import Determinism, DeterministicClock, SequentialIds


class CaseStatus(enum.StrEnum):
    MATCH = "match"
    MISMATCH = "mismatch"
    NOISE = "noise"
    ERROR = "error"


@dataclass(frozen=True)
class SideRun:
    """One backend's run of a case."""

    backend: str
    observation: Canonical
    """Canonical steps: ids as symbols, secrets as digests."""
    raw: Canonical
    """The same steps with raw ids (secrets still digested), for people to read; ``None``
    until ``with_raw`` fills it (only cases that differ need it)."""
    labels: tuple[str, ...]
    requests: Mapping[str, int]
    seconds: float
    error: str | None
    """Why the run could not complete (setup failure, a crash), or ``None``."""
    canonical_seconds: float = 0.0
    """Time spent canonicalising this run's observation."""
    infrastructure: bool = False
    """The error came from the datastore or network (unavailable, refused, timed out),
    not from the backend's code: the run is incomplete, not a behaviour difference."""


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one case on a baseline/candidate pair."""

    case: ContractCase
    baseline: SideRun
    candidate: SideRun
    baseline_again: SideRun
    comparison: Comparison
    status: CaseStatus
    compare_seconds: float
    suspects: tuple[str, ...] = ()
    """Where to look: the call at which the sides first differ and, when that call only
    reads (or is the final state), the writes the case made before it."""

    @property
    def error(self) -> str | None:
        """The first side's error, if any side could not complete."""
        for side in (self.baseline, self.candidate, self.baseline_again):
            if side.error:
                return f"{side.backend}: {side.error}"
        return None


@dataclass(frozen=True)
class SeedState:
    """A backend's state right after seeding a dataset, to restore instead of re-seeding."""

    state: Any
    clock_now: datetime
    ids_issued: int
    seeded: Mapping[str, Any]


SeedCache = dict[tuple[str, str], SeedState]
"""(backend, dataset) -> saved state; one per session (per xdist worker)."""


def run_case(
    case: ContractCase,
    target: Target,
    baseline: tuple[str, BackendFactory],
    candidate: tuple[str, BackendFactory],
    seed_cache: SeedCache | None = None,
) -> CaseResult:
    """Run ``case`` on baseline, candidate and baseline again; compare; classify."""
    (first, first_steps), (other, other_steps) = (
        _execute(case, target, *baseline, seed_cache),
        _execute(case, target, *candidate, seed_cache),
    )
    again, _ = _execute(case, target, *baseline, seed_cache)
    started = time.perf_counter()
    noise = differing_paths(first.observation, again.observation)
    comparison = compare(first.observation, other.observation, noise)
    seconds = time.perf_counter() - started
    if first.error or other.error or again.error:
        status = CaseStatus.ERROR
    elif comparison.mismatches:
        status = CaseStatus.MISMATCH
    elif comparison.noise:
        status = CaseStatus.NOISE
    else:
        status = CaseStatus.MATCH
    if status is not CaseStatus.MATCH:
        first = _with_raw(first, first_steps, target.rules)
        other = _with_raw(other, other_steps, target.rules)
    suspects = _suspects(comparison, first_steps, target.write_methods)
    return CaseResult(case, first, other, again, comparison, status, seconds, suspects)


def _is_infrastructure(error: BaseException, target: Target) -> bool:
    """Whether an exception means "the datastore or network failed" rather than a bug."""
    kinds = (ConnectionError, TimeoutError, *getattr(target, "infrastructure_errors", ()))
    return isinstance(error, kinds)


def _suspects(
    comparison: Comparison, steps: list[Step], write_methods: frozenset[str]
) -> tuple[str, ...]:
    indexes = [i for d in comparison.mismatches if (i := _step_index(d.path)) is not None]
    if not indexes:
        return ()
    first = min(indexes)
    if first >= len(steps):
        return ("case",)
    shown_at = steps[first].call
    if shown_at in write_methods:
        return (shown_at,)
    earlier_writes = [s.call for s in steps[:first] if s.call in write_methods]
    return (shown_at, *dict.fromkeys(reversed(earlier_writes)))


def execute(case: ContractCase, target: Target, backend: str, factory: BackendFactory) -> SideRun:
    """Run ``case`` once on a fresh repository set of ``backend`` (raw steps included)."""
    side, steps = _execute(case, target, backend, factory)
    return _with_raw(side, steps, target.rules)


def _with_raw(side: SideRun, steps: list[Step], rules: CanonicalRules) -> SideRun:
    raw, _ = canonical_steps(steps, _raw_rules(rules))  # raw: the nonce stays visible
    return dataclasses.replace(side, raw=raw)


def _execute(
    case: ContractCase,
    target: Target,
    backend: str,
    factory: BackendFactory,
    seed_cache: SeedCache | None = None,
) -> tuple[SideRun, list[Step]]:
    """Run ``case`` once on a fresh repository set of ``backend``."""
    counts: Counter[str] = Counter()
    nonce = secrets.token_hex(4)
    key = (backend, case.seed or "")
    saved = seed_cache.get(key) if seed_cache is not None and case.seed else None
    clock = DeterministicClock(saved.clock_now) if saved else DeterministicClock()
    ids = SequentialIds(saved.ids_issued) if saved else SequentialIds()
    determinism = Determinism(clock, ids, on_request=lambda label: counts.update((label,)))
    steps: list[Step] = []
    error: str | None = None
    infrastructure = False
    started = time.perf_counter()
    try:
        fresh = (
            factory.fresh(determinism, restore=saved.state) if saved else factory.fresh(determinism)
        )
        with fresh as repositories:
            if saved:
                seeded = saved.seeded
            elif case.seed:
                seeded = target.seed(
                    _AdvancingProxy(repositories, target.interfaces, clock), case.seed
                )
                save = getattr(factory, "save", None)
                if seed_cache is not None and callable(save):
                    seed_cache[key] = SeedState(save(), clock.now(), ids.issued, seeded)
            else:
                seeded = {}
            steps.append(Step(f"seed:{case.seed}", {}, "returned", dict(seeded)))
            counts.clear()
            run = Run(repositories, target.interfaces, target.domain_errors, clock, seeded, nonce)
            try:
                case.function(run)
            except Exception as aborted:  # the case could not go on on this side
                steps.extend(run.steps)
                steps.append(Step("case", {}, CRASHED, aborted))
            else:
                steps.extend(run.steps)
                missing = sorted(set(case.covers) - run.called)
                if missing:
                    error = f"the case never called {', '.join(missing)}, which it claims to cover"
                if run.called & target.write_methods:
                    counted = dict(counts)
                    steps.append(Step("state", {}, "returned", target.snapshot(repositories)))
                    counts.clear()
                    counts.update(counted)
    except Exception as failure:  # setup, seed or snapshot failed: the side did not complete
        error = f"{type(failure).__name__}: {failure}"
        infrastructure = _is_infrastructure(failure, target)
    seconds = time.perf_counter() - started
    crashes = [s for s in steps if s.outcome == CRASHED]
    if crashes and error is None:
        crash = crashes[0].value
        error = f"{crashes[0].call} crashed with {type(crash).__name__}: {crash}"
        infrastructure = any(_is_infrastructure(s.value, target) for s in crashes)
    canonical_started = time.perf_counter()
    observation, labels = canonical_steps(steps, target.rules, nonce)
    canonical_seconds = time.perf_counter() - canonical_started
    side = SideRun(
        backend,
        observation,
        None,
        labels,
        dict(counts),
        seconds,
        error,
        canonical_seconds,
        infrastructure,
    )
    return side, steps


class _AdvancingProxy:
    """The repository set as seeding sees it: the clock moves before each interface call,
    so seeded entities get distinct timestamps exactly as a case's own calls do."""

    def __init__(
        self, repositories: Any, interfaces: Mapping[str, type], clock: DeterministicClock
    ):
        self._repositories = repositories
        self._interfaces = interfaces
        self._clock = clock

    def __getattr__(self, name: str) -> Any:
        inner = getattr(self._repositories, name)
        if name not in self._interfaces:
            return inner
        clock = self._clock

        class _Repository:
            def __getattr__(self, method: str) -> Any:
                function = getattr(inner, method)

                def call(*args: Any, **kwargs: Any) -> Any:
                    clock.advance()
                    return function(*args, **kwargs)

                return call

        return _Repository()


def canonical_steps(
    steps: list[Step], rules: CanonicalRules, nonce: str = ""
) -> tuple[list[Canonical], tuple[str, ...]]:
    """Canonicalise a run's steps in order (so id symbols follow order of appearance);
    the run's nonce (``run.unique``) becomes ``{run}``."""
    canon = Canonicaliser(rules, scrub=nonce)
    out: list[Canonical] = []
    labels: list[str] = []
    for step in steps:
        args = canon.value(dict(step.args))
        unordered = rules.unordered.get(step.call, frozenset())
        value = canon.value(step.value, unordered=unordered)
        out.append({"call": step.call, "args": args, "outcome": step.outcome, "value": value})
        shown = ", ".join(f"{k}={_short(dumps(v))}" for k, v in args.items())
        labels.append(f"{step.call}({shown})" + (" [all pages]" if step.drained else ""))
    return out, tuple(labels)


def _raw_rules(rules: CanonicalRules) -> CanonicalRules:
    return dataclasses.replace(
        rules, id_kinds_by_field={}, id_kinds_by_type={}, id_kinds_by_entity={}
    )


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _step_index(path: str) -> int | None:
    if path.startswith("[") and "]" in path:
        inner = path[1 : path.index("]")]
        if inner.isdigit():
            return int(inner)
    return None
