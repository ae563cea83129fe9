"""Classifying PyMySQL errors: which are retryable, which are integrity violations.

Nothing here crosses a repository method: ``Session`` turns integrity errors into the
internal exceptions below (which repositories translate into domain errors), and
``Database`` turns every other driver error into a retry or ``Unavailable``.
"""

from __future__ import annotations

import enum
import re

import pymysql

DUPLICATE_ENTRY = 1062
ROW_IS_REFERENCED = (1451, 1217)
NO_REFERENCED_ROW = (1452, 1216)
DEADLOCK = 1213
LOCK_WAIT_TIMEOUT = 1205
CONNECTION_ERRORS = frozenset(
    {
        1040,  # too many connections
        1053,  # server shutdown in progress
        1927,  # MariaDB: connection was killed
        2002,  # can't connect through socket
        2003,  # can't connect to server
        2006,  # server has gone away
        2013,  # lost connection during query
        2055,  # lost connection (system error)
        4031,  # MySQL: disconnected by the server because of inactivity
    }
)

_KEY_NAME = re.compile(r"for key '(?:[^']*\.)?([^'.]+)'")
_CONSTRAINT_NAME = re.compile(r"CONSTRAINT `([^`]+)`")


class Failure(enum.Enum):
    """What a driver error means for the unit of work that met it."""

    DEADLOCK = "deadlock"
    """The server rolled the transaction back to break a deadlock: retry it."""
    CONNECTION = "connection"
    """The connection is unusable: discard it."""
    LOCK_TIMEOUT = "lock wait timeout"
    """A lock was not granted in time."""
    OTHER = "error"
    """Anything else (a bug, a privilege or schema problem)."""


class IntegrityViolation(Exception):
    """A statement broke a unique key or foreign key (``name`` is the key or constraint)."""

    def __init__(self, code: int, name: str, message: str) -> None:
        super().__init__(f"({code}) {message}")
        self.code = code
        self.name = name


class DuplicateKey(IntegrityViolation):
    """A unique key (``name``) already holds the value (MySQL error 1062)."""


class MissingParent(IntegrityViolation):
    """A foreign key (``name``) points at a row that does not exist (1452)."""


class ParentInUse(IntegrityViolation):
    """A row cannot be deleted while foreign key ``name`` refers to it (1451)."""


class TransientConflict(Exception):
    """Concurrent changes kept invalidating a check: retry the whole unit of work."""


def error_code(exc: BaseException) -> int:
    """The MySQL error number of a PyMySQL error (0 when it carries none)."""
    args = exc.args
    if args and isinstance(args[0], int):
        return args[0]
    return 0


def error_message(exc: BaseException) -> str:
    """The server's message of a PyMySQL error (or the exception text)."""
    args = exc.args
    if len(args) >= 2 and isinstance(args[1], str):
        return args[1]
    return str(exc)


def integrity_violation(exc: pymysql.err.IntegrityError) -> IntegrityViolation | None:
    """The duplicate-key or foreign-key violation ``exc`` reports, or ``None``."""
    code, message = error_code(exc), error_message(exc)
    if code == DUPLICATE_ENTRY:
        match = _KEY_NAME.search(message)
        return DuplicateKey(code, match.group(1) if match else "", message)
    if code in NO_REFERENCED_ROW or code in ROW_IS_REFERENCED:
        match = _CONSTRAINT_NAME.search(message)
        name = match.group(1) if match else ""
        kind = MissingParent if code in NO_REFERENCED_ROW else ParentInUse
        return kind(code, name, message)
    return None


def classify(exc: pymysql.MySQLError) -> Failure:
    """How a unit of work should react to ``exc``."""
    code = error_code(exc)
    if code == DEADLOCK:
        return Failure.DEADLOCK
    if code == LOCK_WAIT_TIMEOUT:
        return Failure.LOCK_TIMEOUT
    if code in CONNECTION_ERRORS or isinstance(exc, pymysql.err.InterfaceError):
        return Failure.CONNECTION
    return Failure.OTHER
