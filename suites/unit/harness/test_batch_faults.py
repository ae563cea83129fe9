"""Partial batch answers (``HoldBackReads``/``HoldBackWrites``) and the harness's own batch
paths under them: saving, restoring and clearing tables write every item after partial
answers, with growing pauses, and fail clearly when items never get written.

Everything here runs on moto in-process with a table of this test's own (moto never
answers a batch partially, so without the injection none of these paths would run).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from harness import (
    DynamoDBBackend,
    DynamoDBTables,
    DynamoEndpoint,
    DynamoTables,
    HoldBackReads,
    HoldBackWrites,
    SequentialIds,
    StorageError,
)
from harness.determinism import Determinism
from harness.provisioning.isolation import reset_dynamodb
from harness.storage.dynamodb_state import UNPROCESSED_ATTEMPTS, batch_write

pytestmark = pytest.mark.unit

PREFIX = "parity_faults_cd34_"
TABLES = DynamoTables(
    [
        {
            "TableName": "kv",
            "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}],
        }
    ]
)
TABLE = PREFIX + "kv"


def put(key: str, value: str = "v") -> dict[str, Any]:
    return {"PutRequest": {"Item": {"k": {"S": key}, "v": {"S": value}}}}


def stored(client: Any) -> dict[str, str]:
    items = client.scan(TableName=TABLE, ConsistentRead=True)["Items"]
    return {item["k"]["S"]: item["v"]["S"] for item in items}


class KV:
    """The smallest repository: a key-value store on one table."""

    def __init__(self, tables: DynamoDBTables) -> None:
        self.client = tables.client()

    def set(self, key: str, value: str) -> None:
        self.client.put_item(TableName=TABLE, Item={"k": {"S": key}, "v": {"S": value}})

    def close(self) -> None:
        pass


@pytest.fixture
def endpoint(parity_dynamodb_in_process: DynamoEndpoint) -> DynamoEndpoint:
    return parity_dynamodb_in_process.with_prefix(PREFIX)


@pytest.fixture
def backend(endpoint: DynamoEndpoint) -> Iterator[DynamoDBBackend]:
    """The kv table through the API path (as on a real server), not moto's objects."""

    def build(tables: DynamoDBTables, _: Determinism) -> KV:
        return KV(tables)

    opened = DynamoDBBackend(endpoint, TABLES, build, direct_state=False)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses ``batch_write`` takes, recorded instead of slept."""
    taken: list[float] = []
    monkeypatch.setattr("harness.storage.dynamodb_state.time.sleep", taken.append)
    return taken


def test_held_back_writes_are_not_applied_and_come_back_unprocessed(
    backend: DynamoDBBackend,
) -> None:
    client = backend.admin
    with HoldBackWrites(client, times=1, keep=2) as held:
        answer = client.batch_write_item(RequestItems={TABLE: [put(k) for k in "abcde"]})
        assert sorted(stored(client)) == ["a", "b"]  # the server saw two of the five
        unprocessed = answer["UnprocessedItems"][TABLE]
        assert [r["PutRequest"]["Item"]["k"]["S"] for r in unprocessed] == ["c", "d", "e"]
        again = client.batch_write_item(RequestItems={TABLE: unprocessed})
    assert not again.get("UnprocessedItems")  # cleared after `times` answers
    assert sorted(stored(client)) == list("abcde")
    assert (held.answers, held.partial, held.held) == (2, 1, 3)


def test_keep_zero_sends_nothing_and_says_every_item_is_unprocessed(
    backend: DynamoDBBackend,
) -> None:
    client = backend.admin
    with HoldBackWrites(client, times=1, keep=0):
        answer = client.batch_write_item(RequestItems={TABLE: [put("a"), put("b")]})
    assert len(answer["UnprocessedItems"][TABLE]) == 2
    assert stored(client) == {}


def test_held_back_reads_return_the_rest_as_unprocessed_keys(backend: DynamoDBBackend) -> None:
    client = backend.admin
    batch_write(client, TABLE, [put(k) for k in "abc"])
    keys = [{"k": {"S": k}} for k in "abc"]
    with HoldBackReads(client, times=1, keep=1) as held:
        answer = client.batch_get_item(RequestItems={TABLE: {"Keys": keys}})
    assert len(answer["Responses"][TABLE]) == 1
    assert len(answer["UnprocessedKeys"][TABLE]["Keys"]) == 2
    assert held.held == 2


def test_batch_write_writes_every_item_after_partial_answers_with_growing_pauses(
    backend: DynamoDBBackend, pauses: list[float]
) -> None:
    client = backend.admin
    with HoldBackWrites(client, times=4, keep=3) as held:
        batch_write(client, TABLE, [put(f"key{i:02}") for i in range(30)])
    assert len(stored(client)) == 30
    assert held.partial == 4 and held.held > 0
    assert pauses == sorted(pauses) and len(pauses) == 4, pauses
    assert all(0 < p <= 2.0 for p in pauses)


def test_items_never_written_are_a_storage_error_after_bounded_attempts(
    backend: DynamoDBBackend, pauses: list[float]
) -> None:
    client = backend.admin
    with (
        HoldBackWrites(client, times=10_000, keep=0) as held,
        pytest.raises(StorageError) as raised,
    ):
        batch_write(client, TABLE, [put("a"), put("b")])
    message = str(raised.value)
    assert f"every item written within {UNPROCESSED_ATTEMPTS} BatchWriteItem calls" in message
    assert "2 items still unprocessed" in message
    assert "raise its capacity" in message
    assert held.answers == UNPROCESSED_ATTEMPTS
    assert max(pauses) == 2.0  # backed off to the cap, never past it


def test_a_restore_through_the_api_is_complete_after_partial_answers(
    backend: DynamoDBBackend, pauses: list[float]
) -> None:
    determinism = Determinism(ids=SequentialIds())
    with backend.fresh(determinism) as kv:
        for i in range(40):
            kv.set(f"key{i:02}", "seeded")
        saved = backend.save()
    with backend.fresh(determinism) as kv:
        assert stored(kv.client) == {}  # emptied: the restore must write all 40 again
    with (
        HoldBackWrites(backend.admin, times=6, keep=5) as held,
        backend.fresh(determinism, restore=saved) as kv,
    ):
        contents = stored(kv.client)
    assert contents == {f"key{i:02}": "seeded" for i in range(40)}
    assert held.partial == 6


def test_clearing_tables_deletes_every_item_after_partial_answers(
    backend: DynamoDBBackend, pauses: list[float]
) -> None:
    client = backend.admin
    batch_write(client, TABLE, [put(f"key{i:02}") for i in range(30)])
    with HoldBackWrites(client, times=5, keep=4) as held:
        reset_dynamodb(client, [TABLE])
    assert stored(client) == {}
    assert held.partial == 5
