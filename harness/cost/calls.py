"""What one interface call cost on one side: its latency, its requests and what they cost.

The ``Run`` makes one :class:`CallCost` per interface call of a case (``run.call`` or a
whole ``run.drain``), from the requests the storage handles reported while it ran
(:class:`harness.cost.events.RequestCost`); seeding and the end-of-case snapshot are not
counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from harness.cost.events import RequestCost

__all__ = ["CallCost", "CallMeter", "call_cost"]


@dataclass(frozen=True)
class CallCost:
    """One interface call's cost on one side."""

    method: str
    seconds: float
    requests: int
    read_units: float = 0.0
    write_units: float = 0.0
    reported_read_units: float | None = None
    reported_write_units: float | None = None
    items_read: int = 0
    rows_examined: int | None = None
    rows_sent: int | None = None
    full_scans: int = 0

    def to_json(self) -> dict[str, Any]:
        """The call as report data (floats rounded for stable files)."""
        return {
            "method": self.method,
            "seconds": round(self.seconds, 6),
            "requests": self.requests,
            "read_units": round(self.read_units, 3),
            "write_units": round(self.write_units, 3),
            "reported_read_units": _rounded(self.reported_read_units),
            "reported_write_units": _rounded(self.reported_write_units),
            "items_read": self.items_read,
            "rows_examined": self.rows_examined,
            "rows_sent": self.rows_sent,
            "full_scans": self.full_scans,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CallCost:
        """Read back :meth:`to_json`'s form."""
        return cls(
            method=str(data["method"]),
            seconds=float(data["seconds"]),
            requests=int(data["requests"]),
            read_units=float(data.get("read_units") or 0),
            write_units=float(data.get("write_units") or 0),
            reported_read_units=_optional(data.get("reported_read_units")),
            reported_write_units=_optional(data.get("reported_write_units")),
            items_read=int(data.get("items_read") or 0),
            rows_examined=_optional_int(data.get("rows_examined")),
            rows_sent=_optional_int(data.get("rows_sent")),
            full_scans=int(data.get("full_scans") or 0),
        )


def call_cost(
    method: str, seconds: float, requests: int, events: Iterable[RequestCost]
) -> CallCost:
    """A call's cost from the requests it made (``requests`` counts them all, even those a
    handle reported no cost for)."""
    events = list(events)
    reported_reads = [e.reported_read_units for e in events if e.reported_read_units is not None]
    reported_writes = [e.reported_write_units for e in events if e.reported_write_units is not None]
    examined = [e.rows_examined for e in events if e.rows_examined is not None]
    sent = [e.rows_sent for e in events if e.rows_sent is not None]
    return CallCost(
        method=method,
        seconds=seconds,
        requests=requests,
        read_units=sum(e.read_units for e in events),
        write_units=sum(e.write_units for e in events),
        reported_read_units=sum(reported_reads) if reported_reads else None,
        reported_write_units=sum(reported_writes) if reported_writes else None,
        items_read=sum(e.items_read for e in events),
        rows_examined=sum(examined) if examined else None,
        rows_sent=sum(sent) if sent else None,
        full_scans=sum(1 for e in events if e.full_scan),
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _optional(value: object) -> float | None:
    return None if value is None else float(str(value))


def _optional_int(value: object) -> int | None:
    return None if value is None else int(str(value))


SESSION_LABELS = frozenset({"SET"})
"""Request labels that only set session state (MySQL's ``SET AUTOCOMMIT``...): whether one
is sent depends on what the pooled connection's previous user left, not on the call, so
they are not counted in a call's cost (they stay in the side's ``requests``)."""


class CallMeter:
    """Collects one side's request costs (its ``sink`` is ``Determinism.on_cost``) and
    turns them into one :class:`CallCost` per interface call the ``Run`` makes."""

    def __init__(
        self, requests: Mapping[str, int], uncounted: frozenset[str] = SESSION_LABELS
    ) -> None:
        self._requests = requests
        self._uncounted = uncounted
        self._events: list[RequestCost] = []
        self.calls: list[CallCost] = []

    def sink(self, cost: RequestCost) -> None:
        """Record one request's cost."""
        self._events.append(cost)

    def mark(self) -> tuple[int, int]:
        """Where the requests and costs stand before a call."""
        return self._counted(), len(self._events)

    def _counted(self) -> int:
        return sum(n for label, n in self._requests.items() if label not in self._uncounted)

    def finish(self, method: str, seconds: float, mark: tuple[int, int]) -> None:
        """Record the call that started at ``mark``."""
        requests, events = mark
        self.calls.append(
            call_cost(
                method,
                seconds,
                self._counted() - requests,
                [e for e in self._events[events:] if e.operation not in self._uncounted],
            )
        )
