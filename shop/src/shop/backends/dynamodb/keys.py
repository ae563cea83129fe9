"""Every key and index-key value, rendered from the templates in the migration contract.

The contract file says, per item type, how its ``PK``/``SK`` and GSI key attributes are
built (``"SK": "CART#{product_id}"``). This module is the only place that turns domain
values into those strings, so the code cannot drift from the contract.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import datetime

from shop.backends.dynamodb.contract import Contract
from shop.backends.dynamodb.values import iso

Key = dict[str, str]


class Keys:
    """Renders keys for the contract's item types."""

    def __init__(self, contract: Contract) -> None:
        self._contract = contract

    def _template(self, table: str, item_type: str, attribute: str) -> str:
        shape = self._contract.tables[table].items[item_type]
        template = shape.keys.get(attribute) or shape.index_keys.get(attribute)
        if template is None:
            raise KeyError(f"{table}.{item_type} has no key attribute {attribute!r}")
        return template

    def render(self, table: str, item_type: str, attribute: str, **values: str) -> str:
        """One key attribute of ``item_type``, e.g. ``render("users", "cart_line", "SK", ...)``."""
        template = self._template(table, item_type, attribute)
        needed = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        missing = needed - values.keys()
        if missing:
            raise KeyError(f"{table}.{item_type}.{attribute} needs {sorted(missing)}")
        return template.format_map({k: values[k] for k in needed})

    def prefix(self, table: str, item_type: str, attribute: str) -> str:
        """The constant text before the first field of a template (``"CART#"``)."""
        return self._template(table, item_type, attribute).split("{", 1)[0]

    def _all(self, table: str, item_type: str, *, index: bool, **values: str) -> Key:
        shape = self._contract.tables[table].items[item_type]
        attributes = shape.index_keys if index else shape.keys
        return {a: self.render(table, item_type, a, **values) for a in attributes}

    # users table -----------------------------------------------------------------------

    def user(self, email: str) -> Key:
        """The key of a user's ``#META`` item."""
        return self._all("users", "user", index=False, email=email)

    def user_index(self, user_id: str, username: str, created_at: datetime) -> Key:
        """The GSI key attributes of a user's ``#META`` item."""
        return self._all(
            "users",
            "user",
            index=True,
            user_id=user_id,
            username=username,
            created_at=iso(created_at),
        )

    def user_list_position(self, user_id: str, created_at: datetime) -> str:
        """The ``GSI5SK`` of a user (its position in ``users.list``)."""
        return self.render("users", "user", "GSI5SK", user_id=user_id, created_at=iso(created_at))

    def guard(self, username: str) -> Key:
        """The key of the guard item that reserves ``username``."""
        return self._all("users", "username_guard", index=False, username=username)

    def cart_line(self, email: str, product_id: str) -> Key:
        """The key of one cart line."""
        return self._all("users", "cart_line", index=False, email=email, product_id=product_id)

    def cart_line_index(self, product_id: str) -> Key:
        """The GSI key attributes of a cart line."""
        return self._all("users", "cart_line", index=True, product_id=product_id)

    def order(self, email: str, created_at: datetime, order_id: str) -> Key:
        """The key of an order item."""
        return self._all(
            "users",
            "order",
            index=False,
            email=email,
            created_at=iso(created_at),
            order_id=order_id,
        )

    def order_index(self, order_id: str, status: str, created_at: datetime) -> Key:
        """The GSI key attributes of an order item."""
        return self._all(
            "users",
            "order",
            index=True,
            order_id=order_id,
            status=status,
            created_at=iso(created_at),
        )

    @property
    def cart_prefix(self) -> str:
        """The SK prefix of every cart line."""
        return self.prefix("users", "cart_line", "SK")

    @property
    def order_prefix(self) -> str:
        """The SK prefix of every order."""
        return self.prefix("users", "order", "SK")

    # products table --------------------------------------------------------------------

    def product(self, product_id: str) -> Key:
        """The key of a product item."""
        return self._all("products", "product", index=False, product_id=product_id)

    def product_index(
        self, product_id: str, category_id: str, seller_id: str, created_at: datetime
    ) -> Key:
        """The GSI key attributes of a product item."""
        return self._all(
            "products",
            "product",
            index=True,
            product_id=product_id,
            category_id=category_id,
            seller_id=seller_id,
            created_at=iso(created_at),
        )

    # categories table ------------------------------------------------------------------

    def category(self, name: str, parent: tuple[str, str] | None) -> Key:
        """The key of a category; ``parent`` is the parent's ``(name, id)`` or ``None``."""
        if parent is None:
            return self._all("categories", "root_category", index=False, name=name)
        return self._all(
            "categories",
            "child_category",
            index=False,
            name=name,
            parent_name=parent[0],
            parent_id=parent[1],
        )

    def children_partition(self, name: str, category_id: str) -> str:
        """The PK shared by the direct children of the category ``(name, category_id)``."""
        return self.render(
            "categories", "child_category", "PK", parent_name=name, parent_id=category_id
        )

    def root_partition(self) -> str:
        """The PK shared by the root categories."""
        return self.render("categories", "root_category", "PK")

    def category_index(self, category_id: str) -> Key:
        """The GSI key attributes of a category."""
        return self._all("categories", "root_category", index=True, category_id=category_id)


def key_of(item: Mapping[str, object], names: tuple[str, ...] = ("PK", "SK")) -> Key:
    """The table key of a stored item."""
    return {n: str(item[n]) for n in names}
