"""The provisioned servers answer: one row through MySQL, one item through DynamoDB."""

from __future__ import annotations

import pytest

from harness.provisioning import (
    DynamoEndpoint,
    DynamoServer,
    MySQLEndpoint,
    MySQLServer,
    reset_dynamodb,
    reset_mysql,
    worker_id,
)

pytestmark = pytest.mark.integration


def test_mysql_database_stores_and_returns_a_row(parity_mysql_database: MySQLEndpoint) -> None:
    with parity_mysql_database.connect() as conn, conn.cursor() as cur:
        cur.execute(
            "CREATE TABLE smoke_row (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50))"
        )
        cur.execute("INSERT INTO smoke_row (name) VALUES (%s)", ("ünïcode ✓",))
        cur.execute("SELECT id, name FROM smoke_row")
        assert cur.fetchall() == ((1, "ünïcode ✓"),)
        cur.execute("DROP TABLE smoke_row")


def test_mysql_database_is_private_to_this_worker(parity_mysql_database: MySQLEndpoint) -> None:
    assert parity_mysql_database.database is not None
    assert parity_mysql_database.database.startswith(f"parity_{worker_id()}_")
    with parity_mysql_database.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT DATABASE(), @@character_set_database, @@collation_database")
        assert cur.fetchone() == (parity_mysql_database.database, "utf8mb4", "utf8mb4_unicode_ci")


def test_mysql_server_describes_itself_without_secrets(parity_mysql_server: MySQLServer) -> None:
    line = parity_mysql_server.describe()
    assert line.startswith("MySQL <- ")
    assert parity_mysql_server.address in line
    if parity_mysql_server.admin.password:
        assert parity_mysql_server.admin.password not in line


def test_reset_mysql_empties_tables_and_restarts_ids(parity_mysql_database: MySQLEndpoint) -> None:
    with parity_mysql_database.connect() as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE smoke_parent (id BIGINT AUTO_INCREMENT PRIMARY KEY)")
        cur.execute(
            "CREATE TABLE smoke_child (parent_id BIGINT NOT NULL, "
            "FOREIGN KEY (parent_id) REFERENCES smoke_parent (id))"
        )
        cur.execute("INSERT INTO smoke_parent VALUES (), ()")
        cur.execute("INSERT INTO smoke_child VALUES (2)")

        reset_mysql(conn, ["smoke_parent", "smoke_child"])

        cur.execute(
            "SELECT (SELECT COUNT(*) FROM smoke_parent), (SELECT COUNT(*) FROM smoke_child)"
        )
        assert cur.fetchone() == (0, 0)
        cur.execute("INSERT INTO smoke_parent VALUES ()")
        assert cur.lastrowid == 1
        cur.execute("DROP TABLE smoke_child, smoke_parent")


def test_dynamodb_table_with_the_prefix_stores_and_returns_an_item(
    parity_dynamodb_endpoint: DynamoEndpoint,
) -> None:
    client = parity_dynamodb_endpoint.client()
    name = parity_dynamodb_endpoint.table_name("smoke")
    assert name.startswith(f"parity_{worker_id()}_")
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})

    client.put_item(TableName=name, Item={"pk": {"S": "one"}, "n": {"N": "1"}})
    item = client.get_item(TableName=name, Key={"pk": {"S": "one"}}, ConsistentRead=True)
    assert item["Item"] == {"pk": {"S": "one"}, "n": {"N": "1"}}

    reset_dynamodb(client, [name])
    assert client.scan(TableName=name, Select="COUNT")["Count"] == 0
    client.delete_table(TableName=name)


def test_dynamodb_server_describes_itself(parity_dynamodb_server: DynamoServer) -> None:
    line = parity_dynamodb_server.describe()
    assert line.startswith("DynamoDB <- ")
    assert parity_dynamodb_server.endpoint.secret_key is None or (
        parity_dynamodb_server.endpoint.secret_key not in repr(parity_dynamodb_server.endpoint)
    )


def test_an_external_endpoint_is_named_by_what_answers_it() -> None:
    """A moto server started apart and given as an external endpoint: the description
    the run header and reports show names the kind and version, not just "external"."""
    from harness.provisioning.dynamodb import ExternalDynamo, MotoServer

    own = MotoServer("identity test", "identity_").start()
    try:
        external = ExternalDynamo(own.endpoint, "PARITY_DYNAMODB_ENDPOINT is set").start()
        described = external.describe()
        assert "external endpoint: moto server" in described, described
        assert external.version.startswith("werkzeug "), described
        external.stop()
    finally:
        own.stop()
