"""Partial batch answers, injected into one boto3 DynamoDB client through botocore's events.

Real DynamoDB may answer a ``BatchGetItem`` with ``UnprocessedKeys`` and a
``BatchWriteItem`` with ``UnprocessedItems`` (under throttling, or past a response's
16 MB); moto and most emulators never do, so the retry paths that handle them are never
run. These context managers make a client's next answers partial, a given number of times,
then let them through::

    with HoldBackWrites(client, times=3) as held:
        save_everything(client)        # sees three partial answers, then complete ones
    assert held.held > 0               # the fault really happened

``HoldBackReads`` reads the real answer and moves all but ``keep`` items per table to
``UnprocessedKeys`` (a read changes nothing, so the server has done no more than the
answer says). ``HoldBackWrites`` takes all but ``keep`` requests per table out of the
request before it is sent and returns them as ``UnprocessedItems``, so the server never
applies them: exactly what a partial write is. Handlers are registered on the given
client's own event emitter; other clients are not affected.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from types import TracebackType
from typing import Any, Self

__all__ = ["HoldBackReads", "HoldBackWrites", "answer_with", "answer_with_error"]


class _Body:
    """The body of a made-up response, as botocore reads it."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def answer_with(status: int, document: Mapping[str, Any]) -> Callable[..., Any]:
    """A ``before-send`` handler answering with HTTP ``status`` and the JSON ``document``
    (what DynamoDB would have sent), without sending the request."""
    from botocore.awsrequest import AWSResponse, HTTPHeaders

    body = json.dumps(dict(document)).encode()

    def answer(request: Any, **_: Any) -> AWSResponse:
        headers = HTTPHeaders()
        headers["Content-Type"] = "application/x-amz-json-1.0"
        headers["x-amzn-RequestId"] = "injected"
        return AWSResponse(request.url, status, headers, _Body(body))

    return answer


def answer_with_error(status: int, code: str, **fields: Any) -> Callable[..., Any]:
    """A ``before-send`` handler answering with the DynamoDB JSON error ``code`` (and any
    extra ``fields``, e.g. ``CancellationReasons``), without sending the request."""
    error = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": "injected"}
    return answer_with(status, {**error, **fields})


class _HoldBack:
    """``times`` answers to make partial, keeping ``keep`` items per table in each."""

    def __init__(self, client: Any, times: int, keep: int = 1) -> None:
        if times < 0 or keep < 0:
            raise ValueError(f"times and keep must be >= 0, got times={times}, keep={keep}")
        self.client = client
        self.left = times
        self.keep = keep
        self.answers = 0
        """Answers seen while active (partial or not)."""
        self.partial = 0
        """Answers made partial."""
        self.held = 0
        """Keys or write requests held back, over all answers."""

    def _take_turn(self) -> bool:
        if self.left == 0:
            return False
        self.left -= 1
        return True

    def _handlers(self) -> list[tuple[str, Any]]:
        raise NotImplementedError

    def __enter__(self) -> Self:
        for event, handler in self._handlers():
            self.client.meta.events.register(event, handler)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for event, handler in self._handlers():
            self.client.meta.events.unregister(event, handler)


class HoldBackReads(_HoldBack):
    """The next ``times`` BatchGetItem answers keep ``keep`` items per table; the rest of
    their keys come back as ``UnprocessedKeys``."""

    def __init__(self, client: Any, times: int, keep: int = 1) -> None:
        super().__init__(client, times, keep)
        self._keys: dict[str, tuple[str, ...]] = {}
        """Each table's key attributes, read once from DescribeTable."""

    def _handlers(self) -> list[tuple[str, Any]]:
        return [("after-call.dynamodb.BatchGetItem", self._after_call)]

    def _key_names_of(self, table: str) -> tuple[str, ...]:
        if table not in self._keys:
            schema = self.client.describe_table(TableName=table)["Table"]["KeySchema"]
            self._keys[table] = tuple(element["AttributeName"] for element in schema)
        return self._keys[table]

    def _after_call(self, parsed: dict[str, Any], **_: Any) -> None:
        self.answers += 1
        if "Error" in parsed or not self._take_turn():
            return
        self.partial += 1
        unprocessed: dict[str, Any] = dict(parsed.get("UnprocessedKeys") or {})
        for table, items in parsed.get("Responses", {}).items():
            kept, held = items[: self.keep], items[self.keep :]
            parsed["Responses"][table] = kept
            if held:
                names = self._key_names_of(table)
                keys = [{k: item[k] for k in names} for item in held]
                unprocessed.setdefault(table, {"Keys": [], "ConsistentRead": True})
                unprocessed[table]["Keys"] = [*unprocessed[table]["Keys"], *keys]
                self.held += len(held)
        parsed["UnprocessedKeys"] = unprocessed


class HoldBackWrites(_HoldBack):
    """The next ``times`` BatchWriteItem requests send only ``keep`` requests per table;
    the rest are never sent and come back as ``UnprocessedItems``. With ``keep=0`` the
    request is not sent at all: the answer says every item is unprocessed."""

    def __init__(self, client: Any, times: int, keep: int = 1) -> None:
        super().__init__(client, times, keep)
        self._withheld: dict[str, list[Any]] | None = None
        self._send_nothing = False

    def _handlers(self) -> list[tuple[str, Any]]:
        return [
            ("before-parameter-build.dynamodb.BatchWriteItem", self._before_build),
            ("before-call.dynamodb.BatchWriteItem", self._before_call),
            ("after-call.dynamodb.BatchWriteItem", self._after_call),
        ]

    def _before_build(self, params: dict[str, Any], **_: Any) -> None:
        self._withheld, self._send_nothing = None, False
        if not self._take_turn():
            return
        withheld: dict[str, list[Any]] = {}
        sent: dict[str, list[Any]] = {}
        for table, requests in params.get("RequestItems", {}).items():
            kept, held = list(requests[: self.keep]), list(requests[self.keep :])
            if kept:
                sent[table] = kept
            if held:
                withheld[table] = held
        self._withheld = withheld
        if sent:
            params["RequestItems"] = sent
        else:  # an empty batch is invalid: build the request as asked, answer it ourselves
            self._send_nothing = True

    def _before_call(self, **_: Any) -> Any:
        """When nothing is to be sent, answer before any request is made (botocore skips
        sending when a before-call handler returns ``(http_response, parsed)``)."""
        if not self._send_nothing:
            return None
        from botocore.awsrequest import AWSResponse, HTTPHeaders

        headers = HTTPHeaders()
        headers["x-amzn-RequestId"] = "injected"
        http = AWSResponse("injected://", 200, headers, _Body(b"{}"))
        return http, {"ResponseMetadata": {"HTTPStatusCode": 200, "RequestId": "injected"}}

    def _after_call(self, parsed: dict[str, Any], **_: Any) -> None:
        self.answers += 1
        withheld, self._withheld, self._send_nothing = self._withheld, None, False
        if withheld is None or "Error" in parsed:
            return
        self.partial += 1
        unprocessed: dict[str, list[Any]] = dict(parsed.get("UnprocessedItems") or {})
        for table, requests in withheld.items():
            unprocessed[table] = [*unprocessed.get(table, []), *requests]
            self.held += len(requests)
        parsed["UnprocessedItems"] = unprocessed
