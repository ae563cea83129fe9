"""Where repositories get the time and new ids, so a test can make a run repeatable."""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class Clock(Protocol):
    """Gives the current time."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class IdSource(Protocol):
    """Gives fresh ids, each greater (as a string) than the ones before it."""

    def new_id(self) -> str:
        """A new unique id."""
        ...


def to_millis(moment: datetime) -> datetime:
    """``moment`` in UTC, truncated to whole milliseconds (the precision every backend keeps)."""
    if moment.tzinfo is None:
        raise ValueError(f"expected a timezone-aware datetime, got naive {moment!r}")
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


class SystemClock:
    """The real UTC time, at millisecond precision."""

    def now(self) -> datetime:
        return to_millis(datetime.now(UTC))


class TickingClock:
    """A deterministic clock: starts at ``start`` and moves ``step`` on every call."""

    def __init__(
        self,
        start: datetime = datetime(2026, 1, 1, tzinfo=UTC),
        step: timedelta = timedelta(milliseconds=1),
    ) -> None:
        self._next = to_millis(start)
        self._step = step
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            current, self._next = self._next, self._next + self._step
        return current


class FrozenClock:
    """A deterministic clock that always says ``moment`` (to make ties on purpose)."""

    def __init__(self, moment: datetime = datetime(2026, 1, 1, tzinfo=UTC)) -> None:
        self._moment = to_millis(moment)

    def now(self) -> datetime:
        return self._moment


class SortableIds:
    """ULID-style ids: 48-bit milliseconds + 80 bits, monotonic within this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = 0
        self._last_rand = 0

    def new_id(self) -> str:
        with self._lock:
            ms = time.time_ns() // 1_000_000
            if ms <= self._last_ms:
                ms = self._last_ms
                self._last_rand += 1
            else:
                self._last_rand = int.from_bytes(os.urandom(10), "big") >> 1
            self._last_ms = ms
            value = (ms << 80) | (self._last_rand & ((1 << 80) - 1))
        return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


class SequentialIds:
    """Deterministic ids ``0000000001``, ``0000000002``, ... (optionally prefixed)."""

    def __init__(self, prefix: str = "") -> None:
        self._prefix = prefix
        self._issued = 0
        self._lock = threading.Lock()

    def new_id(self) -> str:
        with self._lock:
            self._issued += 1
            n = self._issued
        return f"{self._prefix}{n:010d}"

    def reset(self) -> None:
        """Start again from ``0000000001`` (the e2e apps' test-mode reset)."""
        with self._lock:
            self._issued = 0
