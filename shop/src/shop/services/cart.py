"""The logged-in user's own cart."""

from __future__ import annotations

from shop.domain import Cart, User
from shop.interfaces import ShoppingCartRepository


class CartService:
    """View and change the actor's cart; nobody can touch another user's cart."""

    def __init__(self, carts: ShoppingCartRepository) -> None:
        self._carts = carts

    def view(self, actor: User) -> Cart:
        """The actor's cart at current prices."""
        return self._carts.get(actor.id)

    def add(self, actor: User, product_id: str, quantity: int) -> Cart:
        """Add ``quantity`` units of a product (stock is checked at checkout)."""
        return self._carts.add_item(actor.id, product_id, quantity)

    def set_quantity(self, actor: User, product_id: str, quantity: int) -> Cart:
        """Set a line to exactly ``quantity`` (0 removes it)."""
        return self._carts.set_quantity(actor.id, product_id, quantity)

    def remove(self, actor: User, product_id: str) -> Cart:
        """Remove a line (nothing happens if it is not there)."""
        return self._carts.remove_item(actor.id, product_id)

    def clear(self, actor: User) -> None:
        """Empty the cart."""
        self._carts.clear(actor.id)
