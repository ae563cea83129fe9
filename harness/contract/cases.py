"""Contract cases: written once, run on any backend.

A case is a function taking a ``Run``; it makes calls on the repository set through
``run.call("users.create", ...)`` (every call and its outcome is observed) and may start
from a named seed dataset. ``@case("users.get_by_email", ...)`` names the interface
methods the case is about; coverage is counted from those names.

    @case("users.get_by_email", seed="small_shop")
    def lookup_ignores_case(run: Run) -> None:
        run.call("users.get_by_email", run.seeded["alice"].email.upper())
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.contract.run import Run

_REGISTRY: dict[str, ContractCase] = {}


@dataclass(frozen=True)
class ContractCase:
    """One registered case: its id, the methods it covers, its seed and its source."""

    id: str
    covers: tuple[str, ...]
    seed: str | None
    function: Callable[[Run], None]
    source: str
    """``path:line`` of the case function."""

    @property
    def description(self) -> str:
        """The case's docstring's first line, or its name as words."""
        doc = inspect.getdoc(self.function)
        if doc:
            return doc.splitlines()[0]
        return self.function.__name__.replace("_", " ")


def case(
    *covers: str, seed: str | None = None
) -> Callable[[Callable[[Run], None]], Callable[[Run], None]]:
    """Register a contract case covering the interface methods named ``repo.method``."""
    if not covers:
        raise TypeError("@case needs at least one 'repository.method' it covers")
    for name in covers:
        if not re.fullmatch(r"[a-z_]+\.[a-z_]+", name):
            raise TypeError(f"@case: expected 'repository.method', got {name!r}")

    def register(function: Callable[[Run], None]) -> Callable[[Run], None]:
        case_id = f"{covers[0]}:{function.__name__.replace('_', '-')}"
        existing = _REGISTRY.get(case_id)
        if existing is not None and (
            existing.function.__module__,
            existing.function.__qualname__,
        ) != (function.__module__, function.__qualname__):
            raise TypeError(
                f"@case: {existing.source} and {function.__module__}.{function.__qualname__} "
                f"both have the id {case_id!r}; rename one function"
            )
        code = function.__code__
        _REGISTRY[case_id] = ContractCase(
            id=case_id,
            covers=tuple(covers),
            seed=seed,
            function=function,
            source=f"{code.co_filename}:{code.co_firstlineno}",
        )
        return function

    return register


def forget_module(module: str) -> None:
    """Drop the cases a module registered (before it is imported again)."""
    for case_id in [k for k, c in _REGISTRY.items() if c.function.__module__ == module]:
        del _REGISTRY[case_id]


def registered_cases(modules: Sequence[str] | None = None) -> list[ContractCase]:
    """The cases registered by ``modules`` (all when ``None``), sorted by id."""
    chosen = [c for c in _REGISTRY.values() if modules is None or c.function.__module__ in modules]
    return sorted(chosen, key=lambda c: c.id)
