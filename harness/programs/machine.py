"""Generated programs, run on the baseline and the candidate in lockstep.

A Hypothesis ``RuleBasedStateMachine`` is built from the target's Protocols: one rule per
interface method (arguments drawn by ``ValueDrawer``), an ``initialize`` rule that picks
the start state (empty, or one of the seed datasets the cases use), and a bundle per id
kind into which every rule whose method returns an entity puts a handle to it. Each rule
makes its call on both backends, from the same data, clock and ids, and compares the two
new steps with the canonicaliser and comparison that cases use; the teardown compares the
two end states (the target's snapshot). A difference is confirmed against a second
baseline run of the same program (noise is filtered as for cases) and then fails the
example, so Hypothesis shrinks the program to a minimal one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import time
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hypothesis import HealthCheck, Phase, Verbosity, seed, settings
from hypothesis import strategies as st
from hypothesis.control import current_build_context
from hypothesis.errors import InvalidArgument
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    multiple,
    rule,
    run_state_machine_as_test,
)

from harness.canonical import Canonical, Canonicaliser
from harness.compare import compare, differing_paths, render
from harness.contract.run import CRASHED, CallFailed, Step
from harness.contract.runner import (
    SeedCache,
    SideSession,
    canonical_step,
    canonical_steps,
    execute_on_side,
    open_side,
)
from harness.cost.calls import CallCost
from harness.cost.profile import program_costs
from harness.programs.draw import Override, Pools, ValueDrawer
from harness.programs.model import (
    Handle,
    Program,
    ProgramCall,
    Unknown,
    map_references,
    perform,
    replay,
)
from harness.target import program_strategies_of

if TYPE_CHECKING:
    from harness.target import BackendFactory, Target

DEFAULT_STEPS = 25
"""Calls per generated program at most."""


class ProgramDiverged(AssertionError):
    """The two backends did something different for a generated program."""

    def __init__(self, message: str, shown_at: str) -> None:
        super().__init__(message)
        self.shown_at = shown_at
        """The method of the call where the difference first shows (or ``state``)."""


class _OutOfShrinkTime(BaseException):
    """Ends shrinking (a ``BaseException``, so Hypothesis lets it through); the best
    program recorded so far is the result."""


@dataclass(frozen=True)
class ExploreSettings:
    """How much to explore and from where."""

    programs: int
    seed: int
    steps: int = DEFAULT_STEPS
    datasets: tuple[str | None, ...] = (None,)
    shrink_seconds: float = 8.0
    """Shrinking stops improving after this long (the best program so far is kept)."""


@dataclass(frozen=True)
class FoundProgram:
    """A shrunk program on which the backends differ."""

    program: Program
    message: str
    """The labelled difference (which side said what, at which step)."""
    calls_before_shrinking: int
    programs_to_find: int
    """Programs generated up to and including the first failing one."""
    shrink_seconds: float


@dataclass
class Exploration:
    """What one exploration did: its budget, what it ran and what it found."""

    seed: int
    budget: int
    programs: int = 0
    """Programs generated and run (shrinking replays not counted)."""
    calls: int = 0
    seconds: float = 0.0
    shrink_runs: int = 0
    found: FoundProgram | None = None
    call_costs: dict[str, list[CallCost]] = field(
        default_factory=lambda: {"baseline": [], "candidate": []}
    )
    """Each side's interface calls in the programs run (shrinking replays not counted)."""

    def to_json(self) -> dict[str, Any]:
        """Report data (the found program is reported as a case of its own)."""
        return {
            "seed": self.seed,
            "budget": self.budget,
            "programs": self.programs,
            "calls": self.calls,
            "seconds": round(self.seconds, 3),
            "shrink_runs": self.shrink_runs,
            "costs": {side: program_costs(calls) for side, calls in self.call_costs.items()},
            "found": None
            if self.found is None
            else {
                "calls": len(self.found.program.calls),
                "calls_before_shrinking": self.found.calls_before_shrinking,
                "programs_to_find": self.found.programs_to_find,
                "shrink_seconds": round(self.found.shrink_seconds, 3),
            },
        }


@dataclass(frozen=True)
class _Method:
    name: str
    required: tuple[tuple[str, Any], ...]
    optional: tuple[tuple[str, Any], ...]
    listing: bool
    returns_kind: str | None


def describe_methods(target: Target) -> list[_Method]:
    """Every interface method with its parameters' type hints (from the Protocols)."""
    methods = []
    for attribute, protocol in target.interfaces.items():
        for name, member in vars(protocol).items():
            if name.startswith("_") or not callable(member):
                continue
            hints = typing.get_type_hints(member)
            parameters = list(inspect.signature(member).parameters.values())[1:]
            names = {p.name for p in parameters}
            listing = {"limit", "cursor"} <= names
            required: list[tuple[str, Any]] = []
            optional: list[tuple[str, Any]] = []
            for p in parameters:
                if listing and p.name in ("limit", "cursor"):
                    continue
                entry = (p.name, hints.get(p.name, Any))
                (required if p.default is inspect.Parameter.empty else optional).append(entry)
            returned = hints.get("return")
            kind = target.rules.id_kinds_by_type.get(getattr(returned, "__name__", ""))
            methods.append(
                _Method(f"{attribute}.{name}", tuple(required), tuple(optional), listing, kind)
            )
    return methods


class Lockstep:
    """One program running on both backends at once, compared after every call."""

    def __init__(self, explorer: Explorer, dataset: str | None) -> None:
        self.explorer = explorer
        self.program = Program(dataset)
        self._stack = contextlib.ExitStack()
        target = explorer.target
        try:
            self.sides: list[SideSession] = [
                self._stack.enter_context(open_side(target, name, factory, dataset, explorer.cache))
                for name, factory in (explorer.baseline, explorer.candidate)
            ]
        except BaseException:  # one side would not open: close the other
            self._stack.close()
            raise
        self._canons = [Canonicaliser(target.rules, scrub=s.nonce) for s in self.sides]
        self._results: list[list[Any]] = [[], []]
        self._noise: frozenset[str] = frozenset()
        self._wrote = False
        self._check([s.steps[0] for s in self.sides])

    @property
    def seeded(self) -> Mapping[str, Any]:
        """The seeded entities (the baseline's), by name."""
        return self.sides[0].run.seeded

    def call(self, call: ProgramCall) -> tuple[Any, Any]:
        """Make ``call`` on both sides; fail the program if they differ."""
        self.program.calls.append(call)
        self.explorer.exploration.calls += 1
        outcomes = []
        for side, results in zip(self.sides, self._results, strict=True):
            outcomes.append(perform(side.run, call, results))
        self._wrote = self._wrote or call.method in self.explorer.target.write_methods
        self._check([s.run.steps[-1] for s in self.sides])
        return outcomes[0], outcomes[1]

    def finish(self) -> None:
        """Compare the two end states (when the program wrote anything)."""
        if not self._wrote:
            return
        states = [
            Step("state", {}, "returned", self.explorer.target.snapshot(s.repositories))
            for s in self.sides
        ]
        self._check(states, final=True)

    def close(self) -> None:
        """Close both repository sets (keeping what the calls cost, unless shrinking)."""
        if not self.explorer.shrinking():
            costs = self.explorer.exploration.call_costs
            for name, side in zip(("baseline", "candidate"), self.sides, strict=True):
                costs[name].extend(side.run.meter.calls if side.run.meter else ())
        self._stack.close()

    def _check(self, steps: list[Step], final: bool = False) -> None:
        rules = self.explorer.target.rules
        new = [canonical_step(c, s, rules)[0] for c, s in zip(self._canons, steps, strict=True)]
        crashed = [s for s in steps if s.outcome == CRASHED]
        if new[0] == new[1] and not crashed:
            return
        first, other, labels = self._observations(final)
        comparison = compare(first, other, self._noise)
        if (comparison.mismatches or crashed) and not self.explorer.shrinking():
            self._noise = self._noise | self._noise_paths(first, final)
            comparison = compare(first, other, self._noise)
        if crashed:
            error = crashed[0].value
            self._fail(
                f"{crashed[0].call} crashed with {type(error).__name__}: {error}", crashed[0].call
            )
        if comparison.mismatches:
            names = [s.backend for s in self.sides]
            self._fail(render(comparison, names[0], names[1], labels, limit=5), steps[0].call)

    def _observations(self, final: bool) -> tuple[Canonical, Canonical, tuple[str, ...]]:
        out = []
        for side in self.sides:
            steps = side.observed_steps()
            if final:
                steps.append(
                    Step("state", {}, "returned", self.explorer.target.snapshot(side.repositories))
                )
            observation, labels = canonical_steps(steps, self.explorer.target.rules, side.nonce)
            out.append((observation, labels))
        return out[0][0], out[1][0], out[0][1]

    def _noise_paths(self, first: Canonical, final: bool) -> frozenset[str]:
        """What differs between this baseline run and a second one of the same program."""
        name, factory = self.explorer.baseline
        again, _ = execute_on_side(
            replay(self.program.copy()),
            (),
            self.explorer.target,
            name,
            factory,
            self.program.dataset,
            self.explorer.cache,
        )
        observation = again.observation if final else again.observation[: len(first)]
        return differing_paths(first, observation)

    def _fail(self, message: str, shown_at: str) -> typing.NoReturn:
        self.explorer.record_failure(self.program.copy(), message, shown_at)
        raise ProgramDiverged(message, shown_at)


class Explorer:
    """Generates programs for a target and runs them on a backend pair."""

    def __init__(
        self,
        target: Target,
        baseline: tuple[str, BackendFactory],
        candidate: tuple[str, BackendFactory],
        cache: SeedCache | None,
        options: ExploreSettings,
    ) -> None:
        self.target = target
        self.baseline = baseline
        self.candidate = candidate
        self.cache = cache if cache is not None else {}
        self.options = options
        self.methods = describe_methods(target)
        self.overrides: Mapping[str, Override] = dict(program_strategies_of(target))
        self.exploration = Exploration(options.seed, options.programs)
        self._failures: list[tuple[Program, str, float, int]] = []
        self._shown_at = ""
        self.stopped_shrinking = False
        self._first_failure_calls = 0

    def shrinking(self) -> bool:
        """Whether a difference was found and this is a shrinking attempt (whose noise is
        not re-checked: the shrunk program is run as a case, with its noise check)."""
        return bool(self._failures) and not _is_final()

    def out_of_shrink_time(self) -> bool:
        """Whether shrinking has used its time (the best program so far is then kept)."""
        if not self._failures or _is_final():
            return False
        return time.perf_counter() - self._failures[0][2] > self.options.shrink_seconds

    def record_failure(self, program: Program, message: str, shown_at: str) -> None:
        """Remember a failing program (the last one recorded is the shrunk one)."""
        if not self._failures:
            self._first_failure_calls = len(program.calls)
            self._shown_at = shown_at
        self._failures.append((program, message, time.perf_counter(), self.exploration.programs))

    def diverges(self, program: Program) -> ProgramDiverged | None:
        """Run ``program`` once in lockstep; the difference it shows, if any."""
        lockstep = Lockstep(self, program.dataset)
        try:
            for call in program.calls:
                lockstep.call(call)
            lockstep.finish()
        except ProgramDiverged as diverged:
            return diverged
        finally:
            lockstep.close()
        return None

    def trim(self, program: Program, message: str) -> tuple[Program, str]:
        """Hypothesis's shrink, finished greedily: drop each call (last first) whose
        removal keeps a difference at the same method (or in the end state: the call that
        showed it may be the one removed). One run per try."""
        shown_at = self._shown_at
        index = len(program.calls) - 1
        while index >= 0:
            shorter = without_call(program, index)
            if shorter is not None:
                diverged = self.diverges(shorter)
                if diverged is not None and diverged.shown_at in (shown_at, "state"):
                    program, message = shorter, str(diverged)
                    shown_at = diverged.shown_at
            index -= 1
        return program, message

    def run(self) -> Exploration:
        """Explore; on a difference, shrink it and return it as ``found``.

        The budget is spent in rounds of ``ROUND`` programs, each a Hypothesis run of its
        own with a seed derived from this one: within one run Hypothesis builds examples
        by copying and mutating earlier ones, so its calls repeat; fresh rounds about
        double the distinct calls a budget makes (measured: 1,020 of 5,184 in one run of
        250 programs, 1,971 of 4,248 in 25 rounds of 10).
        """
        machine = build_machine(self)
        started = time.perf_counter()
        rounds = max(1, -(-self.options.programs // ROUND))
        for number in range(rounds):
            size = min(ROUND, self.options.programs - number * ROUND) or 1
            try:
                self._one_round(machine, _round_seed(self.options.seed, number), size)
            except BaseException as error:
                # Hypothesis reports an interrupted shrink in its own words (as a flaky
                # definition); the best program recorded before the stop is the result.
                diverged = isinstance(error, ProgramDiverged) or self.stopped_shrinking
                if not self._failures or not diverged:
                    raise
                self._found()
                break
        self.exploration.seconds = time.perf_counter() - started
        return self.exploration

    def _one_round(self, machine: type[RuleBasedStateMachine], round_seed: int, size: int) -> None:
        run_state_machine_as_test(
            seed(round_seed)(machine),
            settings=settings(
                max_examples=size,
                stateful_step_count=self.options.steps,
                database=None,
                deadline=None,
                derandomize=False,
                phases=(Phase.generate, Phase.shrink),
                suppress_health_check=list(HealthCheck),
                report_multiple_bugs=False,
                print_blob=False,
                verbosity=Verbosity.quiet,
            ),
        )

    def _found(self) -> None:
        first_at, first_programs = self._failures[0][2], self._failures[0][3]
        program, message = self.trim(*self._failures[-1][:2])
        self.exploration.found = FoundProgram(
            program,
            message,
            self._first_failure_calls,
            first_programs,
            time.perf_counter() - first_at,
        )
        self.exploration.shrink_runs = self.exploration.programs - first_programs
        self.exploration.programs = first_programs


ROUND = 10
"""Programs per Hypothesis run within a batch (see ``Explorer.run``)."""


def _round_seed(base: int, number: int) -> int:
    return (base * 1_000_003 + number) % 2**32


def without_call(program: Program, index: int) -> Program | None:
    """``program`` without call ``index`` (later handles renumbered), or ``None`` when a
    later call uses the entity it returned."""
    calls = program.calls[:index] + program.calls[index + 1 :]

    def shift(reference: Handle | Unknown) -> Handle | Unknown:
        if not isinstance(reference, Handle) or not isinstance(reference.origin, int):
            return reference
        if reference.origin == index:
            raise _UsesRemoved
        if reference.origin > index:
            return Handle(reference.kind, reference.origin - 1, reference.label)
        return reference

    try:
        shifted = [
            dataclasses.replace(
                c,
                args=map_references(c.args, shift),
                kwargs=map_references(dict(c.kwargs), shift),
            )
            for c in calls
        ]
    except _UsesRemoved:
        return None
    return Program(program.dataset, shifted)


class _UsesRemoved(Exception):
    """A later call refers to the entity the removed call returned."""


def build_machine(explorer: Explorer) -> type[RuleBasedStateMachine]:
    """The state machine class for ``explorer``'s target (one rule per method)."""
    kinds = sorted(set(explorer.target.rules.id_kinds_by_type.values()))
    bundles = {kind: Bundle(kind) for kind in kinds}
    namespace: dict[str, Any] = dict(bundles)

    def __init__(self: Any) -> None:
        RuleBasedStateMachine.__init__(self)
        self.lockstep = None
        self.seeded_handles = {}
        if explorer.out_of_shrink_time():
            explorer.stopped_shrinking = True
            raise _OutOfShrinkTime
        explorer.exploration.programs += 1

    def handles(self: Any, kind: str) -> Sequence[Handle]:
        found = list(self.seeded_handles.get(kind, []))
        return found + [self.names_to_values[ref.name] for ref in self.bundle(kind)]

    @initialize(data=st.data())
    def start(self: Any, data: st.DataObject) -> None:
        dataset = data.draw(st.sampled_from(explorer.options.datasets), label="start from")
        self.pools = Pools()
        self.drawer = ValueDrawer(
            explorer.target.rules.id_kinds_by_field, explorer.overrides, self.pools, self
        )
        self.lockstep = Lockstep(explorer, dataset)
        by_type = explorer.target.rules.id_kinds_by_type
        for name, entity in self.lockstep.seeded.items():
            kind = by_type.get(type(entity).__name__)
            if kind is not None:
                self.seeded_handles.setdefault(kind, []).append(Handle(kind, name, name))
            self.pools.harvest(entity)

    def teardown(self: Any) -> None:
        if self.lockstep is None:
            return
        try:
            self.lockstep.finish()
        finally:
            self.lockstep.close()

    namespace.update(__init__=__init__, handles=handles, start=start, teardown=teardown)
    for method in explorer.methods:
        rule_name = "call_" + method.name.replace(".", "_")
        namespace[rule_name] = _make_rule(method, bundles)
    return type("ProgramMachine", (RuleBasedStateMachine,), namespace)


def _make_rule(method: _Method, bundles: Mapping[str, Bundle[Any]]) -> Any:
    def call(self: Any, data: st.DataObject) -> Any:
        drawer: ValueDrawer = self.drawer
        made = self.lockstep.program.calls
        for _ in range(3):
            drawn = _draw_call(method, drawer, data)
            # Hypothesis copies spans between draws of the same shape, which repeats a call
            # verbatim; a call already made twice teaches nothing more, so draw another
            if made.count(drawn) < 2:
                break
        index = len(made)
        result, other = self.lockstep.call(drawn)
        self.pools.harvest(result)
        if method.returns_kind is None:
            return None
        if isinstance(result, CallFailed) or isinstance(other, CallFailed):
            return multiple()
        kind = method.returns_kind
        handle = Handle(kind, index, f"{kind}_{index + 1}")
        drawer.returned(handle)
        return multiple(handle)

    call.__name__ = "call_" + method.name.replace(".", "_")
    if method.returns_kind is not None:
        return rule(target=bundles[method.returns_kind], data=st.data())(call)
    return rule(data=st.data())(call)


def _draw_call(method: _Method, drawer: ValueDrawer, data: st.DataObject) -> ProgramCall:
    args = [drawer.draw(data, hint, name, method.name) for name, hint in method.required]
    kwargs = {  # each optional parameter one time in four, so filters rarely pile up
        name: drawer.draw(data, hint, name, method.name)
        for name, hint in method.optional
        if data.draw(st.integers(0, 3), label=f"{method.name}.{name}:set?") == 3
    }
    drain_limit = None
    if method.listing:
        limit = (
            drawer.draw(data, int, "limit", method.name)
            if "limit" in drawer.overrides
            else data.draw(st.integers(1, 12) | st.sampled_from([0, 100, 101]), label="limit")
        )
        if data.draw(st.integers(0, 3), label="follow the cursors?") < 3 and limit >= 1:
            drain_limit = limit
        else:
            kwargs["limit"] = limit
    return ProgramCall(method.name, tuple(args), kwargs, drain_limit)


def _is_final() -> bool:
    """Whether Hypothesis is replaying the minimal failing example for the last time."""
    try:
        return bool(current_build_context().is_final)
    except InvalidArgument:  # not inside a Hypothesis test
        return False


def explore(
    target: Target,
    baseline: tuple[str, BackendFactory],
    candidate: tuple[str, BackendFactory],
    options: ExploreSettings,
    cache: SeedCache | None = None,
) -> Exploration:
    """Generate ``options.programs`` programs and run each on both backends in lockstep."""
    return Explorer(target, baseline, candidate, cache, options).run()


def datasets_of(cases: Sequence[Any]) -> tuple[str | None, ...]:
    """Start states for programs: every seed dataset the cases use, three times as often
    as the empty state (seeded data gives calls something to act on)."""
    seeds = sorted({c.seed for c in cases if c.seed})
    return (*(s for s in seeds for _ in range(3)), None)


__all__ = [
    "DEFAULT_STEPS",
    "Exploration",
    "ExploreSettings",
    "Explorer",
    "FoundProgram",
    "ProgramDiverged",
    "build_machine",
    "datasets_of",
    "describe_methods",
    "explore",
]
