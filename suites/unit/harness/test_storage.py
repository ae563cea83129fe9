"""``harness.storage`` without servers: SQL scripts, table definitions, and a small target
of this test's own (notes with a topic index, not the shop) on moto in-process.

The notes target is what an adopting team writes: declared tables plus a build function
taking the ``DynamoDBTables`` handle. Parity creates the tables under the worker's prefix,
counts the repositories' requests (never its own), hands out empty or restored state and
creates tables again when moto's mock was reset under it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.determinism import Determinism, SequentialIds
from harness.provisioning import moto_in_process
from harness.provisioning.endpoints import DynamoEndpoint
from harness.provisioning.moto_state import MotoStateError, MotoTablesState
from harness.storage import (
    DynamoDBBackend,
    DynamoDBTables,
    DynamoTables,
    EndpointResources,
    MySQLSchema,
    StorageError,
    dynamodb_backend,
    split_statements,
)
from harness.storage.build import opened
from harness.storage.dynamodb_state import DynamoItems
from harness.storage.statements import created_table, statement_verb

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]

# -- SQL scripts ---------------------------------------------------------------------------


def test_a_script_splits_on_semicolons_outside_quotes_and_comments() -> None:
    script = """
    -- a comment; with a semicolon
    CREATE TABLE a (x VARCHAR(9) DEFAULT 'it''s; fine');  # hash comment; too
    /* block; comment */ INSERT INTO a VALUES ("say \\"hi\\"; bye"), ('back\\\\');
    CREATE TABLE `we;ird``name` (y INT);
    SELECT 1--1
    """
    assert split_statements(script) == [
        "CREATE TABLE a (x VARCHAR(9) DEFAULT 'it''s; fine')",
        'INSERT INTO a VALUES ("say \\"hi\\"; bye"), (\'back\\\\\')',
        "CREATE TABLE `we;ird``name` (y INT)",
        "SELECT 1--1",
    ]


def test_executable_comments_stay_in_the_statement_the_server_runs() -> None:
    assert split_statements("/*!40101 SET NAMES utf8mb4 */; SELECT /*+ NO_ICP(t) */ 1;") == [
        "/*!40101 SET NAMES utf8mb4 */",
        "SELECT /*+ NO_ICP(t) */ 1",
    ]


def test_a_delimiter_line_lets_a_trigger_body_hold_semicolons() -> None:
    script = """CREATE TABLE t (n INT);
DELIMITER //
CREATE TRIGGER bump BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.n = 1; SET NEW.n = 2; END//
DELIMITER ;
INSERT INTO t VALUES (0);
"""
    assert split_statements(script) == [
        "CREATE TABLE t (n INT)",
        "CREATE TRIGGER bump BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.n = 1; "
        "SET NEW.n = 2; END",
        "INSERT INTO t VALUES (0)",
    ]


def test_an_unterminated_quote_is_an_error_naming_its_line() -> None:
    with pytest.raises(StorageError) as raised:
        split_statements("CREATE TABLE a (x INT);\n\nINSERT INTO a VALUES ('open);\n")
    assert "line 3" in raised.value.expected
    assert "'open" in raised.value.observed
    assert raised.value.hint


def test_the_schema_lists_the_tables_its_create_table_statements_create_in_order() -> None:
    schema = MySQLSchema.from_text(
        """
        CREATE TABLE IF NOT EXISTS authors (id INT);
        /* lead */ create table `odd``name` (id INT);
        CREATE TABLE other_db.posts (id INT);
        CREATE TEMPORARY TABLE scratch (id INT);
        CREATE OR REPLACE TABLE tags (id INT);
        CREATE INDEX ix ON authors (id);
        CREATE TABLE authors (id INT);
        """
    )
    assert schema.tables == ("authors", "odd`name", "posts", "tags")
    assert len(schema.statements) == 7


def test_a_schema_reads_a_sql_file_and_refuses_a_bare_string_or_an_empty_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "schema.sql"
    path.write_text("CREATE TABLE notes (id INT);\n-- end\n", encoding="utf-8")
    assert MySQLSchema.from_file(path).statements == ("CREATE TABLE notes (id INT)",)
    assert MySQLSchema.from_file(str(path)).tables == ("notes",)
    with pytest.raises(StorageError, match="one string") as bare:
        MySQLSchema("CREATE TABLE a (x INT)")  # type: ignore[arg-type]
    assert "from_text" in bare.value.hint
    (tmp_path / "empty.sql").write_text("-- nothing\n", encoding="utf-8")
    with pytest.raises(StorageError, match="no statements"):
        MySQLSchema.from_file(tmp_path / "empty.sql")
    with pytest.raises(StorageError, match="cannot read") as missing:
        MySQLSchema.from_file(tmp_path / "absent.sql")
    assert "FileNotFoundError" in missing.value.observed


def test_the_shops_schema_file_names_its_six_tables() -> None:
    from shop.backends.mysql.schema import SCHEMA_PATH, TABLES

    assert MySQLSchema.from_file(SCHEMA_PATH).tables == TABLES


@pytest.mark.parametrize(
    ("sql", "verb"),
    [
        ("SELECT 1", "SELECT"),
        ("  insert into t values (1)", "INSERT"),
        (b"UPDATE t SET a = 1", "UPDATE"),
        ("/* note */ -- line\nDELETE FROM t", "DELETE"),
        ("(SELECT 1) UNION (SELECT 2)", "SELECT"),
        ("WITH x AS (SELECT 1) SELECT * FROM x", "SELECT"),
        ("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED", "SET"),
        ("", "OTHER"),
    ],
)
def test_a_statement_is_labelled_by_its_verb(sql: str | bytes, verb: str) -> None:
    assert statement_verb(sql) == verb


def test_a_statement_that_is_not_create_table_creates_no_table() -> None:
    assert created_table("CREATE VIEW v AS SELECT 1") is None
    assert created_table("DROP TABLE a") is None


# -- DynamoDB table definitions --------------------------------------------------------------

NOTES: dict[str, Any] = {
    "TableName": "notes",
    "KeySchema": [
        {"AttributeName": "author", "KeyType": "HASH"},
        {"AttributeName": "note_id", "KeyType": "RANGE"},
    ],
    "AttributeDefinitions": [
        {"AttributeName": "author", "AttributeType": "S"},
        {"AttributeName": "note_id", "AttributeType": "S"},
        {"AttributeName": "topic", "AttributeType": "S"},
    ],
    "GlobalSecondaryIndexes": [
        {
            "IndexName": "by_topic",
            "KeySchema": [
                {"AttributeName": "topic", "KeyType": "HASH"},
                {"AttributeName": "note_id", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }
    ],
}
COUNTERS: dict[str, Any] = {
    "TableName": "counters",
    "KeySchema": [{"AttributeName": "name", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "name", "AttributeType": "S"}],
}
TABLES = DynamoTables([NOTES, COUNTERS])


def test_table_definitions_load_from_a_list_or_an_object_holding_one(tmp_path: Path) -> None:
    listed, wrapped = tmp_path / "listed.json", tmp_path / "wrapped.json"
    listed.write_text(json.dumps([NOTES, COUNTERS]), encoding="utf-8")
    wrapped.write_text(json.dumps({"tables": [NOTES, COUNTERS]}), encoding="utf-8")
    assert DynamoTables.from_file(listed) == TABLES
    assert DynamoTables.from_file(wrapped).names == ("notes", "counters")
    assert TABLES.key_names("notes") == ("author", "note_id")


def test_a_create_request_adds_the_prefix_to_the_table_only_and_bills_on_demand() -> None:
    request = TABLES.create_request("notes", "parity_gw0_ab12_")
    assert request["TableName"] == "parity_gw0_ab12_notes"
    assert request["GlobalSecondaryIndexes"][0]["IndexName"] == "by_topic"
    assert request["BillingMode"] == "PAY_PER_REQUEST"
    assert TABLES.definition("notes")["TableName"] == "notes"  # the declaration is untouched


def test_a_migration_contract_becomes_create_table_definitions(tmp_path: Path) -> None:
    contract = {
        "billing_mode": "PAY_PER_REQUEST",
        "tables": {
            "notes": {
                "partition_key": "author",
                "sort_key": "note_id",
                "attribute_types": {"author": "S", "note_id": "S", "topic": "S"},
                "indexes": {
                    "by_topic": {
                        "partition_key": "topic",
                        "sort_key": "note_id",
                        "projection": "ALL",
                    }
                },
                "items": {"note": {"keys": {"author": "{author}"}}},
            },
            "counters": {"partition_key": "name", "attribute_types": {"name": "S"}},
        },
        "notes": ["ignored"],
    }
    path = tmp_path / "contract.json"
    path.write_text(json.dumps(contract), encoding="utf-8")
    tables = DynamoTables.from_contract(path)
    assert tables.names == ("notes", "counters")
    assert tables.create_request("notes", "p_") == {
        **NOTES,
        "TableName": "p_notes",
        "BillingMode": "PAY_PER_REQUEST",
    }
    with pytest.raises(StorageError, match="mapping of tables") as wrong_reader:
        DynamoTables.from_file(path)
    assert "from_contract" in wrong_reader.value.hint


def test_the_shops_contract_gives_the_tables_the_shop_creates_itself() -> None:
    from shop.backends.dynamodb import CONTRACT_PATH, load_contract
    from shop.backends.dynamodb.contract import create_table_request

    contract = load_contract()
    tables = DynamoTables.from_contract(CONTRACT_PATH)
    assert tables.names == tuple(contract.tables)
    for name in tables.names:
        assert tables.create_request(name, "x_") == create_table_request(contract, name, "x_")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"AttributeDefinitions": NOTES["AttributeDefinitions"][:2]}, "not defined: ['topic']"),
        (
            {
                "AttributeDefinitions": [
                    *NOTES["AttributeDefinitions"],
                    COUNTERS["AttributeDefinitions"][0],
                ]
            },
            "no key uses them: ['name']",
        ),
        ({"KeySchema": [{"AttributeName": "author", "KeyType": "RANGE"}]}, "KeySchema="),
        ({"TableName": ""}, "''"),
    ],
)
def test_a_definition_dynamodb_would_refuse_is_refused_when_declared(
    change: dict[str, Any], expected: str
) -> None:
    with pytest.raises(StorageError) as raised:
        DynamoTables([{**NOTES, **change}])
    assert expected in raised.value.observed
    assert raised.value.expected and raised.value.hint


def test_a_table_declared_twice_is_refused() -> None:
    with pytest.raises(StorageError, match="more than once") as raised:
        DynamoTables([NOTES, NOTES])
    assert "['notes']" in raised.value.observed


# -- the notes target on moto in-process ---------------------------------------------------


class Notes:
    """The test's own repository: notes by author, listed by topic through the index."""

    def __init__(self, tables: DynamoDBTables, determinism: Determinism) -> None:
        self.client = tables.client()
        self.table = tables.table_name("notes")
        self.ids = determinism.ids
        self.closed = False

    def add(self, author: str, topic: str, text: str) -> str:
        note_id = self.ids.new_id()
        item = {"author": {"S": author}, "note_id": {"S": note_id}, "topic": {"S": topic}}
        self.client.put_item(TableName=self.table, Item={**item, "text": {"S": text}})
        return note_id

    def remove(self, author: str, note_id: str) -> None:
        key = {"author": {"S": author}, "note_id": {"S": note_id}}
        self.client.delete_item(TableName=self.table, Key=key)

    def text(self, author: str, note_id: str) -> str | None:
        key = {"author": {"S": author}, "note_id": {"S": note_id}}
        item = self.client.get_item(TableName=self.table, Key=key, ConsistentRead=True)
        return item["Item"]["text"]["S"] if "Item" in item else None

    def on_topic(self, topic: str) -> list[str]:
        page = self.client.query(
            TableName=self.table,
            IndexName="by_topic",
            KeyConditionExpression="topic = :t",
            ExpressionAttributeValues={":t": {"S": topic}},
        )
        return [item["text"]["S"] for item in page["Items"]]

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def endpoint(parity_dynamodb_in_process: DynamoEndpoint) -> DynamoEndpoint:
    """moto in-process with a prefix of this test's own."""
    return parity_dynamodb_in_process.with_prefix("parity_test_ab12_")


@pytest.fixture
def notes_backend(endpoint: DynamoEndpoint) -> Iterator[DynamoDBBackend]:
    with dynamodb_backend(EndpointResources(dynamodb=endpoint), TABLES, Notes) as backend:
        yield backend


def counting() -> tuple[Determinism, list[str]]:
    labels: list[str] = []
    return Determinism(ids=SequentialIds(), on_request=labels.append), labels


def test_the_tables_are_created_under_the_workers_prefix_with_their_index(
    notes_backend: DynamoDBBackend, endpoint: DynamoEndpoint
) -> None:
    client = endpoint.client()
    names = client.list_tables()["TableNames"]
    assert sorted(names) == ["parity_test_ab12_counters", "parity_test_ab12_notes"]
    table = client.describe_table(TableName="parity_test_ab12_notes")["Table"]
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["by_topic"]
    assert notes_backend.direct  # moto in-process: state moves without requests
    assert notes_backend.table_names == {
        "notes": "parity_test_ab12_notes",
        "counters": "parity_test_ab12_counters",
    }


def test_the_repositories_requests_are_counted_by_operation_and_parity_s_are_not(
    notes_backend: DynamoDBBackend,
) -> None:
    determinism, labels = counting()
    with notes_backend.fresh(determinism) as notes:
        note = notes.add("ann", "food", "bread")
        assert notes.text("ann", note) == "bread"
        assert notes.on_topic("food") == ["bread"]
        notes_backend.save()
    assert labels == ["PutItem", "GetItem", "Query"]
    notes_backend._direct.enabled = False  # type: ignore[union-attr]  # the API path too
    determinism, labels = counting()
    with notes_backend.fresh(determinism) as notes:
        notes_backend.save()
    assert labels == []


def test_each_fresh_set_starts_from_empty_tables(notes_backend: DynamoDBBackend) -> None:
    with notes_backend.fresh(counting()[0]) as notes:
        notes.add("ann", "food", "bread")
    with notes_backend.fresh(counting()[0]) as notes:
        assert notes.on_topic("food") == []


@pytest.mark.parametrize("direct", [True, False], ids=["moto-objects", "api"])
def test_a_saved_state_comes_back_exactly_however_often_it_is_restored(
    endpoint: DynamoEndpoint, direct: bool
) -> None:
    resources = EndpointResources(dynamodb=endpoint)
    with dynamodb_backend(resources, TABLES, Notes) as backend:
        backend._direct.enabled = direct  # type: ignore[union-attr]
        with backend.fresh(counting()[0]) as notes:
            kept = notes.add("ann", "food", "bread")
            gone = notes.add("bob", "food", "soup")
            notes.add("ann", "work", "report")
            notes.remove("bob", gone)
            saved = backend.save()
        assert isinstance(saved, MotoTablesState if direct else DynamoItems)
        for _ in range(2):
            with backend.fresh(counting()[0], restore=saved) as notes:
                assert sorted(notes.on_topic("food") + notes.on_topic("work")) == [
                    "bread",
                    "report",
                ]
                notes.add("cy", "food", "jam")
                notes.remove("ann", kept)
            with backend.fresh(counting()[0], restore=saved) as notes:
                assert notes.text("ann", kept) == "bread"
                assert notes.on_topic("food") == ["bread"]


@pytest.mark.parametrize("restore", [False, True], ids=["empty", "restored"])
def test_tables_that_vanished_are_created_again(
    notes_backend: DynamoDBBackend, endpoint: DynamoEndpoint, restore: bool
) -> None:
    with notes_backend.fresh(counting()[0]) as notes:
        notes.add("ann", "food", "bread")
        saved = notes_backend.save()
    with moto_in_process():  # another test's mock: moto's state is reset
        pass
    assert endpoint.client().list_tables()["TableNames"] == []
    with notes_backend.fresh(counting()[0], restore=saved if restore else None) as notes:
        assert notes.on_topic("food") == (["bread"] if restore else [])
    assert len(endpoint.client().list_tables()["TableNames"]) == 2
    assert notes_backend.direct  # a vanished table is not a reason to leave moto's objects


def test_direct_state_falls_back_to_the_api_with_one_warning_when_moto_changed(
    notes_backend: DynamoDBBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    def changed(*args: Any, **kwargs: Any) -> Any:
        raise MotoStateError("moto changed", expected="Table.items", observed="nothing")

    monkeypatch.setattr("harness.storage.moto_direct.save_tables", changed)
    with notes_backend.fresh(counting()[0]) as notes:
        notes.add("ann", "food", "bread")
        with pytest.warns(RuntimeWarning, match="direct moto state unavailable"):
            saved = notes_backend.save()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert notes_backend.save() == saved  # no second warning
    assert not notes_backend.direct
    assert isinstance(saved, DynamoItems) and saved.item_count() == 1
    with notes_backend.fresh(counting()[0], restore=saved) as notes:
        assert notes.on_topic("food") == ["bread"]


def test_what_the_build_returns_is_entered_or_closed_around_the_block(
    endpoint: DynamoEndpoint,
) -> None:
    made: list[Notes] = []

    def build(tables: DynamoDBTables, determinism: Determinism) -> Notes:
        made.append(Notes(tables, determinism))
        return made[-1]

    with dynamodb_backend(EndpointResources(dynamodb=endpoint), TABLES, build) as backend:
        with backend.fresh(counting()[0]) as notes:
            assert notes is made[0] and not notes.closed
        assert made[0].closed

    events: list[str] = []

    class Managed:
        def __enter__(self) -> str:
            events.append("enter")
            return "repositories"

        def __exit__(self, *exc: object) -> None:
            events.append("exit")

    with opened(Managed()) as value:
        assert (value, events) == ("repositories", ["enter"])
    assert events == ["enter", "exit"]
    with opened(42) as plain:
        assert plain == 42


def test_a_table_name_that_was_not_declared_is_refused(endpoint: DynamoEndpoint) -> None:
    tables = DynamoDBTables(endpoint, TABLES)
    assert tables.table_name("notes") == "parity_test_ab12_notes"
    assert tables.table_prefix == "parity_test_ab12_"
    with pytest.raises(StorageError, match="no table 'note' was declared") as raised:
        tables.table_name("note")
    assert "'notes'" in raised.value.expected


def test_create_table_failing_names_the_table_and_what_dynamodb_said(
    endpoint: DynamoEndpoint,
) -> None:
    provisioned = DynamoTables([{**COUNTERS, "BillingMode": "PROVISIONED"}])
    resources = EndpointResources(dynamodb=endpoint)
    with pytest.raises(StorageError) as raised, dynamodb_backend(resources, provisioned, Notes):
        pass
    assert "parity_test_ab12_counters (logical counters)" in raised.value.what
    assert "ValidationException" in raised.value.observed
    assert "[('name', 'HASH')]" in raised.value.expected
    assert "AttributeDefinitions" in raised.value.hint


def test_an_existing_table_with_other_keys_is_reported_not_reused(
    endpoint: DynamoEndpoint,
) -> None:
    resources = EndpointResources(dynamodb=endpoint)
    other = {**COUNTERS, "TableName": "notes"}
    with dynamodb_backend(resources, DynamoTables([other]), Notes):
        pass
    with (
        pytest.raises(StorageError, match="exists with another definition") as raised,
        dynamodb_backend(resources, TABLES, Notes),
    ):
        pass
    assert "[('name', 'HASH')]" in raised.value.observed
    assert "prefix" in raised.value.hint


def test_a_state_from_elsewhere_is_refused_on_restore(notes_backend: DynamoDBBackend) -> None:
    notes_backend._direct.enabled = False  # type: ignore[union-attr]
    with (
        pytest.raises(StorageError, match="does not belong") as raised,
        notes_backend.fresh(counting()[0], restore={"users": []}),
    ):
        pass
    assert "dict" in raised.value.observed


def test_resources_without_an_endpoint_say_which_is_missing() -> None:
    with pytest.raises(StorageError, match="no mysql endpoint"):
        EndpointResources().mysql()


def test_importing_the_storage_helpers_imports_no_database_driver() -> None:
    code = (
        "import sys, harness.storage; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'pymysql', 'boto3', 'botocore', 'moto'}))"
    )
    result = subprocess.run(  # noqa: S603 - this interpreter, a fixed program
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "[]"
