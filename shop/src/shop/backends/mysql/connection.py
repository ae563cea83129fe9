"""PyMySQL connections: how they are opened, and one per thread, closed when it ends.

Every connection is opened the same way: utf8mb4, autocommit (multi-statement work opens
explicit transactions), UTC session time zone, strict SQL mode, READ COMMITTED isolation,
a short lock wait and client-side timeouts, so that a dead server cannot hang a caller.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

import pymysql
from pymysql.constants import CLIENT
from pymysql.cursors import DictCursor

from shop.settings import MySQLSettings

log = logging.getLogger(__name__)

Connection: TypeAlias = "pymysql.connections.Connection[DictCursor]"

Opener: TypeAlias = "Callable[..., pymysql.connections.Connection[Any]]"
"""Opens a connection from ``pymysql.connect``'s keyword arguments (the default is
``pymysql.connect``; a test harness may pass one whose connections count statements)."""

SQL_MODE = (
    "STRICT_TRANS_TABLES,STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
    "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,ONLY_FULL_GROUP_BY"
)
INIT_COMMAND = (
    f"SET time_zone = '+00:00', sql_mode = '{SQL_MODE}', "
    "innodb_lock_wait_timeout = 10, lock_wait_timeout = 10"
)
"""Sent by PyMySQL right after connecting (a constant: no value is ever formatted in).
Row and metadata lock waits give up after 10 s, well inside the 30 s read timeout."""

ISOLATION = "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED"
"""READ COMMITTED: every statement sees the latest committed data and InnoDB takes no gap
locks, so concurrent carts and orders do not deadlock on index gaps. Invariants that
need more are protected by locking reads (``FOR UPDATE``) and unique/foreign keys."""


@dataclass(frozen=True)
class Timeouts:
    """Client-side limits, in seconds."""

    connect: int = 10
    read: int = 30
    write: int = 30
    idle_ping: float = 10.0
    """A connection idle for longer is pinged before use (servers drop idle clients)."""


DEFAULT_TIMEOUTS = Timeouts()


def connect(
    settings: MySQLSettings,
    timeouts: Timeouts = DEFAULT_TIMEOUTS,
    *,
    opener: Opener | None = None,
) -> Connection:
    """A new session-configured connection to ``settings``' database, opened by ``opener``
    (``pymysql.connect`` by default) with the keyword arguments below."""
    connection: Connection = (opener or pymysql.connect)(
        host=settings.host,
        port=settings.port,
        user=settings.user,
        password=settings.password,
        database=settings.database,
        unix_socket=settings.unix_socket,
        charset="utf8mb4",
        autocommit=True,
        init_command=INIT_COMMAND,
        connect_timeout=timeouts.connect,
        read_timeout=timeouts.read,
        write_timeout=timeouts.write,
        # UPDATE reports the rows it matched, not only those it changed, so "0 rows"
        # always means "no such row" even when the new values equal the old ones.
        client_flag=CLIENT.FOUND_ROWS,
        cursorclass=DictCursor,
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(ISOLATION)
    except BaseException:
        _close_quietly(connection)
        raise
    return connection


class _Slot:
    """A thread's connection; dropped (and its connection closed) when the thread ends."""

    __slots__ = ("__weakref__", "connection", "last_used")

    def __init__(self) -> None:
        self.connection: Connection | None = None
        self.last_used = 0.0


class ClosedError(Exception):
    """The connections were closed (``RepositorySet.close()``); nothing more may be run."""


class ThreadConnections:
    """One lazily opened connection per thread.

    A connection is only ever used by the thread that opened it (PyMySQL connections are
    not thread-safe). When a thread ends, its connection is closed, so pools of
    short-lived threads do not pile up connections; ``close_all`` closes the rest.
    """

    def __init__(
        self,
        settings: MySQLSettings,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        *,
        opener: Opener | None = None,
    ) -> None:
        self._settings = settings
        self._timeouts = timeouts
        self._opener = opener
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: dict[int, Connection] = {}
        self._closed = False

    def acquire(self) -> Connection:
        """This thread's connection, opened (or re-opened) when needed.

        Raises PyMySQL's errors when the server cannot be reached, ``ClosedError`` after
        ``close_all``.
        """
        if self._closed:
            raise ClosedError("the MySQL repositories were closed")
        slot = self._slot()
        now = time.monotonic()
        if slot.connection is not None and now - slot.last_used > self._timeouts.idle_ping:
            try:
                slot.connection.ping(reconnect=False)
            except pymysql.MySQLError:
                log.info("mysql connection went stale while idle; reconnecting")
                self.discard()
        if slot.connection is None:
            connection = connect(self._settings, self._timeouts, opener=self._opener)
            if not self._register(id(slot), connection):
                _close_quietly(connection)
                raise ClosedError("the MySQL repositories were closed")
            slot.connection = connection
        slot.last_used = now
        return slot.connection

    def _register(self, key: int, connection: Connection) -> bool:
        with self._lock:
            if self._closed:
                return False
            self._open[key] = connection
            return True

    def discard(self) -> None:
        """Close and forget this thread's connection (after it failed)."""
        slot = self._slot()
        connection, slot.connection = slot.connection, None
        if connection is not None:
            with self._lock:
                self._open.pop(id(slot), None)
            _close_quietly(connection)

    def close_all(self) -> None:
        """Close every connection; later ``acquire`` calls raise ``ClosedError``."""
        with self._lock:
            self._closed = True
            connections = list(self._open.values())
            self._open.clear()
        for connection in connections:
            _close_quietly(connection)

    def open_count(self) -> int:
        """How many connections are open (for diagnostics and tests)."""
        with self._lock:
            return len(self._open)

    def _slot(self) -> _Slot:
        slot: _Slot | None = getattr(self._local, "slot", None)
        if slot is None:
            slot = _Slot()
            self._local.slot = slot
            weakref.finalize(slot, self._thread_ended, id(slot))
        return slot

    def _thread_ended(self, key: int) -> None:
        with self._lock:
            connection = self._open.pop(key, None)
        if connection is not None:
            _close_quietly(connection)


def _close_quietly(connection: Connection) -> None:
    """Close ``connection`` unless it is closed already (PyMySQL raises on a second close)."""
    if connection.open:
        with contextlib.suppress(pymysql.MySQLError, OSError):
            connection.close()
