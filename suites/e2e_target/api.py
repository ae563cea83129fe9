"""The shop's HTTP API as the e2e tier sees it: one client method per endpoint.

Journeys call these methods through ``run.call("api.checkout", ...)``; each returns a
``Response`` (status, JSON body, the headers that matter). Bodies are annotated with the
resource they hold (``"$type": "Product"``), so ids align like repository results do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

HEADERS_THAT_MATTER = ("content-type", "www-authenticate", "location")


@dataclass(frozen=True)
class Response:
    """What the API answered."""

    status: int
    body: Any
    headers: Mapping[str, str]


class ShopApi(Protocol):
    """Every endpoint of the shop's API (docs/api.md)."""

    def register(
        self, email: str, username: str, password: str, is_seller: bool = False
    ) -> Response:
        """POST /auth/register"""
        ...

    def login(self, email: str, password: str) -> Response:
        """POST /auth/login"""
        ...

    def me(self, token: str | None) -> Response:
        """GET /me"""
        ...

    def category_tree(self) -> Response:
        """GET /categories"""
        ...

    def category(self, category_id: str) -> Response:
        """GET /categories/{id}"""
        ...

    def category_children(self, category_id: str) -> Response:
        """GET /categories/{id}/children"""
        ...

    def category_path(self, category_id: str) -> Response:
        """GET /categories/{id}/path"""
        ...

    def create_category(
        self, token: str | None, name: str, parent_id: str | None = None
    ) -> Response:
        """POST /categories"""
        ...

    def list_products(
        self,
        category_id: str | None = None,
        seller_id: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Response:
        """GET /products"""
        ...

    def search_products(
        self,
        q: str,
        in_stock: bool | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Response:
        """GET /products/search"""
        ...

    def product(self, product_id: str) -> Response:
        """GET /products/{id}"""
        ...

    def create_product(
        self,
        token: str | None,
        category_id: str,
        name: str,
        price: str,
        stock: int,
        description: str | None = None,
    ) -> Response:
        """POST /products"""
        ...

    def update_product(
        self, token: str | None, product_id: str, changes: Mapping[str, Any]
    ) -> Response:
        """PATCH /products/{id}"""
        ...

    def delete_product(self, token: str | None, product_id: str) -> Response:
        """DELETE /products/{id}"""
        ...

    def adjust_stock(self, token: str | None, product_id: str, delta: int) -> Response:
        """POST /products/{id}/stock"""
        ...

    def cart(self, token: str | None) -> Response:
        """GET /cart"""
        ...

    def add_to_cart(self, token: str | None, product_id: str, quantity: Any) -> Response:
        """POST /cart/items"""
        ...

    def set_cart_quantity(self, token: str | None, product_id: str, quantity: int) -> Response:
        """PUT /cart/items/{product_id}"""
        ...

    def remove_from_cart(self, token: str | None, product_id: str) -> Response:
        """DELETE /cart/items/{product_id}"""
        ...

    def clear_cart(self, token: str | None) -> Response:
        """DELETE /cart"""
        ...

    def checkout(self, token: str | None, shipping_address: Any) -> Response:
        """POST /orders"""
        ...

    def my_orders(
        self, token: str | None, limit: int | None = None, cursor: str | None = None
    ) -> Response:
        """GET /orders"""
        ...

    def order(self, token: str | None, order_id: str) -> Response:
        """GET /orders/{id}"""
        ...

    def cancel_order(self, token: str | None, order_id: str) -> Response:
        """POST /orders/{id}/cancel"""
        ...

    def set_order_status(self, token: str | None, order_id: str, status: str) -> Response:
        """POST /orders/{id}/status"""
        ...

    def raw(self, method: str, path: str, body: Any = None, token: str | None = None) -> Response:
        """Any request, for malformed input the typed methods cannot express."""
        ...


class HttpShopApi:
    """``ShopApi`` over HTTP with httpx (one connection pool per app)."""

    def __init__(self, base_url: str, on_request: Any = None) -> None:
        self._client = httpx.Client(base_url=base_url, timeout=30.0)
        self._on_request = on_request

    def close(self) -> None:
        """Close the connections."""
        self._client.close()

    def _send(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body: Any = None,
        query: Mapping[str, Any] | None = None,
    ) -> Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        params = {k: _query_value(v) for k, v in (query or {}).items() if v is not None}
        if self._on_request is not None:
            self._on_request(f"{method} {_route(path)}")
        answer = self._client.request(method, path, json=body, params=params, headers=headers)
        try:
            payload = answer.json() if answer.content else None
        except ValueError:
            payload = {"$text": answer.text[:2000]}
        kept = {k: answer.headers[k] for k in HEADERS_THAT_MATTER if k in answer.headers}
        return Response(answer.status_code, annotate(payload), kept)

    def register(
        self, email: str, username: str, password: str, is_seller: bool = False
    ) -> Response:
        body = {"email": email, "username": username, "password": password, "is_seller": is_seller}
        return self._send("POST", "/auth/register", body=body)

    def login(self, email: str, password: str) -> Response:
        return self._send("POST", "/auth/login", body={"email": email, "password": password})

    def me(self, token: str | None) -> Response:
        return self._send("GET", "/me", token=token)

    def category_tree(self) -> Response:
        return self._send("GET", "/categories")

    def category(self, category_id: str) -> Response:
        return self._send("GET", f"/categories/{category_id}")

    def category_children(self, category_id: str) -> Response:
        return self._send("GET", f"/categories/{category_id}/children")

    def category_path(self, category_id: str) -> Response:
        return self._send("GET", f"/categories/{category_id}/path")

    def create_category(
        self, token: str | None, name: str, parent_id: str | None = None
    ) -> Response:
        return self._send(
            "POST", "/categories", token=token, body={"name": name, "parent_id": parent_id}
        )

    def list_products(
        self,
        category_id: str | None = None,
        seller_id: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Response:
        return self._send(
            "GET",
            "/products",
            query={
                "category_id": category_id,
                "seller_id": seller_id,
                "limit": limit,
                "cursor": cursor,
            },
        )

    def search_products(
        self,
        q: str,
        in_stock: bool | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Response:
        return self._send(
            "GET",
            "/products/search",
            query={"q": q, "in_stock": in_stock, "limit": limit, "cursor": cursor},
        )

    def product(self, product_id: str) -> Response:
        return self._send("GET", f"/products/{product_id}")

    def create_product(
        self,
        token: str | None,
        category_id: str,
        name: str,
        price: str,
        stock: int,
        description: str | None = None,
    ) -> Response:
        body = {
            "category_id": category_id,
            "name": name,
            "price": price,
            "stock": stock,
            "description": description,
        }
        return self._send("POST", "/products", token=token, body=body)

    def update_product(
        self, token: str | None, product_id: str, changes: Mapping[str, Any]
    ) -> Response:
        return self._send("PATCH", f"/products/{product_id}", token=token, body=dict(changes))

    def delete_product(self, token: str | None, product_id: str) -> Response:
        return self._send("DELETE", f"/products/{product_id}", token=token)

    def adjust_stock(self, token: str | None, product_id: str, delta: int) -> Response:
        return self._send(
            "POST", f"/products/{product_id}/stock", token=token, body={"delta": delta}
        )

    def cart(self, token: str | None) -> Response:
        return self._send("GET", "/cart", token=token)

    def add_to_cart(self, token: str | None, product_id: str, quantity: Any) -> Response:
        return self._send(
            "POST",
            "/cart/items",
            token=token,
            body={"product_id": product_id, "quantity": quantity},
        )

    def set_cart_quantity(self, token: str | None, product_id: str, quantity: int) -> Response:
        return self._send(
            "PUT", f"/cart/items/{product_id}", token=token, body={"quantity": quantity}
        )

    def remove_from_cart(self, token: str | None, product_id: str) -> Response:
        return self._send("DELETE", f"/cart/items/{product_id}", token=token)

    def clear_cart(self, token: str | None) -> Response:
        return self._send("DELETE", "/cart", token=token)

    def checkout(self, token: str | None, shipping_address: Any) -> Response:
        return self._send(
            "POST", "/orders", token=token, body={"shipping_address": shipping_address}
        )

    def my_orders(
        self, token: str | None, limit: int | None = None, cursor: str | None = None
    ) -> Response:
        return self._send("GET", "/orders", token=token, query={"limit": limit, "cursor": cursor})

    def order(self, token: str | None, order_id: str) -> Response:
        return self._send("GET", f"/orders/{order_id}", token=token)

    def cancel_order(self, token: str | None, order_id: str) -> Response:
        return self._send("POST", f"/orders/{order_id}/cancel", token=token)

    def set_order_status(self, token: str | None, order_id: str, status: str) -> Response:
        return self._send(
            "POST", f"/orders/{order_id}/status", token=token, body={"status": status}
        )

    def raw(self, method: str, path: str, body: Any = None, token: str | None = None) -> Response:
        return self._send(method, path, token=token, body=body)


def _query_value(value: Any) -> Any:
    return str(value).lower() if isinstance(value, bool) else value


def _route(path: str) -> str:
    """The route template of a path, for request counts (ids replaced by ``{id}``)."""
    parts = path.split("/")
    known = {
        "auth",
        "register",
        "login",
        "me",
        "categories",
        "children",
        "path",
        "products",
        "search",
        "stock",
        "cart",
        "items",
        "orders",
        "cancel",
        "status",
        "health",
        "",
    }
    return "/".join(p if p in known else "{id}" for p in parts)


def annotate(value: Any) -> Any:
    """Mark JSON objects with the resource they are, by the fields they have."""
    if isinstance(value, list):
        return [annotate(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: annotate(v) for k, v in value.items()}
    kind = _kind(out)
    if kind is not None and "id" in out:
        out["$type"] = kind
    return out


def _kind(body: Mapping[str, Any]) -> str | None:
    keys = set(body)
    if {"email", "username"} <= keys:
        return "User"
    if {"price", "stock", "seller_id"} <= keys:
        return "Product"
    if {"status", "items", "total"} <= keys:
        return "Order"
    if {"name", "parent_id"} <= keys:
        return "Category"
    return None
