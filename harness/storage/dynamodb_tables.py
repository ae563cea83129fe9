"""``DynamoTables``: the DynamoDB tables a target declares, as ``CreateTable`` arguments."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from harness.storage.errors import StorageError

_KEY_TYPES = ("HASH", "RANGE")
_ATTRIBUTE_TYPES = ("S", "N", "B")


@dataclass(frozen=True)
class DynamoTables:
    """``CreateTable`` keyword arguments, one mapping per table, by LOGICAL table name.

    ``TableName`` is the logical name: Parity adds the worker's table prefix when it
    creates the table (index names are per table, so they are left alone). A definition
    with neither ``BillingMode`` nor ``ProvisionedThroughput`` is created on demand
    (``PAY_PER_REQUEST``). Definitions are checked when made: each names a table once,
    has a ``HASH`` key, and defines exactly the attributes its table and index keys use
    (what DynamoDB itself demands, said before any request is sent).
    """

    definitions: tuple[Mapping[str, Any], ...]

    def __init__(self, definitions: Sequence[Mapping[str, Any]]) -> None:
        if isinstance(definitions, Mapping):
            raise StorageError(
                "DynamoTables was given one mapping",
                expected="a sequence of CreateTable definitions, e.g. [{'TableName': ...}]",
                observed=f"a mapping with keys {sorted(str(k) for k in definitions)[:6]}",
                hint="wrap a single definition in a list; a migration contract "
                "({'tables': {...}}) is read with DynamoTables.from_contract(path)",
            )
        checked = tuple(_checked(copy.deepcopy(dict(d)), n) for n, d in enumerate(definitions, 1))
        names = [str(d["TableName"]) for d in checked]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise StorageError(
                "DynamoTables names a table more than once",
                expected="each TableName once",
                observed=f"repeated: {repeated}",
                hint="merge the definitions or rename one",
            )
        object.__setattr__(self, "definitions", checked)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str] | Traversable) -> DynamoTables:
        """Definitions from a JSON file: a list of ``CreateTable`` definitions, or an object
        ``{"tables": [...]}`` holding that list."""
        raw = _read_json(path, "DynamoDB table definitions")
        tables = raw.get("tables") if isinstance(raw, dict) else raw
        if isinstance(tables, dict):
            raise StorageError(
                f"{path} holds a mapping of tables, not a list of CreateTable definitions",
                expected='a JSON list [{"TableName": ...}, ...] or {"tables": [...]}',
                observed=f'"tables" is an object with keys {sorted(tables)[:6]}',
                hint="a migration contract (tables by name, with partition_key/sort_key/"
                "attribute_types/indexes) is read with DynamoTables.from_contract(path)",
            )
        if not isinstance(tables, list):
            raise StorageError(
                f"{path} does not hold a list of CreateTable definitions",
                expected='a JSON list [{"TableName": ...}, ...] or {"tables": [...]}',
                observed=f"a JSON {type(raw).__name__}",
                hint="see docs/storage.md for the file format",
            )
        return cls(tables)

    @classmethod
    def from_contract(cls, path: str | os.PathLike[str] | Traversable) -> DynamoTables:
        """Definitions from a migration contract (the shop's ``migration-contract.json``):

        ``{"billing_mode": "PAY_PER_REQUEST", "tables": {"<logical name>": {
        "partition_key": "PK", "sort_key": "SK" or null, "attribute_types": {"PK": "S",
        ...}, "indexes": {"<index name>": {"partition_key": ..., "sort_key": ...,
        "projection": "ALL" | "KEYS_ONLY" | {"ProjectionType": ..., ...}}}}}}``; indexes
        are global secondary indexes, other members (item shapes, notes) are ignored.
        """
        raw = _read_json(path, "DynamoDB migration contract")
        tables = raw.get("tables") if isinstance(raw, dict) else None
        if not isinstance(tables, dict):
            raise StorageError(
                f"{path} is not a migration contract",
                expected='a JSON object {"tables": {"<logical name>": {...}, ...}}',
                observed=f'"tables" is a {type(tables).__name__}'
                if isinstance(raw, dict)
                else f"a JSON {type(raw).__name__}",
                hint="a plain list of CreateTable definitions is read with "
                "DynamoTables.from_file(path)",
            )
        billing = str(raw.get("billing_mode", "PAY_PER_REQUEST"))
        try:
            definitions = [_contract_table(name, table, billing) for name, table in tables.items()]
        except (KeyError, TypeError, AttributeError) as error:
            raise StorageError(
                f"{path}: a table of the migration contract is malformed",
                expected="partition_key, attribute_types and (optional) sort_key, indexes",
                observed=f"{type(error).__name__}: {error}",
                hint="compare the table with the format in docs/storage.md",
            ) from None
        return cls(definitions)

    @property
    def names(self) -> tuple[str, ...]:
        """The logical table names, in order."""
        return tuple(str(d["TableName"]) for d in self.definitions)

    def definition(self, logical: str) -> Mapping[str, Any]:
        """The definition of table ``logical``."""
        for definition in self.definitions:
            if definition["TableName"] == logical:
                return definition
        raise KeyError(logical)

    def key_names(self, logical: str) -> tuple[str, ...]:
        """The key attributes of table ``logical``: partition key, then sort key if any."""
        schema = self.definition(logical)["KeySchema"]
        ordered = sorted(schema, key=lambda k: _KEY_TYPES.index(k["KeyType"]))
        return tuple(str(k["AttributeName"]) for k in ordered)

    def create_request(self, logical: str, prefix: str) -> dict[str, Any]:
        """The ``CreateTable`` arguments for ``logical`` under ``prefix``."""
        request = copy.deepcopy(dict(self.definition(logical)))
        request["TableName"] = prefix + logical
        if "BillingMode" not in request and "ProvisionedThroughput" not in request:
            request["BillingMode"] = "PAY_PER_REQUEST"
        return request


def _read_json(path: str | os.PathLike[str] | Traversable, what: str) -> Any:
    source = Path(path) if isinstance(path, str | os.PathLike) else path
    try:
        return json.loads(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise StorageError(
            f"cannot read the {what} file {path}",
            expected="a readable UTF-8 JSON file",
            observed=f"{type(error).__name__}: {error}",
            hint="check the path (package data: importlib.resources.files(pkg) / 'x.json')",
        ) from None
    except json.JSONDecodeError as error:
        raise StorageError(
            f"the {what} file {path} is not valid JSON",
            expected="valid JSON",
            observed=f"line {error.lineno}, column {error.colno}: {error.msg}",
            hint="fix the JSON at that position",
        ) from None


def _contract_table(name: str, table: Mapping[str, Any], billing: str) -> dict[str, Any]:
    def schema(partition: str, sort: str | None) -> list[dict[str, str]]:
        keys = [{"AttributeName": partition, "KeyType": "HASH"}]
        if sort:
            keys.append({"AttributeName": sort, "KeyType": "RANGE"})
        return keys

    definition: dict[str, Any] = {
        "TableName": name,
        "BillingMode": billing,
        "KeySchema": schema(table["partition_key"], table.get("sort_key")),
        "AttributeDefinitions": [
            {"AttributeName": attribute, "AttributeType": kind}
            for attribute, kind in table["attribute_types"].items()
        ],
    }
    indexes = table.get("indexes") or {}
    if indexes:
        definition["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index_name,
                "KeySchema": schema(index["partition_key"], index.get("sort_key")),
                "Projection": _projection(index.get("projection", "ALL")),
            }
            for index_name, index in indexes.items()
        ]
    return definition


def _projection(projection: Any) -> dict[str, Any]:
    if isinstance(projection, Mapping):
        return dict(projection)
    return {"ProjectionType": str(projection)}


def _checked(definition: dict[str, Any], number: int) -> dict[str, Any]:
    """``definition`` if it is a plausible CreateTable definition, else a StorageError."""
    name = definition.get("TableName")
    label = f"table {name}" if isinstance(name, str) and name else f"definition {number}"

    def refuse(expected: str, observed: str, hint: str) -> StorageError:
        return StorageError(
            f"DynamoTables: {label} is not a valid CreateTable definition",
            expected=expected,
            observed=observed,
            hint=hint,
        )

    if not isinstance(name, str) or not name:
        raise refuse("a non-empty TableName (the logical name)", repr(name), "add TableName")
    key_schema = definition.get("KeySchema")
    if not isinstance(key_schema, list) or not any(
        isinstance(k, Mapping) and k.get("KeyType") == "HASH" for k in key_schema
    ):
        raise refuse(
            'KeySchema: a list holding one {"AttributeName": ..., "KeyType": "HASH"} '
            "(and optionally one RANGE key)",
            f"KeySchema={key_schema!r}"[:200],
            "give the table a partition (HASH) key",
        )
    defined = definition.get("AttributeDefinitions")
    if not isinstance(defined, list) or not all(
        isinstance(a, Mapping) and "AttributeName" in a for a in defined
    ):
        raise refuse(
            'AttributeDefinitions: a list of {"AttributeName": ..., "AttributeType": ...}',
            f"AttributeDefinitions={defined!r}"[:200],
            "define the type (S, N or B) of every key attribute",
        )
    bad_types = [a for a in defined if a.get("AttributeType") not in _ATTRIBUTE_TYPES] + [
        k for k in key_schema if k.get("KeyType") not in _KEY_TYPES
    ]
    if bad_types:
        raise refuse(
            "AttributeType S, N or B for each attribute and KeyType HASH or RANGE for each key",
            f"{bad_types}"[:200],
            "DynamoDB keys are strings (S), numbers (N) or binary (B)",
        )
    used = _key_attributes(definition)
    declared = {str(a["AttributeName"]) for a in defined}
    if used != declared:
        missing, extra = sorted(used - declared), sorted(declared - used)
        raise refuse(
            "AttributeDefinitions listing exactly the key attributes of the table and its "
            f"indexes: {sorted(used)}",
            f"not defined: {missing or 'none'}; defined but no key uses them: {extra or 'none'}",
            "DynamoDB refuses both; define only key attributes (other attributes need no "
            "declaration)",
        )
    return definition


def _key_attributes(definition: Mapping[str, Any]) -> set[str]:
    schemas = [definition.get("KeySchema") or []]
    for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        for index in definition.get(kind) or []:
            schemas.append(index.get("KeySchema") or [] if isinstance(index, Mapping) else [])
    return {
        str(k["AttributeName"])
        for schema in schemas
        for k in schema
        if isinstance(k, Mapping) and "AttributeName" in k
    }


__all__ = ["DynamoTables"]
