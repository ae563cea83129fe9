"""Shopping carts on DynamoDB: one ``CART#<product_id>`` item per line in the user's collection.

Lines are listed in the order they were first added: each carries ``added_at`` and a
``line_id`` set only when the line is created (``if_not_exists``), and the lines are sorted
on those after the Query. Prices come from the products at read time (BatchGetItem);
lines whose product is gone are skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shop import rules, validation
from shop.backends.dynamodb.actions import Action, Check, Delete, Update
from shop.backends.dynamodb.base import CollectionRepository
from shop.backends.dynamodb.client import CONCURRENT_CHANGE, Item
from shop.backends.dynamodb.errors import TransactionCancelled
from shop.backends.dynamodb.values import iso, money, whole
from shop.domain import Cart, Conflict, NotFound


def priced_cart(user_id: str, lines: Sequence[Item], products: dict[str, Item]) -> Cart:
    """The cart of ``lines`` at the current prices of ``products`` (missing ones skipped)."""
    items = []
    for line in lines:
        product = products.get(str(line["product_id"]))
        if product is not None:
            items.append(
                rules.cart_item(
                    str(product["id"]),
                    str(product["name"]),
                    money(product["price"]),
                    whole(line["quantity"]),
                )
            )
    return rules.build_cart(user_id, items)


class DynamoCartRepository(CollectionRepository):
    """Carts in the users table."""

    def _cart(self, user: Item) -> Cart:
        lines = self._lines(str(user["email"]))
        products = self._products_by_id([str(line["product_id"]) for line in lines])
        return priced_cart(str(user["id"]), lines, products)

    def get(self, user_id: str) -> Cart:
        """The priced cart: Query users.GSI1, Query the CART# lines, BatchGetItem products."""
        return self._cart(self._require_user(user_id))

    def add_item(self, user_id: str, product_id: str, quantity: int) -> Cart:
        """Add units in one TransactWriteItems, then read the cart back.

        The transaction bumps the user's version, checks the product exists and adds to
        the line only if the new total stays within 10000 (``ValidationError("quantity")``
        otherwise, nothing changed).
        """
        amount = validation.quantity(quantity)
        user = self._require_user(user_id)
        product = validation.entity_id("product_id", product_id)
        line = self._line_update(
            user,
            product,
            "#q = if_not_exists(#q, :zero) + :q",
            {":zero": 0, ":q": amount, ":room": validation.MAX_QUANTITY - amount},
            condition="attribute_not_exists(#q) OR #q <= :room",
        )
        try:
            self._write(user, product, line, bump=True)
        except TransactionCancelled as cancelled:
            old = cancelled.old(2)
            if cancelled.failed(2) and old is not None:
                total = whole(old["quantity"]) + amount
                validation.integer("quantity", total, minimum=1, maximum=validation.MAX_QUANTITY)
            raise Conflict("cart", str(user["id"]), CONCURRENT_CHANGE) from None
        return self._cart(user)

    def set_quantity(self, user_id: str, product_id: str, quantity: int) -> Cart:
        """Set the line in one TransactWriteItems (0 deletes it), then read the cart back."""
        amount = validation.quantity(quantity, allow_zero=True)
        user = self._require_user(user_id)
        product = validation.entity_id("product_id", product_id)
        key = self._keys.cart_line(str(user["email"]), product)
        line: Action
        if amount == 0:
            line = Delete("users", key)
        else:
            line = self._line_update(user, product, "#q = :q", {":q": amount})
        try:
            self._write(user, product, line, bump=amount > 0)
        except TransactionCancelled:
            raise Conflict("cart", str(user["id"]), CONCURRENT_CHANGE) from None
        return self._cart(user)

    def _line_update(
        self,
        user: Item,
        product_id: str,
        quantity: str,
        values: dict[str, Any],
        condition: str | None = None,
    ) -> Update:
        """Set a line's quantity; ``line_id``/``added_at`` only when the line is new."""
        fields = {
            "product_id": product_id,
            "user_id": user["id"],
            **self._keys.cart_line_index(product_id),
        }
        names = {"#q": "quantity", "#lid": "line_id", "#at": "added_at"}
        sets = [quantity, "#lid = if_not_exists(#lid, :lid)", "#at = if_not_exists(#at, :at)"]
        attrs = {
            **values,
            ":lid": self._c.line_ids.new_id(),
            ":at": iso(self._c.line_clock.now()),
        }
        for i, (name, value) in enumerate(fields.items()):
            names[f"#f{i}"] = name
            attrs[f":f{i}"] = value
            sets.append(f"#f{i} = :f{i}")
        return Update(
            "users",
            self._keys.cart_line(str(user["email"]), product_id),
            "SET " + ", ".join(sets),
            condition,
            names,
            attrs,
        )

    def _write(self, user: Item, product_id: str, line: Action, *, bump: bool) -> None:
        """[user #META, product exists, line] as one transaction; the first two failures map
        to NotFound, anything else is left to the caller."""
        actions = [
            self._user_check(user, bump=bump),
            Check("products", self._keys.product(product_id), "attribute_exists(PK)"),
            line,
        ]
        try:
            self._db.transact(actions, subject=("cart", str(user["id"])))
        except TransactionCancelled as cancelled:
            if cancelled.failed(0):
                raise self._user_gone_or_changed(str(user["id"])) from None
            if cancelled.failed(1):
                raise NotFound("product", product_id) from None
            raise

    def remove_item(self, user_id: str, product_id: str) -> Cart:
        """Delete the line in one TransactWriteItems (with the user check), read the cart back."""
        product = validation.entity_id("product_id", product_id)
        user = self._require_user(user_id)
        actions = [
            self._user_check(user, bump=False),
            Delete("users", self._keys.cart_line(str(user["email"]), product)),
        ]
        try:
            self._db.transact(actions, subject=("cart", str(user["id"])))
        except TransactionCancelled:
            raise self._user_gone_or_changed(str(user["id"])) from None
        return self._cart(user)

    def clear(self, user_id: str) -> None:
        """Delete every line in one TransactWriteItems (none for an empty cart).

        A cart of more than 99 lines would exceed DynamoDB's 100-item transaction and is
        refused before anything is written with ``Conflict`` (a known divergence).
        """
        user = self._require_user(user_id)
        lines = self._lines(str(user["email"]))
        if not lines:
            return
        self._check_transaction_size(1 + len(lines), "cart", str(user["id"]), "clearing the cart")
        actions: list[Action] = [
            self._user_check(user, bump=False),
            *(Delete("users", {"PK": str(i["PK"]), "SK": str(i["SK"])}) for i in lines),
        ]
        try:
            self._db.transact(actions, subject=("cart", str(user["id"])))
        except TransactionCancelled:
            raise self._user_gone_or_changed(str(user["id"])) from None

    def count_items(self, user_id: str) -> int:
        """The total quantity of the lines whose product still exists (as ``get`` prices)."""
        return self._cart(self._require_user(user_id)).total_quantity


__all__ = ["DynamoCartRepository", "priced_cart"]
