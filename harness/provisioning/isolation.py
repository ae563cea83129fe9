"""Keep tests and xdist workers apart: unique names, per-run databases, fast per-test resets.

Reset methods were chosen by measurement (bench/bench_provisioning.py, 6 small tables):
  * MySQL: TRUNCATE only the tables whose AUTO_INCREMENT counter moved (a fresh
    database restarts ids, and the shop relies on that), DELETE FROM the others, with
    FOREIGN_KEY_CHECKS=0: ~0.9 ms when nothing changed, ~1.8 ms for a typical test,
    ~3.3 ms when all tables are dirty. TRUNCATE of all: ~3.6 ms (local server with
    innodb-file-per-table OFF; ~7.8 ms with it ON). DELETE + ALTER TABLE ...
    AUTO_INCREMENT=1: ~11 ms. Plain DELETE (~0.8 ms) does not restart ids.
  * DynamoDB: keys-only Scan + BatchWriteItem deletes: ~7-10 ms for a typical test on
    moto when key names are given; DeleteTable+CreateTable costs ~31 ms on moto whatever
    the content, and many seconds per table on real DynamoDB.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from pymysql.connections import Connection
    from pymysql.cursors import Cursor

    from harness.provisioning.endpoints import MySQLEndpoint

_IDENTIFIER = re.compile(r"^[A-Za-z0-9_$]{1,64}$")


def worker_id() -> str:
    """The xdist worker id (``gw0``, ``gw1``...) or ``master`` when not distributed."""
    return os.environ.get("PYTEST_XDIST_WORKER", "master")


def unique_suffix() -> str:
    """A short random hex token for names that must not collide between runs."""
    return secrets.token_hex(3)


def database_name(worker: str | None = None) -> str:
    """``parity_<worker>_<random>``: unique per worker and per run."""
    return f"parity_{_safe(worker or worker_id())}_{unique_suffix()}"


def table_prefix(base: str = "parity_", worker: str | None = None) -> str:
    """``<base><worker>_<random>_``: every table of this worker/run starts with it."""
    return f"{base}{_safe(worker or worker_id())}_{unique_suffix()}_"


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def quote_identifier(name: str) -> str:
    """Backtick-quote a MySQL identifier after checking it is a plain name."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain MySQL identifier: {name!r}")
    return f"`{name}`"


def create_database(admin: MySQLEndpoint, name: str) -> MySQLEndpoint:
    """Create database ``name`` (utf8mb4_unicode_ci, like the servers) and return its endpoint."""
    with admin.connect() as conn, conn.cursor() as cur:
        cur.execute(
            f"CREATE DATABASE {quote_identifier(name)} "
            "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )
    return admin.with_database(name)


def drop_database(admin: MySQLEndpoint, name: str) -> None:
    """Drop database ``name`` if it exists."""
    with admin.connect() as conn, conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {quote_identifier(name)}")


def reset_mysql(connection: Connection[Cursor], tables: Iterable[str]) -> None:
    """Empty ``tables`` and restart their AUTO_INCREMENT counters, as if freshly created.

    One information_schema query finds the tables whose counter has moved; those are
    TRUNCATEd (restarts the counter), the rest get a cheap DELETE. FK checks are off
    during the reset, so order does not matter. Commits if autocommit is off.
    """
    names = list(tables)
    if not names:
        return
    for name in names:
        quote_identifier(name)  # validates
    with connection.cursor() as cur:
        if _caches_table_stats(connection):
            cur.execute("SET SESSION information_schema_stats_expiry = 0")
        placeholders = ", ".join(["%s"] * len(names))
        cur.execute(
            "SELECT TABLE_NAME, AUTO_INCREMENT FROM information_schema.TABLES "  # noqa: S608 - only %s placeholders are inserted
            f"WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ({placeholders})",
            names,
        )
        counters = {str(row[0]): row[1] for row in cur.fetchall()}
        cur.execute("SET FOREIGN_KEY_CHECKS = 0")
        try:
            for name in names:
                counter = counters.get(name)
                if counter is not None and int(counter) > 1:
                    cur.execute(f"TRUNCATE TABLE {quote_identifier(name)}")
                else:
                    cur.execute(f"DELETE FROM {quote_identifier(name)}")  # noqa: S608 - quoted
        finally:
            cur.execute("SET FOREIGN_KEY_CHECKS = 1")
    if not connection.get_autocommit():
        connection.commit()


def _caches_table_stats(connection: Connection[Cursor]) -> bool:
    """MySQL 8+ caches information_schema table stats (AUTO_INCREMENT) unless told not to."""
    info = str(connection.get_server_info() or "")  # type: ignore[no-untyped-call]
    major = info.split(".", 1)[0]
    return "mariadb" not in info.lower() and major.isdigit() and int(major) >= 8


def reset_dynamodb(
    client: DynamoDBClient,
    table_names: Iterable[str],
    key_names: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """Delete every item of ``table_names`` (keys-only Scan + BatchWriteItem, retried).

    ``key_names`` maps a table to its key attribute names; tables missing from it cost
    one DescribeTable call each.
    """
    from harness.storage.dynamodb_state import batch_write  # imports botocore

    for table in table_names:
        keys = list((key_names or {}).get(table) or _key_names(client, table))
        scan_kwargs: dict[str, Any] = {
            "TableName": table,
            "ProjectionExpression": ", ".join(f"#k{i}" for i in range(len(keys))),
            "ExpressionAttributeNames": {f"#k{i}": key for i, key in enumerate(keys)},
            "ConsistentRead": True,
        }
        while True:
            page = client.scan(**scan_kwargs)
            deletes = [{"DeleteRequest": {"Key": key}} for key in page.get("Items", [])]
            batch_write(client, table, deletes)
            last = page.get("LastEvaluatedKey")
            if not last:
                break
            scan_kwargs["ExclusiveStartKey"] = last


def _key_names(client: DynamoDBClient, table: str) -> list[str]:
    schema = client.describe_table(TableName=table)["Table"]["KeySchema"]
    return [element["AttributeName"] for element in schema]


def drop_prefixed_tables(client: DynamoDBClient, prefix: str) -> list[str]:
    """Delete every table whose name starts with ``prefix``; return their names."""
    names: list[str] = []
    paginator = client.get_paginator("list_tables")
    for page in paginator.paginate():
        names.extend(name for name in page.get("TableNames", []) if name.startswith(prefix))
    for name in names:
        client.delete_table(TableName=name)
    return names
