"""``Run``: what a case function drives, recording every call and its outcome."""

from __future__ import annotations

import inspect
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from harness.cost.calls import CallMeter
from harness.determinism import DeterministicClock
from harness.target import DEFAULT_PAGING, Paging

RETURNED = "returned"
RAISED = "raised"
CRASHED = "crashed"


class CallFailed:
    """What ``Run.call`` returns when the call raised: the error, for the case to inspect.

    Using it as if it were the result (``failed.id``) aborts the rest of the case on that
    side, which is itself observed and compared.
    """

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def __getattr__(self, name: str) -> Any:
        raise CaseAborted(f"used a result of a call that raised {type(self.error).__name__}")

    def __repr__(self) -> str:
        return f"CallFailed({self.error!r})"


class CaseAborted(Exception):
    """The case could not go on on this side (it used the result of a failed call)."""


class Truncated(BaseException):
    """The run stopped on purpose after its n-th write (prefix replay, to find which write
    made two backends' states part). A ``BaseException``, so that code under test which
    catches ``Exception`` cannot swallow it."""


@dataclass(frozen=True)
class Step:
    """One observed call: what was called with what, and what came back."""

    call: str
    args: Mapping[str, Any]
    outcome: str
    value: Any
    drained: bool = False


class Run:
    """Drives one case on one backend's repository set and records what happened."""

    def __init__(
        self,
        repositories: Any,
        interfaces: Mapping[str, type],
        domain_errors: tuple[type[BaseException], ...],
        clock: DeterministicClock,
        seeded: Mapping[str, Any],
        nonce: str = "",
        *,
        write_methods: frozenset[str] = frozenset(),
        stop_after_writes: int | None = None,
        paging: Paging = DEFAULT_PAGING,
        meter: CallMeter | None = None,
    ) -> None:
        self.repositories = repositories
        self.meter = meter
        """Records each call's latency and cost (the case's own run has one; seeding not)."""
        self.paging = paging
        """How ``drain`` pages through listings (the target's ``paging``)."""
        self.seeded = seeded
        self.steps: list[Step] = []
        self.called: set[str] = set()
        self._interfaces = interfaces
        self._domain_errors = domain_errors
        self._clock = clock
        self.nonce = nonce
        self.call_seconds = 0.0
        """Time spent inside the interface calls themselves (the rest is the harness's)."""
        self.writes = 0
        """How many write calls (``write_methods``) were made so far."""
        self._write_methods = write_methods
        self._stop_after_writes = stop_after_writes

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Call ``repo.method`` with these arguments; record and return its result.

        A documented (domain) error is recorded and returned as ``CallFailed``; any other
        exception is recorded as a crash and also returned as ``CallFailed``.
        """
        function, bound = self._bind(method, args, kwargs)
        self._clock.advance()
        self.called.add(method)
        mark = self.meter.mark() if self.meter else (0, 0)
        started = time.perf_counter()
        try:
            value = function(*args, **kwargs)
        except self._domain_errors as error:
            self._timed(method, started, mark)
            self._record(method, bound, RAISED, error)
            self._count_write(method)
            return CallFailed(error)
        except Exception as error:  # a crash is an observation, not a harness failure
            self._timed(method, started, mark)
            self._record(method, bound, CRASHED, error)
            self._count_write(method)
            return CallFailed(error)
        self._timed(method, started, mark)
        self._record(method, bound, RETURNED, value)
        self._count_write(method)
        return value

    def _timed(self, method: str, started: float, mark: tuple[int, int]) -> None:
        seconds = time.perf_counter() - started
        self.call_seconds += seconds
        if self.meter is not None:
            self.meter.finish(method, seconds, mark)

    def _count_write(self, method: str) -> None:
        if method not in self._write_methods:
            return
        self.writes += 1
        if self._stop_after_writes is not None and self.writes >= self._stop_after_writes:
            raise Truncated(f"stopped after write {self.writes} ({method})")

    def drain(self, method: str, *args: Any, limit: int, **kwargs: Any) -> list[Any]:
        """Follow a listing's cursors to the end; record the concatenation and page sizes.

        Pages are requested and read the way the target's ``paging`` says (by default
        ``limit=``/``cursor=`` in, ``.items``/``.next_cursor`` out). Cursor strings are
        never compared, only the items and how many came per page.
        """
        paging = self.paging
        function, bound = self._bind(method, args, {**kwargs, paging.limit: limit})
        self.called.add(method)
        items: list[Any] = []
        sizes: list[int] = []
        mark = self.meter.mark() if self.meter else (0, 0)
        drain_seconds = self.call_seconds
        try:
            return self._drain_pages(method, args, kwargs, function, bound, limit, items, sizes)
        finally:
            if self.meter is not None:
                self.meter.finish(method, self.call_seconds - drain_seconds, mark)

    def _drain_pages(
        self,
        method: str,
        args: tuple[Any, ...],
        kwargs: Mapping[str, Any],
        function: Any,
        bound: dict[str, Any],
        limit: int,
        items: list[Any],
        sizes: list[int],
    ) -> list[Any]:
        paging = self.paging
        cursor = None
        while True:
            self._clock.advance()
            started = time.perf_counter()
            try:
                page = function(*args, **{paging.limit: limit, paging.cursor: cursor}, **kwargs)
                page_items = list(paging.member(page, paging.items))
                cursor = paging.member(page, paging.next_cursor)
            except self._domain_errors as error:
                self._record(method, bound, RAISED, error, drained=True)
                return items
            except Exception as error:
                self._record(method, bound, CRASHED, error, drained=True)
                return items
            finally:
                self.call_seconds += time.perf_counter() - started
            items.extend(page_items)
            sizes.append(len(page_items))
            if cursor is None or len(sizes) > 1000:
                break
        self._record(method, bound, RETURNED, {"items": items, "page_sizes": sizes}, drained=True)
        return items

    def unique(self, text: str) -> str:
        """``text`` made unique to this run (emails get ``+<nonce>``, names `` <nonce>``).

        Use it for data that must not collide with earlier runs on a long-lived
        deployment; the nonce is replaced by ``{run}`` before comparing, so both sides
        still compare equal.
        """
        if not self.nonce:
            return text
        local, at, domain = text.partition("@")
        return f"{local}+{self.nonce}@{domain}" if at else f"{text} {self.nonce}"

    def freeze_clock(self, frozen: bool = True) -> None:
        """Keep the clock on one instant across calls (to create ties), or let it move again."""
        self._clock.freeze(frozen)

    def _bind(
        self, method: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]
    ) -> tuple[Any, dict[str, Any]]:
        attribute, _, name = method.partition(".")
        protocol = self._interfaces.get(attribute)
        if protocol is None or not callable(getattr(protocol, name, None)):
            raise TypeError(f"run.call: {method!r} is not a method of the target's interfaces")
        signature = inspect.signature(getattr(protocol, name))
        try:
            bound = signature.bind(None, *args, **kwargs)
        except TypeError as error:
            raise TypeError(f"run.call({method!r}): {error}") from None
        arguments = dict(bound.arguments)
        arguments.pop(next(iter(signature.parameters)), None)
        return getattr(getattr(self.repositories, attribute), name), arguments

    def _record(
        self, method: str, args: Mapping[str, Any], outcome: str, value: Any, drained: bool = False
    ) -> None:
        self.steps.append(Step(method, args, outcome, value, drained))
