"""PyMySQL connections that report every statement they send to ``on_request``, and, given
a cost sink, what each statement cost to ``on_cost``.

Imported only when a MySQL backend is opened (it imports PyMySQL).

``CountingConnection`` overrides ``query`` (every cursor class sends its statements
through it: ``execute``, ``executemany`` batches, ``callproc``) and the methods that send
SQL of their own (``begin``, ``commit``, ``rollback``, ``autocommit`` when it changes the
mode, ``show_warnings``). Each reports its SQL verb once. Connection setup (``SET NAMES``,
``sql_mode``, ``init_command``, the initial autocommit mode, a reconnect) is not counted:
it is the driver's, not the repositories'.

With an ``on_cost`` sink (anything but ``ignore_cost``) each reported request also gives
one ``RequestCost`` after it has run: for a statement sent through ``query``, the session
status counters read before and after it (``harness.cost.mysql_cost``; the readings are
sent on this connection but neither counted nor costed, and the driver's view of the
statement's result, ``cursor.rowcount``, ``lastrowid``, ``insert_id()``, is kept). Without
a sink nothing extra is sent. docs/cost-mysql.md describes what is measured.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import pymysql.connections
from pymysql.constants import COMMAND

from harness.cost.events import CostSink, RequestCost, ignore_cost
from harness.cost.mysql_cost import (
    STATUS_QUERY,
    counter_delta,
    measured_cost,
    parse_status,
    rowless_cost,
    statement_counters,
    status_overhead,
    unmeasured_cost,
)
from harness.storage.statements import statement_verb

OnRequest = Callable[[str], None]

if TYPE_CHECKING:
    _Connection = pymysql.connections.Connection[Any]
else:  # generic only in the type stubs
    _Connection = pymysql.connections.Connection

_CLIENT_ERRORS = 2000
"""MySQL error numbers from 2000 are the client's (connection lost ...), below the server's."""

_OVERHEAD_READINGS = 3
"""Consecutive status readings taken to measure what one reading costs (two deltas)."""


class CountingConnection(_Connection):
    """A PyMySQL connection calling ``on_request(verb)`` once per statement it sends and,
    with a sink, ``on_cost(RequestCost)`` once per statement after it has run."""

    def __init__(
        self, *, on_request: OnRequest, on_cost: CostSink | None = None, **kwargs: Any
    ) -> None:
        self._on_request = on_request
        self._counting = False  # connect() runs inside __init__: setup is not counted
        self._meter = (
            StatusMeter(self, on_cost)
            if on_cost is not None and on_cost is not ignore_cost  # no sink: nothing extra sent
            else None
        )
        super().__init__(**kwargs)
        self._counting = True

    def connect(self, sock: Any = None) -> None:
        """Connect (or reconnect); the setup statements are not counted."""
        counting, self._counting = self._counting, False
        if self._meter is not None:
            self._meter.forget()  # a new session: new counters
        try:
            super().connect(sock)
        finally:
            self._counting = counting

    def query(self, sql: Any, unbuffered: bool = False) -> int:
        """Send one statement (what every cursor calls), reporting its verb (and its cost)."""
        verb = statement_verb(sql)
        self._report(verb)
        if self._meter is None or not self._counting:
            return self._send(sql, unbuffered)
        return self._meter.statement(
            verb, lambda: self._send(sql, unbuffered), unbuffered=unbuffered
        )

    def _send(self, sql: Any, unbuffered: bool) -> int:
        """PyMySQL's ``query``: send the statement, read its result."""
        return int(super().query(sql, unbuffered))

    def begin(self) -> None:
        """``BEGIN``."""
        self._report("BEGIN")
        self._rowless("BEGIN", super().begin)

    def commit(self) -> None:
        """``COMMIT``."""
        self._report("COMMIT")
        self._rowless("COMMIT", super().commit)

    def rollback(self) -> None:
        """``ROLLBACK``."""
        self._report("ROLLBACK")
        self._rowless("ROLLBACK", super().rollback)

    def autocommit(self, value: Any) -> None:
        """``SET AUTOCOMMIT`` (reported only when the mode changes, as only then is it sent)."""
        if bool(value) != self.get_autocommit():
            self._report("SET")
            self._rowless("SET", lambda: super(CountingConnection, self).autocommit(value))
        else:
            super().autocommit(value)

    def show_warnings(self) -> Any:
        """``SHOW WARNINGS``."""
        self._report("SHOW")
        meter = self._meter if self._counting else None
        if meter is None:
            return super().show_warnings()  # type: ignore[no-untyped-call]
        start = time.perf_counter()
        rows: Any = ()
        try:
            meter.raise_if_lost()
            rows = super().show_warnings()  # type: ignore[no-untyped-call]
        finally:  # refused or not, it was a request
            why = "SHOW WARNINGS reads the diagnostics area, not a table"
            seconds = time.perf_counter() - start
            meter.emit(rowless_cost("SHOW", seconds=seconds, rows_sent=len(rows or ()), why=why))
        return rows

    def _report(self, verb: str) -> None:
        if self._counting:
            self._on_request(verb)

    def _rowless(self, verb: str, send: Callable[[], None]) -> None:
        """Send a transaction-control statement; with a sink, report it as reading no rows."""
        if self._meter is None or not self._counting:
            send()
            return
        start = time.perf_counter()
        try:
            self._meter.raise_if_lost()
            send()
        finally:  # refused or not, it was a request
            self._meter.emit(
                rowless_cost(
                    verb,
                    seconds=time.perf_counter() - start,
                    why="transaction control reads no table rows",
                )
            )


class StatusMeter:
    """The session status readings of one ``CountingConnection``, and the costs from them.

    It keeps the latest reading: the one taken after a statement is the one before the
    next, so a statement usually costs one status query (two after anything it could not
    measure). The first use on a session also measures what a reading itself adds to the
    counters (``status_overhead``), which every statement's counters are net of.
    """

    def __init__(self, connection: CountingConnection, on_cost: CostSink) -> None:
        self._connection = connection
        self._on_cost = on_cost
        self._last: dict[str, int] | None = None
        self._overhead: dict[str, int] | None = None
        self._lost: pymysql.MySQLError | None = None

    def forget(self) -> None:
        """Drop the readings and the overhead (a new session starts from scratch)."""
        self._last = None
        self._overhead = None
        self._lost = None

    def raise_if_lost(self) -> None:
        """Raise what losing the connection raised, if a reading after the last statement
        lost it: the next statement would have met that error itself, not the driver's
        ``InterfaceError`` for a connection already known to be closed."""
        lost, self._lost = self._lost, None
        if lost is not None and not self._is_open():
            raise type(lost)(*lost.args)

    def emit(self, cost: RequestCost) -> None:
        """Hand ``cost`` to the sink."""
        self._on_cost(cost)

    def statement(self, verb: str, send: Callable[[], int], *, unbuffered: bool) -> int:
        """Run ``send`` (the statement) between two readings and report its cost."""
        try:
            self.raise_if_lost()
            ready = not unbuffered and self._ready()
        except pymysql.MySQLError:  # the connection is gone: so would the statement be
            self.emit(unmeasured_cost(verb, "the connection was lost", seconds=0.0))
            raise
        if unbuffered:
            return self._unmeasured(verb, send, "an unbuffered result is still being read")
        if not ready:
            return self._unmeasured(verb, send, "the status counters could not be read")
        before = self._last
        self._last = None
        start = time.perf_counter()
        try:
            affected = send()
        except pymysql.MySQLError as exc:
            self._after_error(verb, before, exc, time.perf_counter() - start)
            raise
        except BaseException:  # interrupted mid-read: the session is the driver's to mend
            reason = "the statement was interrupted"
            self.emit(unmeasured_cost(verb, reason, seconds=time.perf_counter() - start))
            raise
        seconds = time.perf_counter() - start
        self._after(verb, before, seconds)
        return affected

    def _unmeasured(self, verb: str, send: Callable[[], int], reason: str) -> int:
        """Run ``send`` without readings; report its figures as unknown."""
        self._last = None
        start = time.perf_counter()
        try:
            return send()
        finally:
            self.emit(unmeasured_cost(verb, reason, seconds=time.perf_counter() - start))

    def _ready(self) -> bool:
        """Whether there is a reading to start from (taking one, and the overhead, if not)."""
        if self._last is not None:
            return True
        if self._overhead is None:
            readings = [self._read() for _ in range(_OVERHEAD_READINGS)]
            if any(reading is None for reading in readings):
                return False
            taken = [reading for reading in readings if reading is not None]
            deltas = [counter_delta(a, b) for a, b in pairwise(taken)]
            self._overhead = status_overhead(deltas)
            self._last = taken[-1]
        else:
            self._last = self._read()
        return self._last is not None

    def _after(self, verb: str, before: dict[str, int] | None, seconds: float) -> None:
        """Report a statement that ran: from the readings, or unmeasured if it left results
        the driver has still to read (another reading now would consume them)."""
        result = self._connection_result()
        if result is None or result.has_next or result.unbuffered_active:
            self.emit(unmeasured_cost(verb, "more results are pending", seconds=seconds))
            return
        after = self._read(keep_result=True, lost_ok=True)
        if before is None or after is None or self._overhead is None:
            reason = "the status counters could not be read"
            self.emit(unmeasured_cost(verb, reason, seconds=seconds))
            return
        self._last = after
        rows = result.rows
        self.emit(
            measured_cost(
                verb,
                statement_counters(before, after, self._overhead),
                rows_sent=len(rows) if rows is not None else 0,
                rows_affected=None if rows is not None else result.affected_rows,
                seconds=seconds,
            )
        )

    def _after_error(
        self, verb: str, before: dict[str, int] | None, exc: pymysql.MySQLError, seconds: float
    ) -> None:
        """Report a statement the server refused: measured if the session is still usable."""
        errno = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
        usable = errno is not None and 0 < errno < _CLIENT_ERRORS and self._is_open()
        after = self._read(lost_ok=True) if usable else None
        if before is None or after is None or self._overhead is None:
            self.emit(unmeasured_cost(verb, "the statement failed", seconds=seconds))
            return
        self._last = after
        self.emit(
            measured_cost(
                verb,
                statement_counters(before, after, self._overhead),
                rows_sent=0,
                rows_affected=None,
                seconds=seconds,
                error=errno,
            )
        )

    def _read(self, *, keep_result: bool = False, lost_ok: bool = False) -> dict[str, int] | None:
        """One status reading, neither counted nor costed; ``None`` if the server refused
        it. A lost connection is raised unless ``lost_ok`` (before a statement: it could
        not have run either; after one, it did run, and its result is the caller's)."""
        raw: Any = self._connection
        saved = raw._result
        try:
            raw._execute_command(COMMAND.COM_QUERY, STATUS_QUERY)
            result = pymysql.connections.MySQLResult(self._connection)
            result.read()
        except pymysql.MySQLError as exc:
            if self._is_open():
                return None
            if not lost_ok:
                raise
            self._lost = exc
            return None
        finally:
            if keep_result:
                raw._result = saved  # the statement's result stays the driver's last one
        return parse_status(result.rows or ())

    def _connection_result(self) -> pymysql.connections.MySQLResult | None:
        """The driver's result of the last statement."""
        raw: Any = self._connection
        result: pymysql.connections.MySQLResult | None = raw._result
        return result

    def _is_open(self) -> bool:
        """Whether the connection still has its socket (the driver drops it when lost)."""
        raw: Any = self._connection
        return raw._sock is not None


def counting_connect(
    on_request: OnRequest, on_cost: CostSink | None = None, **kwargs: Any
) -> CountingConnection:
    """Open a ``CountingConnection`` (``kwargs`` as for ``pymysql.connect``)."""
    return CountingConnection(on_request=on_request, on_cost=on_cost, **kwargs)


__all__ = ["CountingConnection", "StatusMeter", "counting_connect"]
