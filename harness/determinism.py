"""What a backend is built with so that two runs of one case can be compared exactly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from harness.cost.events import CostSink, ignore_cost


class DeterministicClock:
    """The clock the harness hands a backend: one instant per call, advanced between calls.

    Every ``now()`` within one interface call returns the same instant, however many
    times a backend asks, so two backends see identical timestamps. ``freeze()`` stops the
    advance (to make ties on purpose); ``advance()`` is called by the harness between calls.
    """

    def __init__(self, start: datetime = datetime(2026, 1, 1, tzinfo=UTC)) -> None:
        self._now = start
        self._frozen = False

    def now(self) -> datetime:
        """The current instant (UTC, millisecond precision)."""
        return self._now

    def advance(self, step: timedelta = timedelta(milliseconds=1)) -> None:
        """Move to the next instant unless frozen."""
        if not self._frozen:
            self._now += step

    def freeze(self, frozen: bool = True) -> None:
        """Stop (or restart) the clock's advance between calls."""
        self._frozen = frozen


class SequentialIds:
    """Ids ``0000000001``, ``0000000002``, ... for backends that take ids from outside."""

    def __init__(self, issued: int = 0) -> None:
        self._issued = issued

    @property
    def issued(self) -> int:
        """How many ids were handed out (to continue from the same point later)."""
        return self._issued

    def new_id(self) -> str:
        """The next id."""
        self._issued += 1
        return f"{self._issued:010d}"


class ClockLike(Protocol):
    """Anything with ``now()`` giving an aware UTC datetime."""

    def now(self) -> datetime:
        """The current instant."""
        ...


class IdSource(Protocol):
    """Anything handing out new ids: ``new_id()`` gives the next one as a string.

    ``Determinism.ids`` is a ``SequentialIds``, which also says how many it ``issued``
    (so a saved state can continue from the same point).
    """

    def new_id(self) -> str:
        """The next id."""
        ...


@dataclass(frozen=True)
class Determinism:
    """What a backend is built with so that two runs of one case can be compared exactly.

    ``clock`` gives every timestamp (one instant per interface call), ``ids`` every id a
    backend issues itself, and ``on_request(label)`` is called once per datastore request
    (Parity's storage helpers call it for you; a hand-written factory calls it itself).
    """

    clock: ClockLike = field(default_factory=DeterministicClock)
    ids: SequentialIds = field(default_factory=SequentialIds)
    on_request: Callable[[str], None] = field(default=lambda label: None)
    on_cost: CostSink = field(default=ignore_cost)
    """Called once per datastore request with what it cost (``harness.cost``); Parity's
    storage helpers call it for you."""
