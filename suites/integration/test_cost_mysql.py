"""MySQL statement costs on a real server: rows examined and sent, full scans.

A table of this test's own (``gauges``: a primary key, an indexed ``bucket`` and an
unindexed ``reading``, 100 rows) in a database of its own on the session's server. The
connection is a ``MySQLDatabase`` one with a cost sink; the status readings around each
statement must cost nothing in the counted requests, change no result, and not be sent at
all without a sink.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pymysql
import pytest
from pymysql.cursors import SSCursor

from harness.cost.events import RequestCost
from harness.determinism import Determinism, SequentialIds
from harness.provisioning.endpoints import MySQLEndpoint
from harness.provisioning.isolation import create_database, database_name, drop_database
from harness.provisioning.mysql import MySQLServer
from harness.storage import EndpointResources, MySQLDatabase, MySQLSchema, mysql_backend

pytestmark = pytest.mark.integration

ROWS = 100

GAUGES = MySQLSchema.from_text(
    """
    CREATE TABLE gauges (
        id      INT NOT NULL PRIMARY KEY,
        bucket  INT NOT NULL,
        reading INT NOT NULL,
        KEY gauges_bucket (bucket)
    );
    """
)


@pytest.fixture
def empty(parity_mysql_server: MySQLServer) -> Iterator[MySQLEndpoint]:
    """A database of this test's own on the session's server, dropped afterwards."""
    name = database_name()
    database = create_database(parity_mysql_server.admin, name)
    try:
        yield database
    finally:
        drop_database(parity_mysql_server.admin, name)


@pytest.fixture
def endpoint(empty: MySQLEndpoint) -> MySQLEndpoint:
    """The test's database holding ``gauges`` with 100 rows."""
    with empty.connect() as connection, connection.cursor() as cursor:
        for statement in GAUGES.statements:
            cursor.execute(statement)
        cursor.executemany(
            "INSERT INTO gauges (id, bucket, reading) VALUES (%s, %s, %s)",
            [(i, i, 1000 + i) for i in range(1, ROWS + 1)],
        )
        cursor.execute("ANALYZE TABLE gauges")
        cursor.fetchall()
    return empty


class Recorder:
    """A ``MySQLDatabase`` with both sinks recording, and one connection of it."""

    def __init__(self, endpoint: MySQLEndpoint, *, costed: bool = True) -> None:
        self.labels: list[str] = []
        self.costs: list[RequestCost] = []
        sink = self.costs.append if costed else None
        self.database = (
            MySQLDatabase(endpoint, self.labels.append, sink)
            if sink is not None
            else MySQLDatabase(endpoint, self.labels.append)
        )
        self.connection = self.database.connect()

    def run(self, sql: str, args: Any = None) -> tuple[Any, ...]:
        """Execute one statement; its rows."""
        with self.connection.cursor() as cursor:
            cursor.execute(sql, args)
            return tuple(cursor.fetchall())

    def cost_of(self, sql: str, args: Any = None) -> RequestCost:
        """The one cost ``sql`` reported."""
        mark = len(self.costs)
        self.run(sql, args)
        assert len(self.costs) == mark + 1, self.costs[mark:]
        return self.costs[-1]

    def close(self) -> None:
        self.database.close()


@pytest.fixture
def recorder(endpoint: MySQLEndpoint) -> Iterator[Recorder]:
    recording = Recorder(endpoint)
    try:
        yield recording
    finally:
        recording.close()


def _show_status_sent(connection: Any) -> int:
    """How many ``SHOW STATUS`` statements this session sent (the server's own count,
    this query included)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW SESSION STATUS LIKE 'Com_show_status'")
        return int(cursor.fetchone()[1])


def test_a_primary_key_lookup_examines_one_row_and_scans_nothing(recorder: Recorder) -> None:
    cost = recorder.cost_of("SELECT * FROM gauges WHERE id = %s", (42,))
    assert (cost.backend, cost.operation) == ("mysql", "SELECT")
    assert cost.rows_sent == 1
    assert cost.rows_examined is not None
    assert 1 <= cost.rows_examined <= 2, cost.detail
    assert not cost.full_scan, cost.detail
    assert cost.detail["method"] == "session status"
    assert cost.seconds > 0


def test_a_filter_on_an_unindexed_column_scans_every_row(recorder: Recorder) -> None:
    cost = recorder.cost_of("SELECT * FROM gauges WHERE reading = %s", (1042,))
    assert cost.rows_sent == 1
    assert cost.rows_examined is not None
    assert cost.rows_examined >= ROWS, cost.detail
    assert cost.full_scan, cost.detail


def test_an_indexed_range_examines_about_the_rows_it_returns(recorder: Recorder) -> None:
    cost = recorder.cost_of("SELECT id, bucket FROM gauges WHERE bucket BETWEEN 10 AND 19")
    assert cost.rows_sent == 10
    assert cost.rows_examined is not None
    assert 10 <= cost.rows_examined <= 12, cost.detail
    assert not cost.full_scan, cost.detail


def test_writes_are_recorded_with_the_rows_they_touched(recorder: Recorder) -> None:
    insert = recorder.cost_of("INSERT INTO gauges VALUES (%s, %s, %s)", (500, 500, 500))
    assert (insert.operation, insert.rows_sent, insert.full_scan) == ("INSERT", 0, False)
    assert insert.detail["rows_affected"] == 1
    by_key = recorder.cost_of("UPDATE gauges SET reading = reading + 1 WHERE id = %s", (7,))
    assert by_key.operation == "UPDATE"
    assert by_key.detail["rows_affected"] == 1
    assert by_key.rows_examined is not None
    assert 1 <= by_key.rows_examined <= 2, by_key.detail
    assert not by_key.full_scan, by_key.detail
    unindexed = recorder.cost_of("UPDATE gauges SET bucket = 0 WHERE reading = %s", (1050,))
    assert unindexed.detail["rows_affected"] == 1
    assert unindexed.rows_examined is not None
    assert unindexed.rows_examined >= ROWS, unindexed.detail
    assert unindexed.full_scan, unindexed.detail
    delete = recorder.cost_of("DELETE FROM gauges WHERE id = %s", (500,))
    assert (delete.operation, delete.detail["rows_affected"]) == ("DELETE", 1)
    assert not delete.full_scan


def test_a_statement_reading_no_table_examines_nothing(recorder: Recorder) -> None:
    for _ in range(3):  # the status readings' own counts never leak into a statement's
        cost = recorder.cost_of("SELECT 1")
        assert (cost.rows_examined, cost.rows_sent, cost.full_scan) == (0, 1, False), cost


def test_status_readings_are_neither_counted_nor_costed(recorder: Recorder) -> None:
    statements = [
        "SELECT * FROM gauges WHERE id = 1",
        "UPDATE gauges SET reading = 0 WHERE id = 2",
        "SELECT COUNT(*) FROM gauges",
        "INSERT INTO gauges VALUES (600, 600, 600)",
    ]
    for sql in statements:
        recorder.run(sql)
    assert recorder.labels == ["SELECT", "UPDATE", "SELECT", "INSERT"]
    assert [cost.operation for cost in recorder.costs] == recorder.labels
    assert _show_status_sent(recorder.connection) > len(statements)  # they were sent, though
    assert recorder.labels[-1] == "SHOW"  # the check itself is the only SHOW counted


def test_without_a_sink_no_status_query_is_sent(endpoint: MySQLEndpoint) -> None:
    plain = Recorder(endpoint, costed=False)
    try:
        for i in range(1, 6):
            plain.run("SELECT * FROM gauges WHERE id = %s", (i,))
        plain.run("UPDATE gauges SET reading = 1 WHERE id = 1")
        assert _show_status_sent(plain.connection) == 1  # the check's own SHOW only
        assert plain.costs == []
        assert plain.connection._meter is None  # type: ignore[attr-defined]
        assert plain.labels == ["SELECT"] * 5 + ["UPDATE", "SHOW"]
    finally:
        plain.close()


def test_the_driver_sees_the_same_results_with_and_without_costing(
    endpoint: MySQLEndpoint,
) -> None:
    def session(costed: bool, first_id: int) -> list[Any]:
        recording = Recorder(endpoint, costed=costed)
        seen: list[Any] = []
        try:
            connection = recording.connection
            with connection.cursor() as cursor:
                cursor.execute("CREATE TEMPORARY TABLE seq (n INT AUTO_INCREMENT PRIMARY KEY)")
                cursor.execute("INSERT INTO seq VALUES (NULL), (NULL)")
                insert_id = connection.insert_id()  # type: ignore[no-untyped-call]
                seen += [cursor.rowcount, cursor.lastrowid, insert_id]
                cursor.execute(
                    "INSERT INTO gauges VALUES (%s, 1, 1), (%s, 1, 1)", (first_id, first_id + 1)
                )
                affected = connection.affected_rows()  # type: ignore[no-untyped-call]
                seen += [cursor.rowcount, affected]
                cursor.execute("UPDATE gauges SET reading = reading + 1 WHERE bucket = 1")
                seen += [cursor.rowcount, cursor.warning_count]
                cursor.execute("INSERT IGNORE INTO gauges VALUES (1, 1, 1)")  # a warning
                seen += [cursor.rowcount, cursor.warning_count]
                cursor.execute("SELECT id FROM gauges WHERE bucket = 1 ORDER BY id")
                seen += [cursor.rowcount, cursor.fetchall(), cursor.description]
            connection.begin()
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM gauges WHERE bucket = 1")
                seen.append(cursor.rowcount)
            connection.rollback()
            seen.append(recording.run("SELECT COUNT(*) FROM gauges WHERE bucket = 1"))
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM gauges WHERE id IN (%s, %s)", (first_id, first_id + 1))
        finally:
            recording.close()
        return seen

    plain = session(False, 700)
    costed = session(True, 700)
    assert costed == plain


def test_transaction_statements_cost_no_rows_and_keep_their_semantics(
    recorder: Recorder, endpoint: MySQLEndpoint
) -> None:
    connection = recorder.connection
    connection.begin()
    recorder.run("INSERT INTO gauges VALUES (800, 800, 800)")
    recorder.run("SELECT * FROM gauges WHERE id = 800")
    with endpoint.connect() as other, other.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM gauges WHERE id = 800")
        assert cursor.fetchone() == (0,)  # still uncommitted: the readings committed nothing
    connection.rollback()
    assert recorder.run("SELECT COUNT(*) FROM gauges WHERE id = 800") == ((0,),)
    assert recorder.labels == ["BEGIN", "INSERT", "SELECT", "ROLLBACK", "SELECT"]
    begin, insert, select, rollback, recount = recorder.costs
    assert recount.rows_examined is not None
    assert recount.rows_examined <= 1, recount.detail  # the rollback moved no read counter
    for control in (begin, rollback):
        assert (control.rows_examined, control.rows_sent, control.full_scan) == (0, 0, False)
    assert insert.detail["rows_affected"] == 1
    assert select.rows_sent == 1


def test_a_refused_statement_is_costed_and_raises_as_before(recorder: Recorder) -> None:
    with pytest.raises(pymysql.IntegrityError):
        recorder.run("INSERT INTO gauges VALUES (1, 1, 1)")
    refused = recorder.costs[-1]
    assert refused.operation == "INSERT"
    assert refused.detail.get("error") == 1062
    after = recorder.cost_of("SELECT * FROM gauges WHERE id = 3")
    assert after.rows_sent == 1
    assert after.rows_examined is not None
    assert after.rows_examined <= 2


def test_an_unbuffered_result_is_reported_unmeasured(recorder: Recorder) -> None:
    with recorder.connection.cursor(SSCursor) as cursor:
        cursor.execute("SELECT id FROM gauges ORDER BY id")
        assert len(cursor.fetchall()) == ROWS
    streamed = recorder.costs[-1]
    assert streamed.rows_examined is None
    assert streamed.detail["method"] == "not measured"
    measured = recorder.cost_of("SELECT * FROM gauges WHERE id = 9")
    assert measured.rows_examined is not None
    assert measured.rows_examined <= 2


def test_mysql_backend_fresh_reports_to_determinism_on_cost(empty: MySQLEndpoint) -> None:
    costs: list[RequestCost] = []
    labels: list[str] = []

    def build(database: MySQLDatabase, determinism: Determinism) -> Any:
        return database.connect()

    determinism = Determinism(ids=SequentialIds(), on_request=labels.append, on_cost=costs.append)
    with (
        mysql_backend(EndpointResources(mysql=empty), GAUGES, build) as backend,
        backend.fresh(determinism) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute("INSERT INTO gauges VALUES (1, 1, 1)")
        cursor.execute("SELECT * FROM gauges WHERE reading = 1")
    assert labels == ["INSERT", "SELECT"]
    assert [cost.operation for cost in costs] == labels
    assert costs[1].full_scan


def test_grouping_a_range_in_a_temporary_table_is_not_a_full_scan(recorder: Recorder) -> None:
    cost = recorder.cost_of(
        "SELECT reading, COUNT(*) FROM gauges WHERE bucket BETWEEN 1 AND 9 GROUP BY reading"
    )
    assert cost.rows_sent == 9
    assert not cost.full_scan, cost.detail
    assert cost.rows_examined is not None
    assert 9 <= cost.rows_examined <= 12, cost.detail


def test_a_join_without_an_index_is_a_full_scan(recorder: Recorder) -> None:
    cost = recorder.cost_of(
        "SELECT a.id FROM gauges a JOIN gauges b ON b.reading = a.reading WHERE a.id < 5"
    )
    assert cost.rows_sent == 4
    assert cost.full_scan, cost.detail
    assert cost.rows_examined is not None
    assert cost.rows_examined >= ROWS, cost.detail


def test_a_procedure_result_with_more_results_pending_is_reported_unmeasured(
    recorder: Recorder,
) -> None:
    recorder.run("CREATE PROCEDURE two_gauges() SELECT id FROM gauges WHERE id <= 2")
    with recorder.connection.cursor() as cursor:
        cursor.callproc("two_gauges")
        assert cursor.fetchall() == ((1,), (2,))
    called = recorder.costs[-1]
    assert called.operation == "CALL"
    assert called.rows_examined is None
    assert called.detail["reason"] == "more results are pending"
    after = recorder.cost_of("SELECT * FROM gauges WHERE id = 4")
    assert after.rows_examined is not None
    assert after.rows_examined <= 2


def test_a_reconnected_session_is_measured_from_scratch(recorder: Recorder) -> None:
    recorder.cost_of("SELECT * FROM gauges WHERE reading = 1001")
    recorder.connection.close()
    recorder.connection.connect()  # a new session: its counters start again at zero
    cost = recorder.cost_of("SELECT * FROM gauges WHERE id = 5")
    assert cost.rows_examined is not None
    assert 1 <= cost.rows_examined <= 2, cost.detail
    assert not cost.full_scan


def test_a_killed_session_fails_alike_with_and_without_costing(endpoint: MySQLEndpoint) -> None:
    def failures(costed: bool) -> tuple[list[str], Recorder]:
        recording = Recorder(endpoint, costed=costed)
        seen: list[str] = []
        try:
            recording.run("SELECT 1")
            thread = recording.connection.thread_id()  # type: ignore[no-untyped-call]
            for sql in (f"KILL {thread}", "SELECT 1", "SELECT 1"):
                try:
                    recording.run(sql)
                    seen.append("ok")
                except pymysql.MySQLError as exc:
                    seen.append(type(exc).__name__)
        finally:
            recording.close()
        return seen, recording

    plain, _ = failures(costed=False)
    costed, recording = failures(costed=True)
    assert plain == ["OperationalError", "OperationalError", "InterfaceError"]
    assert costed == plain
    assert [cost.operation for cost in recording.costs] == recording.labels  # one per request
