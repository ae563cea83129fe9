"""``harness.storage`` on real servers, with a small schema of this test's own (not the shop).

MySQL: a blog of authors and posts (a foreign key, AUTO_INCREMENT counters, a generated
column, binary and TIMESTAMP values), each test on a database of its own on the session's
server. DynamoDB: a notes table with a topic index on the session's DynamoDB server, under
the worker's table prefix (so the fixture deletes it at the end).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from pymysql.cursors import DictCursor

from harness.determinism import Determinism, SequentialIds
from harness.provisioning.endpoints import DynamoEndpoint, MySQLEndpoint
from harness.provisioning.isolation import create_database, database_name, drop_database
from harness.provisioning.mysql import MySQLServer
from harness.storage import (
    DynamoDBBackend,
    DynamoDBTables,
    DynamoTables,
    EndpointResources,
    MySQLBackend,
    MySQLDatabase,
    MySQLSchema,
    StorageError,
    StorageUnavailable,
    dynamodb_backend,
    mysql_backend,
)
from harness.storage.dynamodb_state import DynamoItems
from suites.unit.harness.test_storage import NOTES as NOTES_TABLE

pytestmark = pytest.mark.integration

BLOG = MySQLSchema.from_text(
    """
    -- authors first: posts refer to them
    CREATE TABLE authors (
        id      BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
        name    VARCHAR(100) NOT NULL,
        name_lc VARCHAR(100) GENERATED ALWAYS AS (LOWER(name)) STORED,
        joined  TIMESTAMP(3) NULL
    );
    CREATE TABLE posts (
        id        INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
        author_id BIGINT UNSIGNED NOT NULL,
        body      BLOB,
        CONSTRAINT fk_posts_author FOREIGN KEY (author_id) REFERENCES authors (id)
    ) AUTO_INCREMENT = 100;  -- post ids start at 100
    """
)


class Blog:
    """The test's own repositories: one counting connection, dict rows."""

    def __init__(self, database: MySQLDatabase, determinism: Determinism) -> None:
        self.connection = database.connect(
            cursorclass=DictCursor, init_command="SET time_zone = '+00:00'"
        )

    def add_author(self, name: str, joined: datetime | None = None) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute("INSERT INTO authors (name, joined) VALUES (%s, %s)", (name, joined))
            return int(cursor.lastrowid)

    def add_post(self, author_id: int, body: bytes) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute("INSERT INTO posts (author_id, body) VALUES (%s, %s)", (author_id, body))
            return int(cursor.lastrowid)

    def delete_author(self, author_id: int) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute("DELETE FROM posts WHERE author_id = %s", (author_id,))
            cursor.execute("DELETE FROM authors WHERE id = %s", (author_id,))

    def everything(self) -> dict[str, list[dict[str, Any]]]:
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT * FROM authors ORDER BY id")
            authors = list(cursor.fetchall())
            cursor.execute("SELECT * FROM posts ORDER BY id")
            return {"authors": authors, "posts": list(cursor.fetchall())}

    def close(self) -> None:
        self.connection.close()


@pytest.fixture
def database(parity_mysql_server: MySQLServer) -> Iterator[MySQLEndpoint]:
    """A database of this test's own on the session's server, dropped afterwards."""
    name = database_name()
    endpoint = create_database(parity_mysql_server.admin, name)
    try:
        yield endpoint
    finally:
        drop_database(parity_mysql_server.admin, name)


@pytest.fixture
def blog(database: MySQLEndpoint) -> Iterator[MySQLBackend]:
    with mysql_backend(EndpointResources(mysql=database), BLOG, Blog) as backend:
        yield backend


def counting() -> tuple[Determinism, list[str]]:
    labels: list[str] = []
    return Determinism(ids=SequentialIds(), on_request=labels.append), labels


def _tables(endpoint: MySQLEndpoint) -> list[str]:
    with endpoint.connect() as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
            "ORDER BY TABLE_NAME"
        )
        return [str(row[0]) for row in cursor.fetchall()]


def test_the_schema_is_created_once_with_its_tables(
    blog: MySQLBackend, database: MySQLEndpoint
) -> None:
    assert _tables(database) == ["authors", "posts"]
    assert blog.tables == ("authors", "posts")


def test_every_statement_a_connection_sends_is_counted_and_its_setup_is_not(
    database: MySQLEndpoint,
) -> None:
    labels: list[str] = []
    handle = MySQLDatabase(database, labels.append)
    with mysql_backend(EndpointResources(mysql=database), BLOG, Blog):
        connection = handle.connect(init_command="SET time_zone = '+00:00'")
        assert labels == []  # SET NAMES, the init command and the autocommit mode
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO authors (name) VALUES (%s)", ("ann",))
            cursor.executemany("INSERT INTO authors (name) VALUES (%s)", [("bob",), ("cy",)])
            cursor.execute("SELECT COUNT(*) FROM authors")
            cursor.execute("UPDATE authors SET name = 'Ann' WHERE id = 1")
        connection.begin()
        with connection.cursor(DictCursor) as cursor:
            cursor.execute("DELETE FROM authors WHERE id = 3")
        connection.commit()
        connection.begin()
        connection.rollback()
        connection.autocommit(False)
        connection.autocommit(False)  # unchanged: nothing sent
        connection.ping()  # COM_PING, not a statement
        handle.close()
    assert labels == [
        "INSERT",
        "INSERT",  # executemany of INSERT ... VALUES is one multi-row statement
        "SELECT",
        "UPDATE",
        "BEGIN",
        "DELETE",
        "COMMIT",
        "BEGIN",
        "ROLLBACK",
        "SET",
    ]
    assert not connection.open  # the handle closes what it opened


def test_a_reset_empties_every_table_and_restarts_its_ids(blog: MySQLBackend) -> None:
    with blog.fresh(counting()[0]) as repos:
        first = repos.add_author("ann")
        repos.add_post(first, b"hello")
        repos.add_post(repos.add_author("bob"), b"there")
    with blog.fresh(counting()[0]) as repos:
        assert repos.everything() == {"authors": [], "posts": []}
        assert repos.add_author("cy") == 1
        assert repos.add_post(1, b"again") == 100  # the schema's own start, not 1


def test_a_restored_state_keeps_its_rows_and_next_ids_however_often_it_is_restored(
    blog: MySQLBackend,
) -> None:
    joined = datetime(2026, 3, 29, 1, 30, 0, 123000)
    with blog.fresh(counting()[0]) as repos:
        ann = repos.add_author("Ann", joined)
        repos.add_post(ann, b"\xff\x00binary")
        repos.delete_author(repos.add_author("Bob"))  # the next author id is now 3
        saved = blog.save()
        seeded = repos.everything()
    assert seeded["authors"] == [{"id": 1, "name": "Ann", "name_lc": "ann", "joined": joined}]
    assert saved.row_count() == 2
    for _ in range(2):
        with blog.fresh(counting()[0], restore=saved) as repos:
            assert repos.everything() == seeded
            assert repos.add_author("Cy") == 3
            assert repos.add_post(ann, b"more") == 101
            repos.delete_author(ann)
    with blog.fresh(counting()[0]) as repos:
        assert repos.add_author("Di") == 1  # and an empty reset after a restore restarts


def test_rows_the_schema_inserts_are_part_of_the_empty_state(database: MySQLEndpoint) -> None:
    schema = MySQLSchema(
        [
            "CREATE TABLE kinds (code VARCHAR(10) PRIMARY KEY)",
            "INSERT INTO kinds VALUES ('essay'), ('note')",
        ]
    )

    def build(handle: MySQLDatabase, determinism: Determinism) -> Any:
        return handle.connect()

    with mysql_backend(EndpointResources(mysql=database), schema, build) as backend:
        with backend.fresh(counting()[0]) as connection, connection.cursor() as cursor:
            cursor.execute("DELETE FROM kinds WHERE code = 'note'")
        with backend.fresh(counting()[0]) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT code FROM kinds ORDER BY code")
            assert cursor.fetchall() == (("essay",), ("note",))


def test_bad_ddl_names_the_statement_and_what_the_server_said(database: MySQLEndpoint) -> None:
    schema = MySQLSchema.from_text(
        "CREATE TABLE a (id INT PRIMARY KEY);\n"
        "CREATE TABLE b (id INT PRIMARY KEY, a_id INT REFERENCES a id));\n"
        "CREATE TABLE c (id INT);"
    )
    with pytest.raises(StorageError) as raised:
        mysql_backend(EndpointResources(mysql=database), schema, Blog).__enter__()
    error = raised.value
    assert "statement 2 of 3: CREATE TABLE b (id INT PRIMARY KEY, a_id" in error.what
    assert "the 1 statements before it ran" in error.expected
    assert "MySQL error 1064" in error.observed
    assert "syntax" in error.hint


def test_a_foreign_key_to_a_table_created_later_fails_with_a_hint(
    database: MySQLEndpoint,
) -> None:
    schema = MySQLSchema(
        [
            "CREATE TABLE child (id INT PRIMARY KEY, parent_id INT, "
            "FOREIGN KEY (parent_id) REFERENCES parent (id))",
            "CREATE TABLE parent (id INT PRIMARY KEY)",
        ]
    )
    with pytest.raises(StorageError, match="statement 1 of 2") as raised:
        mysql_backend(EndpointResources(mysql=database), schema, Blog).__enter__()
    assert "foreign key" in raised.value.hint


def test_a_connection_the_build_leaves_in_a_transaction_does_not_block_the_next_reset(
    database: MySQLEndpoint,
) -> None:
    held: list[Any] = []

    def careless(handle: MySQLDatabase, determinism: Determinism) -> Any:
        connection = handle.connect()
        held.append(connection)
        connection.begin()
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO authors (name) VALUES ('held')")
        return object()  # nothing to close: the handle closes the connection

    with mysql_backend(EndpointResources(mysql=database), BLOG, careless) as backend:
        with backend.fresh(counting()[0]):
            pass
        assert not held[0].open
        with backend.fresh(counting()[0]):
            pass  # the reset got its locks (the transaction was rolled back by the close)


def test_a_lost_administrative_connection_is_opened_again(blog: MySQLBackend) -> None:
    admin = blog._admin._connection
    assert admin is not None
    with blog.fresh(counting()[0]) as repos:
        repos.add_author("ann")
        with repos.connection.cursor() as cursor:
            cursor.execute("KILL %s", (admin.thread_id(),))
    with blog.fresh(counting()[0]) as repos:
        assert repos.add_author("bob") == 1
    assert blog._admin._connection is not admin  # reconnected, and reset all the same


def test_a_server_that_does_not_answer_is_unavailable_not_a_bug() -> None:
    closed = MySQLEndpoint("127.0.0.1", _closed_port(), "root", "", "nowhere")
    with pytest.raises(StorageUnavailable) as raised:
        mysql_backend(EndpointResources(mysql=closed), BLOG, Blog).__enter__()
    assert isinstance(raised.value, ConnectionError)
    assert "OperationalError" in raised.value.observed


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- DynamoDB on the session's server --------------------------------------------------------

NOTES = DynamoTables([NOTES_TABLE])


class Notes:
    def __init__(self, tables: DynamoDBTables, determinism: Determinism) -> None:
        self.client = tables.client()
        self.table = tables.table_name("notes")
        self.ids = determinism.ids

    def add(self, author: str, topic: str, text: str) -> str:
        note_id = self.ids.new_id()
        item = {"author": {"S": author}, "note_id": {"S": note_id}, "topic": {"S": topic}}
        self.client.put_item(TableName=self.table, Item={**item, "text": {"S": text}})
        return note_id

    def on_topic(self, topic: str) -> list[str]:
        page = self.client.query(
            TableName=self.table,
            IndexName="by_topic",
            KeyConditionExpression="topic = :t",
            ExpressionAttributeValues={":t": {"S": topic}},
        )
        return sorted(item["text"]["S"] for item in page["Items"])


@pytest.fixture
def notes(parity_dynamodb_endpoint: DynamoEndpoint) -> Iterator[DynamoDBBackend]:
    """The notes tables under the worker's prefix (plus a token: one set per test)."""
    prefix = f"{parity_dynamodb_endpoint.table_prefix}st{secrets.token_hex(2)}_"
    resources = EndpointResources(dynamodb=parity_dynamodb_endpoint.with_prefix(prefix))
    with dynamodb_backend(resources, NOTES, Notes) as backend:
        yield backend


def test_on_a_dynamodb_server_requests_are_counted_and_state_is_reset_and_restored(
    notes: DynamoDBBackend,
) -> None:
    assert not notes.direct  # a server: Scan + BatchWriteItem on the admin client
    determinism, labels = counting()
    with notes.fresh(determinism) as repos:
        repos.add("ann", "food", "bread")
        repos.add("bob", "food", "soup")
        assert repos.on_topic("food") == ["bread", "soup"]
        saved = notes.save()
    assert labels == ["PutItem", "PutItem", "Query"]
    assert isinstance(saved, DynamoItems) and saved.item_count() == 2
    determinism, labels = counting()
    with notes.fresh(determinism) as repos:
        assert repos.on_topic("food") == []
        repos.add("cy", "food", "jam")
    with notes.fresh(determinism, restore=saved) as repos:
        assert repos.on_topic("food") == ["bread", "soup"]
    assert labels == ["Query", "PutItem", "Query"]  # the resets are not counted


def test_on_a_dynamodb_server_a_deleted_table_is_created_again(notes: DynamoDBBackend) -> None:
    with notes.fresh(counting()[0]) as repos:
        repos.add("ann", "food", "bread")
        saved = notes.save()
    physical = notes.table_names["notes"]
    notes.admin.delete_table(TableName=physical)
    notes.admin.get_waiter("table_not_exists").wait(TableName=physical)
    with notes.fresh(counting()[0], restore=saved) as repos:
        assert repos.on_topic("food") == ["bread"]


def test_rows_left_in_the_database_by_other_code_are_not_part_of_the_empty_state(
    database: MySQLEndpoint,
) -> None:
    reusable = MySQLSchema(
        [s.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS") for s in BLOG.statements]
    )
    resources = EndpointResources(mysql=database)
    with mysql_backend(resources, reusable, Blog) as first, first.fresh(counting()[0]) as repos:
        repos.add_author("left behind")
    # someone else's rows, written outside any backend, before this one opens
    with database.connect() as connection, connection.cursor() as cursor:
        cursor.execute("INSERT INTO authors (name) VALUES ('also left behind')")
    with mysql_backend(resources, reusable, Blog) as second, second.fresh(counting()[0]) as again:
        assert again.everything() == {"authors": [], "posts": []}
        assert again.add_author("first") == 1
