"""Everything reachable through the shop's interfaces: the state a case or test leaves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shop.domain import Page
from shop.repository_set import RepositorySet


def everything(repos: RepositorySet) -> dict[str, Any]:
    """All data reachable through the interfaces, to check that a refused call wrote nothing."""
    users = _drain(lambda cursor: repos.users.list(100, cursor))
    products: list[Any] = []
    orders: list[Any] = []
    carts = []
    for user in users:
        products += _drain(lambda cursor, u=user: repos.products.list_by_seller(u.id, 100, cursor))
        orders += _drain(lambda cursor, u=user: repos.orders.list_by_user(u.id, 100, cursor))
        carts.append(repos.carts.get(user.id))
    return {
        "users": users,
        "categories": repos.categories.tree(),
        "products": products,
        "orders": orders,
        "carts": carts,
    }


def _drain(fetch: Callable[[str | None], Page[Any]]) -> list[Any]:
    items: list[Any] = []
    cursor = None
    while True:
        page = fetch(cursor)
        items += page.items
        cursor = page.next_cursor
        if cursor is None:
            return items
