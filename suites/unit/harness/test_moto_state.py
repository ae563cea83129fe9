"""``harness.provisioning.moto_state`` on a small table of the test's own (not the shop's).

Each test makes one moto in-process table with a global and a local secondary index
through boto3, saves it directly, changes it through the API and restores it; the API
(Scan, GetItem, index Queries) must then show exactly the saved items.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from harness.provisioning import moto_in_process
from harness.provisioning.moto_state import (
    MotoStateError,
    MotoTablesMissing,
    check_against_api,
    clear_tables,
    mock_active,
    restore_tables,
    save_tables,
)

pytestmark = pytest.mark.unit

REGION = "us-east-1"
TABLE = "things"
FLAT = "flat_things"


def _create_tables(client: Any) -> None:
    client.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "colour", "AttributeType": "S"},
            {"AttributeName": "weight", "AttributeType": "N"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_colour",
                "KeySchema": [
                    {"AttributeName": "colour", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by_weight",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "weight", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    client.create_table(
        TableName=FLAT,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
    )


def _thing(pk: str, sk: str, colour: str, weight: int, **more: Any) -> dict[str, Any]:
    item = {"pk": {"S": pk}, "sk": {"S": sk}, "colour": {"S": colour}, "weight": {"N": str(weight)}}
    item.update(more)
    return item


SEEDED = [
    _thing("box", "a", "red", 3, tags={"SS": ["x", "y"]}),
    _thing("box", "b", "blue", 1, blob={"B": b"\x00\x01"}),
    _thing("box", "c", "red", 2, parts={"L": [{"S": "lid"}, {"N": "4"}]}),
    _thing("bag", "a", "red", 5, meta={"M": {"maker": {"S": "ann"}, "count": {"N": "1"}}}),
]
FLAT_SEEDED = [{"id": {"S": "one"}, "n": {"N": "1"}}, {"id": {"S": "two"}, "n": {"N": "2"}}]


@pytest.fixture
def client() -> Iterator[Any]:
    """A boto3 client on moto in-process, with both tables created and seeded."""
    with moto_in_process():
        dynamodb = boto3.client(
            "dynamodb",
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        _create_tables(dynamodb)
        for item in SEEDED:
            dynamodb.put_item(TableName=TABLE, Item=item)
        for item in FLAT_SEEDED:
            dynamodb.put_item(TableName=FLAT, Item=item)
        yield dynamodb
        dynamodb.close()


def _scan(client: Any, table: str = TABLE) -> list[dict[str, Any]]:
    items = client.scan(TableName=table, ConsistentRead=True)["Items"]
    return sorted(items, key=lambda item: repr(sorted(item.items())))


def _by_colour(client: Any, colour: str) -> list[tuple[str, str]]:
    page = client.query(
        TableName=TABLE,
        IndexName="by_colour",
        KeyConditionExpression="colour = :c",
        ExpressionAttributeValues={":c": {"S": colour}},
    )
    return [(i["pk"]["S"], i["sk"]["S"]) for i in page["Items"]]


def _by_weight(client: Any, pk: str) -> list[str]:
    page = client.query(
        TableName=TABLE,
        IndexName="by_weight",
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": pk}},
    )
    return [i["sk"]["S"] for i in page["Items"]]


def _get(client: Any, pk: str, sk: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = client.get_item(
        TableName=TABLE, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True
    ).get("Item")
    return found


def _mutate(client: Any) -> None:
    """A put of a new item, an overwrite, an in-place update and a delete."""
    client.put_item(TableName=TABLE, Item=_thing("bag", "z", "red", 9))
    client.put_item(TableName=TABLE, Item=_thing("box", "b", "red", 7))
    client.update_item(
        TableName=TABLE,
        Key={"pk": {"S": "box"}, "sk": {"S": "c"}},
        UpdateExpression="SET colour = :g, parts[0] = :s ADD weight :one",
        ExpressionAttributeValues={":g": {"S": "green"}, ":s": {"S": "base"}, ":one": {"N": "1"}},
    )
    client.update_item(
        TableName=TABLE,
        Key={"pk": {"S": "bag"}, "sk": {"S": "a"}},
        UpdateExpression="SET meta.maker = :o",
        ExpressionAttributeValues={":o": {"S": "bob"}},
    )
    client.delete_item(TableName=TABLE, Key={"pk": {"S": "box"}, "sk": {"S": "a"}})
    client.delete_item(TableName=FLAT, Key={"id": {"S": "one"}})
    client.put_item(TableName=FLAT, Item={"id": {"S": "three"}, "n": {"N": "3"}})


def test_a_restore_brings_back_exactly_the_saved_items_through_scan_get_and_index_queries(
    client: Any,
) -> None:
    before = _scan(client)
    before_flat = _scan(client, FLAT)
    state = save_tables([TABLE, FLAT], region=REGION)
    _mutate(client)
    assert _scan(client) != before

    restore_tables(state)

    assert _scan(client) == before
    assert _scan(client, FLAT) == before_flat
    assert _get(client, "box", "a") == next(
        i for i in before if i["sk"]["S"] == "a" and i["pk"]["S"] == "box"
    )
    assert _get(client, "bag", "z") is None
    assert sorted(_by_colour(client, "red")) == [("bag", "a"), ("box", "a"), ("box", "c")]
    assert _by_colour(client, "green") == []
    assert _by_colour(client, "blue") == [("box", "b")]
    assert _by_weight(client, "box") == ["b", "c", "a"]


def test_one_saved_state_can_be_restored_again_after_the_restored_items_are_changed(
    client: Any,
) -> None:
    before = _scan(client)
    state = save_tables([TABLE, FLAT], region=REGION)
    for _ in range(3):
        restore_tables(state)
        _mutate(client)  # updates change moto's items in place: the saved copy must not see it
    restore_tables(state)
    assert _scan(client) == before
    assert check_against_api(state, client) is None


def test_a_restore_still_works_after_moto_replaced_the_table_in_a_cancelled_transaction(
    client: Any,
) -> None:
    before = _scan(client)
    state = save_tables([TABLE], region=REGION)
    client.put_item(TableName=TABLE, Item=_thing("new", "a", "red", 1))
    with pytest.raises(ClientError, match="TransactionCanceled"):
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": _thing("tx", "a", "red", 1)}},
                {
                    "ConditionCheck": {
                        "TableName": TABLE,
                        "Key": {"pk": {"S": "nope"}, "sk": {"S": "nope"}},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ]
        )
    restore_tables(state)
    assert _scan(client) == before


def test_clearing_empties_the_tables_and_their_indexes(client: Any) -> None:
    removed = clear_tables([TABLE, FLAT], region=REGION)
    assert removed == len(SEEDED) + len(FLAT_SEEDED)
    assert _scan(client) == []
    assert _scan(client, FLAT) == []
    assert _by_colour(client, "red") == []
    client.put_item(TableName=TABLE, Item=_thing("box", "a", "red", 3))  # still writable
    assert _by_colour(client, "red") == [("box", "a")]


def test_a_state_knows_its_item_count_and_agrees_with_a_scan(client: Any) -> None:
    state = save_tables([TABLE, FLAT], region=REGION)
    assert state.item_count() == len(SEEDED) + len(FLAT_SEEDED)
    assert check_against_api(state, client) is None


def test_the_api_check_names_the_table_that_differs(client: Any) -> None:
    state = save_tables([TABLE], region=REGION)
    client.delete_item(TableName=TABLE, Key={"pk": {"S": "box"}, "sk": {"S": "a"}})
    difference = check_against_api(state, client)
    assert difference is not None
    assert "table things" in difference and "holds 4 items, a Scan returned 3" in difference


def test_a_missing_table_is_reported_as_missing_with_a_hint(client: Any) -> None:
    state = save_tables([TABLE], region=REGION)
    client.delete_table(TableName=TABLE)
    with pytest.raises(MotoTablesMissing) as raised:
        restore_tables(state)
    assert raised.value.missing == (TABLE,)
    assert "create the tables again" in str(raised.value)


def test_a_table_in_another_region_is_not_found(client: Any) -> None:
    with pytest.raises(MotoTablesMissing, match="region eu-west-1"):
        save_tables([TABLE], region="eu-west-1")


def test_moto_internals_of_an_unexpected_shape_raise_expected_observed_and_hint(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.dynamodb.models import dynamodb_backends

    table = dynamodb_backends["123456789012"][REGION].tables[TABLE]
    monkeypatch.setattr(table, "items", [("box", "a")])
    with pytest.raises(MotoStateError) as raised:
        save_tables([TABLE], region=REGION)
    message = str(raised.value)
    assert "expected:" in message and "observed:" in message and "hint:" in message
    assert "falls back to the API" in message


def test_the_mock_counts_as_active_inside_moto_in_process_and_as_before_after_it() -> None:
    # the session's in-process DynamoDB backend may hold a mock open already (test order
    # is random): what matters is active inside, and back to what it was after
    before = mock_active()
    with moto_in_process():
        assert mock_active()
    assert mock_active() is before
