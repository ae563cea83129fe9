"""Domain entities <-> stored items (plain values; ``client`` does the attribute values).

One function pair per entity. Writers add the key and index-key attributes rendered by
``Keys``; readers ignore them. ``None`` fields are omitted on write and read back as None.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shop.backends.dynamodb.keys import Keys
from shop.backends.dynamodb.values import (
    iso,
    money,
    optional_str,
    parse_iso,
    profile_from_map,
    profile_map,
    whole,
    without_none,
)
from shop.domain import Category, Order, OrderItem, OrderStatus, Product, User

Item = dict[str, Any]


def user_item(keys: Keys, user: User, version: int) -> Item:
    """The ``#META`` item of ``user``."""
    return without_none(
        {
            **keys.user(user.email),
            **keys.user_index(user.id, user.username, user.created_at),
            "id": user.id,
            "email": user.email,
            "username": user.username,
            "password_hash": user.password_hash,
            "profile": profile_map(user.profile) or None,
            "is_seller": user.is_seller,
            "created_at": iso(user.created_at),
            "updated_at": iso(user.updated_at),
            "version": version,
        }
    )


def user_from_item(item: Item) -> User:
    """The ``User`` of a ``#META`` item."""
    return User(
        id=str(item["id"]),
        email=str(item["email"]),
        username=str(item["username"]),
        password_hash=str(item["password_hash"]),
        profile=profile_from_map(item.get("profile")),
        is_seller=bool(item["is_seller"]),
        created_at=parse_iso(item["created_at"]),
        updated_at=parse_iso(item["updated_at"]),
    )


def category_item(keys: Keys, category: Category, parent_name: str | None, version: int) -> Item:
    """The item of ``category``; ``parent_name`` is its parent's name (None at the root)."""
    parent = None
    if category.parent_id is not None:
        if parent_name is None:
            raise ValueError("a child category's item needs its parent's name")
        parent = (parent_name, category.parent_id)
    return without_none(
        {
            **keys.category(category.name, parent),
            **keys.category_index(category.id),
            "id": category.id,
            "name": category.name,
            "parent_id": category.parent_id,
            "description": category.description,
            "created_at": iso(category.created_at),
            "version": version,
        }
    )


def category_from_item(item: Item) -> Category:
    """The ``Category`` of a category item."""
    return Category(
        id=str(item["id"]),
        name=str(item["name"]),
        parent_id=optional_str(item, "parent_id"),
        description=optional_str(item, "description"),
        created_at=parse_iso(item["created_at"]),
    )


def product_item(keys: Keys, product: Product) -> Item:
    """The item of ``product``, with lower-cased copies of its text for search."""
    return without_none(
        {
            **keys.product(product.id),
            **keys.product_index(
                product.id, product.category_id, product.seller_id, product.created_at
            ),
            "id": product.id,
            "seller_id": product.seller_id,
            "category_id": product.category_id,
            "name": product.name,
            "name_lc": product.name.lower(),
            "description": product.description,
            "description_lc": None if product.description is None else product.description.lower(),
            "price": product.price,
            "stock": product.stock,
            "image_url": product.image_url,
            "created_at": iso(product.created_at),
            "updated_at": iso(product.updated_at),
        }
    )


def product_from_item(item: Item) -> Product:
    """The ``Product`` of a product item."""
    return Product(
        id=str(item["id"]),
        seller_id=str(item["seller_id"]),
        category_id=str(item["category_id"]),
        name=str(item["name"]),
        description=optional_str(item, "description"),
        price=money(item["price"]),
        stock=whole(item["stock"]),
        image_url=optional_str(item, "image_url"),
        created_at=parse_iso(item["created_at"]),
        updated_at=parse_iso(item["updated_at"]),
    )


def order_item(keys: Keys, order: Order, email: str) -> Item:
    """The item of ``order``, stored in the collection of the user with ``email``."""
    return {
        **keys.order(email, order.created_at, order.id),
        **keys.order_index(order.id, order.status.value, order.created_at),
        "id": order.id,
        "user_id": order.user_id,
        "status": order.status.value,
        "items": [
            {
                "product_id": line.product_id,
                "product_name": line.product_name,
                "unit_price": line.unit_price,
                "quantity": line.quantity,
                "line_total": line.line_total,
            }
            for line in order.items
        ],
        "total": order.total,
        "shipping_address": order.shipping_address,
        "created_at": iso(order.created_at),
        "updated_at": iso(order.updated_at),
    }


def order_from_item(item: Item) -> Order:
    """The ``Order`` of an order item."""
    lines: list[dict[str, Any]] = item["items"]
    return Order(
        id=str(item["id"]),
        user_id=str(item["user_id"]),
        status=OrderStatus(item["status"]),
        items=tuple(
            OrderItem(
                product_id=str(line["product_id"]),
                product_name=str(line["product_name"]),
                unit_price=money(line["unit_price"]),
                quantity=whole(line["quantity"]),
                line_total=money(line["line_total"]),
            )
            for line in lines
        ),
        total=money(item["total"]),
        shipping_address=str(item["shipping_address"]),
        created_at=parse_iso(item["created_at"]),
        updated_at=parse_iso(item["updated_at"]),
    )


def version_of(item: Item) -> int:
    """The optimistic-concurrency counter of a user ``#META`` item or a category."""
    return whole(item.get("version", Decimal(0)))
