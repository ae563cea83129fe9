"""``harness.cost.capacity`` against the worked examples of the Amazon DynamoDB Developer
Guide, each quoted in its test with the page it comes from.

Where a page states a rule without a worked example, the test is written from the rule's
wording and says so. Quotes marked "archived English source" are from the guide's
published Markdown source (github.com/awsdocs/amazon-dynamodb-developer-guide, archived in
2023), the page at the URL; the current guide carries the same examples, some of them moved
to "DynamoDB read and write operations".

The on-demand price estimate (``harness.cost.pricing``) is tested at the end.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from harness.cost import capacity as cap
from harness.cost import pricing
from harness.cost.capacity import Consistency

pytestmark = pytest.mark.unit

KB = 1024
READ_WRITE_OPERATIONS = (
    '"DynamoDB read and write operations", '
    "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html"
)


def item_of(size: int, name: str = "k") -> dict[str, dict[str, str]]:
    """An item of exactly ``size`` bytes: one string attribute (name + value bytes)."""
    return {name: {"S": "x" * (size - len(name))}}


def test_the_helper_makes_items_of_the_size_asked_for() -> None:
    assert cap.item_size(item_of(3500)) == 3500
    assert cap.item_size(item_of(10 * KB, name="payload")) == 10 * KB


# -- item sizes (the page states rules, no worked examples) ----------------------------------


def test_a_string_costs_its_name_and_its_value_in_utf8_bytes() -> None:
    """No worked example; from the rule's wording.

    Source: "DynamoDB item sizes and formats",
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
    "Strings are Unicode with UTF-8 binary encoding. The size of a string is (number of
    UTF-8-encoded bytes of attribute name) + (number of UTF-8-encoded bytes)."
    """
    assert cap.attribute_size("name", {"S": "abc"}) == 4 + 3
    assert cap.attribute_size("café", {"S": "€"}) == 5 + 3


def test_a_number_costs_one_byte_per_two_significant_digits_plus_one() -> None:
    """No worked example; from the rule's wording.

    Source: "DynamoDB item sizes and formats",
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
    "Numbers are variable length, with up to 38 significant digits. Leading and trailing
    zeroes are trimmed. The size of a number is approximately (number of UTF-8-encoded
    bytes of attribute name) + (1 byte per two significant digits) + (1 byte)."
    """
    assert cap.attribute_size("n", {"N": "12"}) == 1 + 1 + 1
    assert cap.number_size("123") == 2 + 1
    assert cap.number_size("000120.500") == cap.number_size("1205") == 2 + 1
    assert cap.number_size("-0.000001") == 1 + 1
    assert cap.number_size("1E+30") == 1 + 1
    assert cap.number_size("0") == 1
    assert cap.number_size("9" * 38) == 19 + 1


def test_a_binary_value_costs_its_raw_bytes_not_its_base64() -> None:
    """No worked example; from the rule's wording.

    Source: "DynamoDB item sizes and formats",
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
    "A binary value must be encoded in base64 format before it can be sent to DynamoDB,
    but the value's raw byte length is used for calculating size."
    """
    assert cap.attribute_size("b", {"B": b"\x00\x01\x02"}) == 1 + 3
    assert cap.value_size({"BS": [b"ab", b"cde"]}) == 5


def test_null_and_boolean_cost_one_byte_and_sets_the_sum_of_their_elements() -> None:
    """No worked example; from the rule's wording (sets: the guide gives no rule; Parity
    counts the sum of the elements' sizes, see docs/cost-dynamodb.md).

    Source: "DynamoDB item sizes and formats",
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
    "The size of a null attribute or a Boolean attribute is (number of UTF-8-encoded bytes
    of attribute name) + (1 byte)."
    """
    assert cap.attribute_size("ok", {"BOOL": True}) == 2 + 1
    assert cap.attribute_size("gone", {"NULL": True}) == 4 + 1
    assert cap.value_size({"SS": ["ab", "c"]}) == 3
    assert cap.value_size({"NS": ["1", "123"]}) == 2 + 3


def test_a_list_or_map_costs_three_bytes_plus_one_per_element_plus_the_elements() -> None:
    """No worked example; from the rule's wording.

    Source: "DynamoDB item sizes and formats",
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
    "An attribute of type List or Map requires 3 bytes of overhead, regardless of its
    contents. The size of a List or Map is (number of UTF-8-encoded bytes of attribute
    name) + sum (size of nested elements) + (3 bytes) . The size of an empty List or Map
    is (number of UTF-8-encoded bytes of attribute name) + (3 bytes)." and "Each List or
    Map element also requires 1 byte of overhead."
    """
    assert cap.attribute_size("l", {"L": []}) == 1 + 3
    assert cap.attribute_size("m", {"M": {}}) == 1 + 3
    assert cap.attribute_size("l", {"L": [{"S": "ab"}, {"N": "1"}]}) == 1 + 3 + (1 + 2) + (1 + 2)
    nested = {"M": {"id": {"S": "x"}, "tags": {"L": [{"S": "a"}]}}}
    inner_list = 4 + 3 + (1 + 1)  # "tags" + overhead + one element of 1 byte
    assert cap.value_size(nested) == 3 + (1 + 2 + 1) + (1 + inner_list)


def test_an_item_is_the_sum_of_its_attributes_and_bad_values_are_refused() -> None:
    """No worked example; from the rule's wording.

    Source: "DynamoDB item sizes and formats",
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
    "The total size of an item is the sum of the lengths of its attribute names and
    values, plus any applicable overhead as described below."
    """
    assert cap.item_size({"pk": {"S": "a"}, "n": {"N": "10"}}) == (2 + 1) + (1 + 2)
    assert cap.item_size(None) == 0
    with pytest.raises(cap.CapacityError, match="unknown DynamoDB attribute type"):
        cap.value_size({"X": "1"})
    with pytest.raises(cap.CapacityError, match="not a DynamoDB number"):
        cap.number_size("twelve")
    with pytest.raises(cap.CapacityError, match="one type key"):
        cap.value_size({"S": "a", "N": "1"})


# -- reads -----------------------------------------------------------------------------------


def test_a_3500_byte_read_costs_the_same_as_a_4_kb_read() -> None:
    """Source: "DynamoDB read and write operations",
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
    "Item sizes for reads are rounded up to the next 4 KB multiple. For example, reading a
    3,500-byte item consumes the same throughput as reading a 4 KB item."
    """
    for consistency in Consistency:
        assert cap.read_units(3500, consistency) == cap.read_units(4 * KB, consistency)
    assert cap.read_units(3500, Consistency.STRONG) == 1


def test_an_8_kb_item_costs_two_strong_one_eventual_or_four_transactional_read_units() -> None:
    """Source: "DynamoDB read and write operations",
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
    "For example, if your item size is 8 KB, you require 2 read units to sustain one
    strongly consistent read. You'll require 1 read unit if you choose eventually
    consistent reads or 4 read units for a transactional read request."
    """
    assert cap.read_units(8 * KB, Consistency.STRONG) == 2
    assert cap.read_units(8 * KB, Consistency.EVENTUAL) == 1
    assert cap.read_units(8 * KB, Consistency.TRANSACTIONAL) == 4
    assert cap.transact_get_read_units([8 * KB]) == 4


def test_get_item_rounds_3_5_kb_up_to_4_kb_and_10_kb_up_to_12_kb() -> None:
    """Source: "DynamoDB read and write operations",
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
    "GetItem: Reads a single item from a table. To determine the number of read units that
    GetItem will consume, take the item size and round it up to the next 4 KB boundary.
    This is the number of read units required if you specified a strongly consistent read.
    For an eventually consistent read, which is the default, divide this number by two.
    For example, if you read an item that is 3.5 KB, DynamoDB rounds the item size to 4 KB.
    If you read an item of 10 KB, DynamoDB rounds the item size to 12 KB."
    """
    three_and_a_half = cap.item_size(item_of(3584))
    ten = cap.item_size(item_of(10 * KB))
    assert cap.get_item_read_units(three_and_a_half, Consistency.STRONG) == 1
    assert cap.get_item_read_units(three_and_a_half, Consistency.EVENTUAL) == 0.5
    assert cap.get_item_read_units(ten, Consistency.STRONG) == 3
    assert cap.get_item_read_units(ten, Consistency.EVENTUAL) == 1.5


def test_a_read_of_an_item_that_does_not_exist_still_costs_one_or_half_a_unit() -> None:
    """Source: "Managing Throughput Settings on Provisioned Tables" (archived English
    source; the current "DynamoDB read and write operations" page says "If you perform a
    read operation on an item that doesn't exist, DynamoDB will still consume read
    throughput as outlined above."),
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ProvisionedThroughput.html
    "If you perform a read operation on an item that does not exist, DynamoDB still
    consumes provisioned read throughput: A strongly consistent read request consumes one
    read capacity unit, while an eventually consistent read request consumes 0.5 of a read
    capacity unit."
    """
    assert cap.get_item_read_units(None, Consistency.STRONG) == 1
    assert cap.get_item_read_units(None, Consistency.EVENTUAL) == 0.5
    assert cap.batch_get_read_units([], Consistency.EVENTUAL, missing=3) == 1.5


def test_batch_get_item_rounds_each_item_so_1_5_kb_and_6_5_kb_make_12_kb() -> None:
    """Source: "DynamoDB read and write operations",
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
    "BatchGetItem: Reads up to 100 items, from one or more tables. DynamoDB processes each
    item in the batch as an individual GetItem request, so DynamoDB first rounds up the
    size of each item to the next 4 KB boundary, and then calculates the total size. The
    result is not necessarily the same as the total size of all the items. For example, if
    BatchGetItem reads a 1.5 KB item and a 6.5 KB item, DynamoDB calculates the size as
    12 KB (4 KB + 8 KB), not 8 KB (1.5 KB + 6.5 KB)."
    """
    sizes = [1536, 6656]
    assert cap.batch_get_read_units(sizes, Consistency.STRONG) == 12 * KB / (4 * KB)
    assert cap.query_read_units(sizes, Consistency.STRONG) == 8 * KB / (4 * KB)


def test_a_query_rounds_once_so_40_8_kb_costs_44_kb_and_1500_items_of_64_bytes_96_kb() -> None:
    """Source: "DynamoDB read and write operations",
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
    "Query: Reads multiple items that have the same partition key value. All items
    returned are treated as a single read operation, where DynamoDB computes the total size
    of all items and then rounds up to the next 4 KB boundary. For example, suppose your
    query returns 10 items whose combined size is 40.8 KB. DynamoDB rounds the item size
    for the operation to 44 KB. If a query returns 1500 items of 64 bytes each, the
    cumulative size is 96 KB."
    """
    combined = round(40.8 * KB)
    ten_items = [combined // 10] * 9 + [combined - 9 * (combined // 10)]
    assert sum(ten_items) == combined
    assert cap.query_read_units(ten_items, Consistency.STRONG) == 44 / 4
    assert cap.query_read_units([64] * 1500, Consistency.STRONG) == 96 / 4
    assert cap.scan_read_units([64] * 1500, Consistency.STRONG) == 96 / 4


def test_an_eventually_consistent_read_of_80_kb_costs_10_units() -> None:
    """Source: "Managing Throughput Settings on Provisioned Tables" (archived English
    source, section "Read Operations and Read Consistency"),
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ProvisionedThroughput.html
    "The preceding calculations assume strongly consistent read requests. For an eventually
    consistent read request, the operation consumes only half the capacity units. For an
    eventually consistent read, if the total item size is 80 KB, the operation consumes
    only 10 capacity units."
    """
    assert cap.query_read_units([80 * KB], Consistency.EVENTUAL) == 10


def test_a_gsi_query_of_8_entries_of_2000_bytes_costs_2_units() -> None:
    """Source: "Global Secondary Indexes" (archived English source, "Read Capacity
    Units"), https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html
    "For example, consider a global secondary index where each item contains 2000 bytes of
    data. Now suppose that you Query this index and that the query returns 8 items. The
    total size of the matching items is 2000 bytes × 8 items = 16,000 bytes; this is then
    rounded up to the nearest 4 KB boundary. Since global secondary index queries are
    eventually consistent, the total cost is 0.5 × (16 KB / 4 KB), or 2 read capacity
    units."
    """  # noqa: RUF002 (the guide's own multiplication signs)
    assert cap.query_read_units([2000] * 8, Consistency.EVENTUAL) == 2


def test_consistency_follows_consistent_read_and_defaults_to_eventual() -> None:
    """Source: "DynamoDB read and write operations" (GetItem: "For an eventually
    consistent read, which is the default, divide this number by two."),
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
    """
    assert Consistency.of(None) is Consistency.EVENTUAL
    assert Consistency.of(False) is Consistency.EVENTUAL
    assert Consistency.of(True) is Consistency.STRONG


# -- writes ----------------------------------------------------------------------------------


def test_a_500_byte_write_costs_the_same_as_a_1_kb_write_and_512_bytes_one_unit() -> None:
    """Source: "Managing Throughput Settings on Provisioned Tables" (archived English
    source), https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ProvisionedThroughput.html
    "Item sizes for writes are rounded up to the next 1 KB multiple. For example, writing a
    500-byte item consumes the same throughput as writing a 1 KB item." and "512 bytes /
    1 KB = 0.5, or 1"
    """
    assert cap.write_units(500) == cap.write_units(KB) == 1
    assert cap.write_units(512) == 1


def test_putting_or_deleting_a_1_6_kb_item_costs_2_kb() -> None:
    """Source: "Managing Throughput Settings on Provisioned Tables" (archived English
    source), https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ProvisionedThroughput.html
    "For PutItem, UpdateItem, and DeleteItem operations, DynamoDB rounds the item size up
    to the next 1 KB. For example, if you put or delete an item of 1.6 KB, DynamoDB rounds
    the item size up to 2 KB."
    """
    size = cap.item_size(item_of(1639))
    assert cap.write_units(size) == 2
    assert cap.write_units(None, size) == 2


def test_a_write_costs_the_larger_of_the_item_before_and_after() -> None:
    """No worked example; from the rule's wording.

    Source: "Managing Throughput Settings on Provisioned Tables" (archived English
    source), https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ProvisionedThroughput.html
    "UpdateItem—Modifies a single item in the table. DynamoDB considers the size of the
    item as it appears before and after the update. The provisioned throughput consumed
    reflects the larger of these item sizes." (PutItem: "the item size that matters is the
    larger of the two".)
    """
    assert cap.write_units(KB, 3 * KB) == 3
    assert cap.write_units(3 * KB, KB) == 3
    assert cap.write_units(None, None) == 1


def test_batch_write_item_rounds_each_item_so_500_bytes_and_3_5_kb_make_5_kb() -> None:
    """Source: "Managing Throughput Settings on Provisioned Tables" (archived English
    source), https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ProvisionedThroughput.html
    "BatchWriteItem—Writes up to 25 items to one or more tables. DynamoDB processes each
    item in the batch as an individual PutItem or DeleteItem request (updates are not
    supported). So DynamoDB first rounds up the size of each item to the next 1 KB
    boundary, and then calculates the total size. The result is not necessarily the same as
    the total size of all the items. For example, if BatchWriteItem writes a 500 byte item
    and a 3.5 KB item, DynamoDB calculates the size as 5 KB (1 KB + 4 KB), not 4 KB (500
    bytes + 3.5 KB)."
    """
    assert cap.batch_write_units([500, 3584]) == 5


def test_a_2_kb_write_costs_2_units_or_4_in_a_transaction_and_3_kb_3_or_6() -> None:
    """Source: "Read/Write Capacity Mode" (archived English source),
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.ReadWriteCapacityMode.html
    "For example, if your item size is 2 KB, you require 2 write request units to sustain
    one write request or 4 write request units for a transactional write request."
    And "Amazon DynamoDB pricing for provisioned capacity",
    https://aws.amazon.com/dynamodb/pricing/provisioned/
    "a standard write request of a 1 KB item would require one WCU, a standard write
    request of a 3 KB item would require three WCUs, and a transactional write request of a
    3 KB item would require six WCUs."
    """
    assert cap.write_units(2 * KB) == 2
    assert cap.write_units(2 * KB, transactional=True) == 4
    assert cap.write_units(KB) == 1
    assert cap.write_units(3 * KB) == 3
    assert cap.write_units(3 * KB, transactional=True) == 6


def test_a_transaction_writing_three_500_byte_items_costs_six_units() -> None:
    """Source: "Amazon DynamoDB Transactions: How it works" (archived English source,
    "Capacity Management for Transactions"),
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html
    "For example, suppose that your application executes one transaction per second, and
    each transaction writes three 500-byte items in your table. Each item requires two
    write capacity units (WCUs): one to prepare the transaction and one to commit the
    transaction. Therefore, you would need to provision six WCUs to the table." and
    "if your application executes one read transaction per second, and each transaction
    reads three 500-byte items in your table, you would need to provision six read
    capacity units (RCUs) to the table."
    """
    assert sum(cap.write_units(500, transactional=True) for _ in range(3)) == 6
    assert cap.transact_get_read_units([500, 500, 500]) == 6


def test_a_failed_conditional_write_costs_by_the_item_or_one_unit_when_there_is_none() -> None:
    """Source: "Managing Throughput Settings on Provisioned Tables" (archived English
    source), https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ProvisionedThroughput.html
    "If the expression evaluates to false, DynamoDB still consumes write capacity units
    from the table: For an existing item, the number of write capacity units consumed
    depends on the size of the new item. (For example, a failed conditional write of a 1 KB
    item would consume one write capacity unit. If the new item were twice that size, the
    failed conditional write would consume two write capacity units.) For a new item,
    DynamoDB consumes one write capacity unit."
    (An older wording of the same page says "depends on the size of the item"; Parity
    takes the larger of the existing and the new item, see docs/cost-dynamodb.md.)
    """
    assert cap.failed_conditional_write_units(KB, KB) == 1
    assert cap.failed_conditional_write_units(KB, 2 * KB) == 2
    assert cap.failed_conditional_write_units(2 * KB) == 2
    assert cap.failed_conditional_write_units(None, 5 * KB) == 1
    assert cap.failed_conditional_write_units(None, transactional=True) == 2


# -- secondary indexes -------------------------------------------------------------------------

GSI_PAGE = (
    '"Global Secondary Indexes" (archived English source, "Write Capacity Units"), '
    "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html"
)

TABLE = cap.TableSchema.from_definition(
    {
        "TableName": "tasks",
        "KeySchema": [
            {"AttributeName": "task", "KeyType": "HASH"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "by_owner",
                "KeySchema": [
                    {"AttributeName": "due", "KeyType": "RANGE"},
                    {"AttributeName": "owner", "KeyType": "HASH"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
            {
                "IndexName": "by_state",
                "KeySchema": [{"AttributeName": "state", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["title"]},
            },
        ],
    },
    name="prefix_tasks",
)


def test_a_table_definition_gives_the_keys_and_indexes_the_write_rules_need() -> None:
    """No example: CreateTable's shape (KeySchema lists HASH before RANGE here)."""
    assert TABLE.name == "prefix_tasks"
    assert TABLE.key_names == ("task",)
    owner, state = TABLE.indexes
    assert (owner.name, owner.key_names, owner.projection) == (
        "by_owner",
        ("owner", "due"),
        "KEYS_ONLY",
    )
    assert (state.projection, state.included) == ("INCLUDE", ("title",))


def test_an_index_entry_holds_the_projected_attributes_or_nothing_without_its_keys() -> None:
    """No worked example; from the rule's wording.

    Source: "Global Secondary Indexes" (archived English source),
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html
    "If a table contains an item where a particular attribute is not defined, but that
    attribute is defined as an index partition key or sort key, then DynamoDB does not
    write any data for that item to the index."
    """
    owner, state = TABLE.indexes
    item = {
        "task": {"S": "t1"},
        "owner": {"S": "ann"},
        "due": {"N": "5"},
        "title": {"S": "x"},
        "notes": {"S": "long"},
    }
    assert cap.index_entry(item, TABLE, owner) == {k: item[k] for k in ("task", "owner", "due")}
    assert cap.index_entry(item, TABLE, state) is None
    with_state = {**item, "state": {"S": "open"}}
    assert cap.index_entry(with_state, TABLE, state) == {
        k: with_state[k] for k in ("task", "state", "title")
    }


def test_a_new_item_with_the_index_keys_costs_one_index_write_and_one_without_none() -> None:
    """No worked example; from the rule's wording.

    Source: see GSI_PAGE. "If you write a new item to the table that defines an indexed
    attribute, or you update an existing item to define a previously undefined indexed
    attribute, one write operation is required to put the item into the index." and "If an
    item is not present in the index before or after the item is updated, there is no
    additional write cost for the index."
    """
    new = {"task": {"S": "t1"}, "owner": {"S": "ann"}, "due": {"N": "5"}}
    owner, state = cap.index_writes(None, new, TABLE)
    assert (owner.writes, owner.units) == (1, 1)
    assert (state.writes, state.units) == (0, 0)
    defined = cap.index_write({"task": {"S": "t1"}}, new, TABLE, TABLE.indexes[0])
    assert defined.writes == 1


def test_changing_an_index_key_costs_two_index_writes() -> None:
    """No worked example; from the rule's wording.

    Source: see GSI_PAGE. "If an update to the table changes the value of an indexed key
    attribute (from A to B), two writes are required, one to delete the previous item from
    the index and another write to put the new item into the index."
    """
    old = {"task": {"S": "t1"}, "owner": {"S": "ann"}, "due": {"N": "5"}}
    new = {**old, "owner": {"S": "bob"}}
    write = cap.index_write(old, new, TABLE, TABLE.indexes[0])
    assert (write.writes, write.units) == (2, 2)


def test_removing_an_index_key_or_deleting_the_item_costs_one_index_write() -> None:
    """No worked example; from the rule's wording.

    Source: see GSI_PAGE. "If an item was present in the index, but a write to the table
    caused the indexed attribute to be deleted, one write is required to delete the old
    item projection from the index."
    """
    old = {"task": {"S": "t1"}, "owner": {"S": "ann"}, "due": {"N": "5"}}
    assert cap.index_write(old, {"task": {"S": "t1"}}, TABLE, TABLE.indexes[0]).writes == 1
    assert cap.index_write(old, None, TABLE, TABLE.indexes[0]).writes == 1


def test_changing_only_projected_attributes_costs_one_write_and_unprojected_none() -> None:
    """No worked example; from the rule's wording.

    Source: see GSI_PAGE. "If an update to the table only changes the value of projected
    attributes in the index key schema, but does not change the value of any indexed key
    attribute, then one write is required to update the values of the projected attributes
    into the index." and "Note that if a write to a table does not require a global
    secondary index update, then no write capacity is consumed from the index."
    """
    old = {"task": {"S": "t1"}, "state": {"S": "open"}, "title": {"S": "a"}, "notes": {"S": "x"}}
    state = TABLE.indexes[1]
    assert cap.index_write(old, {**old, "title": {"S": "b"}}, TABLE, state).writes == 1
    assert cap.index_write(old, {**old, "notes": {"S": "y"}}, TABLE, state).writes == 0


def test_a_large_index_entry_costs_a_unit_per_kb() -> None:
    """No worked example; from the rule's wording.

    Source: see GSI_PAGE. "All of these factors assume that the size of each item in the
    index is less than or equal to the 1 KB item size for calculating write capacity
    units. Larger index entries will require additional write capacity units."
    """
    new = {"task": {"S": "t1"}, "state": {"S": "open"}, "title": {"S": "x" * 2500}}
    write = cap.index_write(None, new, TABLE, TABLE.indexes[1])
    assert (write.writes, write.units) == (1, 3)


# -- on-demand pricing (harness.cost.pricing) ------------------------------------------------


def test_the_default_prices_say_where_and_when_they_were_read() -> None:
    prices = pricing.DEFAULT_PRICES
    assert (prices.read_per_million, prices.write_per_million) == (
        Decimal("0.125"),
        Decimal("0.625"),
    )
    assert prices.region == "us-east-1"
    assert prices.as_of == date(2025, 7, 21)
    assert "https://" in prices.source


def test_an_estimate_prices_each_methods_monthly_units_and_adds_them_up() -> None:
    estimate = pricing.estimate(
        {"orders.place": 1_000_000, "orders.get": 4_000_000},
        {"orders.place": (0.5, 3.0), "orders.get": (0.5, 0.0), "orders.unused": (9.0, 9.0)},
    )
    place, get = estimate.rows
    assert (place.method, place.read_units, place.write_units) == (
        "orders.place",
        Decimal("500000.0"),
        Decimal("3000000.0"),
    )
    assert (place.read_cost, place.write_cost, place.cost) == (
        Decimal("0.0625"),
        Decimal("1.875"),
        Decimal("1.9375"),
    )
    assert (get.read_cost, get.write_cost) == (Decimal("0.25"), Decimal(0))
    assert estimate.total == Decimal("2.1875")
    assert (estimate.read_cost, estimate.write_cost) == (Decimal("0.3125"), Decimal("1.875"))
    assert estimate.prices is pricing.DEFAULT_PRICES


def test_an_estimate_uses_the_prices_it_is_given() -> None:
    prices = pricing.Prices(Decimal(1), Decimal(10), date(2026, 1, 1), "eu-west-1", "a test")
    estimate = pricing.estimate({"m": Decimal(2_000_000)}, {"m": (1.0, 1.0)}, prices)
    assert estimate.total == Decimal(2 + 20)


def test_an_estimate_refuses_a_method_whose_cost_per_call_is_unknown() -> None:
    with pytest.raises(pricing.PricingError, match=r"no figures for \['orders.cancel'\]"):
        pricing.estimate({"orders.cancel": 10}, {"orders.place": (1.0, 1.0)})
    with pytest.raises(pricing.PricingError, match="not a usable number"):
        pricing.estimate({"m": -1}, {"m": (1.0, 1.0)})


def test_a_traffic_mix_file_reads_quoted_and_dotted_method_names(tmp_path: Path) -> None:
    mix = tmp_path / "mix.toml"
    mix.write_text(
        '[traffic]\n"orders.place" = 120_000\norders.get = 2_000_000\n"cart-add" = 0.5\n',
        encoding="utf-8",
    )
    assert pricing.load_traffic(mix) == {
        "orders.place": Decimal(120000),
        "orders.get": Decimal(2000000),
        "cart-add": Decimal("0.5"),
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[other]\n"a" = 1\n', "has no [traffic] table"),
        ("traffic = 5\n", "has no [traffic] table"),
        ('[traffic]\n"orders.place" = "many"\n', "[traffic] 'orders.place' is not a number"),
        ('[traffic]\n"orders.place" = true\n', "[traffic] 'orders.place' is not a number"),
        ('[traffic]\n"orders.place" = -3\n', "[traffic] 'orders.place' is not a number"),
        ("[traffic]\n", "the [traffic] table is empty"),
        ("[traffic\n", "is not valid TOML"),
    ],
)
def test_a_bad_traffic_mix_file_is_refused_naming_the_file_and_key(
    tmp_path: Path, text: str, message: str
) -> None:
    mix = tmp_path / "mix.toml"
    mix.write_text(text, encoding="utf-8")
    with pytest.raises(pricing.PricingError) as refused:
        pricing.load_traffic(mix)
    assert message in str(refused.value)
    assert str(mix) in str(refused.value)
    assert "expected:" in str(refused.value) and "hint:" in str(refused.value)


def test_a_missing_traffic_mix_file_is_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(pricing.PricingError, match="cannot read the traffic mix file"):
        pricing.load_traffic(tmp_path / "absent.toml")
