"""``answer_with`` and ``answer_with_error`` on a real DynamoDB endpoint, with a table of this
test's own: an answered request is never sent (nothing is applied), and botocore's retries
run on injected errors exactly as on the server's own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from harness import DynamoEndpoint, answer_with, answer_with_error

pytestmark = pytest.mark.integration


class Faults:
    """Answer the first ``len(answers)`` PutItem attempts with ``answers``; count attempts."""

    EVENT = "before-send.dynamodb.PutItem"

    def __init__(self, client: Any, answers: list[Any]) -> None:
        self.client, self.answers, self.attempts = client, answers, 0

    def __call__(self, request: Any, **_: Any) -> Any:
        self.attempts += 1
        if self.attempts <= len(self.answers):
            return self.answers[self.attempts - 1](request)
        return None

    def __enter__(self) -> Faults:
        self.client.meta.events.register(self.EVENT, self, unique_id=id(self))
        return self

    def __exit__(self, *_: object) -> None:
        self.client.meta.events.unregister(self.EVENT, unique_id=id(self))


@pytest.fixture
def kv(parity_dynamodb_endpoint: DynamoEndpoint) -> Iterator[tuple[Any, str]]:
    """(client with 3 attempts and no pauses worth waiting for, table name)."""
    config = Config(retries={"mode": "standard", "total_max_attempts": 3})
    client = parity_dynamodb_endpoint.client(config)
    table = parity_dynamodb_endpoint.table_name(f"answers_{uuid.uuid4().hex[:8]}")
    client.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 1})
    try:
        yield client, table
    finally:
        client.delete_table(TableName=table)


def count(client: Any, table: str) -> int:
    return int(client.scan(TableName=table, Select="COUNT", ConsistentRead=True)["Count"])


def put(client: Any, table: str) -> None:
    client.put_item(TableName=table, Item={"k": {"S": "one"}})


def test_an_injected_error_is_retried_by_botocore_and_then_the_request_is_sent(
    kv: tuple[Any, str],
) -> None:
    client, table = kv
    with Faults(client, [answer_with_error(400, "ThrottlingException")]) as faults:
        put(client, table)
    assert faults.attempts == 2  # answered once, retried, then sent
    assert count(client, table) == 1


def test_an_error_on_every_attempt_raises_it_and_nothing_is_applied(
    kv: tuple[Any, str],
) -> None:
    client, table = kv
    error = answer_with_error(500, "InternalServerError")
    with Faults(client, [error] * 3) as faults, pytest.raises(ClientError) as raised:
        put(client, table)
    assert raised.value.response["Error"]["Code"] == "InternalServerError"
    assert faults.attempts == 3
    assert count(client, table) == 0


def test_an_answered_request_is_not_sent(kv: tuple[Any, str]) -> None:
    client, table = kv
    with Faults(client, [answer_with(200, {})]) as faults:
        answer = client.put_item(TableName=table, Item={"k": {"S": "one"}})
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert faults.attempts == 1
    assert count(client, table) == 0  # the server never saw it
