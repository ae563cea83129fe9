"""Canonical forms: what two backends' observations are compared as.

Every value becomes plain JSON-able data with its type made explicit, before any comparison
(deepdiff never sees a Decimal, float or datetime):

- ``bool``, ``float``, ``Decimal``, ``datetime``, enums and bytes are tagged
  (``{"$decimal": "1.50"}``), so ``True``/``1``/``1.0``/``Decimal("1")`` never compare equal
  and a lost trailing zero (``1.5`` vs ``1.50``) is a difference: Decimals are exact.
- datetimes become UTC ISO strings truncated to milliseconds; a naive datetime is tagged
  as such, so a backend that drops the time zone is caught.
- IDs are replaced by symbols in order of appearance within one case (``user#1``), per id
  kind, so two backends' different raw ids align without ever being compared raw.
- secret fields become a short digest (compared, never shown); opaque fields (page cursors)
  keep only whether they are present.
- dataclasses carry their type name; errors carry their type and identifying fields.
- lists the rules mark as unordered are sorted by a key that does not depend on the order
  in which their unseen ids would be numbered.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

Canonical = Any
"""A canonical value: None, bool-free ints, str, lists, and str-keyed dicts."""

_QUOTED = re.compile(r"'([^'\s]{1,64})'")

SECRET_DIGEST_PREFIX = "secret:sha256:"  # noqa: S105 - a label, not a password


@dataclass(frozen=True)
class CanonicalRules:
    """How a target's values are canonicalised (the target provides one).

    ``id_kinds_by_field``: field or parameter name -> id kind (``"user_id": "user"``).
    ``id_kinds_by_type``: type name -> the kind of its ``id`` field (``"User": "user"``).
    ``id_kinds_by_entity``: for errors that name an entity and a key (``NotFound("user",
    key)``), entity name -> id kind, so the key is aligned as an id.
    ``opaque_fields``: compared only as present/absent (page cursors).
    ``secret_fields``: compared through a digest and never shown (password hashes).
    ``unordered``: method name -> the paths (dotted, from the call's value) of lists whose
    order the interface leaves unspecified; ``""`` is the value itself.
    ``error_fields``: extracts an exception's identifying fields.
    """

    id_kinds_by_field: Mapping[str, str] = field(default_factory=dict)
    id_kinds_by_type: Mapping[str, str] = field(default_factory=dict)
    id_kinds_by_entity: Mapping[str, str] = field(default_factory=dict)
    opaque_fields: frozenset[str] = frozenset()
    secret_fields: frozenset[str] = frozenset()
    unordered: Mapping[str, frozenset[str]] = field(default_factory=dict)
    error_fields: Callable[[BaseException], Mapping[str, Any]] | None = None
    prose_fields: frozenset[str] = frozenset()
    """Free-text fields (error messages) in which quoted ids already seen are masked as
    ``'<id>'``: raw ids differ between backends, the structured fields carry them aligned."""


class SymbolTable:
    """Raw id -> symbol, numbered per kind in order of first appearance."""

    def __init__(self) -> None:
        self._symbols: dict[tuple[str, str], str] = {}
        self._counts: dict[str, int] = {}

    def symbol(self, kind: str, raw: object) -> str:
        """The symbol for ``raw`` (a new one the first time it is seen)."""
        key = (kind, str(raw))
        found = self._symbols.get(key)
        if found is None:
            self._counts[kind] = self._counts.get(kind, 0) + 1
            found = f"{kind}#{self._counts[kind]}"
            self._symbols[key] = found
        return found

    def seen(self, raw: str) -> bool:
        """Whether ``raw`` was seen as an id of any kind."""
        return any(key[1] == raw for key in self._symbols)

    def known(self, kind: str, raw: object) -> str | None:
        """The symbol for ``raw`` if it has one already."""
        return self._symbols.get((kind, str(raw)))

    def raw_ids(self) -> dict[str, str]:
        """Symbol -> raw id, for showing a reader which raw value a symbol stands for."""
        return {symbol: raw for (_, raw), symbol in self._symbols.items()}


class _PeekSymbols(SymbolTable):
    """A read-only view of a table: known ids get their symbol, new ones ``kind#?``."""

    def __init__(self, table: SymbolTable) -> None:
        super().__init__()
        self._table = table

    def symbol(self, kind: str, raw: object) -> str:
        return self._table.known(kind, raw) or f"{kind}#?"


def secret_digest(value: object) -> str:
    """A short digest that lets two secrets be compared without showing either."""
    digest = hashlib.sha256(repr(value).encode()).hexdigest()[:12]
    return SECRET_DIGEST_PREFIX + digest


class Canonicaliser:
    """Turns one run's observations into canonical form (one instance per run of a case)."""

    def __init__(
        self, rules: CanonicalRules, symbols: SymbolTable | None = None, scrub: str = ""
    ) -> None:
        self.rules = rules
        self.symbols = symbols if symbols is not None else SymbolTable()
        self.scrub = scrub
        """A run-specific marker (``run.unique``'s nonce) replaced by ``{run}`` in text."""

    def value(
        self,
        value: object,
        *,
        kind: str | None = None,
        unordered: frozenset[str] = frozenset(),
        path: str = "",
    ) -> Canonical:
        """The canonical form of ``value``; ``kind`` marks it as an id of that kind."""
        if kind is not None and isinstance(value, str | int) and not isinstance(value, bool):
            raw = (
                value.replace(self.scrub, "{run}")
                if self.scrub and isinstance(value, str)
                else value
            )
            return self.symbols.symbol(kind, raw)
        if value is None:
            return value
        if isinstance(value, str):
            return value.replace(self.scrub, "{run}") if self.scrub else value
        if isinstance(value, bool):
            return {"$bool": value}
        if isinstance(value, enum.Enum):
            return {"$enum": f"{type(value).__name__}.{value.name}"}
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return {"$float": repr(value)}
        if isinstance(value, Decimal):
            return {"$decimal": str(value)}
        if isinstance(value, datetime):
            return _datetime(value)
        if isinstance(value, date):
            return {"$date": value.isoformat()}
        if isinstance(value, bytes | bytearray):
            return {"$bytes": bytes(value).hex()}
        if isinstance(value, BaseException):
            return self._error(value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return self._record(
                type(value).__name__,
                {f.name: getattr(value, f.name) for f in dataclasses.fields(value)},
                unordered,
                path,
            )
        if isinstance(value, Mapping):
            fields = {str(k): v for k, v in value.items()}
            declared = fields.pop("$type", None)  # JSON that says what it is (e.g. an API body)
            type_name = declared if isinstance(declared, str) else None
            return self._record(type_name, fields, unordered, path)
        if isinstance(value, set | frozenset):
            items = [self.value(v, kind=kind) for v in value]
            return sorted(items, key=_sort_key)
        if isinstance(value, Sequence):
            return self._sequence(value, kind, unordered, path)
        return {"$repr": f"{type(value).__name__}:{value!r}"}

    def _record(
        self,
        type_name: str | None,
        fields: Mapping[str, object],
        unordered: frozenset[str],
        path: str,
    ) -> dict[str, Canonical]:
        out: dict[str, Canonical] = {}
        if type_name is not None:
            out["$type"] = type_name
        entity = fields.get("entity")
        key_kind = self.rules.id_kinds_by_entity.get(entity) if isinstance(entity, str) else None
        for name, item in fields.items():
            sub = f"{path}.{name}" if path else name
            if name in self.rules.opaque_fields:
                out[name] = None if item is None else {"$opaque": "present"}
            elif name in self.rules.secret_fields and isinstance(item, str | bytes):
                out[name] = secret_digest(item)
            elif (
                name == "id" and type_name is not None and type_name in self.rules.id_kinds_by_type
            ):
                out[name] = self.value(item, kind=self.rules.id_kinds_by_type[type_name])
            elif name == "key" and key_kind is not None:
                out[name] = self.value(item, kind=key_kind)
            elif name in self.rules.prose_fields and isinstance(item, str):
                masked = _QUOTED.sub(
                    lambda m: "'<id>'" if self.symbols.seen(m.group(1)) else m.group(0), item
                )
                out[name] = masked.replace(self.scrub, "{run}") if self.scrub else masked
            else:
                kind = self.rules.id_kinds_by_field.get(name)
                out[name] = self.value(item, kind=kind, unordered=unordered, path=sub)
        return out

    def _sequence(
        self, items: Sequence[object], kind: str | None, unordered: frozenset[str], path: str
    ) -> list[Canonical]:
        elements = list(items)
        if path in unordered:
            elements.sort(key=lambda item: _sort_key(self._peek(item, kind)))
        return [self.value(v, kind=kind, unordered=unordered, path=path) for v in elements]

    def _peek(self, item: object, kind: str | None) -> Canonical:
        """The canonical form of ``item`` without numbering any new id (new ids masked)."""
        peek = Canonicaliser(self.rules, _PeekSymbols(self.symbols), self.scrub)
        return peek.value(item, kind=kind)

    def _error(self, error: BaseException) -> dict[str, Canonical]:
        extract = self.rules.error_fields
        fields = dict(extract(error)) if extract else {"message": str(error)}
        entity = fields.get("entity")
        out: dict[str, Canonical] = {"$error": type(error).__name__}
        for name, item in fields.items():
            if (
                name == "key"
                and isinstance(entity, str)
                and entity in self.rules.id_kinds_by_entity
            ):
                out[name] = self.value(item, kind=self.rules.id_kinds_by_entity[entity])
            else:
                out[name] = self.value(item, kind=self.rules.id_kinds_by_field.get(name))
        return out


def _datetime(value: datetime) -> dict[str, str]:
    if value.tzinfo is None or value.utcoffset() is None:
        return {"$naive-datetime": value.isoformat(timespec="milliseconds")}
    moment = value.astimezone(UTC)
    return {"$datetime": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")}


def _sort_key(value: Canonical) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def dumps(value: Canonical) -> str:
    """The canonical text of a canonical value (stable: sorted keys)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
