"""The boto3 low-level client and the request helpers every repository uses.

``make_client`` configures botocore's retries (``standard`` or ``adaptive`` mode, a total
number of attempts) and timeouts: transient faults and throttling are retried there, never
by hand. ``Dynamo`` issues one request per call, converts plain Python values to and from
DynamoDB attribute values (``TypeSerializer`` refuses floats) and translates failures
(see ``errors``). It keeps no per-request state, so one instance serves many threads.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from shop.backends.dynamodb.actions import Action, Check, Delete, Put, Update
from shop.backends.dynamodb.errors import (
    CONDITION_FAILED,
    NO_ERROR,
    TRANSACTION_CONFLICT,
    ConditionFailed,
    Reason,
    TransactionCancelled,
    error_code,
    unavailable,
    unexpected_reasons,
)
from shop.domain import Conflict, Unavailable
from shop.settings import DynamoSettings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

logger = logging.getLogger(__name__)

Item = dict[str, Any]
"""A stored item as plain Python values (str, Decimal, bool, dict, list)."""

CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 10
MAX_POOL_CONNECTIONS = 64
"""Enough HTTP connections for the 20+ threads the concurrency tests run at once."""

CONCURRENT_CHANGE = "changed concurrently by another request; retry"
"""The ``Conflict`` reason when a condition failed because of a concurrent write."""

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def client_config(settings: DynamoSettings) -> Config:
    """The botocore configuration of the shop's clients: retries and timeouts.

    ``settings.max_attempts`` is the TOTAL number of attempts, initial one included
    (botocore's ``total_max_attempts``; its ``max_attempts`` would count retries only).
    """
    mode: Literal["standard", "adaptive"] = (
        "adaptive" if settings.retry_mode == "adaptive" else "standard"
    )
    return Config(
        retries={"mode": mode, "total_max_attempts": settings.max_attempts},
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        max_pool_connections=MAX_POOL_CONNECTIONS,
    )


def make_client(settings: DynamoSettings) -> DynamoDBClient:
    """A low-level DynamoDB client with the configured retries and timeouts
    (``client_config``)."""
    config = client_config(settings)
    with _SESSION_LOCK:
        return _shared_session().client(
            "dynamodb",
            endpoint_url=settings.endpoint_url,
            region_name=settings.region,
            aws_access_key_id=settings.access_key_id,
            aws_secret_access_key=settings.secret_access_key,
            config=config,
        )


_SESSION_LOCK = threading.Lock()


@functools.cache
def _shared_session() -> boto3.session.Session:
    """One boto3 session per process: it caches the service model, so a new client costs
    a few milliseconds instead of reloading the model (~50 ms). Credentials and region are
    passed per client, so settings never leak between clients. Sessions are not
    thread-safe, hence the lock around client creation."""
    return boto3.session.Session()


def observe_requests(client: DynamoDBClient, on_request: Callable[[str], None]) -> None:
    """Call ``on_request(operation name)`` once per API call ``client`` makes (not per retry)."""

    def before_call(model: Any, **_: Any) -> None:
        on_request(str(model.name))

    client.meta.events.register("before-call.dynamodb", before_call)


def serialize(item: Mapping[str, Any]) -> dict[str, Any]:
    """Plain values -> DynamoDB attribute values (``None`` entries are dropped)."""
    return {k: _serializer.serialize(v) for k, v in item.items() if v is not None}


def deserialize(raw: Mapping[str, Any]) -> Item:
    """DynamoDB attribute values -> plain values (numbers become ``Decimal``)."""
    return {k: _deserializer.deserialize(v) for k, v in raw.items()}


def _expression_args(names: Mapping[str, str], values: Mapping[str, Any]) -> dict[str, Any]:
    args: dict[str, Any] = {}
    if names:
        args["ExpressionAttributeNames"] = dict(names)
    if values:
        args["ExpressionAttributeValues"] = serialize(values)
    return args


def unprocessed_pause(attempt: int) -> float:
    """Seconds to wait before asking again for keys or items DynamoDB left unprocessed:
    0.1 s on the second attempt, doubling, at most 1 s."""
    return min(0.05 * 2.0**attempt, 1.0)


class Dynamo:
    """One-request helpers over a low-level client, with failure translation."""

    def __init__(
        self,
        client: DynamoDBClient,
        tables: Mapping[str, str],
        *,
        batch_get_limit: int = 100,
        unprocessed_attempts: int = 5,
    ) -> None:
        self.client = client
        self._tables = dict(tables)
        self._batch_get_limit = batch_get_limit
        self._unprocessed_attempts = unprocessed_attempts

    def physical(self, table: str) -> str:
        """The real name of logical table ``table``."""
        return self._tables[table]

    # -- translation ---------------------------------------------------------------------

    def _call(
        self,
        operation: str,
        table: str,
        send: Callable[..., Any],
        request: dict[str, Any],
        subject: tuple[str, str] | None = None,
    ) -> Any:
        try:
            return send(**request)
        except ClientError as exc:
            code = error_code(exc)
            if code == "ConditionalCheckFailedException":
                response: Mapping[str, Any] = exc.response
                old = response.get("Item")
                logger.debug("DynamoDB %s on %s: condition failed", operation, table)
                raise ConditionFailed(deserialize(old) if old else None) from None
            if code == "TransactionConflictException" and subject is not None:
                logger.info("DynamoDB %s on %s: conflicting transaction", operation, table)
                raise Conflict(subject[0], subject[1], CONCURRENT_CHANGE) from None
            if code == "TransactionCanceledException":
                raw_reasons: list[Mapping[str, Any]] = list(
                    exc.response.get("CancellationReasons", [])
                )
                reasons = [
                    Reason(
                        str(r.get("Code") or NO_ERROR),
                        deserialize(r["Item"]) if r.get("Item") else None,
                    )
                    for r in raw_reasons
                ]
                codes = {r.code for r in reasons}
                if not codes <= {NO_ERROR, CONDITION_FAILED, TRANSACTION_CONFLICT}:
                    raise unexpected_reasons(operation, table, reasons) from None
                logger.debug("DynamoDB %s on %s cancelled: %s", operation, table, codes)
                if CONDITION_FAILED not in codes and subject is not None:
                    raise Conflict(subject[0], subject[1], CONCURRENT_CHANGE) from None
                raise TransactionCancelled(reasons) from None
            raise unavailable(operation, table, exc) from None
        except BotoCoreError as exc:
            raise unavailable(operation, table, exc) from None

    # -- reads ---------------------------------------------------------------------------

    def get(
        self, table: str, key: Mapping[str, str], *, projection: Sequence[str] = ()
    ) -> Item | None:
        """GetItem (strongly consistent): the item at ``key`` or ``None``."""
        request: dict[str, Any] = {
            "TableName": self.physical(table),
            "Key": serialize(key),
            "ConsistentRead": True,
        }
        request.update(_projection(projection))
        response = self._call("GetItem", table, self.client.get_item, request)
        raw = response.get("Item")
        return deserialize(raw) if raw else None

    def query(
        self,
        table: str,
        *,
        key_condition: str,
        names: Mapping[str, str],
        values: Mapping[str, Any],
        index: str | None = None,
        limit: int | None = None,
        forward: bool = True,
        start_key: Mapping[str, Any] | None = None,
        projection: Sequence[str] = (),
    ) -> tuple[list[Item], dict[str, Any] | None]:
        """One Query: the items and the raw LastEvaluatedKey (None at the end).

        Base-table queries are strongly consistent; GSI queries cannot be.
        """
        request: dict[str, Any] = {
            "TableName": self.physical(table),
            "KeyConditionExpression": key_condition,
            "ScanIndexForward": forward,
            **_expression_args(names, values),
        }
        if index is None:
            request["ConsistentRead"] = True
        else:
            request["IndexName"] = index
        if limit is not None:
            request["Limit"] = limit
        if start_key is not None:
            request["ExclusiveStartKey"] = dict(start_key)
        if projection:
            merged = _projection(projection)
            request["ProjectionExpression"] = merged["ProjectionExpression"]
            request.setdefault("ExpressionAttributeNames", {}).update(
                merged["ExpressionAttributeNames"]
            )
        response = self._call("Query", _where(table, index), self.client.query, request)
        items = [deserialize(raw) for raw in response.get("Items", [])]
        return items, response.get("LastEvaluatedKey")

    def query_up_to(self, want: int | None, table: str, **query: Any) -> list[Item]:
        """Query pages until ``want`` items (all of them when ``None``) or the end.

        DynamoDB stops a page at 1 MB, so a page can hold fewer items than asked although
        more follow; this keeps asking (each request for just the items still missing).
        """
        items: list[Item] = []
        start_key = query.pop("start_key", None)
        while want is None or len(items) < want:
            limit = None if want is None else want - len(items)
            page, start_key = self.query(table, limit=limit, start_key=start_key, **query)
            items.extend(page)
            if start_key is None:
                break
        return items

    def scan(
        self,
        table: str,
        *,
        filter_expression: str,
        names: Mapping[str, str],
        values: Mapping[str, Any],
        start_key: Mapping[str, Any] | None = None,
    ) -> tuple[list[Item], dict[str, Any] | None]:
        """One (strongly consistent) Scan with a filter: matching items and LastEvaluatedKey."""
        request: dict[str, Any] = {
            "TableName": self.physical(table),
            "FilterExpression": filter_expression,
            "ConsistentRead": True,
            **_expression_args(names, values),
        }
        if start_key is not None:
            request["ExclusiveStartKey"] = dict(start_key)
        response = self._call("Scan", table, self.client.scan, request)
        items = [deserialize(raw) for raw in response.get("Items", [])]
        return items, response.get("LastEvaluatedKey")

    def batch_get(
        self,
        table: str,
        keys: Sequence[Mapping[str, str]],
        *,
        projection: Sequence[str] = (),
    ) -> list[Item]:
        """BatchGetItem (strongly consistent) of ``keys``, in chunks of at most 100 keys.

        The result is in no particular order. Keys DynamoDB leaves unprocessed (it may,
        under load or past 16 MB) are asked for again after a short, growing pause; keys
        still unprocessed after the configured attempts make the call ``Unavailable``.
        """
        unique = list({tuple(sorted(k.items())): k for k in keys}.values())
        found: list[Item] = []
        for start in range(0, len(unique), self._batch_get_limit):
            chunk = unique[start : start + self._batch_get_limit]
            found.extend(self._batch_get_chunk(table, chunk, projection))
        return found

    def _batch_get_chunk(
        self, table: str, keys: Sequence[Mapping[str, str]], projection: Sequence[str]
    ) -> list[Item]:
        physical = self.physical(table)
        spec: dict[str, Any] = {"Keys": [serialize(k) for k in keys], "ConsistentRead": True}
        spec.update(_projection(projection))
        pending: dict[str, Any] = {physical: spec}
        found: list[Item] = []
        for attempt in range(self._unprocessed_attempts):
            if attempt:
                time.sleep(unprocessed_pause(attempt))
            response = self._call(
                "BatchGetItem", table, self.client.batch_get_item, {"RequestItems": pending}
            )
            found.extend(
                deserialize(raw) for raw in response.get("Responses", {}).get(physical, [])
            )
            pending = dict(response.get("UnprocessedKeys") or {})
            if not pending:
                return found
        left = len(pending.get(physical, {}).get("Keys", []))
        detail = f"{left} keys still unprocessed after {self._unprocessed_attempts} requests"
        logger.warning("DynamoDB BatchGetItem on %s failed: %s", table, detail)
        raise Unavailable("BatchGetItem", f"{table}: {detail}")

    # -- writes --------------------------------------------------------------------------

    def put(
        self,
        table: str,
        item: Mapping[str, Any],
        *,
        subject: tuple[str, str],
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> None:
        """PutItem; ``ConditionFailed`` (with the old item) when ``condition`` is false."""
        request = self._write_request(table, condition, names, values)
        request["Item"] = serialize(item)
        self._call("PutItem", table, self.client.put_item, request, subject)

    def update(
        self,
        table: str,
        key: Mapping[str, str],
        *,
        expression: str,
        subject: tuple[str, str],
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
        returns: str = "ALL_NEW",
    ) -> Item:
        """UpdateItem; the item after the update (``returns``) or ``ConditionFailed``."""
        request = self._write_request(table, condition, names, values)
        request.update(Key=serialize(key), UpdateExpression=expression, ReturnValues=returns)
        response = self._call("UpdateItem", table, self.client.update_item, request, subject)
        return deserialize(response.get("Attributes", {}))

    def delete(
        self,
        table: str,
        key: Mapping[str, str],
        *,
        subject: tuple[str, str],
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> None:
        """DeleteItem; ``ConditionFailed`` (with the old item) when ``condition`` is false."""
        request = self._write_request(table, condition, names, values)
        request["Key"] = serialize(key)
        self._call("DeleteItem", table, self.client.delete_item, request, subject)

    def _write_request(
        self,
        table: str,
        condition: str | None,
        names: Mapping[str, str] | None,
        values: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "TableName": self.physical(table),
            **_expression_args(names or {}, values or {}),
        }
        if condition is not None:
            request["ConditionExpression"] = condition
            request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        return request

    def transact(self, actions: Sequence[Action], *, subject: tuple[str, str] | None) -> None:
        """One TransactWriteItems of ``actions``: all of them happen, or none.

        Raises ``TransactionCancelled`` when a condition was false (the reasons say which,
        with the old items), and ``Conflict(subject)`` when only conflicting transactions
        cancelled it (with ``subject=None``, ``TransactionCancelled`` in that case too, for
        a caller that can tell more).
        """
        tables = "+".join(dict.fromkeys(a.table for a in actions))
        request = {"TransactItems": [self._transact_item(a) for a in actions]}
        self._call("TransactWriteItems", tables, self.client.transact_write_items, request, subject)

    def _transact_item(self, action: Action) -> dict[str, Any]:
        body: dict[str, Any] = {
            "TableName": self.physical(action.table),
            **_expression_args(action.names, action.values),
        }
        if action.condition is not None:
            body["ConditionExpression"] = action.condition
            body["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        if isinstance(action, Put):
            body["Item"] = serialize(action.item)
            return {"Put": body}
        body["Key"] = serialize(action.key)
        if isinstance(action, Update):
            body["UpdateExpression"] = action.expression
            return {"Update": body}
        if isinstance(action, Delete):
            return {"Delete": body}
        if isinstance(action, Check):
            return {"ConditionCheck": body}
        raise TypeError(f"unknown transaction action {action!r}")


def _projection(attributes: Sequence[str]) -> dict[str, Any]:
    if not attributes:
        return {}
    names = {f"#p{i}": name for i, name in enumerate(attributes)}
    return {"ProjectionExpression": ", ".join(names), "ExpressionAttributeNames": names}


def _where(table: str, index: str | None) -> str:
    return table if index is None else f"{table}.{index}"
