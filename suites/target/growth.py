"""The shop's growth probe (``--parity-growth``, docs/cost-growth.md).

``grow(run, size)`` creates, through the interfaces, ``size`` users (the first a seller)
and ``size`` products in one category at the bottom of a chain of categories whose depth
grows with the size (``depth(size)``). Three products mention "needle", whatever the
size, so a search finds a few. Each probe makes one call of one read method.

Expected today: the lookups by key stay constant; ``products.search`` (a Scan on DynamoDB)
and ``categories.path`` (one Query per level on DynamoDB) grow with the data.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from harness import Run
from shop.domain import NewCategory, NewProduct, NewUser, Profile

SIZES = (10, 100, 300)
"""The default sizes: 1,000 works too (``--parity-growth-sizes 10,100,1000``, measured in
docs/cost-growth.md), but moto copies its tables on every transaction, so growing to N
costs O(N^2) there: about 6 minutes on the unit tier against 36 s for these."""
PAGE = 5
"""``list_by_category``'s one page."""
NEEDLE = "needle"
PASSWORD_HASH = "scrypt$16384$8$1$c2FsdA$Z3Jvd3Ro"


def depth(size: int) -> int:
    """How deep the category chain is for ``size`` entities: it grows with the data."""
    return max(2, size // 10)


def grow(run: Run, size: int) -> dict[str, Any]:
    """``size`` users and products under a chain of ``depth(size)`` categories."""
    users = [
        run.call(
            "users.create",
            NewUser(
                email=f"grower{i:05d}@growth.example",
                username=f"grower{i:05d}",
                password_hash=PASSWORD_HASH,
                profile=Profile(first_name=f"Grower {i}"),
                is_seller=i == 0,
            ),
        )
        for i in range(size)
    ]
    parent: str | None = None
    chain = []
    for level in range(depth(size)):
        category = run.call(
            "categories.create", NewCategory(name=f"Level {level:03d}", parent_id=parent)
        )
        chain.append(category)
        parent = category.id
    needles = {0, size // 2, size - 1}
    products = [
        run.call(
            "products.create",
            NewProduct(
                seller_id=users[0].id,
                category_id=chain[-1].id,
                name=f"Growth item {i:05d}" + (f" with a {NEEDLE}" if i in needles else ""),
                price=Decimal("1.00") + i,
                stock=i % 7,
                description=f"Item number {i} of {size}",
            ),
        )
        for i in range(size)
    ]
    return {
        "user_id": users[-1].id,
        "email": users[-1].email.upper(),
        "product_id": products[-1].id,
        "product_ids": [p.id for p in products[:5]],
        "category_id": chain[-1].id,
    }


def _users_get(run: Run, handles: Mapping[str, Any]) -> None:
    run.call("users.get", handles["user_id"])


def _users_get_by_email(run: Run, handles: Mapping[str, Any]) -> None:
    run.call("users.get_by_email", handles["email"])


def _products_get(run: Run, handles: Mapping[str, Any]) -> None:
    run.call("products.get", handles["product_id"])


def _products_get_many(run: Run, handles: Mapping[str, Any]) -> None:
    run.call("products.get_many", handles["product_ids"])


def _products_list_by_category(run: Run, handles: Mapping[str, Any]) -> None:
    run.call("products.list_by_category", handles["category_id"], limit=PAGE)


def _products_search(run: Run, handles: Mapping[str, Any]) -> None:
    run.call("products.search", NEEDLE)


def _categories_path(run: Run, handles: Mapping[str, Any]) -> None:
    run.call("categories.path", handles["category_id"])


def _categories_get(run: Run, handles: Mapping[str, Any]) -> None:
    run.call("categories.get", handles["category_id"])


PROBES = {
    "users.get": _users_get,
    "users.get_by_email": _users_get_by_email,
    "products.get": _products_get,
    "products.get_many": _products_get_many,
    "products.list_by_category": _products_list_by_category,
    "products.search": _products_search,
    "categories.path": _categories_path,
    "categories.get": _categories_get,
}
"""Read method -> one call of it on the grown data."""

__all__ = ["NEEDLE", "PAGE", "PROBES", "SIZES", "depth", "grow"]
