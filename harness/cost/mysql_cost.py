"""What one MySQL statement cost, from the session's status counters around it.

Pure arithmetic on ``SHOW SESSION STATUS`` readings (no driver): the counted connection
(``harness.storage.mysql_connection``) reads :data:`STATUS_QUERY` before and after each
statement, and this module turns the two readings into a ``RequestCost``:

- ``rows_examined``: MariaDB's ``Rows_read`` delta when the server has that counter (rows
  the storage engines handed to the server, internal temporary tables excluded), else the
  sum of the ``Handler_read_*`` deltas (every row-read request the server made of a
  storage engine; MySQL 8 counts internal temporary tables in them too);
- ``full_scan``: the server counted a join that scanned its first table (``Select_scan``:
  a table scan, or a whole-index scan such as ``ORDER BY id LIMIT n`` with no key
  condition) or joined a table without an index (``Select_full_join``), or an ``UPDATE``
  or ``DELETE`` (which the server runs without a join, so counts no ``Select_*``) read
  rows in table order (``Handler_read_rnd_next``);
- ``rows_sent`` is the client's own count of the rows in the result (see the connection).

A status query may change some of the counters it reads (MySQL 8 serves it from
``performance_schema``; MariaDB 10.11 was measured to move none of these), so the
connection measures that self-cost once per session (:func:`status_overhead` of
consecutive readings with nothing between) and :func:`statement_counters` subtracts it.
docs/cost-mysql.md has the details and the approximations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from harness.cost.events import RequestCost

HANDLER_READS = (
    "Handler_read_first",
    "Handler_read_key",
    "Handler_read_last",
    "Handler_read_next",
    "Handler_read_prev",
    "Handler_read_rnd",
    "Handler_read_rnd_next",
)
"""Row-read requests to a storage engine, on MariaDB and MySQL alike."""

SCAN_COUNTERS = ("Select_scan", "Select_full_join")
"""Joins that scanned their first table / joined a table without an index."""

MARIADB_ROWS = ("Rows_read", "Rows_sent")
"""MariaDB only: rows read from (non-temporary) tables, rows sent to the client."""

STATUS_VARIABLES = (*HANDLER_READS, *SCAN_COUNTERS, *MARIADB_ROWS)
"""Every counter :data:`STATUS_QUERY` reads (a server lacking one just leaves it out)."""

STATUS_QUERY = (
    "SHOW SESSION STATUS WHERE Variable_name IN ("
    + ", ".join(f"'{name}'" for name in STATUS_VARIABLES)
    + ")"
)
"""The reading taken around each statement: one row ``(name, value)`` per counter."""

Counters = Mapping[str, int]

METHOD = "session status"
"""``detail["method"]`` of a measured statement."""


def parse_status(rows: Iterable[Sequence[Any]]) -> dict[str, int]:
    """``{name: value}`` from ``SHOW STATUS`` rows (``(name, value)``, ``str`` or ``bytes``);
    rows whose value is not a whole number are left out."""
    counters: dict[str, int] = {}
    for row in rows:
        if len(row) < 2:
            continue
        name, value = (_text(cell) for cell in row[:2])
        try:
            counters[name] = int(value)
        except ValueError:
            continue
    return counters


def _text(cell: Any) -> str:
    """A result cell as text."""
    if isinstance(cell, bytes | bytearray):
        return bytes(cell).decode("utf-8", "replace")
    return str(cell)


def counter_delta(before: Counters, after: Counters) -> dict[str, int]:
    """``after - before`` for every counter in both readings."""
    return {name: after[name] - before[name] for name in after if name in before}


def status_overhead(deltas: Sequence[Counters]) -> dict[str, int]:
    """What one status query adds to the counters: for each counter, the least of the
    ``deltas`` (each between two consecutive readings with nothing sent between), never
    below zero. The least, because a first reading on a connection may cost more."""
    if not deltas:
        return {}
    names = set(deltas[0]).intersection(*deltas[1:])
    return {name: max(0, min(delta[name] for delta in deltas)) for name in sorted(names)}


def statement_counters(before: Counters, after: Counters, overhead: Counters) -> dict[str, int]:
    """The counters one statement moved: the delta between the readings around it, less
    the status query's own share (``overhead``), never below zero."""
    delta = counter_delta(before, after)
    return {name: max(0, value - overhead.get(name, 0)) for name, value in delta.items()}


def rows_examined(counters: Counters) -> int:
    """Rows the statement examined: ``Rows_read`` where the server counts it (MariaDB),
    else the sum of the ``Handler_read_*`` requests (MySQL)."""
    if "Rows_read" in counters:
        return counters["Rows_read"]
    return sum(counters.get(name, 0) for name in HANDLER_READS)


JOINLESS_VERBS = frozenset({"UPDATE", "DELETE"})
"""Verbs whose single-table form the server runs without a join (no ``Select_*`` counts);
their table scans show as ``Handler_read_rnd_next`` alone. For any other statement that
counter also moves for internal temporary tables (``GROUP BY``), so it is not a scan sign."""


def is_full_scan(verb: str, counters: Counters) -> bool:
    """Whether the statement read a table without an index (see the module docstring)."""
    if any(counters.get(name, 0) > 0 for name in SCAN_COUNTERS):
        return True
    return verb in JOINLESS_VERBS and counters.get("Handler_read_rnd_next", 0) > 0


def server_flavor(counters: Counters) -> str:
    """``"mariadb"`` when the reading has MariaDB's own counters, else ``"mysql"``."""
    return "mariadb" if "Rows_read" in counters else "mysql"


def measured_cost(
    verb: str,
    counters: Counters,
    *,
    rows_sent: int,
    rows_affected: int | None,
    seconds: float,
    error: int | None = None,
) -> RequestCost:
    """The cost of a statement measured by its status counters."""
    detail: dict[str, Any] = {
        "method": METHOD,
        "server": server_flavor(counters),
        "counters": dict(sorted(counters.items())),
    }
    if rows_affected is not None:
        detail["rows_affected"] = rows_affected
    if error is not None:
        detail["error"] = error
    return RequestCost(
        backend="mysql",
        operation=verb,
        rows_examined=rows_examined(counters),
        rows_sent=rows_sent,
        full_scan=is_full_scan(verb, counters),
        seconds=seconds,
        detail=detail,
    )


def unmeasured_cost(verb: str, reason: str, *, seconds: float) -> RequestCost:
    """The cost of a statement whose counters could not be read (figures unknown)."""
    return RequestCost(
        backend="mysql",
        operation=verb,
        seconds=seconds,
        detail={"method": "not measured", "reason": reason},
    )


def rowless_cost(verb: str, *, seconds: float, rows_sent: int = 0, why: str) -> RequestCost:
    """The cost of a request that reads no table rows (``BEGIN``, ``COMMIT``, ``SHOW
    WARNINGS`` ...): nothing examined, its counters not read."""
    return RequestCost(
        backend="mysql",
        operation=verb,
        rows_examined=0,
        rows_sent=rows_sent,
        seconds=seconds,
        detail={"method": "reads no rows", "reason": why},
    )


__all__ = [
    "HANDLER_READS",
    "JOINLESS_VERBS",
    "MARIADB_ROWS",
    "METHOD",
    "SCAN_COUNTERS",
    "STATUS_QUERY",
    "STATUS_VARIABLES",
    "Counters",
    "counter_delta",
    "is_full_scan",
    "measured_cost",
    "parse_status",
    "rowless_cost",
    "rows_examined",
    "server_flavor",
    "statement_counters",
    "status_overhead",
    "unmeasured_cost",
]
