"""Orders on DynamoDB: ``ORDER#<created_at>#<id>`` items in the user's collection.

GSI3 finds an order by id, GSI4 lists orders by status newest first. Placing an order is
one TransactWriteItems: every product's stock decremented only if enough is left, the
order written, every cart line deleted only if unchanged.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from shop import rules, validation
from shop.backends.dynamodb.actions import Action, Delete, Put, Update
from shop.backends.dynamodb.base import CollectionRepository
from shop.backends.dynamodb.carts import priced_cart
from shop.backends.dynamodb.client import CONCURRENT_CHANGE, Item, serialize
from shop.backends.dynamodb.errors import ConditionFailed, TransactionCancelled
from shop.backends.dynamodb.items import order_from_item, order_item
from shop.backends.dynamodb.values import iso, whole
from shop.domain import (
    Conflict,
    InsufficientStock,
    NotFound,
    Order,
    OrderStatus,
    Page,
    ValidationError,
)
from shop.interfaces import DEFAULT_LIMIT


def _key(item: Item) -> dict[str, str]:
    return {"PK": str(item["PK"]), "SK": str(item["SK"])}


class DynamoOrderRepository(CollectionRepository):
    """Orders in the users table."""

    def place(self, user_id: str, shipping_address: str) -> Order:
        """Turn the cart into a pending order in ONE TransactWriteItems.

        Reads first (GSI1 Query, the CART# lines, BatchGetItem of their products) to price
        the cart and find the first line short of stock, then writes: the user's version
        bumped; per product ``stock = stock - q`` only if ``stock >= q`` and price and name
        are still those of the snapshot; the order put; per line a delete only if its
        quantity is unchanged. A concurrent change makes it all fail: a shortfall as
        ``InsufficientStock``, anything else as ``Conflict``. DynamoDB transactions hold
        at most 100 items (2 + products + lines, so 49 distinct lines): a bigger cart is
        refused before anything is written with ``Conflict`` (a known divergence).
        """
        address = validation.shipping_address(shipping_address)
        user = self._require_user(user_id)
        owner = str(user["id"])
        lines = self._lines(str(user["email"]))
        products = self._products_by_id([str(line["product_id"]) for line in lines])
        cart = priced_cart(owner, lines, products)
        if not cart.items:
            raise ValidationError(
                "cart", "expected a cart with at least one line, got an empty cart"
            )
        for line in cart.items:
            if whole(products[line.product_id]["stock"]) < line.quantity:
                raise InsufficientStock(line.product_id, line.quantity)
        size = 2 + len(cart.items) + len(lines)
        self._check_transaction_size(size, "cart", owner, "placing the order")
        now = self._c.clock.now()
        items = rules.order_items(cart)
        order = Order(
            id=self._c.ids.new_id(),
            user_id=owner,
            status=OrderStatus.PENDING,
            items=items,
            total=rules.order_total(items),
            shipping_address=address,
            created_at=now,
            updated_at=now,
        )
        actions: list[Action] = [self._user_check(user, bump=True)]
        for line in cart.items:
            actions.append(
                Update(
                    "products",
                    self._keys.product(line.product_id),
                    "SET #s = #s - :q, #u = :now",
                    "attribute_exists(PK) AND #s >= :q AND #p = :price AND #n = :name",
                    {"#s": "stock", "#u": "updated_at", "#p": "price", "#n": "name"},
                    {
                        ":q": line.quantity,
                        ":now": iso(now),
                        ":price": line.unit_price,
                        ":name": line.name,
                    },
                )
            )
        actions.append(
            Put(
                "users",
                order_item(self._keys, order, str(user["email"])),
                "attribute_not_exists(PK)",
            )
        )
        actions.extend(
            Delete("users", _key(line), "#q = :q", {"#q": "quantity"}, {":q": line["quantity"]})
            for line in lines
        )
        try:
            self._db.transact(actions, subject=None)
        except TransactionCancelled as cancelled:
            if cancelled.failed(0):
                raise self._user_gone_or_changed(owner) from None
            stock = {
                line.product_id: whole(old["stock"])
                for index, line in enumerate(cart.items, start=1)
                if cancelled.failed(index) and (old := cancelled.old(index)) is not None
            }
            if cancelled.conflicted:
                # Another transaction held some of these items. If it took the stock, the
                # outcome is the one a serial order gives: InsufficientStock; else retry.
                current = self._products_by_id([line.product_id for line in cart.items])
                stock = {pid: whole(item["stock"]) for pid, item in current.items()} | stock
            for line in cart.items:
                if line.product_id in stock and stock[line.product_id] < line.quantity:
                    raise InsufficientStock(line.product_id, line.quantity) from None
            raise Conflict("cart", owner, CONCURRENT_CHANGE) from None
        return order

    def _order_item(self, order_id: str) -> Item | None:
        items, _ = self._db.query(
            "users",
            index="GSI3",
            key_condition="#k = :id",
            names={"#k": "GSI3PK"},
            values={":id": order_id},
        )
        return items[0] if items else None

    def _require_order(self, order_id: str) -> Item:
        item = self._order_item(validation.entity_id("order_id", order_id))
        if item is None:
            raise NotFound("order", order_id)
        return item

    def get(self, order_id: str) -> Order | None:
        """The order with this id: one Query on users.GSI3."""
        item = self._order_item(validation.entity_id("order_id", order_id))
        return None if item is None else order_from_item(item)

    def list_by_user(
        self, user_id: str, limit: int = DEFAULT_LIMIT, cursor: str | None = None
    ) -> Page[Order]:
        """The user's orders, newest first: Query users.GSI1, then a descending Query of
        the ORDER# items (the cursor's SK, under the user's current email, is the start)."""
        key = validation.entity_id("user_id", user_id)
        scope = f"orders.by_user:{key}"
        size, after = self._c.pager.start(scope, limit, cursor)
        user = self._user_item(key)
        if user is None:
            return Page((), None)
        email = str(user["email"])
        items = self._db.query_up_to(
            size + 1,
            "users",
            key_condition="#pk = :pk AND begins_with(#sk, :orders)",
            names={"#pk": "PK", "#sk": "SK"},
            values={":pk": email, ":orders": self._keys.order_prefix},
            forward=False,
            start_key=None if after is None else serialize({"PK": email, "SK": after}),
        )
        rows = [(order_from_item(i), str(i["SK"])) for i in items]
        page = self._c.pager.page(scope, rows, size, lambda row: row[1])
        return Page(tuple(row[0] for row in page.items), page.next_cursor)

    def list_by_status(
        self, status: OrderStatus | str, limit: int = DEFAULT_LIMIT, cursor: str | None = None
    ) -> Page[Order]:
        """Orders with this status, newest first: one descending Query on users.GSI4."""
        wanted = validation.status(status)
        scope = f"orders.by_status:{wanted.value}"
        size, after = self._c.pager.start(scope, limit, cursor)
        condition = "#pk = :pk"
        names = {"#pk": "GSI4PK"}
        values: dict[str, Any] = {":pk": wanted.value}
        if after is not None:
            condition += " AND #sk < :after"
            names["#sk"] = "GSI4SK"
            values[":after"] = after
        items = self._db.query_up_to(
            size + 1,
            "users",
            index="GSI4",
            key_condition=condition,
            names=names,
            values=values,
            forward=False,
        )
        rows = [(order_from_item(i), str(i["GSI4SK"])) for i in items]
        page = self._c.pager.page(scope, rows, size, lambda row: row[1])
        return Page(tuple(row[0] for row in page.items), page.next_cursor)

    def update_status(self, order_id: str, status: OrderStatus | str) -> Order:
        """One step forward: Query users.GSI3, then UpdateItem only if the status is unchanged."""
        wanted = validation.status(status)
        item = self._require_order(order_id)
        order = order_from_item(item)
        rules.check_forward_transition(order.id, order.status, wanted)
        try:
            stored = self._db.update(
                "users",
                _key(item),
                expression="SET #s = :new, #g = :new, #u = :now",
                condition="#s = :old",
                names={"#s": "status", "#g": "GSI4PK", "#u": "updated_at"},
                values={
                    ":new": wanted.value,
                    ":old": order.status.value,
                    ":now": iso(self._c.clock.now()),
                },
                subject=("order", order.id),
            )
        except ConditionFailed as failed:
            # without the item in the failure (a server ignoring
            # ReturnValuesOnConditionCheckFailure), read the order again to tell an invalid
            # transition from a concurrent change, as the honoured path does
            current_item = failed.old if failed.old is not None else self._order_item(order.id)
            if current_item is None:
                raise NotFound("order", order.id) from None
            current = OrderStatus(current_item["status"])
            rules.check_forward_transition(order.id, current, wanted)
            raise Conflict("order", order.id, CONCURRENT_CHANGE) from None
        return order_from_item(stored)

    def cancel(self, order_id: str) -> Order:
        """Cancel and restore stock in ONE TransactWriteItems.

        Query users.GSI3, BatchGetItem to see which products still exist, then: the order
        updated only if its status is unchanged, each existing product's stock + q.
        """
        item = self._require_order(order_id)
        order = order_from_item(item)
        rules.check_cancellable(order.id, order.status)
        restock: dict[str, int] = {}
        for line in order.items:
            restock[line.product_id] = restock.get(line.product_id, 0) + line.quantity
        existing = self._products_by_id(list(restock))
        now = self._c.clock.now()
        cancelled_status = OrderStatus.CANCELLED.value
        actions: list[Action] = [
            Update(
                "users",
                _key(item),
                "SET #s = :new, #g = :new, #u = :now",
                "#s = :old",
                {"#s": "status", "#g": "GSI4PK", "#u": "updated_at"},
                {":new": cancelled_status, ":old": order.status.value, ":now": iso(now)},
            )
        ]
        actions.extend(
            Update(
                "products",
                self._keys.product(product_id),
                "SET #u = :now ADD #s :q",
                "attribute_exists(PK)",
                {"#s": "stock", "#u": "updated_at"},
                {":q": quantity, ":now": iso(now)},
            )
            for product_id, quantity in restock.items()
            if product_id in existing
        )
        try:
            self._db.transact(actions, subject=("order", order.id))
        except TransactionCancelled as cancelled:
            old = cancelled.old(0)
            if cancelled.failed(0) and old is not None:
                rules.check_cancellable(order.id, OrderStatus(old["status"]))
            raise Conflict("order", order.id, CONCURRENT_CHANGE) from None
        return dataclasses.replace(order, status=OrderStatus.CANCELLED, updated_at=now)
