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


def map_references(value: Any, leaf: Callable[[Handle | Unknown], Any]) -> Any:
    """``value`` rebuilt with every ``Handle`` and ``Unknown`` in it (inside dataclasses,
    lists, tuples and dicts, at any depth) replaced by ``leaf(reference)``."""
    if isinstance(value, Handle | Unknown):
        return leaf(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: map_references(getattr(value, f.name), leaf) for f in dataclasses.fields(value)
        }
        return dataclasses.replace(value, **changes)
    if isinstance(value, list):
        return [map_references(v, leaf) for v in value]
    if isinstance(value, tuple):
        return tuple(map_references(v, leaf) for v in value)
    if isinstance(value, dict):
        return {k: map_references(v, leaf) for k, v in value.items()}
    return value


def resolve(value: Any, seeded: Mapping[str, Any], results: Sequence[Any]) -> Any:
    """``value`` with every handle replaced by this side's raw id (dataclasses rebuilt).

    A handle to a call that failed on this side raises ``CaseAborted`` through
    ``CallFailed``, exactly as a hand-written case using a failed result would.
    """

    def raw(reference: Handle | Unknown) -> Any:
        if isinstance(reference, Unknown):
            return reference.raw
        origin = reference.origin
        return (seeded[origin] if isinstance(origin, str) else results[origin]).id

    return map_references(value, raw)


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


__all__ = [
    "Handle",
    "Program",
    "ProgramCall",
    "Unknown",
    "map_references",
    "perform",
    "replay",
    "resolve",
]
