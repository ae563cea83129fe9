"""The four kinds of TransactWriteItems entries, as small values the repositories build.

Each action names its table by logical name and holds plain Python values; ``Dynamo``
turns a list of them into one TransactWriteItems request. Every action asks for the old
item on a failed condition (``ReturnValuesOnConditionCheckFailure=ALL_OLD``) so the
repository can say exactly why a transaction was cancelled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Put:
    """Write ``item`` (whole), if ``condition`` holds."""

    table: str
    item: Mapping[str, Any]
    condition: str | None = None
    names: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Update:
    """Apply ``expression`` to the item at ``key``, if ``condition`` holds."""

    table: str
    key: Mapping[str, str]
    expression: str
    condition: str | None = None
    names: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Delete:
    """Delete the item at ``key``, if ``condition`` holds."""

    table: str
    key: Mapping[str, str]
    condition: str | None = None
    names: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Check:
    """Write nothing, but cancel the transaction unless ``condition`` holds at ``key``."""

    table: str
    key: Mapping[str, str]
    condition: str
    names: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Any] = field(default_factory=dict)


Action = Put | Update | Delete | Check
