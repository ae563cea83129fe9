"""Products on MySQL: the ``products`` table.

Search matches ``search_name`` / ``search_description``, which hold Python's
``str.lower()`` of the name and description (written with them), against the lower-cased
needle with ``LIKE ... ESCAPE '!'`` on a binary collation: exactly "needle in
text.lower()", character for character, with ``%`` and ``_`` taken literally.
"""

from __future__ import annotations

import builtins
import dataclasses
from collections.abc import Sequence
from decimal import Decimal

from shop import validation
from shop.domain import (
    InsufficientStock,
    NewProduct,
    NotFound,
    Page,
    Product,
    ProductChanges,
    ValidationError,
)
from shop.interfaces import DEFAULT_LIMIT

from . import paging, rows
from .base import MySQLRepository, set_fields
from .errors import MissingParent, TransientConflict
from .ids import checked_key, format_key, parse_key
from .session import Session, expand_ids

_SELECT_BY_ID = """
SELECT id, seller_id, category_id, name, description, price, stock, image_url,
       created_at, updated_at
FROM products WHERE id = %s
"""
_SELECT_BY_ID_FOR_UPDATE = """
SELECT id, seller_id, category_id, name, description, price, stock, image_url,
       created_at, updated_at
FROM products WHERE id = %s FOR UPDATE
"""
_SELECT_MANY = """
SELECT id, seller_id, category_id, name, description, price, stock, image_url,
       created_at, updated_at
FROM products WHERE id IN ({ids})
"""
_CHECK_NEW = """
SELECT u.is_seller, c.id AS category_id
FROM users AS u LEFT JOIN categories AS c ON c.id = %s
WHERE u.id = %s
LOCK IN SHARE MODE
"""
_LOCK_CATEGORY = "SELECT id FROM categories WHERE id = %s LOCK IN SHARE MODE"
_INSERT = """
INSERT INTO products (seller_id, category_id, name, description, search_name,
                      search_description, price, stock, image_url, created_at, updated_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
"""
_UPDATE = """
UPDATE products
SET category_id = %s, name = %s, description = %s, search_name = %s,
    search_description = %s, price = %s, image_url = %s, updated_at = %s
WHERE id = %s
"""
_DELETE = "DELETE FROM products WHERE id = %s"
_SELECT_STOCK = "SELECT stock FROM products WHERE id = %s"
# LAST_INSERT_ID(expr) hands the new stock back in the statement's answer (a documented
# MySQL/MariaDB idiom), so the change and the value it produced come from one statement.
_ADJUST_STOCK = """
UPDATE products
SET stock = LAST_INSERT_ID(stock + %s), updated_at = %s
WHERE id = %s AND stock + %s BETWEEN 0 AND 2147483647
"""
_BY_CATEGORY_FIRST = """
SELECT id, seller_id, category_id, name, description, price, stock, image_url,
       created_at, updated_at
FROM products
WHERE category_id = %s
ORDER BY created_at, id
LIMIT %s
"""
_BY_CATEGORY_AFTER = """
SELECT id, seller_id, category_id, name, description, price, stock, image_url,
       created_at, updated_at
FROM products
WHERE category_id = %s AND (created_at > %s OR (created_at = %s AND id > %s))
ORDER BY created_at, id
LIMIT %s
"""
_BY_SELLER_FIRST = """
SELECT id, seller_id, category_id, name, description, price, stock, image_url,
       created_at, updated_at
FROM products
WHERE seller_id = %s
ORDER BY created_at, id
LIMIT %s
"""
_BY_SELLER_AFTER = """
SELECT id, seller_id, category_id, name, description, price, stock, image_url,
       created_at, updated_at
FROM products
WHERE seller_id = %s AND (created_at > %s OR (created_at = %s AND id > %s))
ORDER BY created_at, id
LIMIT %s
"""
_SEARCH = """
SELECT id, seller_id, category_id, name, description, price, stock, image_url,
       created_at, updated_at
FROM products
WHERE (search_name LIKE %s ESCAPE '!' OR search_description LIKE %s ESCAPE '!')
  AND (%s IS NULL OR category_id = %s)
  AND (%s IS NULL OR price >= %s)
  AND (%s IS NULL OR price <= %s)
  AND (%s = FALSE OR stock > 0)
  AND id > %s
ORDER BY id
LIMIT %s
"""

_ADJUST_ATTEMPTS = 5


def like_pattern(needle: str) -> str:
    """A ``LIKE ... ESCAPE '!'`` pattern matching ``needle`` literally anywhere."""
    escaped = needle.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return f"%{escaped}%"


class MySQLProductRepository(MySQLRepository):
    """Products in the ``products`` table."""

    def create(self, new: NewProduct) -> Product:
        new = validation.new_product(new)
        seller_key = parse_key(new.seller_id)
        if seller_key is None:
            raise NotFound("user", new.seller_id)
        category_key = parse_key(new.category_id)
        now = self._moment()

        def work(s: Session) -> Product:
            # Share-lock the seller and the category until the product is in.
            check = s.row(_CHECK_NEW, (category_key, seller_key))
            if check is None:
                raise NotFound("user", new.seller_id)
            if not check["is_seller"]:
                raise ValidationError(
                    "seller_id", f"expected a seller, got user {new.seller_id!r} who does not sell"
                )
            if check["category_id"] is None:
                raise NotFound("category", new.category_id)
            created = now()
            try:
                key = s.insert(
                    _INSERT,
                    (
                        seller_key,
                        category_key,
                        new.name,
                        new.description,
                        rows.search_copy(new.name),
                        rows.search_copy(new.description),
                        new.price,
                        new.stock,
                        new.image_url,
                        rows.to_db_time(created),
                        rows.to_db_time(created),
                    ),
                )
            except MissingParent as exc:
                if exc.name == "fk_products_category":
                    raise NotFound("category", new.category_id) from None
                raise NotFound("user", new.seller_id) from None
            return Product(
                id=format_key(key),
                seller_id=new.seller_id,
                category_id=new.category_id,
                name=new.name,
                description=new.description,
                price=new.price,
                stock=new.stock,
                image_url=new.image_url,
                created_at=created,
                updated_at=created,
            )

        return self._db.transaction("products.create", "products", work)

    def get(self, product_id: str) -> Product | None:
        key = checked_key("product_id", product_id)
        if key is None:
            return None
        row = self._db.read("products.get", "products", lambda s: s.row(_SELECT_BY_ID, (key,)))
        return None if row is None else rows.product(row)

    def get_many(self, product_ids: Sequence[str]) -> builtins.list[Product]:
        wanted = validation.product_ids(product_ids)
        keys = sorted({key for key in map(parse_key, wanted) if key is not None})
        if not keys:
            return []
        found = self._db.read(
            "products.get_many",
            "products",
            lambda s: s.rows(expand_ids(_SELECT_MANY, len(keys)), keys),
        )
        by_id = {p.id: p for p in map(rows.product, found)}
        return [by_id[i] for i in wanted if i in by_id]

    def list_by_category(
        self, category_id: str, limit: int = DEFAULT_LIMIT, cursor: str | None = None
    ) -> Page[Product]:
        owner = validation.entity_id("category_id", category_id)
        return self._list_by(
            "products.list_by_category",
            f"products.by_category:{owner}",
            owner,
            (_BY_CATEGORY_FIRST, _BY_CATEGORY_AFTER),
            limit,
            cursor,
        )

    def list_by_seller(
        self, seller_id: str, limit: int = DEFAULT_LIMIT, cursor: str | None = None
    ) -> Page[Product]:
        owner = validation.entity_id("seller_id", seller_id)
        return self._list_by(
            "products.list_by_seller",
            f"products.by_seller:{owner}",
            owner,
            (_BY_SELLER_FIRST, _BY_SELLER_AFTER),
            limit,
            cursor,
        )

    def _list_by(
        self,
        operation: str,
        scope: str,
        owner: str,
        queries: tuple[str, str],
        limit: object,
        cursor: object,
    ) -> Page[Product]:
        size, position = paging.start(self._cursors, scope, limit, cursor)
        after = None if position is None else paging.time_key(position)
        owner_key = parse_key(owner)
        if owner_key is None:
            return Page(())

        def work(s: Session) -> builtins.list[Product]:
            if after is None:
                found = s.rows(queries[0], (owner_key, size + 1))
            else:
                created_at, key = after
                found = s.rows(queries[1], (owner_key, created_at, created_at, key, size + 1))
            return [rows.product(r) for r in found]

        products = self._db.read(operation, "products", work)
        return paging.page(
            self._cursors, scope, products, size, lambda p: paging.time_position(p.created_at, p.id)
        )

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
        query = validation.search_query(text, category_id, min_price, max_price, in_stock_only)
        needle, category, scope = query.needle, query.category_id, query.scope
        low, high = query.min_price, query.max_price
        size, position = paging.start(self._cursors, scope, limit, cursor)
        after = 0 if position is None else paging.id_key(position)
        category_key = None if category is None else parse_key(category)
        if category is not None and category_key is None:
            return Page(())
        pattern = like_pattern(needle)
        args = (
            pattern,
            pattern,
            category_key,
            category_key,
            low,
            low,
            high,
            high,
            in_stock_only,
            after,
            size + 1,
        )
        found = self._db.read("products.search", "products", lambda s: s.rows(_SEARCH, args))
        products = [rows.product(r) for r in found]
        return paging.page(self._cursors, scope, products, size, lambda p: paging.id_position(p.id))

    def update(self, product_id: str, changes: ProductChanges) -> Product:
        changes = validation.product_changes(changes)
        key = checked_key("product_id", product_id)
        if key is None:
            raise NotFound("product", product_id)
        values = set_fields(changes)
        if not values:
            current = self.get(product_id)
            if current is None:
                raise NotFound("product", product_id)
            return current
        now = self._moment()

        def work(s: Session) -> Product:
            row = s.row(_SELECT_BY_ID_FOR_UPDATE, (key,))
            if row is None:
                raise NotFound("product", product_id)
            if "category_id" in values:
                category_key = parse_key(values["category_id"])
                if category_key is None or s.row(_LOCK_CATEGORY, (category_key,)) is None:
                    raise NotFound("category", values["category_id"])
            updated = dataclasses.replace(rows.product(row), **values, updated_at=now())
            try:
                s.execute(
                    _UPDATE,
                    (
                        int(updated.category_id),
                        updated.name,
                        updated.description,
                        rows.search_copy(updated.name),
                        rows.search_copy(updated.description),
                        updated.price,
                        updated.image_url,
                        rows.to_db_time(updated.updated_at),
                        key,
                    ),
                )
            except MissingParent:
                raise NotFound("category", updated.category_id) from None
            return updated

        return self._db.transaction("products.update", "products", work)

    def delete(self, product_id: str) -> None:
        key = checked_key("product_id", product_id)
        if key is None:
            raise NotFound("product", product_id)
        # One statement: the cart lines holding it go by ON DELETE CASCADE; order lines
        # are snapshots without a foreign key, so orders keep them.
        deleted = self._db.write(
            "products.delete", "products", lambda s: s.execute(_DELETE, (key,))
        )
        if not deleted:
            raise NotFound("product", product_id)

    def adjust_stock(self, product_id: str, delta: int) -> int:
        change = validation.stock_delta(delta)
        key = checked_key("product_id", product_id)
        if key is None:
            raise NotFound("product", product_id)
        now = self._moment()

        def work(s: Session) -> int:
            for _ in range(_ADJUST_ATTEMPTS):
                row = s.row(_SELECT_STOCK, (key,))
                if row is None:
                    raise NotFound("product", product_id)
                new_stock = int(row["stock"]) + change
                if new_stock < 0:
                    raise InsufficientStock(product_id, -change)
                validation.stock(new_stock)
                # Conditional, so a concurrent change between the two statements can
                # never push the stock out of range; if one did, read again.
                args = (change, rows.to_db_time(now()), key, change)
                if s.execute(_ADJUST_STOCK, args):
                    return s.last_insert_id()
            raise TransientConflict("the stock kept changing while it was adjusted")

        return self._db.write("products.adjust_stock", "products", work)
