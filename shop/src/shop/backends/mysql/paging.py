"""Keyset paging: signed cursors (``shop.cursors``) holding the last row's sort key.

Listings by time sort on ``(created_at, id)``; the position is ``[created_at ISO, id]``.
Search sorts on ``id``; the position is ``[id]``. Positions are private to this backend;
only the scope convention (method and arguments, as in the memory backend) is shared.
A position that does not parse is refused like any other bad cursor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from shop import validation
from shop.cursors import CursorCodec
from shop.domain import Page, ValidationError

from .ids import parse_key
from .rows import to_db_time

T = TypeVar("T")

_BAD_POSITION = "expected a cursor from a previous page of this listing, got one it cannot use"


def start(cursors: CursorCodec, scope: str, limit: object, cursor: object) -> tuple[int, Any]:
    """Check ``limit`` and ``cursor`` (in that order) and decode the cursor's position.

    Returns the page size and the position (``None`` for the first page).
    """
    size, token = validation.page_args(limit, cursor)
    return size, (cursors.decode(scope, token) if token is not None else None)


def time_key(position: Any) -> tuple[datetime, int]:
    """The ``(created_at, id)`` keyset of a time-ordered listing's position."""
    if (
        isinstance(position, list)
        and len(position) == 2
        and all(isinstance(part, str) for part in position)
    ):
        key = parse_key(position[1])
        try:
            moment = datetime.fromisoformat(position[0])
        except ValueError:
            moment = None
        if key is not None and moment is not None and moment.tzinfo is not None:
            return to_db_time(moment), key
    raise ValidationError("cursor", _BAD_POSITION)


def id_key(position: Any) -> int:
    """The id keyset of an id-ordered listing's position."""
    if isinstance(position, list) and len(position) == 1 and isinstance(position[0], str):
        key = parse_key(position[0])
        if key is not None:
            return key
    raise ValidationError("cursor", _BAD_POSITION)


def time_position(created_at: datetime, entity_id: str) -> list[str]:
    """The position after an entity of a time-ordered listing."""
    return [created_at.isoformat(), entity_id]


def id_position(entity_id: str) -> list[str]:
    """The position after an entity of an id-ordered listing."""
    return [entity_id]


def page(
    cursors: CursorCodec,
    scope: str,
    fetched: Sequence[T],
    size: int,
    position: Callable[[T], list[str]],
) -> Page[T]:
    """A page of ``size`` items from ``fetched`` (up to ``size + 1`` rows were asked for).

    ``next_cursor`` is set exactly when there is a further item.
    """
    if len(fetched) <= size:
        return Page(tuple(fetched), None)
    items = tuple(fetched[:size])
    return Page(items, cursors.encode(scope, position(items[-1])))
