"""Shopping carts on MySQL: the ``cart_items`` table, one row per line.

A line's AUTO_INCREMENT ``id`` orders the lines as first added: changing a line's quantity
keeps its row (and place), removing it and adding it again puts it last. Carts are priced
at the products' current name and price by a join.
"""

from __future__ import annotations

from shop import rules, validation
from shop.domain import Cart, NotFound, ValidationError

from . import rows
from .base import MySQLRepository
from .errors import MissingParent
from .ids import checked_key, format_key, parse_key
from .rows import Row
from .session import Session, expand_ids

_SELECT_CART = """
SELECT u.id AS user_id, ci.product_id, p.name, p.price, ci.quantity
FROM users AS u
LEFT JOIN cart_items AS ci ON ci.user_id = u.id
LEFT JOIN products AS p ON p.id = ci.product_id
WHERE u.id = %s
ORDER BY ci.id
"""
_CHECK_LINE = """
SELECT EXISTS (SELECT 1 FROM users WHERE id = %s) AS user_found,
       EXISTS (SELECT 1 FROM products WHERE id = %s) AS product_found
"""
_ADD = """
INSERT INTO cart_items (user_id, product_id, quantity) VALUES (%s, %s, %s)
ON DUPLICATE KEY UPDATE quantity = quantity + %s
"""
_SET = """
INSERT INTO cart_items (user_id, product_id, quantity) VALUES (%s, %s, %s)
ON DUPLICATE KEY UPDATE quantity = %s
"""
_REMOVE = "DELETE FROM cart_items WHERE user_id = %s AND product_id = %s"
# clear() reads the line keys, then deletes by primary key: a DELETE by user_id may scan
# (or read past the user's range) and wait for other users' locked lines.
_LINE_KEYS = """
SELECT u.id AS user_id, ci.id AS line_id
FROM users AS u LEFT JOIN cart_items AS ci ON ci.user_id = u.id
WHERE u.id = %s
"""
_CLEAR = "DELETE FROM cart_items WHERE id IN ({ids})"
_COUNT = """
SELECT u.id, COALESCE(SUM(ci.quantity), 0) AS total
FROM users AS u LEFT JOIN cart_items AS ci ON ci.user_id = u.id
WHERE u.id = %s
GROUP BY u.id
"""


def load_cart(s: Session, user_key: int) -> Cart | None:
    """The user's cart at current prices, or ``None`` when there is no such user."""
    found = s.rows(_SELECT_CART, (user_key,))
    if not found:
        return None
    return priced_cart(format_key(user_key), found)


def priced_cart(user_id: str, lines: list[Row]) -> Cart:
    """A cart from rows of lines joined with their products (in line order)."""
    return rules.build_cart(
        user_id,
        (
            rules.cart_item(
                format_key(r["product_id"]), r["name"], rows.money(r["price"]), r["quantity"]
            )
            for r in lines
            if r["product_id"] is not None and r["name"] is not None
        ),
    )


class MySQLCartRepository(MySQLRepository):
    """Carts in the ``cart_items`` table."""

    def get(self, user_id: str) -> Cart:
        user_key = _user_key(user_id)
        cart = self._db.read("carts.get", "cart_items", lambda s: load_cart(s, user_key))
        if cart is None:
            raise NotFound("user", user_id)
        return cart

    def add_item(self, user_id: str, product_id: str, quantity: int) -> Cart:
        amount = validation.quantity(quantity)
        user_key = _user_key(user_id)

        def work(s: Session) -> Cart:
            product_key = _check_line(s, user_key, user_id, product_id)
            try:
                s.execute(_ADD, (user_key, product_key, amount, amount))
            except MissingParent as exc:
                raise _missing(exc, user_id, product_id) from None
            cart = _cart(s, user_key, user_id)
            # The line is locked by the INSERT: its quantity is this call's total.
            total = next(i.quantity for i in cart.items if i.product_id == format_key(product_key))
            validation.integer("quantity", total, minimum=1, maximum=validation.MAX_QUANTITY)
            return cart

        return self._db.transaction("carts.add_item", "cart_items", work)

    def set_quantity(self, user_id: str, product_id: str, quantity: int) -> Cart:
        amount = validation.quantity(quantity, allow_zero=True)
        user_key = _user_key(user_id)

        def work(s: Session) -> Cart:
            product_key = _check_line(s, user_key, user_id, product_id)
            try:
                if amount == 0:
                    s.execute(_REMOVE, (user_key, product_key))
                else:
                    s.execute(_SET, (user_key, product_key, amount, amount))
            except MissingParent as exc:
                raise _missing(exc, user_id, product_id) from None
            return _cart(s, user_key, user_id)

        return self._db.write("carts.set_quantity", "cart_items", work)

    def remove_item(self, user_id: str, product_id: str) -> Cart:
        product_key = parse_key(validation.entity_id("product_id", product_id))
        user_key = _user_key(user_id)

        def work(s: Session) -> Cart:
            if product_key is not None:
                s.execute(_REMOVE, (user_key, product_key))
            return _cart(s, user_key, user_id)

        return self._db.write("carts.remove_item", "cart_items", work)

    def clear(self, user_id: str) -> None:
        user_key = _user_key(user_id)

        def work(s: Session) -> None:
            found = s.rows(_LINE_KEYS, (user_key,))
            if not found:
                raise NotFound("user", user_id)
            lines = [r["line_id"] for r in found if r["line_id"] is not None]
            if lines:
                s.execute(expand_ids(_CLEAR, len(lines)), lines)

        self._db.write("carts.clear", "cart_items", work)

    def count_items(self, user_id: str) -> int:
        user_key = _user_key(user_id)
        row = self._db.read("carts.count_items", "cart_items", lambda s: s.row(_COUNT, (user_key,)))
        if row is None:
            raise NotFound("user", user_id)
        return int(row["total"])


def _user_key(user_id: str) -> int:
    """The key of ``user_id`` (``ValidationError`` if malformed, ``NotFound`` if it names
    nothing)."""
    key = checked_key("user_id", user_id)
    if key is None:
        raise NotFound("user", user_id)
    return key


def _check_line(s: Session, user_key: int, user_id: str, product_id: str) -> int:
    """Check, in the reference's order, that the user exists, that ``product_id`` is
    well-formed and that the product exists; return the product's key."""
    try:
        product_key = checked_key("product_id", product_id)
        malformed: ValidationError | None = None
    except ValidationError as exc:
        product_key, malformed = None, exc
    found = s.one(_CHECK_LINE, (user_key, product_key))
    if not found["user_found"]:
        raise NotFound("user", user_id)
    if malformed is not None:
        raise malformed
    if product_key is None or not found["product_found"]:
        raise NotFound("product", product_id)
    return product_key


def _cart(s: Session, user_key: int, user_id: str) -> Cart:
    cart = load_cart(s, user_key)
    if cart is None:
        raise NotFound("user", user_id)
    return cart


def _missing(exc: MissingParent, user_id: str, product_id: str) -> NotFound:
    """The ``NotFound`` for a line whose user or product went away meanwhile."""
    if exc.name == "fk_cart_items_product":
        return NotFound("product", product_id)
    return NotFound("user", user_id)
