"""Units of work: run repository code on this thread's connection, with retries.

Three kinds of unit:

- ``read``: queries only. Replayed once on a fresh connection if the connection broke.
- ``write``: autocommit statements (each one atomic on its own, e.g. a DELETE whose
  foreign keys cascade). Not replayed after a broken connection: a change may have been
  applied before the answer was lost.
- ``transaction``: ``BEGIN`` ... ``COMMIT``, rolled back on any error. Replayed once on a
  fresh connection if the connection broke before ``COMMIT`` was sent (the server rolls
  back the transaction of a lost connection).

Every kind is retried, up to ``attempts`` in all, after a deadlock (InnoDB rolled the
statement or transaction back) or a ``TransientConflict``. Anything else from the driver
becomes ``Unavailable``, logged once with the operation and table. Domain errors raised by
the unit pass through unchanged (after the rollback).
"""

from __future__ import annotations

import enum
import logging
import secrets
import time
from collections.abc import Callable
from typing import TypeVar

import pymysql

from shop.domain import ShopError, Unavailable
from shop.settings import MySQLSettings

from .connection import DEFAULT_TIMEOUTS, ClosedError, Opener, ThreadConnections, Timeouts
from .errors import (
    Failure,
    IntegrityViolation,
    TransientConflict,
    classify,
    error_code,
    error_message,
)
from .session import OnRequest, Session

log = logging.getLogger(__name__)

T = TypeVar("T")

Work = Callable[[Session], T]


class _Kind(enum.Enum):
    READ = "read"
    WRITE = "write"
    TRANSACTION = "transaction"


class Database:
    """The MySQL database of one repository set: per-thread connections and units of work."""

    def __init__(
        self,
        settings: MySQLSettings,
        on_request: OnRequest | None = None,
        *,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        attempts: int = 3,
        opener: Opener | None = None,
    ) -> None:
        self._connections = ThreadConnections(settings, timeouts, opener=opener)
        self._on_request = on_request
        self._attempts = attempts

    def read(self, operation: str, table: str, work: Work[T]) -> T:
        """Run queries (see the module docstring)."""
        return self._run(operation, table, work, _Kind.READ)

    def write(self, operation: str, table: str, work: Work[T]) -> T:
        """Run autocommit statements (see the module docstring)."""
        return self._run(operation, table, work, _Kind.WRITE)

    def transaction(self, operation: str, table: str, work: Work[T]) -> T:
        """Run ``work`` in one transaction (see the module docstring)."""
        return self._run(operation, table, work, _Kind.TRANSACTION)

    def close(self) -> None:
        """Close every connection; the repositories must not be used afterwards."""
        self._connections.close_all()

    def open_connections(self) -> int:
        """How many connections are open now (for diagnostics and tests)."""
        return self._connections.open_count()

    def connection_id(self) -> int:
        """The server's id of this thread's connection, opened if needed (for diagnostics)."""
        thread_id: Callable[[], int] = self._connections.acquire().thread_id
        return int(thread_id())

    def _run(self, operation: str, table: str, work: Work[T], kind: _Kind) -> T:
        attempt = 0
        while True:
            attempt += 1
            session: Session | None = None
            try:
                session = Session(self._connections.acquire(), self._on_request)
                return self._attempt(session, work, kind)
            except ShopError:
                raise
            except ClosedError as exc:
                raise self._unavailable(operation, table, "closed", str(exc)) from None
            except TransientConflict as exc:
                if attempt < self._attempts:
                    self._pause(operation, table, attempt, f"conflict: {exc}")
                    continue
                raise self._unavailable(operation, table, "conflict", str(exc)) from None
            except IntegrityViolation as exc:
                # A unique or foreign key the repository did not expect to fire: a bug.
                raise self._unavailable(operation, table, "integrity error", str(exc)) from None
            except pymysql.MySQLError as exc:
                failure = classify(exc)
                detail = f"({error_code(exc)}) {error_message(exc)}"
                if failure is Failure.CONNECTION:
                    self._connections.discard()
                if failure is Failure.DEADLOCK and attempt < self._attempts:
                    self._pause(operation, table, attempt, detail)
                    continue
                if (
                    failure is Failure.CONNECTION
                    and attempt == 1
                    and session is not None
                    and _replayable(kind, session)
                ):
                    log.info(
                        "mysql %s on %s: connection lost (%s); replaying", operation, table, detail
                    )
                    continue
                raise self._unavailable(operation, table, failure.value, detail) from None

    def _attempt(self, session: Session, work: Work[T], kind: _Kind) -> T:
        if kind is not _Kind.TRANSACTION:
            return work(session)
        session.begin()
        try:
            result = work(session)
        except BaseException:
            self._rollback(session)
            raise
        try:
            session.commit()
        except pymysql.MySQLError:
            self._rollback(session)
            raise
        return result

    def _rollback(self, session: Session) -> None:
        try:
            session.rollback()
        except pymysql.MySQLError:
            # The connection is broken; the server rolls back when it notices.
            self._connections.discard()

    def _pause(self, operation: str, table: str, attempt: int, detail: str) -> None:
        log.info(
            "mysql %s on %s: attempt %d failed (%s); retrying", operation, table, attempt, detail
        )
        time.sleep((5 * attempt + secrets.randbelow(10 * attempt)) / 1000)

    def _unavailable(self, operation: str, table: str, failure: str, detail: str) -> Unavailable:
        log.error("mysql %s on %s failed: %s: %s", operation, table, failure, detail)
        return Unavailable(operation, f"MySQL {failure} on {table}: {detail}")


def _replayable(kind: _Kind, session: Session) -> bool:
    if kind is _Kind.READ:
        return True
    return kind is _Kind.TRANSACTION and not session.commit_sent
