"""boto3 DynamoDB clients for an endpoint, and counting the API calls a client makes.

Imported only when a DynamoDB backend is opened (it imports boto3).

Clients come from one boto3 session per process: it caches the service model, so a client
costs a few milliseconds instead of reloading the model each time. Sessions are not
thread-safe, hence the lock around client creation; the clients themselves are.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import boto3

if TYPE_CHECKING:
    from botocore.config import Config
    from mypy_boto3_dynamodb import DynamoDBClient

    from harness.provisioning.endpoints import DynamoEndpoint

_LOCK = threading.Lock()


@functools.cache
def _session() -> boto3.session.Session:
    return boto3.session.Session()


def new_client(endpoint: DynamoEndpoint, config: Config | None = None) -> DynamoDBClient:
    """A low-level DynamoDB client for ``endpoint`` (its URL, region and credentials)."""
    with _LOCK:
        client: DynamoDBClient = _session().client(
            "dynamodb", config=config, **endpoint.client_kwargs()
        )
    return client


def count_requests(client: DynamoDBClient, on_request: Callable[[str], None]) -> None:
    """Call ``on_request(operation name)`` once per API call ``client`` makes.

    botocore emits ``before-call`` once per call, before its retries, so a throttled
    request retried three times counts once. The handler is registered on this client's
    own event emitter (every client has a copy), so other clients are not affected.
    """

    def before_call(model: Any, **_: Any) -> None:
        on_request(str(model.name))

    client.meta.events.register("before-call.dynamodb", before_call)


__all__ = ["count_requests", "new_client"]
