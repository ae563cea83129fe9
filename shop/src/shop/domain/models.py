"""The shop's entities, the inputs that create and change them, and ``Page``.

Entities are frozen dataclasses; money is ``Decimal`` with two places; timestamps are
timezone-aware UTC datetimes with millisecond precision; IDs are opaque strings.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Generic, TypeVar

T = TypeVar("T")


class Unset(enum.Enum):
    """Marks a field of a ``*Changes`` object that the caller does not want to change."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET = Unset.UNSET


class OrderStatus(enum.StrEnum):
    """An order's status. ``pending -> paid -> shipped -> delivered``; pending/paid may cancel."""

    PENDING = "pending"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Profile:
    """A user's optional personal details."""

    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class User:
    id: str
    email: str
    username: str
    password_hash: str
    profile: Profile
    is_seller: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class NewUser:
    email: str
    username: str
    password_hash: str
    profile: Profile = field(default_factory=Profile)
    is_seller: bool = False


@dataclass(frozen=True)
class UserChanges:
    email: str | Unset = UNSET
    username: str | Unset = UNSET
    password_hash: str | Unset = UNSET
    profile: Profile | Unset = UNSET
    is_seller: bool | Unset = UNSET


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    parent_id: str | None
    description: str | None
    created_at: datetime


@dataclass(frozen=True)
class NewCategory:
    name: str
    parent_id: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class CategoryChanges:
    """``parent_id=None`` moves the category to the root; ``UNSET`` leaves it where it is."""

    name: str | Unset = UNSET
    parent_id: str | Unset | None = UNSET
    description: str | Unset | None = UNSET


@dataclass(frozen=True)
class CategoryNode:
    """One category of ``tree()`` with its children, sorted by name."""

    category: Category
    children: tuple[CategoryNode, ...] = ()


@dataclass(frozen=True)
class Product:
    id: str
    seller_id: str
    category_id: str
    name: str
    description: str | None
    price: Decimal
    stock: int
    image_url: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class NewProduct:
    seller_id: str
    category_id: str
    name: str
    price: Decimal
    stock: int = 0
    description: str | None = None
    image_url: str | None = None


@dataclass(frozen=True)
class ProductChanges:
    """Stock is changed only through ``adjust_stock``; ``None`` clears an optional field."""

    category_id: str | Unset = UNSET
    name: str | Unset = UNSET
    description: str | Unset | None = UNSET
    price: Decimal | Unset = UNSET
    image_url: str | Unset | None = UNSET


@dataclass(frozen=True)
class CartItem:
    """A cart line, priced at the product's current price."""

    product_id: str
    name: str
    unit_price: Decimal
    quantity: int
    line_total: Decimal


@dataclass(frozen=True)
class Cart:
    user_id: str
    items: tuple[CartItem, ...]
    total_quantity: int
    subtotal: Decimal


@dataclass(frozen=True)
class OrderItem:
    """An order line: the product's name and price as they were when the order was placed."""

    product_id: str
    product_name: str
    unit_price: Decimal
    quantity: int
    line_total: Decimal


@dataclass(frozen=True)
class Order:
    id: str
    user_id: str
    status: OrderStatus
    items: tuple[OrderItem, ...]
    total: Decimal
    shipping_address: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing. ``next_cursor`` is opaque; ``None`` means this is the last page."""

    items: tuple[T, ...]
    next_cursor: str | None = None
