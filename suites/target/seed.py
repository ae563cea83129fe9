"""Load a seed dataset from ``fixtures/seed/<name>.json`` through the shop's interfaces."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from shop.domain import NewCategory, NewProduct, NewUser, Profile
from shop.repository_set import RepositorySet

SEED_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "seed"


class SeedError(ValueError):
    """A seed file is missing or malformed (the message names the file and the entry)."""


@cache
def load_dataset(name: str) -> dict[str, Any]:
    """The parsed dataset (read once per process)."""
    path = SEED_DIR / f"{name}.json"
    if not path.is_file():
        known = sorted(p.stem for p in SEED_DIR.glob("*.json"))
        raise SeedError(f"seed {name!r}: expected {path} to exist, got nothing; known: {known}")
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise SeedError(f"{path}:{error.lineno}: not valid JSON ({error.msg})") from None
    return data


def seed(repos: RepositorySet, name: str) -> dict[str, Any]:
    """Create the dataset's entities in file order; return them by handle.

    Orders are placed through carts and moved to their status with ``update_status``, so
    every backend builds the same state through the same interface calls.
    """
    data = load_dataset(name)
    handles: dict[str, Any] = {}
    try:
        for user in data.get("users", []):
            handles[user["handle"]] = repos.users.create(
                NewUser(
                    email=user["email"],
                    username=user["username"],
                    password_hash=user["password_hash"],
                    profile=Profile(**user.get("profile", {})),
                    is_seller=user.get("is_seller", False),
                )
            )
        for category in data.get("categories", []):
            parent = category.get("parent")
            handles[category["handle"]] = repos.categories.create(
                NewCategory(
                    name=category["name"],
                    parent_id=handles[parent].id if parent else None,
                    description=category.get("description"),
                )
            )
        for product in data.get("products", []):
            handles[product["handle"]] = repos.products.create(
                NewProduct(
                    seller_id=handles[product["seller"]].id,
                    category_id=handles[product["category"]].id,
                    name=product["name"],
                    price=Decimal(product["price"]),
                    stock=product.get("stock", 0),
                    description=product.get("description"),
                    image_url=product.get("image_url"),
                )
            )
        for order in data.get("orders", []):
            user_id = handles[order["user"]].id
            for line in order["lines"]:
                repos.carts.add_item(user_id, handles[line["product"]].id, line["quantity"])
            placed = repos.orders.place(user_id, order["shipping_address"])
            for status in _path_to(order.get("status", "pending")):
                placed = repos.orders.update_status(placed.id, status)
            handles[order["handle"]] = placed
        for line in data.get("carts", []):
            repos.carts.add_item(
                handles[line["user"]].id, handles[line["product"]].id, line["quantity"]
            )
    except KeyError as error:
        raise SeedError(
            f"seed {name!r}: an entry refers to {error} which is not defined before it; "
            "define handles before using them"
        ) from None
    return handles


def _path_to(status: str) -> list[str]:
    steps = ["paid", "shipped", "delivered"]
    if status == "pending":
        return []
    if status not in steps:
        raise SeedError(
            f"seed order status: expected pending, paid, shipped or delivered, got {status!r}"
        )
    return steps[: steps.index(status) + 1]
