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


def make_category(
    repos: RepositorySet, name: str | None = None, parent: Category | None = None, **fields: Any
) -> Category:
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
