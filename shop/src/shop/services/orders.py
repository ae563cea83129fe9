"""Checkout and the shopper's orders.

Who may do what:

- placing, listing, reading and cancelling: the order's own user only; anyone else's
  order is reported as not found, so its existence is not revealed;
- advancing the status (``pending -> paid -> shipped -> delivered``): a seller of at least
  one product in the order. The order's own user who is not such a seller gets
  ``Forbidden``; anyone else gets ``NotFound``.
"""

from __future__ import annotations

from shop.domain import NotFound, Order, OrderStatus, Page, User
from shop.interfaces import DEFAULT_LIMIT, OrderRepository, ProductRepository
from shop.services.errors import Forbidden
from shop.validation import MAX_IDS_PER_CALL

NOT_ORDER_SELLER = "only a seller of a product in this order may change its status"


class OrderService:
    """Orders placed from the actor's cart."""

    def __init__(self, orders: OrderRepository, products: ProductRepository) -> None:
        self._orders = orders
        self._products = products

    def place(self, actor: User, shipping_address: str) -> Order:
        """Turn the actor's cart into a pending order (stock checked and taken atomically)."""
        return self._orders.place(actor.id, shipping_address)

    def mine(
        self, actor: User, limit: int = DEFAULT_LIMIT, cursor: str | None = None
    ) -> Page[Order]:
        """One page of the actor's orders, newest first."""
        return self._orders.list_by_user(actor.id, limit, cursor)

    def _found(self, order_id: str) -> Order:
        order = self._orders.get(order_id)
        if order is None:
            raise NotFound("order", order_id)
        return order

    def get(self, actor: User, order_id: str) -> Order:
        """The actor's order; ``NotFound`` if it is missing or someone else's."""
        order = self._found(order_id)
        if order.user_id != actor.id:
            raise NotFound("order", order_id)
        return order

    def cancel(self, actor: User, order_id: str) -> Order:
        """Cancel the actor's pending or paid order and restore its stock."""
        self.get(actor, order_id)
        return self._orders.cancel(order_id)

    def update_status(self, actor: User, order_id: str, status: OrderStatus | str) -> Order:
        """Move the order one step along its lifecycle (a seller of one of its products)."""
        order = self._found(order_id)
        sells_in_it = actor.is_seller and self._sells_in(actor, order)
        if not sells_in_it:
            if order.user_id != actor.id:
                raise NotFound("order", order_id)
            raise Forbidden(NOT_ORDER_SELLER)
        return self._orders.update_status(order_id, status)

    def _sells_in(self, actor: User, order: Order) -> bool:
        ids = list(dict.fromkeys(line.product_id for line in order.items))
        for start in range(0, len(ids), MAX_IDS_PER_CALL):
            chunk = ids[start : start + MAX_IDS_PER_CALL]
            if any(p.seller_id == actor.id for p in self._products.get_many(chunk)):
                return True
        return False
