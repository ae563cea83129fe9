"""Conversions between domain values and the plain values stored in DynamoDB items.

Timestamps are stored as fixed-width UTC ISO strings with milliseconds
(``2026-01-01T00:00:00.000Z``) so that string order is time order; money is a ``Decimal``
written as N and read back with two places; counts are N read back as ``int``. Nothing here
ever produces a float.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from shop.clock import to_millis
from shop.domain import Profile

TWO_PLACES = Decimal("0.01")
_ISO_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def iso(moment: datetime) -> str:
    """``moment`` (timezone-aware) as ``YYYY-MM-DDTHH:MM:SS.mmmZ`` in UTC."""
    exact = to_millis(moment)
    return exact.strftime("%Y-%m-%dT%H:%M:%S.") + f"{exact.microsecond // 1000:03d}Z"


def parse_iso(text: object) -> datetime:
    """The timezone-aware UTC datetime written by ``iso``."""
    if not isinstance(text, str):
        raise TypeError(f"expected an ISO timestamp string, got {type(text).__name__}")
    return datetime.strptime(text, _ISO_FORMAT).replace(tzinfo=UTC)


def money(value: object) -> Decimal:
    """A stored N as a ``Decimal`` with exactly two places."""
    if not isinstance(value, Decimal):
        raise TypeError(f"expected a Decimal amount, got {type(value).__name__}")
    return value.quantize(TWO_PLACES)


def whole(value: object) -> int:
    """A stored N as an ``int`` (refusing fractions)."""
    if not isinstance(value, Decimal) or value != value.to_integral_value():
        raise TypeError(f"expected a whole number, got {value!r}")
    return int(value)


def optional_str(item: dict[str, Any], name: str) -> str | None:
    """``item[name]`` when present (a string), else ``None``."""
    value = item.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected {name} to be a string, got {type(value).__name__}")
    return value


def profile_map(profile: Profile) -> dict[str, str]:
    """A ``Profile`` as a map without its ``None`` fields."""
    return {
        f.name: getattr(profile, f.name)
        for f in dataclasses.fields(Profile)
        if getattr(profile, f.name) is not None
    }


def profile_from_map(value: object) -> Profile:
    """The ``Profile`` stored by ``profile_map`` (absent: an empty profile)."""
    if value is None:
        return Profile()
    if not isinstance(value, dict):
        raise TypeError(f"expected a profile map, got {type(value).__name__}")
    known = {f.name for f in dataclasses.fields(Profile)}
    return Profile(**{k: v for k, v in value.items() if k in known})


def without_none(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` without the entries whose value is ``None`` (DynamoDB stores no None)."""
    return {k: v for k, v in values.items() if v is not None}
