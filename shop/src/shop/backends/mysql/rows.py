"""Rows to domain objects and back: keys, timestamps and money at the MySQL boundary."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from shop.clock import to_millis
from shop.domain import Category, Order, OrderItem, OrderStatus, Product, Profile, User

from .ids import format_key

Row = Mapping[str, Any]
"""One result row, by column name (PyMySQL's DictCursor)."""

TWO_PLACES = Decimal("0.01")


def to_db_time(moment: datetime) -> datetime:
    """A timezone-aware moment as the naive UTC value a DATETIME(3) column stores."""
    return to_millis(moment).replace(tzinfo=None)


def from_db_time(value: datetime) -> datetime:
    """A DATETIME(3) value (naive UTC) as a timezone-aware UTC datetime."""
    return value.replace(tzinfo=UTC)


def money(value: Decimal) -> Decimal:
    """A DECIMAL column value with exactly two places."""
    return Decimal(value).quantize(TWO_PLACES)


def optional_key(value: int | None) -> str | None:
    """A nullable key column as a domain id."""
    return None if value is None else format_key(value)


def user(row: Row) -> User:
    """A ``users`` row as a ``User``."""
    return User(
        id=format_key(row["id"]),
        email=row["email"],
        username=row["username"],
        password_hash=row["password_hash"],
        profile=Profile(
            first_name=row["first_name"],
            last_name=row["last_name"],
            phone=row["phone"],
            address=row["address"],
        ),
        is_seller=bool(row["is_seller"]),
        created_at=from_db_time(row["created_at"]),
        updated_at=from_db_time(row["updated_at"]),
    )


def category(row: Row) -> Category:
    """A ``categories`` row as a ``Category``."""
    return Category(
        id=format_key(row["id"]),
        name=row["name"],
        parent_id=optional_key(row["parent_id"]),
        description=row["description"],
        created_at=from_db_time(row["created_at"]),
    )


def product(row: Row) -> Product:
    """A ``products`` row as a ``Product``."""
    return Product(
        id=format_key(row["id"]),
        seller_id=format_key(row["seller_id"]),
        category_id=format_key(row["category_id"]),
        name=row["name"],
        description=row["description"],
        price=money(row["price"]),
        stock=int(row["stock"]),
        image_url=row["image_url"],
        created_at=from_db_time(row["created_at"]),
        updated_at=from_db_time(row["updated_at"]),
    )


def orders(rows: Iterable[Row]) -> list[Order]:
    """Orders from rows of ``orders`` joined with their ``order_items`` (one row per line).

    Rows of one order must be adjacent and in line order; orders keep the rows' order.
    """
    grouped: dict[int, list[Row]] = {}
    for row in rows:
        grouped.setdefault(row["id"], []).append(row)
    return [_order(lines) for lines in grouped.values()]


def _order(lines: list[Row]) -> Order:
    head = lines[0]
    items = tuple(
        OrderItem(
            product_id=format_key(line["product_id"]),
            product_name=line["product_name"],
            unit_price=money(line["unit_price"]),
            quantity=int(line["quantity"]),
            line_total=money(line["line_total"]),
        )
        for line in lines
        if line["product_id"] is not None
    )
    return Order(
        id=format_key(head["id"]),
        user_id=format_key(head["user_id"]),
        status=OrderStatus(head["status"]),
        items=items,
        total=money(head["total"]),
        shipping_address=head["shipping_address"],
        created_at=from_db_time(head["created_at"]),
        updated_at=from_db_time(head["updated_at"]),
    )


def search_copy(text: str | None) -> str | None:
    """What the ``search_*`` columns hold: the text after Python's ``str.lower()``."""
    return None if text is None else text.lower()


__all__ = [
    "Row",
    "category",
    "from_db_time",
    "money",
    "orders",
    "product",
    "search_copy",
    "to_db_time",
    "user",
]
