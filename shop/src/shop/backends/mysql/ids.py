"""MySQL keys at the boundary: BIGINT UNSIGNED inside, canonical decimal strings outside."""

from __future__ import annotations

import re

from shop import validation

MAX_KEY = 2**64 - 1
"""The largest BIGINT UNSIGNED."""

_CANONICAL = re.compile(r"[1-9][0-9]{0,19}")


def parse_key(value: str) -> int | None:
    """The key that ``value`` names, or ``None`` when it names nothing.

    Only the canonical decimal form of a BIGINT UNSIGNED names a row: ``"7"`` does, while
    ``"007"``, ``"0"``, ``"-1"``, ``" 7"``, ``"7.0"``, ``"1e3"``, ``"٣"`` (a non-ASCII digit)
    and anything above 2**64-1 do not. Such ids are well-formed opaque ids that simply
    name no entity, exactly as an unknown id would on any other backend.
    """
    if not _CANONICAL.fullmatch(value):
        return None
    key = int(value)
    return key if key <= MAX_KEY else None


def checked_key(field: str, value: object) -> int | None:
    """Validate ``value`` as an opaque id (``ValidationError(field)`` if malformed), then
    return its key, or ``None`` when it names nothing."""
    return parse_key(validation.entity_id(field, value))


def format_key(key: int) -> str:
    """The domain id of a key: its decimal string."""
    return str(key)
