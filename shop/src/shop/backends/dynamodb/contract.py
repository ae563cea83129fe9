"""The migration contract: loading the JSON file and creating / resetting the tables it names.

``migration-contract.json`` (package data beside this module) is the one description of
the DynamoDB data model: tables, key schema, attribute types, GSIs (keys and projection),
item key templates and the requests each repository method issues. The repositories build every key
from it (see ``keys``) and ``create_tables`` creates exactly what it says.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from shop.backends.dynamodb.client import make_client, unprocessed_pause
from shop.backends.dynamodb.errors import unavailable
from shop.domain import Unavailable
from shop.settings import DynamoSettings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

logger = logging.getLogger(__name__)

CONTRACT_PATH: Traversable = (
    resources.files(__package__ or "shop.backends.dynamodb") / "migration-contract.json"
)
"""The contract: package data, so it is found in an installed (non-editable) shop too."""


@dataclass(frozen=True)
class Index:
    """One global secondary index."""

    name: str
    partition_key: str
    sort_key: str | None
    projection: str


@dataclass(frozen=True)
class ItemShape:
    """How one item type's table keys and index keys are built (``str.format`` templates)."""

    keys: Mapping[str, str]
    index_keys: Mapping[str, str]


@dataclass(frozen=True)
class Table:
    """One table of the contract, by its logical name (the physical name adds a prefix)."""

    name: str
    partition_key: str
    sort_key: str | None
    attribute_types: Mapping[str, str]
    indexes: Mapping[str, Index]
    items: Mapping[str, ItemShape]


@dataclass(frozen=True)
class Contract:
    """The whole migration contract."""

    tables: Mapping[str, Table]
    access_patterns: Mapping[str, Mapping[str, tuple[str, ...]]]
    transaction_limit: int
    batch_get_limit: int
    batch_write_limit: int
    notes: tuple[str, ...]
    billing_mode: str

    def table_names(self, prefix: str) -> dict[str, str]:
        """Logical table name -> physical name (``prefix`` + logical name)."""
        return {name: prefix + name for name in self.tables}


class ContractError(ValueError):
    """The contract file is missing or malformed."""


def _index(name: str, raw: Mapping[str, Any]) -> Index:
    return Index(name, raw["partition_key"], raw.get("sort_key"), raw["projection"])


def _table(name: str, raw: Mapping[str, Any]) -> Table:
    indexes = {n: _index(n, i) for n, i in raw.get("indexes", {}).items()}
    items = {
        n: ItemShape(dict(i["keys"]), dict(i.get("index_keys", {})))
        for n, i in raw.get("items", {}).items()
    }
    table = Table(
        name=name,
        partition_key=raw["partition_key"],
        sort_key=raw.get("sort_key"),
        attribute_types=dict(raw["attribute_types"]),
        indexes=indexes,
        items=items,
    )
    key_attributes = {table.partition_key, table.sort_key} | {
        k for i in indexes.values() for k in (i.partition_key, i.sort_key)
    }
    key_attributes.discard(None)
    if key_attributes != set(table.attribute_types):
        raise ContractError(
            f"table {name}: expected attribute_types to list exactly the key attributes "
            f"{sorted(str(k) for k in key_attributes)}, got {sorted(table.attribute_types)}"
        )
    return table


def parse_contract(raw: Mapping[str, Any]) -> Contract:
    """A ``Contract`` from the decoded JSON document."""
    try:
        patterns: dict[str, dict[str, tuple[str, ...]]] = {}
        for entry in raw["access_patterns"]:
            variants = entry.get("variants") or {"default": entry["requests"]}
            patterns[entry["method"]] = {k: tuple(v) for k, v in variants.items()}
        limits = raw["limits"]
        return Contract(
            tables={n: _table(n, t) for n, t in raw["tables"].items()},
            access_patterns=patterns,
            transaction_limit=int(limits["transaction_items"]),
            batch_get_limit=int(limits["batch_get_keys"]),
            batch_write_limit=int(limits["batch_write_items"]),
            notes=tuple(raw.get("notes", ())),
            billing_mode=raw.get("billing_mode", "PAY_PER_REQUEST"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, ContractError):
            raise
        raise ContractError(f"malformed migration contract: {exc!r}") from exc


@functools.lru_cache(maxsize=4)
def load_contract(path: Path | Traversable = CONTRACT_PATH) -> Contract:
    """The contract in ``path`` (the project's file by default), parsed once per process."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ContractError(
            f"expected the DynamoDB migration contract at {path}, could not read it: {exc}"
        ) from exc
    return parse_contract(raw)


def create_table_request(contract: Contract, logical: str, prefix: str) -> dict[str, Any]:
    """The ``CreateTable`` parameters of one contract table."""
    table = contract.tables[logical]

    def schema(partition: str, sort: str | None) -> list[dict[str, str]]:
        keys = [{"AttributeName": partition, "KeyType": "HASH"}]
        if sort is not None:
            keys.append({"AttributeName": sort, "KeyType": "RANGE"})
        return keys

    request: dict[str, Any] = {
        "TableName": prefix + logical,
        "BillingMode": contract.billing_mode,
        "KeySchema": schema(table.partition_key, table.sort_key),
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": kind}
            for name, kind in table.attribute_types.items()
        ],
    }
    if table.indexes:
        request["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index.name,
                "KeySchema": schema(index.partition_key, index.sort_key),
                "Projection": {"ProjectionType": index.projection},
            }
            for index in table.indexes.values()
        ]
    return request


@contextmanager
def _admin(
    settings: DynamoSettings, client: DynamoDBClient | None, contract: Contract | None
) -> Iterator[tuple[DynamoDBClient, str, Contract]]:
    """The client to use (a new one, closed afterwards, unless given), prefix and contract."""
    own = client is None
    active = make_client(settings) if client is None else client
    try:
        yield active, settings.table_prefix, contract or load_contract()
    finally:
        if own:
            active.close()


def create_tables(
    settings: DynamoSettings,
    *,
    client: DynamoDBClient | None = None,
    contract: Contract | None = None,
) -> None:
    """Create every contract table that does not exist yet and wait until all are active.

    ``client`` defaults to a new one from ``settings`` (not the repositories' client, so
    these requests are not counted as theirs).
    """
    with _admin(settings, client, contract) as (client, prefix, contract):
        for logical in contract.tables:
            request = create_table_request(contract, logical, prefix)
            try:
                client.create_table(**request)
                logger.info("created DynamoDB table %s", request["TableName"])
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ResourceInUseException":
                    raise unavailable("CreateTable", request["TableName"], exc) from None
            except BotoCoreError as exc:
                raise unavailable("CreateTable", request["TableName"], exc) from None
        waiter = client.get_waiter("table_exists")
        for physical in contract.table_names(prefix).values():
            try:
                waiter.wait(TableName=physical, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
            except BotoCoreError as exc:
                raise unavailable("DescribeTable", physical, exc) from None


def delete_tables(
    settings: DynamoSettings,
    *,
    client: DynamoDBClient | None = None,
    contract: Contract | None = None,
) -> None:
    """Drop every contract table that exists."""
    with _admin(settings, client, contract) as (client, prefix, contract):
        for physical in contract.table_names(prefix).values():
            try:
                client.delete_table(TableName=physical)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                    raise unavailable("DeleteTable", physical, exc) from None
            except BotoCoreError as exc:
                raise unavailable("DeleteTable", physical, exc) from None


def write_batches(
    client: DynamoDBClient,
    physical: str,
    requests: Sequence[Mapping[str, Any]],
    contract: Contract,
    attempts: int,
) -> None:
    """BatchWriteItem of ``requests`` in chunks of the contract's batch limit.

    Items DynamoDB leaves unprocessed (it may, when throttled) are sent again after a
    short, growing pause; items still unprocessed after ``attempts`` requests for a chunk
    make the call ``Unavailable``, naming how many were never written.
    """
    limit = contract.batch_write_limit
    for start in range(0, len(requests), limit):
        pending: Mapping[str, Any] = {physical: list(requests[start : start + limit])}
        for attempt in range(attempts):
            if attempt:
                time.sleep(unprocessed_pause(attempt))
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not pending:
                break
        else:
            left = len(pending.get(physical, []))
            detail = f"{left} items still unprocessed after {attempts} requests"
            logger.warning("DynamoDB BatchWriteItem on %s failed: %s", physical, detail)
            raise Unavailable("BatchWriteItem", f"{physical}: {detail}")


def delete_all_items(
    settings: DynamoSettings,
    *,
    client: DynamoDBClient | None = None,
    contract: Contract | None = None,
) -> int:
    """Empty every contract table (for a per-test reset); returns how many items went.

    Uses Scan + BatchWriteItem on its own client (unless given one), so these requests
    are never counted as the repositories'.
    """
    with _admin(settings, client, contract) as (client, prefix, contract):
        removed = 0
        for logical, table in contract.tables.items():
            physical = prefix + logical
            key_names = [k for k in (table.partition_key, table.sort_key) if k]
            names = {f"#k{i}": k for i, k in enumerate(key_names)}
            scan: dict[str, Any] = {
                "TableName": physical,
                "ProjectionExpression": ", ".join(names),
                "ExpressionAttributeNames": names,
                "ConsistentRead": True,
            }
            try:
                while True:
                    page = client.scan(**scan)
                    keys = [{k: item[k] for k in key_names} for item in page.get("Items", [])]
                    deletes = [{"DeleteRequest": {"Key": key}} for key in keys]
                    write_batches(client, physical, deletes, contract, settings.max_attempts)
                    removed += len(keys)
                    if "LastEvaluatedKey" not in page:
                        break
                    scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
            except (ClientError, BotoCoreError) as exc:
                raise unavailable("Scan/BatchWriteItem", physical, exc) from None
        return removed


TableItems = dict[str, list[dict[str, Any]]]
"""Logical table name -> its items as raw attribute values."""


def dump_items(
    settings: DynamoSettings,
    *,
    client: DynamoDBClient | None = None,
    contract: Contract | None = None,
) -> TableItems:
    """Every item of every contract table, raw (to restore a seeded state fast)."""
    with _admin(settings, client, contract) as (client, prefix, contract):
        saved: TableItems = {}
        for logical in contract.tables:
            physical = prefix + logical
            scan: dict[str, Any] = {"TableName": physical, "ConsistentRead": True}
            items: list[dict[str, Any]] = []
            try:
                while True:
                    page = client.scan(**scan)
                    items.extend(page.get("Items", []))
                    if "LastEvaluatedKey" not in page:
                        break
                    scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
            except (BotoCoreError, ClientError) as exc:
                raise unavailable("Scan", physical, exc) from None
            saved[logical] = items
        return saved


def load_items(
    settings: DynamoSettings,
    saved: TableItems,
    *,
    client: DynamoDBClient | None = None,
    contract: Contract | None = None,
) -> None:
    """Make the tables hold exactly what ``dump_items`` saved.

    Differential: items that are not in ``saved`` are deleted and items that differ from
    it are put back; identical items are left alone (a case changes few of them).
    """
    with _admin(settings, client, contract) as (client, prefix, contract):
        current = dump_items(settings, client=client, contract=contract)
        for logical, table in contract.tables.items():
            physical = prefix + logical
            key_names = [k for k in (table.partition_key, table.sort_key) if k]

            def key_of(item: Mapping[str, Any], names: list[str] = key_names) -> str:
                return json.dumps([item[k] for k in names], sort_keys=True)

            wanted = {key_of(item): item for item in saved.get(logical, [])}
            present = {key_of(item): item for item in current.get(logical, [])}
            requests = [
                {"DeleteRequest": {"Key": {k: item[k] for k in key_names}}}
                for key, item in present.items()
                if key not in wanted
            ] + [
                {"PutRequest": {"Item": item}}
                for key, item in wanted.items()
                if present.get(key) != item
            ]
            try:
                write_batches(client, physical, requests, contract, settings.max_attempts)
            except (BotoCoreError, ClientError) as exc:
                raise unavailable("BatchWriteItem", physical, exc) from None
