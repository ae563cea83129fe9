"""Small helpers that create test data through the interfaces, with unique keys per call."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from shop.domain import Category, NewCategory, NewProduct, NewUser, Product, Profile, User
from shop.repository_set import RepositorySet

_serial = itertools.count(1)


def unique(prefix: str) -> str:
    """A string unique within this test process."""
    return f"{prefix}{next(_serial)}"


def make_user(repos: RepositorySet, *, seller: bool = False, **fields: Any) -> User:
    """Create a user with a unique email and username unless given."""
    name = unique("seller" if seller else "shopper")
    values: dict[str, Any] = {
        "email": f"{name}@example.com",
        "username": name,
        "password_hash": "scrypt$not-a-real-hash",
        "profile": Profile(first_name="Ada", last_name="Lovelace"),
        "is_seller": seller,
    }
    values.update(fields)
    return repos.users.create(NewUser(**values))


def make_category(repos: RepositorySet, name: str | None = None, parent: Category | None = None,
                  **fields: Any) -> Category:
    """Create a category (unique name unless given) under ``parent`` or at the root."""
    return repos.categories.create(
        NewCategory(name or unique("Category "), parent.id if parent else None, **fields)
    )


def make_product(
    repos: RepositorySet,
    seller: User | None = None,
    category: Category | None = None,
    *,
    price: str = "10.00",
    stock: int = 5,
    **fields: Any,
) -> Product:
    """Create a product (with a new seller and category unless given)."""
    seller = seller or make_user(repos, seller=True)
    category = category or make_category(repos)
    values: dict[str, Any] = {"name": unique("Product "), "description": "A fine thing"}
    values.update(fields)
    return repos.products.create(
        NewProduct(
            seller_id=seller.id,
            category_id=category.id,
            price=Decimal(price),
            stock=stock,
            **values,
        )
    )


def everything(repos: RepositorySet) -> dict[str, Any]:
    """All data reachable through the interfaces, to check that a refused call wrote nothing."""
    users = _drain(lambda cursor: repos.users.list(100, cursor))
    products: list[Any] = []
    orders: list[Any] = []
    carts = {}
    for user in users:
        products += _drain(lambda cursor, u=user: repos.products.list_by_seller(u.id, 100, cursor))
        orders += _drain(lambda cursor, u=user: repos.orders.list_by_user(u.id, 100, cursor))
        carts[user.id] = repos.carts.get(user.id)
    return {
        "users": users,
        "categories": repos.categories.tree(),
        "products": products,
        "orders": orders,
        "carts": carts,
    }


def _drain(fetch: Any) -> list[Any]:
    items: list[Any] = []
    cursor = None
    while True:
        page = fetch(cursor)
        items += page.items
        cursor = page.next_cursor
        if cursor is None:
            return items


def all_pages(fetch: Any, limit: int) -> tuple[list[Any], int]:
    """Follow cursors to the end: every item and the number of pages."""
    items: list[Any] = []
    pages = 0
    cursor = None
    while True:
        page = fetch(limit, cursor)
        pages += 1
        assert len(page.items) <= limit
        items += page.items
        cursor = page.next_cursor
        if cursor is None:
            return items, pages


MONEY = Decimal
