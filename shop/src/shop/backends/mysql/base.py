"""What every MySQL repository shares: the database, the clock, the cursor codec."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from shop.clock import Clock, to_millis
from shop.cursors import CursorCodec
from shop.domain import UNSET

from .database import Database


class Moment:
    """ "Now" for one repository call: the clock is read on first use, then remembered.

    Calls read the clock only once their checks have passed (as the memory reference
    does), and a retried transaction reuses the same moment, so a deterministic clock
    advances exactly as it does on the reference backend.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._value: datetime | None = None

    def __call__(self) -> datetime:
        if self._value is None:
            self._value = to_millis(self._clock.now())
        return self._value


class MySQLRepository:
    """Base of the five MySQL repositories."""

    def __init__(self, db: Database, clock: Clock, cursors: CursorCodec) -> None:
        self._db = db
        self._clock = clock
        self._cursors = cursors

    def _moment(self) -> Moment:
        return Moment(self._clock)


def set_fields(changes: Any) -> dict[str, Any]:
    """The fields of a ``*Changes`` object that are not ``UNSET``."""
    return {
        f.name: getattr(changes, f.name)
        for f in dataclasses.fields(changes)
        if getattr(changes, f.name) is not UNSET
    }
