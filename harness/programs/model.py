"""A generated program: a sequence of interface calls over handles, replayable on any side.

A program never holds raw ids: an entity is referred to by a ``Handle`` (a seeded entity by
its name, or the entity an earlier call of the program returned), which each side
resolves to its own raw id. So the same program runs on MySQL (AUTO_INCREMENT ids) and
DynamoDB (issued ids), in lockstep, in a replay, and as a written-out ``@case``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.contract.run import Run


@dataclass(frozen=True)
class Handle:
    """An entity of id kind ``kind``: seeded (``origin`` is its seed name) or returned by
    the program's call number ``origin``."""

    kind: str
    origin: str | int
    label: str
    """The variable a written case uses for it (``user_3``), or the seed name."""

    def __repr__(self) -> str:
        return self.label


@dataclass(frozen=True)
class Unknown:
    """A well-formed id that names nothing (the same raw string on every side)."""

    kind: str
    raw: str

    def __repr__(self) -> str:
        return repr(self.raw)


@dataclass(frozen=True)
class ProgramCall:
    """One call: ``repo.method(*args, **kwargs)``; a listing followed to the end when
    ``drain_limit`` is set (``run.drain``)."""

    method: str
    args: tuple[Any, ...]
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    drain_limit: int | None = None


@dataclass
class Program:
    """A start state (a seed dataset or empty) and the calls made from it."""

    dataset: str | None
    calls: list[ProgramCall] = field(default_factory=list)

    def copy(self) -> Program:
        """An independent copy (the calls list is not shared)."""
        return Program(self.dataset, list(self.calls))

    def methods(self) -> list[str]:
        """The distinct methods called, in order of first call."""
        return list(dict.fromkeys(c.method for c in self.calls))


def resolve(value: Any, seeded: Mapping[str, Any], results: Sequence[Any]) -> Any:
    """``value`` with every handle replaced by this side's raw id (dataclasses rebuilt).

    A handle to a call that failed on this side raises ``CaseAborted`` through
    ``CallFailed``, exactly as a hand-written case using a failed result would.
    """
    if isinstance(value, Handle):
        entity = seeded[value.origin] if isinstance(value.origin, str) else results[value.origin]
        return entity.id
    if isinstance(value, Unknown):
        return value.raw
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: resolve(getattr(value, f.name), seeded, results)
            for f in dataclasses.fields(value)
        }
        return dataclasses.replace(value, **changes)
    if isinstance(value, list):
        return [resolve(v, seeded, results) for v in value]
    if isinstance(value, tuple):
        return tuple(resolve(v, seeded, results) for v in value)
    return value


def perform(run: Run, call: ProgramCall, results: list[Any]) -> Any:
    """Make ``call`` on ``run`` (handles resolved), append and return its result."""
    args = resolve(call.args, run.seeded, results)
    kwargs = resolve(dict(call.kwargs), run.seeded, results)
    if call.drain_limit is not None:
        result = run.drain(call.method, *args, limit=call.drain_limit, **kwargs)
    else:
        result = run.call(call.method, *args, **kwargs)
    results.append(result)
    return result


def replay(program: Program) -> Callable[[Run], None]:
    """A case function that makes the program's calls in order."""

    def body(run: Run) -> None:
        results: list[Any] = []
        for call in program.calls:
            perform(run, call, results)

    return body


__all__ = ["Handle", "Program", "ProgramCall", "Unknown", "perform", "replay", "resolve"]
