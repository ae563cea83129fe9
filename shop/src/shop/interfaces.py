"""The five repository interfaces (36 methods) every backend implements.

Each docstring is the method's contract; the contract suite tests exactly these sentences.
Rules that hold for every method, on every backend:

- Input is checked before anything is written; bad input raises ``ValidationError``
  naming the field (see ``shop.validation`` for the exact rules).
- IDs are opaque strings. An ID that is well-formed (a non-empty string of at most 64
  characters without control characters) but names nothing is "not found", never invalid.
- Lookups (``get``, ``get_by_*``) return ``None`` when nothing matches; every other method
  raises ``NotFound(entity, key)`` for a missing entity it was asked to act on.
- Listings return ``Page``: at most ``limit`` items (``1 <= limit <= 100``, default 20)
  and an opaque ``next_cursor`` that is ``None`` on the last page. A cursor is only valid
  for the listing (and arguments) that produced it; anything else raises
  ``ValidationError(field="cursor")``. Following cursors to the end visits every item once.
- Where a listing says "ties broken by id", IDs are issued in increasing order, so ties
  fall in creation order.
- Money is ``Decimal`` with exactly two places; timestamps are UTC, millisecond precision.
- Text is compared exactly (code point by code point) unless a method says otherwise;
  emails are the exception: stored lower-cased, looked up case-insensitively.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from shop.domain import (
    Cart,
    Category,
    CategoryChanges,
    CategoryNode,
    NewCategory,
    NewProduct,
    NewUser,
    Order,
    OrderStatus,
    Page,
    Product,
    ProductChanges,
    User,
    UserChanges,
)

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class UserRepository(Protocol):
    """Users: unique by email (case-insensitive) and by username (exact)."""

    def create(self, new: NewUser) -> User:
        """Create a user; the email is stored lower-cased and both timestamps set to now.

        Raises ``AlreadyExists(entity="user", field="email"|"username")`` when another user
        has that email (compared lower-cased) or that username (compared exactly).
        """
        ...

    def get(self, user_id: str) -> User | None:
        """The user with this id, or ``None``."""
        ...

    def get_by_email(self, email: str) -> User | None:
        """The user with this email, compared case-insensitively, or ``None``."""
        ...

    def get_by_username(self, username: str) -> User | None:
        """The user with exactly this username (case-sensitive), or ``None``."""
        ...

    def update(self, user_id: str, changes: UserChanges) -> User:
        """Apply the set fields of ``changes``; ``updated_at`` becomes now.

        Email and username stay unique (``AlreadyExists`` otherwise, nothing changed).
        Changing the email keeps the user's id, cart and orders. Raises ``NotFound`` for
        an unknown user. An empty ``changes`` returns the user unchanged (no new
        ``updated_at``).
        """
        ...

    def delete(self, user_id: str) -> None:
        """Remove the user and their cart.

        Raises ``Conflict(reason="user has orders")`` if they have any order, and
        ``Conflict(reason="user has products")`` if they sell any product; ``NotFound``
        for an unknown user.
        """
        ...

    def list(self, limit: int = DEFAULT_LIMIT, cursor: str | None = None) -> Page[User]:
        """All users in creation order (oldest first), ties broken by id."""
        ...


class CategoryRepository(Protocol):
    """A tree of categories; a name is unique among its siblings (exact comparison)."""

    def create(self, new: NewCategory) -> Category:
        """Create a category under ``new.parent_id`` (``None``: at the root).

        Raises ``NotFound`` for an unknown parent and
        ``AlreadyExists(entity="category", field="name")`` when a sibling has that name.
        """
        ...

    def get(self, category_id: str) -> Category | None:
        """The category with this id, or ``None``."""
        ...

    def get_by_name(self, name: str, parent_id: str | None = None) -> Category | None:
        """The child of ``parent_id`` (root when ``None``) with exactly this name, or ``None``.

        An unknown ``parent_id`` gives ``None``.
        """
        ...

    def list_children(self, parent_id: str | None = None) -> list[Category]:
        """The direct children of ``parent_id`` (the roots when ``None``), sorted by name.

        Names sort by code point (so "B" < "a" < "Ä"), ties cannot occur among siblings.
        Raises ``NotFound`` for an unknown parent.
        """
        ...

    def path(self, category_id: str) -> list[Category]:
        """The breadcrumb trail: the root ancestor first, down to the category itself.

        Raises ``NotFound`` for an unknown category.
        """
        ...

    def tree(self) -> list[CategoryNode]:
        """The whole hierarchy: the roots, each with its children nested, all sorted by name."""
        ...

    def update(self, category_id: str, changes: CategoryChanges) -> Category:
        """Rename and/or move a category (``parent_id=None`` moves it to the root).

        The category keeps its id and its children. Raises ``NotFound`` for an unknown
        category or new parent, ``ValidationError(field="parent_id")`` when the move would
        make a cycle (itself or one of its descendants as parent), and ``AlreadyExists``
        when the new siblings already have that name. An empty ``changes`` returns it as is.
        """
        ...

    def delete(self, category_id: str) -> None:
        """Remove a category.

        Raises ``Conflict(reason="category has children")`` while it has subcategories,
        ``Conflict(reason="category has products")`` while any product is in it, and
        ``NotFound`` for an unknown category.
        """
        ...


class ProductRepository(Protocol):
    """Products sold by a seller, in one category."""

    def create(self, new: NewProduct) -> Product:
        """Create a product; both timestamps set to now.

        Raises ``NotFound`` for an unknown seller or category and
        ``ValidationError(field="seller_id")`` when the user is not a seller.
        """
        ...

    def get(self, product_id: str) -> Product | None:
        """The product with this id, or ``None``."""
        ...

    def get_many(self, product_ids: Sequence[str]) -> list[Product]:
        """The products with these ids, in the order asked.

        Unknown ids are skipped; a repeated id is returned once, at its first position.
        At most 100 ids (``ValidationError`` otherwise).
        """
        ...

    def list_by_category(
        self, category_id: str, limit: int = DEFAULT_LIMIT, cursor: str | None = None
    ) -> Page[Product]:
        """The category's products in creation order (oldest first), ties broken by id.

        Only products directly in this category. An unknown category gives an empty page.
        """
        ...

    def list_by_seller(
        self, seller_id: str, limit: int = DEFAULT_LIMIT, cursor: str | None = None
    ) -> Page[Product]:
        """The seller's products in creation order (oldest first), ties broken by id.

        An unknown seller gives an empty page.
        """
        ...

    def search(
        self,
        text: str,
        category_id: str | None = None,
        min_price: Decimal | None = None,
        max_price: Decimal | None = None,
        in_stock_only: bool = False,
        limit: int = DEFAULT_LIMIT,
        cursor: str | None = None,
    ) -> Page[Product]:
        """Products whose name or description contains ``text``, case-insensitively.

        Case-insensitive means both sides are compared after ``str.lower()``; no accent or
        Unicode-normalisation folding. ``text`` is 1-100 characters and matched literally
        (``%`` and ``_`` are not wildcards). Optional filters: directly in ``category_id``,
        ``min_price <= price <= max_price`` (Decimals), ``stock > 0``. The order of
        results is unspecified (this is the one listing that may Scan on DynamoDB), but
        following the cursors returns every match exactly once. A page may hold fewer
        than ``limit`` items while ``next_cursor`` is set.
        """
        ...

    def update(self, product_id: str, changes: ProductChanges) -> Product:
        """Apply the set fields of ``changes``; ``updated_at`` becomes now.

        Raises ``NotFound`` for an unknown product or new category. An empty
        ``changes`` returns the product unchanged.
        """
        ...

    def delete(self, product_id: str) -> None:
        """Remove the product and every cart line holding it; orders keep their snapshot.

        Raises ``NotFound`` for an unknown product.
        """
        ...

    def adjust_stock(self, product_id: str, delta: int) -> int:
        """Add ``delta`` (may be negative) to the stock atomically and return the new stock.

        Raises ``InsufficientStock(requested=-delta)`` when the stock would go below zero
        (nothing changes) and ``NotFound`` for an unknown product.
        """
        ...


class ShoppingCartRepository(Protocol):
    """One cart per user. Lines are listed in the order they were first added."""

    def get(self, user_id: str) -> Cart:
        """The user's cart, priced at current product prices; empty when there is none.

        Raises ``NotFound`` for an unknown user.
        """
        ...

    def add_item(self, user_id: str, product_id: str, quantity: int) -> Cart:
        """Add ``quantity`` (>= 1) units, adding to the line if there is one already.

        Stock is not checked here (only when an order is placed). Raises ``NotFound`` for
        an unknown user or product. Returns the cart.
        """
        ...

    def set_quantity(self, user_id: str, product_id: str, quantity: int) -> Cart:
        """Set the line to exactly ``quantity`` (>= 0); 0 removes the line.

        Creates the line when it is absent (and ``quantity`` > 0). Raises ``NotFound`` for
        an unknown user or product. Returns the cart.
        """
        ...

    def remove_item(self, user_id: str, product_id: str) -> Cart:
        """Remove the line; removing a line that is not there changes nothing.

        Raises ``NotFound`` for an unknown user. Returns the cart.
        """
        ...

    def clear(self, user_id: str) -> None:
        """Remove every line. Raises ``NotFound`` for an unknown user."""
        ...

    def count_items(self, user_id: str) -> int:
        """The total quantity over all lines (0 for an empty cart).

        Raises ``NotFound`` for an unknown user.
        """
        ...


class OrderRepository(Protocol):
    """Orders placed from carts; line prices are snapshots taken at placing."""

    def place(self, user_id: str, shipping_address: str) -> Order:
        """Turn the user's cart into a ``pending`` order, atomically.

        Checks and decrements every line's stock, writes the order with price snapshots
        (lines in cart order) and empties the cart. Raises ``ValidationError(field="cart")``
        for an empty cart, ``InsufficientStock`` for the first line (in cart order) short
        of stock, and ``NotFound`` for an unknown user; on any error nothing changes.
        """
        ...

    def get(self, order_id: str) -> Order | None:
        """The order with this id, or ``None``."""
        ...

    def list_by_user(
        self, user_id: str, limit: int = DEFAULT_LIMIT, cursor: str | None = None
    ) -> Page[Order]:
        """The user's orders, newest first, ties broken by id (higher id first).

        An unknown user gives an empty page.
        """
        ...

    def list_by_status(
        self, status: OrderStatus | str, limit: int = DEFAULT_LIMIT, cursor: str | None = None
    ) -> Page[Order]:
        """All orders with this status, newest first, ties broken by id (higher id first).

        An unknown status raises ``ValidationError(field="status")``.
        """
        ...

    def update_status(self, order_id: str, status: OrderStatus | str) -> Order:
        """Move the order one step along ``pending -> paid -> shipped -> delivered``.

        Any other move (skipping, going back, repeating, or to ``cancelled``: use
        ``cancel``) raises ``InvalidTransition``; an unknown status raises
        ``ValidationError(field="status")``; an unknown order ``NotFound``.
        """
        ...

    def cancel(self, order_id: str) -> Order:
        """Cancel a ``pending`` or ``paid`` order and restore its stock, atomically.

        Stock is restored only for products that still exist. Raises
        ``InvalidTransition`` from any other status and ``NotFound`` for an unknown order.
        """
        ...


REPOSITORY_INTERFACES: dict[str, type] = {
    "users": UserRepository,
    "categories": CategoryRepository,
    "products": ProductRepository,
    "carts": ShoppingCartRepository,
    "orders": OrderRepository,
}
"""Each repository set attribute and the Protocol it satisfies."""
