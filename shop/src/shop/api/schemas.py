"""Request and response bodies, and the conversions from domain objects.

Money travels as strings with two places ("9.99"), never floats; timestamps as ISO 8601
UTC with milliseconds and a ``Z``; ids as strings. No response model has a password field.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shop.domain import (
    Cart,
    CartItem,
    Category,
    CategoryNode,
    Order,
    OrderItem,
    OrderStatus,
    Product,
    Profile,
    User,
)

MONEY_PATTERN = r"^\d{1,8}(\.\d{1,2})?$"
Money = Annotated[
    str, Field(pattern=MONEY_PATTERN, examples=["9.99"], description="a decimal amount")
]


def money(amount: Decimal) -> str:
    """``amount`` as a string with exactly two places."""
    return f"{amount.quantize(Decimal('0.01')):f}"


def instant(moment: datetime) -> str:
    """``moment`` as ISO 8601 UTC with milliseconds and a trailing ``Z``."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Requests


class ProfileIn(_Body):
    first_name: str | None = Field(default=None, max_length=200)
    last_name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=200)

    def to_domain(self) -> Profile:
        return Profile(self.first_name, self.last_name, self.phone, self.address)


class RegisterIn(_Body):
    email: str = Field(min_length=3, max_length=254, examples=["ada@example.com"])
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=8, max_length=256)
    profile: ProfileIn = Field(default_factory=ProfileIn)
    is_seller: bool = False


class LoginIn(_Body):
    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=256)


class CategoryIn(_Body):
    name: str = Field(min_length=1, max_length=200)
    parent_id: str | None = None
    description: str | None = None


class ProductIn(_Body):
    category_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    price: Money
    stock: int = Field(default=0, ge=0, le=2_147_483_647)
    description: str | None = None
    image_url: str | None = None


class ProductPatch(_Body):
    """Only the fields present are changed; ``null`` clears description or image_url."""

    category_id: str | None = Field(default=None, min_length=1, max_length=64)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    price: Money | None = None
    image_url: str | None = None


class StockIn(_Body):
    delta: int = Field(ge=-2_147_483_647, le=2_147_483_647)


class CartItemIn(_Body):
    product_id: str = Field(min_length=1, max_length=64)
    quantity: int = Field(default=1, ge=1, le=10_000)


class QuantityIn(_Body):
    quantity: int = Field(ge=0, le=10_000)


class CheckoutIn(_Body):
    shipping_address: str = Field(min_length=1, max_length=1000)


class StatusIn(_Body):
    status: OrderStatus


# Responses


class ProfileOut(BaseModel):
    first_name: str | None
    last_name: str | None
    phone: str | None
    address: str | None


class UserOut(BaseModel):
    id: str
    email: str
    username: str
    profile: ProfileOut
    is_seller: bool
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, user: User) -> UserOut:
        p = user.profile
        return cls(
            id=user.id,
            email=user.email,
            username=user.username,
            profile=ProfileOut(
                first_name=p.first_name, last_name=p.last_name, phone=p.phone, address=p.address
            ),
            is_seller=user.is_seller,
            created_at=instant(user.created_at),
            updated_at=instant(user.updated_at),
        )


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the token scheme, not a secret
    expires_in: int


class CategoryOut(BaseModel):
    id: str
    name: str
    parent_id: str | None
    description: str | None
    created_at: str

    @classmethod
    def of(cls, category: Category) -> CategoryOut:
        return cls(
            id=category.id,
            name=category.name,
            parent_id=category.parent_id,
            description=category.description,
            created_at=instant(category.created_at),
        )


class CategoryNodeOut(CategoryOut):
    children: list[CategoryNodeOut]

    @classmethod
    def of_node(cls, node: CategoryNode) -> CategoryNodeOut:
        base = CategoryOut.of(node.category)
        children = [cls.of_node(child) for child in node.children]
        return cls(**base.model_dump(), children=children)


class ProductOut(BaseModel):
    id: str
    seller_id: str
    category_id: str
    name: str
    description: str | None
    price: str = Field(examples=["9.99"])
    stock: int
    image_url: str | None
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, product: Product) -> ProductOut:
        return cls(
            id=product.id,
            seller_id=product.seller_id,
            category_id=product.category_id,
            name=product.name,
            description=product.description,
            price=money(product.price),
            stock=product.stock,
            image_url=product.image_url,
            created_at=instant(product.created_at),
            updated_at=instant(product.updated_at),
        )


class ProductPage(BaseModel):
    items: list[ProductOut]
    next_cursor: str | None


class StockOut(BaseModel):
    product_id: str
    stock: int


class CartItemOut(BaseModel):
    product_id: str
    name: str
    unit_price: str
    quantity: int
    line_total: str

    @classmethod
    def of(cls, item: CartItem) -> CartItemOut:
        return cls(
            product_id=item.product_id,
            name=item.name,
            unit_price=money(item.unit_price),
            quantity=item.quantity,
            line_total=money(item.line_total),
        )


class CartOut(BaseModel):
    user_id: str
    items: list[CartItemOut]
    total_quantity: int
    subtotal: str

    @classmethod
    def of(cls, cart: Cart) -> CartOut:
        return cls(
            user_id=cart.user_id,
            items=[CartItemOut.of(item) for item in cart.items],
            total_quantity=cart.total_quantity,
            subtotal=money(cart.subtotal),
        )


class OrderItemOut(BaseModel):
    product_id: str
    product_name: str
    unit_price: str
    quantity: int
    line_total: str

    @classmethod
    def of(cls, item: OrderItem) -> OrderItemOut:
        return cls(
            product_id=item.product_id,
            product_name=item.product_name,
            unit_price=money(item.unit_price),
            quantity=item.quantity,
            line_total=money(item.line_total),
        )


class OrderOut(BaseModel):
    id: str
    user_id: str
    status: OrderStatus
    items: list[OrderItemOut]
    total: str
    shipping_address: str
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, order: Order) -> OrderOut:
        return cls(
            id=order.id,
            user_id=order.user_id,
            status=order.status,
            items=[OrderItemOut.of(item) for item in order.items],
            total=money(order.total),
            shipping_address=order.shipping_address,
            created_at=instant(order.created_at),
            updated_at=instant(order.updated_at),
        )


class OrderPage(BaseModel):
    items: list[OrderOut]
    next_cursor: str | None


class HealthOut(BaseModel):
    status: str
    backend: str


class ErrorBody(BaseModel):
    type: str
    message: str
    fields: dict[str, object] = Field(default_factory=dict)


class ErrorOut(BaseModel):
    """The one error shape; 422 responses also carry ``detail`` (field errors)."""

    error: ErrorBody
    detail: list[dict[str, object]] | None = None
