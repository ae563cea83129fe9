"""Measure provisioning and per-test reset costs; prints a small table of figures.

Run:  python bench/bench_provisioning.py [--repeat 5] [--resets 40]

What it measures (medians):
  * time for a throwaway local mariadbd/mysqld to be ready (init datadir + start + first
    connection), and for moto's ThreadedMotoServer (child process) to answer ListTables;
  * MySQL per-test reset on 6 small FK-linked tables: TRUNCATE each vs DELETE each (FK
    checks off), vs DELETE + AUTO_INCREMENT restart, vs the harness's ``reset_mysql``;
  * DynamoDB per-test reset on 3 small tables: Scan + BatchWriteItem deletes (the
    harness's ``reset_dynamodb``) vs DeleteTable + CreateTable.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from harness.provisioning.choice import choose_mysql, find_binary
from harness.provisioning.dynamodb import MotoServer
from harness.provisioning.isolation import reset_dynamodb, reset_mysql
from harness.provisioning.mysql import LocalMySQLServer, open_mysql_server

SCHEMA = [
    """CREATE TABLE customers (id BIGINT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(190) NOT NULL,
       name VARCHAR(100) NOT NULL, UNIQUE KEY (email))""",
    """CREATE TABLE products (id BIGINT AUTO_INCREMENT PRIMARY KEY, sku VARCHAR(64) NOT NULL,
       price_cents INT NOT NULL, stock INT NOT NULL, UNIQUE KEY (sku))""",
    """CREATE TABLE orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, customer_id BIGINT NOT NULL,
       status VARCHAR(20) NOT NULL, FOREIGN KEY (customer_id) REFERENCES customers (id))""",
    """CREATE TABLE order_items (order_id BIGINT NOT NULL, product_id BIGINT NOT NULL,
       qty INT NOT NULL, PRIMARY KEY (order_id, product_id),
       FOREIGN KEY (order_id) REFERENCES orders (id),
       FOREIGN KEY (product_id) REFERENCES products (id))""",
    """CREATE TABLE payments (id BIGINT AUTO_INCREMENT PRIMARY KEY, order_id BIGINT NOT NULL,
       amount_cents INT NOT NULL, FOREIGN KEY (order_id) REFERENCES orders (id))""",
    """CREATE TABLE audit_log (id BIGINT AUTO_INCREMENT PRIMARY KEY, entity VARCHAR(40) NOT NULL,
       action VARCHAR(40) NOT NULL, at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))""",
]
SCENARIOS = ("full", "typical", "empty")
TABLES = ["customers", "products", "orders", "order_items", "payments", "audit_log"]
ROWS = 10


def median_ms(samples: list[float]) -> float:
    """Median of a list of seconds, in milliseconds."""
    return statistics.median(samples) * 1000


def timed(action: Callable[[], object]) -> float:
    """Seconds one call took."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


# --- MySQL ---------------------------------------------------------------------------


def fill_mysql(conn: Any, scenario: str) -> None:
    """Write rows as a test would: ``full`` = ROWS rows in all 6 tables, ``typical`` = 2 rows
    in 2 tables, ``empty`` = nothing."""
    with conn.cursor() as cur:
        if scenario == "typical":
            for i in range(2):
                cur.execute("INSERT INTO customers (email, name) VALUES (%s, 'C')", (f"t{i}@x",))
                cur.execute("INSERT INTO audit_log (entity, action) VALUES ('c', 'create')")
            return
        for i in range(ROWS if scenario == "full" else 0):
            cur.execute("INSERT INTO customers (email, name) VALUES (%s, %s)", (f"c{i}@x", "C"))
            customer = cur.lastrowid
            cur.execute(
                "INSERT INTO products (sku, price_cents, stock) VALUES (%s, 100, 5)", (f"s{i}",)
            )
            product = cur.lastrowid
            cur.execute("INSERT INTO orders (customer_id, status) VALUES (%s, 'new')", (customer,))
            order = cur.lastrowid
            cur.execute("INSERT INTO order_items VALUES (%s, %s, 1)", (order, product))
            cur.execute("INSERT INTO payments (order_id, amount_cents) VALUES (%s, 100)", (order,))
            cur.execute("INSERT INTO audit_log (entity, action) VALUES ('order', 'create')")


def truncate_all(conn: Any) -> None:
    """TRUNCATE every table with FK checks off."""
    with conn.cursor() as cur:
        cur.execute("SET FOREIGN_KEY_CHECKS = 0")
        for table in TABLES:
            cur.execute(f"TRUNCATE TABLE `{table}`")
        cur.execute("SET FOREIGN_KEY_CHECKS = 1")


def delete_all(conn: Any) -> None:
    """DELETE FROM every table with FK checks off (AUTO_INCREMENT counters keep counting)."""
    with conn.cursor() as cur:
        cur.execute("SET FOREIGN_KEY_CHECKS = 0")
        for table in TABLES:
            cur.execute(f"DELETE FROM `{table}`")  # noqa: S608 - fixed table names
        cur.execute("SET FOREIGN_KEY_CHECKS = 1")


def delete_all_restart_ids(conn: Any) -> None:
    """DELETE every table, then ALTER TABLE ... AUTO_INCREMENT = 1 on each."""
    delete_all(conn)
    with conn.cursor() as cur:
        for table in TABLES:
            cur.execute(f"ALTER TABLE `{table}` AUTO_INCREMENT = 1")


def bench_mysql(repeat: int, resets: int) -> list[tuple[str, str]]:
    """Start local servers `repeat` times, then time each reset method `resets` times."""
    choice = choose_mysql(os.environ, lambda: False, find_binary)
    rows: list[tuple[str, str]] = []
    if choice.source == "local" and choice.server_binary:
        starts: list[float] = []
        inits: list[float] = []
        for _ in range(repeat):
            local = LocalMySQLServer(choice.server_binary, choice.install_binary)
            starts.append(timed(local.start))
            inits.append(starts[-1] - local.ready_seconds)
            local.stop()
        label = f"local {os.path.basename(choice.server_binary)} ready (init+start+connect)"
        rows.append((label, f"{median_ms(starts):8.0f} ms"))
        rows.append(("  of which init datadir + version probe", f"{median_ms(inits):8.0f} ms"))
    with open_mysql_server(choice) as server:
        rows.append(("  server", server.describe().split(" at ")[0].removeprefix("MySQL <- ")))
        admin = server.admin.connect()
        with admin.cursor() as cur:
            cur.execute("CREATE DATABASE parity_bench")
        conn = server.admin.with_database("parity_bench").connect()
        with conn.cursor() as cur:
            for statement in SCHEMA:
                cur.execute(statement)
        methods: list[tuple[str, Callable[[Any], None]]] = [
            ("TRUNCATE x6", truncate_all),
            ("DELETE x6 (ids NOT restarted)", delete_all),
            ("DELETE x6 + AUTO_INCREMENT=1 x6", delete_all_restart_ids),
            ("reset_mysql() [harness]", lambda c: reset_mysql(c, TABLES)),
        ]
        rows.append(("MySQL reset, 6 tables, FK checks off", "full / typical / empty"))
        for name, method in methods:
            figures = []
            for scenario in SCENARIOS:
                samples: list[float] = []
                for _ in range(resets):
                    fill_mysql(conn, scenario)
                    samples.append(timed(lambda m=method: m(conn)))  # type: ignore[misc]
                    check_clean(conn, restarted=method is not delete_all)
                figures.append(median_ms(samples))
            rows.append((f"  {name}", " / ".join(f"{f:5.2f}" for f in figures) + " ms"))
        conn.close()
        with admin.cursor() as cur:
            cur.execute("DROP DATABASE parity_bench")
        admin.close()
    return rows


def check_clean(conn: Any, *, restarted: bool) -> None:
    """Fail loudly if a reset left rows behind (or, if ``restarted``, did not restart ids)."""
    with conn.cursor() as cur:
        for table in TABLES:
            cur.execute(f"SELECT COUNT(*) FROM `{table}`")  # noqa: S608 - fixed table names
            count = cur.fetchone()[0]
            if count:
                raise AssertionError(f"{table} still has {count} rows")
        if restarted:
            cur.execute("INSERT INTO audit_log (entity, action) VALUES ('probe', 'probe')")
            if cur.lastrowid != 1:
                raise AssertionError(f"audit_log ids not restarted: got {cur.lastrowid}")
            cur.execute("TRUNCATE TABLE audit_log")


# --- DynamoDB ------------------------------------------------------------------------

DYNAMO_TABLES: list[dict[str, Any]] = [
    {
        "TableName": "bench_customers",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    },
    {
        "TableName": "bench_orders",
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "status", "AttributeType": "S"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "by_status",
                "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        "BillingMode": "PAY_PER_REQUEST",
    },
    {
        "TableName": "bench_products",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    },
]
ITEMS = 30


def fill_dynamo(client: Any, scenario: str) -> None:
    """``full`` = ITEMS items in each of 3 tables, ``typical`` = 3 items in one, ``empty``."""
    for spec in DYNAMO_TABLES:
        count = {"full": ITEMS, "typical": 3 if spec is DYNAMO_TABLES[1] else 0}.get(scenario, 0)
        if not count:
            continue
        items = []
        for i in range(count):
            item = {"pk": {"S": f"k{i}"}, "payload": {"S": "x" * 50}}
            if spec["TableName"] == "bench_orders":
                item["sk"] = {"S": f"s{i}"}
                item["status"] = {"S": "new"}
            items.append({"PutRequest": {"Item": item}})
        for start in range(0, len(items), 25):
            client.batch_write_item(RequestItems={spec["TableName"]: items[start : start + 25]})


def recreate_tables(client: Any) -> None:
    """DeleteTable + CreateTable each (waiting for ACTIVE, as real DynamoDB needs)."""
    for spec in DYNAMO_TABLES:
        client.delete_table(TableName=spec["TableName"])
        client.get_waiter("table_not_exists").wait(
            TableName=spec["TableName"], WaiterConfig={"Delay": 1}
        )
        client.create_table(**spec)
        client.get_waiter("table_exists").wait(
            TableName=spec["TableName"], WaiterConfig={"Delay": 1}
        )


def bench_dynamo(repeat: int, resets: int) -> list[tuple[str, str]]:
    """Start moto `repeat` times, then time each reset method `resets` times."""
    rows: list[tuple[str, str]] = []
    starts: list[float] = []
    for _ in range(repeat):
        server = MotoServer("bench", "bench_")
        starts.append(timed(server.start))
        server.stop()
    rows.append(("moto ThreadedMotoServer ready (child process)", f"{median_ms(starts):8.0f} ms"))
    with MotoServer("bench", "bench_") as server:
        client = server.endpoint.client()
        for spec in DYNAMO_TABLES:
            client.create_table(**spec)
        names = [spec["TableName"] for spec in DYNAMO_TABLES]
        keys = {
            spec["TableName"]: [k["AttributeName"] for k in spec["KeySchema"]]
            for spec in DYNAMO_TABLES
        }
        methods: list[tuple[str, Callable[[Any], None]]] = [
            ("reset_dynamodb() Scan+BatchWrite", lambda c: reset_dynamodb(c, names)),
            ("  same, key names given", lambda c: reset_dynamodb(c, names, keys)),
            ("DeleteTable+CreateTable x3", recreate_tables),
        ]
        rows.append(
            (f"DynamoDB reset on moto, 3 tables ({ITEMS} items each)", "full / typical / empty")
        )
        for name, method in methods:
            figures = []
            for scenario in SCENARIOS:
                samples: list[float] = []
                for _ in range(resets):
                    fill_dynamo(client, scenario)
                    samples.append(timed(lambda m=method: m(client)))  # type: ignore[misc]
                    for table in names:
                        if client.scan(TableName=table, Select="COUNT")["Count"]:
                            raise AssertionError(f"{table} not empty after {name}")
                figures.append(median_ms(samples))
            rows.append((f"  {name}", " / ".join(f"{f:5.1f}" for f in figures) + " ms"))
    return rows


def main() -> None:
    """Parse options, run both benches, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=5, help="server starts to time")
    parser.add_argument("--resets", type=int, default=30, help="resets per method and scenario")
    args = parser.parse_args()
    rows = bench_mysql(args.repeat, args.resets) + bench_dynamo(args.repeat, args.resets // 2)
    width = max(len(label) for label, _ in rows)
    print(f"{'measurement (median)':<{width}}  value")
    print(f"{'-' * width}  {'-' * 30}")
    for label, value in rows:
        print(f"{label:<{width}}  {value}")


if __name__ == "__main__":
    main()
