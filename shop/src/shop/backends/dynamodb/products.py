"""Products on DynamoDB: one item per product, GSI1 by category, GSI2 by seller."""

from __future__ import annotations

import builtins
import dataclasses
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from shop import validation
from shop.backends.dynamodb.actions import Action, Delete, Put, Update
from shop.backends.dynamodb.base import Repository, set_fields
from shop.backends.dynamodb.client import CONCURRENT_CHANGE, Item, serialize
from shop.backends.dynamodb.errors import ConditionFailed, TransactionCancelled
from shop.backends.dynamodb.items import product_from_item, product_item, user_from_item
from shop.backends.dynamodb.values import iso, whole
from shop.domain import (
    Conflict,
    InsufficientStock,
    NewProduct,
    NotFound,
    Page,
    Product,
    ProductChanges,
    ValidationError,
)
from shop.interfaces import DEFAULT_LIMIT

_ABSENT = "attribute_not_exists(PK)"
_EXISTS = "attribute_exists(PK)"


class DynamoProductRepository(Repository):
    """Products in the products table."""

    def create(self, new: NewProduct) -> Product:
        """Create a product: two GSI1 Queries (seller, category), one TransactWriteItems.

        The transaction updates the seller's ``#META`` (ADD version, only if it exists and
        ``is_seller`` is true) and the category (ADD version, only if it exists) and puts
        the product. The version bumps make a concurrent delete of the seller or the
        category fail instead of leaving the product without them.
        """
        new = validation.new_product(new)
        seller_item = self._require_user(new.seller_id)
        self._refuse_non_seller(seller_item)
        category = self._require_category(new.category_id)
        now = self._c.clock.now()
        product = Product(
            id=self._c.ids.new_id(),
            seller_id=new.seller_id,
            category_id=new.category_id,
            name=new.name,
            description=new.description,
            price=new.price,
            stock=new.stock,
            image_url=new.image_url,
            created_at=now,
            updated_at=now,
        )
        actions: list[Action] = [
            Update(
                "users",
                self._keys.user(str(seller_item["email"])),
                "ADD #v :one",
                "attribute_exists(PK) AND #id = :id AND #seller = :yes",
                {"#v": "version", "#id": "GSI1PK", "#seller": "is_seller"},
                {":one": 1, ":id": product.seller_id, ":yes": True},
            ),
            self._bump_category(category),
            Put("products", product_item(self._keys, product), _ABSENT),
        ]
        try:
            self._db.transact(actions, subject=("product", product.id))
        except TransactionCancelled as cancelled:
            if cancelled.failed(0):
                current = self._user_item(product.seller_id)
                if current is None:
                    raise NotFound("user", product.seller_id) from None
                self._refuse_non_seller(current)
            if cancelled.failed(1):
                raise self._category_gone_or_changed(product.category_id) from None
            raise Conflict("product", product.id, CONCURRENT_CHANGE) from None
        return product

    @staticmethod
    def _refuse_non_seller(item: Item) -> None:
        seller = user_from_item(item)
        if not seller.is_seller:
            raise ValidationError(
                "seller_id", f"expected a seller, got user {seller.id!r} who does not sell"
            )

    def _bump_category(self, category: Item) -> Update:
        return Update(
            "categories",
            {"PK": str(category["PK"]), "SK": str(category["SK"])},
            "ADD #v :one",
            "attribute_exists(PK) AND #id = :id",
            {"#v": "version", "#id": "id"},
            {":one": 1, ":id": category["id"]},
        )

    def get(self, product_id: str) -> Product | None:
        """The product with this id: one GetItem."""
        item = self._product_item(validation.entity_id("product_id", product_id))
        return None if item is None else product_from_item(item)

    def get_many(self, product_ids: Sequence[str]) -> builtins.list[Product]:
        """The products asked for, in that order: one BatchGetItem (none for no ids)."""
        wanted = validation.product_ids(product_ids)
        found = self._products_by_id(wanted)
        return [product_from_item(found[i]) for i in wanted if i in found]

    def list_by_category(
        self, category_id: str, limit: int = DEFAULT_LIMIT, cursor: str | None = None
    ) -> Page[Product]:
        """The category's products, oldest first: one Query on products.GSI1."""
        key = validation.entity_id("category_id", category_id)
        return self._list("GSI1", key, f"products.by_category:{key}", limit, cursor)

    def list_by_seller(
        self, seller_id: str, limit: int = DEFAULT_LIMIT, cursor: str | None = None
    ) -> Page[Product]:
        """The seller's products, oldest first: one Query on products.GSI2."""
        key = validation.entity_id("seller_id", seller_id)
        return self._list("GSI2", key, f"products.by_seller:{key}", limit, cursor)

    def _list(
        self, index: str, key: str, scope: str, limit: object, cursor: object
    ) -> Page[Product]:
        size, after = self._c.pager.start(scope, limit, cursor)
        pk, sk = f"{index}PK", f"{index}SK"
        condition = "#pk = :pk"
        names = {"#pk": pk}
        values: dict[str, Any] = {":pk": key}
        if after is not None:
            condition += " AND #sk > :after"
            names["#sk"] = sk
            values[":after"] = after
        items = self._db.query_up_to(
            size + 1,
            "products",
            index=index,
            key_condition=condition,
            names=names,
            values=values,
        )
        rows = [(product_from_item(i), str(i[sk])) for i in items]
        page = self._c.pager.page(scope, rows, size, lambda row: row[1])
        return Page(tuple(row[0] for row in page.items), page.next_cursor)

    def search(
        self,
        text: str,
        category_id: str | None = None,
        min_price: Decimal | None = None,
        max_price: Decimal | None = None,
        in_stock_only: bool = False,
        limit: int = DEFAULT_LIMIT,
        cursor: str | None = None,
    ) -> Page[Product]:
        """Products whose name or description contains ``text``, case-insensitively.

        This is the one method that SCANS the products table (a FilterExpression on the
        stored lower-cased copies ``name_lc``/``description_lc`` plus the optional
        filters). It keeps scanning until it has ``limit + 1`` matches or reaches the end,
        so every page is full except the last; the cursor is the key of the page's last
        product. Results come in the table's (hash) order.
        """
        query = validation.search_query(text, category_id, min_price, max_price, in_stock_only)
        needle, category, scope = query.needle, query.category_id, query.scope
        low, high = query.min_price, query.max_price
        size, after = self._c.pager.start(scope, limit, cursor)
        expression = "(contains(#name, :q) OR contains(#description, :q))"
        names = {"#name": "name_lc", "#description": "description_lc"}
        values: dict[str, Any] = {":q": needle}
        if category is not None:
            expression += " AND #category = :category"
            names["#category"] = "category_id"
            values[":category"] = category
        if low is not None or high is not None:
            names["#price"] = "price"
        if low is not None:
            expression += " AND #price >= :low"
            values[":low"] = low
        if high is not None:
            expression += " AND #price <= :high"
            values[":high"] = high
        if in_stock_only:
            expression += " AND #stock > :zero"
            names["#stock"] = "stock"
            values[":zero"] = 0
        start = None if after is None else serialize(self._keys.product(after))
        matches: builtins.list[Item] = []
        while len(matches) <= size:
            found, start = self._db.scan(
                "products",
                filter_expression=expression,
                names=names,
                values=values,
                start_key=start,
            )
            matches.extend(found)
            if start is None:
                break
        products = [product_from_item(i) for i in matches[: size + 1]]
        return self._c.pager.page(scope, products, size, lambda p: p.id)

    def update(self, product_id: str, changes: ProductChanges) -> Product:
        """Apply ``changes``: GetItem, then UpdateItem, or one TransactWriteItems on a move.

        Moving to another category also bumps the new category's version in the same
        transaction (see ``create``).
        """
        changes = validation.product_changes(changes)
        product = product_from_item(self._require_product(product_id))
        values = set_fields(changes)
        if not values:
            return product
        category = None
        if "category_id" in values:
            category = self._require_category(values["category_id"])
        updated = dataclasses.replace(product, **values, updated_at=self._c.clock.now())
        expression, names, attrs = self._update_expression(updated, values)
        key = self._keys.product(product.id)
        subject = ("product", product.id)
        if category is None or updated.category_id == product.category_id:
            try:
                stored = self._db.update(
                    "products",
                    key,
                    expression=expression,
                    condition=_EXISTS,
                    names=names,
                    values=attrs,
                    subject=subject,
                )
            except ConditionFailed:
                raise NotFound("product", product.id) from None
            return product_from_item(stored)
        actions = [
            self._bump_category(category),
            Update("products", key, expression, _EXISTS, names, attrs),
        ]
        try:
            self._db.transact(actions, subject=subject)
        except TransactionCancelled as cancelled:
            if cancelled.failed(1):
                raise NotFound("product", product.id) from None
            if cancelled.failed(0):
                raise self._category_gone_or_changed(updated.category_id) from None
            raise Conflict("product", product.id, CONCURRENT_CHANGE) from None
        return updated

    def _update_expression(
        self, updated: Product, values: dict[str, Any]
    ) -> tuple[str, dict[str, str], dict[str, Any]]:
        fields: dict[str, Any] = {"updated_at": iso(updated.updated_at)}
        if "category_id" in values:
            index = self._keys.product_index(
                updated.id, updated.category_id, updated.seller_id, updated.created_at
            )
            fields.update(category_id=updated.category_id, GSI1PK=index["GSI1PK"])
        if "name" in values:
            fields.update(name=updated.name, name_lc=updated.name.lower())
        if "description" in values:
            lowered = None if updated.description is None else updated.description.lower()
            fields.update(description=updated.description, description_lc=lowered)
        if "price" in values:
            fields["price"] = updated.price
        if "image_url" in values:
            fields["image_url"] = updated.image_url
        names: dict[str, str] = {}
        attrs: dict[str, Any] = {}
        sets, removes = [], []
        for i, (name, value) in enumerate(fields.items()):
            names[f"#f{i}"] = name
            if value is None:
                removes.append(f"#f{i}")
            else:
                sets.append(f"#f{i} = :f{i}")
                attrs[f":f{i}"] = value
        expression = "SET " + ", ".join(sets)
        if removes:
            expression += " REMOVE " + ", ".join(removes)
        return expression, names, attrs

    def delete(self, product_id: str) -> None:
        """Remove the product and every cart line holding it.

        A Query on users.GSI6 finds the lines; then one DeleteItem (no lines) or one
        TransactWriteItems (product + lines). A product in more than 99 carts would exceed
        DynamoDB's 100-item transaction and is refused before anything is written with
        ``Conflict`` (a known divergence from MySQL).
        """
        key = validation.entity_id("product_id", product_id)
        lines = self._db.query_up_to(
            None,
            "users",
            index="GSI6",
            key_condition="#k = :id",
            names={"#k": "GSI6PK"},
            values={":id": key},
        )
        subject = ("product", key)
        if not lines:
            try:
                self._db.delete(
                    "products", self._keys.product(key), condition=_EXISTS, subject=subject
                )
            except ConditionFailed:
                raise NotFound("product", key) from None
            return
        size = 1 + len(lines)
        if size > self._c.contract.transaction_limit:
            self._require_product(key)
            self._check_transaction_size(size, "product", key, "deleting the product")
        actions: list[Action] = [
            Delete("products", self._keys.product(key), _EXISTS),
            *(Delete("users", {"PK": str(i["PK"]), "SK": str(i["SK"])}) for i in lines),
        ]
        try:
            self._db.transact(actions, subject=subject)
        except TransactionCancelled:
            raise NotFound("product", key) from None

    def adjust_stock(self, product_id: str, delta: int) -> int:
        """Add ``delta`` to the stock: GetItem, then one conditional UpdateItem.

        The update's condition keeps the result within 0..2**31-1 even if another request
        changed the stock after the read.
        """
        change = validation.stock_delta(delta)
        item = self._require_product(product_id)
        key = str(item["id"])
        self._check_stock(key, whole(item["stock"]), change)
        try:
            stored = self._db.update(
                "products",
                self._keys.product(key),
                expression="SET #s = #s + :d, #u = :now",
                condition="attribute_exists(PK) AND #s >= :low AND #s <= :high",
                names={"#s": "stock", "#u": "updated_at"},
                values={
                    ":d": change,
                    ":now": iso(self._c.clock.now()),
                    ":low": max(0, -change),
                    ":high": validation.MAX_STOCK - max(0, change),
                },
                subject=("product", key),
            )
        except ConditionFailed as failed:
            # A server that does not return the item with the failure (an older emulator
            # ignoring ReturnValuesOnConditionCheckFailure) gives no ``old``: read it again
            # (consistently) rather than take "no item returned" for "no product".
            current = failed.old if failed.old is not None else self._product_item(key)
            if current is None:
                raise NotFound("product", key) from None
            self._check_stock(key, whole(current["stock"]), change)
            raise Conflict("product", key, CONCURRENT_CHANGE) from None
        return whole(stored["stock"])

    @staticmethod
    def _check_stock(product_id: str, stock: int, change: int) -> None:
        if stock + change < 0:
            raise InsufficientStock(product_id, -change)
        validation.stock(stock + change)
