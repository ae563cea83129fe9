"""Run one case on the baseline and candidate backends and compare what they did.

Each case runs from fresh state with the same deterministic clock and ids on the baseline
and on the candidate. Only when the two differ does the baseline run a second time: paths
that differ between the two baseline runs are noise (Diffy's primary/secondary idea), shown
apart, never mismatches. A clean case costs two backend runs, not three.

When they differ, blame goes to the call that *caused* the difference, not the place it
first shows: a differing seed names the seed's own call; a difference that first shows in
a read or in the end-of-case state is traced to a write by replaying the case truncated
after each write and comparing the two backends' states (runs are deterministic).
"""

from __future__ import annotations

import dataclasses
import enum
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from harness.canonical import Canonical, Canonicaliser, CanonicalRules, dumps
from harness.compare import Comparison, compare, differing_paths
from harness.contract.cases import ContractCase
from harness.contract.run import CRASHED, RAISED, CallFailed, Run, Step, Truncated
from harness.cost.calls import CallCost, CallMeter
from harness.determinism import Determinism, DeterministicClock, SequentialIds
from harness.target import SavesState, infrastructure_errors_of, paging_of

if TYPE_CHECKING:
    from harness.target import BackendFactory, Target


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
    call_seconds: float = 0.0
    """Time spent inside the case's own interface calls (the rest of ``seconds`` is the
    harness's work around them: restoring state, seeding, the state snapshot)."""
    error_call: str | None = None
    """The interface method whose call crashed or made seeding fail, when one did."""
    seed_calls: tuple[Step, ...] = field(default=(), compare=False, repr=False)
    """The seed's own calls on this side (raw; for tracing a difference into the seed)."""
    calls: tuple[CallCost, ...] = field(default=(), compare=False, repr=False)
    """Each interface call the case made on this side: latency, requests, their cost."""


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one case on a baseline/candidate pair."""

    case: ContractCase
    baseline: SideRun
    candidate: SideRun
    baseline_again: SideRun | None
    """The second baseline run, made only when baseline and candidate differ."""
    comparison: Comparison
    status: CaseStatus
    compare_seconds: float
    suspects: tuple[str, ...] = ()
    """Where to look, most likely first: the call that caused the first difference (a
    write found by prefix replay, or the seed's call), then where it showed."""
    cause: str = ""
    """How the first suspect was found, in words (empty for a matching case)."""

    @property
    def error(self) -> str | None:
        """The first side's error, if any side could not complete."""
        for side in (self.baseline, self.candidate, self.baseline_again):
            if side is not None and side.error:
                return f"{side.backend}: {side.error}"
        return None


@dataclass(frozen=True)
class SeedState:
    """A backend's state right after seeding a dataset, to restore instead of re-seeding."""

    state: Any
    clock_now: datetime
    ids_issued: int
    seeded: Mapping[str, Any]
    steps: tuple[Step, ...] = ()
    """The seed's own interface calls, recorded like a case's."""


SeedCache = dict[tuple[str, str], SeedState]
"""(backend, dataset) -> saved state; one per session (per xdist worker)."""


class SeedFailed(Exception):
    """A call made while seeding raised: names the dataset, the call and its method."""

    def __init__(self, dataset: str, index: int, method: str, error: BaseException) -> None:
        super().__init__(
            f"while seeding {dataset!r}: call {index + 1}, {method}, raised "
            f"{type(error).__name__}: {error}"
        )
        self.method = method
        self.error = error


def run_case(
    case: ContractCase,
    target: Target,
    baseline: tuple[str, BackendFactory],
    candidate: tuple[str, BackendFactory],
    seed_cache: SeedCache | None = None,
) -> CaseResult:
    """Run ``case`` on baseline and candidate (and the baseline again if they differ);
    compare; classify; blame."""
    first, first_steps = _execute(case, target, *baseline, seed_cache)
    other, other_steps = _execute(case, target, *candidate, seed_cache)
    again: SideRun | None = None
    noise: frozenset[str] = frozenset()
    started = time.perf_counter()
    differs = first.observation != other.observation
    compare_seconds = time.perf_counter() - started
    if differs:
        again, _ = _execute(case, target, *baseline, seed_cache)
        started = time.perf_counter()
        noise = differing_paths(first.observation, again.observation)
        compare_seconds += time.perf_counter() - started
    started = time.perf_counter()
    comparison = compare(first.observation, other.observation, noise)
    compare_seconds += time.perf_counter() - started
    if first.error or other.error or (again is not None and again.error):
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
    suspects, cause = _blame(
        status,
        case,
        target,
        baseline,
        candidate,
        seed_cache,
        comparison,
        first,
        other,
        first_steps,
    )
    return CaseResult(
        case, first, other, again, comparison, status, compare_seconds, suspects, cause
    )


def _blame(
    status: CaseStatus,
    case: ContractCase,
    target: Target,
    baseline: tuple[str, BackendFactory],
    candidate: tuple[str, BackendFactory],
    seed_cache: SeedCache | None,
    comparison: Comparison,
    first: SideRun,
    other: SideRun,
    first_steps: list[Step],
) -> tuple[tuple[str, ...], str]:
    if status is CaseStatus.ERROR:
        calls = [s.error_call for s in (other, first) if s.error_call]
        if calls:
            side = other if other.error_call else first
            return (calls[0],), f"{side.backend}: {calls[0]} failed ({side.error})"
        return (), ""
    if status is not CaseStatus.MISMATCH:
        return (), ""
    tracer = _Tracer(case, target, baseline, candidate, seed_cache, (first, other))
    return tracer.suspects(comparison, first_steps)


class _Tracer:
    """Finds the call that caused a case's first difference (see the module docstring)."""

    def __init__(
        self,
        case: ContractCase,
        target: Target,
        baseline: tuple[str, BackendFactory],
        candidate: tuple[str, BackendFactory],
        seed_cache: SeedCache | None,
        runs: tuple[SideRun, SideRun],
    ) -> None:
        self.case = case
        self.target = target
        self.sides = (baseline, candidate)
        self.seed_cache = seed_cache
        self.runs = runs
        self._states: dict[int, bool] = {}
        self._ignored: str | None = None

    def suspects(
        self, comparison: Comparison, case_steps: list[Step]
    ) -> tuple[tuple[str, ...], str]:
        indexes = [i for d in comparison.mismatches if (i := _step_index(d.path)) is not None]
        if not indexes:
            return ("case",), "the difference is not in any step"
        shown = min(indexes)
        seed_steps = list(self.runs[0].seed_calls)
        if shown >= len(case_steps):
            return ("case",), "the difference is past the case's last step"
        shown_at = case_steps[shown].call
        if shown_at.startswith("seed:"):
            return self._in_seed(seed_steps, shown_at)
        if shown_at in self.target.write_methods:
            return (shown_at,), f"step {shown} ({shown_at}) is where the sides first differ"
        writes = [s.call for s in seed_steps if s.call in self.target.write_methods]
        seed_writes = len(writes)
        writes += [s.call for s in case_steps[:shown] if s.call in self.target.write_methods]
        earlier = tuple(dict.fromkeys(reversed(writes[seed_writes:])))
        where = "the end-of-case state" if shown_at == "state" else f"step {shown} ({shown_at})"
        through = self._read_method_in(comparison, shown) if shown_at == "state" else None
        if shown_at != "state":
            # a read that misreads would make every snapshot reading through it differ:
            # those readings are no evidence against a write
            self._ignored = shown_at
        culprit = self._first_diverging_write(len(writes))
        if culprit is None:
            first = through or shown_at
            rest = tuple(m for m in (shown_at, *earlier) if m not in (first, "state"))
            return (first, *dict.fromkeys(rest)), (
                f"first shows at {where}; the states agree after every write before it "
                f"(readings through {first} aside), so {first} is the first suspect"
            )
        method = writes[culprit - 1]
        place = (
            f"the seed's write {culprit} ({method})"
            if culprit <= seed_writes
            else f"write {culprit - seed_writes} of the case ({method})"
        )
        rest = tuple(m for m in (through, shown_at, *earlier) if m and m not in (method, "state"))
        return (method, *dict.fromkeys(rest)), (
            f"first shows at {where}; replaying the case truncated after each write, the "
            f"states first differ after {place}"
        )

    def _in_seed(self, seed_steps: list[Step], shown_at: str) -> tuple[tuple[str, ...], str]:
        """The seed's handles differ: name the seed call whose result differs first, or
        else the seed write after which the states part."""
        other_seed = list(self.runs[1].seed_calls)
        rules = self.target.rules
        mine, _ = canonical_steps(seed_steps, rules)
        theirs, _ = canonical_steps(other_seed, rules)
        for index, (a, b) in enumerate(zip(mine, theirs, strict=False)):
            if a != b:
                method = seed_steps[index].call
                return (method,), f"{shown_at}: the seed's call {index + 1} ({method}) differs"
        writes = [s.call for s in seed_steps if s.call in self.target.write_methods]
        culprit = self._first_diverging_write(len(writes))
        if culprit is None:
            return (shown_at,), f"{shown_at}: the seed's results differ"
        method = writes[culprit - 1]
        return (method,), (
            f"{shown_at}: replaying the seed truncated after each write, the states first "
            f"differ after its write {culprit} ({method})"
        )

    def _first_diverging_write(self, writes: int) -> int | None:
        """The smallest n in 1..writes after which the two states differ (None if they
        agree after all of them). States that part stay apart, so a binary search finds
        it in about log2(writes) replays per side."""
        if writes == 0 or not self._states_differ(writes):
            return None
        low, high = 1, writes
        while low < high:
            middle = (low + high) // 2
            if self._states_differ(middle):
                high = middle
            else:
                low = middle + 1
        return low

    def _states_differ(self, writes: int) -> bool:
        if writes not in self._states:
            states = [self._state_after(writes, name, factory) for name, factory in self.sides]
            paths = differing_paths(states[0], states[1])
            if self._ignored:
                paths = frozenset(p for p in paths if self._ignored not in p)
            self._states[writes] = bool(paths)
        return self._states[writes]

    def _read_method_in(self, comparison: Comparison, step: int) -> str | None:
        """The interface method a snapshot path of the first difference is keyed by (a
        snapshot that records each read path under ``"repo.method"``), if any."""
        methods = sorted(interface_methods_of(self.target), key=len, reverse=True)
        for difference in comparison.mismatches:
            if _step_index(difference.path) == step:
                for method in methods:
                    if method in difference.path and method not in self.target.write_methods:
                        return method
        return None

    def _state_after(self, writes: int, backend: str, factory: BackendFactory) -> Canonical:
        side, steps = _execute(
            self.case, self.target, backend, factory, self.seed_cache, stop_after_writes=writes
        )
        state = [s for s in steps if s.call == "state"]
        if not state:
            return {"$error": side.error or "no state"}
        canonical, _ = canonical_steps(state, self.target.rules)
        return canonical


def interface_methods_of(target: Target) -> list[str]:
    """Every ``repo.method`` of the target's Protocols."""
    from harness.target import interface_methods

    return interface_methods(target.interfaces)


def _is_infrastructure(error: BaseException, target: Target) -> bool:
    """Whether an exception means "the datastore or network failed" rather than a bug."""
    kinds: tuple[type[BaseException], ...] = (
        ConnectionError,
        TimeoutError,
        *infrastructure_errors_of(target),
    )
    if isinstance(error, SeedFailed):
        return isinstance(error.error, kinds)
    return isinstance(error, kinds)


def execute(case: ContractCase, target: Target, backend: str, factory: BackendFactory) -> SideRun:
    """Run ``case`` once on a fresh repository set of ``backend`` (raw steps included)."""
    side, steps = _execute(case, target, backend, factory)
    return _with_raw(side, steps, target.rules)


def _with_raw(side: SideRun, steps: list[Step], rules: CanonicalRules) -> SideRun:
    raw, _ = canonical_steps(steps, _raw_rules(rules))  # raw: the nonce stays visible
    return dataclasses.replace(side, raw=raw)


@dataclass
class SideSession:
    """One backend's repository set opened for a case or a program: seeded (or restored
    from the seed cache), with the run recorder and the request counts."""

    backend: str
    run: Run
    repositories: Any
    steps: list[Step]
    """The seed step, then every call the run makes (extend with ``run.steps``)."""
    seed_steps: tuple[Step, ...]
    counts: Counter[str]
    clock: DeterministicClock
    nonce: str
    seed_truncated: bool = False
    """``stop_after_writes`` was reached inside the seed: the run has nothing to do."""
    started: float = field(default_factory=time.perf_counter)

    def observed_steps(self) -> list[Step]:
        """The seed step followed by the run's calls so far."""
        return [*self.steps, *self.run.steps]


@contextmanager
def open_side(
    target: Target,
    backend: str,
    factory: BackendFactory,
    dataset: str | None,
    seed_cache: SeedCache | None = None,
    *,
    stop_after_writes: int | None = None,
) -> Iterator[SideSession]:
    """A fresh repository set of ``backend`` holding ``dataset`` (seeded through the
    interfaces once per backend, restored from ``seed_cache`` after that).

    With ``stop_after_writes``, seeding and the run stop (``Truncated``) after that many
    write calls in all; a truncated seed is never cached.
    """
    counts: Counter[str] = Counter()
    meter = CallMeter(counts)
    nonce = secrets.token_hex(4)
    key = (backend, dataset or "")
    saved = seed_cache.get(key) if seed_cache is not None and dataset else None
    seed_writes = sum(1 for s in saved.steps if s.call in target.write_methods) if saved else 0
    if saved and stop_after_writes is not None and stop_after_writes <= seed_writes:
        saved = None  # the replay stops inside the seed: seed again, from empty
    clock = DeterministicClock(saved.clock_now) if saved else DeterministicClock()
    ids = SequentialIds(saved.ids_issued) if saved else SequentialIds()
    determinism = Determinism(
        clock, ids, on_request=lambda label: counts.update((label,)), on_cost=meter.sink
    )
    fresh = (
        factory.fresh(determinism, restore=saved.state)
        if saved and isinstance(factory, SavesState)
        else factory.fresh(determinism)
    )
    with fresh as repositories:
        seed_steps: tuple[Step, ...] = ()
        truncated = False
        if saved:
            seeded, seed_steps = saved.seeded, saved.steps
            remaining = None if stop_after_writes is None else stop_after_writes - seed_writes
        elif dataset:
            recorder = Run(
                repositories,
                target.interfaces,
                target.domain_errors,
                clock,
                {},
                write_methods=target.write_methods,
                paging=paging_of(target),
                stop_after_writes=stop_after_writes,
            )
            try:
                seeded = target.seed(_SeedProxy(recorder, target.interfaces, dataset), dataset)
            except Truncated:
                seeded, truncated = {}, True
            seed_steps = tuple(recorder.steps)
            if seed_cache is not None and isinstance(factory, SavesState) and not truncated:
                seed_cache[key] = SeedState(
                    factory.save(), clock.now(), ids.issued, seeded, seed_steps
                )
            remaining = None if stop_after_writes is None else stop_after_writes - recorder.writes
        else:
            seeded = {}
            remaining = stop_after_writes
        counts.clear()
        run = Run(
            repositories,
            target.interfaces,
            target.domain_errors,
            clock,
            seeded,
            nonce,
            write_methods=target.write_methods,
            paging=paging_of(target),
            stop_after_writes=remaining,
            meter=meter,
        )
        seed_step = Step(f"seed:{dataset}", {}, "returned", dict(seeded))
        yield SideSession(
            backend, run, repositories, [seed_step], seed_steps, counts, clock, nonce, truncated
        )


def _execute(
    case: ContractCase,
    target: Target,
    backend: str,
    factory: BackendFactory,
    seed_cache: SeedCache | None = None,
    *,
    stop_after_writes: int | None = None,
) -> tuple[SideRun, list[Step]]:
    """Run ``case`` once on a fresh repository set of ``backend``."""
    return execute_on_side(
        lambda run: case.function(run),
        case.covers,
        target,
        backend,
        factory,
        case.seed,
        seed_cache,
        stop_after_writes=stop_after_writes,
    )


def execute_on_side(
    body: Callable[[Run], None],
    covers: Sequence[str],
    target: Target,
    backend: str,
    factory: BackendFactory,
    dataset: str | None,
    seed_cache: SeedCache | None = None,
    *,
    stop_after_writes: int | None = None,
) -> tuple[SideRun, list[Step]]:
    """Run ``body`` (a case's function) once on a fresh repository set; observe it."""
    steps: list[Step] = []
    error: str | None = None
    error_call: str | None = None
    infrastructure = False
    call_seconds = 0.0
    counts: Counter[str] = Counter()
    calls: tuple[CallCost, ...] = ()
    nonce = ""
    seed_calls: tuple[Step, ...] = ()
    started = time.perf_counter()
    truncated = stop_after_writes is not None
    try:
        with open_side(
            target, backend, factory, dataset, seed_cache, stop_after_writes=stop_after_writes
        ) as side:
            counts, nonce, run = side.counts, side.nonce, side.run
            seed_calls = side.seed_steps
            steps.extend(side.steps)
            try:
                if not side.seed_truncated:
                    body(run)
            except Truncated:
                steps.extend(run.steps)
            except Exception as aborted:  # the case could not go on on this side
                steps.extend(run.steps)
                steps.append(Step("case", {}, CRASHED, aborted))
            else:
                steps.extend(run.steps)
                missing = sorted(set(covers) - run.called)
                if missing and not truncated:
                    error = f"the case never called {', '.join(missing)}, which it claims to cover"
            call_seconds = run.call_seconds
            calls = tuple(run.meter.calls) if run.meter else ()
            if truncated or run.called & target.write_methods:
                counted = dict(counts)
                steps.append(Step("state", {}, "returned", target.snapshot(side.repositories)))
                counts.clear()
                counts.update(counted)
    except SeedFailed as failure:
        error = str(failure)
        error_call = failure.method
        infrastructure = _is_infrastructure(failure, target)
    except Exception as failure:  # setup or snapshot failed: the side did not complete
        error = f"{type(failure).__name__}: {failure}"
        infrastructure = _is_infrastructure(failure, target)
    seconds = time.perf_counter() - started
    crashes = [s for s in steps if s.outcome == CRASHED]
    if crashes and error is None:
        crash = crashes[0].value
        error = f"{crashes[0].call} crashed with {type(crash).__name__}: {crash}"
        error_call = crashes[0].call if crashes[0].call != "case" else None
        infrastructure = any(_is_infrastructure(s.value, target) for s in crashes)
    canonical_started = time.perf_counter()
    observation, labels = canonical_steps(steps, target.rules, nonce)
    canonical_seconds = time.perf_counter() - canonical_started
    side_run = SideRun(
        backend,
        observation,
        None,
        labels,
        dict(counts),
        seconds,
        error,
        canonical_seconds,
        infrastructure,
        call_seconds,
        error_call,
        seed_calls,
        calls,
    )
    return side_run, steps


class _SeedProxy:
    """The repository set as seeding sees it: every interface call goes through a ``Run``,
    so the seed is recorded call by call (the clock moves before each, as for a case's
    own calls) and a call that raises names itself (``SeedFailed``)."""

    def __init__(self, recorder: Run, interfaces: Mapping[str, type], dataset: str) -> None:
        self._recorder = recorder
        self._interfaces = interfaces
        self._dataset = dataset

    def __getattr__(self, name: str) -> Any:
        inner = getattr(self._recorder.repositories, name)
        if name not in self._interfaces:
            return inner
        recorder, dataset = self._recorder, self._dataset

        class _Repository:
            def __getattr__(self, method: str) -> Any:
                qualified = f"{name}.{method}"
                if not callable(getattr(inner, method)):
                    return getattr(inner, method)

                def call(*args: Any, **kwargs: Any) -> Any:
                    index = len(recorder.steps)
                    result = recorder.call(qualified, *args, **kwargs)
                    if isinstance(result, CallFailed):
                        raise SeedFailed(dataset, index, qualified, result.error)
                    return result

                return call

        return _Repository()


def canonical_steps(
    steps: Sequence[Step], rules: CanonicalRules, nonce: str = ""
) -> tuple[list[Canonical], tuple[str, ...]]:
    """Canonicalise a run's steps in order (so id symbols follow order of appearance);
    the run's nonce (``run.unique``) becomes ``{run}``."""
    canon = Canonicaliser(rules, scrub=nonce)
    out: list[Canonical] = []
    labels: list[str] = []
    for step in steps:
        canonical, label = canonical_step(canon, step, rules)
        out.append(canonical)
        labels.append(label)
    return out, tuple(labels)


def canonical_step(
    canon: Canonicaliser, step: Step, rules: CanonicalRules
) -> tuple[Canonical, str]:
    """One step's canonical form and label, numbering ids with ``canon``'s symbol table."""
    args = canon.value(dict(step.args))
    unordered = rules.unordered.get(step.call, frozenset())
    value = canon.value(step.value, unordered=unordered)
    shown = ", ".join(f"{k}={_short(dumps(v))}" for k, v in args.items())
    label = f"{step.call}({shown})" + (" [all pages]" if step.drained else "")
    return {"call": step.call, "args": args, "outcome": step.outcome, "value": value}, label


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


__all__ = [
    "RAISED",
    "CaseResult",
    "CaseStatus",
    "SeedFailed",
    "SeedState",
    "SideRun",
    "SideSession",
    "canonical_step",
    "canonical_steps",
    "execute",
    "execute_on_side",
    "open_side",
    "run_case",
]
