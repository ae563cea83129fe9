"""Keyset paging over Query results, with signed cursors.

Every listing asks DynamoDB for ``limit + 1`` items: the extra one only tells whether a
next page exists, so ``next_cursor`` is ``None`` exactly on the last page. The cursor holds
the position of the page's last item (a sort-key value, or a product id for search),
signed by ``CursorCodec`` under a scope naming the listing and its arguments; anything
else handed back is ``ValidationError(field="cursor")``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from shop import validation
from shop.cursors import CursorCodec
from shop.domain import Page, ValidationError

T = TypeVar("T")

SCOPE_PREFIX = "dynamodb."
"""Scopes differ from the other backends', so their cursors are refused here."""


class Pager:
    """Encodes and decodes the cursors of one backend instance."""

    def __init__(self, cursors: CursorCodec) -> None:
        self._cursors = cursors

    def start(self, scope: str, limit: object, cursor: object) -> tuple[int, str | None]:
        """The checked page size and the position after which the page starts (or None)."""
        size, token = validation.page_args(limit, cursor)
        if token is None:
            return size, None
        position = self._cursors.decode(SCOPE_PREFIX + scope, token)
        if not isinstance(position, str) or not position:
            raise ValidationError("cursor", "expected a cursor from a previous page")
        return size, position

    def page(
        self,
        scope: str,
        rows: Sequence[T],
        size: int,
        position_of: Callable[[T], str],
    ) -> Page[T]:
        """The page of the first ``size`` of ``rows`` (fetched as ``size + 1``)."""
        items = tuple(rows[:size])
        if len(rows) <= size:
            return Page(items, None)
        return Page(items, self._cursors.encode(SCOPE_PREFIX + scope, position_of(items[-1])))
