"""DynamoDB tables through the API: create them, empty them, save and restore their items.

Imported only when a DynamoDB backend is opened (it imports botocore). Every request goes
through the backend's administrative client, which is never counted as the repositories'.

- ``create_tables``: ``CreateTable`` for each declared table under the prefix; a table
  that exists already is checked to have the declared key schema; then waits until every
  table is ``ACTIVE`` (immediate on moto and DynamoDB Local).
- ``clear_tables``: keys-only ``Scan`` + ``BatchWriteItem`` deletes
  (``harness.provisioning.isolation.reset_dynamodb``, the measured fastest way: about
  10 ms for a typical test on moto, against ~31 ms for DeleteTable + CreateTable on moto
  and many seconds per table on real DynamoDB).
- ``dump_items`` / ``load_items``: a ``Scan`` of every table; a restore deletes the items
  not in the saved state and puts back those that differ (a case changes few).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError, WaiterError
from botocore.exceptions import ConnectionError as BotoConnectionError

from harness.storage.errors import StorageError, StorageUnavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from harness.storage.dynamodb_tables import DynamoTables

_BATCH = 25
"""BatchWriteItem's limit."""


@dataclass(frozen=True)
class DynamoItems:
    """Every item of every table, as the API returns them: logical name -> raw items."""

    tables: Mapping[str, tuple[dict[str, Any], ...]]

    def item_count(self) -> int:
        """How many items the state holds, over all tables."""
        return sum(len(items) for items in self.tables.values())


def error_code(error: ClientError) -> str:
    """The error code of a botocore ``ClientError`` (``ResourceNotFoundException``...)."""
    return str(error.response.get("Error", {}).get("Code", ""))


def is_missing_table(error: BaseException) -> bool:
    """Whether ``error`` says a table does not exist."""
    return isinstance(error, ClientError) and error_code(error) == "ResourceNotFoundException"


def create_tables(client: DynamoDBClient, tables: DynamoTables, prefix: str) -> list[str]:
    """Create every declared table that does not exist; the physical names created."""
    created: list[str] = []
    for logical in tables.names:
        request = tables.create_request(logical, prefix)
        physical = request["TableName"]
        try:
            client.create_table(**request)
            created.append(physical)
        except ClientError as error:
            if error_code(error) == "ResourceInUseException":
                _check_existing(client, logical, request)
            elif is_unavailable(error):
                raise unavailable("CreateTable", physical, error) from None
            else:
                raise _create_failed(logical, request, error) from None
        except BotoCoreError as error:
            if is_unavailable(error):
                raise unavailable("CreateTable", physical, error) from None
            raise _create_failed(logical, request, error) from None
    waiter = client.get_waiter("table_exists")
    for logical in tables.names:
        physical = prefix + logical
        try:
            waiter.wait(TableName=physical, WaiterConfig={"Delay": 1, "MaxAttempts": 120})
        except (WaiterError, BotoCoreError) as error:
            raise StorageError(
                f"DynamoDB table {physical} did not become ACTIVE",
                expected="TableStatus ACTIVE within 2 minutes of CreateTable",
                observed=f"{type(error).__name__}: {error}",
                hint="check the endpoint's health and the account's table limits",
            ) from None
    return created


def _create_failed(
    logical: str, request: Mapping[str, Any], error: ClientError | BotoCoreError
) -> StorageError:
    if isinstance(error, ClientError):
        code = error_code(error)
        message = error.response.get("Error", {}).get("Message", str(error))
    else:  # botocore refused the request before sending it
        code, message = type(error).__name__, str(error)
    keys = [(k.get("AttributeName"), k.get("KeyType")) for k in request.get("KeySchema", [])]
    indexes = [i.get("IndexName") for i in request.get("GlobalSecondaryIndexes", [])]
    return StorageError(
        f"CreateTable failed for DynamoDB table {request['TableName']} (logical {logical})",
        expected=f"the table created with key schema {keys}"
        + (f" and global secondary indexes {indexes}" if indexes else ""),
        observed=f"{code}: {message}",
        hint="fix the table's definition (DynamoTables): every key attribute of the table "
        "and its indexes defined once in AttributeDefinitions as S, N or B, index names "
        "unique, a Projection for each index; ValidationException messages name the field",
    )


def _check_existing(client: DynamoDBClient, logical: str, request: Mapping[str, Any]) -> None:
    """A table that exists already must have the declared keys (else: someone else's)."""
    physical = request["TableName"]
    try:
        table = client.describe_table(TableName=physical)["Table"]
    except (ClientError, BotoCoreError) as error:
        raise unavailable("DescribeTable", physical, error) from None
    wanted = _keys(request.get("KeySchema", []))
    seen = _keys(table.get("KeySchema", []))
    wanted_indexes = sorted(i["IndexName"] for i in request.get("GlobalSecondaryIndexes", []))
    seen_indexes = sorted(i["IndexName"] for i in table.get("GlobalSecondaryIndexes", []))
    if wanted != seen or wanted_indexes != seen_indexes:
        raise StorageError(
            f"DynamoDB table {physical} (logical {logical}) exists with another definition",
            expected=f"key schema {wanted}, global secondary indexes {wanted_indexes}",
            observed=f"key schema {seen}, global secondary indexes {seen_indexes}",
            hint="another run or target uses this table prefix; give this one its own "
            "prefix (the harness fixtures make one per worker and run), or delete the table",
        )


def _keys(schema: Sequence[Any]) -> list[tuple[str, str]]:
    return sorted((str(k["AttributeName"]), str(k["KeyType"])) for k in schema)


_TRANSIENT = frozenset(
    {
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
    }
)


def is_unavailable(error: BaseException) -> bool:
    """Whether ``error`` means the endpoint did not answer (or kept failing), not a bug
    (a request botocore refuses to send, e.g. ``ParamValidationError``, is a bug)."""
    if isinstance(error, HTTPClientError | BotoConnectionError):
        return True
    return isinstance(error, ClientError) and error_code(error) in _TRANSIENT


def unavailable(operation: str, table: str, error: BaseException) -> StorageUnavailable:
    """The ``StorageUnavailable`` for ``error`` (raised from it by the caller)."""
    return StorageUnavailable(
        f"DynamoDB {operation} on table {table} failed",
        expected=f"{operation} to answer",
        observed=f"{type(error).__name__}: {error}",
        hint="check that the DynamoDB endpoint is up and the credentials are accepted",
    )


def clear_tables(client: DynamoDBClient, tables: DynamoTables, prefix: str) -> None:
    """Delete every item of every declared table."""
    from harness.provisioning.isolation import reset_dynamodb

    key_names = {prefix + n: list(tables.key_names(n)) for n in tables.names}
    reset_dynamodb(client, list(key_names), key_names)


def dump_items(client: DynamoDBClient, tables: DynamoTables, prefix: str) -> DynamoItems:
    """Every item of every declared table, raw (a consistent Scan of each)."""
    saved: dict[str, tuple[dict[str, Any], ...]] = {}
    for logical in tables.names:
        request: dict[str, Any] = {"TableName": prefix + logical, "ConsistentRead": True}
        items: list[dict[str, Any]] = []
        while True:
            page = client.scan(**request)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        saved[logical] = tuple(items)
    return DynamoItems(saved)


def load_items(
    client: DynamoDBClient, state: DynamoItems, tables: DynamoTables, prefix: str
) -> None:
    """Make the tables hold exactly ``state``: delete what it lacks, put what differs."""
    current = dump_items(client, tables, prefix)
    for logical in tables.names:
        keys = tables.key_names(logical)

        def key_of(item: Mapping[str, Any], keys: Sequence[str] = keys) -> tuple[Any, ...]:
            return tuple(tuple(sorted(item[k].items())) for k in keys)

        wanted = {key_of(item): item for item in state.tables.get(logical, ())}
        present = {key_of(item): item for item in current.tables.get(logical, ())}
        requests: list[dict[str, Any]] = [
            {"DeleteRequest": {"Key": {k: item[k] for k in keys}}}
            for key, item in present.items()
            if key not in wanted
        ]
        requests += [
            {"PutRequest": {"Item": item}}
            for key, item in wanted.items()
            if present.get(key) != item
        ]
        batch_write(client, prefix + logical, requests)


UNPROCESSED_ATTEMPTS = 20
"""BatchWriteItem requests per chunk before items still unprocessed are an error."""


def batch_write(client: DynamoDBClient, table: str, requests: Sequence[Any]) -> None:
    """``BatchWriteItem`` of ``requests`` in chunks of 25, re-sending unprocessed items
    after a growing pause (0.1 s doubling up to 2 s; throttling); items still unprocessed
    after ``UNPROCESSED_ATTEMPTS`` requests are a StorageError."""
    for start in range(0, len(requests), _BATCH):
        pending: Any = {table: list(requests[start : start + _BATCH])}
        for attempt in range(UNPROCESSED_ATTEMPTS):
            if attempt:
                time.sleep(min(0.05 * 2**attempt, 2.0))
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems")
            if not pending:
                break
        else:
            raise StorageError(
                f"DynamoDB BatchWriteItem on table {table} kept items unprocessed",
                expected=f"every item written within {UNPROCESSED_ATTEMPTS} BatchWriteItem calls",
                observed=f"{len(pending.get(table, []))} items still unprocessed",
                hint="the table is throttled: raise its capacity or use on-demand billing",
            )


def check_state(state: Any, tables: DynamoTables) -> DynamoItems:
    """``state`` if it is a ``DynamoItems`` of these tables, else a clear error."""
    if not isinstance(state, DynamoItems) or not set(state.tables) <= set(tables.names):
        seen = sorted(state.tables) if isinstance(state, DynamoItems) else type(state).__name__
        raise StorageError(
            "DynamoDB restore: the state does not belong to these tables",
            expected=f"a DynamoDBBackend.save() result for tables {list(tables.names)}",
            observed=f"{seen}",
            hint="restore only states saved by the same backend in this session",
        )
    return state


__all__ = [
    "DynamoItems",
    "batch_write",
    "check_state",
    "clear_tables",
    "create_tables",
    "dump_items",
    "error_code",
    "is_missing_table",
    "is_unavailable",
    "load_items",
    "unavailable",
]
