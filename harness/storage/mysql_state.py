"""One administrative MySQL connection per backend: runs the schema, resets, saves, restores.

Imported only when a MySQL backend is opened (it imports PyMySQL). Its statements are
not the repositories': they are never reported to ``on_request``.

The state right after the schema ran (normally: every table empty, every AUTO_INCREMENT
counter at its start) is saved once as the baseline. A reset restores the baseline, and
a restore of a ``save()``d state works the same way:

1. two queries find each table's row presence (``EXISTS``) and AUTO_INCREMENT counter;
2. a table whose AUTO_INCREMENT counter is not the wanted next value is emptied with
   ``TRUNCATE TABLE`` (it empties and restarts the counter in one step); one that holds
   rows but whose counter is right (the case only read, updated or deleted there) with
   ``DELETE FROM`` (about 0.04 ms against 0.4 ms); an empty table with the right counter
   is left alone. Foreign key checks are off (this session keeps them off), so order
   does not matter;
3. the wanted rows go back with one multi-row ``INSERT`` per table (``executemany``);
4. a table whose counter would not land on the wanted next value after that (rows were
   deleted at the top, or its schema starts elsewhere) gets ``ALTER TABLE ...
   AUTO_INCREMENT = n`` (about 1.7 ms, so only when needed). The first restore reads the
   counters back to check this prediction; if one was wrong, every later restore checks
   (and fixes) them too.

The session is set up for exact round trips: UTC time zone (TIMESTAMP values are not moved
by a daylight-saving change), ``NO_AUTO_VALUE_ON_ZERO`` (a saved id 0 stays 0), binary
values sent as binary, live information_schema statistics on MySQL 8 (it caches
AUTO_INCREMENT for a day otherwise), and a 30 s lock wait, so a repository connection
left in a transaction makes the reset fail with a message instead of hanging.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import pymysql

from harness.storage.errors import StorageError, StorageUnavailable

if TYPE_CHECKING:
    from pymysql.connections import Connection

    from harness.provisioning.endpoints import MySQLEndpoint
    from harness.storage.mysql_schema import MySQLSchema

T = TypeVar("T")

_SESSION = (
    "SET time_zone = '+00:00', sql_mode = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION', "
    "lock_wait_timeout = 30, FOREIGN_KEY_CHECKS = 0"
)
_LIVE_STATISTICS = "SET SESSION information_schema_stats_expiry = 0"
_UNKNOWN_SYSTEM_VARIABLE = 1193
_CONNECTION_LOST = frozenset({0, 2002, 2003, 2005, 2006, 2013, 2014, 2055})
"""Client error codes meaning the server cannot be reached or the connection is gone (0:
PyMySQL's InterfaceError on a closed connection)."""
_LOCK_WAIT_TIMEOUT = 1205

_GENERATED = re.compile(r"\b(VIRTUAL|STORED|PERSISTENT)\s+GENERATED\b", re.IGNORECASE)


def quote_identifier(name: str) -> str:
    """A MySQL identifier in backticks (backticks inside doubled); refuses NUL and empty."""
    if not name or "\x00" in name or len(name) > 64:
        raise ValueError(f"expected a MySQL identifier of 1..64 characters, got {name!r}")
    return "`" + name.replace("`", "``") + "`"


@dataclass(frozen=True)
class TableShape:
    """What Parity needs to know of one table: stored columns and its AUTO_INCREMENT column."""

    name: str
    columns: tuple[str, ...]
    """Columns that hold data, in order (generated columns are computed, never written)."""
    auto_increment: str | None


@dataclass(frozen=True)
class SavedTable:
    """One table's contents: its rows (values of ``columns``) and next AUTO_INCREMENT value."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    next_id: int | None
    """None for a table without an AUTO_INCREMENT column."""


@dataclass(frozen=True)
class MySQLState:
    """Every table's rows and next AUTO_INCREMENT value, as ``MySQLBackend.save()`` gives."""

    tables: Mapping[str, SavedTable]

    def row_count(self) -> int:
        """How many rows the state holds, over all tables."""
        return sum(len(t.rows) for t in self.tables.values())


class MySQLAdmin:
    """The administrative connection of one backend and what it does (see the module)."""

    def __init__(self, endpoint: MySQLEndpoint, schema: MySQLSchema) -> None:
        self.endpoint = endpoint
        self.schema = schema
        self._connection: Connection[Any] | None = None
        self._shapes: dict[str, TableShape] = {}
        self.baseline: MySQLState | None = None
        """The state right after the schema ran (what a reset restores)."""
        self._check_counters = True
        """Read the counters back after the next restore (the first one, or all of them
        once a prediction was wrong)."""
        self.counter_mismatches = 0

    # -- the session ---------------------------------------------------------------------

    def create_schema(self) -> None:
        """Run the schema's statements in order, check its tables exist, save the baseline."""
        try:
            connection = self._open(session=False)
        except (pymysql.err.OperationalError, pymysql.err.InterfaceError) as error:
            if _lost(error):
                raise self._unavailable(error) from error
            raise
        self._empty_leftovers(connection)
        with connection.cursor() as cursor:
            for index, statement in enumerate(self.schema.statements):
                try:
                    cursor.execute(statement)
                except pymysql.MySQLError as error:
                    raise self._statement_failed(connection, index, error) from None
        self._set_up(connection)
        self._shapes = self._read_shapes(connection)
        self.baseline = self.dump()

    def _empty_leftovers(self, connection: Connection[Any]) -> None:
        """Empty the schema's tables if they exist already, before the DDL runs.

        The database is this worker's own, but other code in the session may have used
        it first (a test on the same database, another backend of the same schema);
        ``CREATE TABLE IF NOT EXISTS`` would keep their rows, and the baseline every
        reset restores would hold them. After this the baseline is exactly what the DDL
        itself leaves (empty tables, plus any rows it inserts).
        """
        wanted = {name.lower() for name in self.schema.tables}
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT TABLE_NAME FROM information_schema.TABLES "
                "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'"
            )
            existing = [str(row[0]) for row in cursor.fetchall() if str(row[0]).lower() in wanted]
            if not existing:
                return
            cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
            try:
                for table in existing:
                    cursor.execute(f"TRUNCATE TABLE {quote_identifier(table)}")
            finally:
                cursor.execute("SET FOREIGN_KEY_CHECKS = 1")

    def close(self) -> None:
        """Close the administrative connection."""
        connection, self._connection = self._connection, None
        if connection is not None and connection.open:
            with contextlib.suppress(pymysql.MySQLError, OSError):
                connection.close()

    def _open(self, *, session: bool = True) -> Connection[Any]:
        connection = self.endpoint.connect(autocommit=True, binary_prefix=True)
        self._connection = connection
        if session:
            self._set_up(connection)
        return connection

    def _set_up(self, connection: Connection[Any]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(_SESSION)
            try:
                cursor.execute(_LIVE_STATISTICS)
            except pymysql.MySQLError as error:
                if error.args[0] != _UNKNOWN_SYSTEM_VARIABLE:  # MariaDB: no such cache
                    raise

    def _run(self, work: Callable[[Connection[Any]], T]) -> T:
        """``work(connection)``, on a new connection once if the old one was lost; a server
        that cannot be reached raises ``StorageUnavailable``."""
        try:
            connection = self._connection or self._open()
            try:
                return work(connection)
            except (pymysql.err.OperationalError, pymysql.err.InterfaceError) as error:
                if not _lost(error):
                    raise
                self.close()
                return work(self._open())
        except (pymysql.err.OperationalError, pymysql.err.InterfaceError) as error:
            if _lost(error):
                raise self._unavailable(error) from error
            if error.args and error.args[0] == _LOCK_WAIT_TIMEOUT:
                raise StorageError(
                    f"resetting MySQL database {self.endpoint.database} waited too long",
                    expected="TRUNCATE/DELETE to get its table locks within 30 s",
                    observed=f"MySQL error {error.args[0]}: {error.args[-1]}",
                    hint="a connection the repositories opened outside Parity's "
                    "MySQLDatabase.connect is still in a transaction: close it when the "
                    "repository set is closed",
                ) from error
            raise

    def _unavailable(self, error: BaseException) -> StorageUnavailable:
        return StorageUnavailable(
            f"MySQL database {self.endpoint.database} did not answer",
            expected=f"the server at {self.endpoint.redacted()} to answer",
            observed=f"{type(error).__name__}: {error}",
            hint="check that the server is up (a killed server makes every later case "
            "incomplete, never different)",
        )

    # -- what the tables hold ------------------------------------------------------------

    def dump(self) -> MySQLState:
        """Every table's rows and next AUTO_INCREMENT value."""

        def work(connection: Connection[Any]) -> MySQLState:
            counters = self._counters(connection)
            saved: dict[str, SavedTable] = {}
            with connection.cursor() as cursor:
                for table, shape in self._shapes.items():
                    cursor.execute(_select(table, shape.columns))
                    rows = tuple(tuple(row) for row in cursor.fetchall())
                    next_id = (counters.get(table) or 1) if shape.auto_increment else None
                    saved[table] = SavedTable(shape.columns, rows, next_id)
            return MySQLState(saved)

        return self._run(work)

    def reset(self) -> None:
        """Make the tables hold the baseline (the state right after the schema ran)."""
        if self.baseline is None:
            raise RuntimeError("MySQLAdmin.reset: expected create_schema() to have run")
        self.load(self.baseline)

    def load(self, state: MySQLState) -> None:
        """Make the tables hold exactly ``state``: same rows, same next AUTO_INCREMENT values."""
        self._check_state(state)
        self._run(lambda connection: self._load(connection, state))

    def _load(self, connection: Connection[Any], state: MySQLState) -> None:
        counters = self._counters(connection)
        has_rows = self._has_rows(connection)
        predicted: dict[str, int] = {}
        with connection.cursor() as cursor:
            for table, shape in self._shapes.items():
                saved = state.tables[table]
                counter = counters.get(table) or 1
                if shape.auto_increment and counter != saved.next_id:
                    cursor.execute(f"TRUNCATE TABLE {quote_identifier(table)}")
                    counter = 1
                elif has_rows[table]:  # the counter is right: a DELETE is ten times cheaper
                    cursor.execute(f"DELETE FROM {quote_identifier(table)}")  # noqa: S608 - identifier only
                if saved.rows:
                    cursor.executemany(_insert(table, saved.columns), saved.rows)
                if shape.auto_increment is None or saved.next_id is None:
                    continue
                highest = _highest(saved, shape.auto_increment)
                expected = max(counter, highest + 1)
                if expected != saved.next_id:
                    self._set_counter(cursor, table, saved.next_id)
                predicted[table] = saved.next_id
        if self._check_counters:
            self._check_counters = False
            actual = self._counters(connection)
            with connection.cursor() as cursor:
                for table, wanted in predicted.items():
                    if (actual.get(table) or 1) != wanted:
                        self.counter_mismatches += 1
                        self._check_counters = True  # check every restore from now on
                        self._set_counter(cursor, table, wanted)

    @staticmethod
    def _set_counter(cursor: Any, table: str, next_id: int) -> None:
        cursor.execute(f"ALTER TABLE {quote_identifier(table)} AUTO_INCREMENT = %s", (next_id,))

    def _counters(self, connection: Connection[Any]) -> dict[str, int | None]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT TABLE_NAME, AUTO_INCREMENT FROM information_schema.TABLES "
                "WHERE TABLE_SCHEMA = DATABASE()"
            )
            found = {str(name): value for name, value in cursor.fetchall()}
        return {
            table: (None if value is None else int(value))
            for table, value in _by_schema_name(found, self._shapes).items()
        }

    def _has_rows(self, connection: Connection[Any]) -> dict[str, bool]:
        tables = list(self._shapes)
        if not tables:
            return {}
        with connection.cursor() as cursor:
            cursor.execute(_exists_probes(tables))
            row = cursor.fetchone() or ()
        return {table: bool(value) for table, value in zip(tables, row, strict=True)}

    def _read_shapes(self, connection: Connection[Any]) -> dict[str, TableShape]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES "
                "WHERE TABLE_SCHEMA = DATABASE()"
            )
            kinds = {str(name): str(kind) for name, kind in cursor.fetchall()}
            cursor.execute(
                "SELECT TABLE_NAME, COLUMN_NAME, EXTRA, GENERATION_EXPRESSION "
                "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
                "ORDER BY TABLE_NAME, ORDINAL_POSITION"
            )
            columns: dict[str, list[tuple[str, str, str]]] = {}
            for table, column, extra, expression in cursor.fetchall():
                columns.setdefault(str(table), []).append(
                    (str(column), str(extra or ""), str(expression or ""))
                )
        base = {n: k for n, k in kinds.items() if k == "BASE TABLE"}
        located = _by_schema_name(base, {t: None for t in self.schema.tables})
        missing = [t for t in self.schema.tables if t not in located]
        if missing:
            raise StorageError(
                "the MySQL schema ran, but some tables it creates are not there",
                expected=f"tables {list(self.schema.tables)} in database {self.endpoint.database}",
                observed=f"missing {missing}; the database holds {sorted(kinds) or 'nothing'}",
                hint="a CREATE TABLE naming another database (other_db.table), or a later "
                "DROP/RENAME in the script; Parity resets the tables CREATE TABLE names",
            )
        shapes: dict[str, TableShape] = {}
        actual_names = _actual_names(base, self.schema.tables)
        for table in self.schema.tables:
            described = columns.get(actual_names[table], [])
            stored = tuple(c for c, extra, expr in described if not _is_generated(extra, expr))
            auto = next((c for c, extra, _ in described if "auto_increment" in extra.lower()), None)
            shapes[table] = TableShape(table, stored, auto)
        return shapes

    def _check_state(self, state: MySQLState) -> None:
        if not isinstance(state, MySQLState) or set(state.tables) != set(self._shapes):
            seen = sorted(state.tables) if isinstance(state, MySQLState) else type(state).__name__
            raise StorageError(
                "MySQL restore: the state does not belong to this schema",
                expected=f"a MySQLBackend.save() result for tables {sorted(self._shapes)}",
                observed=f"{seen}",
                hint="restore only states saved by the same backend in this session",
            )

    def _statement_failed(
        self, connection: Connection[Any], index: int, error: pymysql.MySQLError
    ) -> StorageError:
        code = error.args[0] if error.args else "?"
        message = error.args[1] if len(error.args) > 1 else str(error)
        try:
            server = str(connection.get_server_info())  # type: ignore[no-untyped-call]
        except Exception:  # the connection died with the statement
            server = "?"
        return StorageError(
            f"the MySQL schema failed at {self.schema.describe(index)}",
            expected=f"the statement to run on server {server}, database "
            f"{self.endpoint.database} (the {index} statements before it ran)",
            observed=f"MySQL error {code}: {message}",
            hint=_DDL_HINTS.get(code if isinstance(code, int) else -1, _DDL_HINT),
        )


_DDL_HINT = "fix the statement in the schema; the database is thrown away after the session"
_DDL_HINTS = {
    1064: "a syntax error: check the statement against this server's dialect (MySQL 8 and "
    "MariaDB differ) and the statement splitting (a missing ';' joins two statements)",
    1050: "the table exists already: use CREATE TABLE IF NOT EXISTS, or drop the duplicate",
    1005: "a foreign key cannot be created: the referenced table must be created earlier, "
    "with an index on the referenced columns of exactly the same type",
    1215: "a foreign key cannot be added: the referenced table must be created earlier, with "
    "an index on the referenced columns of exactly the same type",
    1824: "a foreign key names a table that does not exist yet: create parents first",
    1146: "the statement names a table that no earlier statement created",
    1142: "the database user lacks a privilege the statement needs",
}


def _select(table: str, columns: tuple[str, ...]) -> str:
    """``SELECT <columns> FROM <table>``: quoted identifiers only."""
    names = ", ".join(quote_identifier(c) for c in columns)
    return f"SELECT {names} FROM {quote_identifier(table)}"  # noqa: S608 - identifiers only


def _insert(table: str, columns: tuple[str, ...]) -> str:
    """``INSERT INTO <table> (<columns>) VALUES (%s, ...)``: identifiers quoted, values bound."""
    names = ", ".join(quote_identifier(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    return f"INSERT INTO {quote_identifier(table)} ({names}) VALUES ({marks})"  # noqa: S608


def _exists_probes(tables: list[str]) -> str:
    """One row: whether each table holds any row (quoted identifiers only)."""
    probes = ", ".join(f"EXISTS (SELECT 1 FROM {quote_identifier(t)})" for t in tables)  # noqa: S608
    return f"SELECT {probes}"


def _lost(error: BaseException) -> bool:
    return not error.args or error.args[0] in _CONNECTION_LOST


def _is_generated(extra: str, expression: str) -> bool:
    return bool(expression.strip()) or bool(_GENERATED.search(extra))


def _highest(saved: SavedTable, column: str) -> int:
    position = saved.columns.index(column)
    values = [int(row[position]) for row in saved.rows if row[position] is not None]
    return max(values, default=0)


def _actual_names(found: Mapping[str, Any], wanted: Any) -> dict[str, str]:
    """Schema table name -> the name information_schema shows (case may differ)."""
    folded = {name.casefold(): name for name in found}
    names: dict[str, str] = {}
    for table in wanted:
        if table in found:
            names[table] = table
        elif table.casefold() in folded:
            names[table] = folded[table.casefold()]
    return names


def _by_schema_name(found: Mapping[str, T], wanted: Mapping[str, Any]) -> dict[str, T]:
    return {table: found[actual] for table, actual in _actual_names(found, wanted).items()}


__all__ = ["MySQLAdmin", "MySQLState", "SavedTable", "TableShape", "quote_identifier"]
