"""One datastore request's cost, as the storage handles report it to the run.

The storage handles (``harness.storage``) call ``determinism.on_cost(RequestCost(...))``
once per request their counted connections and clients send (after the response, so the
figures are known); the runner attributes each to the interface call being made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RequestCost:
    """What one request cost.

    DynamoDB: ``read_units``/``write_units`` are computed by Parity from the items the
    request touched (``harness.cost.capacity``, DynamoDB's published rules), whatever the
    server reports; ``reported_*`` are the server's ``ConsumedCapacity`` (``None`` when it
    gave none). MySQL: ``rows_examined``/``rows_sent`` from the session's status counters
    around the statement, ``full_scan`` when it read a table without an index.
    """

    backend: str
    """``"dynamodb"`` or ``"mysql"``."""
    operation: str
    """``"GetItem"``, ``"Query"``...; or the SQL verb (``"SELECT"``)."""
    read_units: float = 0.0
    write_units: float = 0.0
    reported_read_units: float | None = None
    reported_write_units: float | None = None
    items_read: int = 0
    """DynamoDB: items read before any filter (Query/Scan), or got."""
    rows_examined: int | None = None
    rows_sent: int | None = None
    full_scan: bool = False
    """A DynamoDB Scan, or a MySQL statement that read a table without an index."""
    seconds: float = 0.0
    detail: dict[str, Any] = field(default_factory=dict)
    """Anything else worth showing (the table, the index, the statement's digest)."""


CostSink = Callable[[RequestCost], None]


def ignore_cost(cost: RequestCost) -> None:
    """The default sink: record nothing."""
