"""DynamoDB capacity units by the published rules: a pure calculator (no boto3, no I/O).

Item sizes follow "DynamoDB item sizes and formats" (names and values in the low-level
wire format, ``{"S": ...}``, ``{"N": ...}``, ...); read and write units follow "DynamoDB
read and write operations", the global secondary index rules "Provisioned throughput
considerations for Global Secondary Indexes", and transactions "Amazon DynamoDB
Transactions: How it works" (all in the Amazon DynamoDB Developer Guide; the rules, the
pages and what is approximate are listed in docs/cost-dynamodb.md).

Units are returned as floats: 0.5 is a real figure (an eventually consistent read of up to
4 KB). Sizes are bytes; DynamoDB's KB is 1024 bytes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

READ_BLOCK_BYTES = 4096
"""Reads are charged per 4 KB (rounded up)."""
WRITE_BLOCK_BYTES = 1024
"""Writes are charged per 1 KB (rounded up)."""
COLLECTION_OVERHEAD_BYTES = 3
"""A List or Map costs 3 bytes whatever it holds."""
ELEMENT_OVERHEAD_BYTES = 1
"""Each element of a List or Map costs 1 byte more."""

AttributeValue = Mapping[str, Any]
"""One value in the wire format: ``{"S": "text"}``, ``{"N": "12.5"}``, ``{"L": [...]}``..."""
Item = Mapping[str, AttributeValue]
"""An item: attribute name -> wire-format value."""


class CapacityError(ValueError):
    """A value the calculator cannot size (not the DynamoDB wire format)."""


class Consistency(Enum):
    """How a read is made, valued at what it costs per 4 KB block."""

    EVENTUAL = 0.5
    STRONG = 1.0
    TRANSACTIONAL = 2.0

    @classmethod
    def of(cls, consistent_read: object) -> Consistency:
        """The consistency a request's ``ConsistentRead`` asks for (absent: eventual)."""
        return cls.STRONG if consistent_read is True else cls.EVENTUAL


# -- item sizes -----------------------------------------------------------------------------


def utf8_size(text: str) -> int:
    """The number of UTF-8 bytes of ``text`` (attribute names and strings)."""
    return len(text.encode("utf-8"))


def significant_digits(number: str) -> int:
    """The significant digits of a DynamoDB number (leading and trailing zeroes trimmed).

    Zero has none. ``number`` is the wire form, a decimal string (``"-0.0120"``, ``"1E+5"``).
    """
    try:
        value = Decimal(str(number).strip())
    except InvalidOperation:
        raise CapacityError(f"not a DynamoDB number: {number!r}") from None
    if not value.is_finite():
        raise CapacityError(f"not a DynamoDB number: {number!r}")
    if value.is_zero():
        return 0
    digits = "".join(map(str, value.as_tuple().digits))  # exact: no context rounding
    return len(digits.strip("0"))


def number_size(number: str) -> int:
    """Approximately 1 byte per two significant digits, plus 1 byte (the guide's rule)."""
    return math.ceil(significant_digits(number) / 2) + 1


def binary_size(value: object) -> int:
    """The raw bytes of a binary value (botocore sends a ``str`` as its UTF-8 bytes)."""
    if isinstance(value, bytes | bytearray | memoryview):
        return len(value)
    if isinstance(value, str):
        return utf8_size(value)
    raise CapacityError(f"not a DynamoDB binary value: {type(value).__name__}")


def value_size(value: AttributeValue) -> int:
    """The size of one wire-format value, without any attribute name."""
    if not isinstance(value, Mapping) or len(value) != 1:
        raise CapacityError(
            f"not a DynamoDB attribute value (one type key such as 'S' or 'N'): {value!r}"[:200]
        )
    ((kind, inner),) = value.items()
    return _sizer(kind)(inner)


def attribute_size(name: str, value: AttributeValue) -> int:
    """An attribute's size: the UTF-8 bytes of its name plus the size of its value."""
    return utf8_size(name) + value_size(value)


def item_size(item: Item | None) -> int:
    """The total size of an item: the sum of its attributes' sizes (0 for no item)."""
    if not item:
        return 0
    return sum(attribute_size(name, value) for name, value in item.items())


def _list_size(elements: Iterable[AttributeValue]) -> int:
    return COLLECTION_OVERHEAD_BYTES + sum(ELEMENT_OVERHEAD_BYTES + value_size(e) for e in elements)


def _map_size(members: Mapping[str, AttributeValue]) -> int:
    return COLLECTION_OVERHEAD_BYTES + sum(
        ELEMENT_OVERHEAD_BYTES + attribute_size(k, v) for k, v in members.items()
    )


def _one_byte(_: object) -> int:
    return 1


_SIZERS: dict[str, Callable[[Any], int]] = {
    "S": utf8_size,
    "N": number_size,
    "B": binary_size,
    "BOOL": _one_byte,
    "NULL": _one_byte,
    "SS": lambda values: sum(utf8_size(v) for v in values),
    "NS": lambda values: sum(number_size(v) for v in values),
    "BS": lambda values: sum(binary_size(v) for v in values),
    "L": _list_size,
    "M": _map_size,
}


def _sizer(kind: str) -> Callable[[Any], int]:
    try:
        return _SIZERS[kind]
    except KeyError:
        raise CapacityError(
            f"unknown DynamoDB attribute type {kind!r} (expected one of {sorted(_SIZERS)})"
        ) from None


# -- read units -----------------------------------------------------------------------------


def blocks(size: int, block: int) -> int:
    """How many ``block``-byte units ``size`` bytes take, rounded up, at least one."""
    return max(1, math.ceil(size / block))


def read_units(size: int, consistency: Consistency) -> float:
    """One read of ``size`` bytes: 4 KB blocks rounded up, at the consistency's rate."""
    return blocks(size, READ_BLOCK_BYTES) * consistency.value


def get_item_read_units(size: int | None, consistency: Consistency) -> float:
    """GetItem: the item rounded up to 4 KB; an item not found still costs one block."""
    return read_units(size or 0, consistency)


def batch_get_read_units(
    sizes: Iterable[int], consistency: Consistency, *, missing: int = 0
) -> float:
    """BatchGetItem: each item rounded up separately (an individual GetItem each), plus
    one block for each of the ``missing`` keys that found nothing."""
    found = sum(read_units(size, consistency) for size in sizes)
    return found + missing * read_units(0, consistency)


def query_read_units(sizes: Iterable[int], consistency: Consistency) -> float:
    """Query (and Scan): the sizes of all the items read summed, rounded up once."""
    return read_units(sum(sizes), consistency)


scan_read_units = query_read_units
"""Scan: like Query, the items evaluated (not only those returned) summed, rounded once."""


def transact_get_read_units(sizes: Iterable[int | None]) -> float:
    """TransactGetItems: each item (``None``: not found) rounded up, two units a block."""
    return sum(read_units(size or 0, Consistency.TRANSACTIONAL) for size in sizes)


# -- write units ----------------------------------------------------------------------------


def write_units(
    new_size: int | None, old_size: int | None = None, *, transactional: bool = False
) -> float:
    """PutItem/UpdateItem/DeleteItem: the larger of the item's size before and after,
    rounded up to 1 KB (at least one unit); doubled in a transaction."""
    size = max(new_size or 0, old_size or 0)
    return blocks(size, WRITE_BLOCK_BYTES) * (2.0 if transactional else 1.0)


def batch_write_units(sizes: Iterable[int]) -> float:
    """BatchWriteItem: each put or delete rounded up to 1 KB separately."""
    return sum(write_units(size) for size in sizes)


def failed_conditional_write_units(
    existing_size: int | None, new_size: int | None = None, *, transactional: bool = False
) -> float:
    """A conditional write whose condition was false still costs: one unit when no item
    existed, else by the sizes (the larger of the existing and the new item)."""
    if existing_size is None:
        return 2.0 if transactional else 1.0
    return write_units(new_size, existing_size, transactional=transactional)


def condition_check_units() -> float:
    """A TransactWriteItems ConditionCheck: two write units (a transactional write of one
    block; measured, not stated in the guide, see docs/cost-dynamodb.md)."""
    return 2.0


# -- secondary indexes ----------------------------------------------------------------------


@dataclass(frozen=True)
class SecondaryIndex:
    """A secondary index as far as its writes go: key attributes and projection."""

    name: str
    key_names: tuple[str, ...]
    projection: str = "ALL"
    """``"ALL"``, ``"KEYS_ONLY"`` or ``"INCLUDE"``."""
    included: tuple[str, ...] = ()
    """``NonKeyAttributes`` of an ``INCLUDE`` projection."""

    @classmethod
    def from_definition(cls, definition: Mapping[str, Any]) -> SecondaryIndex:
        """From a CreateTable ``GlobalSecondaryIndexes``/``LocalSecondaryIndexes`` entry."""
        projection = definition.get("Projection") or {}
        return cls(
            name=str(definition["IndexName"]),
            key_names=_key_names(definition["KeySchema"]),
            projection=str(projection.get("ProjectionType", "ALL")),
            included=tuple(str(a) for a in projection.get("NonKeyAttributes") or ()),
        )


@dataclass(frozen=True)
class TableSchema:
    """A table's keys and secondary indexes: what the write rules need to know."""

    name: str
    key_names: tuple[str, ...]
    indexes: tuple[SecondaryIndex, ...] = ()

    @classmethod
    def from_definition(cls, definition: Mapping[str, Any], name: str | None = None) -> TableSchema:
        """From CreateTable arguments (``KeySchema``, ``GlobalSecondaryIndexes``,
        ``LocalSecondaryIndexes``); ``name`` overrides ``TableName`` (a physical name)."""
        indexes = [
            SecondaryIndex.from_definition(index)
            for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes")
            for index in definition.get(kind) or ()
        ]
        return cls(
            name=str(name if name is not None else definition.get("TableName", "")),
            key_names=_key_names(definition["KeySchema"]),
            indexes=tuple(indexes),
        )


@dataclass(frozen=True)
class IndexWrite:
    """What one table write cost one index."""

    index: str
    writes: int
    """0 (the index not affected), 1 (put, update or delete of the entry) or 2 (its key
    changed: the old entry deleted and the new one put)."""
    units: float


def _key_names(schema: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    ordered = sorted(schema, key=lambda k: 0 if k.get("KeyType") == "HASH" else 1)
    return tuple(str(k["AttributeName"]) for k in ordered)


def index_entry(
    item: Item | None, table: TableSchema, index: SecondaryIndex
) -> dict[str, AttributeValue] | None:
    """The entry ``item`` has in ``index``: its projected attributes, or ``None`` when it
    has none (no item, or an index key attribute missing: a sparse index skips it)."""
    if not item or any(name not in item for name in index.key_names):
        return None
    if index.projection == "ALL":
        return dict(item)
    keep = set(table.key_names) | set(index.key_names)
    if index.projection == "INCLUDE":
        keep |= set(index.included)
    return {name: value for name, value in item.items() if name in keep}


def index_write(
    old_item: Item | None, new_item: Item | None, table: TableSchema, index: SecondaryIndex
) -> IndexWrite:
    """What a write changing ``old_item`` into ``new_item`` (``None``: absent) costs
    ``index``, each index write rounded up to 1 KB of the entry it writes:

    * an entry appears (new item, or an index key attribute defined): one write;
    * an index key attribute changes value: two (delete the old entry, put the new);
    * the entry disappears (item deleted, or a key attribute removed): one write;
    * only projected attributes change: one write; nothing the index holds changes: none.
    """
    old = index_entry(old_item, table, index)
    new = index_entry(new_item, table, index)
    if old is None and new is None:
        return IndexWrite(index.name, 0, 0.0)
    if old is None or new is None:
        entry = new if new is not None else old
        return IndexWrite(index.name, 1, write_units(item_size(entry)))
    if any(old[k] != new[k] for k in index.key_names):
        return IndexWrite(index.name, 2, write_units(item_size(old)) + write_units(item_size(new)))
    if old == new:
        return IndexWrite(index.name, 0, 0.0)
    return IndexWrite(index.name, 1, write_units(item_size(new), item_size(old)))


def index_writes(
    old_item: Item | None, new_item: Item | None, table: TableSchema
) -> tuple[IndexWrite, ...]:
    """``index_write`` for every index of ``table``."""
    return tuple(index_write(old_item, new_item, table, index) for index in table.indexes)


__all__ = [
    "COLLECTION_OVERHEAD_BYTES",
    "ELEMENT_OVERHEAD_BYTES",
    "READ_BLOCK_BYTES",
    "WRITE_BLOCK_BYTES",
    "AttributeValue",
    "CapacityError",
    "Consistency",
    "IndexWrite",
    "Item",
    "SecondaryIndex",
    "TableSchema",
    "attribute_size",
    "batch_get_read_units",
    "batch_write_units",
    "binary_size",
    "blocks",
    "condition_check_units",
    "failed_conditional_write_units",
    "get_item_read_units",
    "index_entry",
    "index_write",
    "index_writes",
    "item_size",
    "number_size",
    "query_read_units",
    "read_units",
    "scan_read_units",
    "significant_digits",
    "transact_get_read_units",
    "utf8_size",
    "value_size",
    "write_units",
]
