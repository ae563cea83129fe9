"""Running statements on one connection: counting them, translating integrity errors.

Every statement is parameterised (PyMySQL ``%s`` placeholders). The only SQL text built
at run time is a run of placeholders for an ``IN (...)`` list or a ``CASE`` (``expand``):
no value is ever formatted into a statement.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pymysql

from shop.domain import ValidationError

from .connection import Connection
from .errors import integrity_violation
from .rows import Row

OnRequest = Callable[[str], None]

_MARKERS = {
    "{ids}": ("%s", ", "),
    "{pairs}": ("(%s, %s)", ", "),
    "{cases}": ("WHEN %s THEN %s", " "),
}


def expand_ids(sql: str, count: int) -> str:
    """``sql`` with its ``{ids}`` marker replaced by ``count`` (>= 1) ``%s`` placeholders."""
    return expand(sql, ids=count)


def expand(sql: str, *, ids: int = 0, pairs: int = 0, cases: int = 0) -> str:
    """``sql`` with its markers replaced by runs of placeholders: ``{ids}`` by ``ids`` times
    ``%s`` and ``{pairs}`` by ``pairs`` times ``(%s, %s)`` (both comma-separated, for
    ``IN``), ``{cases}`` by ``cases`` times ``WHEN %s THEN %s`` (for ``CASE id {cases}
    END``). A marker is present exactly when its count is >= 1. Only placeholders are
    inserted: the values still travel as parameters."""
    for marker, count in (("{ids}", ids), ("{pairs}", pairs), ("{cases}", cases)):
        if (marker in sql) != (count > 0) or sql.count(marker) > 1:
            raise ValueError(f"expected one {marker} marker with a count >= 1, got count={count}")
        if count:
            piece, separator = _MARKERS[marker]
            sql = sql.replace(marker, separator.join([piece] * count))
    return sql


def verb(sql: str) -> str:
    """The request label of a statement: its SQL verb (a CTE counts as ``SELECT``)."""
    word = sql.lstrip().split(None, 1)[0].upper()
    return "SELECT" if word == "WITH" else word


class Session:
    """Statements on one connection for one unit of work; each is reported to ``on_request``.

    Duplicate-key and foreign-key errors come out as ``DuplicateKey``, ``MissingParent``
    and ``ParentInUse`` (see ``errors``), for the repository to turn into domain errors;
    other driver errors propagate to ``Database``, which owns retries and translation.
    """

    def __init__(self, connection: Connection, on_request: OnRequest | None) -> None:
        self._connection = connection
        self._on_request = on_request
        self.commit_sent = False
        self._last_insert_id = 0

    def rows(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        """All rows of a query."""
        with self._connection.cursor() as cursor:
            self._run(cursor, sql, args)
            return list(cursor.fetchall())

    def row(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        """The first row of a query, or ``None``."""
        found = self.rows(sql, args)
        return found[0] if found else None

    def one(self, sql: str, args: Sequence[Any] = ()) -> Row:
        """The one row of a query that always returns one (e.g. ``SELECT EXISTS (...)``)."""
        found = self.rows(sql, args)
        if len(found) != 1:
            raise RuntimeError(f"expected exactly one row, got {len(found)}")
        return found[0]

    def execute(self, sql: str, args: Sequence[Any] = ()) -> int:
        """Run a change; the number of rows it matched (the connection uses FOUND_ROWS)."""
        with self._connection.cursor() as cursor:
            matched = self._run(cursor, sql, args)
            self._last_insert_id = int(cursor.lastrowid or 0)
            return matched

    def last_insert_id(self) -> int:
        """The value the last ``execute`` reported as its insert id (``LAST_INSERT_ID(expr)``)."""
        return self._last_insert_id

    def insert(self, sql: str, args: Sequence[Any] = ()) -> int:
        """Run an INSERT; the AUTO_INCREMENT key it generated (or ``LAST_INSERT_ID(expr)``)."""
        with self._connection.cursor() as cursor:
            self._run(cursor, sql, args)
            return int(cursor.lastrowid)

    def insert_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """One multi-row INSERT (PyMySQL batches ``executemany`` of ``INSERT ... VALUES``)."""
        if not rows:
            return
        with self._connection.cursor() as cursor:
            self._report(sql)
            with _translated():
                cursor.executemany(sql, rows)

    def begin(self) -> None:
        """Start a transaction."""
        self._report("BEGIN")
        self._connection.begin()

    def commit(self) -> None:
        """Commit; after this is sent the outcome is known only if it answers."""
        self._report("COMMIT")
        self.commit_sent = True
        self._connection.commit()

    def rollback(self) -> None:
        """Roll back the open transaction."""
        self._report("ROLLBACK")
        self._connection.rollback()

    def _run(self, cursor: pymysql.cursors.DictCursor, sql: str, args: Sequence[Any]) -> int:
        self._report(sql)
        with _translated():
            return int(cursor.execute(sql, tuple(args)))

    def _report(self, sql: str) -> None:
        if self._on_request is not None:
            self._on_request(verb(sql))


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    """Turn integrity errors into ``IntegrityViolation``s, and text that UTF-8 cannot
    encode (lone surrogates, which utf8mb4 cannot hold) into ``ValidationError``."""
    try:
        yield
    except pymysql.err.IntegrityError as exc:
        violation = integrity_violation(exc)
        if violation is None:
            raise
        raise violation from exc
    except UnicodeEncodeError:
        raise ValidationError(
            "text", "expected text that UTF-8 can encode, got a lone surrogate character"
        ) from None
