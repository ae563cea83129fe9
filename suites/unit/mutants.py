"""Copies of the DynamoDB backend with one planted incompatibility each.

Each mutant subclasses one real DynamoDB repository and changes one method the way a
migration bug would; the rest of the repository set is the unmodified backend. The
self-test (test_planted_incompatibilities.py) proves the contract suite catches each one
and attributes it to the method that was changed.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from shop.backends.dynamodb.carts import DynamoCartRepository
from shop.backends.dynamodb.categories import DynamoCategoryRepository
from shop.backends.dynamodb.orders import DynamoOrderRepository
from shop.backends.dynamodb.products import DynamoProductRepository
from shop.backends.dynamodb.users import DynamoUserRepository
from shop.domain import Category, Order, Page, Product, ShopError, User
from shop.repository_set import RepositorySet
from suites.target.backends import DynamoFactory


class CaseSensitiveEmailLookup(DynamoUserRepository):
    """Looks the email up exactly as given, forgetting that emails are stored lower-cased."""

    def get_by_email(self, email: str) -> User | None:
        if email != email.lower():
            return None
        return super().get_by_email(email)


class ReversedChildOrder(DynamoCategoryRepository):
    """Queries the children with ScanIndexForward=False: names come back Z to A."""

    def list_children(self, parent_id: str | None = None) -> builtins.list[Category]:
        return super().list_children(parent_id)[::-1]


class OffByOnePage(DynamoUserRepository):
    """Builds the next cursor from one item too far, so each full page skips a user."""

    def list(self, limit: int = 20, cursor: str | None = None) -> Page[User]:
        page = super().list(limit, cursor)
        if page.next_cursor is None or len(page.items) < 2:
            return page
        return Page(page.items[:-1], page.next_cursor)


class FloatPrices(DynamoProductRepository):
    """Reads prices through float, as code that used the resource API's defaults might."""

    def get(self, product_id: str) -> Product | None:
        product = super().get(product_id)
        if product is None:
            return None
        return _with_price(product, Decimal(float(product.price)))


class TrailingZerosDropped(DynamoProductRepository):
    """Returns DynamoDB's normalised numbers as stored (12.00 comes back as 12)."""

    def list_by_category(
        self, category_id: str, limit: int = 20, cursor: str | None = None
    ) -> Page[Product]:
        page = super().list_by_category(category_id, limit, cursor)
        items = tuple(_with_price(p, p.price.normalize()) for p in page.items)
        return Page(items, page.next_cursor)


class MissingStockCheck(DynamoOrderRepository):
    """Places the order without checking stock: it oversells (stock is clamped at zero)."""

    def place(self, user_id: str, shipping_address: str) -> Order:
        products = DynamoProductRepository(self._c)
        try:
            cart = DynamoCartRepository(self._c).get(user_id)
        except Exception:  # the real place() reports this error itself
            return super().place(user_id, shipping_address)
        for line in cart.items:
            product = products.get(line.product_id)
            if product is not None and product.stock < line.quantity:
                products.adjust_stock(product.id, line.quantity - product.stock)
        return super().place(user_id, shipping_address)


class CancelWithoutRestock(DynamoOrderRepository):
    """Cancels the order but forgets to put its units back in stock."""

    def cancel(self, order_id: str) -> Order:
        cancelled = super().cancel(order_id)
        products = DynamoProductRepository(self._c)
        for item in cancelled.items:
            try:
                products.adjust_stock(item.product_id, -item.quantity)
            except ShopError:  # a deleted product: nothing was restored, nothing to take
                continue
        return cancelled


class SecondPrecisionClock:
    """A clock that drops milliseconds, as a backend storing DATETIME(0)-style values would."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def now(self) -> datetime:
        return self._inner.now().replace(microsecond=0)  # type: ignore[no-any-return]


def _with_price(product: Product, price: Decimal) -> Product:
    from dataclasses import replace

    return replace(product, price=price)


@dataclass(frozen=True)
class Mutant:
    """One planted incompatibility: which method it breaks and how to plant it."""

    name: str
    method: str
    """The ``repo.method`` the contract suite must blame (``*`` for every write)."""
    plant: Callable[[RepositorySet], None]


def _swap(attribute: str, cls: type) -> Callable[[RepositorySet], None]:
    def plant(repos: RepositorySet) -> None:
        setattr(repos, attribute, cls(getattr(repos, attribute)._c))

    return plant


def _seconds_clock(repos: RepositorySet) -> None:
    context = repos.users._c  # type: ignore[attr-defined]  # one context, shared by all five
    object.__setattr__(context, "clock", SecondPrecisionClock(context.clock))


MUTANTS = (
    Mutant(
        "case-sensitive-email-lookup",
        "users.get_by_email",
        _swap("users", CaseSensitiveEmailLookup),
    ),
    Mutant(
        "reversed-child-order", "categories.list_children", _swap("categories", ReversedChildOrder)
    ),
    Mutant("off-by-one-page", "users.list", _swap("users", OffByOnePage)),
    Mutant("float-prices", "products.get", _swap("products", FloatPrices)),
    Mutant(
        "trailing-zeros-dropped",
        "products.list_by_category",
        _swap("products", TrailingZerosDropped),
    ),
    Mutant("missing-stock-check", "orders.place", _swap("orders", MissingStockCheck)),
    Mutant("cancel-without-restock", "orders.cancel", _swap("orders", CancelWithoutRestock)),
    Mutant("second-precision-timestamps", "*", _seconds_clock),
)


class MutantFactory(DynamoFactory):
    """The DynamoDB backend with one mutant planted in every repository set it hands out."""

    def __init__(self, settings: Any, mutant: Mutant) -> None:
        super().__init__(settings)
        self.mutant = mutant

    def adapt(self, repos: RepositorySet) -> RepositorySet:
        self.mutant.plant(repos)
        return repos
