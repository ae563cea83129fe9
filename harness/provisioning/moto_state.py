"""Save and restore moto's in-process DynamoDB tables directly, without the API.

On the unit tier DynamoDB is moto's ``mock_aws`` in this process, and each request costs
milliseconds (botocore serialises it, moto parses, answers and botocore parses again).
Restoring a seeded state through the API is a Scan of every table plus batch writes of
what differs: tens of requests per case. moto keeps every table's items in plain Python
objects, so a state can be copied out and back in for well under a millisecond per table.

This module is target-independent: it knows moto, not any system under test.

- ``save_tables(names, region=...)`` deep-copies the items of the named tables into a
  ``MotoTablesState`` (later writes never reach the saved copy).
- ``restore_tables(state)`` gives each table a fresh deep copy of the saved items (copy on
  restore, so the saved state can be restored any number of times).
- ``clear_tables(names, region=...)`` empties them.
- ``check_against_api(state, client)`` compares a state with what a Scan through the API
  returns; run it once (e.g. after the first save) to prove the direct view is right.

What is copied: ``Table.items`` of ``moto.dynamodb.models.dynamodb_backends[account][region]
.tables[name]``, a ``dict`` of hash key -> ``Item`` (hash-only tables) or hash key ->
{range key -> ``Item``} (tables with a sort key). moto keeps no separate copy of the items
for global or local secondary indexes: it computes index queries and scans from
``Table.items`` on every request, so restoring the items restores every index with them.
Table definitions, tags, TTL settings and stream records are left alone (a stream-enabled
table would not see restores as stream events).

moto's internals are not an API. Every entry point checks the shapes it relies on and
raises ``MotoStateError`` (expected / observed / hint) when they are not there, e.g. after
a moto upgrade; callers should then fall back to the API and say so. A table that is not
there at all (moto resets its state whenever a new ``mock_aws`` is entered, which wipes
tables created in an outer mock) raises ``MotoTablesMissing`` instead: create the tables
again and retry.

Checked against moto 5.0.28, 5.1.22 and 5.2.5 (``suites/unit/harness/test_moto_state.py``
passes on each).

Which account: ``account_id`` defaults to ``$MOTO_ACCOUNT_ID`` or moto's default account,
the one moto uses for the fake keys the harness passes (``testing``).
"""

from __future__ import annotations

import base64
import copy
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from harness.provisioning.errors import ProvisioningError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

DEFAULT_ACCOUNT_ID = "123456789012"
"""moto's default account (``moto.core.models.DEFAULT_ACCOUNT_ID``)."""

_FALLBACK_HINT = (
    "moto's in-process internals changed (a moto upgrade?); the harness falls back to the "
    "API path (slower, same results). Pin moto to a tested version (pyproject.toml) or "
    "update harness/provisioning/moto_state.py"
)


class MotoStateError(ProvisioningError):
    """moto's in-process DynamoDB state is not shaped the way this module expects."""

    def __init__(self, what: str, *, expected: str, observed: str, hint: str = _FALLBACK_HINT):
        super().__init__(what, expected=expected, observed=observed, hint=hint)


class MotoTablesMissing(MotoStateError):
    """Some named tables do not exist in moto's in-process backend (create them again)."""

    def __init__(self, missing: Iterable[str], account_id: str, region: str, present: Any):
        self.missing = tuple(missing)
        super().__init__(
            f"moto in-process tables missing in account {account_id}, region {region}",
            expected=f"tables {', '.join(self.missing)}",
            observed=f"tables present: {sorted(present) or 'none'}",
            hint=(
                "moto resets its state when a new mock_aws is entered; create the tables "
                "again, or pass the account_id/region the tables were created in"
            ),
        )


@dataclass(frozen=True)
class SavedTable:
    """One table's items as saved (a private deep copy, never handed to moto)."""

    name: str
    items: Any
    """A deep copy of moto's ``Table.items``."""
    count: int


@dataclass(frozen=True)
class MotoTablesState:
    """The items of some moto in-process tables at one moment."""

    account_id: str
    region: str
    tables: Mapping[str, SavedTable]

    def item_count(self) -> int:
        """How many items the state holds, over all its tables."""
        return sum(table.count for table in self.tables.values())

    def raw_items(self) -> dict[str, list[dict[str, Any]]]:
        """Table name -> its items in the API's attribute-value form (``{"S": "x"}``)."""
        return {
            name: [_item_json(item) for item in _iter_items(saved.items, name)]
            for name, saved in self.tables.items()
        }


def default_account_id() -> str:
    """The account moto files requests under when nothing else says (``$MOTO_ACCOUNT_ID``)."""
    return os.environ.get("MOTO_ACCOUNT_ID") or DEFAULT_ACCOUNT_ID


def mock_active() -> bool:
    """Whether a moto ``mock_aws`` is active in this process (boto3 calls answered here)."""
    try:
        from moto.core.models import MockAWS
    except ImportError as error:
        raise MotoStateError(
            "cannot tell whether moto's in-process mock is active",
            expected="moto.core.models.MockAWS",
            observed=f"ImportError: {error}",
        ) from error
    count = getattr(MockAWS, "_nested_count", None)
    if not isinstance(count, int):
        raise MotoStateError(
            "cannot tell whether moto's in-process mock is active",
            expected="MockAWS._nested_count, an int counting active mock_aws blocks",
            observed=f"{count!r}",
        )
    return count > 0


def save_tables(
    table_names: Iterable[str], *, region: str, account_id: str | None = None
) -> MotoTablesState:
    """A private copy of the named tables' items (raises ``MotoStateError`` if unsure)."""
    account = account_id or default_account_id()
    tables = _tables(table_names, account, region)
    saved = {
        name: SavedTable(name, copy.deepcopy(items), _count(items, name))
        for name, items in ((n, _items_of(t, n)) for n, t in tables.items())
    }
    return MotoTablesState(account, region, saved)


def restore_tables(state: MotoTablesState) -> None:
    """Make each saved table hold exactly the saved items again.

    Each table gets a new deep copy (the saved one stays pristine). The ``Table`` objects
    are looked up again, since moto replaces a table object when it rolls back a
    cancelled transaction.
    """
    tables = _tables(state.tables, state.account_id, state.region)
    for name, table in tables.items():
        _items_of(table, name)  # the shape check
        table.items = copy.deepcopy(state.tables[name].items)


def clear_tables(table_names: Iterable[str], *, region: str, account_id: str | None = None) -> int:
    """Empty the named tables; returns how many items went."""
    account = account_id or default_account_id()
    removed = 0
    for name, table in _tables(table_names, account, region).items():
        items = _items_of(table, name)
        removed += _count(items, name)
        items.clear()  # keeps moto's defaultdict (tables with a sort key rely on it)
    return removed


def check_against_api(state: MotoTablesState, client: DynamoDBClient) -> str | None:
    """``None`` if a Scan of each table returns exactly the state's items, else what differs.

    ``client`` must be a boto3 DynamoDB client answered by the same moto (inside the mock).
    """
    for name, direct in state.raw_items().items():
        scanned: list[dict[str, Any]] = []
        request: dict[str, Any] = {"TableName": name, "ConsistentRead": True}
        while True:
            page = client.scan(**request)
            scanned.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        wanted = sorted(_normal_json(item) for item in direct)
        seen = sorted(_normal_json(item) for item in scanned)
        if wanted != seen:
            only_direct = sorted(set(wanted) - set(seen))[:2]
            only_api = sorted(set(seen) - set(wanted))[:2]
            return (
                f"table {name}: the direct copy holds {len(wanted)} items, a Scan returned "
                f"{len(seen)}; only in the copy: {only_direct}; only in the Scan: {only_api}"
            )
    return None


def _backend(account_id: str, region: str) -> Any:
    try:
        from moto.dynamodb.models import dynamodb_backends
    except ImportError as error:
        raise MotoStateError(
            "cannot reach moto's in-process DynamoDB backend",
            expected="moto.dynamodb.models.dynamodb_backends",
            observed=f"ImportError: {error}",
        ) from error
    try:
        backend = dynamodb_backends[account_id][region]
    except (KeyError, TypeError) as error:
        raise MotoStateError(
            "cannot reach moto's in-process DynamoDB backend",
            expected=f"dynamodb_backends[{account_id!r}][{region!r}]",
            observed=f"{type(error).__name__}: {error}",
        ) from error
    tables = getattr(backend, "tables", None)
    if not isinstance(tables, Mapping):
        raise MotoStateError(
            "moto's DynamoDB backend does not hold its tables where expected",
            expected="DynamoDBBackend.tables, a mapping of table name -> Table",
            observed=f"{type(tables).__name__}",
        )
    return tables


def _tables(names: Iterable[str], account_id: str, region: str) -> dict[str, Any]:
    present = _backend(account_id, region)
    wanted = list(names)
    missing = [name for name in wanted if name not in present]
    if missing:
        raise MotoTablesMissing(missing, account_id, region, list(present))
    return {name: present[name] for name in wanted}


def _items_of(table: Any, name: str) -> Any:
    """``table.items``, after checking it is shaped as this module expects."""
    items = getattr(table, "items", None)
    has_range = getattr(table, "range_key_attr", _MISSING)
    if not isinstance(items, dict) or has_range is _MISSING:
        raise MotoStateError(
            f"moto table {name} does not hold its items where expected",
            expected="Table.items (a dict) and Table.range_key_attr",
            observed=f"items: {type(items).__name__}, range_key_attr: "
            f"{'missing' if has_range is _MISSING else 'present'}",
        )
    for value in items.values():  # one sample is enough: moto stores all alike
        nested = isinstance(value, dict)
        sample = next(iter(value.values()), None) if nested else value
        if nested != bool(has_range) or (sample is not None and not _looks_like_item(sample)):
            raise MotoStateError(
                f"moto table {name} holds items of an unexpected shape",
                expected=(
                    "hash key -> {range key -> Item}"
                    if has_range
                    else "hash key -> Item (an object with .attrs, a dict, and .to_json())"
                ),
                observed=f"hash key -> {type(value).__name__}"
                + (f" of {type(sample).__name__}" if nested else ""),
            )
        break
    return items


_MISSING = object()


def _looks_like_item(value: Any) -> bool:
    return isinstance(getattr(value, "attrs", None), dict) and callable(
        getattr(value, "to_json", None)
    )


def _iter_items(items: Any, name: str) -> list[Any]:
    found: list[Any] = []
    for value in items.values():
        if isinstance(value, dict):
            found.extend(value.values())
        else:
            found.append(value)
    for item in found:
        if not _looks_like_item(item):
            raise MotoStateError(
                f"moto table {name} holds items of an unexpected shape",
                expected="Item objects with .attrs and .to_json()",
                observed=type(item).__name__,
            )
    return found


def _count(items: Any, name: str) -> int:
    return len(_iter_items(items, name))


def _item_json(item: Any) -> dict[str, Any]:
    raw = item.to_json()
    attributes = raw.get("Attributes") if isinstance(raw, dict) else None
    if not isinstance(attributes, dict):
        raise MotoStateError(
            "moto's Item.to_json() is not shaped as expected",
            expected='{"Attributes": {name: {type: value}}}',
            observed=repr(raw)[:200],
        )
    return attributes


def _normal_json(item: Mapping[str, Any]) -> str:
    """One canonical string per item: bytes as base64, sets sorted."""
    return json.dumps(_normal(item), sort_keys=True)


def _normal(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Mapping):
        normal: dict[str, Any] = {}
        for key, inner in value.items():
            if key in _SET_TYPES and isinstance(inner, list | set | tuple):
                normal[key] = sorted(_normal(v) for v in inner)
            else:
                normal[key] = _normal(inner)
        return normal
    if isinstance(value, list | tuple):
        return [_normal(v) for v in value]
    return value


_SET_TYPES = frozenset({"SS", "NS", "BS"})
