"""Orders on MySQL: ``orders`` and their lines in ``order_items`` (price snapshots).

Locking, so that 20 racing buyers neither oversell nor deadlock:

- ``place`` takes the cart's lines first (one ``DELETE`` of exactly the lines it read;
  if one changed meanwhile it matches fewer rows and the transaction is retried), then
  locks their products in key order (``ORDER BY id ... FOR UPDATE``), checks the stock,
  and changes it. Nothing waits for a cart line while holding a product.
- ``cancel`` moves the status with a compare-and-set ``UPDATE`` (locking the order) and
  gives the stock back in one ``UPDATE`` whose ``IN`` list is in key order.
- Quantities travel as parameters of a ``CASE``, not through subqueries that would read
  (and perhaps lock) other tables; locking reads name rows by primary key with
  ``FORCE INDEX (PRIMARY)``, because on small tables or stale statistics the optimizer
  likes full scans, and a scan waits for every other buyer's locked rows. Where a scan
  still happens (a ``DELETE``/``UPDATE`` by key list), it runs in key order too.
"""

from __future__ import annotations

import builtins
import dataclasses
from datetime import datetime

from shop import rules, validation
from shop.domain import (
    InsufficientStock,
    NotFound,
    Order,
    OrderStatus,
    Page,
    ValidationError,
)
from shop.interfaces import DEFAULT_LIMIT

from . import paging, rows
from .base import MySQLRepository
from .carts import priced_cart
from .errors import MissingParent, TransientConflict
from .ids import checked_key, format_key, parse_key
from .session import Session, expand, expand_ids

_SELECT_ORDER = """
SELECT o.id, o.user_id, o.status, o.total, o.shipping_address, o.created_at, o.updated_at,
       i.product_id, i.product_name, i.unit_price, i.quantity, i.line_total
FROM orders AS o LEFT JOIN order_items AS i ON i.order_id = o.id
WHERE o.id = %s
ORDER BY i.line_no
"""
_CART_LINES = """
SELECT u.id AS user_id, ci.id AS line_id, ci.product_id, ci.quantity
FROM users AS u LEFT JOIN cart_items AS ci ON ci.user_id = u.id
WHERE u.id = %s
ORDER BY ci.id
"""
# Deletes exactly the lines read, if none changed meanwhile (else it matches fewer rows).
_TAKE_LINES = "DELETE FROM cart_items WHERE id IN ({ids}) AND (id, quantity) IN ({pairs})"
_LOCK_PRODUCTS = """
SELECT id AS product_id, name, price, stock FROM products FORCE INDEX (PRIMARY)
WHERE id IN ({ids})
ORDER BY id
FOR UPDATE
"""
_TAKE_STOCK = """
UPDATE products
SET stock = stock - CASE id {cases} END, updated_at = %s
WHERE id IN ({ids})
"""
_INSERT_ORDER = """
INSERT INTO orders (user_id, status, total, shipping_address, created_at, updated_at)
VALUES (%s, %s, %s, %s, %s, %s)
"""
_INSERT_ITEMS = """
INSERT INTO order_items (order_id, line_no, product_id, product_name, unit_price, quantity,
                         line_total)
VALUES (%s, %s, %s, %s, %s, %s, %s)
"""
_SET_STATUS = """
UPDATE orders SET status = %s, updated_at = %s WHERE id = %s AND status = %s
"""
_RESTORE_STOCK = """
UPDATE products
SET stock = stock + CASE id {cases} END, updated_at = %s
WHERE id IN ({ids})
"""
_CANCEL = """
UPDATE orders SET status = 'cancelled', updated_at = %s
WHERE id = %s AND status IN ('pending', 'paid')
"""
_BY_USER_FIRST = """
SELECT o.id, o.user_id, o.status, o.total, o.shipping_address, o.created_at, o.updated_at,
       i.product_id, i.product_name, i.unit_price, i.quantity, i.line_total
FROM (
    SELECT id, user_id, status, total, shipping_address, created_at, updated_at
    FROM orders
    WHERE user_id = %s
    ORDER BY created_at DESC, id DESC
    LIMIT %s
) AS o
LEFT JOIN order_items AS i ON i.order_id = o.id
ORDER BY o.created_at DESC, o.id DESC, i.line_no
"""
_BY_USER_AFTER = """
SELECT o.id, o.user_id, o.status, o.total, o.shipping_address, o.created_at, o.updated_at,
       i.product_id, i.product_name, i.unit_price, i.quantity, i.line_total
FROM (
    SELECT id, user_id, status, total, shipping_address, created_at, updated_at
    FROM orders
    WHERE user_id = %s AND (created_at < %s OR (created_at = %s AND id < %s))
    ORDER BY created_at DESC, id DESC
    LIMIT %s
) AS o
LEFT JOIN order_items AS i ON i.order_id = o.id
ORDER BY o.created_at DESC, o.id DESC, i.line_no
"""
_BY_STATUS_FIRST = """
SELECT o.id, o.user_id, o.status, o.total, o.shipping_address, o.created_at, o.updated_at,
       i.product_id, i.product_name, i.unit_price, i.quantity, i.line_total
FROM (
    SELECT id, user_id, status, total, shipping_address, created_at, updated_at
    FROM orders
    WHERE status = %s
    ORDER BY created_at DESC, id DESC
    LIMIT %s
) AS o
LEFT JOIN order_items AS i ON i.order_id = o.id
ORDER BY o.created_at DESC, o.id DESC, i.line_no
"""
_BY_STATUS_AFTER = """
SELECT o.id, o.user_id, o.status, o.total, o.shipping_address, o.created_at, o.updated_at,
       i.product_id, i.product_name, i.unit_price, i.quantity, i.line_total
FROM (
    SELECT id, user_id, status, total, shipping_address, created_at, updated_at
    FROM orders
    WHERE status = %s AND (created_at < %s OR (created_at = %s AND id < %s))
    ORDER BY created_at DESC, id DESC
    LIMIT %s
) AS o
LEFT JOIN order_items AS i ON i.order_id = o.id
ORDER BY o.created_at DESC, o.id DESC, i.line_no
"""

_STATUS_ATTEMPTS = 5


class MySQLOrderRepository(MySQLRepository):
    """Orders in the ``orders`` and ``order_items`` tables."""

    def place(self, user_id: str, shipping_address: str) -> Order:
        address = validation.shipping_address(shipping_address)
        user_key = checked_key("user_id", user_id)
        if user_key is None:
            raise NotFound("user", user_id)
        now = self._moment()

        def work(s: Session) -> Order:
            # Lock order: the cart's lines first, then their products in key order, so
            # nothing waits for a cart line while holding a product. The lines are found by
            # a plain read and taken by one DELETE of exactly those lines (any access path
            # it picks, even a scan, locks in key order); if one changed meanwhile, the
            # whole transaction is retried. The user is not locked: the order's foreign key
            # catches a user deleted meanwhile.
            lines = s.rows(_CART_LINES, (user_key,))
            if not lines:
                raise NotFound("user", user_id)
            lines = [line for line in lines if line["line_id"] is not None]
            if not lines:
                raise _empty_cart()
            pairs = [value for ln in lines for value in (ln["line_id"], ln["quantity"])]
            taken = s.execute(
                expand(_TAKE_LINES, ids=len(lines), pairs=len(lines)),
                [*(ln["line_id"] for ln in lines), *pairs],
            )
            if taken != len(lines):
                raise TransientConflict("the cart changed while the order was placed")
            keys = sorted({line["product_id"] for line in lines})
            products = {
                p["product_id"]: p for p in s.rows(expand_ids(_LOCK_PRODUCTS, len(keys)), keys)
            }
            cart = priced_cart(
                user_id,
                [
                    {**products[ln["product_id"]], **ln}
                    for ln in lines
                    if ln["product_id"] in products
                ],
            )
            if not cart.items:
                raise _empty_cart()
            for item in cart.items:
                if products[int(item.product_id)]["stock"] < item.quantity:
                    raise InsufficientStock(item.product_id, item.quantity)
            placed = now()
            _change_stock(
                s, _TAKE_STOCK, {int(i.product_id): i.quantity for i in cart.items}, placed
            )
            items = rules.order_items(cart)
            total = rules.order_total(items)
            try:
                order_key = s.insert(
                    _INSERT_ORDER,
                    (
                        user_key,
                        OrderStatus.PENDING.value,
                        total,
                        address,
                        rows.to_db_time(placed),
                        rows.to_db_time(placed),
                    ),
                )
            except MissingParent:
                raise NotFound("user", user_id) from None
            s.insert_many(
                _INSERT_ITEMS,
                [
                    (
                        order_key,
                        line_no,
                        int(item.product_id),
                        item.product_name,
                        item.unit_price,
                        item.quantity,
                        item.line_total,
                    )
                    for line_no, item in enumerate(items, start=1)
                ],
            )
            return Order(
                id=format_key(order_key),
                user_id=user_id,
                status=OrderStatus.PENDING,
                items=items,
                total=total,
                shipping_address=address,
                created_at=placed,
                updated_at=placed,
            )

        return self._db.transaction("orders.place", "orders", work)

    def get(self, order_id: str) -> Order | None:
        key = checked_key("order_id", order_id)
        if key is None:
            return None
        found = self._db.read("orders.get", "orders", lambda s: s.rows(_SELECT_ORDER, (key,)))
        return rows.orders(found)[0] if found else None

    def list_by_user(
        self, user_id: str, limit: int = DEFAULT_LIMIT, cursor: str | None = None
    ) -> Page[Order]:
        owner = validation.entity_id("user_id", user_id)
        return self._list(
            "orders.list_by_user",
            f"orders.by_user:{owner}",
            parse_key(owner),
            (_BY_USER_FIRST, _BY_USER_AFTER),
            limit,
            cursor,
        )

    def list_by_status(
        self, status: OrderStatus | str, limit: int = DEFAULT_LIMIT, cursor: str | None = None
    ) -> Page[Order]:
        wanted = validation.status(status)
        return self._list(
            "orders.list_by_status",
            f"orders.by_status:{wanted.value}",
            wanted.value,
            (_BY_STATUS_FIRST, _BY_STATUS_AFTER),
            limit,
            cursor,
        )

    def _list(
        self,
        operation: str,
        scope: str,
        owner: int | str | None,
        queries: tuple[str, str],
        limit: object,
        cursor: object,
    ) -> Page[Order]:
        size, position = paging.start(self._cursors, scope, limit, cursor)
        before = None if position is None else paging.time_key(position)
        if owner is None:
            return Page(())

        def work(s: Session) -> builtins.list[Order]:
            if before is None:
                found = s.rows(queries[0], (owner, size + 1))
            else:
                created_at, key = before
                found = s.rows(queries[1], (owner, created_at, created_at, key, size + 1))
            return rows.orders(found)

        orders = self._db.read(operation, "orders", work)
        return paging.page(
            self._cursors, scope, orders, size, lambda o: paging.time_position(o.created_at, o.id)
        )

    def update_status(self, order_id: str, status: OrderStatus | str) -> Order:
        wanted = validation.status(status)
        key = checked_key("order_id", order_id)
        if key is None:
            raise NotFound("order", order_id)
        now = self._moment()

        def work(s: Session) -> Order:
            for _ in range(_STATUS_ATTEMPTS):
                found = s.rows(_SELECT_ORDER, (key,))
                if not found:
                    raise NotFound("order", order_id)
                order = rows.orders(found)[0]
                rules.check_forward_transition(order.id, order.status, wanted)
                moved = now()
                # Compare-and-set on the status just read: a concurrent move makes it miss.
                args = (wanted.value, rows.to_db_time(moved), key, order.status.value)
                if s.execute(_SET_STATUS, args):
                    return dataclasses.replace(order, status=wanted, updated_at=moved)
            raise TransientConflict("the order's status kept changing")

        return self._db.write("orders.update_status", "orders", work)

    def cancel(self, order_id: str) -> Order:
        key = checked_key("order_id", order_id)
        if key is None:
            raise NotFound("order", order_id)
        now = self._moment()

        def work(s: Session) -> Order:
            found = s.rows(_SELECT_ORDER, (key,))
            if not found:
                raise NotFound("order", order_id)
            order = rows.orders(found)[0]
            rules.check_cancellable(order.id, order.status)
            cancelled = now()
            # Compare-and-set: locks the order, and misses if its status moved meanwhile.
            if not s.execute(_CANCEL, (rows.to_db_time(cancelled), key)):
                raise TransientConflict("the order's status changed while it was cancelled")
            # Products deleted since are simply not matched: nothing to restore.
            given_back: dict[int, int] = {}
            for item in order.items:
                product_key = int(item.product_id)
                given_back[product_key] = given_back.get(product_key, 0) + item.quantity
            _change_stock(s, _RESTORE_STOCK, given_back, cancelled)
            return dataclasses.replace(order, status=OrderStatus.CANCELLED, updated_at=cancelled)

        return self._db.transaction("orders.cancel", "orders", work)


def _empty_cart() -> ValidationError:
    return ValidationError("cart", "expected a cart with at least one line, got an empty cart")


def _change_stock(s: Session, sql: str, quantities: dict[int, int], moment: datetime) -> None:
    """Run ``sql`` (``_TAKE_STOCK`` or ``_RESTORE_STOCK``) for ``{product key: quantity}``.

    One statement; its ``IN`` list is in key order, so InnoDB locks the rows in key order.
    """
    if not quantities:
        return
    keys = sorted(quantities)
    cases = [value for key in keys for value in (key, quantities[key])]
    s.execute(expand(sql, ids=len(keys), cases=len(keys)), (*cases, rows.to_db_time(moment), *keys))
