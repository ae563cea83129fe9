"""``harness.cost.dynamodb_capture`` on moto in-process: one ``RequestCost`` per API call,
its units computed by DynamoDB's rules from the items the call touched.

moto answers ``ConsumedCapacity`` with constant figures, so they are checked to be
recorded as reported, never to agree with the computed ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from harness.cost.capacity import item_size
from harness.cost.dynamodb_capture import capture_costs, reported_units
from harness.cost.events import RequestCost
from harness.determinism import Determinism
from harness.provisioning.endpoints import DynamoEndpoint
from harness.storage import DynamoDBBackend, DynamoDBTables, DynamoTables, EndpointResources
from harness.storage.dynamodb import dynamodb_backend

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

pytestmark = pytest.mark.unit

KB = 1024
PREFIX = "parity_test_cost_"
SHELF = {
    "TableName": "shelf",
    "KeySchema": [
        {"AttributeName": "shelf", "KeyType": "HASH"},
        {"AttributeName": "slot", "KeyType": "RANGE"},
    ],
    "AttributeDefinitions": [
        {"AttributeName": "shelf", "AttributeType": "S"},
        {"AttributeName": "slot", "AttributeType": "N"},
        {"AttributeName": "author", "AttributeType": "S"},
    ],
    "GlobalSecondaryIndexes": [
        {
            "IndexName": "by_author",
            "KeySchema": [{"AttributeName": "author", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        }
    ],
}
TABLE = PREFIX + "shelf"


def book(slot: int, size: int, author: str | None = None, shelf: str = "s1") -> dict[str, Any]:
    """An item of exactly ``size`` bytes: its keys, maybe an author, and padding text."""
    item: dict[str, Any] = {"shelf": {"S": shelf}, "slot": {"N": str(slot)}}
    if author is not None:
        item["author"] = {"S": author}
    item["text"] = {"S": ""}
    item["text"] = {"S": "x" * (size - item_size(item))}
    return item


def key(slot: int, shelf: str = "s1") -> dict[str, Any]:
    return {"shelf": {"S": shelf}, "slot": {"N": str(slot)}}


@pytest.fixture
def endpoint(parity_dynamodb_in_process: DynamoEndpoint) -> DynamoEndpoint:
    return parity_dynamodb_in_process.with_prefix(PREFIX)


@pytest.fixture
def admin(endpoint: DynamoEndpoint) -> DynamoDBClient:
    """An uncaptured client that made the table (and seeds it)."""
    client = endpoint.client()
    request = {**SHELF, "TableName": TABLE, "BillingMode": "PAY_PER_REQUEST"}
    client.create_table(**request)  # type: ignore[arg-type]
    return client


@pytest.fixture
def captured(endpoint: DynamoEndpoint, admin: DynamoDBClient) -> tuple[Any, list[RequestCost]]:
    """A client whose calls are costed, and the costs it sent."""
    costs: list[RequestCost] = []
    client = endpoint.client()
    capture_costs(client, costs.append, tables={TABLE: SHELF})
    return client, costs


def seed(admin: DynamoDBClient, *items: dict[str, Any]) -> None:
    for item in items:
        admin.put_item(TableName=TABLE, Item=item)


def test_the_helper_makes_items_of_the_size_asked_for() -> None:
    assert item_size(book(1, 1500)) == 1500
    assert item_size(book(12, 5000, author="ann")) == 5000


def test_a_get_item_hit_costs_its_size_in_4_kb_blocks_and_a_miss_one_block(
    captured: tuple[DynamoDBClient, list[RequestCost]], admin: DynamoDBClient
) -> None:
    client, costs = captured
    seed(admin, book(1, 5000))
    hit = client.get_item(TableName=TABLE, Key=key(1), ConsistentRead=True)
    miss = client.get_item(TableName=TABLE, Key=key(2))
    assert "Item" in hit and "Item" not in miss
    first, second = costs
    assert (first.backend, first.operation) == ("dynamodb", "GetItem")
    assert (first.read_units, first.write_units, first.items_read) == (2.0, 0.0, 1)
    assert first.detail["table"] == TABLE
    assert first.detail["consistency"] == "strong"
    assert first.detail["figure"] == "computed"
    assert (second.read_units, second.items_read) == (0.5, 0)
    assert second.detail["consistency"] == "eventual"
    assert first.reported_read_units is not None  # moto's constant figure, recorded as is
    assert first.reported_write_units is None
    assert first.seconds >= 0


def test_the_repository_sees_no_consumed_capacity_it_did_not_ask_for(
    captured: tuple[DynamoDBClient, list[RequestCost]], admin: DynamoDBClient
) -> None:
    client, costs = captured
    seed(admin, book(1, 100))
    responses = [
        client.get_item(TableName=TABLE, Key=key(1)),
        client.query(
            TableName=TABLE,
            KeyConditionExpression="shelf = :s",
            ExpressionAttributeValues={":s": {"S": "s1"}},
        ),
        client.put_item(TableName=TABLE, Item=book(2, 100)),
        client.update_item(
            TableName=TABLE,
            Key=key(2),
            UpdateExpression="SET title = :t",
            ExpressionAttributeValues={":t": {"S": "t"}},
        ),
    ]
    assert [r.get("ConsumedCapacity") for r in responses] == [None] * 4
    assert all(cost.reported_read_units or cost.reported_write_units for cost in costs)
    asked = client.get_item(TableName=TABLE, Key=key(1), ReturnConsumedCapacity="TOTAL")
    assert asked["ConsumedCapacity"]["TableName"] == TABLE
    assert costs[-1].reported_read_units == asked["ConsumedCapacity"]["CapacityUnits"]


def test_the_callers_own_parameters_are_not_changed(
    captured: tuple[DynamoDBClient, list[RequestCost]],
) -> None:
    client, _ = captured
    params: dict[str, Any] = {"TableName": TABLE, "Key": key(1)}
    client.get_item(**params)
    assert params == {"TableName": TABLE, "Key": key(1)}


def test_a_query_sums_the_items_it_read_and_rounds_once(
    captured: tuple[DynamoDBClient, list[RequestCost]], admin: DynamoDBClient
) -> None:
    client, costs = captured
    seed(admin, book(1, 1500), book(2, 1500), book(3, 1500), book(1, 1500, shelf="other"))
    page = client.query(
        TableName=TABLE,
        KeyConditionExpression="shelf = :s",
        ExpressionAttributeValues={":s": {"S": "s1"}},
        ConsistentRead=True,
    )
    assert page["Count"] == 3
    (cost,) = costs
    assert cost.operation == "Query"
    assert cost.read_units == 2.0  # 4,500 bytes: two 4 KB blocks, not three items' three
    assert (cost.items_read, cost.full_scan) == (3, False)
    assert cost.detail["figure"] == "computed"


def test_a_filtered_query_is_a_lower_bound_counting_the_items_it_read(
    captured: tuple[DynamoDBClient, list[RequestCost]], admin: DynamoDBClient
) -> None:
    client, costs = captured
    seed(admin, book(1, 3000, author="ann"), book(2, 3000, author="bob"))
    page = client.query(
        TableName=TABLE,
        KeyConditionExpression="shelf = :s",
        FilterExpression="author = :a",
        ExpressionAttributeValues={":s": {"S": "s1"}, ":a": {"S": "ann"}},
    )
    assert (page["Count"], page["ScannedCount"]) == (1, 2)
    (cost,) = costs
    assert cost.items_read == 2
    assert cost.read_units == 0.5  # the returned 3,000 bytes; the dropped item is unknown
    assert cost.detail["figure"] == "lower_bound"
    assert any("filter dropped" in what for what in cost.detail["unknown"])


def test_a_scan_is_flagged_as_a_full_scan(
    captured: tuple[DynamoDBClient, list[RequestCost]], admin: DynamoDBClient
) -> None:
    client, costs = captured
    seed(admin, book(1, 3000), book(2, 3000, shelf="s2"))
    client.scan(TableName=TABLE)
    (cost,) = costs
    assert (cost.operation, cost.full_scan, cost.items_read) == ("Scan", True, 2)
    assert cost.read_units == 1.0  # 6,000 bytes eventually consistent: 2 blocks at 0.5


def test_a_put_item_pays_for_the_table_and_the_index_it_adds_an_entry_to(
    captured: tuple[DynamoDBClient, list[RequestCost]],
) -> None:
    client, costs = captured
    client.put_item(TableName=TABLE, Item=book(1, 1500, author="ann"))
    client.put_item(TableName=TABLE, Item=book(2, 500))
    with_author, without = costs
    assert with_author.operation == "PutItem"
    assert with_author.write_units == 2.0 + 1.0  # 1,500 bytes: 2 units; one index write
    assert with_author.detail["index_writes"] == {"by_author": 1}
    assert with_author.detail["figure"] == "estimate"  # the replaced item is unknown
    assert without.write_units == 1.0
    assert without.detail["index_writes"] == {"by_author": 0}


def test_a_put_item_returning_the_old_item_pays_for_the_larger_and_a_moved_index_entry(
    captured: tuple[DynamoDBClient, list[RequestCost]], admin: DynamoDBClient
) -> None:
    client, costs = captured
    seed(admin, book(1, 3000, author="ann"))
    client.put_item(TableName=TABLE, Item=book(1, 500, author="bob"), ReturnValues="ALL_OLD")
    (cost,) = costs
    assert cost.write_units == 3.0 + 2.0  # the old 3,000 bytes; delete + put in the index
    assert cost.detail["index_writes"] == {"by_author": 2}
    assert cost.detail["figure"] == "computed"


def test_a_failed_conditional_write_still_costs_a_unit_and_is_recorded(
    captured: tuple[DynamoDBClient, list[RequestCost]], admin: DynamoDBClient
) -> None:
    client, costs = captured
    seed(admin, book(1, 3000))
    with pytest.raises(client.exceptions.ConditionalCheckFailedException):
        client.put_item(
            TableName=TABLE,
            Item=book(1, 500),
            ConditionExpression="attribute_not_exists(shelf)",
        )
    (cost,) = costs
    assert cost.operation == "PutItem"
    assert cost.write_units == 1.0
    assert cost.detail["error"] == "ConditionalCheckFailedException"
    assert cost.detail["condition_failed"] is True
    assert cost.detail["figure"] == "lower_bound"


def test_a_failed_conditional_write_returning_the_item_pays_for_its_size(
    captured: tuple[DynamoDBClient, list[RequestCost]], admin: DynamoDBClient
) -> None:
    client, costs = captured
    seed(admin, book(1, 3000))
    with pytest.raises(client.exceptions.ConditionalCheckFailedException) as failure:
        client.put_item(
            TableName=TABLE,
            Item=book(1, 500),
            ConditionExpression="attribute_not_exists(shelf)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert "Item" in failure.value.response
    (cost,) = costs
    assert cost.write_units == 3.0
    assert cost.detail["figure"] == "computed"


def test_batch_get_item_rounds_each_item_and_charges_a_block_per_missing_key(
    captured: tuple[DynamoDBClient, list[RequestCost]], admin: DynamoDBClient
) -> None:
    client, costs = captured
    seed(admin, book(1, 1536), book(2, 6656))
    response = client.batch_get_item(
        RequestItems={TABLE: {"Keys": [key(1), key(2), key(3)], "ConsistentRead": True}}
    )
    assert len(response["Responses"][TABLE]) == 2
    (cost,) = costs
    assert cost.operation == "BatchGetItem"
    assert cost.read_units == 1.0 + 2.0 + 1.0  # 4 KB + 8 KB + the missing key's block
    assert cost.items_read == 2
    assert cost.detail["tables"] == [TABLE]
    assert cost.reported_read_units is not None


def test_transact_write_items_doubles_each_write_and_a_condition_check_costs_two(
    captured: tuple[DynamoDBClient, list[RequestCost]], admin: DynamoDBClient
) -> None:
    client, costs = captured
    seed(admin, book(9, 100))
    client.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": TABLE, "Item": book(1, 500)}},
            {"Put": {"TableName": TABLE, "Item": book(2, 1500)}},
            {
                "ConditionCheck": {
                    "TableName": TABLE,
                    "Key": key(9),
                    "ConditionExpression": "attribute_exists(shelf)",
                }
            },
        ]
    )
    (cost,) = costs
    assert cost.operation == "TransactWriteItems"
    assert cost.write_units == 2.0 + 4.0 + 2.0
    assert cost.detail["tables"] == [TABLE]


def test_a_cancelled_transaction_still_costs_and_names_the_reasons(
    captured: tuple[DynamoDBClient, list[RequestCost]],
) -> None:
    client, costs = captured
    with pytest.raises(client.exceptions.TransactionCanceledException):
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": book(1, 500)}},
                {
                    "ConditionCheck": {
                        "TableName": TABLE,
                        "Key": key(9),
                        "ConditionExpression": "attribute_exists(shelf)",
                    }
                },
            ]
        )
    (cost,) = costs
    assert cost.write_units == 2.0 + 2.0
    assert cost.detail["error"] == "TransactionCanceledException"
    assert "ConditionalCheckFailed" in cost.detail["cancelled"]


def test_a_call_that_fails_validation_is_recorded_without_units(
    captured: tuple[DynamoDBClient, list[RequestCost]],
) -> None:
    client, costs = captured
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_item(TableName=PREFIX + "missing", Key=key(1))
    (cost,) = costs
    assert (cost.read_units, cost.write_units) == (0.0, 0.0)
    assert cost.detail["error"] == "ResourceNotFoundException"
    assert cost.detail["figure"] == "lower_bound"


class _Raw:
    """A canned HTTP body for a botocore ``AWSResponse``."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


def test_a_retried_call_gives_one_record_saying_it_was_retried(
    endpoint: DynamoEndpoint, admin: DynamoDBClient
) -> None:
    from botocore.awsrequest import AWSResponse
    from botocore.config import Config

    client = endpoint.client(Config(retries={"mode": "legacy", "max_attempts": 2}))
    costs: list[RequestCost] = []
    calls: list[str] = []
    capture_costs(client, costs.append, tables={TABLE: SHELF})
    client.meta.events.register("before-call.dynamodb", lambda model, **_: calls.append("call"))
    throttled = {"done": False}

    def throttle_once(request: Any, **_: Any) -> AWSResponse | None:
        if throttled["done"]:
            return None
        throttled["done"] = True
        body = json.dumps(
            {"__type": "ProvisionedThroughputExceededException", "message": "slow down"}
        ).encode()
        headers: Any = {"x-amzn-RequestId": "r1"}
        return AWSResponse(request.url, 400, headers, _Raw(body))

    handler: Any = throttle_once  # a before-send handler may return a response
    client.meta.events.register_first("before-send.dynamodb", handler)
    client.get_item(TableName=TABLE, Key=key(1))
    assert throttled["done"]
    assert calls == ["call"]
    (cost,) = costs
    assert cost.detail["retries"] == 1
    assert cost.read_units == 0.5


def test_reported_units_split_by_operation_unless_the_server_split_them() -> None:
    assert reported_units({"CapacityUnits": 1.5}, "Query") == (1.5, None)
    assert reported_units({"CapacityUnits": 3.0}, "PutItem") == (None, 3.0)
    assert reported_units([{"CapacityUnits": 1.0}, {"CapacityUnits": 2.0}], "BatchWriteItem") == (
        None,
        3.0,
    )
    split = {"CapacityUnits": 4.0, "ReadCapacityUnits": 2.0, "WriteCapacityUnits": 2.0}
    assert reported_units(split, "TransactWriteItems") == (2.0, 2.0)
    assert reported_units(None, "GetItem") == (None, None)
    assert reported_units({"CapacityUnits": 1.0}, "ExecuteStatement") == (None, None)


# -- wired into the storage handles ------------------------------------------------------------


def test_the_tables_handle_costs_each_call_and_still_counts_it(endpoint: DynamoEndpoint) -> None:
    tables = DynamoTables([SHELF])
    admin = endpoint.client()
    admin.create_table(**tables.create_request("shelf", PREFIX))
    labels: list[str] = []
    costs: list[RequestCost] = []
    handle = DynamoDBTables(endpoint, tables, labels.append, costs.append)
    client = handle.client()
    client.put_item(TableName=TABLE, Item=book(1, 700, author="ann"))
    client.get_item(TableName=TABLE, Key=key(1))
    handle.close()
    assert labels == ["PutItem", "GetItem"]
    assert [c.operation for c in costs] == labels
    assert costs[0].detail["index_writes"] == {"by_author": 1}  # the definition was passed


def test_a_backend_hands_determinism_on_cost_to_its_clients(endpoint: DynamoEndpoint) -> None:
    costs: list[RequestCost] = []
    labels: list[str] = []
    determinism = Determinism(on_request=labels.append, on_cost=costs.append)

    def build(tables: DynamoDBTables, _: Determinism) -> DynamoDBClient:
        return tables.client()

    resources = EndpointResources(dynamodb=endpoint)
    with dynamodb_backend(resources, DynamoTables([SHELF]), build) as backend:
        assert isinstance(backend, DynamoDBBackend)
        with backend.fresh(determinism) as client:
            client.put_item(TableName=TABLE, Item=book(1, 100))
            client.scan(TableName=TABLE)
        backend.save()
    assert labels == ["PutItem", "Scan"]
    assert [(c.operation, c.full_scan) for c in costs] == [("PutItem", False), ("Scan", True)]


def test_without_an_on_cost_sink_no_capture_is_registered(endpoint: DynamoEndpoint) -> None:
    tables = DynamoTables([SHELF])
    endpoint.client().create_table(**tables.create_request("shelf", PREFIX))
    handle = DynamoDBTables(endpoint, tables)
    client = handle.client()
    sent: list[dict[str, Any]] = []
    client.meta.events.register(
        "before-call.dynamodb", lambda params, **_: sent.append(json.loads(params["body"]))
    )
    client.get_item(TableName=TABLE, Key=key(1))
    handle.close()
    assert "ReturnConsumedCapacity" not in sent[0]
