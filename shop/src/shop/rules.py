"""Business rules every backend applies the same way: pricing and order transitions."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from shop.domain import (
    Cart,
    CartItem,
    InvalidTransition,
    OrderItem,
    OrderStatus,
)

TWO_PLACES = Decimal("0.01")

NEXT_STATUS: dict[OrderStatus, OrderStatus] = {
    OrderStatus.PENDING: OrderStatus.PAID,
    OrderStatus.PAID: OrderStatus.SHIPPED,
    OrderStatus.SHIPPED: OrderStatus.DELIVERED,
}
"""The one allowed forward step from each status."""

CANCELLABLE = frozenset({OrderStatus.PENDING, OrderStatus.PAID})


def line_total(unit_price: Decimal, quantity: int) -> Decimal:
    """``unit_price * quantity`` with two places."""
    return (unit_price * quantity).quantize(TWO_PLACES)


def cart_item(product_id: str, name: str, unit_price: Decimal, quantity: int) -> CartItem:
    """A priced cart line."""
    price = unit_price.quantize(TWO_PLACES)
    return CartItem(product_id, name, price, quantity, line_total(price, quantity))


def build_cart(user_id: str, items: Iterable[CartItem]) -> Cart:
    """A cart with its totals computed from ``items`` (kept in the given order)."""
    lines = tuple(items)
    subtotal = sum((item.line_total for item in lines), Decimal("0.00")).quantize(TWO_PLACES)
    return Cart(user_id, lines, sum(item.quantity for item in lines), subtotal)


def order_items(cart: Cart) -> tuple[OrderItem, ...]:
    """Price snapshots of a cart's lines, in cart order."""
    return tuple(
        OrderItem(i.product_id, i.name, i.unit_price, i.quantity, i.line_total) for i in cart.items
    )


def order_total(items: Iterable[OrderItem]) -> Decimal:
    """The sum of the lines' totals, two places."""
    return sum((i.line_total for i in items), Decimal("0.00")).quantize(TWO_PLACES)


def check_forward_transition(order_id: str, current: OrderStatus, requested: OrderStatus) -> None:
    """Raise ``InvalidTransition`` unless ``requested`` is the one step after ``current``."""
    if NEXT_STATUS.get(current) != requested:
        raise InvalidTransition(order_id, current.value, requested.value)


def check_cancellable(order_id: str, current: OrderStatus) -> None:
    """Raise ``InvalidTransition`` unless the order may still be cancelled."""
    if current not in CANCELLABLE:
        raise InvalidTransition(order_id, current.value, OrderStatus.CANCELLED.value)
