"""Everything reachable through the shop's interfaces: the state a case or test leaves.

The listings give the entities; then every entity is read back through each other read
path that reads another copy or index of it (by email, by username, by name under its
parent, its parent's children, its category's listing, a search for its name, its status's
listing, the products all at once by id). A write that leaves an index, a lookup key or a
search copy behind shows up here, even when no call of the case read that path. Lookups by
id are left out: nearly every method reads through them, so their faults show anyway. What
a path finds is recorded compactly: ``"same"`` when it is the listed entity, else what it
gave.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from shop.domain import OrderStatus, Page, ShopError
from shop.repository_set import RepositorySet

SEARCHED_PRODUCTS = 4
"""Products whose name is searched for (each search may Scan on DynamoDB)."""


def everything(repos: RepositorySet) -> dict[str, Any]:
    """All data reachable through the interfaces, and what every read path finds."""
    users = _drain(lambda cursor: repos.users.list(100, cursor))
    products: list[Any] = []
    orders: list[Any] = []
    carts = []
    for user in users:
        products += _drain(partial(repos.products.list_by_seller, user.id, 100))
        orders += _drain(partial(repos.orders.list_by_user, user.id, 100))
        carts.append(repos.carts.get(user.id))
    tree = repos.categories.tree()
    categories = _flatten(tree)
    return {  # keyed by the method that read each part, so blame can name it
        "users.list": users,
        "categories.tree": tree,
        "products.list_by_seller": products,
        "orders.list_by_user": orders,
        "carts.get": carts,
        "read_paths": _read_paths(repos, users, categories, products, orders),
    }


def _read_paths(
    repos: RepositorySet,
    users: list[Any],
    categories: list[Any],
    products: list[Any],
    orders: list[Any],
) -> dict[str, Any]:
    listed = {p.id: i for i, p in enumerate(products)}

    def product_ids(found: Sequence[Any]) -> list[dict[str, Any]]:
        ordered = sorted(found, key=lambda p: listed.get(p.id, len(listed)))
        return [{"product_id": p.id} for p in ordered]

    return {
        "users.get_by_email": [_same(repos.users.get_by_email(u.email), u) for u in users],
        "users.get_by_username": [_same(repos.users.get_by_username(u.username), u) for u in users],
        "categories.get_by_name": [
            _same(repos.categories.get_by_name(c.name, c.parent_id), c) for c in categories
        ],
        "categories.list_children": [
            _ids(partial(repos.categories.list_children, p), "category_id")
            for p in [None, *(c.id for c in categories)]
        ],
        "products.get_many": product_ids(repos.products.get_many([p.id for p in products][:100])),
        "products.list_by_category": [
            product_ids(_drain(partial(repos.products.list_by_category, c.id, 100)))
            for c in categories
        ],
        "products.search": [
            product_ids(_drain(partial(_search, repos, p.name[:100])))
            for p in products[:SEARCHED_PRODUCTS]
        ],
        "orders.list_by_status": [
            [{"order_id": o.id} for o in _drain(partial(repos.orders.list_by_status, s, 100))]
            for s in OrderStatus
        ],
    }


def _same(found: Any, listed: Any) -> Any:
    return "same" if found == listed else found


def _search(repos: RepositorySet, text: str, cursor: str | None) -> Page[Any]:
    return repos.products.search(text, None, None, None, False, 100, cursor)


def _ids(fetch: Callable[[], list[Any]], field: str) -> list[Any]:
    """The ids a read path gives, or the error it raised (a listed entity it cannot find)."""
    try:
        return [{field: item.id} for item in fetch()]
    except ShopError as error:
        return [error]


def _flatten(nodes: Sequence[Any]) -> list[Any]:
    out: list[Any] = []
    for node in nodes:
        out.append(node.category)
        out += _flatten(node.children)
    return out


def _drain(fetch: Callable[[str | None], Page[Any]]) -> list[Any]:
    items: list[Any] = []
    cursor = None
    while True:
        page = fetch(cursor)
        items += page.items
        cursor = page.next_cursor
        if cursor is None:
            return items
